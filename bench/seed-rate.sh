#!/usr/bin/env bash
# Seed load rate: the monolith's `seed` command (binary COPY, indexes and foreign keys deferred) against
# a baseline measured in the same run on the same cluster: psql loading the very same rows from binary
# COPY files into the same schema with its indexes and foreign keys in place (a plain COPY restore).
#
# Usage: bench/seed-rate.sh [drivers] [passengers] [trips] [runs]    (defaults: 10000 100000 500000 3)
set -euo pipefail
cd "$(dirname "$0")/.."
drivers=${1:-10000}; passengers=${2:-100000}; trips=${3:-500000}; runs=${4:-3}
rows=$((drivers + passengers + trips))

dotnet build -c Release legacy/Monolith -v quiet -nologo >/dev/null
app="$PWD/legacy/Monolith/bin/Release/net10.0/RideShare.Monolith.dll"
work=$(mktemp -d /tmp/strangler-bench-seed.XXXXXX)
chmod 755 "$work"
cluster="$work/postgres"
trap 'pkill -f "serve --urls http://127.0.0.1:0 --EmbeddedPostgres:DataDirectory=$cluster" || true; rm -rf "$work"' EXIT
cd "$work"
common=(--EmbeddedPostgres:DataDirectory="$cluster" --Log:MinimumLevel=Warning)

# Keep the cluster running across runs (an attached process never stops it), so start-up is not measured.
dotnet "$app" serve --urls http://127.0.0.1:0 "${common[@]}" >"$work/serve.log" 2>&1 &
until [ -f "$cluster/data/postmaster.pid" ] && grep -q "listening on" "$work/serve.log"; do sleep 0.2; done
port=$(sed -n 4p "$cluster/data/postmaster.pid")
export PGPASSWORD=$(cat "$cluster/password")
psql=(psql -h 127.0.0.1 -p "$port" -U strangler -d rideshare -q -v ON_ERROR_STOP=1)

seed_rates=()
for i in $(seq "$runs"); do
  line=$(dotnet "$app" seed --drivers "$drivers" --passengers "$passengers" --trips "$trips" --reset "${common[@]}" | grep '^Seeded')
  echo "seed run $i: $line"
  seed_rates+=("$(echo "$line" | sed -E 's/.*: ([0-9,]+) rows\/s\./\1/' | tr -d ,)")
done

for t in drivers passengers trips; do "${psql[@]}" -c "\\copy $t TO '$work/$t.bin' (FORMAT binary)"; done
chmod 644 "$work"/*.bin
cat >"$work/load.sql" <<SQL
TRUNCATE trips, passengers, drivers;
\\copy drivers FROM '$work/drivers.bin' (FORMAT binary)
\\copy passengers FROM '$work/passengers.bin' (FORMAT binary)
\\copy trips FROM '$work/trips.bin' (FORMAT binary)
SQL
copy_rates=()
for i in $(seq "$runs"); do
  start=$(date +%s.%N)
  "${psql[@]}" -1 -f "$work/load.sql"
  end=$(date +%s.%N)
  rate=$(awk -v r="$rows" -v a="$start" -v b="$end" 'BEGIN {printf "%d", r / (b - a)}')
  echo "psql COPY run $i: $rows rows in $(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.2f", b - a}') s: $rate rows/s"
  copy_rates+=("$rate")
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
seed=$(median "${seed_rates[@]}"); copy=$(median "${copy_rates[@]}")
echo
echo "| rows | seed command (rows/s, median of $runs) | psql binary COPY, same rows (rows/s) | ratio |"
echo "|---:|---:|---:|---:|"
echo "| $rows | $seed | $copy | $(awk -v s="$seed" -v c="$copy" 'BEGIN {printf "%.2f", s / c}') |"
