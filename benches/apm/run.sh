#!/usr/bin/env bash
# APM benchmark (issue 6, "Speed"): a store of APM_PROFILES profiles with APM_PAIRS
# duplicate pairs (written through the Store API by examples/apm_store.rs), then
# `tracardictl serve collector apm` merges every pair while /track gets a constant rate.
# Reports merges/s and /track p50/p99 during the pass, and /track p99 at the same rate
# after the pass (the baseline) in the same run. Writes benches/apm/results.md.
#
# Loopback, ephemeral ports, temp dir; everything started here is stopped on exit.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

PROFILES=${APM_PROFILES:-1000000}
PAIRS=${APM_PAIRS:-100000}
EVENTS=${APM_EVENTS:-2}           # events (and one session) per profile of a pair
RATE=${APM_TRACK_RATE:-200}       # /track payloads per second during the pass
TRACK_SECS=${APM_TRACK_SECS:-10}  # seconds of /track load, started with the pass
TIMEOUT=${APM_TIMEOUT:-900}       # seconds allowed for the pass
OUT=${APM_OUT:-$HERE/results.md}

log() { printf '[apm-bench %s] %s\n' "$(date +%T)" "$*" >&2; }
die() {
    log "FAILED: $*"
    exit 1
}
for t in jq curl; do command -v "$t" >/dev/null || die "needs $t (see benches/load/README.md)"; done
# oha (constant rate, latency corrected, a random body per request) if installed, else
# hey (Debian; constant rate per worker, no correction, one body: a new session each).
LOADGEN=oha
command -v oha >/dev/null || LOADGEN=hey
if ! command -v $LOADGEN >/dev/null; then
    echo "installing hey from Debian (apt-get install hey)" >&2
    if [[ $(id -u) == 0 ]]; then
        (apt-get update -qq && apt-get install -y -qq hey) >/dev/null 2>&1 || true
    else
        (sudo apt-get update -qq && sudo apt-get install -y -qq hey) >/dev/null 2>&1 || true
    fi
fi
command -v $LOADGEN >/dev/null || die "needs oha or hey (apt-get install hey)"

PIDS=()
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tracardictl-apm.XXXXXX")
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    [[ ${APM_KEEP:-0} == 1 ]] && log "kept $TMP" || rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "building release (tracardictl, examples/apm_store)"
[[ ${BENCH_NO_BUILD:-0} == 1 ]] || (cd "$ROOT" && timeout 1800 cargo build --release --quiet --bin tracardictl --example apm_store) ||
    die "release build failed"
TARGET_DIR=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps | jq -r .target_directory)
BIN=${BENCH_BIN:-$TARGET_DIR/release/tracardictl}
GEN=${BENCH_GEN_BIN:-$TARGET_DIR/release/examples/apm_store}
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

log "generating $PROFILES profiles, $PAIRS duplicate pairs, $EVENTS events per duplicate"
GEN_OUT=$("$GEN" "$TMP/data" "$PROFILES" "$PAIRS" "$EVENTS") || die "apm_store failed"
log "    $GEN_OUT"

# --- the pass, with /track at a constant rate ------------------------------------------
RUST_LOG=info "$BIN" serve collector apm --log-format json --data-dir "$TMP/data" --collector-listen 127.0.0.1:0 \
    >"$TMP/serve.out" 2>"$TMP/serve.err" &
PID=$!
PIDS+=("$PID")
for _ in $(seq 1 600); do
    grep -q "collector listening on http://" "$TMP/serve.out" 2>/dev/null && break
    kill -0 "$PID" 2>/dev/null || die "serve exited: $(tail -n5 "$TMP/serve.err")"
    sleep 0.05
done
STARTED=$(date +%s.%N)
URL=http://$(sed -n 's/.*collector listening on http:\/\///p' "$TMP/serve.out" | head -n1)
SOURCE=$(sed -n 's/.*default event source (rest, staging and production): //p' "$TMP/serve.out")
[[ -n $SOURCE ]] || die "no default event source printed"
for i in $(seq 1 2000); do
    printf '{"source":{"id":"%s"},"session":{"id":"apm-s%d"},"context":{"page":{"url":"https://shop.example/"}},"events":[{"type":"page-view","properties":{"n":%d}}]}\n' \
        "$SOURCE" "$i" "$i"
done >"$TMP/bodies.jsonl"

# merged so far: the sum of `merges` over the APM's pass lines (JSON log)
merged() { { grep -h '"apm pass"' "$TMP/serve.out" "$TMP/serve.err" 2>/dev/null || true; } |
    sed -n 's/.*"merges":\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }'; }

printf '{"source":{"id":"%s"},"context":{"page":{"url":"https://shop.example/"}},"events":[{"type":"page-view","properties":{"n":1}}]}' \
    "$SOURCE" >"$TMP/one.json"
# track_load LABEL: /track at RATE for TRACK_SECS -> $TMP/LABEL.json (p50, p99 in s, ok, all)
track_load() {
    if [[ $LOADGEN == oha ]]; then
        timeout $((TRACK_SECS + 60)) oha -z "${TRACK_SECS}s" -c 16 -q "$RATE" --latency-correction --no-tui \
            -m POST -T application/json -Z "$TMP/bodies.jsonl" --output-format json -o "$TMP/$1.raw" \
            "$URL/track" >/dev/null 2>"$TMP/$1.err" || return 1
        jq '{p50: .latencyPercentiles.p50, p99: .latencyPercentiles.p99,
             ok: (.statusCodeDistribution["200"] // 0),
             all: ([.statusCodeDistribution | to_entries[] | .value] | add // 0)}' "$TMP/$1.raw" >"$TMP/$1.json"
    else
        timeout $((TRACK_SECS + 60)) hey -z "${TRACK_SECS}s" -c 4 -q $((RATE / 4)) -m POST \
            -T application/json -D "$TMP/one.json" "$URL/track" >"$TMP/$1.raw" 2>"$TMP/$1.err" || return 1
        awk '/ 50% in / { p50 = $3 } / 99% in / { p99 = $3 } /^ *\[[0-9]+\]/ { n = $2; all += n; if ($1 == "[200]") ok = n }
             END { printf "{\"p50\": %s, \"p99\": %s, \"ok\": %d, \"all\": %d}\n", p50 + 0, p99 + 0, ok, all }' \
            "$TMP/$1.raw" >"$TMP/$1.json"
    fi
}
track_load during &
OHA=$!
PIDS+=("$OHA")
while (($(merged) < PAIRS)); do
    kill -0 "$PID" 2>/dev/null || die "serve exited: $(tail -n5 "$TMP/serve.err")"
    (($(date +%s) - ${STARTED%.*} < TIMEOUT)) || die "pass not done in ${TIMEOUT}s: $(merged) merges"
    sleep 0.2
done
FINISHED=$(date +%s.%N)
MERGED=$(merged)
wait "$OHA" || die "$LOADGEN: $(tail -n5 "$TMP/during.err")"
SECS=$(awk -v s="$STARTED" -v e="$FINISHED" 'BEGIN { printf "%.1f", e - s }')
MPS=$(awk -v m="$MERGED" -v s="$SECS" 'BEGIN { printf "%.0f", m / s }')
log "    $MERGED merges in ${SECS}s ($MPS/s)"
(($(awk -v s="$SECS" -v t="$TRACK_SECS" 'BEGIN { print (s >= t) }'))) ||
    log "WARNING: the pass ended before the /track load did; its p99 covers idle time too"

log "baseline: the same /track load with the APM idle"
track_load idle || die "$LOADGEN: $(tail -n5 "$TMP/idle.err")"

p() { jq -r ".$2 * 1000 | . * 100 | round / 100" "$TMP/$1.json"; }
ok() { jq -r '.ok' "$TMP/$1.json"; }
all() { jq -r '.all' "$TMP/$1.json"; }
D99=$(p during p99)
I99=$(p idle p99)
COMMIT=$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
{
    echo "# APM benchmark"
    echo
    echo "Run $(date -u +%Y-%m-%dT%H:%MZ), commit \`$COMMIT\`, $(nproc) CPUs, load average before: $LOAD_BEFORE."
    echo "Store written through the Store API: $GEN_OUT."
    echo
    echo "| measure | figure | target |"
    echo "|---|---|---|"
    echo "| APM pass over the marked profiles ($PAIRS pairs of $PROFILES profiles, $EVENTS events + 1 session moved per merge) | **$MPS merges/s** ($MERGED in ${SECS}s, from daemon start) | ≥ 5,000/s |"
    echo "| /track at $RATE/s during the pass (${TRACK_SECS}s, $LOADGEN) | p50 $(p during p50) ms, **p99 $D99 ms**; $(ok during)/$(all during) answered 200 | p99 < 50 ms |"
    echo "| baseline: /track at $RATE/s, APM idle | p50 $(p idle p50) ms, p99 $I99 ms; $(ok idle)/$(all idle) answered 200 | |"
    echo "| p99 during / baseline | $(awk -v a="$D99" -v b="$I99" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "n/a" }') | |"
} >"$OUT"
cat "$OUT"
