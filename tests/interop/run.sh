#!/usr/bin/env bash
# tests/interop/run.sh — run the interop tests (real clients from npm) against gatehouse-server.
#
# Copyright 2026 The Gatehouse developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   run.sh [--dir DIR] [--tap] TEST.mjs...
#   run.sh [--dir DIR] --install-only
#
# DIR (default: $INTEROP_DIR, else ./interop-node) receives package.json, package-lock.json
# and the test files; `npm ci` installs the pinned clients there once, and again only when the
# lock file changes. npm's own cache is used, so with a warm cache (or INTEROP_NPM_OFFLINE=1
# and a filled cache) no network is needed. Each test file then runs with node's test runner,
# TAP on stdout. GATEHOUSE_SERVER must name the gatehouse-server binary (meson sets it).
# --install-only stops after the install (tests/readme/walkthrough.sh uses DIR's jose).
#
# Exit status: that of the tests; 77 (skip) only when node or npm is missing altogether (with
# --tap: a TAP "1..0 # SKIP" plan and status 0, since meson's TAP protocol reads the plan). A
# failing `npm ci` with node present, or a node too old for the pinned clients, is a failure.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=${INTEROP_DIR:-}
tap=0
install_only=0
tests=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=$2; shift 2 ;;
    --dir=*) dir=${1#--dir=}; shift ;;
    --tap) tap=1; shift ;;
    --install-only) install_only=1; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) tests+=("$1"); shift ;;
  esac
done
[ -n "$dir" ] || dir=$PWD/interop-node
if [ ${#tests[@]} -eq 0 ]; then
  tests=("$here"/*.test.mjs)
fi

# In TAP mode, a failure before any test ran is reported as a bail-out, so meson shows why.
fail() {
  if [ $tap = 1 ]; then echo "Bail out! $*"; fi
  echo "interop: $*" >&2
  exit 1
}

skip() {
  if [ $tap = 1 ]; then
    echo "1..0 # SKIP $*"
    echo "interop: SKIP: $*" >&2
    exit 0
  fi
  echo "interop: SKIP: $*" >&2
  exit 77
}

# shellcheck disable=SC2034 # read by npm-env.sh
npm_env_label=interop
# shellcheck source-path=SCRIPTDIR source=../npm-env.sh
. "$here/../npm-env.sh"
npm_env_use_local_node

command -v node >/dev/null 2>&1 || skip "node is not installed (apt-get install nodejs npm)"
command -v npm >/dev/null 2>&1 || skip "npm is not installed (apt-get install npm)"

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) ||
  fail "node is installed but does not run: $(node --version 2>&1)"
node_flags=(--test-reporter=tap)
if [ "$node_major" -lt 18 ]; then
  fail "node $(node --version) is too old: the pinned clients need Node.js >= 18 (20 or newer recommended)"
elif [ "$node_major" -lt 20 ]; then
  # jose 6 and openid-client 6 need the WebCrypto global, which Node 18 hides behind a flag.
  node_flags+=(--experimental-global-webcrypto)
fi

npm_env_install "$here" "$dir"

if [ $install_only = 1 ]; then
  exit 0
fi

for f in "$here"/harness.mjs "${tests[@]}"; do
  [ -f "$f" ] || fail "no such test file: $f"
  copy_if_changed "$f" "$dir/$(basename "$f")"
done

npm_env_unlock

# ES modules resolve packages from the importing file's directory, so the tests run from
# their copies in $dir; NODE_PATH covers anything loaded with require().
export NODE_PATH="$dir/node_modules${NODE_PATH:+:$NODE_PATH}"
cd "$dir" || fail "cannot enter $dir"
if [ ${#tests[@]} -eq 1 ]; then
  # One file (as meson runs them): node replaces the shell, so a signal reaches it directly.
  exec node "${node_flags[@]}" "$dir/$(basename "${tests[0]}")"
fi
status=0
for f in "${tests[@]}"; do
  node "${node_flags[@]}" "$dir/$(basename "$f")" || status=$?
done
exit $status
