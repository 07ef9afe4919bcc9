# shellcheck shell=bash disable=SC2034
# (SC2034: the variables set here are read by the scripts that source this file.)
# Shared by the benchmarks (sourced, not run): installing the tools, building Quire, free ports,
# stopping processes, the database (SQLite, or a fresh PostgreSQL database), starting one or more
# Quire instances, a private nginx (static server and/or load balancer), opening a fresh site to
# comment load and posting comments to it over HTTP as a browser would.
# Expects `say` and `die` functions, ROOT and (once made) TMP; the caller owns the processes it starts.

# ---------------------------------------------------------------------------------------------
# Tools.
# ---------------------------------------------------------------------------------------------
find_nginx() {
    command -v nginx 2>/dev/null || { [[ -x /usr/sbin/nginx ]] && echo /usr/sbin/nginx; } || true
}

# provision TOOL...: makes sure each tool (wrk, nginx, curl, psql, python3, …) is there; as root
# with apt-get installs the missing ones, otherwise says what is missing and exits 2.
provision() {
    local missing=() pkgs=() tool
    for tool in "$@"; do
        case $tool in
            nginx) [[ -n $(find_nginx) ]] || missing+=(nginx) ;;
            *) command -v "$tool" >/dev/null 2>&1 || missing+=("$tool") ;;
        esac
    done
    ((${#missing[@]})) || return 0
    for tool in "${missing[@]}"; do
        case $tool in
            nginx) pkgs+=(nginx-light) ;;
            psql) pkgs+=(postgresql-client) ;;
            *) pkgs+=("$tool") ;;
        esac
    done
    if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
        say "missing: ${missing[*]}. Install them (Debian: apt-get install ${pkgs[*]}) or run as root with apt-get."
        exit 2
    fi
    say "installing ${pkgs[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt_install() { apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }
    if ! apt_install "${pkgs[@]}" 2>/dev/null; then
        apt-get update -qq >/dev/null
        # nginx-light is gone from newer Debian releases; plain nginx is the same server.
        apt_install "${pkgs[@]}" || apt_install "${pkgs[@]/nginx-light/nginx}" ||
            { say "apt-get could not install ${pkgs[*]}"; exit 2; }
    fi
    # The nginx package may have started the system service on port 80; that one is not ours and
    # is left alone (it is idle and listens elsewhere).
    for tool in "${missing[@]}"; do
        if [[ $tool == nginx ]]; then
            [[ -n $(find_nginx) ]] || { say "nginx is still missing after installing it"; exit 2; }
        else
            command -v "$tool" >/dev/null 2>&1 || { say "$tool is still missing after installing it"; exit 2; }
        fi
    done
}

# build_quire: sets QUIRE_BIN (given, or built with `cargo build --release -p quire`).
build_quire() {
    if [[ -n ${QUIRE_BIN:-} ]]; then
        [[ -x $QUIRE_BIN ]] || { say "QUIRE_BIN=$QUIRE_BIN is not an executable file"; exit 2; }
    else
        command -v cargo >/dev/null 2>&1 || { say "cargo is missing: install a Rust toolchain or set QUIRE_BIN"; exit 2; }
        say "building Quire (cargo build --release -p quire)"
        cargo build --release -p quire >&2 || die "the release build failed"
        target_dir=${CARGO_TARGET_DIR:-}
        if [[ -z $target_dir ]]; then
            target_dir=$(cargo metadata --format-version 1 --no-deps |
                grep -o '"target_directory":"[^"]*"' | head -n1 | sed 's/^"target_directory":"//; s/"$//')
        fi
        [[ $target_dir == /* ]] || target_dir=$ROOT/$target_dir
        QUIRE_BIN=$target_dir/release/quire
        [[ -x $QUIRE_BIN ]] || die "built, but found no binary at $QUIRE_BIN"
    fi
}

stop() { # pid: TERM, wait up to 5 s, then KILL
    local pid=$1 i
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    wait "$pid" 2>/dev/null || true
}

port_is_free() {
    ! ss -Htln "sport = :$1" 2>/dev/null | grep -q . && ! (: <"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
    local port i
    for ((i = 0; i < 200; i++)); do
        port=$((20000 + RANDOM % 40000))
        if port_is_free "$port"; then
            echo "$port"
            return 0
        fi
    done
    die "found no free loopback port"
}


# open_for_load DATA_DIR: site settings that let one loopback client post many comments — no
# first-comment hold, no minimum fill time, rate limits far above the load. Must run before the
# server starts (or within a second of it: the server picks settings up from the database).
open_for_load() {
    local data=$1
    "$QUIRE_BIN" settings set --data-dir "$data" "${DB_ARGS[@]}" comment_policy \
        '{"min_fill_seconds": 0, "hold_first_comment": false}' >/dev/null ||
        die "could not open the comment policy for the load"
    "$QUIRE_BIN" settings set --data-dir "$data" "${DB_ARGS[@]}" comment_rate \
        '{"per_ip": 1e12, "per_subnet": 1e12, "seconds": 1}' >/dev/null ||
        die "could not lift the comment rate limits for the load"
}

# form_of URL PATH: sets FORM_POST_ID and FORM_TOKEN from the post's comment form.
form_of() {
    local page
    page=$(curl -sS "$1$2") || die "could not fetch $2"
    FORM_POST_ID=$(grep -o 'name="comment_post_ID" value="[0-9]*"' <<<"$page" | grep -o '[0-9]*"$' | tr -d '"')
    FORM_TOKEN=$(grep -o 'name="quire_token" value="[^"]*"' <<<"$page" | sed 's/.*value="//; s/"$//')
    [[ -n $FORM_POST_ID && -n $FORM_TOKEN ]] || die "no open comment form on $2"
}

# post_comments URL PATH COUNT: COUNT distinct approved comments on the post at PATH, every
# fourth one a reply to the one before it, so the thread has some depth.
post_comments() {
    local url=$1 path=$2 count=$3 n status parent=0 location
    form_of "$url" "$path"
    for ((n = 1; n <= count; n++)); do
        ((n % 4 == 0)) || parent=0
        location=$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' \
            --data-urlencode "comment_post_ID=$FORM_POST_ID" --data-urlencode "quire_token=$FORM_TOKEN" \
            --data-urlencode "comment_parent=$parent" --data-urlencode "author=Reader $n" \
            --data-urlencode "email=reader$n@example.org" \
            --data-urlencode "comment=Comment $n: the pillow scene again, and what Tommy's drawings were for." \
            "$url/comments") || die "posting comment $n failed"
        status=${location%% *}
        [[ $status == 303 ]] || die "comment $n was answered $status, not 303"
        parent=${location##*#comment-}
    done
}

# ---------------------------------------------------------------------------------------------
# The database and the instances.
# ---------------------------------------------------------------------------------------------
DB_ARGS=()    # `--database-url URL` for every quire command on PostgreSQL; nothing on SQLite
DB_CREATED=
QUIRE_PIDS=() # every instance, in order; QUIRE_PID is the first
QUIRE_URLS=() # each instance's own address (wrk goes through LB_URL when USE_LB=1)
QUIRE_LOGS=()

# db_configure: reads BENCH_DATABASE_URL, BENCH_INSTANCES and BENCH_LB; sets BACKEND (sqlite or
# postgres), INSTANCES, USE_LB (1: wrk goes through an nginx load balancer) and, on PostgreSQL,
# DB_NAME, DB_URL (a fresh database, made by db_create), DB_ADMIN_URL and DB_SERVER (shown).
# Exits 2 on a bad combination.
db_configure() {
    INSTANCES=${BENCH_INSTANCES:-1}
    [[ $INSTANCES =~ ^[1-9][0-9]?$ ]] || { say "BENCH_INSTANCES must be a number from 1 to 99, not '$INSTANCES'"; exit 2; }
    USE_LB=${BENCH_LB:-}
    [[ -n $USE_LB ]] || USE_LB=$((INSTANCES > 1 ? 1 : 0))
    [[ $USE_LB == 0 || $USE_LB == 1 ]] || { say "BENCH_LB must be 0 or 1, not '$USE_LB'"; exit 2; }
    ((INSTANCES == 1 || USE_LB == 1)) ||
        { say "BENCH_INSTANCES=$INSTANCES needs the load balancer: leave BENCH_LB unset or set it to 1"; exit 2; }
    BACKEND=sqlite
    DB_NAME=
    if [[ -z ${BENCH_DATABASE_URL:-} ]]; then
        if ((INSTANCES > 1)); then
            say "BENCH_INSTANCES=$INSTANCES needs BENCH_DATABASE_URL=postgres://USER@HOST:PORT: several instances share one PostgreSQL database (SQLite is one process's file)"
            exit 2
        fi
        return 0
    fi
    local url=$BENCH_DATABASE_URL query='' scheme rest authority path
    case $url in
        postgres://* | postgresql://*) ;;
        *) say "BENCH_DATABASE_URL must be a PostgreSQL server URL (postgres://USER@HOST:PORT), not '$url'"; exit 2 ;;
    esac
    if [[ $url == *\?* ]]; then
        query="?${url#*\?}"
        url=${url%%\?*}
    fi
    scheme=${url%%://*}
    rest=${url#*://}
    authority=${rest%%/*}
    path=${rest#"$authority"}
    path=${path#/}
    [[ -n $authority ]] || { say "BENCH_DATABASE_URL names no server: '$BENCH_DATABASE_URL'"; exit 2; }
    BACKEND=postgres
    DB_NAME=quire_bench_$$
    DB_SERVER=$scheme://${authority#*@}
    # psql connects to the database the URL names (default: postgres) to create and drop ours.
    DB_ADMIN_URL=$scheme://$authority/${path:-postgres}$query
    DB_URL=$scheme://$authority/$DB_NAME$query
}

# db_create: on PostgreSQL, a fresh database for this run (dropped by db_drop); sets DB_ARGS.
db_create() {
    [[ $BACKEND == postgres ]] || return 0
    psql -X -q -v ON_ERROR_STOP=1 -d "$DB_ADMIN_URL" -c "CREATE DATABASE $DB_NAME" >/dev/null ||
        die "could not create the database $DB_NAME on $DB_SERVER (is PostgreSQL running, and may this user create databases?)"
    DB_CREATED=1
    DB_ARGS=(--database-url "$DB_URL")
    say "created the database $DB_NAME on $DB_SERVER"
}

# db_drop: drops the database db_create made (call after the instances are stopped).
db_drop() {
    [[ -n $DB_CREATED ]] || return 0
    DB_CREATED=
    psql -X -q -d "$DB_ADMIN_URL" -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null 2>&1 ||
        psql -X -q -d "$DB_ADMIN_URL" -c "DROP DATABASE IF EXISTS $DB_NAME" >/dev/null 2>&1 ||
        say "could not drop the database $DB_NAME on $DB_SERVER: drop it by hand"
}

# db_settings: PostgreSQL's fsync and synchronous_commit as "fsync=on synchronous_commit=on".
db_settings() {
    psql -X -q -At -d "$DB_URL" -c "SELECT 'fsync=' || current_setting('fsync') || ' synchronous_commit=' || current_setting('synchronous_commit')" ||
        echo unknown
}

# backend_label: e.g. "SQLite", "PostgreSQL", "PostgreSQL, 2 instances behind nginx".
backend_label() {
    local label=SQLite
    [[ $BACKEND == postgres ]] && label=PostgreSQL
    if ((USE_LB)); then
        label+=", $INSTANCES instance"
        ((INSTANCES == 1)) || label+=s
        label+=" behind nginx"
    fi
    echo "$label"
}

# start_instance K SITE_URL: starts instance K (1, 2, …) on a free loopback port with its own data
# dir ($TMP/quire-data, $TMP/quire-data-2, …; as on its own machine) and log ($TMP/quire.log,
# $TMP/quire-2.log, …), and waits until it is ready. Instance 1 loads the demo into the fresh
# database; the others start with --no-demo on the site it made. SITE_URL empty: its own address.
start_instance() {
    local k=$1 site=$2 suffix='' port url pid i extra=()
    if ((k > 1)); then
        suffix=-$k
        extra=(--no-demo)
    fi
    port=$(free_port)
    url=http://127.0.0.1:$port
    (
        [[ -n ${BENCH_RUST_LOG:-} ]] && export RUST_LOG=$BENCH_RUST_LOG
        exec "$QUIRE_BIN" serve --data-dir "$TMP/quire-data$suffix" "${DB_ARGS[@]}" "${extra[@]}" \
            --bind "127.0.0.1:$port" --site-url "${site:-$url}" </dev/null >"$TMP/quire$suffix.log" 2>&1
    ) &
    pid=$!
    QUIRE_PIDS+=("$pid")
    QUIRE_URLS+=("$url")
    QUIRE_LOGS+=("$TMP/quire$suffix.log")
    QUIRE_PID=${QUIRE_PIDS[0]}
    for ((i = 0; ; i++)); do
        kill -0 "$pid" 2>/dev/null || die "Quire$suffix exited before it was ready"
        [[ $(curl -s -o /dev/null -w '%{http_code}' "$url/readyz" || true) == 200 ]] && break
        ((i < 600)) || die "Quire$suffix was not ready after 60 s"
        sleep 0.1
    done
}

# start_instances SITE_URL: instance 1, then (once it has loaded the demo) the others.
start_instances() {
    local k
    for ((k = 1; k <= INSTANCES; k++)); do
        start_instance "$k" "$1"
    done
}

# stop_instances: every instance, the last one first.
stop_instances() {
    local k
    for ((k = ${#QUIRE_PIDS[@]} - 1; k >= 0; k--)); do
        stop "${QUIRE_PIDS[k]}"
    done
}

# show_logs: the last lines of each instance's log (after a failure).
show_logs() {
    local log
    for log in "${QUIRE_LOGS[@]}"; do
        [[ -s $log ]] || continue
        say "last lines of ${log##*/}:"
        tail -n 15 "$log" >&2 || true
    done
}

# status_kb PID FIELD: a /proc/PID/status figure in kB (VmRSS, VmHWM).
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

# all_alive: fails when an instance has exited.
all_alive() {
    local pid
    for pid in "${QUIRE_PIDS[@]}"; do
        kill -0 "$pid" 2>/dev/null || return 1
    done
}

# ---------------------------------------------------------------------------------------------
# A private nginx in $TMP/nginx (never the system service): a static server and/or a load
# balancer over the instances.
# ---------------------------------------------------------------------------------------------
# nginx_conf: writes $TMP/nginx/nginx.conf. A static server on NGINX_PORT (when set) serving
# NGINX_DOCROOT with gzip_static NGINX_GZIP_STATIC; a load balancer on LB_PORT (when set) over
# QUIRE_URLS, keeping NGINX_KEEPALIVE idle upstream connections per worker.
nginx_conf() {
    local user_line='' temp_paths="client_body_temp_path $TMP/nginx/body;" kind static='' lb='' servers='' url
    [[ $(id -u) == 0 ]] && user_line="user $(id -un) $(id -gn);" # no privilege drop needed for a bench
    # Every temp path compiled in goes to the scratch dir, so nginx needs nothing outside it.
    for kind in proxy fastcgi uwsgi scgi; do
        "$NGINX" -V 2>&1 | grep -q -- "--http-$kind-temp-path" && temp_paths+=" ${kind}_temp_path $TMP/nginx/$kind;"
    done
    if [[ -n ${NGINX_PORT:-} ]]; then
        static="
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $NGINX_DOCROOT;
        index index.html;
        gzip off;
        gzip_static $NGINX_GZIP_STATIC;
        gzip_vary on;
    }"
    fi
    if [[ -n ${LB_PORT:-} ]]; then
        for url in "${QUIRE_URLS[@]}"; do
            servers+="
        server ${url#http://};"
        done
        # As in docs/scaling.md. The page (about 80 KB, more with many comments) fits in the
        # proxy buffers, and nothing is ever spooled to a temp file under load.
        lb="
    upstream quire {$servers
        keepalive ${NGINX_KEEPALIVE:-64};
        keepalive_requests 1000000;
        keepalive_timeout 75s;
    }
    server {
        listen 127.0.0.1:$LB_PORT;
        location / {
            proxy_pass http://quire;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_set_header Host \$http_host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_buffer_size 16k;
            proxy_buffers 64 16k;
            proxy_busy_buffers_size 32k;
            proxy_max_temp_file_size 0;
            proxy_next_upstream error timeout http_503;
        }
    }"
    fi
    cat >"$TMP/nginx/nginx.conf" <<EOF
# Generated by bench/${0##*/} for one run; not the system service.
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
    server_tokens off;$static$lb
}
EOF
}

# start_nginx: writes the configuration (see nginx_conf), checks it and starts nginx; sets NGINX_PID.
start_nginx() {
    mkdir -p "$TMP/nginx/logs"
    nginx_conf
    "$NGINX" -t -q -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx/" -e "$TMP/nginx/error.log" >&2 ||
        die "nginx rejected the generated configuration ($TMP/nginx/nginx.conf)"
    "$NGINX" -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx/" -e "$TMP/nginx/error.log" </dev/null >"$TMP/nginx/stdout.log" 2>&1 &
    NGINX_PID=$!
}

# nginx_answers URL: waits up to 10 s for nginx to answer 200 at URL; fails if it does not, or exits.
nginx_answers() {
    local i
    for ((i = 0; i < 100; i++)); do
        kill -0 "$NGINX_PID" 2>/dev/null || return 1 # e.g. a port was taken meanwhile
        [[ $(curl -s -o /dev/null -w '%{http_code}' "$1" || true) == 200 ]] && return 0
        sleep 0.1
    done
    return 1
}

# start_lb_nginx: nginx with only the load balancer over QUIRE_URLS, on LB_PORT (a free one when
# unset or empty); sets LB_URL.
start_lb_nginx() {
    local attempt given=${LB_PORT:-}
    NGINX=$(find_nginx)
    NGINX_PORT=
    for ((attempt = 0; attempt < 3; attempt++)); do
        LB_PORT=${given:-$(free_port)}
        start_nginx
        if nginx_answers "http://127.0.0.1:$LB_PORT/readyz"; then
            LB_URL=http://127.0.0.1:$LB_PORT
            return 0
        fi
        stop "$NGINX_PID"
        [[ -z $given ]] || break # the instances were told this address: no other will do
    done
    die "nginx did not start as a load balancer on 127.0.0.1:$LB_PORT"
}
