#!/bin/bash
# build-aux/screenshots.sh — the README's screenshots, taken the way a user would see the app:
# a data folder given real data through gatehouse-server (clients of every source, users, an
# initial access token, refusals a real client would cause), then `gatehouse --screenshot` of
# every page, light at 1280x800, and dark and 800x600 where asked.
#
# Copyright 2026 The Gatehouse developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: build-aux/screenshots.sh [BUILD_DIR [OUT_DIR]]   (needs xvfb-run, curl, jq, openssl)
# PAGES="audit flows-waterfall" takes only those (flows-TAB: Live flows on a flow's tab);
# ALL=1 adds 1920x1080, dark and 800x600 of each.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
out=${2:-$root/data/screenshots}
server_bin=$build/src/server/gatehouse-server
app_bin=$build/src/gui/gatehouse
mkdir -p "$out"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-screenshots.XXXXXX")
data=$tmp/data
server_pid=
docs_pid=
cleanup () {
  for pid in $server_pid $docs_pid; do kill "$pid" 2>/dev/null || true; wait "$pid" || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

cli () { "$server_bin" "$@" --data-dir="$data" --secrets=file; }

# A development server on the folder, as the app's embedded one would be.
"$server_bin" serve --dev --listen 127.0.0.1:0 --data-dir="$data" --secrets=file \
  >"$tmp/serve.out" 2>"$tmp/serve.err" &
server_pid=$!
for _ in $(seq 100); do
  grep -q '^listening on ' "$tmp/serve.out" 2>/dev/null && break
  sleep 0.1
done
base=$(sed -n 's/^listening on \(http[^ ]*\).*/\1/p' "$tmp/serve.out" | head -1)
[ -n "$base" ] || { cat "$tmp/serve.err" >&2; exit 1; }

cli user add alice --name "Alice Example" --email alice@example.com >/dev/null
cli user add bob --name "Bob Builder" --email bob@example.com >/dev/null
cli project set default auto_approve_user=alice >/dev/null
cli resource add http://127.0.0.1:3000/mcp >/dev/null
claude=$(cli client create --name "Claude Code" -r http://localhost/callback -q)
cli client create --name "Team dashboard" -r https://dash.example.com/oauth/callback \
  --auth-method client_secret_basic --json >/dev/null
cli iat issue --label "CI registration" --max-uses 5 >/dev/null
cli iat issue --label "Cursor on Alice's laptop" --pin token_endpoint_auth_method=none >/dev/null

# A client registering itself (DCR), as the MCP SDK does.
curl -s -o /dev/null -A "node (MCP TypeScript SDK)" -H 'Content-Type: application/json' \
  -d '{"client_name":"MCP Inspector","redirect_uris":["http://localhost:6274/oauth/callback"],"token_endpoint_auth_method":"none"}' \
  "$base/register"
# Discovery the way clients probe it, one form not served.
curl -s -o /dev/null -A "claude-code/1.0" "$base/.well-known/oauth-authorization-server"
curl -s -o /dev/null -A "claude-code/1.0" "$base/.well-known/oauth-authorization-server/mcp"
curl -s -o /dev/null -A "Cursor/0.50" "$base/.well-known/openid-configuration"
# The failure MCP users hit most: the client calls back on another loopback address or path
# than it registered.
for redirect in http%3A%2F%2F127.0.0.1%3A58135%2Fcallback http%3A%2F%2F127.0.0.1%3A49152%2Fcallback \
                http%3A%2F%2Flocalhost%3A58135%2Foauth%2Fcallback; do
  curl -s -o /dev/null -A "claude-code/1.0" \
    "$base/authorize?response_type=code&client_id=$claude&redirect_uri=$redirect&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&state=x"
done
# Live flows: a whole flow as a CLI client runs it (auto-approved: alice), and one refused at
# /authorize for a redirect port that is compared (https: only http loopback matches any port).
verifier=screenshots-verifier-0123456789-0123456789-abcdefgh
challenge=$(printf %s "$verifier" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=')
# As the MCP SDK starts: discovery, then a dynamic registration, just before /authorize (the
# flow's Timeline, Waterfall and Sequence show both before its steps).
curl -s -o /dev/null -A "node (MCP TypeScript SDK)" "$base/.well-known/oauth-protected-resource"
curl -s -o /dev/null -A "node (MCP TypeScript SDK)" "$base/.well-known/oauth-authorization-server"
mcp=$(curl -s -A "node (MCP TypeScript SDK)" -H 'Content-Type: application/json' \
  -d '{"client_name":"My MCP agent","redirect_uris":["http://localhost:6274/oauth/callback","https://localhost:6274/oauth/callback"],"token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"]}' \
  "$base/register" | jq -r .client_id)
[ -n "$mcp" ] && [ "$mcp" != null ] || { echo "the dynamic registration failed" >&2; exit 1; }
location=$(curl -s -o /dev/null -w '%{redirect_url}' -A "node (MCP TypeScript SDK)" \
  "$base/authorize?response_type=code&client_id=$mcp&redirect_uri=http%3A%2F%2Flocalhost%3A6274%2Foauth%2Fcallback&code_challenge=$challenge&code_challenge_method=S256&state=x&scope=openid&resource=http%3A%2F%2F127.0.0.1%3A3000%2Fmcp")
code=$(sed -n 's/.*[?&]code=\([^&]*\).*/\1/p' <<<"$location")
first_refresh=$(curl -s -A "node (MCP TypeScript SDK)" "$base/token" -d grant_type=authorization_code \
  -d "code=$code" -d "client_id=$mcp" -d "code_verifier=$verifier" \
  --data-urlencode "redirect_uri=http://localhost:6274/oauth/callback" \
  --data-urlencode "resource=http://127.0.0.1:3000/mcp" | jq -r .refresh_token)
# Its refresh family: one rotation, then the spent token sent again a moment later (two
# refreshes at once, as a client without a lock does): the replay revokes the family.
curl -s -o /dev/null -A "node (MCP TypeScript SDK)" "$base/token" -d grant_type=refresh_token \
  -d "refresh_token=$first_refresh" -d "client_id=$mcp"
sleep 0.2
curl -s -o /dev/null -A "node (MCP TypeScript SDK)" "$base/token" -d grant_type=refresh_token \
  -d "refresh_token=$first_refresh" -d "client_id=$mcp"
curl -s -o /dev/null -A "mcp-inspector/0.16" "$base/.well-known/oauth-protected-resource"
curl -s -o /dev/null -A "mcp-inspector/0.16" \
  "$base/authorize?response_type=code&client_id=$mcp&redirect_uri=https%3A%2F%2Flocalhost%3A49152%2Foauth%2Fcallback&code_challenge=$challenge&code_challenge_method=S256&state=x"
admin=$(cli admin-token create --label screenshots)
# The newest failed flow is the MCP Inspector's (the port); the SDK's flow ends failed too,
# at the replay, and is found by its user.
failed_flow=$(curl -s -H "Authorization: Bearer $admin" \
  "$base/admin/v1/projects/default/flows?state=failed&limit=1" | jq -r '.flows[0].id')
ok_flow=$(curl -s -H "Authorization: Bearer $admin" \
  "$base/admin/v1/projects/default/flows?client_id=$mcp" |
  jq -r '[.flows[] | select(.user_id == "alice")][0].id')
# A custom scheme the project does not allow.
curl -s -o /dev/null -A "Windsurf/1.2" -H 'Content-Type: application/json' \
  -d '{"client_name":"Zed","redirect_uris":["zed://oauth/callback"]}' "$base/register"

# Registration that needs an initial access token, and clients that cannot send one.
cli project set default dcr_mode=initial_access_token >/dev/null
curl -s -o /dev/null -A "Cursor/0.50" -H 'Content-Type: application/json' \
  -d '{"client_name":"Cursor","redirect_uris":["cursor://anysphere.cursor-retrieval/oauth/callback"]}' \
  "$base/register"
curl -s -o /dev/null -A "node (MCP TypeScript SDK)" -H 'Content-Type: application/json' \
  -H 'Authorization: Bearer iatk_not-a-token-this-server-issued' \
  -d '{"client_name":"My agent","redirect_uris":["http://127.0.0.1:8976/callback"]}' \
  "$base/register"

kill "$server_pid"; wait "$server_pid" || true; server_pid=

# A client's metadata document on this machine whose client_id is not its own URL: the CIMD
# preview's most common refusal.
mkdir -p "$tmp/docs/oauth"
python3 -m http.server --bind 127.0.0.1 --directory "$tmp/docs" 0 >"$tmp/docs.out" 2>&1 &
docs_pid=$!
for _ in $(seq 100); do
  grep -q 'port' "$tmp/docs.out" 2>/dev/null && break
  sleep 0.1
done
docs_port=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$tmp/docs.out" | head -1)
cat >"$tmp/docs/oauth/client.json" <<JSON
{
  "client_id": "http://localhost:$docs_port/oauth/client.json",
  "client_name": "Acme MCP Client",
  "redirect_uris": ["http://127.0.0.1/callback"],
  "token_endpoint_auth_method": "none"
}
JSON

target_of () {  # what a page opens on, for a screenshot that shows it at work
  case "$1" in
    cimd) echo "--target=url:http://127.0.0.1:$docs_port/oauth/client.json" ;;
    clients) echo "--target=client:$claude" ;;
    audit) echo "--target=filter:outcome=failure" ;;
    flows) echo "--target=flow:$failed_flow" ;;
    # The flow that succeeded, on one tab of its detail: flows-waterfall, flows-tokens, ...
    flows-*) echo "--target=flow:$ok_flow view:${1#flows-}" ;;
    # A token this server did not sign, checked against the MCP server's URL.
    token-checker) echo "--target=resource:http://127.0.0.1:3000/mcp token:eyJhbGciOiJFUzI1NiIsImtpZCI6Im5vdC1oZXJlIn0.eyJpc3MiOiJodHRwczovL2Vsc2V3aGVyZS5leGFtcGxlIiwiYXVkIjoiaHR0cDovLzEyNy4wLjAuMTozMDAwL21jcC8ifQ.c2lnbmF0dXJl" ;;
  esac
}

page_of () {  # flows-waterfall is the page flows (on a tab); the others are pages
  case "$1" in
    flows-*) echo flows ;;
    *) echo "$1" ;;
  esac
}

shot () {  # shot NAME PAGE SIZE [--dark]
  local target
  target=$(target_of "$2")
  GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR="$build/data" \
    xvfb-run -a -s "-screen 0 1920x1200x24" \
    "$app_bin" --data-dir "$data" --secrets=file --page="$(page_of "$2")" \
    ${target:+"$target"} --size="$3" \
    ${4:-} --screenshot="$out/$1.png" >/dev/null 2>>"$tmp/app.err" ||
    { cat "$tmp/app.err" >&2; exit 1; }
  echo "$out/$1.png"
}

pages=${PAGES:-$("$app_bin" --help-all 2>/dev/null | sed -n 's/.*Open on the page NAME (\(.*\)).*/\1/p' | tr -d ',')}
for page in $pages; do
  shot "$page" "$page" 1280x800
  if [ -n "${ALL:-}" ]; then
    shot "$page-1920x1080" "$page" 1920x1080
    shot "$page-dark" "$page" 1280x800 --dark
    shot "$page-800x600" "$page" 800x600
    shot "$page-800x600-dark" "$page" 800x600 --dark
  fi
done
if [ -z "${ALL:-}" ]; then
  shot overview-dark overview 1280x800 --dark
  shot overview-800x600 overview 800x600
  if [ -z "${PAGES:-}" ]; then
    for tab in waterfall sequence tokens; do shot "flows-$tab" "flows-$tab" 1280x800; done
  fi
fi
