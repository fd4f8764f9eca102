#!/bin/sh
# tests/gui/test-screenshot.sh — `gatehouse --screenshot` writes a PNG of the window, of the
# page asked for, at the size asked for; an unknown page is refused with the list of pages.
#
# Copyright 2026 The Gatehouse developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: test-screenshot.sh PATH-TO-GATEHOUSE (inside a D-Bus session and a display)
set -eu

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-screenshot.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

check_png () {
  if [ ! -s "$1" ]; then
    echo "no screenshot was written to $1" >&2
    exit 1
  fi
  signature=$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')
  if [ "$signature" != "89504e470d0a1a0a" ]; then
    echo "$1 is not a PNG (starts with $signature)" >&2
    exit 1
  fi
  # The IHDR chunk: width and height, big-endian, at bytes 16-23.
  od -An -tu1 -j16 -N8 "$1" | awk '{ printf "%d %d\n", $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8 }'
}

"$1" --data-dir "$tmp/data" --screenshot="$tmp/overview.png" >/dev/null
check_png "$tmp/overview.png" >/dev/null
echo "screenshot: $(wc -c < "$tmp/overview.png") bytes"

"$1" --data-dir "$tmp/data" --page=overview --dark --size=800x600 \
     --screenshot="$tmp/small.png" >/dev/null
size=$(check_png "$tmp/small.png")
if [ "$size" != "800 600" ]; then
  echo "--size=800x600 gave a $size image" >&2
  exit 1
fi
echo "800x600 dark: $(wc -c < "$tmp/small.png") bytes"

if "$1" --data-dir "$tmp/data" --page=no-such-page --screenshot="$tmp/none.png" \
     2>"$tmp/err" >/dev/null; then
  echo "an unknown page was accepted" >&2
  exit 1
fi
grep -q 'there is no page “no-such-page”; the pages are: overview' "$tmp/err" || {
  echo "an unknown page did not name the pages:" >&2; cat "$tmp/err" >&2; exit 1; }
if [ -e "$tmp/none.png" ]; then
  echo "an unknown page still wrote a screenshot" >&2
  exit 1
fi
echo "unknown page refused"

# A target needs its page, and a page that opens targets.
if "$1" --data-dir "$tmp/data" --target=client:x --screenshot="$tmp/none.png" \
     2>"$tmp/err" >/dev/null; then
  echo "--target without --page was accepted" >&2
  exit 1
fi
grep -q -- '--target needs --page' "$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
if "$1" --data-dir "$tmp/data" --page=keys --target=client:x --screenshot="$tmp/none.png" \
     2>"$tmp/err" >/dev/null; then
  echo "a --target on a page that opens none was accepted" >&2
  exit 1
fi
grep -q 'the page “keys” opens no --target' "$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
if [ -e "$tmp/none.png" ]; then
  echo "a refused --target still wrote a screenshot" >&2
  exit 1
fi
echo "targets without a page that opens them refused"
