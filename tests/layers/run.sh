#!/usr/bin/env bash
# Layers suite: the dependency rules between the tree's rooms, checked on
# what the compiler really included (the -MMD files the build leaves beside
# each object), not on what the sources seem to say.  docs/architecture.md
# draws the layers; RULES below is the table it describes.
#
# Usage: tests/layers/run.sh [BUILD]
# One TAP line per layer: "ok - layers: ROOM" when every project header
# included by every source of ROOM lies under one of the allowed prefixes.
set -u
build=${1:-build}

# room       the prefixes its sources may include (space separated; a
#            prefix ending in / is a directory, else one file)
RULES='
lib/        lib/ arch/console.h arch/cpu.h
mm/         mm/ arch/mmu.h arch/cpu.h lib/
arch/       arch/ mm/ lib/ abi/
drivers/    drivers/ net/netdev.h arch/pci.h arch/mmu.h arch/cpu.h arch/console.h arch/clock.h mm/ lib/ abi/
net/        net/ unikernel/ arch/ mm/ lib/ abi/ LWIP_INCLUDE
libc-shim/  libc-shim/ abi/
apps/       apps/include/ libc-shim/ abi/
'
# lib/ is the kernel's C library: it prints through the console and the CPU
# interfaces of arch/ (and calls panic(), declared by its own assert.h).
# mm/ is portable: of arch/ it sees only the two interfaces it is written
# against.  arch/ reaches the core only through arch/upcall.h (the headers
# at the top of arch/ are the interfaces between the port and the rest);
# it implements mm's interface, so it may see mm/.  libc-shim/ and apps/
# see nothing of the kernel but the ABI numbers of abi/.  unikernel/ (the
# core) may include anything.
# drivers/ are the device drivers: they see each other, the NIC interface
# of the stack (net/netdev.h, which they implement), the port's interfaces
# they need (listed: never the port itself, arch/x86_64/), memory, lib/
# and abi/; never the core (unikernel/) nor the stack beyond net/netdev.h.
# net/ is the TCP/IP stack: lwIP's headers (LWIP_INCLUDE: its
# include directory under BUILD/src, never in the repository), the core's
# socket layer, scheduler and tmpfs it plugs into (unikernel/), the port's
# interfaces and memory (the whole of arch/, because the core's task.h
# still reaches arch/x86_64/ headers that the .d files list).
# apps/NAME/ may also include its own folder (checked below).

lwip_version=$(sed -n 's/^LWIP_VERSION *:= *//p' net/build.mk)
RULES=${RULES//LWIP_INCLUDE/${build#./}/src/lwip-$lwip_version/src/include/}
passed=0 failed=0

# deps_of D-FILE: "SOURCE HEADER..." from the first rule of a .d file.
deps_of() {
    awk '{ cont = sub(/\\$/, ""); line = line " " $0 }
         !cont { sub(/^ *[^:]*:/, "", line); print line; exit }' "$1"
}

# allowed HEADER PREFIXES...: 0 when HEADER lies under one of PREFIXES.
allowed() {
    local h=$1 p; shift
    for p in "$@"; do
        case $p in
            */) [[ $h == "$p"* ]] && return 0 ;;
            *)  [[ $h == "$p" ]] && return 0 ;;
        esac
    done
    return 1
}

# check_room ROOM PREFIXES... < list of .d files: prints violations.
check_room() {
    local room=$1 d src h own; shift
    while read -r d; do
        set -- $(deps_of "$d")
        src=${1:-}; shift || true
        [[ $src == "$room"* ]] || continue
        [ -f "$src" ] || continue           # a stale .d of a removed file
        own=
        [[ $room == apps/ ]] && own=$(dirname "$src")/
        for h in "$@"; do
            h=${h#./}
            [[ $h == *..* ]] && h=$(realpath -m --relative-to=. "$h")
            [[ $h == /* ]] && continue      # the toolchain's own headers
            allowed "$h" $PREFIXES $own || echo "$src includes $h"
        done
    done
}

dfiles=$(find "$build/kernel" "$build/kcheck" "$build/apps/obj" "$build/shim" \
              -name '*.d' 2>/dev/null | sort)

# The checker must be able to fail: a made-up dependency file of mm/ that
# includes a core header is reported.
fake=$(mktemp -d)
printf '%s\n' "x.o: mm/page.c mm/page.h unikernel/task.h" > "$fake/x.d"
PREFIXES='mm/ arch/mmu.h arch/cpu.h lib/'
if [ "$(echo "$fake/x.d" | check_room mm/)" = "mm/page.c includes unikernel/task.h" ]; then
    echo "ok - layers: the checker reports a forbidden include"; passed=$((passed + 1))
else
    echo "not ok - layers: the checker reports a forbidden include"; failed=$((failed + 1))
fi
rm -rf "$fake"

if [ -z "$dfiles" ]; then
    echo "# no dependency files under $build: build first (make test-build)"
    echo "not ok - layers: dependency files present"
    exit 1
fi

while read -r room prefixes; do
    [ -n "$room" ] || continue
    PREFIXES=$prefixes
    bad=$(echo "$dfiles" | check_room "$room" | sort -u)
    seen=$(echo "$dfiles" | while read -r d; do set -- $(deps_of "$d"); [[ ${1:-} == "$room"* && -f ${1:-} ]] && echo x; done | wc -l)
    if [ -z "$bad" ] && [ "$seen" -gt 0 ]; then
        echo "ok - layers: $room includes only $prefixes"
        passed=$((passed + 1))
    else
        [ "$seen" -gt 0 ] || echo "# no source of $room was compiled"
        echo "$bad" | sed '/^$/d; s/^/# /'
        echo "not ok - layers: $room includes only $prefixes"
        failed=$((failed + 1))
    fi
done <<< "$RULES"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
