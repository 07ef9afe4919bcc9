#!/usr/bin/env bash
# On-demand benchmark of comment writes: wrk posts distinct comments to the demo essay through the
# real form endpoint (signed token, policy, rate-limit buckets, duplicate check, durable commit on
# SQLite in WAL mode with synchronous=FULL) for a bounded time, and reports accepted comments/s.
# Anchor measured in the same run: the durable commits/s this disk allows a bare SQLite (Python's
# sqlite3, WAL, synchronous=FULL, one one-row transaction per commit), since every accepted
# comment is at least one such commit. Not a test: nothing here runs in CI.
#
#   bench/comments.sh [SECONDS] [CONNECTIONS]      (defaults 10 and 16)
#
# Environment: QUIRE_BIN, CARGO_TARGET_DIR, BENCH_THREADS, BENCH_RUST_LOG as in post-page.sh.
# Exit codes: 0 measured (whatever PASS/MISS says), 1 something failed, 2 a tool is missing.
set -euo pipefail

DURATION=${1:-10}
CONNECTIONS=${2:-16}
THREADS=${BENCH_THREADS:-$(nproc)}
POST_PATH=/2020/01/01/never-let-me-go/
TARGET_PER_S=1000

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
say() { printf '%s\n' "comments: $*" >&2; }
die() { say "$*"; exit 1; }
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

[[ $DURATION =~ ^[1-9][0-9]*$ && $CONNECTIONS =~ ^[1-9][0-9]*$ && $THREADS =~ ^[1-9][0-9]*$ ]] ||
    { echo "usage: bench/comments.sh [SECONDS] [CONNECTIONS]" >&2; exit 2; }
((CONNECTIONS >= THREADS)) || THREADS=$CONNECTIONS
for tool in wrk curl python3; do
    command -v "$tool" >/dev/null 2>&1 && continue
    if [[ $tool == wrk && $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        say "installing wrk with apt-get"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 ||
            { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } ||
            { say "apt-get could not install wrk"; exit 2; }
    else
        say "missing: $tool"
        exit 2
    fi
done
build_quire

TMP=$(mktemp -d "${TMPDIR:-/tmp}/quire-bench.XXXXXX")
QUIRE_PID=
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    ((status == 0)) || { [[ -s $TMP/quire.log ]] && tail -n 15 "$TMP/quire.log" >&2; } || true
    stop "$QUIRE_PID"
    rm -rf "$TMP"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 1. The anchor: bare durable SQLite commits on the same disk, in the same scratch directory.
ANCHOR_PER_S=$(python3 - "$TMP/anchor.db" "$DURATION" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=FULL")
db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
n, end = 0, time.monotonic() + min(float(sys.argv[2]), 5.0)
start = time.monotonic()
while time.monotonic() < end:
    db.execute("BEGIN IMMEDIATE"); db.execute("INSERT INTO t (body) VALUES (?)", (f"comment {n}",)); db.execute("COMMIT")
    n += 1
print(f"{n / (time.monotonic() - start):.0f}")
PY
)
say "anchor: bare SQLite durable commits: $ANCHOR_PER_S/s"

# 2. Quire on a fresh data dir (the demo loads), opened to the load.
open_for_load "$TMP/quire-data"
QUIRE_PORT=$(free_port)
(
    [[ -n ${BENCH_RUST_LOG:-} ]] && export RUST_LOG=$BENCH_RUST_LOG
    exec "$QUIRE_BIN" serve --data-dir "$TMP/quire-data" --bind "127.0.0.1:$QUIRE_PORT" \
        --site-url "http://127.0.0.1:$QUIRE_PORT" </dev/null >"$TMP/quire.log" 2>&1
) &
QUIRE_PID=$!
QUIRE=http://127.0.0.1:$QUIRE_PORT
for ((i = 0; ; i++)); do
    kill -0 "$QUIRE_PID" 2>/dev/null || die "Quire exited before it was ready"
    [[ $(curl -s -o /dev/null -w '%{http_code}' "$QUIRE/readyz" || true) == 200 ]] && break
    ((i < 600)) || die "Quire was not ready after 60 s"
    sleep 0.1
done
sleep 1.5 # the settings written before the start are read; make sure the watch has seen them too
count_comments() { curl -sS "$QUIRE$POST_PATH" | grep -o '[0-9]* thoughts on' | head -n1 | grep -o '^[0-9]*'; }
BEFORE=$(count_comments)
form_of "$QUIRE" "$POST_PATH"

# 3. The load.
say "posting for ${DURATION}s with $CONNECTIONS connections, $THREADS wrk threads"
wrk -t "$THREADS" -c "$CONNECTIONS" -d "${DURATION}s" --latency -s "$ROOT/bench/comment-post.lua" \
    "$QUIRE" -- "$FORM_POST_ID" "$FORM_TOKEN" >"$TMP/wrk.txt" || die "wrk failed"
kill -0 "$QUIRE_PID" 2>/dev/null || die "Quire died during the run"
AFTER=$(count_comments)

REQUESTS=$(awk '/ requests in / { print $1; exit }' "$TMP/wrk.txt")
SECONDS_RUN=$(awk '/ requests in / { sub(/s,$/, "", $4); print $4; exit }' "$TMP/wrk.txt")
REFUSED=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$TMP/wrk.txt")
REFUSED=${REFUSED:-0}
SOCKET=$(awk '/Socket errors:/ { gsub(/,/, ""); print $4 + $6 + $8 + $10 }' "$TMP/wrk.txt")
SOCKET=${SOCKET:-0}
P50=$(awk '$1 == "50%" { print $2 }' "$TMP/wrk.txt")
P99=$(awk '$1 == "99%" { print $2 }' "$TMP/wrk.txt")
ACCEPTED=$((REQUESTS - REFUSED))
STORED=$((AFTER - BEFORE))
PER_S=$(awk -v a="$ACCEPTED" -v s="$SECONDS_RUN" 'BEGIN { printf "%.0f", a / s }')
RATIO=$(awk -v q="$PER_S" -v a="$ANCHOR_PER_S" 'BEGIN { printf "%.3f", q / a }')
VERDICT=$(awk -v v="$PER_S" -v t="$TARGET_PER_S" 'BEGIN { print (v >= t) ? "PASS" : "MISS" }')
DURABLE=$([[ $STORED -ge $ACCEPTED ]] && echo yes || echo "NO ($STORED stored of $ACCEPTED acknowledged)")
RSS_MB=$(awk '$1 == "VmHWM:" { printf "%.1f", $2 / 1024 }' "/proc/$QUIRE_PID/status")

{
    echo
    echo "Comment writes to $POST_PATH — wrk, ${SECONDS_RUN}s, $CONNECTIONS connections, $THREADS threads, loopback, $(nproc) cores"
    echo "  requests: $REQUESTS; accepted (303): $ACCEPTED; refused: $REFUSED; socket errors: $SOCKET"
    echo "  stored (comment count before/after): $BEFORE -> $AFTER; every acknowledged comment stored: $DURABLE"
    echo "  latency p50 $P50, p99 $P99; Quire peak resident memory $RSS_MB MB"
    echo
    echo "  accepted comments/s: $PER_S   (target >= $TARGET_PER_S: $VERDICT)"
    echo "  bare SQLite durable commits/s on this disk (anchor): $ANCHOR_PER_S   ratio Quire/anchor: $RATIO"
    echo
} | tee "$TMP/table.txt"

mkdir -p "$ROOT/bench/out"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
cat >"$ROOT/bench/out/comments-$STAMP.json" <<JSON
{
  "benchmark": "comments", "timestamp": "$STAMP",
  "commit": "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)",
  "duration_s": $SECONDS_RUN, "connections": $CONNECTIONS, "threads": $THREADS, "cores": $(nproc),
  "requests": $REQUESTS, "accepted": $ACCEPTED, "refused": $REFUSED, "socket_errors": $SOCKET,
  "stored": $STORED, "accepted_per_s": $PER_S, "anchor_sqlite_commits_per_s": $ANCHOR_PER_S,
  "ratio_to_anchor": $RATIO, "p50": "$P50", "p99": "$P99", "peak_rss_mb": $RSS_MB,
  "target": {"min_per_s": $TARGET_PER_S, "verdict": "$VERDICT"}
}
JSON
say "wrote bench/out/comments-$STAMP.json"
