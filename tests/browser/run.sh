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

# shellcheck disable=SC2034 # read by npm-env.sh
npm_env_label="browser tests"
# shellcheck source-path=SCRIPTDIR source=../npm-env.sh
. "$here/../npm-env.sh"
npm_env_use_local_node

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

npm_env_install "$here" "$dir"

for f in "$here/../interop/harness.mjs" "$test_file"; do
  [ -f "$f" ] || fail "no such file: $f"
  copy_if_changed "$f" "$dir/$(basename "$f")"
done

npm_env_unlock

cd "$dir" || fail "cannot enter $dir"
exec node --test-reporter=tap "$dir/$(basename "$test_file")"
