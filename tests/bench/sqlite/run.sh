#!/usr/bin/env bash
# tests/bench/sqlite/run.sh BUILD: speedtest1 --size N (SQLITE_BENCH_SIZE,
# default 20) on a database in / (the Linux guest's initramfs, our tmpfs),
# SQLITE_BENCH_RUNS rounds (default 3) alternating the kernels and the
# binaries (with our malloc and with musl's); prints the markdown section
# with speedtest1's own TOTAL (the median) and writes BUILD/bench/sqlite.json.  The machine
# is the guest bench's (targets.sh: BENCH_ACCEL, default tcg, BENCH_MEM,
# ...); the arguments go after "--" on each kernel's command line (Linux
# hands them to /init).
set -eu
build=${1:-build}
size=${SQLITE_BENCH_SIZE:-20} runs=${SQLITE_BENCH_RUNS:-3}
logs=$build/bench/sqlite
mkdir -p "$logs"
declare -A total cmds times
# The rounds alternate the four (kernel, malloc) pairs, as the network
# groups alternate their kernels: a change of the host's load (2 shared
# cores) then hits every pair alike instead of one pair's runs.
for malloc in shim musl; do
    bin=$logs/sqlite-speedtest1.elf
    [ $malloc = musl ] && bin=$logs/sqlite-speedtest1-musl.elf
    for target in linux ours; do
        mapfile -t cmd < <(BUILD=$build tests/bench/guest/targets.sh "$target" "$bin")
        # the -append value: the same arguments for both kernels
        for i in "${!cmd[@]}"; do
            [ "${cmd[$i]}" = -append ] && cmd[$((i + 1))]+=" -- --size $size sp.db"
        done
        cmds[$target-$malloc]=$(printf '%s\n' "${cmd[@]}")
        times[$target-$malloc]=
    done
done
for run in $(seq "$runs"); do
    for pair in linux-shim ours-shim linux-musl ours-musl; do
        mapfile -t cmd <<< "${cmds[$pair]}"
        log=$logs/${pair%-*}-${pair#*-}-$run.log
        timeout 600 "${cmd[@]}" < /dev/null > "$log" 2>&1 || true
        t=$(tr -d '\r' < "$log" | sed -n 's/^ *TOTAL\.*  *\([0-9.]*\)s$/\1/p' | tail -1)
        [ -n "$t" ] || { echo "sqlite bench: $pair run $run: no TOTAL line ($log)" >&2; exit 1; }
        times[$pair]+=" $t"
    done
done
for pair in linux-shim ours-shim linux-musl ours-musl; do
    total[$pair]=$(printf '%s\n' ${times[$pair]} | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
    echo "sqlite bench: ${pair%-*}, ${pair#*-} malloc:${times[$pair]} s" >&2
done
ratio() { awk -v l="$1" -v o="$2" 'BEGIN { printf "%.2f", l / o }'; }
cat <<MD
## sqlite: speedtest1

speedtest1 --size $size (Debian's sqlite3 3.40, apps/sqlite/recipe), the
same static binaries on both kernels, its database in /; speedtest1's own
TOTAL in seconds, median of $runs runs, under ${BENCH_ACCEL:-tcg}.  Ratio:
Linux's time over ours (above 1: we are faster).

| benchmark | Linux guest | this kernel | ratio |
| --- | ---: | ---: | ---: |
| speedtest1 --size $size, our malloc (libshim) | ${total[linux-shim]} | ${total[ours-shim]} | $(ratio "${total[linux-shim]}" "${total[ours-shim]}") |
| speedtest1 --size $size, musl's malloc | ${total[linux-musl]} | ${total[ours-musl]} | $(ratio "${total[linux-musl]}" "${total[ours-musl]}") |
MD
cat > "$build/bench/sqlite.json" <<JSON
{"size": $size, "runs": $runs, "accel": "${BENCH_ACCEL:-tcg}",
 "linux_shim_s": ${total[linux-shim]}, "ours_shim_s": ${total[ours-shim]},
 "linux_musl_s": ${total[linux-musl]}, "ours_musl_s": ${total[ours-musl]}}
JSON
# The chart's rows (tests/bench/chart.py): seconds, lower is better.
cat > "$build/bench/sqlite.rows.json" <<JSON
[{"label": "sqlite speedtest1 --size $size, our malloc", "unit": "s",
  "linux": ${total[linux-shim]}, "ours": ${total[ours-shim]}, "higher_is_better": false},
 {"label": "sqlite speedtest1 --size $size, musl's malloc", "unit": "s",
  "linux": ${total[linux-musl]}, "ours": ${total[ours-musl]}, "higher_is_better": false}]
JSON
