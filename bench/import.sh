#!/usr/bin/env bash
# On-demand benchmark of `quire import wordpress`: generates a WXR file with POSTS posts and
# COMMENTS comments (threads, pingbacks and trackbacks included) and imports it into a fresh SQLite
# site and into a fresh PostgreSQL database. Prints posts/s, comments/s and peak memory (max RSS
# from /usr/bin/time -v) for each, with the machine's load during each run, and PASS/MISS against
# the targets; writes the same as JSON to bench/out/import-<timestamp>.json. Not a test: nothing
# here runs in CI.
#
#   bench/import.sh [POSTS] [COMMENTS]      (defaults 10000 and 100000)
#
# Environment:
#   QUIRE_BIN=path        use this binary instead of building with `cargo build --release -p quire`
#   BENCH_GEN=path        use this synthetic_wxr binary instead of building the example
#   CARGO_TARGET_DIR      honoured by the build and when looking for the binaries
#   BENCH_PG_URL=url      PostgreSQL server to create the scratch database on
#                         (default postgres://postgres@127.0.0.1:5432); BENCH_PG=0 skips PostgreSQL
#
# Exit codes: 0 measured (whatever PASS/MISS says), 1 something failed, 2 a tool is missing.
#
# shellcheck disable=SC2034
# (figures move from R_<field> to <backend>_<field> through printf -v, which shellcheck cannot follow)
set -euo pipefail

POSTS=${1:-10000}
COMMENTS=${2:-100000}
PG_SERVER=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}
PG_RUN=${BENCH_PG:-1}

# Targets from the issue.
TARGET_COMMENTS_PER_S=5000 # comments/s >= 5,000
TARGET_RSS_MB=200          # peak resident memory < 200 MB

usage() {
    echo "usage: bench/import.sh [POSTS] [COMMENTS]   (defaults 10000 and 100000)" >&2
    exit 2
}
[[ $POSTS =~ ^[1-9][0-9]*$ && $COMMENTS =~ ^[0-9]+$ ]] || usage

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

say() { printf '%s\n' "import: $*" >&2; }
die() { say "$*"; exit 1; }
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

# ---------------------------------------------------------------------------------------------
# 1. Tools, the Quire binary and the generator.
# ---------------------------------------------------------------------------------------------
[[ -x /usr/bin/time ]] || { say "missing /usr/bin/time (Debian: apt-get install time)"; exit 2; }
command -v jq >/dev/null 2>&1 || { say "missing jq (Debian: apt-get install jq)"; exit 2; }
if [[ $PG_RUN == 1 ]]; then
    for tool in createdb dropdb psql; do
        command -v "$tool" >/dev/null 2>&1 ||
            { say "missing $tool (Debian: apt-get install postgresql-client), or set BENCH_PG=0"; exit 2; }
    done
fi

build_quire
if [[ -z ${BENCH_GEN:-} ]]; then
    say "building the generator (cargo build --release -p quire-formats --example synthetic_wxr)"
    cargo build --release -p quire-formats --example synthetic_wxr >&2 || die "building the generator failed"
    BENCH_GEN=$(dirname "$QUIRE_BIN")/examples/synthetic_wxr
fi
[[ -x $BENCH_GEN ]] || die "no generator at $BENCH_GEN"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/quire-bench-import.XXXXXX")
PG_DB=
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n $PG_DB ]]; then
        dropdb --if-exists --maintenance-db="$PG_SERVER/postgres" "$PG_DB" 2>/dev/null ||
            say "could not drop the scratch database $PG_DB"
    fi
    rm -rf "$TMP"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

WXR=$TMP/export.xml
say "generating $POSTS posts with $COMMENTS comments"
"$BENCH_GEN" "$POSTS" "$COMMENTS" "$WXR" || die "the generator failed"
WXR_MB=$(awk -v b="$(stat -c %s "$WXR")" 'BEGIN { printf "%.1f", b / 1048576 }')
PAGES=$((POSTS / 10))
say "$WXR_MB MB of WXR: $((POSTS - PAGES)) posts, $PAGES pages, $COMMENTS comments"

# ---------------------------------------------------------------------------------------------
# 2. One import: wall time, peak memory, CPU, and what the rest of the machine did meanwhile.
# ---------------------------------------------------------------------------------------------
machine_busy_ticks() { # all cores: user+nice+system+irq+softirq+steal since boot
    awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}
TICKS=$(getconf CLK_TCK)
now() { date +%s.%N; }

# sample_pg_backends DB OUT: every half second, the CPU ticks of each PostgreSQL backend serving
# DB (a local server: its processes are in /proc), as "pid ticks" lines; runs until killed.
sample_pg_backends() {
    local db=$1 out=$2 pid
    while :; do
        for pid in $(psql -d "$PG_SERVER/postgres" -Atc \
            "SELECT pid FROM pg_stat_activity WHERE datname = '$db'" 2>/dev/null); do
            [[ -r /proc/$pid/stat ]] &&
                sed 's/^.*) //' "/proc/$pid/stat" | awk -v p="$pid" '{ print p, $12 + $13 }' >>"$out"
        done
        sleep 0.5
    done
}

# run_import NAME ARGS...: leaves R_* set
run_import() {
    local name=$1
    shift
    local timing=$TMP/$name.time report=$TMP/$name-report.json t0 t1 busy0 busy1 sampler=
    if [[ $name == postgres ]]; then
        sample_pg_backends "$PG_DB" "$TMP/pg-ticks" &
        sampler=$!
    fi
    R_load_before=$(cut -d' ' -f1-3 /proc/loadavg)
    busy0=$(machine_busy_ticks)
    t0=$(now)
    /usr/bin/time -v -o "$timing" "$QUIRE_BIN" import wordpress "$WXR" --report "$report" "$@" \
        >"$TMP/$name.out" 2>"$TMP/$name.err" ||
        { cat "$TMP/$name.err" >&2; die "the $name import failed"; }
    t1=$(now)
    busy1=$(machine_busy_ticks)
    R_load_after=$(cut -d' ' -f1-3 /proc/loadavg)
    R_server_cpu_s=0
    if [[ -n $sampler ]]; then
        kill "$sampler" 2>/dev/null || true
        wait "$sampler" 2>/dev/null || true
        # The last sample of each backend is its CPU up to then (the final half second is missed).
        R_server_cpu_s=$(awk -v hz="$TICKS" '{ t[$1] = $2 } END { for (p in t) s += t[p]; printf "%.2f", s / hz }' \
            "$TMP/pg-ticks" 2>/dev/null || echo 0)
    fi
    R_seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
    R_rss_mb=$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$timing")
    R_cpu_s=$(awk -F': ' '/User time|System time/ { t += $2 } END { printf "%.2f", t }' "$timing")
    R_machine_cpu_s=$(awk -v t="$((busy1 - busy0))" -v hz="$TICKS" 'BEGIN { printf "%.2f", t / hz }')
    R_other_cpu_s=$(awk -v m="$R_machine_cpu_s" -v q="$R_cpu_s" 'BEGIN { o = m - q; printf "%.2f", o < 0 ? 0 : o }')
    R_posts=$(jq '(.counts.posts.created // 0) + (.counts.pages.created // 0)' "$report")
    R_comments=$(jq '(.counts.comments.created // 0) + (.counts.pingbacks.created // 0) + (.counts.trackbacks.created // 0)' "$report")
    R_failed=$(jq '.failed | length' "$report")
    ((R_posts == POSTS && R_comments == COMMENTS && R_failed == 0)) ||
        die "$name imported $R_posts posts and $R_comments comments ($R_failed failed), not $POSTS and $COMMENTS"
    R_posts_s=$(awk -v n="$R_posts" -v s="$R_seconds" 'BEGIN { printf "%.0f", n / s }')
    R_comments_s=$(awk -v n="$R_comments" -v s="$R_seconds" 'BEGIN { printf "%.0f", n / s }')
    # What the load of the machine does not change much: comments per CPU-second spent on the
    # import (Quire's, plus the PostgreSQL backends' on PostgreSQL).
    R_comments_cpu=$(awk -v n="$R_comments" -v a="$R_cpu_s" -v b="$R_server_cpu_s" \
        'BEGIN { printf "%.0f", n / (a + b) }')
    say "$name: $R_seconds s, $R_posts_s posts/s, $R_comments_s comments/s, peak $R_rss_mb MB (load $R_load_before → $R_load_after)"
}

save() { # prefix: copies R_* into <prefix>_*
    local p=$1 k
    for k in seconds rss_mb cpu_s server_cpu_s comments_cpu machine_cpu_s other_cpu_s posts comments posts_s \
        comments_s load_before load_after; do
        printf -v "${p}_$k" '%s' "$(eval "echo \"\$R_$k\"")"
    done
}

say "importing into a fresh SQLite site"
run_import sqlite --data-dir "$TMP/sqlite"
save S
BACKENDS=(S)

if [[ $PG_RUN == 1 ]]; then
    PG_DB=quire_bench_import_$$
    createdb --maintenance-db="$PG_SERVER/postgres" "$PG_DB" 2>"$TMP/createdb.err" ||
        { cat "$TMP/createdb.err" >&2; die "createdb on $PG_SERVER failed (BENCH_PG=0 skips PostgreSQL)"; }
    say "importing into a fresh PostgreSQL database ($PG_DB)"
    run_import postgres --data-dir "$TMP/postgres" --database-url "$PG_SERVER/$PG_DB"
    save P
    BACKENDS+=(P)
fi

# ---------------------------------------------------------------------------------------------
# 3. Report.
# ---------------------------------------------------------------------------------------------
v() { eval "echo \"\$${1}_$2\""; } # v PREFIX FIELD
verdict() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
    ok = (op == ">=") ? (v >= t) : (v < t); print ok ? "PASS" : "MISS" }'; }
label() { case $1 in S) echo SQLite ;; P) echo PostgreSQL ;; esac; }

row() { printf '  %-11s %8s %8s %11s %9s %8s %8s %12s %8s  %s\n' "$@"; }
{
    echo
    echo "quire import wordpress: $POSTS posts (incl. $PAGES pages), $COMMENTS comments, $WXR_MB MB of WXR"
    echo "  machine: $(nproc) cores; $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo
    row "" "seconds" "posts/s" "comments/s" "peak MB" "CPU s" "PG CPU s" "comments/CPU-s" "other" \
        "load average before → after"
    for p in "${BACKENDS[@]}"; do
        row "$(label "$p")" "$(v "$p" seconds)" "$(v "$p" posts_s)" "$(v "$p" comments_s)" "$(v "$p" rss_mb)" \
            "$(v "$p" cpu_s)" "$(v "$p" server_cpu_s)" "$(v "$p" comments_cpu)" "$(v "$p" other_cpu_s)" \
            "$(v "$p" load_before) → $(v "$p" load_after)"
    done
    echo "  (CPU s: Quire's own user+system time; PG CPU s: the PostgreSQL backends serving the import;"
    echo "  comments/CPU-s: comments per CPU-second of both, which other work on the machine changes little;"
    echo "  other: CPU-seconds the rest of the machine used during the run, PostgreSQL's backends included;"
    echo "  out of seconds x $(nproc) available)"
    echo
    for p in "${BACKENDS[@]}"; do
        printf '  %-11s comments/s >= %s: %-5s peak memory < %s MB: %s\n' "$(label "$p")" \
            "$TARGET_COMMENTS_PER_S" "$(verdict "$(v "$p" comments_s)" ">=" "$TARGET_COMMENTS_PER_S")" \
            "$TARGET_RSS_MB" "$(verdict "$(v "$p" rss_mb)" "<" "$TARGET_RSS_MB")"
    done
    echo
} | tee "$TMP/table.txt"

mkdir -p "$ROOT/bench/out"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
JSON=$ROOT/bench/out/import-$STAMP.json
jrun() { # prefix
    local p=$1
    printf '{"seconds": %s, "posts_per_s": %s, "comments_per_s": %s, "peak_rss_mb": %s, "cpu_s": %s, ' \
        "$(v "$p" seconds)" "$(v "$p" posts_s)" "$(v "$p" comments_s)" "$(v "$p" rss_mb)" "$(v "$p" cpu_s)"
    printf '"postgres_backend_cpu_s": %s, "comments_per_cpu_s": %s, ' "$(v "$p" server_cpu_s)" "$(v "$p" comments_cpu)"
    printf '"machine_cpu_s": %s, "other_cpu_s": %s, "load_average_before": "%s", "load_average_after": "%s", ' \
        "$(v "$p" machine_cpu_s)" "$(v "$p" other_cpu_s)" "$(v "$p" load_before)" "$(v "$p" load_after)"
    printf '"verdicts": {"comments_per_s": "%s", "peak_rss_mb": "%s"}}' \
        "$(verdict "$(v "$p" comments_s)" ">=" "$TARGET_COMMENTS_PER_S")" "$(verdict "$(v "$p" rss_mb)" "<" "$TARGET_RSS_MB")"
}
{
    echo '{'
    echo "  \"benchmark\": \"import\","
    echo "  \"timestamp\": \"$STAMP\","
    echo "  \"commit\": \"$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD -- crates 2>/dev/null || echo '+dirty')\","
    echo "  \"posts\": $POSTS, \"pages\": $PAGES, \"comments\": $COMMENTS, \"wxr_mb\": $WXR_MB, \"cores\": $(nproc),"
    echo "  \"targets\": {\"comments_per_s_min\": $TARGET_COMMENTS_PER_S, \"peak_rss_mb_max_exclusive\": $TARGET_RSS_MB},"
    if [[ $PG_RUN == 1 ]]; then
        echo "  \"sqlite\": $(jrun S),"
        echo "  \"postgres\": $(jrun P)"
    else
        echo "  \"sqlite\": $(jrun S)"
    fi
    echo '}'
} >"$JSON"
jq . "$JSON" >/dev/null || die "wrote invalid JSON to $JSON"
say "wrote ${JSON#"$ROOT"/}"
