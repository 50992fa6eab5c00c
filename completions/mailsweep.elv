
use builtin;
use str;

set edit:completion:arg-completer[mailsweep] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'mailsweep'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'mailsweep'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]'
            cand --timeout 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]'
            cand --ca-file 'Trust the CA certificates in this PEM file beside the system store (private CA)'
            cand --color 'When to use colours in tables'
            cand --plaintext 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand probe 'Connect, log in and show what the server offers (TLS, capabilities, quota roots)'
            cand usage 'Size per folder against the quota, with thresholds for monitoring'
            cand attachments 'The attachments that eat the quota, per attachment, without downloading them.'
            cand deleters 'Who deletes the mail: find deleting POP clients and other deleters, with a verdict, evidence and advice per mailbox ("my messages disappear")'
            cand archive 'Move old mail to local archives: verified before anything leaves the server, resumable, safe for cron.'
            cand bounces 'Delivery failure reports (bounces) in a mailbox, classified with the guide''s advice.'
            cand doctor 'The guides'' checkup: every finding with its numbers, the guide rule and the fix.'
            cand completions 'Print shell completions to stdout (bash, zsh, fish, elvish, powershell)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mailsweep;probe'= {
            cand -a 'Named account(s) from the config file'
            cand --account 'Named account(s) from the config file'
            cand --admin 'Log in as this admin (e.g. a Dovecot master user) and open the source''s user''s mailbox through SASL PLAIN''s authorization identity. The password is the admin''s'
            cand --user 'With --admin: audit this user''s mailbox (repeatable), instead of the source''s user'
            cand --users-file 'With --admin: audit every user listed in this file (one per line, # comments)'
            cand --password-command 'A command printing the password on its first line (instead of MAILSWEEP_PASSWORD or the prompt). The password itself never goes on the command line'
            cand --auth 'Login mechanism'
            cand -j 'How many mailboxes are checked at once when there are several [default: 4]'
            cand --jobs 'How many mailboxes are checked at once when there are several [default: 4]'
            cand --format 'Output format: table or json'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]'
            cand --timeout 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]'
            cand --ca-file 'Trust the CA certificates in this PEM file beside the system store (private CA)'
            cand --color 'When to use colours in tables'
            cand --all-accounts 'Every account in the config file'
            cand --plaintext 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailsweep;usage'= {
            cand -a 'Named account(s) from the config file'
            cand --account 'Named account(s) from the config file'
            cand --admin 'Log in as this admin (e.g. a Dovecot master user) and open the source''s user''s mailbox through SASL PLAIN''s authorization identity. The password is the admin''s'
            cand --user 'With --admin: audit this user''s mailbox (repeatable), instead of the source''s user'
            cand --users-file 'With --admin: audit every user listed in this file (one per line, # comments)'
            cand --password-command 'A command printing the password on its first line (instead of MAILSWEEP_PASSWORD or the prompt). The password itself never goes on the command line'
            cand --auth 'Login mechanism'
            cand -j 'How many mailboxes are checked at once when there are several [default: 4]'
            cand --jobs 'How many mailboxes are checked at once when there are several [default: 4]'
            cand --sort 'Folder order'
            cand --top 'Show only the N first folders (totals still count all)'
            cand --warn 'Quota use (percent) at which the status is WARNING (exit 1) [default: 80]'
            cand --crit 'Quota use (percent) at which the status is CRITICAL (exit 2) [default: 95]'
            cand --format 'Output format: a table, JSON, a Nagios/Icinga status line with perfdata, or a Prometheus textfile (node_exporter textfile collector)'
            cand --size-method 'How IMAP folder sizes are measured: STATUS=SIZE when offered (fast), or a streamed UID FETCH of every message''s RFC822.SIZE (slow, works everywhere)'
            cand --connections 'IMAP connections per mailbox used in parallel when it has many folders [default: 4]'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]'
            cand --timeout 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]'
            cand --ca-file 'Trust the CA certificates in this PEM file beside the system store (private CA)'
            cand --color 'When to use colours in tables'
            cand --all-accounts 'Every account in the config file'
            cand --dates 'Also read each IMAP folder''s oldest/newest dates. Not cheap on a server: two more round trips per folder on the STATUS route (EXAMINE, FETCH), and INTERNALDATE makes the server stat every message file on the fetch route. Local stores always show them'
            cand --plaintext 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailsweep;attachments'= {
            cand -a 'Named account(s) from the config file'
            cand --account 'Named account(s) from the config file'
            cand --admin 'Log in as this admin (e.g. a Dovecot master user) and open the source''s user''s mailbox through SASL PLAIN''s authorization identity. The password is the admin''s'
            cand --user 'With --admin: audit this user''s mailbox (repeatable), instead of the source''s user'
            cand --users-file 'With --admin: audit every user listed in this file (one per line, # comments)'
            cand --password-command 'A command printing the password on its first line (instead of MAILSWEEP_PASSWORD or the prompt). The password itself never goes on the command line'
            cand --auth 'Login mechanism'
            cand -j 'How many mailboxes are checked at once when there are several [default: 4]'
            cand --jobs 'How many mailboxes are checked at once when there are several [default: 4]'
            cand --min-size 'Report attachments at least this big, encoded (500k, 5MiB, 1.5GB)'
            cand --folder 'Only folders matching this glob (repeatable; `Archives/*`, case-insensitive)'
            cand --older-than 'Only messages older than this: an age (30d, 6m, 1y) or a date (YYYY-MM-DD)'
            cand --newer-than 'Only messages newer than this: an age (30d, 6m, 1y) or a date (YYYY-MM-DD)'
            cand --type 'Only attachments of this MIME type (repeatable; `image/*`, `application/pdf`)'
            cand --top 'Show only the N first attachments (totals still count all)'
            cand --sort 'Attachment order: biggest first, or oldest first'
            cand --format 'Output format: a table, JSON, or a Nagios/Icinga status line'
            cand --warn 'Share of the quota (percent) held by the attachments found at which the status is WARNING (exit 1) [default: 25]'
            cand --crit 'Share of the quota (percent) held by the attachments found at which the status is CRITICAL (exit 2) [default: 50]'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]'
            cand --timeout 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]'
            cand --ca-file 'Trust the CA certificates in this PEM file beside the system store (private CA)'
            cand --color 'When to use colours in tables'
            cand --all-accounts 'Every account in the config file'
            cand --download-candidates 'POP3: download (RETR) the messages at or above --min-size, one at a time, to show their attachments. Costs their size in traffic; nothing is deleted'
            cand --plaintext 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailsweep;deleters'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]'
            cand --timeout 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]'
            cand --ca-file 'Trust the CA certificates in this PEM file beside the system store (private CA)'
            cand --color 'When to use colours in tables'
            cand --plaintext 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand logs 'Read Dovecot logs (server side, for mail admins): per user and remote address, POP downloads and deletions, IMAP expunges, polling intervals, with verdicts'
            cand watch 'Watch INBOX live over IMAP (IDLE) and tell, for each message that leaves, how long it lived, whether \Deleted or \Seen came first and where it went.'
            cand snapshot 'Record INBOX (IMAP or POP3) and compare it with the previous run: what vanished, when it was last seen, at what age, and where it went. For cron.'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mailsweep;deleters;logs'= {
            cand --user 'Only this user (repeatable)'
            cand --since 'Only sessions from this time on: RFC 3339, `YYYY-MM-DD[ HH:MM[:SS]]` (local time), or an age like `7d`, `12h`, `90min` (`m` is months, as everywhere in mailsweep)'
            cand --until 'Only sessions up to this time (same forms as --since)'
            cand --year 'The year of the first line of each file, for syslog timestamps that have none [default: inferred from each file''s modification time]'
            cand --format 'Output format: table or json'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]'
            cand --timeout 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]'
            cand --ca-file 'Trust the CA certificates in this PEM file beside the system store (private CA)'
            cand --color 'When to use colours in tables'
            cand --all 'Table: every user in detail. Without it, above 20 users the table lists only those with a warning (a POP client deletes their mail) and counts the others in one line. JSON always has every user'
            cand --plaintext 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailsweep;deleters;watch'= {
            cand -a 'Named account(s) from the config file'
            cand --account 'Named account(s) from the config file'
            cand --admin 'Log in as this admin (e.g. a Dovecot master user) and open the source''s user''s mailbox through SASL PLAIN''s authorization identity. The password is the admin''s'
            cand --user 'With --admin: audit this user''s mailbox (repeatable), instead of the source''s user'
            cand --users-file 'With --admin: audit every user listed in this file (one per line, # comments)'
            cand --password-command 'A command printing the password on its first line (instead of MAILSWEEP_PASSWORD or the prompt). The password itself never goes on the command line'
            cand --auth 'Login mechanism'
            cand -j 'How many mailboxes are checked at once when there are several [default: 4]'
            cand --jobs 'How many mailboxes are checked at once when there are several [default: 4]'
            cand --for 'Stop after this long (90s, 30min, 2h, 1d; m is months) [default: until Ctrl-C or SIGTERM]'
            cand --summary-every 'Also print the verdicts this often (30min, 1h)'
            cand --folders-every 'How often Trash and Junk are looked at (one STATUS each; their UIDs when it moved), to see what leaves them: an expiry at a fixed age, or someone emptying them'
            cand --format 'Output format: text lines, or JSON lines (one event or summary per line)'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]'
            cand --timeout 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]'
            cand --ca-file 'Trust the CA certificates in this PEM file beside the system store (private CA)'
            cand --color 'When to use colours in tables'
            cand --all-accounts 'Every account in the config file'
            cand --canary 'Append one clearly labelled test message to INBOX and report when and how it disappears'
            cand --plaintext 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailsweep;deleters;snapshot'= {
            cand -a 'Named account(s) from the config file'
            cand --account 'Named account(s) from the config file'
            cand --admin 'Log in as this admin (e.g. a Dovecot master user) and open the source''s user''s mailbox through SASL PLAIN''s authorization identity. The password is the admin''s'
            cand --user 'With --admin: audit this user''s mailbox (repeatable), instead of the source''s user'
            cand --users-file 'With --admin: audit every user listed in this file (one per line, # comments)'
            cand --password-command 'A command printing the password on its first line (instead of MAILSWEEP_PASSWORD or the prompt). The password itself never goes on the command line'
            cand --auth 'Login mechanism'
            cand -j 'How many mailboxes are checked at once when there are several [default: 4]'
            cand --jobs 'How many mailboxes are checked at once when there are several [default: 4]'
            cand --state-file 'The state file [default: $XDG_STATE_HOME/mailsweep/snapshots/<account>.json]'
            cand --format 'Output format: table or json'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]'
            cand --timeout 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]'
            cand --ca-file 'Trust the CA certificates in this PEM file beside the system store (private CA)'
            cand --color 'When to use colours in tables'
            cand --all-accounts 'Every account in the config file'
            cand --reset 'Start over: forget the previous state (corrupt, foreign or unwanted) and record anew'
            cand --plaintext 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailsweep;deleters;help'= {
            cand logs 'Read Dovecot logs (server side, for mail admins): per user and remote address, POP downloads and deletions, IMAP expunges, polling intervals, with verdicts'
            cand watch 'Watch INBOX live over IMAP (IDLE) and tell, for each message that leaves, how long it lived, whether \Deleted or \Seen came first and where it went.'
            cand snapshot 'Record INBOX (IMAP or POP3) and compare it with the previous run: what vanished, when it was last seen, at what age, and where it went. For cron.'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mailsweep;deleters;help;logs'= {
        }
        &'mailsweep;deleters;help;watch'= {
        }
        &'mailsweep;deleters;help;snapshot'= {
        }
        &'mailsweep;deleters;help;help'= {
        }
        &'mailsweep;archive'= {
            cand -a 'Named account(s) from the config file'
            cand --account 'Named account(s) from the config file'
            cand --admin 'Log in as this admin (e.g. a Dovecot master user) and open the source''s user''s mailbox through SASL PLAIN''s authorization identity. The password is the admin''s'
            cand --user 'With --admin: audit this user''s mailbox (repeatable), instead of the source''s user'
            cand --users-file 'With --admin: audit every user listed in this file (one per line, # comments)'
            cand --password-command 'A command printing the password on its first line (instead of MAILSWEEP_PASSWORD or the prompt). The password itself never goes on the command line'
            cand --auth 'Login mechanism'
            cand -j 'How many mailboxes are checked at once when there are several [default: 4]'
            cand --jobs 'How many mailboxes are checked at once when there are several [default: 4]'
            cand --to 'The archive directory (created 0700 when missing)'
            cand --older-than 'Archive messages older than this: an age (30d, 6m, 1y) or a date (YYYY-MM-DD)'
            cand --before 'Archive messages received before this date (YYYY-MM-DD or RFC 3339)'
            cand --folder 'Only folders matching this glob (repeatable; `Archives/*`, case-insensitive) [default: every folder]'
            cand --larger-than 'Only messages bigger than this (500k, 5MiB)'
            cand --with-attachments-over 'Only messages with an attachment at least this big, encoded (as `attachments` reports)'
            cand --preset 'A selection that follows the guides: the Sent folder, the Trash, or messages with big attachments (5 MiB unless --with-attachments-over says otherwise)'
            cand --until-quota 'Archive the oldest selected messages first until the mailbox is at or under this share of its quota (70%). Local sources: a Maildir with a maildirsize limit only'
            cand --archive-format 'mbox: one mboxrd file per folder (Local Folders layout); maildir: Maildir++ with flags in file names'
            cand --batch-size 'Messages per batch: each batch is written, flushed, verified and journaled before its messages are removed from the server'
            cand --format 'Output format of the summary: table or json'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]'
            cand --timeout 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]'
            cand --ca-file 'Trust the CA certificates in this PEM file beside the system store (private CA)'
            cand --color 'When to use colours in tables'
            cand --all-accounts 'Every account in the config file'
            cand --by-sent-date 'Compare the sent date (Date: header) instead of the received date (INTERNALDATE)'
            cand --include-flagged 'Archive flagged messages too (kept on the server by default)'
            cand --include-unread 'Archive unread messages too (kept on the server by default)'
            cand --split-by-year 'One archive folder per year below each folder (`Sent.sbd/2021`); messages with no date at all go to `undated` beside the years'
            cand --compress 'Gzip the mbox files (mail clients cannot open them compressed)'
            cand -n 'Show the plan (messages and bytes per folder, the quota after) and change nothing'
            cand --dry-run 'Show the plan (messages and bytes per folder, the quota after) and change nothing'
            cand -y 'Do not ask for confirmation (for cron). Without a terminal, required to act'
            cand --yes 'Do not ask for confirmation (for cron). Without a terminal, required to act'
            cand --keep-on-server 'Copy only (backup mode): nothing leaves the server; the next run adds what is new'
            cand --plaintext 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailsweep;bounces'= {
            cand -a 'Named account(s) from the config file'
            cand --account 'Named account(s) from the config file'
            cand --admin 'Log in as this admin (e.g. a Dovecot master user) and open the source''s user''s mailbox through SASL PLAIN''s authorization identity. The password is the admin''s'
            cand --user 'With --admin: audit this user''s mailbox (repeatable), instead of the source''s user'
            cand --users-file 'With --admin: audit every user listed in this file (one per line, # comments)'
            cand --password-command 'A command printing the password on its first line (instead of MAILSWEEP_PASSWORD or the prompt). The password itself never goes on the command line'
            cand --auth 'Login mechanism'
            cand -j 'How many mailboxes are checked at once when there are several [default: 4]'
            cand --jobs 'How many mailboxes are checked at once when there are several [default: 4]'
            cand --folder 'Only folders matching this glob (repeatable; case-insensitive) [default: INBOX; every file of an mbox source]'
            cand --since 'Bounces that arrived since: an age (30d, 2w, 6m, 1y) or a date (YYYY-MM-DD)'
            cand --format 'Output format: table or json'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]'
            cand --timeout 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]'
            cand --ca-file 'Trust the CA certificates in this PEM file beside the system store (private CA)'
            cand --color 'When to use colours in tables'
            cand --all-accounts 'Every account in the config file'
            cand --download-candidates 'POP3: download (RETR) the messages whose headers look like bounces, one at a time and at most 1 MiB each, to classify them. Nothing is deleted'
            cand --plaintext 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailsweep;doctor'= {
            cand -a 'Named account(s) from the config file'
            cand --account 'Named account(s) from the config file'
            cand --admin 'Log in as this admin (e.g. a Dovecot master user) and open the source''s user''s mailbox through SASL PLAIN''s authorization identity. The password is the admin''s'
            cand --user 'With --admin: audit this user''s mailbox (repeatable), instead of the source''s user'
            cand --users-file 'With --admin: audit every user listed in this file (one per line, # comments)'
            cand --password-command 'A command printing the password on its first line (instead of MAILSWEEP_PASSWORD or the prompt). The password itself never goes on the command line'
            cand --auth 'Login mechanism'
            cand -j 'How many mailboxes are checked at once when there are several [default: 4]'
            cand --jobs 'How many mailboxes are checked at once when there are several [default: 4]'
            cand --format 'Output format: a table, JSON, or Markdown to paste into a helpdesk ticket'
            cand --lang 'The language of the advice [default: French when LC_ALL, LC_MESSAGES or LANG starts with "fr", else English]'
            cand --warn 'Quota use (percent) at which the quota finding is a warning [default: 80]'
            cand --crit 'Quota use (percent) at which the quota finding is critical [default: 95]'
            cand --bounces-since 'Bounces that arrived since: an age (30d, 6m) or a date (YYYY-MM-DD)'
            cand --pop3 'Also ask this POP3 server (pop3s://USER@HOST) for its retention policy (EXPIRE), for an IMAP source whose box is also read by POP. Same login as the source'
            cand --logs 'Dovecot log files to look for deleting POP clients, several addresses and fast polling (as `deleters logs`; `-` reads stdin)'
            cand --log-user 'The user name in the logs [default: the source''s user; required for local sources]'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]'
            cand --timeout 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]'
            cand --ca-file 'Trust the CA certificates in this PEM file beside the system store (private CA)'
            cand --color 'When to use colours in tables'
            cand --all-accounts 'Every account in the config file'
            cand --plaintext 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailsweep;completions'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]'
            cand --timeout 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]'
            cand --ca-file 'Trust the CA certificates in this PEM file beside the system store (private CA)'
            cand --color 'When to use colours in tables'
            cand --plaintext 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'mailsweep;help'= {
            cand probe 'Connect, log in and show what the server offers (TLS, capabilities, quota roots)'
            cand usage 'Size per folder against the quota, with thresholds for monitoring'
            cand attachments 'The attachments that eat the quota, per attachment, without downloading them.'
            cand deleters 'Who deletes the mail: find deleting POP clients and other deleters, with a verdict, evidence and advice per mailbox ("my messages disappear")'
            cand archive 'Move old mail to local archives: verified before anything leaves the server, resumable, safe for cron.'
            cand bounces 'Delivery failure reports (bounces) in a mailbox, classified with the guide''s advice.'
            cand doctor 'The guides'' checkup: every finding with its numbers, the guide rule and the fix.'
            cand completions 'Print shell completions to stdout (bash, zsh, fish, elvish, powershell)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mailsweep;help;probe'= {
        }
        &'mailsweep;help;usage'= {
        }
        &'mailsweep;help;attachments'= {
        }
        &'mailsweep;help;deleters'= {
            cand logs 'Read Dovecot logs (server side, for mail admins): per user and remote address, POP downloads and deletions, IMAP expunges, polling intervals, with verdicts'
            cand watch 'Watch INBOX live over IMAP (IDLE) and tell, for each message that leaves, how long it lived, whether \Deleted or \Seen came first and where it went.'
            cand snapshot 'Record INBOX (IMAP or POP3) and compare it with the previous run: what vanished, when it was last seen, at what age, and where it went. For cron.'
        }
        &'mailsweep;help;deleters;logs'= {
        }
        &'mailsweep;help;deleters;watch'= {
        }
        &'mailsweep;help;deleters;snapshot'= {
        }
        &'mailsweep;help;archive'= {
        }
        &'mailsweep;help;bounces'= {
        }
        &'mailsweep;help;doctor'= {
        }
        &'mailsweep;help;completions'= {
        }
        &'mailsweep;help;help'= {
        }
    ]
    $completions[$command]
}
