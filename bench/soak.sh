#!/usr/bin/env bash
# On-demand soak: Quire on a fresh demo site under a fixed request mix (bench/soak.lua: reads of
# the essay, the other posts, the home page and the feeds, searches, and a distinct comment every
# SOAK_COMMENT_EVERY-th request) for MINUTES minutes, one wrk run per minute. Samples Quire's
# resident memory every 10 s and reports its growth after the first minute (target < 10 %), the
# answers that were not 2xx/3xx by kind (target: none; the rate limits are opened as for the other
# benchmarks, so no 429 is expected either), and p99 latency per minute (target: stable, no minute
# after the first above twice the best). Not a test: nothing here runs in CI.
#
#   bench/soak.sh [MINUTES] [CONNECTIONS]      (defaults 10 and 8)
#
# Environment: QUIRE_BIN, CARGO_TARGET_DIR, BENCH_THREADS, BENCH_RUST_LOG as in post-page.sh (with
# BENCH_RUST_LOG=warn the refused requests are counted but not named); SOAK_COMMENT_EVERY (default 50). Exit codes: 0 measured (whatever the verdicts), 1 something failed, 2 a tool is
# missing or the arguments are wrong.
set -euo pipefail

MINUTES=${1:-10}
CONNECTIONS=${2:-8}
COMMENT_EVERY=${SOAK_COMMENT_EVERY:-50}
THREADS=${BENCH_THREADS:-$(nproc)}
POST_PATH=/2020/01/01/never-let-me-go/
SAMPLE_SECONDS=10

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
say() { printf '%s\n' "soak: $*" >&2; }
die() { say "$*"; exit 1; }
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

[[ $MINUTES =~ ^[1-9][0-9]*$ && $CONNECTIONS =~ ^[1-9][0-9]*$ && $COMMENT_EVERY =~ ^[1-9][0-9]*$ &&
    $THREADS =~ ^[1-9][0-9]*$ ]] || { echo "usage: bench/soak.sh [MINUTES] [CONNECTIONS]" >&2; exit 2; }
((CONNECTIONS >= THREADS)) || THREADS=$CONNECTIONS
for tool in wrk curl; do
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

TMP=$(mktemp -d "${TMPDIR:-/tmp}/quire-soak.XXXXXX")
QUIRE_PID=
SAMPLER_PID=
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    ((status == 0)) || { [[ -s $TMP/quire.log ]] && tail -n 15 "$TMP/quire.log" >&2; } || true
    stop "$SAMPLER_PID"
    stop "$QUIRE_PID"
    rm -rf "$TMP"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 1. Quire on a fresh data dir (the demo loads), opened to the load.
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
form_of "$QUIRE" "$POST_PATH"

# 2. Resident memory every SAMPLE_SECONDS, from the start of the load: "seconds kB" lines.
: >"$TMP/rss.txt"
(
    start=$(date +%s)
    while kill -0 "$QUIRE_PID" 2>/dev/null; do
        rss=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$QUIRE_PID/status" 2>/dev/null || true)
        [[ -n $rss ]] && echo "$(($(date +%s) - start)) $rss" >>"$TMP/rss.txt"
        sleep "$SAMPLE_SECONDS"
    done
) &
SAMPLER_PID=$!

# 3. The load: one wrk run a minute.
to_ms() { # wrk's "12.34ms" / "850.00us" / "1.20s" -> milliseconds
    awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}
say "soaking for $MINUTES min: $CONNECTIONS connections, $THREADS wrk threads, a comment every $COMMENT_EVERY requests"
declare -a P99 RPS
for ((m = 1; m <= MINUTES; m++)); do
    wrk -t "$THREADS" -c "$CONNECTIONS" -d 60s --latency -s "$ROOT/bench/soak.lua" \
        "$QUIRE" -- "$FORM_POST_ID" "$FORM_TOKEN" "$COMMENT_EVERY" "$POST_PATH" "$m" >"$TMP/wrk-$m.txt" ||
        die "wrk failed in minute $m"
    kill -0 "$QUIRE_PID" 2>/dev/null || die "Quire died in minute $m"
    P99[m]=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$TMP/wrk-$m.txt")")
    RPS[m]=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$TMP/wrk-$m.txt")
    say "minute $m: ${RPS[m]} requests/s, p99 ${P99[m]} ms"
done
stop "$SAMPLER_PID"
SAMPLER_PID=

# 4. Verdicts.
REQUESTS=$(cat "$TMP"/wrk-*.txt | awk '/ requests in / { n += $1 } END { print n + 0 }')
BAD=$(cat "$TMP"/wrk-*.txt | awk '/Non-2xx or 3xx responses:/ { n += $NF } END { print n + 0 }')
SOCKET=$(cat "$TMP"/wrk-*.txt | awk '/Socket errors:/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }')
# Which requests they were, from Quire's one log line per request ("served", status, method, path).
BY_KIND=$(sed -n 's/.*"message":"served","status":\([0-9]*\).*"method":"\([A-Z]*\)","path":"\([^"?]*\).*/\1 \2 \3/p' \
    "$TMP/quire.log" | awk '$1 >= 400 { n[$2 " " $3 " " $1]++ } END { for (k in n) printf "%s%s: %d", (c++ ? ", " : ""), k, n[k] }')
COMMENTS=$(curl -sS "$QUIRE$POST_PATH" | grep -o '[0-9]* thoughts on' | head -n1 | grep -o '^[0-9]*' || echo "?")
# RSS: the last sample of the first minute is the baseline; growth is the last sample against it.
BASE_KB=$(awk '$1 <= 60 { kb = $2 } END { print kb + 0 }' "$TMP/rss.txt")
LAST_KB=$(awk '{ kb = $2 } END { print kb + 0 }' "$TMP/rss.txt")
PEAK_KB=$(awk '$2 > m { m = $2 } END { print m + 0 }' "$TMP/rss.txt")
GROWTH=$(awk -v b="$BASE_KB" -v l="$LAST_KB" 'BEGIN { if (b > 0) printf "%.1f", (l - b) * 100 / b; else print "0.0" }')
RSS_VERDICT=$(awk -v g="$GROWTH" -v m="$MINUTES" 'BEGIN { print (m < 2) ? "n/a (needs 2+ minutes)" : (g < 10 ? "PASS" : "MISS") }')
ERROR_VERDICT=$([[ $BAD == 0 && $SOCKET == 0 ]] && echo PASS || echo MISS)
P99_LIST=$(for ((m = 1; m <= MINUTES; m++)); do printf '%s ' "${P99[m]}"; done)
P99_VERDICT=$(awk -v list="$P99_LIST" 'BEGIN {
    n = split(list, p, " "); if (n < 2) { print "n/a (needs 2+ minutes)"; exit }
    best = p[2]; worst = p[2]
    for (i = 2; i <= n; i++) { if (p[i] < best) best = p[i]; if (p[i] > worst) worst = p[i] }
    print (worst <= 2 * best) ? "PASS" : "MISS" }')

{
    echo
    echo "Soak — $MINUTES min, $CONNECTIONS connections, $THREADS wrk threads, a comment every $COMMENT_EVERY requests, loopback, $(nproc) cores"
    echo "  requests: $REQUESTS; not 2xx/3xx: $BAD${BY_KIND:+ ($BY_KIND)}; socket errors: $SOCKET   ($ERROR_VERDICT: none expected)"
    echo "  comments on the essay at the end: $COMMENTS"
    echo "  p99 per minute (ms): $P99_LIST  ($P99_VERDICT: after the first minute, worst <= 2 x best)"
    echo "  resident memory: after minute 1 $((BASE_KB / 1024)) MB, at the end $((LAST_KB / 1024)) MB, peak $((PEAK_KB / 1024)) MB;"
    echo "    growth after the first minute: $GROWTH %  ($RSS_VERDICT: < 10 %)"
    echo "  RSS samples (s kB): $(tr '\n' ' ' <"$TMP/rss.txt")"
    echo
} | tee "$TMP/table.txt"

mkdir -p "$ROOT/bench/out"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
P99_JSON=$(printf '%s' "$P99_LIST" | awk '{ for (i = 1; i <= NF; i++) printf "%s%s", (i > 1 ? ", " : ""), $i }')
RSS_JSON=$(awk '{ printf "%s[%d, %d]", (NR > 1 ? ", " : ""), $1, $2 }' "$TMP/rss.txt")
cat >"$ROOT/bench/out/soak-$STAMP.json" <<JSON
{
  "benchmark": "soak", "timestamp": "$STAMP",
  "commit": "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)",
  "minutes": $MINUTES, "connections": $CONNECTIONS, "comment_every": $COMMENT_EVERY, "cores": $(nproc),
  "requests": $REQUESTS, "not_2xx_3xx": $BAD, "socket_errors": $SOCKET, "errors_by_kind": "$BY_KIND",
  "p99_ms_per_minute": [$P99_JSON], "rss_kb_samples": [$RSS_JSON],
  "rss_growth_percent_after_first_minute": $GROWTH,
  "verdicts": {"errors": "$ERROR_VERDICT", "p99": "$P99_VERDICT", "rss": "$RSS_VERDICT"}
}
JSON
say "wrote bench/out/soak-$STAMP.json"
