# tests/npm-env.sh — the npm set-up the Node.js test runners share (sourced, not run)
#
# Copyright 2026 The Gatehouse developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tests/interop/run.sh and tests/browser/run.sh source this file after defining
# fail MESSAGE (report and exit) and setting npm_env_label (the prefix of their messages).
#
#   npm_env_use_local_node        put build-aux/.node's Node.js first on PATH, if there is one
#   npm_env_install SRC DIR       make DIR (absolute afterwards, in $dir) hold SRC's
#                                 package.json and package-lock.json and the node_modules they
#                                 pin, under a lock on DIR that npm_env_unlock releases
#   copy_if_changed SRC DEST      copy atomically, only when the contents differ
# shellcheck shell=bash

npm_env_label=${npm_env_label:-npm}
npm_env_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# build-aux/setup.sh test installs a newer Node.js into build-aux/.node when the system's is
# older than the pinned clients need (mcp-remote: 20.18.1): use it first.
npm_env_use_local_node() {
  local bin=$npm_env_root/build-aux/.node/node_modules/.bin

  if [ -x "$bin/node" ]; then
    export PATH="$bin:$PATH"
    echo "${0##*/}: using $("$bin/node" --version) from build-aux/.node" >&2
  fi
}

copy_if_changed() { # SRC DEST: atomic, so a concurrent reader never sees half a file
  if ! cmp -s "$1" "$2" 2>/dev/null; then
    cp "$1" "$2.tmp.$$" && mv -f "$2.tmp.$$" "$2" || fail "cannot copy $1 to $2"
  fi
}

# `npm ci` runs once, and again only when the lock file changes. npm's own cache is used, so
# with a warm cache (or INTEROP_NPM_OFFLINE=1 and a filled cache) no network is needed.
npm_env_install() { # SRC DIR
  local src=$1 stamp npm_args start

  mkdir -p "$2" || fail "cannot create $2"
  dir=$(cd "$2" && pwd)

  # Several meson tests may start at once: one installs, the others wait for it.
  exec 9>"$dir/.install.lock"
  if command -v flock >/dev/null 2>&1; then
    flock -w 600 9 || fail "timed out waiting for another run.sh to finish npm ci in $dir"
  fi

  copy_if_changed "$src/package.json" "$dir/package.json"
  copy_if_changed "$src/package-lock.json" "$dir/package-lock.json"

  stamp=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -d' ' -f1)
  if [ -d "$dir/node_modules" ] && [ "$(cat "$dir/.installed-stamp" 2>/dev/null)" = "$stamp" ]; then
    echo "$npm_env_label: node_modules in $dir is up to date with package-lock.json" >&2
    return
  fi
  npm_args=(ci --no-audit --no-fund --prefer-offline)
  if [ -n "${INTEROP_NPM_OFFLINE:-}" ]; then
    npm_args+=(--offline)
  fi
  echo "$npm_env_label: npm ${npm_args[*]} in $dir" \
       "(node $(node --version), npm $(npm --version 2>/dev/null))" >&2
  rm -f "$dir/.installed-stamp"
  start=$(date +%s)
  if ! (cd "$dir" && npm "${npm_args[@]}") >"$dir/npm-ci.log" 2>&1; then
    cat "$dir/npm-ci.log" >&2
    fail "npm ci failed in $dir (log above and in $dir/npm-ci.log); this is a failure, not a skip"
  fi
  echo "$npm_env_label: npm ci took $(( $(date +%s) - start )) s" >&2
  echo "$stamp" >"$dir/.installed-stamp"
}

npm_env_unlock() {
  exec 9>&-
}
