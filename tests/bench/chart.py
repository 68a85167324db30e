#!/usr/bin/env python3
"""chart.py BUILD [DOCS_SVG]: draws the side-by-side rows of the benchmark
groups (every BUILD/bench/NAME.rows.json, in name order: a list of
{label, unit, linux, ours, higher_is_better}, and an optional short
label for the chart) as one bar pair per row,
the Linux guest at 1 and this kernel at its ratio (above 1: better),
the ratio written over it, with Debian's gnuplot into
BUILD/bench/chart.svg; copies it to DOCS_SVG when given.  A group adds
rows by writing its own NAME.rows.json: nothing here changes."""
import glob
import json
import os
import shutil
import subprocess
import sys


def ratio(r):
    if not r.get("linux") or not r.get("ours"):
        return None
    return (r["ours"] / r["linux"] if r["higher_is_better"]
            else r["linux"] / r["ours"])


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    out = os.path.join(build, "bench")
    rows = []
    for f in sorted(glob.glob(os.path.join(out, "*.rows.json"))):
        with open(f) as fh:
            rows += json.load(fh)
    if not rows:
        print("chart: no rows", file=sys.stderr)
        return 0
    data = os.path.join(out, "chart.dat")
    with open(data, "w") as fh:
        for i, r in enumerate(rows):
            rr = ratio(r)
            label = "%s (%s)" % (r.get("short") or r["label"], r["unit"])
            fh.write('%d "%s" 1 %g "%s"\n' % (
                i, label.replace('"', "'"), rr or 0,
                "%.2fx" % rr if rr else "error"))
    svg = os.path.join(out, "chart.svg")
    width = max(800, 90 * len(rows) + 200)
    script = """
set terminal svg size %d,640 dynamic noenhanced font "sans,11" background "white"
set output '%s'
set title "make bench: this kernel against the Linux guest (same QEMU machine, same binaries)"
set style data histogram
set style histogram cluster gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set xtics rotate by -40 left nomirror font ",9" offset -1,0
set bmargin 15
set rmargin 16
set ylabel "Linux guest = 1; above 1: this kernel is better"
set yrange [0:*]
set grid ytics
set key outside top center horizontal
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb "#d62728"
plot '%s' using 3:xtic(2) title 'Linux guest' lc rgb "#7f7f7f", \\
     '' using 4 title 'this kernel' lc rgb "#1f77b4", \\
     '' using ($1 + 1.0/6):4:5 with labels offset 0,0.8 font ",10" notitle
""" % (width, svg, data)
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    print("chart: %s (%d rows)" % (svg, len(rows)), file=sys.stderr)
    if len(sys.argv) > 2:
        shutil.copy(svg, sys.argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main())
