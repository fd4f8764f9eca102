#!/usr/bin/env bash
# tests/readme/walkthrough.sh — run README.md's "A flow, step by step" as written.
#
# Copyright 2026 The Gatehouse developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   walkthrough.sh README.md NODE_DIR
#
# Takes every fenced block of the section (up to the next "## " heading): ```sh blocks run in
# order in one bash, ```js blocks are saved under the name their first line gives. What differs
# from a person pasting them:
#   - S= names $GATEHOUSE_SERVER (meson sets it), /tmp/gh a temporary data directory, and the
#     ports 41234 and 3000 free ones;
#   - the blocks run in a temporary directory holding NODE_DIR's node_modules (jose, installed
#     by tests/interop/run.sh --install-only);
#   - `xdg-open "$AUTHZ"`, where a person signs in and consents in a browser, is replaced by
#     `CODE=$(browser "$AUTHZ")`: curl follows the redirects and posts the login and consent
#     forms as a browser would (cookies, Origin), and prints the code of the final redirect.
# Then it checks what the blocks printed. Exit 77 (skip) when curl, openssl, jq or node is
# missing.
set -uo pipefail

readme=$1
node_dir=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

for tool in curl openssl jq node; do
  command -v $tool >/dev/null 2>&1 || { echo "walkthrough: SKIP: $tool is not installed" >&2; exit 77; }
done
[ -n "${GATEHOUSE_SERVER:-}" ] || { echo "walkthrough: GATEHOUSE_SERVER is not set" >&2; exit 1; }

"$here/../interop/run.sh" --dir "$node_dir" --install-only >&2 || exit 1

work=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-readme-XXXXXX")
trap 'rm -rf "$work"' EXIT
ln -s "$node_dir/node_modules" "$work/node_modules"

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
as_port=$(free_port)
mcp_port=$(free_port)
while [ "$mcp_port" = "$as_port" ]; do mcp_port=$(free_port); done

# The section's blocks: "sh" blocks into walk.sh (in order), "js" blocks into their files.
awk -v work="$work" '
  /^## / { in_section = ($0 == "## A flow, step by step") ; next }
  !in_section { next }
  /^```(sh|js)$/ && !in_block { in_block = 1; lang = substr($0, 4); file = ""; first = 1; n++; 
                                if (lang == "sh") print "echo \"== block " n "\"" >> work "/blocks.sh";
                                next }
  /^```$/ && in_block { in_block = 0; next }
  in_block && lang == "sh" { print >> work "/blocks.sh" }
  in_block && lang == "js" {
    if (first && match($0, /^\/\/ [A-Za-z0-9_.-]+\.m?js:/)) file = substr($0, 4, RLENGTH - 4)
    if (file == "") { print "walkthrough: a js block does not start with // NAME.mjs:" > "/dev/stderr"; exit 1 }
    print >> work "/" file; first = 0
  }
' "$readme" || exit 1
[ -s "$work/blocks.sh" ] || { echo "walkthrough: no sh blocks under \"## A flow, step by step\"" >&2; exit 1; }
[ -s "$work/mcp-server.mjs" ] || { echo "walkthrough: no mcp-server.mjs block" >&2; exit 1; }
grep -q '^xdg-open "\$AUTHZ"$' "$work/blocks.sh" ||
  { echo "walkthrough: the browser step (xdg-open \"\$AUTHZ\") is gone; update this test" >&2; exit 1; }

sed -e "s|^S=build/src/server/gatehouse-server$|S=\"\$GATEHOUSE_SERVER\"|" \
    -e "s|/tmp/gh|$work/gh|g" \
    -e "s|127\.0\.0\.1:41234|127.0.0.1:$as_port|g" \
    -e "s|127\.0\.0\.1:3000|127.0.0.1:$mcp_port|g" \
    -e 's|^xdg-open "\$AUTHZ"$|CODE=$(browser "$AUTHZ")|' \
    "$work/blocks.sh" > "$work/walk.sh"
sed -i -e "s|127\.0\.0\.1:41234|127.0.0.1:$as_port|g" -e "s|127\.0\.0\.1:3000|127.0.0.1:$mcp_port|g" \
  "$work/mcp-server.mjs"

cat > "$work/run.sh" <<'PRELUDE'
set -euo pipefail
# Without a session bus the CLI keeps secrets in a file in the data directory.
unset DBUS_SESSION_BUS_ADDRESS
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null' EXIT

# What a person does in the browser: the login page (the user "dev"), then "Allow".
browser() {
  local url=$1 jar page action request csrf origin
  jar=$(mktemp)
  origin=$(printf %s "$url" | sed -E 's|^(https?://[^/]+).*|\1|')
  url=$(curl -fsS -c "$jar" -b "$jar" -o /dev/null -w '%{redirect_url}' "$url")   # /login
  for answer in username=dev decision=allow; do
    page=$(curl -fsS -c "$jar" -b "$jar" -H 'Accept: text/html' "$url")
    action=$(printf %s "$page" | sed -n 's/.*<form method="post" action="\([^"]*\)".*/\1/p' | head -n1)
    request=$(printf %s "$page" | sed -n 's/.*name="request" value="\([^"]*\)".*/\1/p' | head -n1)
    csrf=$(printf %s "$page" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n1)
    action=${action//&amp;/&}
    case $action in /*) action=$origin$action ;; esac
    url=$(curl -fsS -c "$jar" -b "$jar" -o /dev/null -w '%{redirect_url}' -H "Origin: $origin" \
            --data-urlencode "request=$request" --data-urlencode "csrf_token=$csrf" \
            -d "$answer" "$action")
    case $url in *code=*) break ;; esac
  done
  rm -f "$jar"
  echo "browser: returned to $url" >&2
  printf %s "$url" | sed -n 's/.*[?&]code=\([^&]*\).*/\1/p'
}
PRELUDE
cat "$work/walk.sh" >> "$work/run.sh"
cat >> "$work/run.sh" <<CHECKS
echo "== checks"
[ -n "\$CLIENT_ID" ] && [[ \$CLIENT_ID == client_* ]]
[ -n "\$CODE" ]
[[ \$TOKEN == eyJ* ]]
# The example MCP server refuses what it must: a token whose signature was tampered with, and
# the ID token (its typ is not at+jwt, its aud is the client).
mcp=http://127.0.0.1:$mcp_port/mcp
sig=\${TOKEN##*.}   # the signature's first character (a last one may carry padding bits only)
tampered="\${TOKEN%.*}.\$( [ "\${sig:0:1}" = A ] && echo B || echo A )\${sig:1}"
for bad in "\$tampered" "\$(jq -r .id_token token.json)"; do
  status=\$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer \$bad" "\$mcp")
  [ "\$status" = 401 ] || { echo "the MCP server answered \$status to a bad token"; exit 1; }
done
echo "bad tokens refused"
CHECKS

echo "walkthrough: running $work/run.sh (ports $as_port and $mcp_port)" >&2
(cd "$work" && bash run.sh) > "$work/out.log" 2>&1
status=$?
cat "$work/out.log"
if [ $status != 0 ]; then
  echo "walkthrough: FAILED (status $status); the script:" >&2
  cat -n "$work/run.sh" >&2
  exit 1
fi

# What the blocks printed.
expect() {
  grep -qF -- "$1" "$work/out.log" || { echo "walkthrough: FAILED: the output lacks: $1" >&2; exit 1; }
}
expect "listening on  http://127.0.0.1:$as_port"
expect 'HTTP/1.1 401'
expect "WWW-Authenticate: Bearer resource_metadata=\"http://127.0.0.1:$mcp_port/.well-known/oauth-protected-resource/mcp\""
expect "\"authorization_servers\":[\"http://127.0.0.1:$as_port\"]"
expect '{"hello":"dev"'
expect '"registration_access_token"'
expect "browser: returned to http://127.0.0.1:8080/callback?code="
expect "bad tokens refused"
echo "walkthrough: every block of \"A flow, step by step\" ran as written"
