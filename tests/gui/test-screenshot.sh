#!/bin/sh
# tests/gui/test-screenshot.sh — `gatehouse --screenshot` writes a PNG of the window.
#
# Copyright 2026 The Gatehouse developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: test-screenshot.sh PATH-TO-GATEHOUSE (inside a D-Bus session and a display)
set -eu

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-screenshot.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

"$1" --data-dir "$tmp/data" --screenshot="$tmp/overview.png"

if [ ! -s "$tmp/overview.png" ]; then
  echo "no screenshot was written" >&2
  exit 1
fi

signature=$(head -c 8 "$tmp/overview.png" | od -An -tx1 | tr -d ' \n')
if [ "$signature" != "89504e470d0a1a0a" ]; then
  echo "the screenshot is not a PNG (starts with $signature)" >&2
  exit 1
fi

echo "screenshot: $(wc -c < "$tmp/overview.png") bytes"
