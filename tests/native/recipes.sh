#!/usr/bin/env bash
# Native runs of the third-party applications (apps/NAME/recipe): each
# line of apps/NAME/native, "CASE PROGRAM ARGS..." (ARGS as shell words:
# double quotes group), runs BUILD/apps/NAME/PROGRAM on this Linux host in
# the guest's layout (a scratch directory as "/": tmp/ and the recipe's
# files at their paths) with an empty environment, and keeps what it
# printed in BUILD/native/CASE.out, the expected output of the boot case
# that says `check output CASE` (tests/boot/README.md).  PROGRAM is a path
# relative to BUILD/apps/NAME (`../other.elf`: an app of ours driving the
# recipe's program); @APPDIR@ in ARGS is the absolute BUILD/apps/NAME.
#   tests/native/recipes.sh [BUILD]
set -u
build=${1:-build}
mkdir -p "$build/native"
status=0
for spec in apps/*/native; do
    [ -f "$spec" ] || continue
    dir=${spec%/native} name=${dir#apps/}
    while read -r line; do
        case $line in ''|'#'*) continue ;; esac
        eval "set -- $line"
        tcase=$1 prog=$2; shift 2
        appdir=$(cd "$build/apps/$name" 2>/dev/null && pwd)
        bin=$appdir/$prog
        args=()
        for a in "$@"; do args+=("${a//@APPDIR@/$appdir}"); done
        set -- "${args[@]+"${args[@]}"}"
        if [ ! -x "$bin" ]; then
            echo "not ok - native: $tcase: $build/apps/$name/$prog not built"
            status=1; continue
        fi
        root=$(mktemp -d)
        mkdir -p "$root/tmp" "$root/apps"
        cp -r "$dir" "$root/apps/"
        (cd "$root" && timeout 120 env -i "$bin" "$@") > "$build/native/$tcase.out" 2>&1
        rc=$?
        rm -rf "$root"
        if [ $rc -eq 0 ]; then
            echo "ok - native: $tcase: $prog ran ($(wc -l < "$build/native/$tcase.out") lines)"
        else
            tail -5 "$build/native/$tcase.out" | sed 's/^/# /'
            echo "not ok - native: $tcase: $prog exited with status $rc"
            status=1
        fi
    done < "$spec"
done
exit $status
