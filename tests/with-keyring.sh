#!/bin/sh
# tests/with-keyring.sh — run a command with an unlocked gnome-keyring in this D-Bus session.
#
# Copyright 2026 The Gatehouse developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Call it inside a private bus: dbus-run-session -- tests/with-keyring.sh CMD ARGS...
# HOME and XDG_RUNTIME_DIR point to a fresh temporary directory so the user's own keyring (and
# its control socket) is never touched. The daemon runs in the foreground as our child, so it
# is stopped and reaped when the command ends, whatever happens to the bus.
#
# With --keyring-optional first, a command that can do without a keyring (the GUI falls back
# to its file backend) runs anyway when there is none, in the same temporary HOME, instead of
# being skipped.
set -u

keyring_optional=no
if [ "${1:-}" = "--keyring-optional" ]; then
  keyring_optional=yes
  shift
fi

tap=no
for arg in "$@"; do
  if [ "$arg" = "--tap" ]; then
    tap=yes
  fi
done

skip () {
  echo "with-keyring.sh: $1" >&2
  # Under meson's TAP protocol a skip is an empty plan; 77 only means "skipped" to exitcode tests.
  if [ "$tap" = yes ]; then
    echo "1..0 # SKIP $1"
    exit 0
  fi
  exit 77
}

fail () {
  echo "with-keyring.sh: $1" >&2
  if [ -n "${tmp_home:-}" ] && [ -s "$tmp_home/keyring.err" ]; then
    sed 's/^/  gnome-keyring-daemon: /' "$tmp_home/keyring.err" >&2
  fi
  exit 99
}

no_keyring=
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  no_keyring="no D-Bus session bus (run it under dbus-run-session)"
fi
for tool in gnome-keyring-daemon dbus-send; do
  if [ -z "$no_keyring" ] && ! command -v "$tool" >/dev/null 2>&1; then
    no_keyring="$tool is not installed"
  fi
done
if [ -n "$no_keyring" ] && [ "$keyring_optional" = no ]; then
  skip "$no_keyring"
fi

bus_call () {
  dbus-send --session --print-reply=literal "$@" 2>/dev/null
}

# Asks the bus itself, so nothing gets D-Bus-activated while we wait.
secrets_owned () {
  bus_call --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets | grep -q true
}

login_unlocked () {
  bus_call --dest=org.freedesktop.secrets /org/freedesktop/secrets/collection/login \
    org.freedesktop.DBus.Properties.Get \
    string:org.freedesktop.Secret.Collection string:Locked | grep -q false
}

if secrets_owned; then
  fail "org.freedesktop.secrets is already owned on this bus; use a private one (dbus-run-session)"
fi

tmp_home=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-keyring.XXXXXX") || exit 99
keyring_pid=

cleanup () {
  if [ -n "$keyring_pid" ]; then
    kill "$keyring_pid" 2>/dev/null
    wait "$keyring_pid" 2>/dev/null
  fi
  rm -rf "$tmp_home"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

export HOME="$tmp_home"
export XDG_DATA_HOME="$tmp_home/.local/share"
export XDG_CONFIG_HOME="$tmp_home/.config"
export XDG_CACHE_HOME="$tmp_home/.cache"
export XDG_RUNTIME_DIR="$tmp_home/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
mkdir -m 0700 "$XDG_RUNTIME_DIR"
unset GNOME_KEYRING_CONTROL

if [ -n "$no_keyring" ]; then
  echo "with-keyring.sh: $no_keyring; running without a keyring" >&2
  "$@"
  exit $?
fi

# An empty password never unlocks the login keyring; any non-empty one creates and unlocks it.
# The daemon gets a normal environment: with the tests' G_DEBUG=fatal-warnings its own
# harmless warnings ("asked to register item ..., but it's already registered") would abort it.
printf 'gatehouse-test-password' |
  env -u G_DEBUG -u G_ENABLE_DIAGNOSTIC -u MALLOC_CHECK_ -u MALLOC_PERTURB_ \
    gnome-keyring-daemon --foreground --unlock --components=secrets \
    >"$tmp_home/keyring.out" 2>"$tmp_home/keyring.err" &
keyring_pid=$!

tries=0
until secrets_owned && login_unlocked; do
  if ! kill -0 "$keyring_pid" 2>/dev/null; then
    wait "$keyring_pid" 2>/dev/null
    keyring_pid=
    fail "gnome-keyring-daemon exited before the login keyring was ready"
  fi
  tries=$((tries + 1))
  if [ "$tries" -ge 200 ]; then
    fail "the login keyring was not unlocked on the bus within 20 s"
  fi
  sleep 0.1
done

export GNOME_KEYRING_CONTROL="$XDG_RUNTIME_DIR/keyring"
# Tests that lock or fill the keyring check this, so they never run against a real one.
export GATEHOUSE_TEST_KEYRING_HOME="$tmp_home"

"$@"
status=$?
exit "$status"
