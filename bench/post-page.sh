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

# ---------------------------------------------------------------------------------------------
# 1. Provision: wrk, nginx, curl; the Quire binary.
# ---------------------------------------------------------------------------------------------
find_nginx() {
    command -v nginx 2>/dev/null || { [[ -x /usr/sbin/nginx ]] && echo /usr/sbin/nginx; } || true
}

missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
[[ -n $(find_nginx) ]] || missing+=(nginx)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if ((${#missing[@]})); then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        pkgs=()
        for tool in "${missing[@]}"; do
            case $tool in
                nginx) pkgs+=(nginx-light) ;;
                *) pkgs+=("$tool") ;;
            esac
        done
        say "installing ${pkgs[*]} with apt-get"
        export DEBIAN_FRONTEND=noninteractive
        apt_install() { apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }
        if ! apt_install "${pkgs[@]}" 2>/dev/null; then
            apt-get update -qq >/dev/null
            # nginx-light is gone from newer Debian releases; plain nginx is the same server.
            apt_install "${pkgs[@]}" || apt_install "${pkgs[@]/nginx-light/nginx}" ||
                { say "apt-get could not install ${pkgs[*]}"; exit 2; }
        fi
        # The package may have started the system service on port 80; that one is not ours and
        # is left alone (it is idle and listens elsewhere).
    else
        say "missing: ${missing[*]}. Install them (Debian: apt-get install wrk nginx-light curl) or run as root with apt-get."
        exit 2
    fi
fi
NGINX=$(find_nginx)
[[ -n $NGINX ]] || { say "nginx is still missing after installing it"; exit 2; }

build_quire

# ---------------------------------------------------------------------------------------------
# Scratch space and clean-up, even on failure.
# ---------------------------------------------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/quire-bench.XXXXXX")
QUIRE_PID=
NGINX_PID=

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if ((status != 0)) && [[ -s $TMP/quire.log ]]; then
        say "last lines of Quire's log:"
        tail -n 15 "$TMP/quire.log" >&2 || true
    fi
    if ((status != 0)) && [[ -s $TMP/nginx/error.log ]]; then
        say "last lines of nginx's error log:"
        tail -n 15 "$TMP/nginx/error.log" >&2 || true
    fi
    stop "$QUIRE_PID"
    stop "$NGINX_PID" # TERM is nginx's fast shutdown; its workers go with the master
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
say "starting Quire ($QUIRE_BIN) with a fresh data dir"
if ((SEED_COMMENTS > 0)); then
    open_for_load "$TMP/quire-data"
    "$QUIRE_BIN" settings set --data-dir "$TMP/quire-data" comment_threads_per_page 0 >/dev/null ||
        die "could not put every comment on one page"
fi
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
mkdir -p "$DOCROOT$POST_PATH" "$TMP/nginx/logs"
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

start_nginx() {
    NGINX_PORT=$(free_port)
    local user_line=
    [[ $(id -u) == 0 ]] && user_line="user $(id -un) $(id -gn);" # no privilege drop needed for a bench
    # Every temp path compiled in goes to the scratch dir, so nginx needs nothing outside it.
    local temp_paths="client_body_temp_path $TMP/nginx/body;" kind
    for kind in proxy fastcgi uwsgi scgi; do
        "$NGINX" -V 2>&1 | grep -q -- "--http-$kind-temp-path" && temp_paths+=" ${kind}_temp_path $TMP/nginx/$kind;"
    done
    cat >"$TMP/nginx/nginx.conf" <<EOF
# Generated by bench/post-page.sh for one run; not the system service.
daemon off;
$user_line
worker_processes auto;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    # hyper keeps a connection for any number of requests; so does nginx here (its default 1000
    # would make wrk reconnect every 1000 requests on nginx alone).
    keepalive_requests 1000000;
    keepalive_timeout 75s;
    $temp_paths
    types { text/html html; }
    default_type application/octet-stream;
    charset utf-8;
    server_tokens off;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $DOCROOT;
        index index.html;
        gzip off;
        gzip_static $gzip_static;
        gzip_vary on;
    }
}
EOF
    "$NGINX" -t -q -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx/" -e "$TMP/nginx/error.log" >&2 ||
        die "nginx rejected the generated configuration ($TMP/nginx/nginx.conf)"
    "$NGINX" -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx/" -e "$TMP/nginx/error.log" </dev/null >"$TMP/nginx/stdout.log" 2>&1 &
    NGINX_PID=$!
}

NGINX_URL=
for ((attempt = 0; attempt < 3; attempt++)); do
    [[ -z $NGINX_URL ]] || break
    start_nginx
    for ((i = 0; i < 100; i++)); do
        kill -0 "$NGINX_PID" 2>/dev/null || break # e.g. the port was taken meanwhile: try another
        if [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$NGINX_PORT$POST_PATH" || true) == 200 ]]; then
            NGINX_URL=http://127.0.0.1:$NGINX_PORT
            break
        fi
        sleep 0.1
    done
    [[ -n $NGINX_URL ]] || stop "$NGINX_PID"
done
[[ -n $NGINX_URL ]] || die "nginx did not start"
say "nginx is serving the same bytes at $NGINX_URL (pid $NGINX_PID)"

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

quire_pids() { echo "$QUIRE_PID"; }

say "measuring: ${DURATION}s each, $CONNECTIONS connections, $THREADS wrk threads, ${WARMUP}s warm-up each"
run_wrk nginx "$NGINX_URL$POST_PATH" nginx_pids
save N
run_wrk quire "$QUIRE$POST_PATH" quire_pids
save Q

# 5. Resident memory right after the plain run (the targets are judged on this pair).
rss_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
Q_RSS_KB=$(rss_kb "$QUIRE_PID" VmRSS)
Q_HWM_KB=$(rss_kb "$QUIRE_PID" VmHWM)

if [[ $GZIP_PAIR == 1 ]]; then
    run_wrk nginx-gzip "$NGINX_URL$POST_PATH" nginx_pids -H 'Accept-Encoding: gzip'
    save NG
    run_wrk quire-gzip "$QUIRE$POST_PATH" quire_pids -H 'Accept-Encoding: gzip'
    save QG
    Q_RSS_KB=$(rss_kb "$QUIRE_PID" VmRSS)
    Q_HWM_KB=$(rss_kb "$QUIRE_PID" VmHWM)
fi
kill -0 "$QUIRE_PID" 2>/dev/null || die "Quire died during the run"

# Log lines above INFO written during the run (errors under load show here).
Q_LOG_WARN=$(grep -c '"level":"WARN"' "$TMP/quire.log" || true)
Q_LOG_ERROR=$(grep -c '"level":"ERROR"' "$TMP/quire.log" || true)
Q_LOG_MB=$(awk -v b="$(wc -c <"$TMP/quire.log")" 'BEGIN { printf "%.1f", b / 1048576 }')

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
    if [[ $GZIP_PAIR == 1 ]]; then
        echo "  (gzip pair: Accept-Encoding: gzip, $GZIP_BYTES bytes — Quire's own gzip bytes, served by nginx's gzip_static)"
    fi
    echo
    echo "  Quire/nginx requests/s: $RATIO$([[ $GZIP_PAIR == 1 ]] && echo " (gzip pair: $(ratio "$QG_rps" "$NG_rps"))")"
    echo "  Quire CPU per 1000 requests: $(per_k "$Q_cpu_s" "$Q_requests") s; nginx: $(per_k "$N_cpu_s" "$N_requests") s"
    echo "  Quire resident memory after the run: $Q_RSS_MB MB (peak $Q_HWM_MB MB)"
    echo "  Quire log during the run: $Q_LOG_MB MB, $Q_LOG_WARN WARN and $Q_LOG_ERROR ERROR lines"
    echo
    target() { printf '  %-34s %-11s %-11s %s\n' "$@"; }
    target "target" "Quire" "nginx" "verdict"
    target "requests/s >= $TARGET_RATIO x nginx" "$RATIO" "(anchor)" "$V_RATIO"
    target "p99 < $TARGET_P99_MS ms" "$Q_p99 ms" "$N_p99 ms" "$V_P99"
    target "resident memory (peak) < $TARGET_RSS_MB MB" "$Q_HWM_MB MB" "" "$V_RSS"
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
