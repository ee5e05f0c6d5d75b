#!/usr/bin/env bash
# A/B of two builds of the strangler proxy on the same backend, same load (wrk, 64 connections, 10,000
# distinct X-User-Id values, a 50% canary route), alternating runs: requests/s and the proxy process's CPU
# time per request (utime+stime from /proc/<pid>/stat), which is far steadier than requests/s on 2 shared
# cores. Use it to measure a change to the request path against the commit before it.
#
# Usage: [BEFORE_ENV="K=V ..."] [AFTER_ENV="K=V ..."] bench/proxy-ab.sh <commit-before> [rounds] [seconds per run]   (defaults: 8 10)
# Example: bench/proxy-ab.sh a77e194
# Runtime settings: BEFORE_ENV / AFTER_ENV are environment variables for that proxy process only; with HEAD as
# the commit the two builds are the same, so it measures a setting, e.g.
#   AFTER_ENV="DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1" bench/proxy-ab.sh HEAD
set -euo pipefail
cd "$(dirname "$0")/.."
before_commit=${1:?usage: bench/proxy-ab.sh <commit-before> [rounds] [seconds]}; rounds=${2:-8}; seconds=${3:-10}
command -v wrk >/dev/null || { echo "needs wrk: apt-get install -y wrk" >&2; exit 1; }
work=$(mktemp -d /tmp/strangler-bench-ab.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; git worktree remove --force "$work/before" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

git worktree add -q "$work/before" "$before_commit"
dotnet build -c Release "$work/before/proxy/Strangler.Proxy" -v quiet -nologo >/dev/null
for p in bench/Backend proxy/Strangler.Proxy; do dotnet build -c Release "$p" -v quiet -nologo >/dev/null; done

export DOTNET_gcServer=0
dotnet bench/Backend/bin/Release/net10.0/Strangler.Bench.Backend.dll --urls http://127.0.0.1:7301 >"$work/backend.log" 2>&1 & pids+=($!)
token=bench-admin-token-0123456789
env ${BEFORE_ENV:-} dotnet "$work/before/proxy/Strangler.Proxy/bin/Release/net10.0/Strangler.Proxy.dll" --Proxy:LegacyUrl=http://127.0.0.1:7301 \
  --Proxy:Listen=http://127.0.0.1:7302 --Proxy:Admin:Listen=http://127.0.0.1:7303 --Proxy:Admin:Token=$token \
  --Proxy:Store:FilePath="$work/before.json" --Log:MinimumLevel=Warning >"$work/before.log" 2>&1 & pids+=($!); before=$!
env ${AFTER_ENV:-} dotnet proxy/Strangler.Proxy/bin/Release/net10.0/Strangler.Proxy.dll --Proxy:LegacyUrl=http://127.0.0.1:7301 \
  --Proxy:Listen=http://127.0.0.1:7304 --Proxy:Admin:Listen=http://127.0.0.1:7305 --Proxy:Admin:Token=$token \
  --Proxy:Store:FilePath="$work/after.json" --Log:MinimumLevel=Warning >"$work/after.log" 2>&1 & pids+=($!); after=$!
for port in 7301 7302 7304; do until curl -sf -o /dev/null "http://127.0.0.1:$port/api/drivers/1"; do sleep 0.2; done; done
for admin in 7303 7305; do
  curl -sf -X PUT "http://127.0.0.1:$admin/admin/routes/drivers" -H "Authorization: Bearer $token" -H 'content-type: application/json' \
    -d '{"path":"/api/drivers/{**rest}","destinations":["http://127.0.0.1:7301"],"stage":"canary","weight":50}' >/dev/null
done

ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
run() { # pid port → "req/s cpu-µs-per-request"
  local t0 t1 out
  t0=$(ticks "$1"); out=$(wrk -t1 -c64 -d"${seconds}s" -s bench/users.lua "http://127.0.0.1:$2" 2>&1); t1=$(ticks "$1")
  echo "$out" | awk -v t=$((t1 - t0)) -v hz="$hz" '/requests in/ {n=$1} /Requests\/sec/ {r=$2} END {printf "%s %.1f\n", r, t * 1000000 / hz / n}'
}
for port in 7302 7304; do wrk -t1 -c64 -d5s -s bench/users.lua "http://127.0.0.1:$port" >/dev/null; done # warm-up
results=()
for r in $(seq 1 "$rounds"); do
  b=$(run "$before" 7302); a=$(run "$after" 7304)
  echo "round $r  before $b  after $a"; results+=("$b $a")
done
printf '%s\n' "${results[@]}" | python3 -c '
import sys, statistics as s
rows = [list(map(float, l.split())) for l in sys.stdin if l.strip()]
b_rps, b_cpu, a_rps, a_cpu = (s.median(r[i] for r in rows) for i in range(4))
print(f"median  before {b_rps:.0f} req/s {b_cpu:.1f} µs CPU/request   after {a_rps:.0f} req/s {a_cpu:.1f} µs CPU/request   after/before: throughput {a_rps/b_rps:.3f}, CPU per request {a_cpu/b_cpu:.3f}")'
