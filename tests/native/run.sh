#!/usr/bin/env bash
# Native suite: runs the self-checking static apps (musl + libshim) on the
# host Linux, where libshim's mspace_map binding falls back to mmap, then
# the ABI apps through tests/native/abi.sh (their arguments and
# environment come from apps/abi_*/args and env).  Each
# app prints "ok - name" / "not ok - name" lines; they are passed through
# prefixed with "native: ".  An app that exits non-zero without a "not ok"
# line, or is missing, counts as one failure.
#
# Usage: tests/native/run.sh [BUILD]
# Environment: NATIVE_APPS (space-separated app names, default below),
#              NATIVE_TIMEOUT (seconds per app, default 120).
set -u
build=${1:-build}
apps=${NATIVE_APPS:-malloctest memtour}
timeout=${NATIVE_TIMEOUT:-120}
status=0
for app in $apps; do
    elf="$build/apps/$app.elf"
    if [ ! -x "$elf" ]; then
        echo "not ok - native: $app: $elf not built"
        status=1
        continue
    fi
    out=$(timeout "$timeout" "$elf" 2>&1); rc=$?
    printf '%s\n' "$out" | grep -E '^(not )?ok ' | sed -E 's/^(not )?ok( [0-9]+)? - /&native: /'
    if [ $rc -ne 0 ] && ! printf '%s\n' "$out" | grep -q '^not ok'; then
        printf '%s\n' "$out" | tail -5 | sed 's/^/# /'
        echo "not ok - native: $app: exited with status $rc"
        status=1
    fi
done
if [ -x tests/native/abi.sh ]; then
    tests/native/abi.sh "$build" || status=1
fi
if [ -x tests/native/recipes.sh ]; then
    tests/native/recipes.sh "$build" || status=1
fi
exit $status
