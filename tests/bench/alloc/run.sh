#!/usr/bin/env bash
# Allocator benchmark: the workloads of bench.c run by each allocator's
# binary (built by tests/bench/alloc/build.mk), interleaved and repeated
# ALLOC_REPS times (default 7), one fresh process per run.  Prints a
# markdown table (median CPU time, spread = (max - min) / median, and the
# ratio to libshim: > 1 means slower than libshim), then the median peak
# RSS of each, and writes BUILD/bench/alloc.json.  Fails if a binary fails or if the allocators
# disagree on a workload's checksum.
set -u
build=${1:-build}
dir="$build/bench/alloc"
reps=${ALLOC_REPS:-7}
allocs="shim musl glibc jemalloc mimalloc"
workloads="churn mixed growth larson large"
raw="$dir/raw.txt"
: > "$raw"
for a in $allocs; do
    [ -x "$dir/$a.elf" ] || { echo "alloc: $dir/$a.elf not built"; exit 1; }
done
for ((r = 1; r <= reps; r++)); do
    for w in $workloads; do
        for a in $allocs; do
            line=$("$dir/$a.elf" "$w") || { echo "alloc: $a $w failed"; exit 1; }
            echo "$a $line" >> "$raw"
        done
    done
done
python3 - "$raw" "$build/bench/alloc.json" "$reps" <<'PY'
import json, statistics, sys
raw, out, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
allocs = ["shim", "musl", "glibc", "jemalloc", "mimalloc"]
labels = {"shim": "musl+libshim", "musl": "musl (mallocng)", "glibc": "glibc",
          "jemalloc": "jemalloc", "mimalloc": "mimalloc"}
workloads = ["churn", "mixed", "growth", "larson", "large"]
about = {"churn": "small-object churn, 16-128 B",
         "mixed": "mixed sizes 16 B-64 KiB",
         "growth": "realloc growth to 64 KiB / 4 MiB",
         "larson": "larson-like producer/consumer, 1 thread",
         "large": "large blocks 64 KiB-4 MiB"}
times, sums, rss = {}, {}, {}
for line in open(raw):
    a, w, ns, s, kb = line.split()
    times.setdefault(w, {}).setdefault(a, []).append(int(ns))
    rss.setdefault(w, {}).setdefault(a, []).append(int(kb))
    sums.setdefault(w, set()).add(s)
res, ok = {}, True
for w in workloads:
    if len(sums[w]) != 1:
        ok = False
    res[w] = {}
    for a in allocs:
        t = times[w][a]
        med = statistics.median(t)
        res[w][a] = {"median_ms": med / 1e6, "min_ms": min(t) / 1e6,
                     "max_ms": max(t) / 1e6, "spread": (max(t) - min(t)) / med,
                     "peak_rss_kib": statistics.median(rss[w][a])}
    base = res[w]["shim"]["median_ms"]
    for a in allocs:
        res[w][a]["ratio_to_shim"] = res[w][a]["median_ms"] / base
    res[w]["checksum_agrees"] = len(sums[w]) == 1
print(f"### Allocators ({reps} runs each, median CPU ms, spread, ratio to musl+libshim)")
print()
print("| workload | " + " | ".join(labels[a] for a in allocs) + " |")
print("|---|" + "---|" * len(allocs))
for w in workloads:
    cells = []
    for a in allocs:
        r = res[w][a]
        cells.append(f"{r['median_ms']:.1f} ±{100 * r['spread']:.0f}% ({r['ratio_to_shim']:.2f}x)")
    flag = "" if res[w]["checksum_agrees"] else " **CHECKSUM MISMATCH**"
    print(f"| {w}: {about[w]}{flag} | " + " | ".join(cells) + " |")
print()
print("Peak RSS (MiB, median):")
print()
print("| workload | " + " | ".join(labels[a] for a in allocs) + " |")
print("|---|" + "---|" * len(allocs))
for w in workloads:
    print(f"| {w} | " + " | ".join(f"{res[w][a]['peak_rss_kib'] / 1024:.1f}" for a in allocs) + " |")
print()
targets = [("musl", "faster than musl's malloc by a wide margin (>= 2x)", lambda r: r >= 2.0),
           ("glibc", "at least as fast as glibc (>= 1.00x)", lambda r: r >= 1.0),
           ("mimalloc", "within 1.25x of mimalloc (>= 0.80x)", lambda r: r >= 0.8)]
for a, text, good in targets:
    missed = [f"{w} ({res[w][a]['ratio_to_shim']:.2f}x)" for w in workloads
              if not good(res[w][a]["ratio_to_shim"])]
    print(f"- target {text}: " + ("met on every workload" if not missed
                                   else "missed on " + ", ".join(missed)))
with open(out, "w") as fh:
    json.dump({"reps": reps, "unit": "CPU ms", "workloads": res}, fh, indent=2)
sys.exit(0 if ok else 1)
PY
