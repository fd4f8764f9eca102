#!/usr/bin/env bash
# bench/run.sh — Gatehouse's gatehouse-server against node oidc-provider, same run,
# same machine, same load. A report, never a CI gate: see bench/README.md.
#
# Copyright 2026 The Gatehouse developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   bench/run.sh [--duration 10s] [--warmup 2s] [--threads 2] [--connections 16]
#                [--endpoints discovery,jwks,refresh,introspect] [--build-dir DIR]
#                [--no-pin] [--keep]
#
# Exit status: 0 when every requested measurement ran and was valid (whether or
# not the targets were met); 1 when a measurement had errors (non-2xx, bad
# answers, socket errors) and is not valid; 2 when the benchmark could not run
# (bad option, missing tool, a server that did not start, a flow that failed).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)

duration=10s
warmup=2s
threads=2
connections=16
endpoints=discovery,jwks,refresh,introspect
build_dir=$top/build-bench
pin=1
keep=0

usage() { sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
die() { echo "bench: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=${2:?}; shift 2 ;;
    --warmup) warmup=${2:?}; shift 2 ;;
    --threads) threads=${2:?}; shift 2 ;;
    --connections) connections=${2:?}; shift 2 ;;
    --endpoints) endpoints=${2:?}; shift 2 ;;
    --build-dir) build_dir=$(realpath -m "${2:?}"); shift 2 ;;
    --no-pin) pin=0; shift ;;
    --keep) keep=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option $1" ;;
  esac
done

secs_of() {  # 10s, 2m, 500ms? wrk takes s/m/h; we accept s and m only
  case "$1" in
    *m) echo $(( ${1%m} * 60 )) ;;
    *s) echo "${1%s}" ;;
    *) echo "$1" ;;
  esac
}
[[ $duration =~ ^[0-9]+[sm]?$ ]] || die "--duration: like 10s or 1m"
[[ $warmup =~ ^[0-9]+[sm]?$ ]] || die "--warmup: like 2s, or 0"
[[ $threads =~ ^[1-9][0-9]*$ ]] || die "--threads: a positive integer"
[[ $connections =~ ^[1-9][0-9]*$ ]] || die "--connections: a positive integer"
(( connections % threads == 0 )) || die "--connections must be a multiple of --threads"
(( connections <= 1024 )) || die "--connections: at most 1024"
duration_s=$(secs_of "$duration"); warmup_s=$(secs_of "$warmup")
(( duration_s >= 1 && duration_s <= 600 )) || die "--duration: 1s to 10m"
(( warmup_s <= 60 )) || die "--warmup: at most 60s"
IFS=, read -r -a wanted <<<"$endpoints"
for e in "${wanted[@]}"; do
  case "$e" in discovery|jwks|refresh|introspect) ;; *) die "unknown endpoint $e" ;; esac
done
wants() { local e; for e in "${wanted[@]}"; do [ "$e" = "$1" ] && return 0; done; return 1; }

# ---------------------------------------------------------------- tools

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  echo "bench: installing $* with apt-get" >&2
  as_root apt-get install -y --no-install-recommends "$@" >&2 \
    || { as_root apt-get update >&2 && as_root apt-get install -y --no-install-recommends "$@" >&2; } \
    || die "could not install $*"
}
command -v wrk >/dev/null || apt_install wrk
command -v node >/dev/null || apt_install nodejs
command -v npm >/dev/null || apt_install npm
command -v taskset >/dev/null || pin=0
node_major=$(node -p 'process.versions.node.split(".")[0]')
(( node_major >= 20 )) || die "oidc-provider needs Node.js >= 20 (this is $(node --version))"

# The peer, exactly as locked in bench/package-lock.json.
if ! (cd "$here" && node -e 'import("oidc-provider")' 2>/dev/null) \
   || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
  echo "bench: npm ci in bench/" >&2
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2) || die "npm ci failed"
fi
peer_version=$(cd "$here" && node -p 'require("./node_modules/oidc-provider/package.json").version')

# Gatehouse, a release build without the GUI.
if [ ! -f "$build_dir/build.ninja" ]; then
  echo "bench: meson setup $build_dir (release, no GUI)" >&2
  meson setup "$build_dir" "$top" -Dgui=false -Dbuildtype=release >&2 || die "meson setup failed"
fi
ninja -C "$build_dir" -j2 src/server/gatehouse-server >&2 || die "build failed"
gh_bin=$build_dir/src/server/gatehouse-server
[ -x "$gh_bin" ] || die "no $gh_bin"
buildtype=$(meson introspect --buildoptions "$build_dir" 2>/dev/null \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).find(o=>o.name==="buildtype").value)}catch{console.log("?")}})')
[ "$buildtype" = release ] || echo "bench: WARNING: $build_dir is a '$buildtype' build, not release" >&2

# CPUs: each server on the last CPU, wrk (and the helpers) on the others.
ncpu=$(nproc)
if (( pin && ncpu >= 2 )); then
  server_cpus=$((ncpu - 1)); load_cpus=0-$((ncpu - 2))
  on_server_cpu=(taskset -c "$server_cpus")
  on_load_cpu=(taskset -c "$load_cpus")
else
  pin=0
  on_server_cpu=()
  on_load_cpu=()
fi

# ---------------------------------------------------------------- processes

work=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-bench.XXXXXX")
pids=()
cleanup() {
  local rc=$? pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if (( keep )); then echo "bench: kept $work" >&2; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_listening LOG PID -> prints the issuer from "listening on URL", or dies
wait_listening() {
  local log=$1 pid=$2 url
  for _ in $(seq 200); do
    url=$(sed -n 's/^listening on \(http:\/\/127\.0\.0\.1:[0-9]*\)$/\1/p' "$log" | head -1)
    if [ -n "$url" ]; then echo "$url"; return 0; fi
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; die "server exited before listening"; }
    sleep 0.1
  done
  cat "$log" >&2; die "server did not listen within 20 s"
}

redirect_uri=http://127.0.0.1:9/callback      # never contacted: the helper stops there
resource=https://bench.invalid/mcp            # RFC 8707 resource; a name, never contacted
opaque_resource=https://bench.invalid/opaque  # the peer's introspectable (opaque) tokens
peer_secret=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')

gh_data=$work/gatehouse
mkdir -m 0700 "$gh_data"
gh() { "$gh_bin" "$@" --data-dir "$gh_data" --secrets file; }

"${on_server_cpu[@]}" "$gh_bin" serve --dev --listen 127.0.0.1:0 --data-dir "$gh_data" --secrets file \
  >"$work/gatehouse.log" 2>&1 &
gh_pid=$!; pids+=("$gh_pid")
gh_issuer=$(wait_listening "$work/gatehouse.log" "$gh_pid")

NODE_ENV=production "${on_server_cpu[@]}" node "$here/oidc-provider.mjs" --listen 127.0.0.1:0 \
  --redirect-uri "$redirect_uri" --resource "$resource" --opaque-resource "$opaque_resource" \
  --introspect-secret "$peer_secret" >"$work/peer.log" 2>&1 &
peer_pid=$!; pids+=("$peer_pid")
peer_issuer=$(wait_listening "$work/peer.log" "$peer_pid")

# ---------------------------------------------------------------- endpoints + clients

# meta ISSUER KEY -> the discovery document's KEY, or nothing
meta() {
  curl -sf --max-time 5 "$1/.well-known/openid-configuration" \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s)[process.argv[1]];if(v)console.log(v)})' "$2"
}
gh_jwks=$(meta "$gh_issuer" jwks_uri); peer_jwks=$(meta "$peer_issuer" jwks_uri)
gh_token=$(meta "$gh_issuer" token_endpoint); peer_token=$(meta "$peer_issuer" token_endpoint)
gh_introspect=$(meta "$gh_issuer" introspection_endpoint)
peer_introspect=$(meta "$peer_issuer" introspection_endpoint)
[ -n "$gh_jwks" ] && [ -n "$peer_jwks" ] || die "a server's discovery has no jwks_uri"

if wants refresh || wants introspect; then
  [ -n "$gh_token" ] || die "gatehouse at $gh_issuer has no token_endpoint yet; run with --endpoints discovery,jwks"
  [ -n "$peer_token" ] || die "the peer has no token_endpoint"
fi
if wants introspect; then
  [ -n "$gh_introspect" ] || die "gatehouse at $gh_issuer has no introspection_endpoint yet; leave out introspect"
  [ -n "$peer_introspect" ] || die "the peer has no introspection_endpoint"
fi

# json_field FIELD < JSON
json_field() {
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s)[process.argv[1]];if(v===undefined)process.exit(1);console.log(v)})' "$1"
}

if wants refresh || wants introspect; then
  gh project set default auto_approve_user=dev >"$work/gh-project.log" 2>&1 \
    || { cat "$work/gh-project.log" >&2; die "gatehouse-server project set default auto_approve_user=dev failed"; }
  gh client create --redirect-uri "$redirect_uri" --grant-type authorization_code \
    --grant-type refresh_token --auth-method none --json >"$work/gh-public.json" 2>"$work/gh-cli.log" \
    || { cat "$work/gh-cli.log" >&2; die "gatehouse-server client create (public) failed"; }
  gh_public=$(json_field client_id <"$work/gh-public.json") || die "no client_id in $(cat "$work/gh-public.json")"
fi
if wants introspect; then
  gh client create --redirect-uri "$redirect_uri" --grant-type authorization_code \
    --auth-method client_secret_basic --json >"$work/gh-confidential.json" 2>"$work/gh-cli.log" \
    || { cat "$work/gh-cli.log" >&2; die "gatehouse-server client create (confidential) failed"; }
  gh_conf_id=$(json_field client_id <"$work/gh-confidential.json") || die "no client_id"
  gh_conf_secret=$(json_field client_secret <"$work/gh-confidential.json") || die "no client_secret"
fi
peer_public=bench-public

# tokens WHICH ISSUER CLIENT RESOURCE COUNT FIELD OUT
tokens() {
  local issuer=$2 client=$3 res=$4 count=$5 field=$6 out=$7
  "${on_load_cpu[@]}" node "$here/get-tokens.mjs" --issuer "$issuer" --client-id "$client" \
    --redirect-uri "$redirect_uri" --resource "$res" --count "$count" --field "$field" \
    >"$out" 2>"$work/get-tokens.err" \
    || { cat "$work/get-tokens.err" >&2; die "$1: the authorization code flow failed"; }
  [ "$(grep -c . "$out")" = "$count" ] || die "$1: got $(grep -c . "$out") tokens, wanted $count"
}

# ---------------------------------------------------------------- measuring

# wrk_run NAME SECONDS SCRIPT URL [ENV=VALUE...] -> the BENCH line in $work/NAME.wrk
wrk_run() {
  local name=$1 secs=$2 script=$3 url=$4; shift 4
  env BENCH_DIR="$here" BENCH_THREADS="$threads" "$@" \
    timeout $((secs + 60)) "${on_load_cpu[@]}" wrk -t "$threads" -c "$connections" -d "${secs}s" --timeout 5s --latency \
      -s "$here/$script" "$url" >"$work/$name.wrk" 2>&1 \
    || { cat "$work/$name.wrk" >&2; die "wrk failed for $name"; }
  grep -q '^BENCH ' "$work/$name.wrk" || { cat "$work/$name.wrk" >&2; die "no summary from wrk for $name"; }
}

# field NAME KEY -> value from the BENCH line
field() { sed -n 's/^BENCH .*\b'"$2"'=\([0-9.]*\).*/\1/p' "$work/$1.wrk"; }

invalid=()
errors_of() {  # NAME -> every kind of failed request in that run
  echo $(( $(field "$1" http_errors) + $(field "$1" bad) + $(field "$1" connect_errors) \
    + $(field "$1" read_errors) + $(field "$1" write_errors) + $(field "$1" timeouts) ))
}
check_run() {  # NAME: a run with any failed request, or none at all, is not a measurement
  local errs
  errs=$(errors_of "$1")
  if (( errs > 0 )) || [ "$(field "$1" requests)" = 0 ]; then
    invalid+=("$1")
    echo "bench: INVALID: $1 had $errs failed requests:" >&2
    grep -E '^(BENCH|Non-2xx|  Socket errors)' "$work/$1.wrk" >&2 || true
  fi
}
# measure ENDPOINT SERVER SCRIPT URL [ENV...]: warm-up (not kept), then the measured run
measure() {
  local ep=$1 server=$2 script=$3 url=$4; shift 4
  if (( warmup_s > 0 )); then
    wrk_run "$ep-$server-warmup" "$warmup_s" "$script" "$url" "$@"
    check_run "$ep-$server-warmup"
  fi
  wrk_run "$ep-$server" "$duration_s" "$script" "$url" "$@"
  check_run "$ep-$server"
}

echo "bench: gatehouse $gh_issuer (pid $gh_pid), oidc-provider $peer_version $peer_issuer (pid $peer_pid)" >&2
echo "bench: wrk -t$threads -c$connections, ${duration_s}s measured after ${warmup_s}s warm-up," \
  "$( ((pin)) && echo "servers on CPU $server_cpus, load on CPU $load_cpus" || echo "no CPU pinning")" >&2

if wants discovery; then
  echo "bench: discovery" >&2
  measure discovery gatehouse get.lua "$gh_issuer/.well-known/openid-configuration"
  measure discovery peer get.lua "$peer_issuer/.well-known/openid-configuration"
fi
if wants jwks; then
  echo "bench: jwks" >&2
  measure jwks gatehouse get.lua "$gh_jwks"
  measure jwks peer get.lua "$peer_jwks"
fi
if wants refresh; then
  # One authorization per connection per run (warm-up and measured run
  # each get their own families).
  for server in gatehouse peer; do
    if [ $server = gatehouse ]; then iss=$gh_issuer; cid=$gh_public; url=$gh_token
    else iss=$peer_issuer; cid=$peer_public; url=$peer_token; fi
    echo "bench: refresh on $server: $((connections * 2)) authorizations" >&2
    tokens $server "$iss" "$cid" "$resource" "$connections" refresh_token "$work/rt-$server-warmup"
    tokens $server "$iss" "$cid" "$resource" "$connections" refresh_token "$work/rt-$server"
    if (( warmup_s > 0 )); then
      wrk_run "refresh-$server-warmup" "$warmup_s" refresh.lua "$url" \
        BENCH_TOKENS="$work/rt-$server-warmup" BENCH_CLIENT_ID="$cid"
    fi
    wrk_run "refresh-$server" "$duration_s" refresh.lua "$url" \
      BENCH_TOKENS="$work/rt-$server" BENCH_CLIENT_ID="$cid"
  done
  for server in gatehouse peer; do
    if (( warmup_s > 0 )); then check_run "refresh-$server-warmup"; fi
    check_run "refresh-$server"
  done
fi
if wants introspect; then
  echo "bench: introspect" >&2
  tokens gatehouse "$gh_issuer" "$gh_public" "$resource" 1 access_token "$work/at-gatehouse"
  # oidc-provider refuses to introspect its JWT access tokens; it introspects an opaque one.
  tokens peer "$peer_issuer" "$peer_public" "$opaque_resource" 1 access_token "$work/at-peer"
  measure introspect gatehouse introspect.lua "$gh_introspect" \
    BENCH_TOKEN="$(cat "$work/at-gatehouse")" \
    BENCH_BASIC="$(printf '%s:%s' "$gh_conf_id" "$gh_conf_secret" | base64 -w0)"
  measure introspect peer introspect.lua "$peer_introspect" \
    BENCH_TOKEN="$(cat "$work/at-peer")" \
    BENCH_BASIC="$(printf '%s:%s' bench-introspector "$peer_secret" | base64 -w0)"
fi

hwm_kb() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }
kill -0 "$gh_pid" 2>/dev/null || die "gatehouse-server died during the run"
kill -0 "$peer_pid" 2>/dev/null || die "oidc-provider died during the run"
gh_hwm=$(hwm_kb "$gh_pid"); peer_hwm=$(hwm_kb "$peer_pid")

# ---------------------------------------------------------------- report

gh_rev=$(git -C "$top" describe --always --dirty 2>/dev/null || echo unknown)
wrk_version=$( { wrk -v 2>&1 || true; } | awk 'NR==1 {print $2}')
echo
echo "Gatehouse $gh_rev ($buildtype) vs oidc-provider $peer_version (node $(node --version))"
echo "wrk $wrk_version: $threads threads, $connections connections, ${duration_s}s per run after ${warmup_s}s warm-up;" \
  "$( ((pin)) && echo "servers pinned to CPU $server_cpus, wrk to CPU $load_cpus" || echo "no CPU pinning")"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $ncpu CPUs"
echo
printf '%-11s %-10s %10s %9s %9s %7s\n' endpoint server 'req/s' 'p50 ms' 'p99 ms' errors
printf '%-11s %-10s %10s %9s %9s %7s\n' ----------- ---------- ---------- --------- --------- -------
ratio_of=()
for ep in discovery jwks refresh introspect; do
  wants "$ep" || continue
  for server in gatehouse peer; do
    n=$ep-$server
    errs=$(errors_of "$n")
    awk -v ep="$ep" -v s="$([ $server = peer ] && echo oidc-prov || echo gatehouse)" \
        -v r="$(field "$n" rps)" -v p50="$(field "$n" p50_us)" -v p99="$(field "$n" p99_us)" -v e="$errs" \
      'BEGIN { printf "%-11s %-10s %10.0f %9.3f %9.3f %7d\n", ep, s, r, p50/1000, p99/1000, e }'
  done
  awk -v g="$(field "$ep-gatehouse" rps)" -v p="$(field "$ep-peer" rps)" \
      -v g50="$(field "$ep-gatehouse" p50_us)" -v p50="$(field "$ep-peer" p50_us)" \
      -v g99="$(field "$ep-gatehouse" p99_us)" -v p99="$(field "$ep-peer" p99_us)" \
    'BEGIN { printf "%-11s %-10s %9.2fx %8.2fx %8.2fx\n", "", "gh/peer", (p>0?g/p:0), (p50>0?g50/p50:0), (p99>0?g99/p99:0) }'
done
echo
awk -v g="$gh_hwm" -v p="$peer_hwm" 'BEGIN {
  printf "peak RSS (VmHWM): gatehouse %.1f MB, oidc-provider %.1f MB, gh/peer %.2fx\n", g/1024, p/1024, g/p }'
echo
echo "targets (requests/s ratio gatehouse/oidc-provider; RSS absolute):"
check_ratio() {  # ENDPOINT LABEL MIN
  wants "$1" || return 0
  local g p
  g=$(field "$1-gatehouse" rps); p=$(field "$1-peer" rps)
  awk -v lbl="$2" -v g="$g" -v p="$p" -v min="$3" -v bad="$4" 'BEGIN {
    r = (p > 0 ? g / p : 0)
    printf "  %-16s >= %.1fx   %6.2fx   %s%s\n", lbl, min, r, (r >= min ? "met" : "MISSED"), (bad ? "  (run invalid)" : "") }'
}
is_invalid() { local i; for i in "${invalid[@]}"; do case "$i" in "$1"*) echo 1; return; esac; done; echo 0; }
check_ratio discovery discovery 1.5 "$(is_invalid discovery)"
check_ratio jwks JWKS 1.3 "$(is_invalid jwks)"
check_ratio refresh refresh 2.0 "$(is_invalid refresh)"
check_ratio introspect introspection 1.5 "$(is_invalid introspect)"
awk -v g="$gh_hwm" 'BEGIN { printf "  %-16s <= 40 MB  %6.1f MB  %s\n", "gatehouse RSS", g/1024, (g/1024 <= 40 ? "met" : "MISSED") }'

if (( ${#invalid[@]} > 0 )); then
  echo
  echo "INVALID MEASUREMENTS (errors during the run): ${invalid[*]}"
  echo "These numbers are not a valid comparison. First errors:"
  for f in "$work"/*.wrk; do grep -H '^BENCH_FIRST_ERROR' "$f" | sed "s|^$work/||" || true; done
  exit 1
fi
exit 0
