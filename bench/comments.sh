#!/usr/bin/env bash
# On-demand benchmark of comment writes: wrk posts distinct comments to the demo essay through the
# real form endpoint (signed token, policy, rate-limit buckets, duplicate check, durable commit on
# SQLite in WAL mode with synchronous=FULL) for a bounded time, and reports accepted comments/s.
# Anchor measured in the same run: the durable commits/s this disk allows a bare SQLite (Python's
# sqlite3, WAL, synchronous=FULL, one one-row transaction per commit), since every accepted
# comment is at least one such commit. Not a test: nothing here runs in CI.
# On PostgreSQL the anchor is the durable commits/s of a bare PostgreSQL on the same server (psql,
# one one-row INSERT per transaction, synchronous_commit on), reported beside the SQLite one.
#
#   bench/comments.sh [SECONDS] [CONNECTIONS]      (defaults 10 and 16)
#
# Environment: QUIRE_BIN, CARGO_TARGET_DIR, BENCH_THREADS, BENCH_RUST_LOG, BENCH_DATABASE_URL,
# BENCH_INSTANCES and BENCH_LB as in post-page.sh (several instances: wrk posts through nginx).
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
db_configure

[[ $DURATION =~ ^[1-9][0-9]*$ && $CONNECTIONS =~ ^[1-9][0-9]*$ && $THREADS =~ ^[1-9][0-9]*$ ]] ||
    { echo "usage: bench/comments.sh [SECONDS] [CONNECTIONS]" >&2; exit 2; }
((CONNECTIONS >= THREADS)) || THREADS=$CONNECTIONS
tools=(wrk curl python3)
[[ $BACKEND == postgres ]] && tools+=(psql)
((USE_LB == 0)) || tools+=(nginx)
provision "${tools[@]}"
build_quire

TMP=$(mktemp -d "${TMPDIR:-/tmp}/quire-bench.XXXXXX")
NGINX_PID=
LB_PORT=
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    ((status == 0)) || show_logs
    if ((status != 0)) && [[ -s $TMP/nginx/error.log ]]; then
        say "last lines of nginx's error log:"
        tail -n 15 "$TMP/nginx/error.log" >&2 || true
    fi
    stop_instances
    stop "$NGINX_PID"
    db_drop
    rm -rf "$TMP"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

db_create # on PostgreSQL, a fresh database for the run (first: an unreachable server fails here)

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
SQLITE_ANCHOR_PER_S=$ANCHOR_PER_S

# On PostgreSQL, the anchor is the same loop against the server Quire uses, in the fresh database
# before Quire migrates it: psql sends one-row INSERTs one at a time, each its own transaction
# (autocommit) with synchronous_commit on, for up to 5 s; the rate is read from the rows' own
# commit-side timestamps.
PG_ANCHOR_PER_S=
PG_SETTINGS=
if [[ $BACKEND == postgres ]]; then
    PG_SETTINGS=$(db_settings)
    psql -X -q -v ON_ERROR_STOP=1 -d "$DB_URL" -c "CREATE TABLE bench_anchor (id bigserial PRIMARY KEY,
        body text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())" >/dev/null ||
        die "could not create the anchor's table in $DB_NAME"
    {
        echo "SET synchronous_commit = on;"
        yes "INSERT INTO bench_anchor (body) VALUES ('a comment of a few words, committed on its own');"
    } | timeout "$((DURATION < 5 ? DURATION : 5))" psql -X -q -v ON_ERROR_STOP=1 -d "$DB_URL" >/dev/null 2>&1 || true
    PG_ANCHOR_PER_S=$(psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB_URL" -c "SELECT round((count(*) - 1)
        / NULLIF(extract(epoch FROM max(at) - min(at)), 0)) FROM bench_anchor; DROP TABLE bench_anchor;") ||
        die "could not read the anchor's table in $DB_NAME"
    [[ $PG_ANCHOR_PER_S =~ ^[0-9]+$ ]] || die "the PostgreSQL anchor committed too few rows to measure ('$PG_ANCHOR_PER_S')"
    ANCHOR_PER_S=$PG_ANCHOR_PER_S
    say "anchor: bare PostgreSQL durable commits: $PG_ANCHOR_PER_S/s ($PG_SETTINGS)"
fi

# 2. Quire on a fresh data dir (the demo loads), opened to the load; several instances behind
# nginx when asked (all told nginx's address as the site's).
open_for_load "$TMP/quire-data"
SITE_URL=
if ((USE_LB)); then
    LB_PORT=$(free_port)
    SITE_URL=http://127.0.0.1:$LB_PORT
fi
start_instances "$SITE_URL"
QUIRE=${QUIRE_URLS[0]}
if ((USE_LB)); then
    NGINX_KEEPALIVE=$CONNECTIONS
    start_lb_nginx
    QUIRE=$LB_URL
    say "nginx balances the $INSTANCES Quire instance(s) (${QUIRE_URLS[*]}) at $QUIRE"
fi
sleep 1.5 # the settings written before the start are read; make sure the watch has seen them too
count_comments() { curl -sS "$QUIRE$POST_PATH" | grep -o '[0-9]* thoughts on' | head -n1 | grep -o '^[0-9]*'; }
BEFORE=$(count_comments)
form_of "$QUIRE" "$POST_PATH"

# 3. The load.
say "posting for ${DURATION}s with $CONNECTIONS connections, $THREADS wrk threads"
wrk -t "$THREADS" -c "$CONNECTIONS" -d "${DURATION}s" --latency -s "$ROOT/bench/comment-post.lua" \
    "$QUIRE" -- "$FORM_POST_ID" "$FORM_TOKEN" >"$TMP/wrk.txt" || die "wrk failed"
all_alive || die "Quire died during the run"
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
RSS_MBS=()
for pid in "${QUIRE_PIDS[@]}"; do
    RSS_MBS+=("$(awk '$1 == "VmHWM:" { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")")
done
RSS_MB=$(printf '%s\n' "${RSS_MBS[@]}" | sort -n | tail -n1) # the largest
RSS_TEXT="Quire peak resident memory $RSS_MB MB"
POSTS_LOGGED=() # how nginx spread the posts: each instance logs one line per request (by default)
for log in "${QUIRE_LOGS[@]}"; do
    POSTS_LOGGED+=("$(grep -c '"message":"served".*"method":"POST","path":"/comments"' "$log" || true)")
done
if ((INSTANCES > 1)); then
    RSS_TEXT="Quire peak resident memory per instance: $(printf '%s MB, ' "${RSS_MBS[@]}" | sed 's/, $//')"
    RSS_TEXT+="; comment posts each instance logged: $(printf '%s, ' "${POSTS_LOGGED[@]}" | sed 's/, $//')"
fi

{
    echo
    echo "Comment writes to $POST_PATH — wrk, ${SECONDS_RUN}s, $CONNECTIONS connections, $THREADS threads, loopback, $(nproc) cores"
    echo "  Quire: $(backend_label)"
    echo "  requests: $REQUESTS; accepted (303): $ACCEPTED; refused: $REFUSED; socket errors: $SOCKET"
    echo "  stored (comment count before/after): $BEFORE -> $AFTER; every acknowledged comment stored: $DURABLE"
    echo "  latency p50 $P50, p99 $P99; $RSS_TEXT"
    echo
    echo "  accepted comments/s: $PER_S   (target >= $TARGET_PER_S: $VERDICT)"
    if [[ $BACKEND == postgres ]]; then
        echo "  bare PostgreSQL durable commits/s, one client (anchor; $PG_SETTINGS): $PG_ANCHOR_PER_S   ratio Quire/anchor: $RATIO"
        echo "  bare SQLite durable commits/s on this disk (beside it): $SQLITE_ANCHOR_PER_S"
    else
        echo "  bare SQLite durable commits/s on this disk (anchor): $ANCHOR_PER_S   ratio Quire/anchor: $RATIO"
    fi
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
  "backend": "$BACKEND", "instances": $INSTANCES, "load_balancer": $( ((USE_LB)) && echo '"nginx"' || echo null),
  "stored": $STORED, "accepted_per_s": $PER_S, "anchor_sqlite_commits_per_s": $SQLITE_ANCHOR_PER_S,
  "anchor_postgres_commits_per_s": ${PG_ANCHOR_PER_S:-null}, "postgres_settings": $([[ -n $PG_SETTINGS ]] && echo "\"$PG_SETTINGS\"" || echo null),
  "anchor": "$BACKEND", "ratio_to_anchor": $RATIO, "p50": "$P50", "p99": "$P99", "peak_rss_mb": $RSS_MB,
  "peak_rss_mb_each": [$(printf '%s, ' "${RSS_MBS[@]}" | sed 's/, $//')],
  "posts_logged_each": [$(printf '%s, ' "${POSTS_LOGGED[@]}" | sed 's/, $//')],
  "target": {"min_per_s": $TARGET_PER_S, "verdict": "$VERDICT"}
}
JSON
say "wrote bench/out/comments-$STAMP.json"
