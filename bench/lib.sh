# Shared by the benchmarks (sourced, not run): building Quire, free ports, stopping processes,
# opening a fresh site to comment load and posting comments to it over HTTP as a browser would.
# Expects `say` and `die` functions and ROOT; the caller owns the processes it starts.

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
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
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
    "$QUIRE_BIN" settings set --data-dir "$data" comment_policy \
        '{"min_fill_seconds": 0, "hold_first_comment": false}' >/dev/null ||
        die "could not open the comment policy for the load"
    "$QUIRE_BIN" settings set --data-dir "$data" comment_rate \
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
