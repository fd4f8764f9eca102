#!/usr/bin/env bash
# bench/run.sh — Gatehouse's gatehouse-server against node oidc-provider, same run,
# same machine, same load. A report, never a CI gate: see bench/README.md.
#
# Copyright 2026 The Gatehouse developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   bench/run.sh [--duration 10s] [--rounds 3] [--warmup 2s] [--threads 2]
#                [--connections 16] [--endpoints discovery,jwks,refresh,introspect]
#                [--build-dir DIR] [--no-pin] [--keep]
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
rounds=3
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
    --rounds) rounds=${2:?}; shift 2 ;;
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
[[ $rounds =~ ^[1-9][0-9]*$ ]] && (( rounds <= 20 )) || die "--rounds: 1 to 20"
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
command -v curl >/dev/null || apt_install curl
command -v node >/dev/null || apt_install nodejs
command -v npm >/dev/null || apt_install npm
command -v taskset >/dev/null || pin=0
# What gatehouse-server builds with (the GUI's libraries are not needed here).
if ! command -v meson >/dev/null || ! command -v ninja >/dev/null || ! command -v pkg-config >/dev/null \
   || ! pkg-config --exists glib-2.0 libsoup-3.0 json-glib-1.0 gnutls libsecret-1 sqlite3; then
  apt_install meson ninja-build pkg-config gcc libc6-dev libglib2.0-dev libsoup-3.0-dev \
    libjson-glib-dev libgnutls28-dev libsecret-1-dev libsqlite3-dev
fi
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
# The servers also get SIGTERM if this script dies without running its trap
# (SIGKILL): setpriv's parent-death signal survives the exec of taskset and
# of the server.
ncpu=$(nproc)
on_server_cpu=()
if setpriv --help 2>/dev/null | grep -- --pdeathsig >/dev/null; then on_server_cpu=(setpriv --pdeathsig TERM); fi
if (( pin && ncpu >= 2 )); then
  server_cpus=$((ncpu - 1)); load_cpus=0-$((ncpu - 2))
  on_server_cpu+=(taskset -c "$server_cpus")
  on_load_cpu=(taskset -c "$load_cpus")
else
  pin=0
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
# Anything that fails unexpectedly says where, and counts as "could not run".
trap 'echo "bench: failed at line $LINENO: $BASH_COMMAND" >&2; exit 2' ERR
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

NODE_ENV=production BENCH_INTROSPECT_SECRET="$peer_secret" "${on_server_cpu[@]}" \
  node "$here/oidc-provider.mjs" --listen 127.0.0.1:0 \
  --redirect-uri "$redirect_uri" --resource "$resource" --opaque-resource "$opaque_resource" \
  >"$work/peer.log" 2>&1 &
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
  # serve --dev has a user "dev"; add it where it does not.
  if ! gh user list 2>/dev/null | awk 'NR > 1 {print $1}' | grep -x dev >/dev/null; then
    gh user add dev >"$work/gh-user.log" 2>&1 \
      || { cat "$work/gh-user.log" >&2; die "gatehouse-server user add dev failed"; }
  fi
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

# check WHICH ISSUER CLIENT -> one line: what the access token is, that refresh rotates
check_flow() {
  "${on_load_cpu[@]}" node "$here/get-tokens.mjs" --issuer "$2" --client-id "$3" \
    --redirect-uri "$redirect_uri" --resource "$resource" --check 2>"$work/check.err" \
    || { cat "$work/check.err" >&2; die "$1: the flow does not behave as the benchmark needs"; }
}
gh_flow="-"; peer_flow="-"
if wants refresh || wants introspect; then
  gh_flow=$(check_flow gatehouse "$gh_issuer" "$gh_public")
  peer_flow=$(check_flow peer "$peer_issuer" "$peer_public")
fi

# ---------------------------------------------------------------- measuring

# wrk_run NAME SECONDS SCRIPT URL [ENV=VALUE...] -> the BENCH line in $work/NAME.wrk
cpu_ticks() {  # PID -> user + system CPU time of all its threads, in clock ticks
  awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}
sched_ns() {  # PID -> "RUN WAIT": ns its threads ran, and ns they were runnable but not running
  # Never fails: a process that has just exited reads as "0 0".
  { cat /proc/"$1"/task/*/schedstat 2>/dev/null || true; } \
    | awk '{ r += $1; w += $2 } END { printf "%d %d\n", r, w }'
}
wrk_run() {
  local name=$1 secs=$2 script=$3 url=$4; shift 4
  local ticks0 sched0 sched1 tpid wpid="" cur load="0 0"
  ticks0=$(cpu_ticks "$cur_pid")
  sched0=$(sched_ns "$cur_pid")
  env BENCH_DIR="$here" BENCH_THREADS="$threads" "$@" \
    timeout $((secs + 60)) "${on_load_cpu[@]}" wrk -t "$threads" -c "$connections" -d "${secs}s" \
      --timeout 5s --latency -s "$here/$script" "$url" >"$work/$name.wrk" 2>&1 &
  tpid=$!
  # wrk's own scheduling, sampled until it exits: was the load generator
  # itself kept off its CPU by other processes?
  while kill -0 "$tpid" 2>/dev/null; do
    [ -n "$wpid" ] || wpid=$(pgrep -P "$tpid" -x wrk || true)
    if [ -n "$wpid" ]; then
      cur=$(sched_ns "$wpid")
      [ "$cur" = "0 0" ] || load=$cur
    fi
    sleep 0.2
  done
  wait "$tpid" || { cat "$work/$name.wrk" >&2; die "wrk failed for $name"; }
  grep -q '^BENCH ' "$work/$name.wrk" || { cat "$work/$name.wrk" >&2; die "no summary from wrk for $name"; }
  # The server's own CPU time over the run: requests per CPU-second hold up
  # better than requests per second when other work shares the machine.
  echo "BENCH_CPU ticks=$(( $(cpu_ticks "$cur_pid") - ticks0 )) hz=$(getconf CLK_TCK)" >>"$work/$name.wrk"
  # And how long it was runnable but had no CPU (other processes had it).
  sched1=$(sched_ns "$cur_pid")
  echo "BENCH_SCHED run_ns=$(( ${sched1% *} - ${sched0% *} )) wait_ns=$(( ${sched1#* } - ${sched0#* } ))" \
    >>"$work/$name.wrk"
  echo "BENCH_LOAD_SCHED run_ns=${load% *} wait_ns=${load#* }" >>"$work/$name.wrk"
  # A failed request makes the run invalid: say so now, the report says it again.
  if ! grep -q '^BENCH .* http_errors=0 bad=0 connect_errors=0 read_errors=0 write_errors=0 timeouts=0' \
       "$work/$name.wrk"; then
    echo "bench: INVALID: $name had failed requests:" >&2
    grep -E '^(BENCH|Non-2xx|  Socket errors)' "$work/$name.wrk" >&2 || true
  fi
}

declare -A url_discovery=([gatehouse]="$gh_issuer/.well-known/openid-configuration"
                          [peer]="$peer_issuer/.well-known/openid-configuration")
declare -A url_jwks=([gatehouse]="$gh_jwks" [peer]="$peer_jwks")
declare -A url_token=([gatehouse]="$gh_token" [peer]="$peer_token")
declare -A url_introspect=([gatehouse]="$gh_introspect" [peer]="$peer_introspect")
declare -A issuer=([gatehouse]="$gh_issuer" [peer]="$peer_issuer")
declare -A public_client=([gatehouse]="${gh_public:-}" [peer]="$peer_public")
declare -A basic=()

# oidc-provider refuses to introspect its own JWT access tokens ("Structured
# JWT Tokens cannot be introspected"): the token it introspects is an opaque
# one, for a second resource configured that way.
declare -A introspect_resource=([gatehouse]="$resource" [peer]="$opaque_resource")
if wants introspect; then
  basic[gatehouse]=$(printf '%s:%s' "$gh_conf_id" "$gh_conf_secret" | base64 -w0)
  basic[peer]=$(printf '%s:%s' bench-introspector "$peer_secret" | base64 -w0)
fi

# run_one ENDPOINT SERVER NAME SECONDS
declare -A pid_of=([gatehouse]="$gh_pid" [peer]="$peer_pid")
run_one() {
  local ep=$1 server=$2 name=$3 secs=$4
  cur_pid=${pid_of[$server]}
  case $ep in
    discovery) wrk_run "$name" "$secs" get.lua "${url_discovery[$server]}" ;;
    jwks) wrk_run "$name" "$secs" get.lua "${url_jwks[$server]}" ;;
    refresh)
      # Every run starts new families: one authorization per connection, plus
      # one per thread (see refresh.lua).
      tokens "$server" "${issuer[$server]}" "${public_client[$server]}" "$resource" \
        $((connections + threads)) refresh_token "$work/$name.rt"
      wrk_run "$name" "$secs" refresh.lua "${url_token[$server]}" \
        BENCH_TOKENS="$work/$name.rt" BENCH_CLIENT_ID="${public_client[$server]}" ;;
    introspect)
      # A new token each run, just before it: the peer's default in-memory
      # store is an LRU of 1000 entries, which the refresh runs churn through.
      tokens "$server" "${issuer[$server]}" "${public_client[$server]}" \
        "${introspect_resource[$server]}" 1 access_token "$work/$name.at"
      wrk_run "$name" "$secs" introspect.lua "${url_introspect[$server]}" \
        BENCH_TOKEN="$(cat "$work/$name.at")" BENCH_BASIC="${basic[$server]}" ;;
  esac
}

echo "bench: gatehouse $gh_issuer (pid $gh_pid), oidc-provider $peer_version $peer_issuer (pid $peer_pid)" >&2
echo "bench: wrk -t$threads -c$connections; per endpoint ${warmup_s}s warm-up each, then $rounds round(s)" \
  "of ${duration_s}s per server, alternating which goes first;" \
  "$( ((pin)) && echo "servers on CPU $server_cpus, load on CPU $load_cpus" || echo "no CPU pinning")" >&2
# What else is running matters on a shared machine: the report shows it.
pressure() {  # "load 1.2 1.0 0.8, CPU pressure 12% (some, avg10)"
  local psi=""
  [ -r /proc/pressure/cpu ] && psi=$(awk '/^some/ { sub("avg10=", "", $2); print ", CPU pressure " $2 "%" }' /proc/pressure/cpu)
  echo "load $(cut -d' ' -f1-3 /proc/loadavg)$psi"
}
load_start=$(pressure)

for ep in discovery jwks refresh introspect; do
  wants "$ep" || continue
  echo "bench: $ep" >&2
  if (( warmup_s > 0 )); then
    run_one "$ep" gatehouse "$ep-gatehouse-warmup" "$warmup_s"
    run_one "$ep" peer "$ep-peer-warmup" "$warmup_s"
  fi
  for r in $(seq "$rounds"); do
    if (( r % 2 )); then order="gatehouse peer"; else order="peer gatehouse"; fi
    for server in $order; do run_one "$ep" "$server" "$ep-$server-r$r" "$duration_s"; done
  done
done

hwm_kb() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }
kill -0 "$gh_pid" 2>/dev/null || die "gatehouse-server died during the run"
kill -0 "$peer_pid" 2>/dev/null || die "oidc-provider died during the run"
gh_hwm=$(hwm_kb "$gh_pid"); peer_hwm=$(hwm_kb "$peer_pid")

# ---------------------------------------------------------------- report

gh_rev=$(git -C "$top" describe --always --dirty 2>/dev/null || echo unknown)
wrk_version=$( { wrk -v 2>&1 || true; } | awk 'NR==1 {print $2}')
echo
echo "Gatehouse $gh_rev ($buildtype build) vs oidc-provider $peer_version (node $(node --version))"
echo "wrk $wrk_version, $threads threads, $connections connections; per endpoint and server ${warmup_s}s warm-up," \
  "then $rounds x ${duration_s}s (order alternating)"
echo "$( ((pin)) && echo "servers pinned to CPU $server_cpus, wrk and helpers to CPU $load_cpus" \
  || echo "no CPU pinning"); $ncpu CPUs"
echo "before: $load_start; after: $(pressure)"
if [ "$gh_flow" != - ]; then
  echo "gatehouse:     $gh_flow"
  echo "oidc-provider: $peer_flow"
fi
echo
rc=0
node "$here/report.mjs" --dir "$work" --endpoints "$(IFS=,; echo "${wanted[*]}")" \
  --gh-hwm "$gh_hwm" --peer-hwm "$peer_hwm" || rc=$?
case $rc in
  0) exit 0 ;;
  1) exit 1 ;;
  *) die "report.mjs failed" ;;
esac
