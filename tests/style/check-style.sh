#!/usr/bin/env bash
# tests/style/check-style.sh — the formatting habits of the C sources, checked.
#
# Copyright 2026 The Gatehouse developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   check-style.sh [SOURCE_ROOT]
#
# Looks at every C source and header under src/ and tests/ (the tracked ones when SOURCE_ROOT
# holds .git, else all of them on disk) and fails, naming file:line, for
#   - a line over 100 columns (characters, not bytes: an em dash is one column);
#   - `g_autoptr (`, `g_autofree (`, `g_auto (`, `g_autolist (`, ...: these macros take no
#     space before the paren, unlike function calls.

set -u

root=${1:-$(dirname "$0")/../..}
cd "$root" || exit 2

# Characters, not bytes, whatever the caller's locale; without C.UTF-8 grep counts bytes,
# which is only ever stricter.
export LC_ALL=C.UTF-8

files=()
if [ -e .git ] && command -v git > /dev/null; then
  mapfile -t files < <(git ls-files -- 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h')
else
  mapfile -t files < <(find src tests -type f \( -name '*.c' -o -name '*.h' \) | sort)
fi
if [ ${#files[@]} -eq 0 ]; then
  echo "check-style: no C sources found under $PWD" >&2
  exit 2
fi

status=0

if long=$(grep -nHE '^.{101,}' -- "${files[@]}"); then
  while IFS= read -r hit; do
    file=${hit%%:*}
    rest=${hit#*:}
    text=${rest#*:}
    echo "${file}:${rest%%:*}: line of ${#text} columns (over 100)"
  done <<< "$long"
  status=1
fi

if spaced=$(grep -nHE '\bg_auto(ptr|free|list|slist|queue)?[[:space:]]+\(' -- "${files[@]}"); then
  while IFS= read -r hit; do
    file=${hit%%:*}
    rest=${hit#*:}
    echo "${file}:${rest%%:*}: space before the paren of a g_auto macro: ${rest#*:}"
  done <<< "$spaced"
  status=1
fi

if [ $status -eq 0 ]; then
  echo "check-style: ${#files[@]} files, no line over 100 columns, g_auto macros unspaced"
fi
exit $status
