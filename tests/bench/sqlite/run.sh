#!/usr/bin/env bash
# tests/bench/sqlite/run.sh BUILD: speedtest1 --size N (SQLITE_BENCH_SIZE,
# default 20) on a database in / (the Linux guest's initramfs, our
# tmpfs), SQLITE_BENCH_RUNS times (default 3) on each
# kernel; prints the markdown section with speedtest1's own TOTAL (the
# median) and writes BUILD/bench/sqlite.json.  The machine is the guest
# bench's (targets.sh: BENCH_ACCEL, default tcg, BENCH_MEM, ...); the
# arguments go after "--" on each kernel's command line (Linux hands them
# to /init).
set -eu
build=${1:-build}
size=${SQLITE_BENCH_SIZE:-20} runs=${SQLITE_BENCH_RUNS:-3}
bin=$build/bench/sqlite/sqlite-speedtest1.elf
logs=$build/bench/sqlite
mkdir -p "$logs"
declare -A total
for target in linux ours; do
    mapfile -t cmd < <(BUILD=$build tests/bench/guest/targets.sh "$target" "$bin")
    # the -append value: the same arguments for both kernels
    for i in "${!cmd[@]}"; do
        [ "${cmd[$i]}" = -append ] && cmd[$((i + 1))]+=" -- --size $size sp.db"
    done
    times=()
    for run in $(seq "$runs"); do
        log=$logs/$target-$run.log
        timeout 600 "${cmd[@]}" < /dev/null > "$log" 2>&1 || true
        t=$(tr -d '\r' < "$log" | sed -n 's/^ *TOTAL\.*  *\([0-9.]*\)s$/\1/p' | tail -1)
        [ -n "$t" ] || { echo "sqlite bench: $target run $run: no TOTAL line ($log)" >&2; exit 1; }
        times+=("$t")
    done
    total[$target]=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
    echo "sqlite bench: $target: ${times[*]} s" >&2
done
ratio=$(awk -v l="${total[linux]}" -v o="${total[ours]}" 'BEGIN { printf "%.2f", l / o }')
cat <<MD
## sqlite: speedtest1

speedtest1 --size $size (Debian's sqlite3 3.40, apps/sqlite/recipe), the
same static binary with our malloc (libshim), its database in the root
file system; speedtest1's own TOTAL, median of $runs runs, under
${BENCH_ACCEL:-tcg}.  Ratio: Linux's time over ours (above 1: we are faster).

| benchmark | Linux guest | this kernel | ratio |
| --- | ---: | ---: | ---: |
| speedtest1 --size $size total (s) | ${total[linux]} | ${total[ours]} | $ratio |
MD
cat > "$build/bench/sqlite.json" <<JSON
{"size": $size, "runs": $runs, "accel": "${BENCH_ACCEL:-tcg}",
 "linux_total_s": ${total[linux]}, "ours_total_s": ${total[ours]}, "ratio": $ratio}
JSON
