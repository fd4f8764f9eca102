#!/usr/bin/env bash
# tests/browser/run.sh — run the real-browser tests: Debian's Chromium, headless, driven by
# puppeteer-core through the DevTools protocol, against gatehouse-server.
#
# Copyright 2026 The Gatehouse developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   run.sh [--dir DIR] [--tap] TEST.mjs
#
# DIR (default: ./browser-node) receives package.json, package-lock.json, the test file and
# tests/interop/harness.mjs (the server and flow helpers the interop tests use); `npm ci`
# installs the pinned puppeteer-core there once, and again only when the lock file changes,
# with PUPPETEER_SKIP_DOWNLOAD set: no browser is ever downloaded. The browser is
# $GATEHOUSE_CHROMIUM, else /usr/bin/chromium (Debian's `chromium` package, which
# `build-aux/setup.sh test` installs). GATEHOUSE_SERVER must name the gatehouse-server binary
# (meson sets it).
#
# Nothing here is skipped: a missing node, npm or Chromium, or a failing `npm ci`, is a
# failure that says what to install (with --tap: a TAP bail-out, which meson shows).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=
tap=0
test_file=
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=$2; shift 2 ;;
    --dir=*) dir=${1#--dir=}; shift ;;
    --tap) tap=1; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) test_file=$1; shift ;;
  esac
done
[ -n "$dir" ] || dir=$PWD/browser-node
[ -n "$test_file" ] || test_file=$here/login.test.mjs

fail() {
  if [ $tap = 1 ]; then echo "Bail out! $*"; fi
  echo "browser tests: $*" >&2
  exit 1
}

# build-aux/setup.sh test installs a newer Node.js into build-aux/.node when the system's is
# older than the pinned clients need (mcp-remote: 20.18.1): use it first.
local_node_bin=$(cd "$here/../.." && pwd)/build-aux/.node/node_modules/.bin
if [ -x "$local_node_bin/node" ]; then
  export PATH="$local_node_bin:$PATH"
  echo "${0##*/}: using $("$local_node_bin/node" --version) from build-aux/.node" >&2
fi

command -v node >/dev/null 2>&1 ||
  fail "node is not installed: the browser test needs it (apt-get install nodejs npm, or build-aux/setup.sh test)"
command -v npm >/dev/null 2>&1 ||
  fail "npm is not installed: the browser test needs it (apt-get install npm, or build-aux/setup.sh test)"
chromium=${GATEHOUSE_CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] ||
  fail "no Chromium at $chromium: install Debian's chromium package (apt-get install chromium, or build-aux/setup.sh test), or set GATEHOUSE_CHROMIUM"
export GATEHOUSE_CHROMIUM=$chromium
export PUPPETEER_SKIP_DOWNLOAD=1

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) ||
  fail "node is installed but does not run: $(node --version 2>&1)"
[ "$node_major" -ge 18 ] || fail "node $(node --version) is too old: puppeteer-core needs Node.js >= 18"

mkdir -p "$dir" || fail "cannot create $dir"
dir=$(cd "$dir" && pwd)

exec 9>"$dir/.install.lock"
if command -v flock >/dev/null 2>&1; then
  flock -w 600 9 || fail "timed out waiting for another run.sh to finish npm ci in $dir"
fi

copy_if_changed() { # SRC DEST: atomic, so a concurrent reader never sees half a file
  if ! cmp -s "$1" "$2" 2>/dev/null; then
    cp "$1" "$2.tmp.$$" && mv -f "$2.tmp.$$" "$2" || fail "cannot copy $1 to $2"
  fi
}

copy_if_changed "$here/package.json" "$dir/package.json"
copy_if_changed "$here/package-lock.json" "$dir/package-lock.json"

stamp=$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -d' ' -f1)
if [ -d "$dir/node_modules" ] && [ "$(cat "$dir/.installed-stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "browser tests: node_modules in $dir is up to date with package-lock.json" >&2
else
  npm_args=(ci --no-audit --no-fund --prefer-offline)
  if [ -n "${INTEROP_NPM_OFFLINE:-}" ]; then
    npm_args+=(--offline)
  fi
  echo "browser tests: npm ${npm_args[*]} in $dir" >&2
  rm -f "$dir/.installed-stamp"
  if ! (cd "$dir" && npm "${npm_args[@]}") >"$dir/npm-ci.log" 2>&1; then
    cat "$dir/npm-ci.log" >&2
    fail "npm ci failed in $dir (log above and in $dir/npm-ci.log); this is a failure, not a skip"
  fi
  echo "$stamp" >"$dir/.installed-stamp"
fi

for f in "$here/../interop/harness.mjs" "$test_file"; do
  [ -f "$f" ] || fail "no such file: $f"
  copy_if_changed "$f" "$dir/$(basename "$f")"
done

exec 9>&-

cd "$dir" || fail "cannot enter $dir"
exec node --test-reporter=tap "$dir/$(basename "$test_file")"
