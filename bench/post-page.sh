#!/usr/bin/env bash
# On-demand benchmark of the demo post page: Quire against nginx serving the same HTML bytes as a
# static file, in the same run, on loopback, with wrk. Prints requests/s, p50 and p99 for both, the
# ratio Quire/nginx, Quire's resident memory, and PASS/MISS against the targets; writes the same as
# JSON to bench/out/post-page-<timestamp>.json. Not a test: nothing here runs in CI.
#
#   bench/post-page.sh [SECONDS] [CONNECTIONS]      (defaults 15 and 64)
#
# Environment:
#   QUIRE_BIN=path        use this binary instead of building with `cargo build --release -p quire`
#   CARGO_TARGET_DIR      honoured by the build and when looking for the binary
#   BENCH_GZIP=0          skip the second pair of runs with `Accept-Encoding: gzip`
#   BENCH_WARMUP=2        seconds of warm-up against each server before measuring
#   BENCH_THREADS=N       wrk threads (default: nproc)
#   BENCH_RUST_LOG=...    RUST_LOG for Quire (default: Quire's own default, one log line per request)
#   BENCH_POST_PATH=/…/   the page to measure (default: the demo essay)
#   BENCH_COMMENTS=N      first post N more approved comments to that page, all shown on one page
#                         (e.g. BENCH_POST_PATH=/2021/03/14/klara-and-the-sun/ BENCH_COMMENTS=200)
#   BENCH_DATABASE_URL=postgres://USER@HOST:PORT   run Quire on PostgreSQL: a fresh database
#                         quire_bench_<pid> is made on that server for the run and dropped after it
#   BENCH_INSTANCES=N     N Quire instances over that one database (needs BENCH_DATABASE_URL), behind
#                         an nginx load balancer that wrk hits; the anchor stays nginx's static file
#   BENCH_LB=1            the load balancer even with one instance (to compare 1 and N through it)
#
# Exit codes: 0 measured (whatever PASS/MISS says), 1 something failed, 2 a tool is missing.
#
# shellcheck disable=SC2034,SC2154,SC2046
# (wrk's figures move between R_<field> and <run>_<field> through printf -v, which shellcheck cannot
# follow; lists of PIDs are split on purpose.)
set -euo pipefail

DURATION=${1:-15}
CONNECTIONS=${2:-64}
THREADS=${BENCH_THREADS:-$(nproc)}
WARMUP=${BENCH_WARMUP:-2}
GZIP_PAIR=${BENCH_GZIP:-1}
POST_PATH=${BENCH_POST_PATH:-/2020/01/01/never-let-me-go/}
SEED_COMMENTS=${BENCH_COMMENTS:-0}

# Targets from the issue.
TARGET_RATIO=0.5   # Quire requests/s ≥ 0.5 × nginx requests/s
TARGET_P99_MS=10   # Quire p99 < 10 ms
TARGET_RSS_MB=60   # Quire resident memory (peak) < 60 MB

usage() {
    echo "usage: bench/post-page.sh [SECONDS] [CONNECTIONS]   (defaults 15 and 64)" >&2
    exit 2
}
[[ $DURATION =~ ^[1-9][0-9]*$ && $CONNECTIONS =~ ^[1-9][0-9]*$ && $THREADS =~ ^[1-9][0-9]*$ ]] || usage
[[ $SEED_COMMENTS =~ ^[0-9]+$ && $POST_PATH == /*/ ]] || usage
((CONNECTIONS >= THREADS)) || { echo "post-page: CONNECTIONS ($CONNECTIONS) must be at least the wrk threads ($THREADS)" >&2; exit 2; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

say() { printf '%s\n' "post-page: $*" >&2; }
die() { say "$*"; exit 1; }
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
db_configure

# ---------------------------------------------------------------------------------------------
# 1. Provision: wrk, nginx, curl; the Quire binary.
# ---------------------------------------------------------------------------------------------
tools=(wrk nginx curl)
[[ $BACKEND == postgres ]] && tools+=(psql)
provision "${tools[@]}"
NGINX=$(find_nginx)
build_quire

# ---------------------------------------------------------------------------------------------
# Scratch space and clean-up, even on failure.
# ---------------------------------------------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/quire-bench.XXXXXX")
QUIRE_PID=
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
    stop "$NGINX_PID" # TERM is nginx's fast shutdown; its workers go with the master
    db_drop
    rm -rf "$TMP"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
# 2. Quire on a free loopback port with a fresh data dir (so the demo loads).
# ---------------------------------------------------------------------------------------------
db_create
say "starting Quire ($QUIRE_BIN) with a fresh data dir$([[ $BACKEND == postgres ]] && echo " on PostgreSQL ($DB_NAME)")"
if ((SEED_COMMENTS > 0)); then
    open_for_load "$TMP/quire-data"
    "$QUIRE_BIN" settings set --data-dir "$TMP/quire-data" "${DB_ARGS[@]}" comment_threads_per_page 0 >/dev/null ||
        die "could not put every comment on one page"
fi
# Behind the load balancer every instance is told the site's public address: nginx's.
SITE_URL=
if ((USE_LB)); then
    LB_PORT=$(free_port)
    SITE_URL=http://127.0.0.1:$LB_PORT
fi
start_instances "$SITE_URL"
# Set-up (seed comments, the snapshot) talks to the first instance; wrk goes to QUIRE, which is
# the load balancer when there is one.
QUIRE=${QUIRE_URLS[0]}
((INSTANCES == 1)) || say "started $INSTANCES instances: ${QUIRE_URLS[*]} (pids ${QUIRE_PIDS[*]})"
say "Quire is ready at $QUIRE (pid $QUIRE_PID)"
if ((SEED_COMMENTS > 0)); then
    say "posting $SEED_COMMENTS comments to $POST_PATH"
    post_comments "$QUIRE" "$POST_PATH" "$SEED_COMMENTS"
fi
SHOWN_COMMENTS=$(curl -sS "$QUIRE$POST_PATH" | grep -c '<li id="comment-' || true)

# ---------------------------------------------------------------------------------------------
# 3. The page's exact bytes into a docroot at the same path; nginx serves them.
# ---------------------------------------------------------------------------------------------
DOCROOT=$TMP/nginx/html
mkdir -p "$DOCROOT$POST_PATH"
PAGE=$DOCROOT${POST_PATH}index.html

# The page carries a comment-form token that Quire signs afresh for each response (time-stamped
# to the second), so the plain and the gzip snapshot are taken together, and again if a second
# boundary fell between them; nginx then serves exactly one of Quire's answers.
fetch_plain() {
    local status
    status=$(curl -sS -o "$PAGE" -D "$TMP/quire.headers" -w '%{http_code}' "$QUIRE$POST_PATH") ||
        die "could not fetch $POST_PATH from Quire"
    [[ $status == 200 ]] || die "Quire answered $status for $POST_PATH (expected 200)"
    [[ -s $PAGE ]] || die "Quire answered an empty page"
    ! grep -qi '^content-encoding:' "$TMP/quire.headers" ||
        die "Quire compressed a response to a request without Accept-Encoding"
}
fetch_gzip() { # succeeds when the gzip answer decompresses to the plain snapshot
    local status
    status=$(curl -sS -o "$PAGE.gz" -D "$TMP/quire-gzip.headers" -H 'Accept-Encoding: gzip' -w '%{http_code}' "$QUIRE$POST_PATH") ||
        die "could not fetch the gzip form of $POST_PATH from Quire"
    [[ $status == 200 ]] && grep -qi '^content-encoding: *gzip' "$TMP/quire-gzip.headers" &&
        gzip -dc "$PAGE.gz" 2>/dev/null | cmp -s - "$PAGE"
}

fetch_plain
GZIP_BYTES=0
if [[ $GZIP_PAIR == 1 ]]; then
    for ((i = 0; ; i++)); do
        if fetch_gzip; then
            GZIP_BYTES=$(wc -c <"$PAGE.gz")
            break
        fi
        if ((i == 4)); then
            say "Quire's gzip answer was not a gzip form of the same page (5 tries); skipping the gzip pair"
            rm -f "$PAGE.gz"
            GZIP_PAIR=0
            break
        fi
        fetch_plain
    done
fi
PAGE_BYTES=$(wc -c <"$PAGE")
if [[ $GZIP_PAIR == 1 ]] && ! "$NGINX" -V 2>&1 | grep -q http_gzip_static_module; then
    say "this nginx has no gzip_static module; skipping the gzip pair"
    rm -f "$PAGE.gz"
    GZIP_PAIR=0
fi
gzip_static=off
[[ $GZIP_PAIR == 1 ]] && gzip_static=on

# nginx's workers may run as an unprivileged user: let them read the docroot.
chmod 755 "$TMP" "$TMP/nginx"
chmod -R a+rX "$DOCROOT"

NGINX_DOCROOT=$DOCROOT
NGINX_GZIP_STATIC=$gzip_static
NGINX_KEEPALIVE=$CONNECTIONS # idle connections to the instances kept per worker: wrk's all fit
NGINX_URL=
for ((attempt = 0; attempt < 3; attempt++)); do
    [[ -z $NGINX_URL ]] || break
    NGINX_PORT=$(free_port)
    start_nginx # the static server, and the load balancer when there is one (see bench/lib.sh)
    if nginx_answers "http://127.0.0.1:$NGINX_PORT$POST_PATH" &&
        { [[ -z $LB_PORT ]] || nginx_answers "http://127.0.0.1:$LB_PORT/readyz"; }; then
        NGINX_URL=http://127.0.0.1:$NGINX_PORT
    else
        stop "$NGINX_PID"
    fi
done
[[ -n $NGINX_URL ]] || die "nginx did not start"
say "nginx is serving the same bytes at $NGINX_URL (pid $NGINX_PID)"
if ((USE_LB)); then
    QUIRE=http://127.0.0.1:$LB_PORT
    say "nginx balances the $INSTANCES Quire instance(s) at $QUIRE"
fi

curl -sS "$NGINX_URL$POST_PATH" | cmp -s - "$PAGE" || die "nginx does not serve the same bytes as Quire"
if [[ $GZIP_PAIR == 1 ]]; then
    curl -sS -H 'Accept-Encoding: gzip' "$NGINX_URL$POST_PATH" | cmp -s - "$PAGE.gz" ||
        die "nginx does not serve the same gzip bytes as Quire"
fi
header_bytes() { # url [curl args...]: size of the response head
    curl -sS -o /dev/null -w '%{size_header}' "$@"
}
QUIRE_HEAD=$(header_bytes "$QUIRE$POST_PATH")
NGINX_HEAD=$(header_bytes "$NGINX_URL$POST_PATH")

# ---------------------------------------------------------------------------------------------
# 4. Warm up, then measure: nginx first, then Quire; same duration, connections and threads.
# ---------------------------------------------------------------------------------------------
cpu_ticks() { # pid...: user+system clock ticks of these processes
    local total=0 pid fields
    for pid in "$@"; do
        [[ -r /proc/$pid/stat ]] || continue
        fields=$(sed 's/^.*) //' "/proc/$pid/stat") # fields from the 3rd on (comm may hold spaces)
        total=$((total + $(awk '{ print $12 + $13 }' <<<"$fields")))
    done
    echo "$total"
}
nginx_pids() { echo "$NGINX_PID" $(pgrep -P "$NGINX_PID" 2>/dev/null || true); }
TICKS=$(getconf CLK_TCK)

machine_busy_ticks() { # all cores: user+nice+system+irq+softirq+steal since boot
    awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}
children_cpu_ticks() { # sets CHILD_TICKS: CPU of this shell's waited-for children (wrk), from
    # bash's `times`, which must run in this shell (a $(…) subshell would count its own children)
    times >"$TMP/times"
    CHILD_TICKS=$(awk -v hz="$TICKS" 'NR == 2 {
        t = 0
        for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] }
        printf "%d", t * hz + 0.5 }' "$TMP/times")
}
ticks_s() { awk -v t="$1" -v hz="$TICKS" 'BEGIN { printf "%.2f", t / hz }'; }

# run_wrk NAME URL PIDS-FUNCTION [wrk args...]: measures and leaves results in R_<field>
run_wrk() {
    local name=$1 url=$2 pidfn=$3
    shift 3
    local out=$TMP/wrk-$name.txt before after busy0 busy1 wrk0 wrk1
    wrk -t "$THREADS" -c "$CONNECTIONS" -d "${WARMUP}s" "$@" "$url" >/dev/null
    before=$(cpu_ticks $($pidfn))
    busy0=$(machine_busy_ticks)
    children_cpu_ticks
    wrk0=$CHILD_TICKS
    wrk -t "$THREADS" -c "$CONNECTIONS" -d "${DURATION}s" --latency "$@" "$url" >"$out" ||
        die "wrk failed against $name"
    children_cpu_ticks
    wrk1=$CHILD_TICKS
    busy1=$(machine_busy_ticks)
    after=$(cpu_ticks $($pidfn))
    parse_wrk "$out"
    R_cpu_s=$(ticks_s $((after - before)))
    R_wrk_cpu_s=$(ticks_s $((wrk1 - wrk0)))
    # What the rest of the machine used meanwhile: other people's builds and tests show here.
    local other=$(((busy1 - busy0) - (after - before) - (wrk1 - wrk0)))
    ((other >= 0)) || other=0
    R_other_cpu_s=$(ticks_s "$other")
    say "$name: $R_rps req/s, p50 $R_p50 ms, p99 $R_p99 ms"
}

to_ms() { # "1.23ms" | "456.00us" | "1.01s" | "2.00m" -> milliseconds
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000; else if (u != "ms") n = -1
        printf "%.3f", n }'
}

parse_wrk() {
    local f=$1
    R_rps=$(awk '/^Requests\/sec:/ { print $2 }' "$f")
    R_requests=$(awk '/ requests in / { print $1; exit }' "$f")
    R_p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$f")")
    R_p75=$(to_ms "$(awk '$1 == "75%" { print $2 }' "$f")")
    R_p90=$(to_ms "$(awk '$1 == "90%" { print $2 }' "$f")")
    R_p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$f")")
    R_max=$(to_ms "$(awk '$1 == "Latency" && NF >= 4 { print $4; exit }' "$f")")
    R_non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$f")
    R_non2xx=${R_non2xx:-0}
    R_sock=$(awk '/Socket errors:/ { sub(/^.*Socket errors: */, ""); print }' "$f")
    R_sock_total=$(awk '/Socket errors:/ { gsub(/,/, ""); print $4 + $6 + $8 + $10 }' "$f")
    R_sock_total=${R_sock_total:-0}
    [[ -n $R_rps && -n $R_p99 && -n $R_requests ]] || die "could not read wrk's output ($f): $(cat "$f")"
}

save() { # prefix: copies R_* into <prefix>_*
    local p=$1 k
    for k in rps requests p50 p75 p90 p99 max non2xx sock sock_total cpu_s wrk_cpu_s other_cpu_s; do
        printf -v "${p}_$k" '%s' "$(eval "echo \"\$R_$k\"")"
    done
}

quire_pids() { # the instances, and behind a load balancer the nginx in front of them too
    echo "${QUIRE_PIDS[@]}"
    ((USE_LB == 0)) || nginx_pids
}

say "measuring: ${DURATION}s each, $CONNECTIONS connections, $THREADS wrk threads, ${WARMUP}s warm-up each"
run_wrk nginx "$NGINX_URL$POST_PATH" nginx_pids
save N
run_wrk quire "$QUIRE$POST_PATH" quire_pids
save Q

# 5. Resident memory right after the plain run (the targets are judged on this pair), of each
# instance; Q_RSS_KB and Q_HWM_KB are the largest.
memory() {
    local pid
    Q_RSS_KBS=()
    Q_HWM_KBS=()
    Q_RSS_KB=0
    Q_HWM_KB=0
    for pid in "${QUIRE_PIDS[@]}"; do
        Q_RSS_KBS+=("$(status_kb "$pid" VmRSS)")
        Q_HWM_KBS+=("$(status_kb "$pid" VmHWM)")
        ((${Q_RSS_KBS[-1]} <= Q_RSS_KB)) || Q_RSS_KB=${Q_RSS_KBS[-1]}
        ((${Q_HWM_KBS[-1]} <= Q_HWM_KB)) || Q_HWM_KB=${Q_HWM_KBS[-1]}
    done
}
memory

if [[ $GZIP_PAIR == 1 ]]; then
    run_wrk nginx-gzip "$NGINX_URL$POST_PATH" nginx_pids -H 'Accept-Encoding: gzip'
    save NG
    run_wrk quire-gzip "$QUIRE$POST_PATH" quire_pids -H 'Accept-Encoding: gzip'
    save QG
    memory
fi
all_alive || die "Quire died during the run"

# Log lines above INFO written during the run (errors under load show here).
Q_LOG_WARN=$(cat "${QUIRE_LOGS[@]}" | grep -c '"level":"WARN"' || true)
Q_LOG_ERROR=$(cat "${QUIRE_LOGS[@]}" | grep -c '"level":"ERROR"' || true)
Q_LOG_MB=$(awk -v b="$(cat "${QUIRE_LOGS[@]}" | wc -c)" 'BEGIN { printf "%.1f", b / 1048576 }')
# How the load balancer spread the page requests: each instance logs one line per request (unless
# BENCH_RUST_LOG turned that off).
Q_SERVED=()
for log in "${QUIRE_LOGS[@]}"; do
    Q_SERVED+=("$(grep -c "\"message\":\"served\".*\"path\":\"$POST_PATH\"" "$log" || true)")
done

# ---------------------------------------------------------------------------------------------
# 6. Report.
# ---------------------------------------------------------------------------------------------
v() { eval "echo \"\$${1}_$2\""; } # v PREFIX FIELD
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "0" }'; }
verdict() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
    ok = (op == ">=") ? (v >= t) : (v < t); print ok ? "PASS" : "MISS" }'; }
per_k() { awk -v c="$1" -v n="$2" 'BEGIN { if (n > 0) printf "%.3f", c * 1000 / n; else print "0" }'; }

RATIO=$(ratio "$Q_rps" "$N_rps")
# Warn when other processes took more than a tenth of one core, on average, during the runs.
OTHER_CPU=$(awk -v a="$N_other_cpu_s" -v b="$Q_other_cpu_s" -v c="${NG_other_cpu_s:-0}" -v d="${QG_other_cpu_s:-0}" \
    'BEGIN { printf "%.2f", a + b + c + d }')
RUNS=$([[ $GZIP_PAIR == 1 ]] && echo 4 || echo 2)
BUSY_WARNING=$(awk -v o="$OTHER_CPU" -v lim="$(awk -v d="$DURATION" -v r="$RUNS" 'BEGIN { print 0.1 * d * r }')" \
    'BEGIN { if (o > lim) print o }')
Q_RSS_MB=$(mb "$Q_RSS_KB")
Q_HWM_MB=$(mb "$Q_HWM_KB")
V_RATIO=$(verdict "$RATIO" ">=" "$TARGET_RATIO")
V_P99=$(verdict "$Q_p99" "<" "$TARGET_P99_MS")
V_RSS=$(verdict "$Q_HWM_MB" "<" "$TARGET_RSS_MB")
ERRORS=$((Q_non2xx + Q_sock_total))
V_ERRORS=$([[ $ERRORS == 0 ]] && echo PASS || echo MISS)

row() { printf '  %-11s %11s %8s %8s %8s %11s %7s %7s %7s\n' "$@"; }
{
    echo
    echo "Post page $POST_PATH ($SHOWN_COMMENTS comments shown) — wrk, ${DURATION}s, $CONNECTIONS connections, $THREADS threads, loopback"
    echo "  body: $PAGE_BYTES bytes (nginx: one of Quire's answers; Quire: a fresh form token in each); response head: Quire $QUIRE_HEAD bytes, nginx $NGINX_HEAD bytes"
    echo "  machine: $(nproc) cores, load average before the run $LOAD_BEFORE; $("$NGINX" -v 2>&1 | sed 's/^nginx version: //'), $(wrk -v 2>&1 | head -n1 | awk '{print $1, $2}')"
    echo "  Quire: $(backend_label)$( ((USE_LB == 0)) || echo " (round robin, $NGINX_KEEPALIVE idle upstream connections kept per worker)")"
    echo
    row "" "requests/s" "p50 ms" "p99 ms" "max ms" "non-2xx/err" "srv CPU" "wrk CPU" "other"
    for p in N Q NG QG; do
        [[ $p == N || $p == Q || $GZIP_PAIR == 1 ]] || continue
        case $p in N) label=nginx ;; Q) label=Quire ;; NG) label="nginx gzip" ;; QG) label="Quire gzip" ;; esac
        row "$label" "$(v "$p" rps)" "$(v "$p" p50)" "$(v "$p" p99)" "$(v "$p" max)" \
            "$(v "$p" non2xx)/$(v "$p" sock_total)" "$(v "$p" cpu_s)" "$(v "$p" wrk_cpu_s)" "$(v "$p" other_cpu_s)"
    done
    echo "  (CPU columns: CPU-seconds used during the measured run by the server, by wrk, and by everything"
    echo "  else on the machine; out of $((DURATION * $(nproc))) available)"
    if ((USE_LB)); then
        echo "  (Quire's srv CPU: the $INSTANCES instance(s) and the nginx balancing them, which also holds the idle static server)"
    fi
    if [[ $GZIP_PAIR == 1 ]]; then
        echo "  (gzip pair: Accept-Encoding: gzip, $GZIP_BYTES bytes — Quire's own gzip bytes, served by nginx's gzip_static)"
    fi
    echo
    echo "  Quire/nginx requests/s: $RATIO$([[ $GZIP_PAIR == 1 ]] && echo " (gzip pair: $(ratio "$QG_rps" "$NG_rps"))")"
    echo "  Quire CPU per 1000 requests: $(per_k "$Q_cpu_s" "$Q_requests") s; nginx: $(per_k "$N_cpu_s" "$N_requests") s"
    if ((INSTANCES == 1)); then
        echo "  Quire resident memory after the run: $Q_RSS_MB MB (peak $Q_HWM_MB MB)"
    else
        for ((k = 0; k < INSTANCES; k++)); do
            echo "  Quire instance $((k + 1)): resident memory after the run $(mb "${Q_RSS_KBS[k]}") MB (peak $(mb "${Q_HWM_KBS[k]}") MB); page requests logged: ${Q_SERVED[k]}"
        done
    fi
    echo "  Quire log during the run: $Q_LOG_MB MB, $Q_LOG_WARN WARN and $Q_LOG_ERROR ERROR lines"
    echo
    target() { printf '  %-34s %-11s %-11s %s\n' "$@"; }
    target "target" "Quire" "nginx" "verdict"
    target "requests/s >= $TARGET_RATIO x nginx" "$RATIO" "(anchor)" "$V_RATIO"
    target "p99 < $TARGET_P99_MS ms" "$Q_p99 ms" "$N_p99 ms" "$V_P99"
    target "resident memory (peak) < $TARGET_RSS_MB MB" "$Q_HWM_MB MB$( ((INSTANCES == 1)) || echo " (largest)")" "" "$V_RSS"
    target "no non-2xx or socket errors" "$ERRORS" "$((N_non2xx + N_sock_total))" "$V_ERRORS"
    echo
    if [[ -n $BUSY_WARNING ]]; then
        echo "  WARNING: the machine was not idle: $BUSY_WARNING CPU-s went to other processes during the"
        echo "  measured runs (see the 'other' column); figures, p99 above all, are noisier than usual."
    fi
    echo "  Note: wrk, nginx and Quire share this machine's $(nproc) cores, and wrk itself uses CPU; both"
    echo "  servers carry the same handicap, so read the ratio, not the absolute figures."
    echo
} | tee "$TMP/table.txt"

# The same as JSON.
mkdir -p "$ROOT/bench/out"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
JSON=$ROOT/bench/out/post-page-$STAMP.json
jstr() { # JSON string
    local s=$1
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    printf '"%s"' "$s"
}
jrun() { # prefix
    local p=$1 v
    printf '{'
    local first=1 k
    for k in rps requests p50 p75 p90 p99 max non2xx sock_total cpu_s wrk_cpu_s other_cpu_s; do
        v=$(eval "echo \"\$${p}_$k\"")
        ((first)) || printf ', '
        first=0
        case $k in
            p50 | p75 | p90 | p99 | max) printf '"%s_ms": %s' "$k" "$v" ;;
            non2xx) printf '"non_2xx_3xx": %s' "$v" ;;
            sock_total) printf '"socket_errors": %s' "$v" ;;
            *) printf '"%s": %s' "$k" "$v" ;;
        esac
    done
    printf ', "socket_error_detail": %s}' "$(jstr "$(eval "echo \"\$${p}_sock\"")")"
}
{
    echo '{'
    echo "  \"benchmark\": \"post-page\","
    echo "  \"timestamp\": $(jstr "$STAMP"),"
    echo "  \"commit\": $(jstr "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD -- crates themes 2>/dev/null || echo '+dirty')"),"
    echo "  \"path\": $(jstr "$POST_PATH"), \"comments_shown\": $SHOWN_COMMENTS,"
    echo "  \"backend\": $(jstr "$BACKEND"), \"instances\": $INSTANCES, \"load_balancer\": $( ((USE_LB)) && echo '"nginx"' || echo null),"
    echo "  \"tool\": $(jstr "$(wrk -v 2>&1 | head -n1 | awk '{print $1, $2}')"),"
    echo "  \"nginx\": $(jstr "$("$NGINX" -v 2>&1 | sed 's/^nginx version: //')"),"
    echo "  \"duration_s\": $DURATION, \"connections\": $CONNECTIONS, \"threads\": $THREADS, \"warmup_s\": $WARMUP,"
    echo "  \"cores\": $(nproc), \"same_machine_load_generator\": true, \"load_average_before\": $(jstr "$LOAD_BEFORE"),"
    echo "  \"other_processes_cpu_s\": $OTHER_CPU, \"machine_busy_warning\": $([[ -n $BUSY_WARNING ]] && echo true || echo false),"
    echo "  \"body_bytes\": $PAGE_BYTES, \"gzip_bytes\": $GZIP_BYTES,"
    echo "  \"head_bytes\": {\"quire\": $QUIRE_HEAD, \"nginx\": $NGINX_HEAD},"
    echo "  \"nginx_run\": $(jrun N),"
    echo "  \"quire_run\": $(jrun Q),"
    if [[ $GZIP_PAIR == 1 ]]; then
        echo "  \"nginx_gzip_run\": $(jrun NG),"
        echo "  \"quire_gzip_run\": $(jrun QG),"
        echo "  \"ratio_gzip\": $(ratio "$QG_rps" "$NG_rps"),"
    fi
    echo "  \"ratio\": $RATIO,"
    echo "  \"quire_rss_mb\": $Q_RSS_MB, \"quire_peak_rss_mb\": $Q_HWM_MB,"
    printf '  "quire_instances": ['
    for ((k = 0; k < INSTANCES; k++)); do
        ((k == 0)) || printf ', '
        printf '{"rss_mb": %s, "peak_rss_mb": %s, "page_requests_logged": %s}' \
            "$(mb "${Q_RSS_KBS[k]}")" "$(mb "${Q_HWM_KBS[k]}")" "${Q_SERVED[k]}"
    done
    echo '],'
    echo "  \"server_cpu_includes_load_balancer\": $( ((USE_LB)) && echo true || echo false),"
    echo "  \"quire_log\": {\"mb\": $Q_LOG_MB, \"warn_lines\": $Q_LOG_WARN, \"error_lines\": $Q_LOG_ERROR},"
    echo "  \"targets\": {"
    echo "    \"ratio\": {\"min\": $TARGET_RATIO, \"value\": $RATIO, \"verdict\": \"$V_RATIO\"},"
    echo "    \"p99_ms\": {\"max_exclusive\": $TARGET_P99_MS, \"value\": $Q_p99, \"verdict\": \"$V_P99\"},"
    echo "    \"peak_rss_mb\": {\"max_exclusive\": $TARGET_RSS_MB, \"value\": $Q_HWM_MB, \"verdict\": \"$V_RSS\"},"
    echo "    \"errors\": {\"max\": 0, \"value\": $ERRORS, \"verdict\": \"$V_ERRORS\"}"
    echo "  }"
    echo '}'
} >"$JSON"
say "wrote ${JSON#"$ROOT"/}"
