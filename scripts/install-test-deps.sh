#!/usr/bin/env bash
# Installs what mailsweep's integration tests need on Debian 12 (bookworm):
#   dovecot-imapd, dovecot-pop3d (real IMAP/POP3 server driven by tests/support/dovecot.rs),
#   fetchmail, isync (mbsync), openssl, python3.
# Idempotent and fast when everything is present (no apt-get at all then).
# Makes sure the *system* Dovecot service is neither running nor enabled: every test starts its
# own private Dovecot on free 127.0.0.1 ports and never depends on the system instance.
# Must run as root (or with sudo available); the tests themselves also run as root.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        exec sudo -- "$0" "$@"
    fi
    echo "install-test-deps.sh: must run as root" >&2
    exit 1
fi

packages=(dovecot-imapd dovecot-pop3d fetchmail isync openssl python3)

installed() { # package
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

missing=0
for cmd in dovecot doveadm fetchmail mbsync openssl python3; do
    if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$cmd" ]; then
        missing=1
    fi
done
for pkg in dovecot-imapd dovecot-pop3d; do
    installed "$pkg" || missing=1
done

if [ "$missing" -eq 1 ]; then
    export DEBIAN_FRONTEND=noninteractive
    # Keep maintainer scripts from starting services during installation (containers often
    # ship a policy-rc.d already; only add and remove our own).
    own_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 0755 /usr/sbin/policy-rc.d
        own_policy=1
    fi
    cleanup() { if [ "$own_policy" -eq 1 ]; then rm -f /usr/sbin/policy-rc.d; fi; }
    trap cleanup EXIT
    apt-get update
    apt-get install -y "${packages[@]}"
else
    echo "install-test-deps.sh: all test dependencies already installed"
fi

# The system Dovecot must not run or start at boot. Never kill by name: stop it through its
# service manager or its own pid file only.
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now dovecot.service dovecot.socket >/dev/null 2>&1 || true
else
    if command -v update-rc.d >/dev/null 2>&1 && [ -e /etc/init.d/dovecot ]; then
        update-rc.d dovecot disable >/dev/null 2>&1 || true
    fi
    pidfile=/run/dovecot/master.pid
    if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        doveadm stop >/dev/null 2>&1 || true
    fi
fi

dovecot --version
