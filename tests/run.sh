#!/usr/bin/env bash
# Runs every test suite and prints one closing line "N passed, N failed".
#
# A suite is tests/<name>/run.sh (layers, unit, fuzz, native, boot, in that order); it prints TAP-style lines, one per test:
#   ok - <name>          a test that passed
#   not ok - <name>      a test that failed (details on the lines before)
# A suite that exits non-zero without reporting a failure counts one failure.
# The terminal shows each suite folded (tests/summary.awk: passing tests one
# line per group, failures in full with their details); the whole output is
# in BUILD/test-SUITE.log and BUILD/test.log.
set -u
build=${1:-build}
mkdir -p "$build"
log="$build/test.log"
: > "$log"
passed=0 failed=0
for suite in layers unit fuzz native boot; do
    script="tests/$suite/run.sh"
    [ -x "$script" ] || continue
    echo "== suite $suite"
    out="$build/test-$suite.log"
    "$script" "$build" 2>&1 | tee "$out" |
        awk -v pack=$([ "$suite" = boot ] && echo 1 || echo 0) -f tests/summary.awk
    status=${PIPESTATUS[0]}
    p=$(grep -c '^ok ' "$out")
    f=$(grep -c '^not ok ' "$out")
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "not ok - suite $suite exited with status $status" | tee -a "$out"
        f=1
    fi
    cat "$out" >> "$log"
    echo "== suite $suite: $p passed, $f failed"
    passed=$((passed + p)) failed=$((failed + f))
done
echo
if [ "$failed" -ne 0 ]; then
    echo "failed tests:"
    grep -h '^not ok ' "$build"/test-*.log | sed 's/^/  /'
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
