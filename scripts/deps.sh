#!/bin/sh
# deps.sh OUTDIR GROUP... - installs the Debian packages the build, the
# tests and the benchmarks need, then makes OUTDIR (scripts/toolpath.py):
# the only commands `make test` and `make bench` may run.
#
# Each GROUP is "NAME|WHY|PACKAGE PACKAGE ..." (the Makefile's DEPS_GROUPS);
# $DEPS, when set, is the Makefile's flat list of the same packages.
# Only missing packages are installed, without recommendations, so that
# what a fresh machine gets is exactly what is listed.  Written for /bin/sh:
# it runs before anything but a minimal Debian is there.
set -eu
outdir=$1
shift
all= missing= report=
for group in "$@"; do
    name=${group%%|*} rest=${group#*|}
    why=${rest%%|*} pkgs=${rest#*|}
    need=
    for p in $pkgs; do
        all="$all $p"
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
            grep -q '^install ok installed' || need="$need $p"
    done
    if [ -n "$need" ]; then
        missing="$missing$need"
        report="$report$(printf '  %-6s %s:%s' "$name" "$why" "$need")
"
    fi
done
# The Makefile's flat DEPS list must name the same packages.
if [ -n "${DEPS:-}" ]; then
    a=$(printf '%s\n' $all | sort -u) b=$(printf '%s\n' $DEPS | sort -u)
    if [ "$a" != "$b" ]; then
        echo "deps: the Makefile's DEPS and DEPS_GROUPS differ:" \
             $(printf '%s\n' "$a" "$b" | sort | uniq -u) >&2
        exit 1
    fi
fi
if [ -n "$missing" ]; then
    count=$(echo $missing | wc -w)
    echo "deps: installing $count Debian packages (apt-get, a few minutes on a fresh machine):"
    printf '%s' "$report"
    if [ "$(id -u)" != 0 ]; then
        echo "deps: run 'make deps' as root, or install them yourself" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing; } \
        > "${TMPDIR:-/tmp}/deps-apt.log" 2>&1 || {
        tail -20 "${TMPDIR:-/tmp}/deps-apt.log" >&2
        echo "deps: apt-get could not install:$missing (log: ${TMPDIR:-/tmp}/deps-apt.log)" >&2
        exit 1
    }
    echo "deps: installed:$missing"
fi
mkdir -p "$(dirname "$outdir")"
python3 "$(dirname "$0")/toolpath.py" "$outdir" $all > /dev/null
