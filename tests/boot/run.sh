#!/usr/bin/env bash
# Boot suite: boots every case of tests/boot/cases (then tests/boot/*.cases,
# same format) in QEMU (images/qemu.sh,
# under a timeout), checks the serial output and the exit status, then runs
# the build checks (a broken Multiboot2 header, a kernel too large).
# Prints "ok - boot: NAME" / "not ok - boot: NAME" per test (details as
# '#' lines before a failure) and "N passed, N failed" at the end.
#
# Usage: tests/boot/run.sh [BUILD] [NAME-REGEX]
# Environment: BOOT_ACCEL (tcg; KVM is opt-in: BOOT_ACCEL=kvm),
#              BOOT_TIMEOUT_SCALE (multiplies the timeouts, default 1).
set -u
build=${1:-build}
only=${2:-}
cases=tests/boot/cases
out=$build/boot-tests
mkdir -p "$out"
export ACCEL=${BOOT_ACCEL:-tcg} VARS_DIR=$out
scale=${BOOT_TIMEOUT_SCALE:-1}
passed=0 failed=0

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; printf '%s' "${s%"${s##*[![:space:]]}"}"; }

report() { # report NAME OK DETAILS-FILE
    if [ "$2" = 1 ]; then
        echo "ok - boot: $1"
        passed=$((passed + 1))
    else
        sed 's/^/# /' "$3"
        echo "not ok - boot: $1"
        failed=$((failed + 1))
    fi
}

to_kib() { # 128M, 2G, 65536K -> KiB
    local n=${1%[KkMmGg]}
    case $1 in
        *[Kk]) echo "$n" ;;
        *[Gg]) echo $((n * 1024 * 1024)) ;;
        *)     echo $((n * 1024)) ;;
    esac
}

# Checks a KiB total printed by the kernel against -m: the line matching
# SED-REGEX (its \1 is the KiB), EXTRA-KIB of slack besides the firmware's.
check_total() { # LOG MEM SED-REGEX EXTRA-KIB
    local usable installed slack
    usable=$(sed -n "s/$3/\\1/p" "$1" | head -1)
    installed=$(to_kib "$2")
    slack=$((8192 + installed / 50 + $4))
    [ -n "$usable" ] || { echo "no line matching '$3'"; return 1; }
    if [ "$usable" -gt "$installed" ] || [ "$usable" -lt $((installed - slack)) ]; then
        echo "usable $usable KiB does not match -m $2 ($installed KiB, slack $slack KiB)"
        return 1
    fi
}

# Compares the guest's result lines with those the same binary printed on
# Linux (tests/native/abi.sh wrote BUILD/native/NAME.tap), addresses aside.
check_native() { # LOG NAME
    local tap=$build/native/$2.tap
    [ -s "$tap" ] || { echo "no native results $tap (run tests/native/abi.sh)"; return 1; }
    diff <(sed 's/0x[0-9a-fA-F]*/0x/g' "$tap") \
         <(grep -aE '^(not )?ok ' "$1" | sed 's/0x[0-9a-fA-F]*/0x/g') > "$out/$2.native.diff" ||
        { echo "results differ from native (< Linux, > guest):"; cat "$out/$2.native.diff"; }
}

# The image a case boots: the kernel, the default ISO or a variant ISO, or
# for FIRMWARE-FORMAT-BUS modes the default or a variant image of FORMAT.
case_image() { # NAME MODE CMDLINE
    if [ "$2" = pvh ]; then
        echo "$build/kernel.elf"
    elif [ "${2%%:*}" = pvh ]; then   # pvh:FILE, FILE relative to BUILD
        echo "$build/${2#pvh:}"
    elif [[ $2 =~ ^(bios|uefi)-[a-z0-9]+-[a-z]+$ ]]; then   # FIRMWARE-FORMAT-BUS
        images/test-image.sh "$(cut -d- -f2 <<< "$2")" "$build" "$out" "$1" "$3"
    elif [ -z "$3" ]; then
        ls "$build"/images/*.iso 2>/dev/null | head -1
    else
        images/mkiso.sh "$build/kernel.elf" "$out/$1.iso" "$3" >&2 && echo "$out/$1.iso"
    fi
}

run_case() { # NAME MODE MEM CMDLINE EXIT EXPECT FORBID
    local name=$1 mode=$2 mem=$3 cmdline=$4 want=$5 expect=$6 forbid=$7
    local log=$out/$name.log notes=$out/$name.notes limit image status
    : > "$notes"
    case $mode in
        pvh)    limit=30 ;;
        pvh:*)  limit=120 ;;  # an application's own work, under TCG
        bios-*) limit=90 ;;
        *)      limit=180 ;;   # OVMF + GRUB under TCG: 10-30 s usually
    esac
    image=$(case_image "$name" "$mode" "$cmdline")
    if [ -z "$image" ] || [ ! -f "$image" ]; then
        echo "no image for mode $mode (run make all)" >> "$notes"
        report "$name" 0 "$notes"
        return
    fi
    MEM=$mem QEMU_EXTRA=${QEMU_EXTRA:-} images/qemu.sh -t $((limit * scale)) "${mode%%:*}" "$image" "$cmdline" \
        < /dev/null 2>&1 | tr -d '\r' > "$log"
    status=${PIPESTATUS[0]}
    [ "$status" = "$want" ] || echo "exit status $status, expected $want" >> "$notes"
    local pat
    if [ "$expect" != - ]; then
        while IFS= read -r pat; do
            [ -n "$pat" ] || continue
            if [ "$pat" = @mem-total ]; then
                check_total "$log" "$mem" '.*memory: usable \([0-9]*\) KiB.*' 0 >> "$notes"
            elif [ "$pat" = @ram-total ]; then
                check_total "$log" "$mem" '.*ram: [0-9]* frames managed (\([0-9]*\) KiB).*' 4096 >> "$notes"
            elif [[ $pat == @native=* ]]; then
                check_native "$log" "${pat#@native=}" >> "$notes"
            elif ! grep -Eq -- "$pat" "$log"; then
                echo "missing: $pat" >> "$notes"
            fi
        done <<< "${expect// && /$'\n'}"
    fi
    if [ "$forbid" != - ]; then
        while IFS= read -r pat; do
            [ -n "$pat" ] || continue
            grep -Eq -- "$pat" "$log" && echo "present but forbidden: $pat" >> "$notes"
        done <<< "${forbid// && /$'\n'}"
    fi
    if [ -s "$notes" ]; then
        echo "serial output ($log), last lines:" >> "$notes"
        tail -n 15 "$log" >> "$notes"
        report "$name" 0 "$notes"
    else
        report "$name" 1 "$notes"
    fi
}

while IFS='|' read -r name mode mem cmdline want expect forbid; do
    name=$(trim "$name")
    case $name in ''|'#'*) continue ;; esac
    [ -z "$only" ] || [[ $name =~ $only ]] || continue
    cmdline=$(trim "$cmdline")
    [ "$cmdline" = - ] && cmdline=
    read -r mode extra <<< "$mode"   # words after the mode: QEMU arguments
    debug_exit=yes                   # but no-debug-exit: a VM without it
    if [[ " $extra " == *" no-debug-exit "* ]]; then
        debug_exit=no extra=$(sed 's/\(^\| \)no-debug-exit\( \|$\)/ /' <<< "$extra")
    fi
    DEBUG_EXIT=$debug_exit QEMU_EXTRA=$extra run_case "$name" "$mode" "$(trim "$mem")" "$cmdline" \
        "$(trim "$want")" "$(trim "$expect")" "$(trim "$forbid")"
done < <(cat "$cases" tests/boot/*.cases)

# ---- build checks: a bad image must fail the build with a clear message --
build_check() { # NAME EXPECTED-MESSAGE COMMAND...
    local name=$1 msg=$2 notes=$out/$1.notes
    shift 2
    [ -z "$only" ] || [[ $name =~ $only ]] || return 0
    if "$@" > "$notes" 2>&1; then
        echo "the check accepted a bad image" >> "$notes"
        report "$name" 0 "$notes"
    elif grep -q -- "$msg" "$notes"; then
        report "$name" 1 "$notes"
    else
        echo "no message '$msg'" >> "$notes"
        report "$name" 0 "$notes"
    fi
}

# A copy of the kernel whose Multiboot2 checksum is off by one.
bad=$out/kernel-bad-mb2.elf
cp "$build/kernel.elf" "$bad"
off=$(od -A d -t x4 -v -w4 -N 32768 "$bad" | awk '$2 == "e85250d6" { print $1; exit }')
[ -z "$off" ] || off=$((10#$off))
if [ -n "$off" ]; then
    sum=$(od -A n -t u4 -j $((off + 12)) -N 4 "$bad" | tr -d ' ')
    printf "$(printf '\\x%02x' $(((sum + 1) & 255)))" |
        dd of="$bad" bs=1 seek=$((off + 12)) conv=notrunc status=none
fi
build_check build-rejects-bad-mb2-checksum "checksum is wrong" \
    arch/x86_64/check-image.sh "$bad" 16777216
# The real build, in a scratch build directory, with a tiny size limit.
build_check build-rejects-oversized-kernel "kernel too large for the loader" \
    make --no-print-directory BUILD="$out/tiny" KERNEL_MAX_SIZE=65536 "$out/tiny/kernel.elf"
# A copy whose Multiboot2 magic is erased.
none=$out/kernel-no-mb2.elf
cp "$build/kernel.elf" "$none"
[ -z "$off" ] || dd if=/dev/zero of="$none" bs=1 seek="$off" count=4 conv=notrunc status=none
build_check build-rejects-missing-mb2 "no Multiboot2 header" \
    arch/x86_64/check-image.sh "$none" 16777216
# A copy whose first program header (the boot segment) says RWE (p_flags
# of phdr 0 at e_phoff 64 + 4): W^X holds from the file on.
rwe=$out/kernel-rwe.elf
cp "$build/kernel.elf" "$rwe"
printf '\007' | dd of="$rwe" bs=1 seek=68 conv=notrunc status=none
build_check build-rejects-writable-exec-segment "writable and executable" \
    arch/x86_64/check-image.sh "$rwe" 16777216

# The application's build checks (a malformed ELF refused by elfcheck).
. tests/boot/app-checks.sh

# The image recipes' own checks (GCE tarball, disk layout, make debug).
. tests/boot/image-checks.sh

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
