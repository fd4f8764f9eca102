#!/bin/sh
# tests/with-keyring.sh — run a command with an unlocked gnome-keyring in this D-Bus session.
#
# Copyright 2026 The Gatehouse developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Call it inside a private bus: dbus-run-session -- tests/with-keyring.sh CMD ARGS...
# HOME points to a fresh temporary directory so the user's own keyring is never touched.
set -eu

if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  echo "with-keyring.sh: no D-Bus session bus (run it under dbus-run-session)" >&2
  exit 77
fi

tmp_home=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-keyring.XXXXXX")
trap 'rm -rf "$tmp_home"' EXIT
export HOME="$tmp_home"
export XDG_DATA_HOME="$tmp_home/.local/share"
export XDG_CONFIG_HOME="$tmp_home/.config"
export XDG_CACHE_HOME="$tmp_home/.cache"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"

# An empty password never unlocks the login keyring; any non-empty one creates and unlocks it.
eval "$(printf 'gatehouse-test-password' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL

"$@"
status=$?
exit $status
