#!/usr/bin/env bash
# Native ABI suite: runs every ABI test app (apps/abi_*/ built into
# build/apps/abi_*.elf) on this Linux host, which defines the expected
# behaviour the guest must reproduce.  Run from the repository root:
#   tests/native/abi.sh [BUILD]
#
# Per app, optional files in its folder:
#   args   one line: the command-line arguments (shell words, no quoting)
#   env    one line: NAME=VALUE words, the whole environment (env -i)
# The boot suite passes the same arguments and environment to the guest.
#
# Prints each check as "ok - native: NAME: check" / "not ok - ..." and keeps
# the bare result lines in BUILD/native/NAME.tap for comparison with the
# guest's.  An app that exits non-zero without a failing check, or prints
# no check at all, counts as one failure.
set -u
build=${1:-build}
mkdir -p "$build/native"
status=0
for dir in apps/abi_*/; do
    name=$(basename "$dir")
    elf="$build/apps/$name.elf"
    if [ ! -x "$elf" ]; then
        echo "not ok - native: $name: $elf not built"
        status=1
        continue
    fi
    args=() env=()
    [ -f "$dir/args" ] && read -r -a args < "$dir/args"
    [ -f "$dir/env" ] && read -r -a env < "$dir/env"
    out=$(timeout 120 env -i "${env[@]}" "$elf" "${args[@]}" 2>&1)
    rc=$?
    printf '%s\n' "$out" | grep -a -E '^(not )?ok ' > "$build/native/$name.tap"
    printf '%s\n' "$out" | sed -e "s/^\(not \)\?ok - /&native: $name: /"
    if [ ! -s "$build/native/$name.tap" ]; then
        echo "not ok - native: $name: no check reported (status $rc)"
        status=1
    elif [ "$rc" -ne 0 ] && ! grep -q '^not ok' "$build/native/$name.tap"; then
        echo "not ok - native: $name: exited with status $rc"
        status=1
    fi
done
exit $status
