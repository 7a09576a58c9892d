#!/usr/bin/env bash
# CPU time per /track request: the daemon's user+system time over a closed-loop wrk run
# on existing sessions, divided by the requests it answered; the same for the baseline
# server (same HTTP stack, parses the JSON, stores nothing). CPU time per request moves
# much less than requests/s when other work shares the machine, so this ratio is the one
# to compare between commits on a noisy machine.
#
#   benches/load/cpu.sh            (after cargo build --release --bin tracardictl --example baseline_server)
# Env: CPU_SECONDS (6), CPU_CONNECTIONS (32), BENCH_BIN, BENCH_BASE_BIN, BENCH_STORE (a --store URI).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${BENCH_BIN:-$ROOT/target/release/tracardictl}
BASE=${BENCH_BASE_BIN:-$ROOT/target/release/examples/baseline_server}
SECS=${CPU_SECONDS:-6}
CONC=${CPU_CONNECTIONS:-32}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tracardictl-cpu.XXXXXX")
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
[[ -x $BIN && -x $BASE ]] || { echo "build first: cargo build --release --bin tracardictl --example baseline_server" >&2; exit 1; }

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
wait_line() { for _ in $(seq 1 300); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }

store_args=()
[[ -n ${BENCH_STORE:-} ]] && store_args=(--store "$BENCH_STORE")
"$BIN" serve collector --data-dir "$TMP/data" "${store_args[@]}" --collector-listen 127.0.0.1:0 \
    >"$TMP/d.out" 2>"$TMP/d.err" &
DPID=$!
PIDS+=("$DPID")
wait_line "$TMP/d.out" "collector listening on http://" || { cat "$TMP/d.err" >&2; exit 1; }
URL=http://$(sed -n 's/.*collector listening on http:\/\///p' "$TMP/d.out" | head -n1)
SOURCE=$(sed -n 's/.*default event source (rest, staging and production): //p' "$TMP/d.out")
"$BASE" 127.0.0.1:0 >"$TMP/b.out" 2>"$TMP/b.err" &
BPID=$!
PIDS+=("$BPID")
wait_line "$TMP/b.out" "baseline listening on http://" || { cat "$TMP/b.err" >&2; exit 1; }
BURL=http://$(sed -n 's/.*baseline listening on http:\/\///p' "$TMP/b.out")

ev='{"type":"page-view","properties":{"sku":"sku-N","price":19.99,"currency":"EUR"},"context":{"page":{"url":"https://shop.example/product/N?utm_source=bench","title":"Product N"}}}'
events="${ev//N/1},${ev//N/2},${ev//N/3}"
RUN=c$(date +%s)$$
for i in $(seq 1 2000); do
    printf '{"source":{"id":"%s"},"session":{"id":"%s-s%d"},"context":{"time":{"tz":"Europe/Warsaw"},"screen":{"width":1920,"height":1080}},"properties":{},"events":[%s]}\n' \
        "$SOURCE" "$RUN" "$i" "$events"
done >"$TMP/pool.jsonl"

load() { # URL MODE SECONDS -> requests
    TRACK_MODE=$2 TRACK_BODIES="$TMP/pool.jsonl" TRACK_RUN=$RUN TRACK_THREADS=2 \
        wrk -t2 -c"$CONC" -d"${3}s" --timeout 10s -s "$HERE/track.lua" "$1/track" >"$TMP/wrk.txt" 2>&1
    sed -n 's/.* requests=\([0-9]*\).*/\1/p' "$TMP/wrk.txt" | head -n1
}
measure() { # NAME PID URL
    local before after n
    before=$(ticks "$2")
    n=$(load "$3" pool "$SECS")
    after=$(ticks "$2")
    awk -v t=$((after - before)) -v hz="$hz" -v n="$n" -v name="$1" \
        'BEGIN { printf "%s: %d requests, %.1f µs CPU per request, %.0f requests/s\n", name, n, t / hz * 1e6 / n, n / '"$SECS"' }'
}
load "$URL" warmup 4 >/dev/null
load "$BURL" pool 2 >/dev/null
A=$(measure tracardictl "$DPID" "$URL")
B=$(measure baseline "$BPID" "$BURL")
echo "$A"
echo "$B"
a=$(sed -n 's/.*, \([0-9.]*\) µs.*/\1/p' <<<"$A")
b=$(sed -n 's/.*, \([0-9.]*\) µs.*/\1/p' <<<"$B")
awk -v a="$a" -v b="$b" 'BEGIN { printf "ratio (baseline CPU / tracardictl CPU per request): %.3f\n", b / a }'
