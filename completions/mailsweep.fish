# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_mailsweep_global_optspecs
    string join \n config= timeout= ca-file= plaintext color= h/help V/version
end

function __fish_mailsweep_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_mailsweep_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_mailsweep_using_subcommand
    set -l cmd (__fish_mailsweep_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c mailsweep -n "__fish_mailsweep_needs_command" -l config -d 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]' -r -F
complete -c mailsweep -n "__fish_mailsweep_needs_command" -l timeout -d 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]' -r
complete -c mailsweep -n "__fish_mailsweep_needs_command" -l ca-file -d 'Trust the CA certificates in this PEM file beside the system store (private CA)' -r -F
complete -c mailsweep -n "__fish_mailsweep_needs_command" -l color -d 'When to use colours in tables' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mailsweep -n "__fish_mailsweep_needs_command" -l plaintext -d 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear'
complete -c mailsweep -n "__fish_mailsweep_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailsweep -n "__fish_mailsweep_needs_command" -s V -l version -d 'Print version'
complete -c mailsweep -n "__fish_mailsweep_needs_command" -f -a "probe" -d 'Connect, log in and show what the server offers (TLS, capabilities, quota roots)'
complete -c mailsweep -n "__fish_mailsweep_needs_command" -f -a "usage" -d 'Size per folder against the quota, with thresholds for monitoring'
complete -c mailsweep -n "__fish_mailsweep_needs_command" -f -a "attachments" -d 'The attachments that eat the quota, per attachment, without downloading them.'
complete -c mailsweep -n "__fish_mailsweep_needs_command" -f -a "deleters" -d 'Who deletes the mail: find deleting POP clients and other deleters, with a verdict, evidence and advice per mailbox ("my messages disappear")'
complete -c mailsweep -n "__fish_mailsweep_needs_command" -f -a "archive" -d 'Move old mail to local archives: verified before anything leaves the server, resumable, safe for cron.'
complete -c mailsweep -n "__fish_mailsweep_needs_command" -f -a "bounces" -d 'Delivery failure reports (bounces) in a mailbox, classified with the guide\'s advice.'
complete -c mailsweep -n "__fish_mailsweep_needs_command" -f -a "doctor" -d 'The guides\' checkup: every finding with its numbers, the guide rule and the fix.'
complete -c mailsweep -n "__fish_mailsweep_needs_command" -f -a "completions" -d 'Print shell completions to stdout (bash, zsh, fish, elvish, powershell)'
complete -c mailsweep -n "__fish_mailsweep_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand probe" -s a -l account -d 'Named account(s) from the config file' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand probe" -l admin -d 'Log in as this admin (e.g. a Dovecot master user) and open the source\'s user\'s mailbox through SASL PLAIN\'s authorization identity. The password is the admin\'s' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand probe" -l user -d 'With --admin: audit this user\'s mailbox (repeatable), instead of the source\'s user' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand probe" -l users-file -d 'With --admin: audit every user listed in this file (one per line, # comments)' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand probe" -l password-command -d 'A command printing the password on its first line (instead of MAILSWEEP_PASSWORD or the prompt). The password itself never goes on the command line' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand probe" -l auth -d 'Login mechanism' -r -f -a "auto\t'PLAIN when the server offers it (needed for an authorization identity), else LOGIN'
plain\t''
login\t''
apop\t'POP3 APOP (a digest of the greeting\'s timestamp; the password never crosses)'
xoauth2\t'OAuth 2 bearer token via SASL XOAUTH2 (the secret is the token)'
oauthbearer\t'OAuth 2 bearer token via SASL OAUTHBEARER, RFC 7628 (the secret is the token)'"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand probe" -s j -l jobs -d 'How many mailboxes are checked at once when there are several [default: 4]' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand probe" -l format -d 'Output format: table or json' -r -f -a "table\t'Human-readable tables (the default)'
json\t'One pretty-printed JSON document (a versioned, documented API)'
nagios\t'A Nagios/Icinga plugin status line with perfdata'
prometheus\t'A Prometheus textfile for the node_exporter textfile collector'"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand probe" -l config -d 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand probe" -l timeout -d 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand probe" -l ca-file -d 'Trust the CA certificates in this PEM file beside the system store (private CA)' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand probe" -l color -d 'When to use colours in tables' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand probe" -l all-accounts -d 'Every account in the config file'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand probe" -l plaintext -d 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand probe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand probe" -s V -l version -d 'Print version'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand usage" -s a -l account -d 'Named account(s) from the config file' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand usage" -l admin -d 'Log in as this admin (e.g. a Dovecot master user) and open the source\'s user\'s mailbox through SASL PLAIN\'s authorization identity. The password is the admin\'s' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand usage" -l user -d 'With --admin: audit this user\'s mailbox (repeatable), instead of the source\'s user' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand usage" -l users-file -d 'With --admin: audit every user listed in this file (one per line, # comments)' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand usage" -l password-command -d 'A command printing the password on its first line (instead of MAILSWEEP_PASSWORD or the prompt). The password itself never goes on the command line' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand usage" -l auth -d 'Login mechanism' -r -f -a "auto\t'PLAIN when the server offers it (needed for an authorization identity), else LOGIN'
plain\t''
login\t''
apop\t'POP3 APOP (a digest of the greeting\'s timestamp; the password never crosses)'
xoauth2\t'OAuth 2 bearer token via SASL XOAUTH2 (the secret is the token)'
oauthbearer\t'OAuth 2 bearer token via SASL OAUTHBEARER, RFC 7628 (the secret is the token)'"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand usage" -s j -l jobs -d 'How many mailboxes are checked at once when there are several [default: 4]' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand usage" -l sort -d 'Folder order' -r -f -a "size\t'Biggest first'
name\t'Hierarchy order (INBOX first, then by name)'
messages\t'Most messages first'"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand usage" -l top -d 'Show only the N first folders (totals still count all)' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand usage" -l warn -d 'Quota use (percent) at which the status is WARNING (exit 1) [default: 80]' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand usage" -l crit -d 'Quota use (percent) at which the status is CRITICAL (exit 2) [default: 95]' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand usage" -l format -d 'Output format: a table, JSON, a Nagios/Icinga status line with perfdata, or a Prometheus textfile (node_exporter textfile collector)' -r -f -a "table\t'Human-readable tables (the default)'
json\t'One pretty-printed JSON document (a versioned, documented API)'
nagios\t'A Nagios/Icinga plugin status line with perfdata'
prometheus\t'A Prometheus textfile for the node_exporter textfile collector'"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand usage" -l size-method -d 'How IMAP folder sizes are measured: STATUS=SIZE when offered (fast), or a streamed UID FETCH of every message\'s RFC822.SIZE (slow, works everywhere)' -r -f -a "auto\t''
status\t''
fetch\t''"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand usage" -l connections -d 'IMAP connections per mailbox used in parallel when it has many folders [default: 4]' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand usage" -l config -d 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand usage" -l timeout -d 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand usage" -l ca-file -d 'Trust the CA certificates in this PEM file beside the system store (private CA)' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand usage" -l color -d 'When to use colours in tables' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand usage" -l all-accounts -d 'Every account in the config file'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand usage" -l dates -d 'Also read each IMAP folder\'s oldest/newest dates. Not cheap on a server: two more round trips per folder on the STATUS route (EXAMINE, FETCH), and INTERNALDATE makes the server stat every message file on the fetch route. Local stores always show them'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand usage" -l plaintext -d 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand usage" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand usage" -s V -l version -d 'Print version'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand attachments" -s a -l account -d 'Named account(s) from the config file' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand attachments" -l admin -d 'Log in as this admin (e.g. a Dovecot master user) and open the source\'s user\'s mailbox through SASL PLAIN\'s authorization identity. The password is the admin\'s' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand attachments" -l user -d 'With --admin: audit this user\'s mailbox (repeatable), instead of the source\'s user' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand attachments" -l users-file -d 'With --admin: audit every user listed in this file (one per line, # comments)' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand attachments" -l password-command -d 'A command printing the password on its first line (instead of MAILSWEEP_PASSWORD or the prompt). The password itself never goes on the command line' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand attachments" -l auth -d 'Login mechanism' -r -f -a "auto\t'PLAIN when the server offers it (needed for an authorization identity), else LOGIN'
plain\t''
login\t''
apop\t'POP3 APOP (a digest of the greeting\'s timestamp; the password never crosses)'
xoauth2\t'OAuth 2 bearer token via SASL XOAUTH2 (the secret is the token)'
oauthbearer\t'OAuth 2 bearer token via SASL OAUTHBEARER, RFC 7628 (the secret is the token)'"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand attachments" -s j -l jobs -d 'How many mailboxes are checked at once when there are several [default: 4]' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand attachments" -l min-size -d 'Report attachments at least this big, encoded (500k, 5MiB, 1.5GB)' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand attachments" -l folder -d 'Only folders matching this glob (repeatable; `Archives/*`, case-insensitive)' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand attachments" -l older-than -d 'Only messages older than this: an age (30d, 6m, 1y) or a date (YYYY-MM-DD)' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand attachments" -l newer-than -d 'Only messages newer than this: an age (30d, 6m, 1y) or a date (YYYY-MM-DD)' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand attachments" -l type -d 'Only attachments of this MIME type (repeatable; `image/*`, `application/pdf`)' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand attachments" -l top -d 'Show only the N first attachments (totals still count all)' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand attachments" -l sort -d 'Attachment order: biggest first, or oldest first' -r -f -a "size\t'Biggest first'
date\t'Oldest first (the natural order to archive)'"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand attachments" -l format -d 'Output format: a table, JSON, or a Nagios/Icinga status line' -r -f -a "table\t'Human-readable tables (the default)'
json\t'One pretty-printed JSON document (a versioned, documented API)'
nagios\t'A Nagios/Icinga plugin status line with perfdata'
prometheus\t'A Prometheus textfile for the node_exporter textfile collector'"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand attachments" -l warn -d 'Share of the quota (percent) held by the attachments found at which the status is WARNING (exit 1) [default: 25]' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand attachments" -l crit -d 'Share of the quota (percent) held by the attachments found at which the status is CRITICAL (exit 2) [default: 50]' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand attachments" -l config -d 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand attachments" -l timeout -d 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand attachments" -l ca-file -d 'Trust the CA certificates in this PEM file beside the system store (private CA)' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand attachments" -l color -d 'When to use colours in tables' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand attachments" -l all-accounts -d 'Every account in the config file'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand attachments" -l download-candidates -d 'POP3: download (RETR) the messages at or above --min-size, one at a time, to show their attachments. Costs their size in traffic; nothing is deleted'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand attachments" -l plaintext -d 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand attachments" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand attachments" -s V -l version -d 'Print version'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and not __fish_seen_subcommand_from logs watch snapshot help" -l config -d 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and not __fish_seen_subcommand_from logs watch snapshot help" -l timeout -d 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and not __fish_seen_subcommand_from logs watch snapshot help" -l ca-file -d 'Trust the CA certificates in this PEM file beside the system store (private CA)' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and not __fish_seen_subcommand_from logs watch snapshot help" -l color -d 'When to use colours in tables' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and not __fish_seen_subcommand_from logs watch snapshot help" -l plaintext -d 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and not __fish_seen_subcommand_from logs watch snapshot help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and not __fish_seen_subcommand_from logs watch snapshot help" -s V -l version -d 'Print version'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and not __fish_seen_subcommand_from logs watch snapshot help" -f -a "logs" -d 'Read Dovecot logs (server side, for mail admins): per user and remote address, POP downloads and deletions, IMAP expunges, polling intervals, with verdicts'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and not __fish_seen_subcommand_from logs watch snapshot help" -f -a "watch" -d 'Watch INBOX live over IMAP (IDLE) and tell, for each message that leaves, how long it lived, whether \\Deleted or \\Seen came first and where it went.'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and not __fish_seen_subcommand_from logs watch snapshot help" -f -a "snapshot" -d 'Record INBOX (IMAP or POP3) and compare it with the previous run: what vanished, when it was last seen, at what age, and where it went. For cron.'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and not __fish_seen_subcommand_from logs watch snapshot help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from logs" -l user -d 'Only this user (repeatable)' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from logs" -l since -d 'Only sessions from this time on: RFC 3339, `YYYY-MM-DD[ HH:MM[:SS]]` (local time), or an age like `7d`, `12h`, `90min` (`m` is months, as everywhere in mailsweep)' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from logs" -l until -d 'Only sessions up to this time (same forms as --since)' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from logs" -l year -d 'The year of the first line of each file, for syslog timestamps that have none [default: inferred from each file\'s modification time]' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from logs" -l format -d 'Output format: table or json' -r -f -a "table\t'Human-readable tables (the default)'
json\t'One pretty-printed JSON document (a versioned, documented API)'
nagios\t'A Nagios/Icinga plugin status line with perfdata'
prometheus\t'A Prometheus textfile for the node_exporter textfile collector'"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from logs" -l config -d 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from logs" -l timeout -d 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from logs" -l ca-file -d 'Trust the CA certificates in this PEM file beside the system store (private CA)' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from logs" -l color -d 'When to use colours in tables' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from logs" -l all -d 'Table: every user in detail. Without it, above 20 users the table lists only those with a warning (a POP client deletes their mail) and counts the others in one line. JSON always has every user'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from logs" -l plaintext -d 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from logs" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from logs" -s V -l version -d 'Print version'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from watch" -s a -l account -d 'Named account(s) from the config file' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from watch" -l admin -d 'Log in as this admin (e.g. a Dovecot master user) and open the source\'s user\'s mailbox through SASL PLAIN\'s authorization identity. The password is the admin\'s' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from watch" -l user -d 'With --admin: audit this user\'s mailbox (repeatable), instead of the source\'s user' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from watch" -l users-file -d 'With --admin: audit every user listed in this file (one per line, # comments)' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from watch" -l password-command -d 'A command printing the password on its first line (instead of MAILSWEEP_PASSWORD or the prompt). The password itself never goes on the command line' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from watch" -l auth -d 'Login mechanism' -r -f -a "auto\t'PLAIN when the server offers it (needed for an authorization identity), else LOGIN'
plain\t''
login\t''
apop\t'POP3 APOP (a digest of the greeting\'s timestamp; the password never crosses)'
xoauth2\t'OAuth 2 bearer token via SASL XOAUTH2 (the secret is the token)'
oauthbearer\t'OAuth 2 bearer token via SASL OAUTHBEARER, RFC 7628 (the secret is the token)'"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from watch" -s j -l jobs -d 'How many mailboxes are checked at once when there are several [default: 4]' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from watch" -l for -d 'Stop after this long (90s, 30min, 2h, 1d; m is months) [default: until Ctrl-C or SIGTERM]' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from watch" -l summary-every -d 'Also print the verdicts this often (30min, 1h)' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from watch" -l folders-every -d 'How often Trash and Junk are looked at (one STATUS each; their UIDs when it moved), to see what leaves them: an expiry at a fixed age, or someone emptying them' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from watch" -l format -d 'Output format: text lines, or JSON lines (one event or summary per line)' -r -f -a "table\t'Human-readable tables (the default)'
json\t'One pretty-printed JSON document (a versioned, documented API)'
nagios\t'A Nagios/Icinga plugin status line with perfdata'
prometheus\t'A Prometheus textfile for the node_exporter textfile collector'"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from watch" -l config -d 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from watch" -l timeout -d 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from watch" -l ca-file -d 'Trust the CA certificates in this PEM file beside the system store (private CA)' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from watch" -l color -d 'When to use colours in tables' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from watch" -l all-accounts -d 'Every account in the config file'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from watch" -l canary -d 'Append one clearly labelled test message to INBOX and report when and how it disappears'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from watch" -l plaintext -d 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from watch" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from watch" -s V -l version -d 'Print version'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from snapshot" -s a -l account -d 'Named account(s) from the config file' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from snapshot" -l admin -d 'Log in as this admin (e.g. a Dovecot master user) and open the source\'s user\'s mailbox through SASL PLAIN\'s authorization identity. The password is the admin\'s' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from snapshot" -l user -d 'With --admin: audit this user\'s mailbox (repeatable), instead of the source\'s user' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from snapshot" -l users-file -d 'With --admin: audit every user listed in this file (one per line, # comments)' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from snapshot" -l password-command -d 'A command printing the password on its first line (instead of MAILSWEEP_PASSWORD or the prompt). The password itself never goes on the command line' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from snapshot" -l auth -d 'Login mechanism' -r -f -a "auto\t'PLAIN when the server offers it (needed for an authorization identity), else LOGIN'
plain\t''
login\t''
apop\t'POP3 APOP (a digest of the greeting\'s timestamp; the password never crosses)'
xoauth2\t'OAuth 2 bearer token via SASL XOAUTH2 (the secret is the token)'
oauthbearer\t'OAuth 2 bearer token via SASL OAUTHBEARER, RFC 7628 (the secret is the token)'"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from snapshot" -s j -l jobs -d 'How many mailboxes are checked at once when there are several [default: 4]' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from snapshot" -l state-file -d 'The state file [default: $XDG_STATE_HOME/mailsweep/snapshots/<account>.json]' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from snapshot" -l format -d 'Output format: table or json' -r -f -a "table\t'Human-readable tables (the default)'
json\t'One pretty-printed JSON document (a versioned, documented API)'
nagios\t'A Nagios/Icinga plugin status line with perfdata'
prometheus\t'A Prometheus textfile for the node_exporter textfile collector'"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from snapshot" -l config -d 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from snapshot" -l timeout -d 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from snapshot" -l ca-file -d 'Trust the CA certificates in this PEM file beside the system store (private CA)' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from snapshot" -l color -d 'When to use colours in tables' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from snapshot" -l all-accounts -d 'Every account in the config file'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from snapshot" -l reset -d 'Start over: forget the previous state (corrupt, foreign or unwanted) and record anew'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from snapshot" -l plaintext -d 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from snapshot" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from snapshot" -s V -l version -d 'Print version'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from help" -f -a "logs" -d 'Read Dovecot logs (server side, for mail admins): per user and remote address, POP downloads and deletions, IMAP expunges, polling intervals, with verdicts'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from help" -f -a "watch" -d 'Watch INBOX live over IMAP (IDLE) and tell, for each message that leaves, how long it lived, whether \\Deleted or \\Seen came first and where it went.'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from help" -f -a "snapshot" -d 'Record INBOX (IMAP or POP3) and compare it with the previous run: what vanished, when it was last seen, at what age, and where it went. For cron.'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand deleters; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -s a -l account -d 'Named account(s) from the config file' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -l admin -d 'Log in as this admin (e.g. a Dovecot master user) and open the source\'s user\'s mailbox through SASL PLAIN\'s authorization identity. The password is the admin\'s' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -l user -d 'With --admin: audit this user\'s mailbox (repeatable), instead of the source\'s user' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -l users-file -d 'With --admin: audit every user listed in this file (one per line, # comments)' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -l password-command -d 'A command printing the password on its first line (instead of MAILSWEEP_PASSWORD or the prompt). The password itself never goes on the command line' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -l auth -d 'Login mechanism' -r -f -a "auto\t'PLAIN when the server offers it (needed for an authorization identity), else LOGIN'
plain\t''
login\t''
apop\t'POP3 APOP (a digest of the greeting\'s timestamp; the password never crosses)'
xoauth2\t'OAuth 2 bearer token via SASL XOAUTH2 (the secret is the token)'
oauthbearer\t'OAuth 2 bearer token via SASL OAUTHBEARER, RFC 7628 (the secret is the token)'"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -s j -l jobs -d 'How many mailboxes are checked at once when there are several [default: 4]' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -l to -d 'The archive directory (created 0700 when missing)' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -l older-than -d 'Archive messages older than this: an age (30d, 6m, 1y) or a date (YYYY-MM-DD)' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -l before -d 'Archive messages received before this date (YYYY-MM-DD or RFC 3339)' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -l folder -d 'Only folders matching this glob (repeatable; `Archives/*`, case-insensitive) [default: every folder]' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -l larger-than -d 'Only messages bigger than this (500k, 5MiB)' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -l with-attachments-over -d 'Only messages with an attachment at least this big, encoded (as `attachments` reports)' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -l preset -d 'A selection that follows the guides: the Sent folder, the Trash, or messages with big attachments (5 MiB unless --with-attachments-over says otherwise)' -r -f -a "sent\t'The Sent folder(s) (SPECIAL-USE \\Sent, else the usual names)'
trash\t'The Trash folder(s), flagged and unread included'
big-attachments\t'Messages with an attachment of 5 MiB or more, in every folder'"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -l until-quota -d 'Archive the oldest selected messages first until the mailbox is at or under this share of its quota (70%). Local sources: a Maildir with a maildirsize limit only' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -l archive-format -d 'mbox: one mboxrd file per folder (Local Folders layout); maildir: Maildir++ with flags in file names' -r -f -a "mbox\t'One mboxrd file per folder, laid out as a mail client\'s "Local Folders"'
maildir\t'Maildir++ (Dovecot, mutt): one file per message, flags in the file name'"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -l batch-size -d 'Messages per batch: each batch is written, flushed, verified and journaled before its messages are removed from the server' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -l format -d 'Output format of the summary: table or json' -r -f -a "table\t'Human-readable tables (the default)'
json\t'One pretty-printed JSON document (a versioned, documented API)'
nagios\t'A Nagios/Icinga plugin status line with perfdata'
prometheus\t'A Prometheus textfile for the node_exporter textfile collector'"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -l config -d 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -l timeout -d 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -l ca-file -d 'Trust the CA certificates in this PEM file beside the system store (private CA)' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -l color -d 'When to use colours in tables' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -l all-accounts -d 'Every account in the config file'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -l by-sent-date -d 'Compare the sent date (Date: header) instead of the received date (INTERNALDATE)'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -l include-flagged -d 'Archive flagged messages too (kept on the server by default)'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -l include-unread -d 'Archive unread messages too (kept on the server by default)'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -l split-by-year -d 'One archive folder per year below each folder (`Sent.sbd/2021`); messages with no date at all go to `undated` beside the years'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -l compress -d 'Gzip the mbox files (mail clients cannot open them compressed)'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -s n -l dry-run -d 'Show the plan (messages and bytes per folder, the quota after) and change nothing'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -s y -l yes -d 'Do not ask for confirmation (for cron). Without a terminal, required to act'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -l keep-on-server -d 'Copy only (backup mode): nothing leaves the server; the next run adds what is new'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -l plaintext -d 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand archive" -s V -l version -d 'Print version'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand bounces" -s a -l account -d 'Named account(s) from the config file' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand bounces" -l admin -d 'Log in as this admin (e.g. a Dovecot master user) and open the source\'s user\'s mailbox through SASL PLAIN\'s authorization identity. The password is the admin\'s' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand bounces" -l user -d 'With --admin: audit this user\'s mailbox (repeatable), instead of the source\'s user' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand bounces" -l users-file -d 'With --admin: audit every user listed in this file (one per line, # comments)' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand bounces" -l password-command -d 'A command printing the password on its first line (instead of MAILSWEEP_PASSWORD or the prompt). The password itself never goes on the command line' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand bounces" -l auth -d 'Login mechanism' -r -f -a "auto\t'PLAIN when the server offers it (needed for an authorization identity), else LOGIN'
plain\t''
login\t''
apop\t'POP3 APOP (a digest of the greeting\'s timestamp; the password never crosses)'
xoauth2\t'OAuth 2 bearer token via SASL XOAUTH2 (the secret is the token)'
oauthbearer\t'OAuth 2 bearer token via SASL OAUTHBEARER, RFC 7628 (the secret is the token)'"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand bounces" -s j -l jobs -d 'How many mailboxes are checked at once when there are several [default: 4]' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand bounces" -l folder -d 'Only folders matching this glob (repeatable; case-insensitive) [default: INBOX; every file of an mbox source]' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand bounces" -l since -d 'Bounces that arrived since: an age (30d, 2w, 6m, 1y) or a date (YYYY-MM-DD)' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand bounces" -l format -d 'Output format: table or json' -r -f -a "table\t'Human-readable tables (the default)'
json\t'One pretty-printed JSON document (a versioned, documented API)'
nagios\t'A Nagios/Icinga plugin status line with perfdata'
prometheus\t'A Prometheus textfile for the node_exporter textfile collector'"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand bounces" -l config -d 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand bounces" -l timeout -d 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand bounces" -l ca-file -d 'Trust the CA certificates in this PEM file beside the system store (private CA)' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand bounces" -l color -d 'When to use colours in tables' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand bounces" -l all-accounts -d 'Every account in the config file'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand bounces" -l download-candidates -d 'POP3: download (RETR) the messages whose headers look like bounces, one at a time and at most 1 MiB each, to classify them. Nothing is deleted'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand bounces" -l plaintext -d 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand bounces" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand bounces" -s V -l version -d 'Print version'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand doctor" -s a -l account -d 'Named account(s) from the config file' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand doctor" -l admin -d 'Log in as this admin (e.g. a Dovecot master user) and open the source\'s user\'s mailbox through SASL PLAIN\'s authorization identity. The password is the admin\'s' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand doctor" -l user -d 'With --admin: audit this user\'s mailbox (repeatable), instead of the source\'s user' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand doctor" -l users-file -d 'With --admin: audit every user listed in this file (one per line, # comments)' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand doctor" -l password-command -d 'A command printing the password on its first line (instead of MAILSWEEP_PASSWORD or the prompt). The password itself never goes on the command line' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand doctor" -l auth -d 'Login mechanism' -r -f -a "auto\t'PLAIN when the server offers it (needed for an authorization identity), else LOGIN'
plain\t''
login\t''
apop\t'POP3 APOP (a digest of the greeting\'s timestamp; the password never crosses)'
xoauth2\t'OAuth 2 bearer token via SASL XOAUTH2 (the secret is the token)'
oauthbearer\t'OAuth 2 bearer token via SASL OAUTHBEARER, RFC 7628 (the secret is the token)'"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand doctor" -s j -l jobs -d 'How many mailboxes are checked at once when there are several [default: 4]' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand doctor" -l format -d 'Output format: a table, JSON, or Markdown to paste into a helpdesk ticket' -r -f -a "table\t'Human-readable: a summary table, then each finding with its evidence, rule and fix'
json\t'One JSON document (versioned, documented in `report::doctor`)'
markdown\t'Markdown to paste into a helpdesk ticket'"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand doctor" -l lang -d 'The language of the advice [default: French when LC_ALL, LC_MESSAGES or LANG starts with "fr", else English]' -r -f -a "en\t''
fr\t''"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand doctor" -l warn -d 'Quota use (percent) at which the quota finding is a warning [default: 80]' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand doctor" -l crit -d 'Quota use (percent) at which the quota finding is critical [default: 95]' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand doctor" -l bounces-since -d 'Bounces that arrived since: an age (30d, 6m) or a date (YYYY-MM-DD)' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand doctor" -l pop3 -d 'Also ask this POP3 server (pop3s://USER@HOST) for its retention policy (EXPIRE), for an IMAP source whose box is also read by POP. Same login as the source' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand doctor" -l logs -d 'Dovecot log files to look for deleting POP clients, several addresses and fast polling (as `deleters logs`; `-` reads stdin)' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand doctor" -l log-user -d 'The user name in the logs [default: the source\'s user; required for local sources]' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand doctor" -l config -d 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand doctor" -l timeout -d 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand doctor" -l ca-file -d 'Trust the CA certificates in this PEM file beside the system store (private CA)' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand doctor" -l color -d 'When to use colours in tables' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand doctor" -l all-accounts -d 'Every account in the config file'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand doctor" -l plaintext -d 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand doctor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand completions" -l config -d 'Config file [default: $XDG_CONFIG_HOME/mailsweep/config.toml]' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand completions" -l timeout -d 'Seconds allowed for each network operation (connect, handshake, one answer) [default: 30]' -r
complete -c mailsweep -n "__fish_mailsweep_using_subcommand completions" -l ca-file -d 'Trust the CA certificates in this PEM file beside the system store (private CA)' -r -F
complete -c mailsweep -n "__fish_mailsweep_using_subcommand completions" -l color -d 'When to use colours in tables' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mailsweep -n "__fish_mailsweep_using_subcommand completions" -l plaintext -d 'Allow logging in without TLS (imap:// or pop3:// with no STARTTLS): the password then crosses the network in clear'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand completions" -s V -l version -d 'Print version'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand help; and not __fish_seen_subcommand_from probe usage attachments deleters archive bounces doctor completions help" -f -a "probe" -d 'Connect, log in and show what the server offers (TLS, capabilities, quota roots)'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand help; and not __fish_seen_subcommand_from probe usage attachments deleters archive bounces doctor completions help" -f -a "usage" -d 'Size per folder against the quota, with thresholds for monitoring'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand help; and not __fish_seen_subcommand_from probe usage attachments deleters archive bounces doctor completions help" -f -a "attachments" -d 'The attachments that eat the quota, per attachment, without downloading them.'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand help; and not __fish_seen_subcommand_from probe usage attachments deleters archive bounces doctor completions help" -f -a "deleters" -d 'Who deletes the mail: find deleting POP clients and other deleters, with a verdict, evidence and advice per mailbox ("my messages disappear")'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand help; and not __fish_seen_subcommand_from probe usage attachments deleters archive bounces doctor completions help" -f -a "archive" -d 'Move old mail to local archives: verified before anything leaves the server, resumable, safe for cron.'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand help; and not __fish_seen_subcommand_from probe usage attachments deleters archive bounces doctor completions help" -f -a "bounces" -d 'Delivery failure reports (bounces) in a mailbox, classified with the guide\'s advice.'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand help; and not __fish_seen_subcommand_from probe usage attachments deleters archive bounces doctor completions help" -f -a "doctor" -d 'The guides\' checkup: every finding with its numbers, the guide rule and the fix.'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand help; and not __fish_seen_subcommand_from probe usage attachments deleters archive bounces doctor completions help" -f -a "completions" -d 'Print shell completions to stdout (bash, zsh, fish, elvish, powershell)'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand help; and not __fish_seen_subcommand_from probe usage attachments deleters archive bounces doctor completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand help; and __fish_seen_subcommand_from deleters" -f -a "logs" -d 'Read Dovecot logs (server side, for mail admins): per user and remote address, POP downloads and deletions, IMAP expunges, polling intervals, with verdicts'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand help; and __fish_seen_subcommand_from deleters" -f -a "watch" -d 'Watch INBOX live over IMAP (IDLE) and tell, for each message that leaves, how long it lived, whether \\Deleted or \\Seen came first and where it went.'
complete -c mailsweep -n "__fish_mailsweep_using_subcommand help; and __fish_seen_subcommand_from deleters" -f -a "snapshot" -d 'Record INBOX (IMAP or POP3) and compare it with the previous run: what vanished, when it was last seen, at what age, and where it went. For cron.'
