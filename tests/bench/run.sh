#!/usr/bin/env bash
# Runs every benchmark group (tests/bench/<name>/run.sh) and gathers their
# markdown sections into build/bench/results.md and their JSON into
# build/bench/results.json, and draws the groups' side-by-side rows
# (build/bench/NAME.rows.json) in build/bench/chart.svg (tests/bench/
# chart.py; copied to docs/benchmarks.svg).  BENCH=name1,name2 runs only
# those groups.
set -u
build=${1:-build}
out="$build/bench"; mkdir -p "$out"
md="$out/results.md"
{
    echo "# Benchmark results"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- host: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
    echo "- command: make bench"
    echo
} > "$md"
status=0
for script in tests/bench/*/run.sh; do
    name=$(basename "$(dirname "$script")")
    if [ -n "${BENCH:-}" ] && [[ ",$BENCH," != *",$name,"* ]]; then continue; fi
    echo "== bench $name"
    if ! "$script" "$build" | tee "$out/$name.md"; then
        echo "bench $name FAILED" | tee -a "$out/$name.md"; status=1
    fi
    cat "$out/$name.md" >> "$md"; echo >> "$md"
done
python3 - "$out" <<'PY'
import json, glob, os, sys
out = sys.argv[1]
res = {}
for f in sorted(glob.glob(os.path.join(out, '*.json'))):
    if os.path.basename(f) == 'results.json':
        continue
    with open(f) as fh:
        res[os.path.basename(f)[:-5]] = json.load(fh)
with open(os.path.join(out, 'results.json'), 'w') as fh:
    json.dump(res, fh, indent=2)
PY
# The chart of every group's side-by-side rows (BUILD/bench/*.rows.json),
# the latest copy in docs/ for docs/benchmarks.md.
if python3 tests/bench/chart.py "$build" docs/benchmarks.svg; then
    printf '\n![this kernel against the Linux guest](chart.svg)\n' >> "$md"
else
    echo "bench chart FAILED"; status=1
fi
echo "results: $md"
exit $status
