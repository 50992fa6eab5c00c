
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
            cand bounces 'Delivery failure reports (bounces) in a mailbox, classified with the guide''s advice.'
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
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mailsweep;deleters;logs'= {
            cand --user 'Only this user (repeatable)'
            cand --since 'Only sessions from this time on: RFC 3339, `YYYY-MM-DD[ HH:MM[:SS]]` (local time), or an age like `7d`, `12h`'
            cand --until 'Only sessions up to this time (same forms as --since)'
            cand --year 'The year of the first line of each file, for syslog timestamps that have none [default: inferred from each file''s modification time]'
            cand --format 'Output format: table or json'
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
        &'mailsweep;deleters;help'= {
            cand logs 'Read Dovecot logs (server side, for mail admins): per user and remote address, POP downloads and deletions, IMAP expunges, polling intervals, with verdicts'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mailsweep;deleters;help;logs'= {
        }
        &'mailsweep;deleters;help;help'= {
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
            cand bounces 'Delivery failure reports (bounces) in a mailbox, classified with the guide''s advice.'
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
        }
        &'mailsweep;help;deleters;logs'= {
        }
        &'mailsweep;help;bounces'= {
        }
        &'mailsweep;help;completions'= {
        }
        &'mailsweep;help;help'= {
        }
    ]
    $completions[$command]
}
