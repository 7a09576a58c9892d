#!/usr/bin/env bash
# Instructions per /track request, counted by valgrind (callgrind): a figure that does not
# move with the other work on a shared machine, for comparing two builds of the daemon.
# Each binary serves a fresh store; a warm-up creates SESSIONS sessions (3 events each),
# then the counters are zeroed and REQUESTS requests of 3 events go to those existing
# sessions from 4 keep-alive connections; the count over them is divided by REQUESTS.
#
#   benches/load/instructions.sh BIN [BIN…]     e.g. the parent commit's binary and this one's
# Env: REQUESTS (600), SESSIONS (300), INSTR_KEEP (a dir: keep each callgrind profile
# there, for callgrind_annotate --inclusive=yes). Needs valgrind and python3. About a minute per binary.
# Under valgrind the threads run one at a time: contention between cores does not show.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REQUESTS=${REQUESTS:-600}
SESSIONS=${SESSIONS:-300}
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "needs python3" >&2; exit 1; }
[[ $# -ge 1 ]] || { echo "usage: $0 BIN [BIN…]" >&2; exit 2; }

count() { # BIN -> instructions over REQUESTS requests
    local bin=$1 tmp port pid source summary
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/tracardictl-instr.XXXXXX")
    port=$((20000 + RANDOM % 20000))
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" \
        "$bin" serve collector --data-dir "$tmp/data" --collector-listen "127.0.0.1:$port" \
        >"$tmp/d.out" 2>"$tmp/d.err" &
    pid=$!
    for _ in $(seq 1 600); do
        grep -q "collector listening" "$tmp/d.out" 2>/dev/null && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    source=$(sed -n 's/.*default event source (rest, staging and production): //p' "$tmp/d.out")
    if [[ -z $source ]]; then
        echo "$bin did not start:" >&2
        tail -5 "$tmp/d.err" >&2
        kill "$pid" 2>/dev/null || true
        rm -rf "$tmp"
        return 1
    fi
    python3 "$HERE/instructions_client.py" "$port" "$source" "$SESSIONS" 0
    callgrind_control -z "$pid" >/dev/null 2>&1
    python3 "$HERE/instructions_client.py" "$port" "$source" "$SESSIONS" "$REQUESTS"
    callgrind_control -d "$pid" >/dev/null 2>&1
    for _ in $(seq 1 100); do [[ -s $tmp/cg.out.1 ]] && break; sleep 0.1; done
    summary=$(sed -n 's/^summary: //p' "$tmp/cg.out.1")
    kill "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
    [[ -n ${INSTR_KEEP:-} ]] && cp "$tmp/cg.out.1" "$INSTR_KEEP/$(basename "$bin").callgrind"
    rm -rf "$tmp"
    echo "$summary"
}

first=
for bin in "$@"; do
    total=$(count "$bin")
    per=$((total / REQUESTS))
    if [[ -z $first ]]; then
        first=$per
        echo "$bin: $per instructions per request"
    else
        awk -v p="$per" -v f="$first" -v b="$bin" \
            'BEGIN { printf "%s: %d instructions per request (%.3f of the first)\n", b, p, p / f }'
    fi
done
