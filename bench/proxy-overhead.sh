#!/usr/bin/env bash
# Proxy overhead: the same backend and the same load (wrk, 64 connections, 10,000 distinct X-User-Id
# values), measured in one run directly, through nginx with 1 worker and with `auto` (2) workers (keepalive
# upstream, HTTP/1.1), through plain YARP, and through the strangler proxy with a 50% canary route active
# (both sides pointing at the backend). Targets take turns within each round; medians over the rounds.
#
# Reported per target: requests/s, p50/p99 (closed model, wrk), and the CPU time per request of the proxy
# process (utime+stime from /proc/<pid>/stat around each run; nginx: master and workers summed; direct: the
# backend's own). Then an open-model run at a fixed rate (bench/FixedRate: latency from each request's
# intended send time, corrected for coordinated omission) for the p99 added over direct.
#
# Pinning: none. On this 2-core machine every process (backend, proxy under test, wrk) shares both cores.
# Pinning a .NET proxy to one core next to wrk made the runtime size itself for one CPU and cut plain
# YARP from ~24k to ~8k requests/s, which measures the pinning, not the proxy.
#
# Usage: [SPIN=0] bench/proxy-overhead.sh [seconds per run] [rounds] [fixed rate/s]   (defaults: 10 3 5000)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}; rounds=${2:-3}; fixed_rate=${3:-5000}
command -v wrk >/dev/null && command -v nginx >/dev/null || { echo "needs wrk and nginx: apt-get install -y wrk nginx-light" >&2; exit 1; }

for p in bench/Backend bench/YarpPassthrough bench/FixedRate proxy/Strangler.Proxy; do dotnet build -c Release "$p" -v quiet -nologo >/dev/null; done
work=$(mktemp -d /tmp/strangler-bench-proxy.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; for c in nginx1 nginx2; do nginx -c "$work/$c.conf" -s stop 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

export DOTNET_gcServer=0
# SPIN=0 disables the .NET thread pool's spin-waiting in every .NET process of the run (backend, YARP,
# strangler): on 2 shared cores the spinning threads compete with wrk, nginx and each other. Default: the
# runtime's own setting.
if [ -n "${SPIN:-}" ]; then export DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=$SPIN; fi
dotnet bench/Backend/bin/Release/net10.0/Strangler.Bench.Backend.dll --urls http://127.0.0.1:7101 >"$work/backend.log" 2>&1 & pids+=($!); backend_pid=$!

nginx_conf() { # name workers port
  cat >"$work/$1.conf" <<NGINX
worker_processes $2;
pid $work/$1.pid;
error_log $work/$1-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  upstream backend { server 127.0.0.1:7101; keepalive 64; }
  server {
    listen 127.0.0.1:$3;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
NGINX
  nginx -c "$work/$1.conf"
}
nginx_conf nginx1 1 7102
nginx_conf nginx2 auto 7106

dotnet bench/YarpPassthrough/bin/Release/net10.0/Strangler.Bench.YarpPassthrough.dll \
  --urls http://127.0.0.1:7103 --Destination http://127.0.0.1:7101 >"$work/yarp.log" 2>&1 & pids+=($!); yarp_pid=$!

token=bench-admin-token-0123456789
dotnet proxy/Strangler.Proxy/bin/Release/net10.0/Strangler.Proxy.dll \
  --Proxy:LegacyUrl=http://127.0.0.1:7101 --Proxy:Listen=http://127.0.0.1:7104 --Proxy:Admin:Listen=http://127.0.0.1:7105 \
  --Proxy:Admin:Token=$token --Proxy:Store:FilePath="$work/routes.json" --Log:MinimumLevel=Warning >"$work/strangler.log" 2>&1 & pids+=($!); strangler_pid=$!

for port in 7101 7102 7103 7104 7106; do
  until curl -sf -o /dev/null "http://127.0.0.1:$port/api/drivers/1"; do sleep 0.2; done
done
curl -sf -X PUT "http://127.0.0.1:7105/admin/routes/drivers" -H "Authorization: Bearer $token" -H 'content-type: application/json' \
  -d '{"path":"/api/drivers/{**rest}","destinations":["http://127.0.0.1:7101"],"stage":"canary","weight":50}' >/dev/null

to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); print v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v); print v} else if (v ~ /s$/) {sub(/s$/,"",v); print v*1000}}'; }
hz=$(getconf CLK_TCK)
pids_of() { # target -> the pids whose CPU time is that target's
  case $1 in
    direct) echo "$backend_pid" ;;
    nginx1|nginx2) local m; m=$(cat "$work/$1.pid"); echo "$m $(pgrep -P "$m" | tr '\n' ' ')" ;;
    yarp) echo "$yarp_pid" ;;
    strangler) echo "$strangler_pid" ;;
  esac
}
ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done; echo $t; }
run() { # name port -> "rps p50 p99 cpu-us-per-request"
  local out t0 t1 p
  p=$(pids_of "$1")
  wrk -t1 -c64 -d5s -s bench/users.lua "http://127.0.0.1:$2" >/dev/null # warm-up (JIT tiers)
  t0=$(ticks $p)
  out=$(wrk -t1 -c64 -d"${seconds}s" --latency -s bench/users.lua "http://127.0.0.1:$2")
  t1=$(ticks $p)
  if echo "$out" | grep -q "Non-2xx"; then echo "$1: non-2xx responses" >&2; echo "$out" >&2; exit 1; fi
  echo "$(echo "$out" | awk '/Requests\/sec/ {print $2}') $(echo "$out" | awk '$1=="50%" {print $2}' | to_ms) $(echo "$out" | awk '$1=="99%" {print $2}' | to_ms) \
$(echo "$out" | awk -v t=$((t1 - t0)) -v hz="$hz" '/requests in/ {printf "%.1f", t * 1000000 / hz / $1}')"
}
fixed() { # port -> "p50 p99 p99.9"
  dotnet bench/FixedRate/bin/Release/net10.0/Strangler.Bench.FixedRate.dll "http://127.0.0.1:$1/api/drivers/1" "$fixed_rate" "$seconds" 64 3 \
    | awk '{for (i=1;i<=NF;i++) {if ($i=="p50") a=$(i+1); if ($i=="p99") b=$(i+1); if ($i=="p99.9") c=$(i+1)}} END {print a, b, c}'
}

declare -A results fixed_results
targets=("direct:7101" "nginx1:7102" "nginx2:7106" "yarp:7103" "strangler:7104")
for round in $(seq "$rounds"); do
  for t in "${targets[@]}"; do
    r=$(run "${t%%:*}" "${t##*:}")
    echo "round $round ${t%%:*}: rps p50(ms) p99(ms) cpu(µs/request) = $r"
    results[${t%%:*}]+="$r"$'\n'
  done
  for t in "${targets[@]}"; do
    r=$(fixed "${t##*:}")
    echo "round $round ${t%%:*} at $fixed_rate/s: p50 p99 p99.9 (ms) = $r"
    fixed_results[${t%%:*}]+="$r"$'\n'
  done
done

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A rps p50 p99 cpu f50 f99 f999
for t in "${targets[@]}"; do
  n=${t%%:*}
  rps[$n]=$(printf '%s' "${results[$n]}" | awk '{print $1}' | median)
  p50[$n]=$(printf '%s' "${results[$n]}" | awk '{print $2}' | median)
  p99[$n]=$(printf '%s' "${results[$n]}" | awk '{print $3}' | median)
  cpu[$n]=$(printf '%s' "${results[$n]}" | awk '{print $4}' | median)
  f50[$n]=$(printf '%s' "${fixed_results[$n]}" | awk '{print $1}' | median)
  f99[$n]=$(printf '%s' "${fixed_results[$n]}" | awk '{print $2}' | median)
  f999[$n]=$(printf '%s' "${fixed_results[$n]}" | awk '{print $3}' | median)
done
canary_share=$(curl -sf "http://127.0.0.1:7105/admin/stats" -H "Authorization: Bearer $token" | \
  python3 -c 'import json,sys; d=json.load(sys.stdin); route=[x for x in d["routes"] if x["id"]=="drivers"][0]; r=route["backends"]; s=r["service"]["requests"]; l=r["legacy"]["requests"]; st=route["stage"]; w=route["weight"]; rb=route["autoRollbacks"]; h=d["health"]; print(f"{s/(s+l):.3f} (route now: stage {st}, weight {w}, automatic rollbacks {rb}, health {h})")')

best_nginx=nginx1; awk -v a="${rps[nginx1]}" -v b="${rps[nginx2]}" 'BEGIN {exit !(b > a)}' && best_nginx=nginx2
echo
echo "| target | requests/s | p50 ms | p99 ms | CPU µs/request (proxy process) | at $fixed_rate/s: p50 ms | p99 ms | p99.9 ms | p99 added over direct (ms) |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for t in "${targets[@]}"; do
  n=${t%%:*}
  awk -v n="$n" -v r="${rps[$n]}" -v a="${p50[$n]}" -v b="${p99[$n]}" -v c="${cpu[$n]}" -v x="${f50[$n]}" -v y="${f99[$n]}" -v z="${f999[$n]}" -v d="${f99[direct]}" \
    'BEGIN {printf "| %s | %.0f | %.2f | %.2f | %.1f | %.2f | %.2f | %.2f | %.2f |\n", n, r, a, b, c, x, y, z, y-d}'
done
echo
awk -v s="${rps[strangler]}" -v x="${rps[$best_nginx]}" -v y="${rps[yarp]}" -v sc="${cpu[strangler]}" -v yc="${cpu[yarp]}" -v n="$best_nginx" \
  -v sf="${f99[strangler]}" -v df="${f99[direct]}" 'BEGIN {
  printf "strangler / best nginx (%s) throughput: %.2f (target >= 1.00)\n", n, s/x
  printf "strangler / plain YARP: throughput %.2f, CPU per request %.2f (target <= 1.05)\n", s/y, sc/yc
  printf "strangler p99 added over direct at the fixed rate: %.2f ms (target <= 1)\n", sf-df }'
echo "canary share of requests served by the service during the runs: $canary_share (weight 50)"
