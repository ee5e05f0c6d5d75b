#!/usr/bin/env bash
# Proxy overhead: the same backend and the same load (wrk, 64 connections, 10,000 distinct X-User-Id
# values), measured in one run directly, through nginx (keepalive upstream, HTTP/1.1), through plain YARP,
# and through the strangler proxy with a 50% canary route active (both sides pointing at the backend).
#
# Pinning: none. On this 2-core machine every process (backend, proxy under test, wrk) shares both cores.
# Pinning a .NET proxy to one core next to wrk made the runtime size itself for one CPU and cut plain
# YARP from ~24k to ~8k requests/s, which measures the pinning, not the proxy. nginx runs
# `worker_processes auto` (2 workers), its correct setting for 2 cores.
#
# Usage: [SPIN=0] bench/proxy-overhead.sh [seconds per run] [rounds]   (defaults: 10 3; medians are reported)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}; rounds=${2:-3}
command -v wrk >/dev/null && command -v nginx >/dev/null || { echo "needs wrk and nginx: apt-get install -y wrk nginx-light" >&2; exit 1; }

for p in bench/Backend bench/YarpPassthrough proxy/Strangler.Proxy; do dotnet build -c Release "$p" -v quiet -nologo >/dev/null; done
work=$(mktemp -d /tmp/strangler-bench-proxy.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; nginx -c "$work/nginx.conf" -s stop 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

export DOTNET_gcServer=0
# SPIN=0 disables the .NET thread pool's spin-waiting in every .NET process of the run (backend, YARP,
# strangler): on 2 shared cores the spinning threads compete with wrk, nginx and each other. Default: the
# runtime's own setting.
if [ -n "${SPIN:-}" ]; then export DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=$SPIN; fi
dotnet bench/Backend/bin/Release/net10.0/Strangler.Bench.Backend.dll --urls http://127.0.0.1:7101 >"$work/backend.log" 2>&1 & pids+=($!)

cat >"$work/nginx.conf" <<NGINX
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  upstream backend { server 127.0.0.1:7101; keepalive 64; }
  server {
    listen 127.0.0.1:7102;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
NGINX
nginx -c "$work/nginx.conf"

dotnet bench/YarpPassthrough/bin/Release/net10.0/Strangler.Bench.YarpPassthrough.dll \
  --urls http://127.0.0.1:7103 --Destination http://127.0.0.1:7101 >"$work/yarp.log" 2>&1 & pids+=($!)

token=bench-admin-token-0123456789
dotnet proxy/Strangler.Proxy/bin/Release/net10.0/Strangler.Proxy.dll \
  --Proxy:LegacyUrl=http://127.0.0.1:7101 --Proxy:Listen=http://127.0.0.1:7104 --Proxy:Admin:Listen=http://127.0.0.1:7105 \
  --Proxy:Admin:Token=$token --Proxy:Store:FilePath="$work/routes.json" --Log:MinimumLevel=Warning >"$work/strangler.log" 2>&1 & pids+=($!)

for port in 7101 7102 7103 7104; do
  until curl -sf -o /dev/null "http://127.0.0.1:$port/api/drivers/1"; do sleep 0.2; done
done
curl -sf -X PUT "http://127.0.0.1:7105/admin/routes/drivers" -H "Authorization: Bearer $token" -H 'content-type: application/json' \
  -d '{"path":"/api/drivers/{**rest}","destinations":["http://127.0.0.1:7101"],"stage":"canary","weight":50}' >/dev/null

to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); print v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v); print v} else if (v ~ /s$/) {sub(/s$/,"",v); print v*1000}}'; }
run() { # name port -> "rps p50 p99"
  local out
  wrk -t1 -c64 -d5s -s bench/users.lua "http://127.0.0.1:$2" >/dev/null # warm-up (JIT tiers)
  out=$(wrk -t1 -c64 -d"${seconds}s" --latency -s bench/users.lua "http://127.0.0.1:$2")
  if echo "$out" | grep -q "Non-2xx"; then echo "$1: non-2xx responses" >&2; echo "$out" >&2; exit 1; fi
  echo "$(echo "$out" | awk '/Requests\/sec/ {print $2}') $(echo "$out" | awk '$1=="50%" {print $2}' | to_ms) $(echo "$out" | awk '$1=="99%" {print $2}' | to_ms)"
}

declare -A results
targets=("direct:7101" "nginx:7102" "yarp:7103" "strangler:7104")
for round in $(seq "$rounds"); do
  for t in "${targets[@]}"; do
    r=$(run "${t%%:*}" "${t##*:}")
    echo "round $round ${t%%:*}: rps p50(ms) p99(ms) = $r"
    results[${t%%:*}]+="$r"$'\n'
  done
done

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A rps p50 p99
for t in "${targets[@]}"; do
  n=${t%%:*}
  rps[$n]=$(printf '%s' "${results[$n]}" | awk '{print $1}' | median)
  p50[$n]=$(printf '%s' "${results[$n]}" | awk '{print $2}' | median)
  p99[$n]=$(printf '%s' "${results[$n]}" | awk '{print $3}' | median)
done
canary_share=$(curl -sf "http://127.0.0.1:7105/admin/stats" -H "Authorization: Bearer $token" | \
  python3 -c 'import json,sys; r=[x for x in json.load(sys.stdin)["routes"] if x["id"]=="drivers"][0]["backends"]; s=r["service"]["requests"]; l=r["legacy"]["requests"]; print(f"{s/(s+l):.3f}")')

echo
echo "| target | requests/s | p50 ms | p99 ms | RPS vs direct | p99 added over direct (ms) |"
echo "|---|---:|---:|---:|---:|---:|"
for t in "${targets[@]}"; do
  n=${t%%:*}
  awk -v n="$n" -v r="${rps[$n]}" -v a="${p50[$n]}" -v b="${p99[$n]}" -v dr="${rps[direct]}" -v db="${p99[direct]}" \
    'BEGIN {printf "| %s | %.0f | %.2f | %.2f | %.2f | %.2f |\n", n, r, a, b, r/dr, b-db}'
done
echo
awk -v s="${rps[strangler]}" -v x="${rps[nginx]}" -v y="${rps[yarp]}" 'BEGIN {
  printf "strangler / nginx throughput: %.2f (target >= 1.00)\n", s/x
  printf "strangler / plain YARP throughput: %.2f (strangler logic cost: %.1f%%, target <= 5%%)\n", s/y, (1-s/y)*100 }'
echo "canary share of requests served by the service during the runs: $canary_share (weight 50)"
