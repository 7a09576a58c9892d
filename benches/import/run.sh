#!/usr/bin/env bash
# Import benchmark (issue 9, "Speed"): `tracardictl import events FILE --source ID
# --no-workflows` of IMPORT_EVENTS NDJSON tracker events (IMPORT_SESSIONS sessions, one
# profile each, lines interleaved as in a time-ordered export) through the tracking
# pipeline. Baseline in the same run: the same command with `--dry-run` (reads and parses
# every line, stores nothing). Writes benches/import/results.md.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

EVENTS=${IMPORT_EVENTS:-1000000}
SESSIONS=${IMPORT_SESSIONS:-100000}
TIMEOUT=${IMPORT_TIMEOUT:-1200}
OUT=${IMPORT_OUT:-$HERE/results.md}

log() { printf '[import-bench %s] %s\n' "$(date +%T)" "$*" >&2; }
die() {
    log "FAILED: $*"
    exit 1
}
command -v jq >/dev/null || die "needs jq"

PIDS=()
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tracardictl-import.XXXXXX")
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    [[ ${IMPORT_KEEP:-0} == 1 ]] && log "kept $TMP" || rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "building release (tracardictl)"
[[ ${BENCH_NO_BUILD:-0} == 1 ]] || (cd "$ROOT" && timeout 1800 cargo build --release --quiet --bin tracardictl) ||
    die "release build failed"
TARGET_DIR=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps | jq -r .target_directory)
BIN=${BENCH_BIN:-$TARGET_DIR/release/tracardictl}
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

log "initialising a store (a short serve prints its default event source)"
"$BIN" serve collector --data-dir "$TMP/data" --collector-listen 127.0.0.1:0 >"$TMP/serve.out" 2>"$TMP/serve.err" &
PID=$!
PIDS+=("$PID")
for _ in $(seq 1 600); do
    grep -q "collector listening on http://" "$TMP/serve.out" 2>/dev/null && break
    kill -0 "$PID" 2>/dev/null || die "serve exited: $(tail -n5 "$TMP/serve.err")"
    sleep 0.05
done
SOURCE=$(sed -n 's/.*default event source (rest, staging and production): //p' "$TMP/serve.out")
[[ -n $SOURCE ]] || die "no default event source printed"
kill "$PID"
wait "$PID" 2>/dev/null || true

log "writing $EVENTS events on $SESSIONS sessions"
awk -v n="$EVENTS" -v s="$SESSIONS" 'BEGIN {
    for (i = 0; i < n; i++) {
        k = i % s
        printf "{\"type\":\"page-view\",\"session\":{\"id\":\"imp-s%d\"},\"profile\":{\"id\":\"imp-p%d\"},\"properties\":{\"sku\":\"sku-%d\",\"price\":19.99},\"context\":{\"page\":{\"url\":\"https://shop.example/p/%d\",\"title\":\"Product %d\"}}}\n", k, k, i, i % 997, i % 997
    }
}' >"$TMP/events.ndjson"
log "    $(du -h "$TMP/events.ndjson" | cut -f1)"

run_import() { # LABEL EXTRA-FLAGS... -> seconds on stdout
    local label=$1 t0 t1
    shift
    t0=$(date +%s.%N)
    timeout "$TIMEOUT" "$BIN" --data-dir "$TMP/data" import events "$TMP/events.ndjson" \
        --source "$SOURCE" --no-workflows "$@" >"$TMP/$label.out" 2>"$TMP/$label.err" ||
        die "import $label: $(tail -n5 "$TMP/$label.err")"
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }'
}
log "baseline: --dry-run (parse only)"
DRY=$(run_import dry --dry-run)
log "    ${DRY}s: $(cat "$TMP/dry.out")"
log "import through the pipeline"
REAL=$(run_import real)
log "    ${REAL}s: $(cat "$TMP/real.out")"
RSS=$(du -sm "$TMP/data" | cut -f1)

rate() { awk -v n="$EVENTS" -v s="$1" 'BEGIN { printf "%.0f", n / s }'; }
COMMIT=$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
{
    echo "# Import benchmark"
    echo
    echo "Run $(date -u +%Y-%m-%dT%H:%MZ), commit \`$COMMIT\`, $(nproc) CPUs, load average before: $LOAD_BEFORE."
    echo "$EVENTS tracker events on $SESSIONS sessions/profiles, one NDJSON line each, workflows off."
    echo
    echo "| measure | figure | target |"
    echo "|---|---|---|"
    echo "| \`import events --source\` through the pipeline | **$(rate "$REAL") events/s** ($REAL s; $(cat "$TMP/real.out")); data dir $RSS MiB | ≥ 20,000/s |"
    echo "| baseline: the same with \`--dry-run\` (read + parse) | $(rate "$DRY") events/s ($DRY s) | |"
    echo "| ratio import / dry run | $(awk -v a="$DRY" -v b="$REAL" 'BEGIN { printf "%.2f", a / b }') | |"
} >"$OUT"
cat "$OUT"
