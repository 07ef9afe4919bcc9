#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60), on the stable toolchain.
#   fuzz/run.sh [SECONDS] [TARGET...]
# New inputs go to fuzz/work/<target>/ (not committed); the seed corpus fuzz/corpus/<target>/ and
# the regressions fuzz/regressions/<target>/ are read only. A crash is kept in
# fuzz/artifacts/<target>/; the script goes on with the other targets and exits 1 at the end.
# FUZZ_TARGET_DIR overrides where the instrumented build goes (default fuzz/target).
set -euo pipefail
cd "$(dirname "$0")"

seconds=${1:-60}
shift || true
if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(cargo fuzz list); fi
target_dir=${FUZZ_TARGET_DIR:-target}

command -v cargo-fuzz >/dev/null || { echo "cargo-fuzz is missing: cargo install cargo-fuzz --locked" >&2; exit 2; }
cargo fuzz build --sanitizer none --target-dir "$target_dir"

failed=()
for target in "${targets[@]}"; do
    mkdir -p "work/$target" "regressions/$target"
    echo "== $target: ${seconds}s"
    if ! cargo fuzz run --sanitizer none --target-dir "$target_dir" "$target" \
        "work/$target" "corpus/$target" "regressions/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1; then
        failed+=("$target")
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "crashes in: ${failed[*]} (inputs under fuzz/artifacts/); minimise with" >&2
    echo "  cargo fuzz tmin --sanitizer none TARGET fuzz/artifacts/TARGET/crash-…" >&2
    echo "then copy the input to fuzz/regressions/TARGET/ and fix the code." >&2
    exit 1
fi
echo "no crashes in: ${targets[*]}"
