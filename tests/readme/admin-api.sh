#!/usr/bin/env bash
# tests/readme/admin-api.sh — run README.md's "Admin API" examples as written.
#
# Copyright 2026 The Gatehouse developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   admin-api.sh README.md
#
# Starts `gatehouse-server serve --dev` on a free port with a temporary data directory (the
# server the section's text assumes), runs every ```sh block of the section in one bash with
# the port 41234 replaced by the free one, then checks what the blocks printed. Exit 77 (skip)
# when curl or jq is missing.
set -uo pipefail

readme=$1

for tool in curl jq; do
  command -v $tool >/dev/null 2>&1 ||
    { echo "admin-api: SKIP: $tool is not installed" >&2; exit 77; }
done
[ -n "${GATEHOUSE_SERVER:-}" ] || { echo "admin-api: GATEHOUSE_SERVER is not set" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-admin-api-XXXXXX")
trap 'rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')

awk '
  /^## / { in_section = ($0 == "## Admin API"); next }
  in_section && /^```sh$/ { in_block = 1; next }
  in_block && /^```$/ { in_block = 0; next }
  in_block { print }
' "$readme" | sed -e "s|127\.0\.0\.1:41234|127.0.0.1:$port|g" > "$work/blocks.sh"
[ -s "$work/blocks.sh" ] || { echo "admin-api: no sh block under \"## Admin API\"" >&2; exit 1; }

cat > "$work/run.sh" <<PRELUDE
set -euo pipefail
unset DBUS_SESSION_BUS_ADDRESS
trap 'kill \$(jobs -p) 2>/dev/null; wait 2>/dev/null' EXIT
S="\$GATEHOUSE_SERVER"
export GATEHOUSE_DATA_DIR="$work/gh"
\$S serve --dev --listen 127.0.0.1:$port >&2 &
\$S status --wait 10 >&2
PRELUDE
cat "$work/blocks.sh" >> "$work/run.sh"

(cd "$work" && bash run.sh) > "$work/out.log" 2> "$work/err.log"
status=$?
cat "$work/out.log"
fail() {
  echo "admin-api: FAILED: $1; stderr:" >&2
  cat "$work/err.log" >&2
  echo "the script:" >&2
  cat -n "$work/run.sh" >&2
  exit 1
}
[ $status = 0 ] || fail "status $status"
grep -q '"version"' "$work/out.log" || fail "no server information"
grep -q '"slug": "team"' "$work/out.log" || fail "no project created"
grep -q '"key":"cimd_enabled".*"cascade_from":"mcp_enabled"' "$work/out.log" ||
  fail "no cascaded change"
grep -q '^adm_.* ci active$' "$work/out.log" || fail "the ci token is not listed"
grep -q '^iat: iat_[^ ]* active iatk_\.\.\.$' "$work/out.log" || fail "no IAT issued"
grep -q '"uri":"https://mcp.example.com/mcp","scopes":\["tools"\]' "$work/out.log" ||
  fail "no resource added"
grep -q '^fix: true ' "$work/out.log" || fail "the fix was not applied"
grep -q '^audit: oauth_client\.registration_refused failure 127\.0\.0\.1 my-client/1\.0$' \
  "$work/out.log" || fail "the refused registration is not in the audit"
grep -q '^{"id":[0-9]*,"type":"oauth_client\.registration_refused","outcome":"failure"}$' \
  "$work/out.log" || fail "the event stream did not replay the refused registration"
grep -qx 401 "$work/out.log" || fail "the revoked token was not refused"
grep -q '^compat: Cursor warning: Cursor registers by DCR' "$work/out.log" ||
  fail "no compat verdict for Cursor"
grep -q '^inspect: invalid signature: The token is unsigned' "$work/out.log" ||
  fail "no inspection verdict"
grep -qx 'families: 0' "$work/out.log" || fail "no refresh family list"
head -n 1 "$work/audit.csv" | grep -q '^id,time,project_slug,type,outcome,' &&
  grep -q ',oauth_client\.registration_refused,failure,' "$work/audit.csv" ||
  fail "the audit export is not there"
grep -qx 'hit: GET /.well-known/oauth-protected-resource 404 probe/1.0' "$work/out.log" ||
  fail "the 404 discovery hit is not listed"
grep -qx 'flow: failed nobody authorization.refused' "$work/out.log" ||
  fail "the refused flow is not listed"
grep -qx 'probable: /.well-known/oauth-protected-resource 404' "$work/out.log" ||
  fail "the probe is not a probable hit of the refused flow"
grep -q '^preview: fail Refused at document\.client_id: ' "$work/out.log" ||
  fail "no CIMD preview"
grep -q '^  document\.client_id: expected ' "$work/out.log" || fail "no failing preview check"
grep -q '"connected":true' "$work/out.log" || fail "no connected address in the preview"
grep -q '^refused_by: allow_loopback_cimd$' "$work/out.log" ||
  fail "the preview does not name allow_loopback_cimd"
echo "admin-api: ok"
