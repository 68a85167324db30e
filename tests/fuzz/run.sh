#!/usr/bin/env bash
# Fuzz suite: runs every libFuzzer target in build/fuzz/ for FUZZ_SECONDS
# (default 30) from its seed corpus in tests/fuzz/corpus/<target>/ if any;
# fuzz_mm_huge, the fifth, for two thirds of it (20 s) so that the suite
# grows by 20 s, not 30.
# One test per target: ok when the run ends with no crash, leak or timeout.
set -u
build=${1:-build}
secs=${FUZZ_SECONDS:-30}
for t in "$build"/fuzz/*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    work="$build/fuzz-work/$name"; mkdir -p "$work/corpus"
    seeds=tests/fuzz/corpus/$name; [ -d "$seeds" ] || seeds=
    s=$secs
    [ "$name" = fuzz_mm_huge ] && s=$(( (secs * 2 + 2) / 3 ))
    if "$t" -max_total_time="$s" -timeout=10 -rss_limit_mb=2048 \
         -artifact_prefix="$work/" -print_final_stats=1 "$work/corpus" $seeds \
         > "$work/log" 2>&1; then
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$')
        echo "ok - fuzz $name (${runs:-?} runs in ${s}s)"
    else
        tail -n 40 "$work/log"
        echo "not ok - fuzz $name (crash input in $work/)"
    fi
done
exit 0
