#!/bin/bash
# tests/style/check-explain-coverage.sh — every explain rule of docs/audit-events.md (which the
# `audit` test keeps equal to src/core/util/gh-explain.c) is produced by a real refused request
# in one of the table-driven explain tests: a rule is named, as a C string, in their tables.
#
# Copyright 2026 The Gatehouse developers
# SPDX-License-Identifier: GPL-3.0-or-later

set -euo pipefail
root=${1:?usage: check-explain-coverage.sh SOURCE_ROOT}
tests=("$root/tests/server/test-explain-oauth.c" "$root/tests/server/test-explain-registration.c")

rules=$(awk '/^### Explain rules/ { on = 1; next } /^#/ { on = 0 } on && /^\| `/ { print $2 }' \
          "$root/docs/audit-events.md" | tr -d '`')
[ -n "$rules" ] || { echo "no explain rules found in docs/audit-events.md" >&2; exit 1; }

missing=0
count=0
for rule in $rules; do
  count=$((count + 1))
  if ! grep -qF "\"$rule\"" "${tests[@]}"; then
    echo "explain rule $rule is produced by no row of the explain tests" >&2
    missing=$((missing + 1))
  fi
done
echo "$count explain rules, $missing without a test row"
[ "$missing" -eq 0 ]
