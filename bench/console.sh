#!/usr/bin/env bash
# bench/console.sh — the console's speed against the bare toolkit, in one table
#
# Copyright 2026 The Gatehouse developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Not a test, never run in CI: a report for people (bench/README.md, "The console").
# Builds a release build, then runs bench/console.c's parts, each in a process of its own under
# dbus-run-session and xvfb-run: cold start to the first frame, scrolling a million audit
# events, live events arriving; each against a peer built with GTK and libadwaita alone.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build_dir=build-console-bench
runs=10
rows=1000000
scroll_seconds=240
rate=1000
seconds=10
pages=
parts=cold,scroll,live
keep=0

usage() {
  sed -n 's/^#: \{0,1\}//p' "$0"
}
#: usage: bench/console.sh [options]
#:   --build-dir DIR       release build (default build-console-bench; made if missing)
#:   --runs N              measured cold starts of each side (10)
#:   --rows N              audit events to scroll (1000000)
#:   --scroll-seconds S    give up scrolling the app's list after S seconds (240)
#:   --rate R              live events per second (1000)
#:   --seconds S           measured seconds per page with live events (10)
#:   --pages a,b           pages shown in turn with live events (audit and flows, or overview)
#:   --parts a,b           cold, scroll, live (all)
#:   --keep                keep the work directory and print its path

while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --rows) rows=$2; shift 2 ;;
    --scroll-seconds) scroll_seconds=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --pages) pages=$2; shift 2 ;;
    --parts) parts=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "console.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

die() {
  echo "console.sh: $*" >&2
  exit 2
}

for tool in meson ninja xvfb-run dbus-run-session; do
  command -v "$tool" >/dev/null || die "$tool is missing (Debian: apt install meson ninja-build xvfb xauth dbus)"
done

cd "$root"
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root} CCACHE_NOHASHDIR=1
if [ ! -f "$build_dir/build.ninja" ]; then
  meson setup "$build_dir" -Dbuildtype=release -Dgui=true -Dinterop_tests=disabled \
    -Dbrowser_tests=false >/dev/null || die "meson setup $build_dir failed"
fi
ninja -C "$build_dir" bench/console-bench bench/first-frame-peer src/gui/gatehouse \
  src/server/gatehouse-server data/gschemas.compiled >/dev/null || die "the build failed"

work=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-console-bench-XXXXXX")
child=
shm=
cleanup() {
  # Only what this script started: the running part (its servers die with it).
  # Each part runs in a process group of its own (setsid): Xvfb and the D-Bus daemon with it.
  if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
    kill -TERM -- "-$child" 2>/dev/null || kill -TERM "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  fi
  if [ "$keep" = 1 ]; then
    echo "work directory: $work" >&2
  else
    rm -rf "$work"
  fi
  if [ -n "$shm" ] && [ "$shm" != "$work" ]; then
    rm -rf "$shm"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export GATEHOUSE_SERVER=$root/$build_dir/src/server/gatehouse-server
export GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR=$root/$build_dir/data
bench=$root/$build_dir/bench/console-bench
results=$work/results
: >"$results"

# run NAME [ENV=VALUE...] -- ARGS: one part on a display of its own; its BENCH lines kept.
run() {
  local name=$1; shift
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  echo "== $name" >&2
  setsid env "${envs[@]}" dbus-run-session -- xvfb-run -a -s "-screen 0 1920x1080x24" \
    "$bench" "$@" >"$work/$name.out" 2>"$work/$name.err" &
  child=$!
  if ! wait "$child"; then
    child=
    grep -v '^dbus-daemon' "$work/$name.err" | tail -20 >&2
    die "$name failed"
  fi
  child=
  grep '^BENCH ' "$work/$name.out" | tee -a "$results" | sed 's/^/   /' >&2
}

wants() {
  case ",$parts," in *",$1,"*) return 0 ;; *) return 1 ;; esac
}

# The renderer the app chooses here (cairo when OpenGL is a software rasterizer, as under Xvfb;
# see src/gui/gh-renderer.c): the peers draw with the same one, so that each comparison is of
# the same drawing; the app always chooses its own.
run renderer -- renderer
renderer=$(sed -n 's/^BENCH renderer chosen=\([a-z]*\).*/\1/p' "$results")
peer_renderer=()
peer_env=()
if [ "$renderer" = cairo ]; then
  peer_renderer=(--peer-renderer cairo)
  peer_env=(GSK_RENDERER=cairo)
fi

if wants cold; then
  run cold-start -- cold-start --runs "$runs" --app "$root/$build_dir/src/gui/gatehouse" \
    --peer "$root/$build_dir/bench/first-frame-peer" "${peer_renderer[@]}" \
    --app-arg=--secrets=file --app-arg=--size=1280x800
fi
if wants scroll; then
  echo "== filling a store with $rows audit events" >&2
  "$bench" fill --dir "$work/audit-data" --rows "$rows" | tee -a "$results" | sed 's/^/   /' >&2
  run scroll-peer "${peer_env[@]}" -- scroll --side peer --rows "$rows"
  run scroll-app -- scroll --side app --dir "$work/audit-data" --rows "$rows" \
    --max-seconds "$scroll_seconds"
  rm -rf "$work/audit-data"
fi
if wants live; then
  if [ -z "$pages" ]; then
    if [ -f src/gui/pages/gh-flows-page.ui ]; then
      pages=audit,flows
    else
      pages=audit,overview
    fi
  fi
  # The server's store on a tmpfs: each event is one fdatasync on a disk, and what is measured
  # here is the window, not the disk (bench/run.sh measures the disk's part).
  shm=$(mktemp -d /dev/shm/gatehouse-console-bench-XXXXXX 2>/dev/null || echo "$work")
  run live-peer TMPDIR="$shm" "${peer_env[@]}" -- live --side peer --rate "$rate" --seconds "$seconds"
  run live-peer-columns TMPDIR="$shm" "${peer_env[@]}" -- live --side peer-columns --rate "$rate" \
    --seconds "$seconds"
  run live-peer-columns-batched TMPDIR="$shm" "${peer_env[@]}" -- live --side peer-columns-batched \
    --rate "$rate" --seconds "$seconds"
  run live-app TMPDIR="$shm" -- live --side app --rate "$rate" --seconds "$seconds" \
    --pages "$pages"
fi

echo
echo "Console speed on $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min)"
sed -n 's/^BENCH renderer chosen=\([a-z]*\) gl=\(.*\)/Drawing: \1 for the app and the peers (OpenGL: \2)/p' "$results" | tr _ ' '

awk -v rows="$rows" -v rate="$rate" '
function get(line, key,    n, i, kv) {
  n = split(line, kv, " ")
  for (i = 1; i <= n; i++)
    if (index(kv[i], key "=") == 1)
      return substr(kv[i], length(key) + 2)
  return ""
}
function ratio(a, b) { return (b > 0) ? sprintf("%.2fx", a / b) : "-" }
function liverow(name, l,    s) {
  s = ls[get(l, "side") "/" get(l, "page")]
  printf "  %-28s %7s %7s %7s %6s %6s %7s %7s %7s %8s %5s %5s %5s\n", name, get(l, "rate_generated"), get(l, "rate_received"), get(l, "frames"), get(l, "over_25"), get(l, "over_33"), get(l, "interval_p99"), get(l, "interval_max"), get(l, "backlog_max"), get(l, "gaps"), get(l, "cpu_main"), get(l, "cpu_render"), get(s, "over_33")
}
/^BENCH cold-start side=app/ { ca = $0 }
/^BENCH cold-start side=peer/ { cp = $0 }
/^BENCH scroll side=app/ { sa = $0 }
/^BENCH scroll side=peer/ { sp = $0 }
/^BENCH live side=peer page=/ { lp[get($0, "page")] = $0 }
/^BENCH live side=peer-columns / { lc = $0 }
/^BENCH live side=peer-columns-batched / { lb = $0 }
/^BENCH live side=app/ { la[++nla] = $0 }
/^BENCH live-start side=/ { ls[get($0, "side") "/" get($0, "page")] = $0 }
/^BENCH live-total side=app/ { lta = $0 }
END {
  if (ca != "") {
    printf "\nCold start to the first frame (ms, exec to the first after-paint; %s runs)\n", get(ca, "runs")
    printf "  %-34s %8s %8s %8s\n", "", "median", "p90", "max"
    printf "  %-34s %8s %8s %8s\n", "gatehouse (embedded server, new dir)", get(ca, "p50"), get(ca, "p90"), get(ca, "max")
    printf "  %-34s %8s %8s %8s\n", "peer: minimal libadwaita window", get(cp, "p50"), get(cp, "p90"), get(cp, "max")
    printf "  %-34s %8s %8s\n", "gatehouse/peer", ratio(get(ca, "p50"), get(cp, "p50")), ratio(get(ca, "p90"), get(cp, "p90"))
    printf "  target: median under 400 ms: %s\n", (get(ca, "p50") + 0 < 400) ? "met" : sprintf("MISSED by %.0f ms", get(ca, "p50") - 400)
  }
  if (sa != "") {
    printf "\nScrolling %d audit events top to bottom (frame interval ms; RSS MiB)\n", rows
    printf "  %-22s %9s %6s %6s %7s %7s %7s %8s %6s %6s %6s\n", "", "rows", "secs", "frames", "p99", "max", ">50ms", "work p99", "rss0", "mid", "end"
    printf "  %-22s %9s %6s %6s %7s %7s %7s %8s %6s %6s %6s\n", "gatehouse Audit page", get(sa, "rows"), get(sa, "seconds"), get(sa, "frames"), get(sa, "interval_p99"), get(sa, "interval_max"), get(sa, "over_50"), get(sa, "work_p99"), get(sa, "rss_start"), get(sa, "rss_middle"), get(sa, "rss_end")
    printf "  %-22s %9s %6s %6s %7s %7s %7s %8s %6s %6s %6s\n", "peer: GtkColumnView", get(sp, "rows"), get(sp, "seconds"), get(sp, "frames"), get(sp, "interval_p99"), get(sp, "interval_max"), get(sp, "over_50"), get(sp, "work_p99"), get(sp, "rss_start"), get(sp, "rss_middle"), get(sp, "rss_end")
    printf "  %-22s %9s %6s %6s %7s %7s\n", "gatehouse/peer", "", "", "", ratio(get(sa, "interval_p99"), get(sp, "interval_p99")), ratio(get(sa, "interval_max"), get(sp, "interval_max"))
    printf "  the app reached the end: %s (%s pages read); RSS growth %d MiB (peer %d MiB)\n", get(sa, "complete") == 1 ? "yes" : "NO, stopped at the time limit", get(sa, "pages"), get(sa, "rss_end") - get(sa, "rss_start"), get(sp, "rss_end") - get(sp, "rss_start")
    printf "  target: no frame over 50 ms: %s; memory flat: %s\n", (get(sa, "over_50") == 0) ? "met" : "MISSED (" get(sa, "over_50") " frames, the longest " get(sa, "interval_max") " ms)", (get(sa, "rss_end") - get(sa, "rss_start") < 50) ? "met" : "MISSED"
  }
  if (nla > 0) {
    printf "\n%d live events per second asked (frame interval ms while the page shows them, after its first second;\n", rate
    printf "  \"1st s\": frames over 33 ms in that first second, when a list that fills up makes its rows)\n"
    printf "  %-28s %7s %7s %7s %6s %6s %7s %7s %7s %8s %5s %5s %5s\n", "", "ev/s", "got/s", "frames", ">25ms", ">33ms", "p99", "max", "backlog", "gaps", "cpu", "draw", "1st s"
    for (k in lp)
      liverow("peer: GtkListView appending", lp[k])
    if (lc != "")
      liverow("peer: GtkColumnView at top", lc)
    if (lb != "")
      liverow("peer: per frame, following", lb)
    for (i = 1; i <= nla; i++)
      liverow("gatehouse, page " get(la[i], "page"), la[i])
    for (k in lp)
      printf "  %-28s %7s %7s %7s %6s %6s %7s %7s\n", "gatehouse " get(la[1], "page") "/peer", "", "", "", "", "", ratio(get(la[1], "interval_p99"), get(lp[k], "interval_p99")), ratio(get(la[1], "interval_max"), get(lp[k], "interval_max"))
    printf "  gatehouse: the load made %s events in %s s (%.0f/s), the window had the last %s s after it started\n", get(lta, "generated"), get(lta, "load_seconds"), get(lta, "generated") / (get(lta, "load_seconds") + 0.001), get(lta, "caught_up_seconds")
    dropped = 0; first = 0; firstlong = ""
    for (i = 1; i <= nla; i++) {
      s = ls["app/" get(la[i], "page")]
      dropped += get(la[i], "over_33")
      first += get(s, "over_33")
      if (get(s, "over_33") > 0)
        firstlong = firstlong " " get(la[i], "page") ": " get(s, "long")
    }
    late = get(lta, "caught_up_seconds") - get(lta, "load_seconds")
    printf "  target: no dropped frame (>33 ms): %s; no growing queue: %s\n", dropped == 0 ? "met" : "MISSED (" dropped " frames)", late < 2 ? "met" : sprintf("MISSED (the last event came %.1f s after the load ended)", late)
    if (first > 0)
      printf "  in the first second of a page: %d frames over 33 ms (seconds in:interval/work ms)%s\n", first, firstlong
  }
}' "$results"
