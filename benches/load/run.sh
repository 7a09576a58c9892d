#!/usr/bin/env bash
# Load harness of the collector: throughput of /track with durable ack (existing sessions,
# new profiles), latency at half of the maximum, ratio to a baseline server on the same
# HTTP stack, and RSS after 1,000,000 stored events. See benches/load/README.md.
#
# Loopback only; every phase is bounded in time; everything started here is stopped on
# exit. Writes the table to benches/load/results.md (BENCH_OUT) and prints it.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

DUR=${BENCH_DURATION:-15}               # seconds of each measured phase
WARM=${BENCH_WARMUP:-6}                 # seconds of warm-up (creates the session pool)
CONC=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}             # wrk threads
SESSIONS=${BENCH_SESSIONS:-2000}        # pool of existing sessions for (a) and (c)
EVENTS=${BENCH_EVENTS:-3}               # events per payload in (a)-(d)
BULK_PAYLOADS=${BENCH_BULK_PAYLOADS:-10000}
BULK_EVENTS=${BENCH_BULK_EVENTS:-100}   # BULK_PAYLOADS x BULK_EVENTS = 1,000,000 events
BULK_SESSIONS=${BENCH_BULK_SESSIONS:-100}
BULK_CONC=${BENCH_BULK_CONNECTIONS:-16}
BULK_TIMEOUT=${BENCH_BULK_TIMEOUT:-420} # seconds allowed for the 1M-event phase
PERF=${BENCH_PERF:-0}                   # 1: also profile a repeat of (a) with perf
OUT=${BENCH_OUT:-$HERE/results.md}
UA="Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
die() {
    log "FAILED: $*"
    exit 1
}

PIDS=()
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tracardictl-bench.XXXXXX")
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 1 50); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            kill -9 "$pid" 2>/dev/null || true
        fi
    done
    wait 2>/dev/null || true
    if [[ ${BENCH_KEEP:-0} == 1 ]]; then
        log "kept $TMP"
    else
        rm -rf "$TMP"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- tools -----------------------------------------------------------------------------
need_tools() {
    local missing=()
    command -v wrk >/dev/null || missing+=(wrk)
    command -v jq >/dev/null || missing+=(jq)
    command -v curl >/dev/null || missing+=(curl)
    if ((${#missing[@]})); then
        log "installing ${missing[*]} from Debian"
        if [[ $(id -u) == 0 ]]; then
            apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
        else
            sudo apt-get update -qq && sudo apt-get install -y -qq "${missing[@]}" >/dev/null
        fi
    fi
    # oha does the constant-rate run (-q with latency correction) and the fixed-count
    # bulk run; -Z (a random body per request from a file) needs oha >= 1.9.
    if [[ ${BENCH_NO_OHA:-0} != 1 ]] && { ! command -v oha >/dev/null || ! oha --help | grep -q -- '-Z'; }; then
        log "installing oha from crates.io (cargo install --locked oha; needs cmake)"
        command -v cmake >/dev/null || apt-get install -y -qq cmake >/dev/null
        cargo install --locked oha >&2
    fi
}

# --- payloads --------------------------------------------------------------------------
events_json() { # N -> N page-view events
    local n=$1 i out=""
    for ((i = 1; i <= n; i++)); do
        out+="${out:+,}{\"type\":\"page-view\",\"properties\":{\"sku\":\"sku-$i\",\"price\":19.99,\"currency\":\"EUR\"},\"context\":{\"page\":{\"url\":\"https://shop.example/product/$i?utm_source=bench\",\"title\":\"Product $i\"}}}"
    done
    printf '%s' "$out"
}
body() { # SESSION_ID EVENTS_JSON -> one TrackerPayload on one line
    printf '{"source":{"id":"%s"},"session":{"id":"%s"},"context":{"time":{"tz":"Europe/Warsaw"},"screen":{"width":1920,"height":1080}},"properties":{},"events":[%s]}\n' \
        "$SOURCE" "$1" "$2"
}
write_payloads() {
    local i ev bulk_ev
    ev=$(events_json "$EVENTS")
    : >"$TMP/pool.jsonl"
    for ((i = 1; i <= SESSIONS; i++)); do
        body "$RUN-s$i" "$ev" >>"$TMP/pool.jsonl"
    done
    body "SESSION_ID" "$ev" >"$TMP/new.template"
    bulk_ev=$(events_json "$BULK_EVENTS")
    : >"$TMP/bulk.jsonl"
    for ((i = 1; i <= BULK_SESSIONS; i++)); do
        body "$RUN-bulk$i" "$bulk_ev" >>"$TMP/bulk.jsonl"
    done
}

# --- processes -------------------------------------------------------------------------
wait_for_line() { # FILE PATTERN PID
    local i
    for i in $(seq 1 300); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        kill -0 "$3" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
start_daemon() { # NAME -> DAEMON_PID DAEMON_URL SOURCE
    local name=$1
    mkdir -p "$TMP/$name-data"
    # Ephemeral ports for both listeners: two runs, or a running daemon, never clash.
    "$BIN" serve --data-dir "$TMP/$name-data" --collector-listen 127.0.0.1:0 \
        --private-api-listen 127.0.0.1:0 \
        >"$TMP/$name.out" 2>"$TMP/$name.err" &
    DAEMON_PID=$!
    PIDS+=("$DAEMON_PID")
    wait_for_line "$TMP/$name.out" "collector listening on http://" "$DAEMON_PID" ||
        die "tracardictl did not start: $(tail -n5 "$TMP/$name.err")"
    DAEMON_URL=http://$(sed -n 's/.*collector listening on http:\/\///p' "$TMP/$name.out" | head -n1)
    SOURCE=$(sed -n 's/.*default event source (rest, staging and production): //p' "$TMP/$name.out")
    [[ -n $SOURCE ]] || die "no default event source printed by tracardictl"
}
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
written_bytes() { awk '/^write_bytes:/ {print $2}' "/proc/$1/io"; }
check_200() { # URL BODYFILE
    local code
    code=$(curl -s -o "$TMP/check.json" -w '%{http_code}' -H 'Content-Type: application/json' \
        --data-binary @"$2" --max-time 10 "$1/track") || true
    [[ $code == 200 ]] || die "POST $1/track answered $code: $(head -c 300 "$TMP/check.json")"
}

# --- load ------------------------------------------------------------------------------
# run_wrk LABEL URL MODE SECONDS -> RESULT line on stdout
run_wrk() {
    local label=$1 url=$2 mode=$3 secs=$4
    TRACK_MODE=$mode TRACK_BODIES="$TMP/pool.jsonl" TRACK_TEMPLATE="$TMP/new.template" \
        TRACK_RUN="$RUN-$label" TRACK_THREADS=$THREADS \
        timeout $((secs + 30)) wrk -t"$THREADS" -c"$CONC" -d"${secs}s" --timeout 10s \
        -s "$HERE/track.lua" "$url/track" >"$TMP/wrk-$label.txt" 2>&1 ||
        die "wrk $label: $(tail -n5 "$TMP/wrk-$label.txt")"
    grep '^RESULT' "$TMP/wrk-$label.txt" || die "wrk $label printed no RESULT"
}
kv() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }
fmt0() { printf '%.0f' "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
verdict() { # VALUE OP TARGET
    awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN {
        ok = (op == ">=") ? (v >= t) : (v <= t); print ok ? "met" : "**missed**" }'
}

# =======================================================================================
need_tools
RUN=b$(date +%s)$$
START=$(date +%s)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

log "building release (tracardictl, examples/baseline_server)"
[[ ${BENCH_NO_BUILD:-0} == 1 ]] || (cd "$ROOT" && timeout 1200 cargo build --release --quiet --bin tracardictl --example baseline_server) ||
    die "release build failed"
TARGET_DIR=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps | jq -r .target_directory)
BIN=${BENCH_BIN:-$TARGET_DIR/release/tracardictl}
BASE_BIN=${BENCH_BASE_BIN:-$TARGET_DIR/release/examples/baseline_server}

log "starting tracardictl on a temp data dir"
start_daemon main
MAIN_PID=$DAEMON_PID
MAIN_URL=$DAEMON_URL
write_payloads
head -n1 "$TMP/pool.jsonl" >"$TMP/one.json"
check_200 "$MAIN_URL" "$TMP/one.json"
RSS_IDLE=$(rss_kib "$MAIN_PID")

log "starting the baseline server"
"$BASE_BIN" 127.0.0.1:0 >"$TMP/baseline.out" 2>"$TMP/baseline.err" &
BASE_PID=$!
PIDS+=("$BASE_PID")
wait_for_line "$TMP/baseline.out" "baseline listening on http://" "$BASE_PID" ||
    die "baseline did not start: $(tail -n5 "$TMP/baseline.err")"
BASE_URL=http://$(sed -n 's/.*baseline listening on http:\/\///p' "$TMP/baseline.out")
check_200 "$BASE_URL" "$TMP/one.json"

log "(d) baseline: warm-up ${WARM}s, then ${DUR}s at $CONC connections"
run_wrk base-warm "$BASE_URL" pool "$WARM" >/dev/null
R_BASE=$(run_wrk baseline "$BASE_URL" pool "$DUR")
log "    $R_BASE"

log "warm-up ${WARM}s: every one of the $SESSIONS sessions gets created"
R_WARM=$(run_wrk warmup "$MAIN_URL" warmup "$WARM")
log "    $R_WARM"
(($(kv "$R_WARM" requests) >= SESSIONS)) ||
    log "WARNING: warm-up sent fewer requests than sessions; some of (a) creates sessions"

log "(a) existing sessions: ${DUR}s at $CONC connections"
WRITTEN_BEFORE=$(written_bytes "$MAIN_PID")
R_A=$(run_wrk existing "$MAIN_URL" pool "$DUR")
WRITTEN_A=$(($(written_bytes "$MAIN_PID") - WRITTEN_BEFORE))
log "    $R_A; $((WRITTEN_A / 1048576)) MiB written to disk"

MAX_A=$(kv "$R_A" ok_rps)
RATE=$(awk -v r="$MAX_A" 'BEGIN { q = int(r / 2); if (q < 1) q = 1; print q }')
C_RPS=0 C_P50=0 C_P99=0 C_NON200=0 C_ERR=0
if [[ ${BENCH_NO_OHA:-0} == 1 ]]; then
    log "(c) skipped: BENCH_NO_OHA=1"
else
log "(c) constant rate $RATE/s (50% of (a)) for ${DUR}s, latency corrected for coordinated omission"
timeout $((DUR + 60)) oha -z "${DUR}s" -w -c "$CONC" -q "$RATE" --latency-correction --no-tui \
    -m POST -T application/json -H "User-Agent: $UA" -Z "$TMP/pool.jsonl" \
    --output-format json -o "$TMP/oha-rate.json" "$MAIN_URL/track" >/dev/null 2>"$TMP/oha-rate.err" ||
    die "oha (c): $(tail -n5 "$TMP/oha-rate.err")"
C_RPS=$(jq -r '.summary.requestsPerSec' "$TMP/oha-rate.json")
C_P50=$(jq -r '.latencyPercentiles.p50 * 1000' "$TMP/oha-rate.json")
C_P99=$(jq -r '.latencyPercentiles.p99 * 1000' "$TMP/oha-rate.json")
C_NON200=$(jq -r '[.statusCodeDistribution | to_entries[] | select(.key != "200") | .value] | add // 0' "$TMP/oha-rate.json")
C_ERR=$(jq -r '[.errorDistribution // {} | to_entries[] | .value] | add // 0' "$TMP/oha-rate.json")
log "    achieved $C_RPS/s p50 ${C_P50} ms p99 ${C_P99} ms non-200 $C_NON200 errors $C_ERR"
fi

if [[ $PERF == 1 ]] && command -v perf >/dev/null; then
    log "(profile) repeat of (a) for ${DUR}s under perf record"
    perf record -F 499 -p "$MAIN_PID" -o "$TMP/perf.data" -- sleep "$DUR" \
        >/dev/null 2>"$TMP/perf.err" &
    PERF_PID=$!
    PIDS+=("$PERF_PID")
    run_wrk profile "$MAIN_URL" pool "$DUR" >/dev/null
    wait "$PERF_PID" || true
    # Self time by symbol; perf pads its columns to the longest Rust symbol, so squeeze.
    perf report -i "$TMP/perf.data" --stdio --no-children --percent-limit 0.5 \
        --sort dso,symbol 2>/dev/null | sed 's/  */ /g; s/ - - *$//' >"$HERE/perf-track.txt" || true
    log "    wrote benches/load/perf-track.txt"
fi

log "(b) new profiles (fresh session per request): ${DUR}s at $CONC connections"
R_B=$(run_wrk new "$MAIN_URL" new "$DUR")
log "    $R_B"
RSS_MAIN=$(rss_kib "$MAIN_PID")
MAIN_DATA_MB=$(du -sm "$TMP/main-data" | cut -f1)

kill "$MAIN_PID" "$BASE_PID" 2>/dev/null || true
BULK_SECS=0 BULK_OK=0 BULK_STORED=0 RSS_BULK=0 HWM_BULK=0 BULK_DATA_MB=0
if [[ ${BENCH_NO_OHA:-0} == 1 ]]; then
    log "(e) skipped: BENCH_NO_OHA=1"
else
log "(e) fresh tracardictl: $BULK_PAYLOADS payloads x $BULK_EVENTS events on $BULK_SESSIONS sessions"
start_daemon bulk
BULK_PID=$DAEMON_PID
BULK_URL=$DAEMON_URL
# The pool files were written with the main daemon's source id; the new store has its own.
sed -i "s/\"source\":{\"id\":\"[^\"]*\"}/\"source\":{\"id\":\"$SOURCE\"}/" "$TMP/bulk.jsonl"
BULK_STARTED=$(date +%s.%N)
timeout "$BULK_TIMEOUT" oha -n "$BULK_PAYLOADS" -c "$BULK_CONC" --no-tui -m POST \
    -T application/json -H "User-Agent: $UA" -Z "$TMP/bulk.jsonl" \
    --output-format json -o "$TMP/oha-bulk.json" "$BULK_URL/track" >/dev/null 2>"$TMP/oha-bulk.err" ||
    die "oha (e) did not finish within ${BULK_TIMEOUT}s: $(tail -n5 "$TMP/oha-bulk.err")"
BULK_SECS=$(awk -v s="$BULK_STARTED" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
BULK_OK=$(jq -r '.statusCodeDistribution["200"] // 0' "$TMP/oha-bulk.json")
BULK_STORED=$((BULK_OK * BULK_EVENTS))
RSS_BULK=$(rss_kib "$BULK_PID")
HWM_BULK=$(hwm_kib "$BULK_PID")
BULK_DATA_MB=$(du -sm "$TMP/bulk-data" | cut -f1)
log "    $BULK_OK payloads acknowledged in ${BULK_SECS}s; RSS $((RSS_BULK / 1024)) MiB"
fi

# --- report ----------------------------------------------------------------------------
A_RPS=$(kv "$R_A" ok_rps)
B_RPS=$(kv "$R_B" ok_rps)
BASE_RPS=$(kv "$R_BASE" ok_rps)
RATIO=$(ratio "$A_RPS" "$BASE_RPS")
RATIO_B=$(ratio "$B_RPS" "$BASE_RPS")
ELAPSED=$(($(date +%s) - START))
COMMIT=$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(cd "$ROOT" && git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo "+dirty" || true)
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
# What was measured: the checkout's build, or a binary given by BENCH_BIN (whose commit
# the script cannot know).
if [[ -n ${BENCH_BIN:-} ]]; then
    MEASURED="binary \`$BIN\` (BENCH_BIN; checkout at \`$COMMIT$DIRTY\`)"
else
    MEASURED="commit \`$COMMIT$DIRTY\`"
fi
BUILD_NOTE=" including the build"
[[ ${BENCH_NO_BUILD:-0} == 1 ]] && BUILD_NOTE=" (no build)"

{
    echo "# Collector load benchmark"
    echo
    echo "Run $(date -u +%Y-%m-%dT%H:%MZ), $MEASURED, $(nproc) CPUs ($CPU), load average before: $LOAD_BEFORE."
    echo "Load generator on the same machine (wrk -t$THREADS, oha); loopback; run took ${ELAPSED}s$BUILD_NOTE."
    echo "Payloads: $EVENTS page-view events each; existing sessions: a pool of $SESSIONS created in a warm-up, each request picks one at random."
    echo
    echo "| measure | figure | target |"
    echo "|---|---|---|"
    echo "| (a) /track, existing sessions, $CONC conns, durable ack | $(fmt0 "$A_RPS") payloads/s ($(fmt0 "$(awk -v r="$A_RPS" -v e="$EVENTS" 'BEGIN{print r*e}')") events/s); p50 $(kv "$R_A" p50_ms) ms, p99 $(kv "$R_A" p99_ms) ms; non-2xx $(kv "$R_A" non2xx); $((WRITTEN_A / $(kv "$R_A" requests) / 1024)) KiB written to disk per payload | ≥ 10,000/s: $(verdict "$A_RPS" '>=' 10000) |"
    echo "| (b) /track, new profile per payload, $CONC conns | $(fmt0 "$B_RPS") payloads/s ($((EVENTS + 3)) events stored each); p50 $(kv "$R_B" p50_ms) ms, p99 $(kv "$R_B" p99_ms) ms; non-2xx $(kv "$R_B" non2xx) | |"
    echo "| (d) baseline server (same stack, parse only), same payload | $(fmt0 "$BASE_RPS") requests/s; p50 $(kv "$R_BASE" p50_ms) ms, p99 $(kv "$R_BASE" p99_ms) ms | |"
    echo "| ratio (a) / (d) | **$RATIO** ((b) / (d): $RATIO_B) | ≥ 0.4: $(verdict "$RATIO" '>=' 0.4) |"
    if [[ ${BENCH_NO_OHA:-0} == 1 ]]; then
        echo "| (c) constant rate at 50% of (a) | not measured (BENCH_NO_OHA=1) | p99 ≤ 20 ms |"
        echo "| (e) RSS after 1,000,000 stored events | not measured (BENCH_NO_OHA=1) | |"
    else
        echo "| (c) constant $RATE/s offered (50% of (a)), existing sessions | achieved $(fmt0 "$C_RPS")/s; p50 $(printf '%.2f' "$C_P50") ms, **p99 $(printf '%.2f' "$C_P99") ms**; non-200 $C_NON200, errors $C_ERR | p99 ≤ 20 ms: $(verdict "$C_P99" '<=' 20) |"
        echo "| (e) RSS after $BULK_STORED stored events ($BULK_OK payloads of $BULK_EVENTS, + system events) | **$((RSS_BULK / 1024)) MiB** (peak $((HWM_BULK / 1024)) MiB); data dir $BULK_DATA_MB MiB; took ${BULK_SECS}s | |"
    fi
    echo "| RSS of the (a)–(c) daemon | idle $((RSS_IDLE / 1024)) MiB, after the runs $((RSS_MAIN / 1024)) MiB; data dir $MAIN_DATA_MB MiB | |"
    echo
    echo "Figures from one run on a shared, noisy machine: compare ratios, not absolute numbers."
} >"$OUT"
cat "$OUT"
