#!/bin/bash
# tests/style/check-potfiles.sh — po/POTFILES lists exactly the files with translatable strings:
# every source, template and data file that marks a string for gettext (_(), N_(), C_(),
# NC_(), ngettext (), translatable="yes", a GSettings schema, the desktop and metainfo
# templates), and nothing that does not exist.
#
# Copyright 2026 The Gatehouse developers
# SPDX-License-Identifier: GPL-3.0-or-later

set -euo pipefail
root=${1:?usage: check-potfiles.sh SOURCE_ROOT}
cd "$root"

listed=$(grep -v '^\s*#' po/POTFILES | sed '/^\s*$/d' | sort -u)
status=0

for file in $listed; do
  if [ ! -f "$file" ]; then
    echo "po/POTFILES lists $file, which does not exist" >&2
    status=1
  fi
done

marked=$( {
  grep -rlE '(^|[^A-Za-z0-9_])(N?C?_|g?n?gettext|g_dngettext)\s*\(\s*"' --include='*.c' src || true
  grep -rl 'translatable="yes"' --include='*.ui' src || true
  ls data/*.gschema.xml data/*.desktop.in data/*.metainfo.xml.in 2>/dev/null || true
} | sort -u)

for file in $marked; do
  if ! grep -qxF "$file" <<<"$listed"; then
    echo "$file has translatable strings but is not in po/POTFILES" >&2
    status=1
  fi
done

if [ "$status" -eq 0 ]; then
  echo "po/POTFILES: $(wc -l <<<"$listed") files, every one with translatable strings listed"
fi
exit "$status"
