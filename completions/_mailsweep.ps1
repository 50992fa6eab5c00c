
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'mailsweep' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'mailsweep'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'mailsweep' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file beside the system store (private CA)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in tables')
            [CompletionResult]::new('--plaintext', '--plaintext', [CompletionResultType]::ParameterName, 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('probe', 'probe', [CompletionResultType]::ParameterValue, 'Connect, log in and show what the server offers (TLS, capabilities, quota roots)')
            [CompletionResult]::new('usage', 'usage', [CompletionResultType]::ParameterValue, 'Size per folder against the quota, with thresholds for monitoring')
            [CompletionResult]::new('attachments', 'attachments', [CompletionResultType]::ParameterValue, 'The attachments that eat the quota, per attachment, without downloading them.')
            [CompletionResult]::new('deleters', 'deleters', [CompletionResultType]::ParameterValue, 'Who deletes the mail: find deleting POP clients and other deleters, with a verdict, evidence and advice per mailbox ("my messages disappear")')
            [CompletionResult]::new('archive', 'archive', [CompletionResultType]::ParameterValue, 'Move old mail to local archives: verified before anything leaves the server, resumable, safe for cron.')
            [CompletionResult]::new('bounces', 'bounces', [CompletionResultType]::ParameterValue, 'Delivery failure reports (bounces) in a mailbox, classified with the guide''s advice.')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'The guides'' checkup: every finding with its numbers, the guide rule and the fix.')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions to stdout (bash, zsh, fish, elvish, powershell)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mailsweep;probe' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Named account(s) from the config file')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Named account(s) from the config file')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Log in as this admin (e.g. a Dovecot master user) and open the source''s user''s mailbox through SASL PLAIN''s authorization identity. The password is the admin''s')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'With --admin: audit this user''s mailbox (repeatable), instead of the source''s user')
            [CompletionResult]::new('--users-file', '--users-file', [CompletionResultType]::ParameterName, 'With --admin: audit every user listed in this file (one per line, # comments)')
            [CompletionResult]::new('--password-command', '--password-command', [CompletionResultType]::ParameterName, 'A command printing the password on its first line (instead of MAILSWEEP_PASSWORD or the prompt). The password itself never goes on the command line')
            [CompletionResult]::new('--auth', '--auth', [CompletionResultType]::ParameterName, 'Login mechanism')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'How many mailboxes are checked at once when there are several [default: 4]')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'How many mailboxes are checked at once when there are several [default: 4]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: table or json')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file beside the system store (private CA)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in tables')
            [CompletionResult]::new('--all-accounts', '--all-accounts', [CompletionResultType]::ParameterName, 'Every account in the config file')
            [CompletionResult]::new('--plaintext', '--plaintext', [CompletionResultType]::ParameterName, 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailsweep;usage' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Named account(s) from the config file')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Named account(s) from the config file')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Log in as this admin (e.g. a Dovecot master user) and open the source''s user''s mailbox through SASL PLAIN''s authorization identity. The password is the admin''s')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'With --admin: audit this user''s mailbox (repeatable), instead of the source''s user')
            [CompletionResult]::new('--users-file', '--users-file', [CompletionResultType]::ParameterName, 'With --admin: audit every user listed in this file (one per line, # comments)')
            [CompletionResult]::new('--password-command', '--password-command', [CompletionResultType]::ParameterName, 'A command printing the password on its first line (instead of MAILSWEEP_PASSWORD or the prompt). The password itself never goes on the command line')
            [CompletionResult]::new('--auth', '--auth', [CompletionResultType]::ParameterName, 'Login mechanism')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'How many mailboxes are checked at once when there are several [default: 4]')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'How many mailboxes are checked at once when there are several [default: 4]')
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Folder order')
            [CompletionResult]::new('--top', '--top', [CompletionResultType]::ParameterName, 'Show only the N first folders (totals still count all)')
            [CompletionResult]::new('--warn', '--warn', [CompletionResultType]::ParameterName, 'Quota use (percent) at which the status is WARNING (exit 1) [default: 80]')
            [CompletionResult]::new('--crit', '--crit', [CompletionResultType]::ParameterName, 'Quota use (percent) at which the status is CRITICAL (exit 2) [default: 95]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table, JSON, a Nagios/Icinga status line with perfdata, or a Prometheus textfile (node_exporter textfile collector)')
            [CompletionResult]::new('--size-method', '--size-method', [CompletionResultType]::ParameterName, 'How IMAP folder sizes are measured: STATUS=SIZE when offered (fast), or a streamed UID FETCH of every message''s RFC822.SIZE (slow, works everywhere)')
            [CompletionResult]::new('--connections', '--connections', [CompletionResultType]::ParameterName, 'IMAP connections per mailbox used in parallel when it has many folders [default: 4]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file beside the system store (private CA)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in tables')
            [CompletionResult]::new('--all-accounts', '--all-accounts', [CompletionResultType]::ParameterName, 'Every account in the config file')
            [CompletionResult]::new('--dates', '--dates', [CompletionResultType]::ParameterName, 'Also read each IMAP folder''s oldest/newest dates. Not cheap on a server: two more round trips per folder on the STATUS route (EXAMINE, FETCH), and INTERNALDATE makes the server stat every message file on the fetch route. Local stores always show them')
            [CompletionResult]::new('--plaintext', '--plaintext', [CompletionResultType]::ParameterName, 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailsweep;attachments' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Named account(s) from the config file')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Named account(s) from the config file')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Log in as this admin (e.g. a Dovecot master user) and open the source''s user''s mailbox through SASL PLAIN''s authorization identity. The password is the admin''s')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'With --admin: audit this user''s mailbox (repeatable), instead of the source''s user')
            [CompletionResult]::new('--users-file', '--users-file', [CompletionResultType]::ParameterName, 'With --admin: audit every user listed in this file (one per line, # comments)')
            [CompletionResult]::new('--password-command', '--password-command', [CompletionResultType]::ParameterName, 'A command printing the password on its first line (instead of MAILSWEEP_PASSWORD or the prompt). The password itself never goes on the command line')
            [CompletionResult]::new('--auth', '--auth', [CompletionResultType]::ParameterName, 'Login mechanism')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'How many mailboxes are checked at once when there are several [default: 4]')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'How many mailboxes are checked at once when there are several [default: 4]')
            [CompletionResult]::new('--min-size', '--min-size', [CompletionResultType]::ParameterName, 'Report attachments at least this big, encoded (500k, 5MiB, 1.5GB)')
            [CompletionResult]::new('--folder', '--folder', [CompletionResultType]::ParameterName, 'Only folders matching this glob (repeatable; `Archives/*`, case-insensitive)')
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'Only messages older than this: an age (30d, 6m, 1y) or a date (YYYY-MM-DD)')
            [CompletionResult]::new('--newer-than', '--newer-than', [CompletionResultType]::ParameterName, 'Only messages newer than this: an age (30d, 6m, 1y) or a date (YYYY-MM-DD)')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Only attachments of this MIME type (repeatable; `image/*`, `application/pdf`)')
            [CompletionResult]::new('--top', '--top', [CompletionResultType]::ParameterName, 'Show only the N first attachments (totals still count all)')
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Attachment order: biggest first, or oldest first')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table, JSON, or a Nagios/Icinga status line')
            [CompletionResult]::new('--warn', '--warn', [CompletionResultType]::ParameterName, 'Share of the quota (percent) held by the attachments found at which the status is WARNING (exit 1) [default: 25]')
            [CompletionResult]::new('--crit', '--crit', [CompletionResultType]::ParameterName, 'Share of the quota (percent) held by the attachments found at which the status is CRITICAL (exit 2) [default: 50]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file beside the system store (private CA)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in tables')
            [CompletionResult]::new('--all-accounts', '--all-accounts', [CompletionResultType]::ParameterName, 'Every account in the config file')
            [CompletionResult]::new('--download-candidates', '--download-candidates', [CompletionResultType]::ParameterName, 'POP3: download (RETR) the messages at or above --min-size, one at a time, to show their attachments. Costs their size in traffic; nothing is deleted')
            [CompletionResult]::new('--plaintext', '--plaintext', [CompletionResultType]::ParameterName, 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailsweep;deleters' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file beside the system store (private CA)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in tables')
            [CompletionResult]::new('--plaintext', '--plaintext', [CompletionResultType]::ParameterName, 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Read Dovecot logs (server side, for mail admins): per user and remote address, POP downloads and deletions, IMAP expunges, polling intervals, with verdicts')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'Watch INBOX live over IMAP (IDLE) and tell, for each message that leaves, how long it lived, whether \Deleted or \Seen came first and where it went.')
            [CompletionResult]::new('snapshot', 'snapshot', [CompletionResultType]::ParameterValue, 'Record INBOX (IMAP or POP3) and compare it with the previous run: what vanished, when it was last seen, at what age, and where it went. For cron.')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mailsweep;deleters;logs' {
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Only this user (repeatable)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only sessions from this time on: RFC 3339, `YYYY-MM-DD[ HH:MM[:SS]]` (local time), or an age like `7d`, `12h`, `90min` (`m` is months, as everywhere in mailsweep)')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only sessions up to this time (same forms as --since)')
            [CompletionResult]::new('--year', '--year', [CompletionResultType]::ParameterName, 'The year of the first line of each file, for syslog timestamps that have none [default: inferred from each file''s modification time]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: table or json')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file beside the system store (private CA)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in tables')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Table: every user in detail. Without it, above 20 users the table lists only those with a warning (a POP client deletes their mail) and counts the others in one line. JSON always has every user')
            [CompletionResult]::new('--plaintext', '--plaintext', [CompletionResultType]::ParameterName, 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailsweep;deleters;watch' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Named account(s) from the config file')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Named account(s) from the config file')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Log in as this admin (e.g. a Dovecot master user) and open the source''s user''s mailbox through SASL PLAIN''s authorization identity. The password is the admin''s')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'With --admin: audit this user''s mailbox (repeatable), instead of the source''s user')
            [CompletionResult]::new('--users-file', '--users-file', [CompletionResultType]::ParameterName, 'With --admin: audit every user listed in this file (one per line, # comments)')
            [CompletionResult]::new('--password-command', '--password-command', [CompletionResultType]::ParameterName, 'A command printing the password on its first line (instead of MAILSWEEP_PASSWORD or the prompt). The password itself never goes on the command line')
            [CompletionResult]::new('--auth', '--auth', [CompletionResultType]::ParameterName, 'Login mechanism')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'How many mailboxes are checked at once when there are several [default: 4]')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'How many mailboxes are checked at once when there are several [default: 4]')
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'Stop after this long (90s, 30min, 2h, 1d; m is months) [default: until Ctrl-C or SIGTERM]')
            [CompletionResult]::new('--summary-every', '--summary-every', [CompletionResultType]::ParameterName, 'Also print the verdicts this often (30min, 1h)')
            [CompletionResult]::new('--folders-every', '--folders-every', [CompletionResultType]::ParameterName, 'How often Trash and Junk are looked at (one STATUS each; their UIDs when it moved), to see what leaves them: an expiry at a fixed age, or someone emptying them')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: text lines, or JSON lines (one event or summary per line)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file beside the system store (private CA)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in tables')
            [CompletionResult]::new('--all-accounts', '--all-accounts', [CompletionResultType]::ParameterName, 'Every account in the config file')
            [CompletionResult]::new('--canary', '--canary', [CompletionResultType]::ParameterName, 'Append one clearly labelled test message to INBOX and report when and how it disappears')
            [CompletionResult]::new('--plaintext', '--plaintext', [CompletionResultType]::ParameterName, 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailsweep;deleters;snapshot' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Named account(s) from the config file')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Named account(s) from the config file')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Log in as this admin (e.g. a Dovecot master user) and open the source''s user''s mailbox through SASL PLAIN''s authorization identity. The password is the admin''s')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'With --admin: audit this user''s mailbox (repeatable), instead of the source''s user')
            [CompletionResult]::new('--users-file', '--users-file', [CompletionResultType]::ParameterName, 'With --admin: audit every user listed in this file (one per line, # comments)')
            [CompletionResult]::new('--password-command', '--password-command', [CompletionResultType]::ParameterName, 'A command printing the password on its first line (instead of MAILSWEEP_PASSWORD or the prompt). The password itself never goes on the command line')
            [CompletionResult]::new('--auth', '--auth', [CompletionResultType]::ParameterName, 'Login mechanism')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'How many mailboxes are checked at once when there are several [default: 4]')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'How many mailboxes are checked at once when there are several [default: 4]')
            [CompletionResult]::new('--state-file', '--state-file', [CompletionResultType]::ParameterName, 'The state file [default: $XDG_STATE_HOME/mailsweep/snapshots/<account>.json]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: table or json')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file beside the system store (private CA)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in tables')
            [CompletionResult]::new('--all-accounts', '--all-accounts', [CompletionResultType]::ParameterName, 'Every account in the config file')
            [CompletionResult]::new('--reset', '--reset', [CompletionResultType]::ParameterName, 'Start over: forget the previous state (corrupt, foreign or unwanted) and record anew')
            [CompletionResult]::new('--plaintext', '--plaintext', [CompletionResultType]::ParameterName, 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailsweep;deleters;help' {
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Read Dovecot logs (server side, for mail admins): per user and remote address, POP downloads and deletions, IMAP expunges, polling intervals, with verdicts')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'Watch INBOX live over IMAP (IDLE) and tell, for each message that leaves, how long it lived, whether \Deleted or \Seen came first and where it went.')
            [CompletionResult]::new('snapshot', 'snapshot', [CompletionResultType]::ParameterValue, 'Record INBOX (IMAP or POP3) and compare it with the previous run: what vanished, when it was last seen, at what age, and where it went. For cron.')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mailsweep;deleters;help;logs' {
            break
        }
        'mailsweep;deleters;help;watch' {
            break
        }
        'mailsweep;deleters;help;snapshot' {
            break
        }
        'mailsweep;deleters;help;help' {
            break
        }
        'mailsweep;archive' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Named account(s) from the config file')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Named account(s) from the config file')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Log in as this admin (e.g. a Dovecot master user) and open the source''s user''s mailbox through SASL PLAIN''s authorization identity. The password is the admin''s')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'With --admin: audit this user''s mailbox (repeatable), instead of the source''s user')
            [CompletionResult]::new('--users-file', '--users-file', [CompletionResultType]::ParameterName, 'With --admin: audit every user listed in this file (one per line, # comments)')
            [CompletionResult]::new('--password-command', '--password-command', [CompletionResultType]::ParameterName, 'A command printing the password on its first line (instead of MAILSWEEP_PASSWORD or the prompt). The password itself never goes on the command line')
            [CompletionResult]::new('--auth', '--auth', [CompletionResultType]::ParameterName, 'Login mechanism')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'How many mailboxes are checked at once when there are several [default: 4]')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'How many mailboxes are checked at once when there are several [default: 4]')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The archive directory (created 0700 when missing)')
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'Archive messages older than this: an age (30d, 6m, 1y) or a date (YYYY-MM-DD)')
            [CompletionResult]::new('--before', '--before', [CompletionResultType]::ParameterName, 'Archive messages received before this date (YYYY-MM-DD or RFC 3339)')
            [CompletionResult]::new('--folder', '--folder', [CompletionResultType]::ParameterName, 'Only folders matching this glob (repeatable; `Archives/*`, case-insensitive) [default: every folder]')
            [CompletionResult]::new('--larger-than', '--larger-than', [CompletionResultType]::ParameterName, 'Only messages bigger than this (500k, 5MiB)')
            [CompletionResult]::new('--with-attachments-over', '--with-attachments-over', [CompletionResultType]::ParameterName, 'Only messages with an attachment at least this big, encoded (as `attachments` reports)')
            [CompletionResult]::new('--preset', '--preset', [CompletionResultType]::ParameterName, 'A selection that follows the guides: the Sent folder, the Trash, or messages with big attachments (5 MiB unless --with-attachments-over says otherwise)')
            [CompletionResult]::new('--until-quota', '--until-quota', [CompletionResultType]::ParameterName, 'Archive the oldest selected messages first until the mailbox is at or under this share of its quota (70%). Local sources: a Maildir with a maildirsize limit only')
            [CompletionResult]::new('--archive-format', '--archive-format', [CompletionResultType]::ParameterName, 'mbox: one mboxrd file per folder (Local Folders layout); maildir: Maildir++ with flags in file names')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Messages per batch: each batch is written, flushed, verified and journaled before its messages are removed from the server')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of the summary: table or json')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file beside the system store (private CA)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in tables')
            [CompletionResult]::new('--all-accounts', '--all-accounts', [CompletionResultType]::ParameterName, 'Every account in the config file')
            [CompletionResult]::new('--by-sent-date', '--by-sent-date', [CompletionResultType]::ParameterName, 'Compare the sent date (Date: header) instead of the received date (INTERNALDATE)')
            [CompletionResult]::new('--include-flagged', '--include-flagged', [CompletionResultType]::ParameterName, 'Archive flagged messages too (kept on the server by default)')
            [CompletionResult]::new('--include-unread', '--include-unread', [CompletionResultType]::ParameterName, 'Archive unread messages too (kept on the server by default)')
            [CompletionResult]::new('--split-by-year', '--split-by-year', [CompletionResultType]::ParameterName, 'One archive folder per year below each folder (`Sent.sbd/2021`); messages with no date at all go to `undated` beside the years')
            [CompletionResult]::new('--compress', '--compress', [CompletionResultType]::ParameterName, 'Gzip the mbox files (mail clients cannot open them compressed)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Show the plan (messages and bytes per folder, the quota after) and change nothing')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show the plan (messages and bytes per folder, the quota after) and change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (for cron). Without a terminal, required to act')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (for cron). Without a terminal, required to act')
            [CompletionResult]::new('--keep-on-server', '--keep-on-server', [CompletionResultType]::ParameterName, 'Copy only (backup mode): nothing leaves the server; the next run adds what is new')
            [CompletionResult]::new('--plaintext', '--plaintext', [CompletionResultType]::ParameterName, 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailsweep;bounces' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Named account(s) from the config file')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Named account(s) from the config file')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Log in as this admin (e.g. a Dovecot master user) and open the source''s user''s mailbox through SASL PLAIN''s authorization identity. The password is the admin''s')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'With --admin: audit this user''s mailbox (repeatable), instead of the source''s user')
            [CompletionResult]::new('--users-file', '--users-file', [CompletionResultType]::ParameterName, 'With --admin: audit every user listed in this file (one per line, # comments)')
            [CompletionResult]::new('--password-command', '--password-command', [CompletionResultType]::ParameterName, 'A command printing the password on its first line (instead of MAILSWEEP_PASSWORD or the prompt). The password itself never goes on the command line')
            [CompletionResult]::new('--auth', '--auth', [CompletionResultType]::ParameterName, 'Login mechanism')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'How many mailboxes are checked at once when there are several [default: 4]')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'How many mailboxes are checked at once when there are several [default: 4]')
            [CompletionResult]::new('--folder', '--folder', [CompletionResultType]::ParameterName, 'Only folders matching this glob (repeatable; case-insensitive) [default: INBOX; every file of an mbox source]')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Bounces that arrived since: an age (30d, 2w, 6m, 1y) or a date (YYYY-MM-DD)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: table or json')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file beside the system store (private CA)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in tables')
            [CompletionResult]::new('--all-accounts', '--all-accounts', [CompletionResultType]::ParameterName, 'Every account in the config file')
            [CompletionResult]::new('--download-candidates', '--download-candidates', [CompletionResultType]::ParameterName, 'POP3: download (RETR) the messages whose headers look like bounces, one at a time and at most 1 MiB each, to classify them. Nothing is deleted')
            [CompletionResult]::new('--plaintext', '--plaintext', [CompletionResultType]::ParameterName, 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailsweep;doctor' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Named account(s) from the config file')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Named account(s) from the config file')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Log in as this admin (e.g. a Dovecot master user) and open the source''s user''s mailbox through SASL PLAIN''s authorization identity. The password is the admin''s')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'With --admin: audit this user''s mailbox (repeatable), instead of the source''s user')
            [CompletionResult]::new('--users-file', '--users-file', [CompletionResultType]::ParameterName, 'With --admin: audit every user listed in this file (one per line, # comments)')
            [CompletionResult]::new('--password-command', '--password-command', [CompletionResultType]::ParameterName, 'A command printing the password on its first line (instead of MAILSWEEP_PASSWORD or the prompt). The password itself never goes on the command line')
            [CompletionResult]::new('--auth', '--auth', [CompletionResultType]::ParameterName, 'Login mechanism')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'How many mailboxes are checked at once when there are several [default: 4]')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'How many mailboxes are checked at once when there are several [default: 4]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: a table, JSON, or Markdown to paste into a helpdesk ticket')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'The language of the advice [default: French when LC_ALL, LC_MESSAGES or LANG starts with "fr", else English]')
            [CompletionResult]::new('--warn', '--warn', [CompletionResultType]::ParameterName, 'Quota use (percent) at which the quota finding is a warning [default: 80]')
            [CompletionResult]::new('--crit', '--crit', [CompletionResultType]::ParameterName, 'Quota use (percent) at which the quota finding is critical [default: 95]')
            [CompletionResult]::new('--bounces-since', '--bounces-since', [CompletionResultType]::ParameterName, 'Bounces that arrived since: an age (30d, 6m) or a date (YYYY-MM-DD)')
            [CompletionResult]::new('--pop3', '--pop3', [CompletionResultType]::ParameterName, 'Also ask this POP3 server (pop3s://USER@HOST) for its retention policy (EXPIRE), for an IMAP source whose box is also read by POP. Same login as the source')
            [CompletionResult]::new('--logs', '--logs', [CompletionResultType]::ParameterName, 'Dovecot log files to look for deleting POP clients, several addresses and fast polling (as `deleters logs`; `-` reads stdin)')
            [CompletionResult]::new('--log-user', '--log-user', [CompletionResultType]::ParameterName, 'The user name in the logs [default: the source''s user; required for local sources]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file beside the system store (private CA)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in tables')
            [CompletionResult]::new('--all-accounts', '--all-accounts', [CompletionResultType]::ParameterName, 'Every account in the config file')
            [CompletionResult]::new('--plaintext', '--plaintext', [CompletionResultType]::ParameterName, 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailsweep;completions' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file beside the system store (private CA)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in tables')
            [CompletionResult]::new('--plaintext', '--plaintext', [CompletionResultType]::ParameterName, 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'mailsweep;help' {
            [CompletionResult]::new('probe', 'probe', [CompletionResultType]::ParameterValue, 'Connect, log in and show what the server offers (TLS, capabilities, quota roots)')
            [CompletionResult]::new('usage', 'usage', [CompletionResultType]::ParameterValue, 'Size per folder against the quota, with thresholds for monitoring')
            [CompletionResult]::new('attachments', 'attachments', [CompletionResultType]::ParameterValue, 'The attachments that eat the quota, per attachment, without downloading them.')
            [CompletionResult]::new('deleters', 'deleters', [CompletionResultType]::ParameterValue, 'Who deletes the mail: find deleting POP clients and other deleters, with a verdict, evidence and advice per mailbox ("my messages disappear")')
            [CompletionResult]::new('archive', 'archive', [CompletionResultType]::ParameterValue, 'Move old mail to local archives: verified before anything leaves the server, resumable, safe for cron.')
            [CompletionResult]::new('bounces', 'bounces', [CompletionResultType]::ParameterValue, 'Delivery failure reports (bounces) in a mailbox, classified with the guide''s advice.')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'The guides'' checkup: every finding with its numbers, the guide rule and the fix.')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions to stdout (bash, zsh, fish, elvish, powershell)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mailsweep;help;probe' {
            break
        }
        'mailsweep;help;usage' {
            break
        }
        'mailsweep;help;attachments' {
            break
        }
        'mailsweep;help;deleters' {
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Read Dovecot logs (server side, for mail admins): per user and remote address, POP downloads and deletions, IMAP expunges, polling intervals, with verdicts')
            [CompletionResult]::new('watch', 'watch', [CompletionResultType]::ParameterValue, 'Watch INBOX live over IMAP (IDLE) and tell, for each message that leaves, how long it lived, whether \Deleted or \Seen came first and where it went.')
            [CompletionResult]::new('snapshot', 'snapshot', [CompletionResultType]::ParameterValue, 'Record INBOX (IMAP or POP3) and compare it with the previous run: what vanished, when it was last seen, at what age, and where it went. For cron.')
            break
        }
        'mailsweep;help;deleters;logs' {
            break
        }
        'mailsweep;help;deleters;watch' {
            break
        }
        'mailsweep;help;deleters;snapshot' {
            break
        }
        'mailsweep;help;archive' {
            break
        }
        'mailsweep;help;bounces' {
            break
        }
        'mailsweep;help;doctor' {
            break
        }
        'mailsweep;help;completions' {
            break
        }
        'mailsweep;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
