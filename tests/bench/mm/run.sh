#!/usr/bin/env bash
# Runs the mm host benchmark: prints its markdown section, writes
# build/bench/mm.json.
set -eu
build=${1:-build}
mkdir -p "$build/bench"
exec "$build/bench/mm/bench_mm" "$build/bench/mm.json"
