#!/usr/bin/env bash
# Collector load against the embedded store and PostgreSQL in one run, same machine,
# same harness: prints payloads/s for each and their ratio (figures on shared machines
# are noisy; the ratio is the number to compare).
#
#   benches/store_compare.sh [postgres://postgres@127.0.0.1:5432/test]
# Env: CONCURRENCY (default 32), SECONDS (default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
PG_URL="${1:-${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}}"
cargo build --release --bins --benches -q
BIN=target/release/tracardictl
LOAD=$(ls -t target/release/deps/collector_load-* | grep -v '\.d$' | head -1)
WORK=$(mktemp -d)
SCHEMA="bench_$(date +%s)"
cleanup() {
  [[ -n "${PID:-}" ]] && kill "$PID" 2>/dev/null || true
  psql "$PG_URL" -qc "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

run() { # name store-uri
  local name=$1 store=$2 out="$WORK/$1.out"
  RUST_LOG=warn "$BIN" serve collector --data-dir "$WORK/$name-data" --store="$store" \
    --collector-listen 127.0.0.1:0 >"$out" 2>"$WORK/$name.err" &
  PID=$!
  for _ in $(seq 1 100); do grep -q "listening on" "$out" 2>/dev/null && break; sleep 0.1; done
  local url source
  url=$(grep -o 'http://[0-9.:]*' "$out" | head -1)
  source=$(grep 'default event source' "$out" | awk '{print $NF}')
  local result
  result=$(TARGET_URL="$url" SOURCE="$source" "$LOAD")
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=
  echo "$name $result" >&2
  echo "$result" | sed -E 's/payloads_per_sec=([0-9]+).*/\1/'
}

SLED=$(run sled "sled:$WORK/sled-store")
PG=$(run postgres "$PG_URL?schema=$SCHEMA&pool_size=32")
echo "sled: $SLED payloads/s; postgres: $PG payloads/s; postgres/sled = $(python3 -c "print(round($PG/$SLED, 2))")"
