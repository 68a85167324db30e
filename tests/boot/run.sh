#!/usr/bin/env bash
# Boot suite: boots every case of tests/boot/*.cases, then apps/*/test.cases
# (the format and its rules: tests/boot/README.md) in QEMU (images/qemu.sh,
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
out=$build/boot-tests
mkdir -p "$out"
export ACCEL=${BOOT_ACCEL:-tcg} VARS_DIR=$out
scale=${BOOT_TIMEOUT_SCALE:-1}
passed=0 failed=0


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

# Compares the guest's output with what the same program printed on Linux
# (tests/native/recipes.sh wrote BUILD/native/NAME.out): the log's lines
# from the first one equal to the file's first line, as many as it has.
check_output() { # LOG NAME
    local want=$build/native/$2.out
    [ -s "$want" ] || { echo "no native output $want (run tests/native/recipes.sh)"; return 1; }
    local first n
    first=$(head -n 1 "$want") n=$(wc -l < "$want")
    diff "$want" <(grep -aFx -A $((n - 1)) -m 1 -- "$first" "$1") > "$out/$2.output.diff" ||
        { echo "output differs from native (< Linux, > guest):"; head -40 "$out/$2.output.diff"; }
}

# The image a case boots: the kernel, the default ISO or a variant ISO, or
# for FIRMWARE-FORMAT-BUS modes the default or a variant image of FORMAT.
# A variant image holds the case's kernel (case_kernel, BUILD/kernel.elf
# when empty) and its boot module (case_module), both relative to BUILD.
case_image() { # NAME MODE CMDLINE
    local kernel=$build/${case_kernel:-kernel.elf} module=${case_module:+$build/$case_module}
    if [ "${2%%:*}" = pvh ]; then   # pvh or pvh:FILE, FILE relative to BUILD
        echo "$kernel"
    elif [[ $2 =~ ^(bios|uefi)-[a-z0-9]+-[a-z]+$ ]]; then   # FIRMWARE-FORMAT-BUS
        images/test-image.sh "$(cut -d- -f2 <<< "$2")" "$build" "$out" "$1" "$3" \
            ${case_kernel:+"$kernel"} ${module:+"$module"}
    elif [ -z "$3$case_kernel$case_module" ]; then
        ls "$build"/images/*.iso 2>/dev/null | head -1
    else
        images/mkiso.sh "$kernel" "$out/$1.iso" "$3" ${module:+"$module"} >&2 && echo "$out/$1.iso"
    fi
}

# Three free TCP/UDP port numbers of 127.0.0.1 for a case's @PORT1@..@PORT3@.
free_ports() {
    python3 -c 'import socket
ss = [socket.socket() for _ in range(3)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))'
}

# The case's fields with @PORT1@..@PORT3@ replaced by PORT1..PORT3.
with_ports() { # TEXT
    local t=${1//@PORT1@/$PORT1}
    t=${t//@PORT2@/$PORT2}
    printf '%s' "${t//@PORT3@/$PORT3}"
}

# Boots one case and checks it; the case's expect, forbid and check lines
# are the arrays of the same names, its host program the variable host.
run_case() { # NAME MODE MEM CMDLINE EXIT
    local name=$1 mode=$2 mem=$3 cmdline=$4 want=$5
    local log=$out/$name.log notes=$out/$name.notes limit image status
    local host_pid= host_log=$out/$name.host.log
    : > "$notes"
    read -r PORT1 PORT2 PORT3 <<< "$(free_ports)"
    export PORT1 PORT2 PORT3
    cmdline=$(with_ports "$cmdline")
    QEMU_EXTRA=$(with_ports "${QEMU_EXTRA:-}")
    case $mode in
        pvh)    limit=30 ;;
        pvh:*)  limit=120 ;;  # an application's own work, under TCG
        bios-*) limit=90 ;;
        *)      limit=180 ;;   # OVMF + GRUB under TCG: 10-30 s usually
    esac
    image=$(case_image "$name" "$mode" "$cmdline")
    if [ -n "$case_module" ] && [ ! -f "$build/$case_module" ]; then
        echo "no module $build/$case_module (run make test-build)" >> "$notes"
        report "$name" 0 "$notes"
        return
    fi
    if [ -z "$image" ] || [ ! -f "$image" ]; then
        echo "no image for mode $mode (run make all)" >> "$notes"
        report "$name" 0 "$notes"
        return
    fi
    if [ -n "$host" ]; then   # the host's side, beside the guest
        local -a host_cmd
        read -r -a host_cmd <<< "$(with_ports "$host")"
        timeout $((limit * scale)) "${host_cmd[@]}" < /dev/null > "$host_log" 2>&1 &
        host_pid=$!
    fi
    MEM=$mem QEMU_EXTRA=$QEMU_EXTRA MODULE=${case_module:+$build/$case_module} images/qemu.sh -t $((limit * scale)) "${mode%%:*}" "$image" "$cmdline" \
        < /dev/null 2>&1 | tr -d '\r' > "$log"
    status=${PIPESTATUS[0]}
    [ "$status" = "$want" ] || echo "exit status $status, expected $want" >> "$notes"
    if [ -n "$host_pid" ]; then
        local host_status=0
        wait "$host_pid" || host_status=$?
        if [ "$host_status" != 0 ]; then
            echo "host program failed (status $host_status), its output ($host_log):" >> "$notes"
            tail -n 15 "$host_log" >> "$notes"
        fi
    fi
    local pat
    for pat in "${expect[@]}"; do
        grep -Eq -- "$pat" "$log" || echo "missing: $pat" >> "$notes"
    done
    for pat in "${check[@]}"; do
        case $pat in
            mem-total) check_total "$log" "$mem" '.*memory: usable \([0-9]*\) KiB.*' 0 >> "$notes" ;;
            ram-total) check_total "$log" "$mem" '.*ram: [0-9]* frames managed (\([0-9]*\) KiB).*' 4096 >> "$notes" ;;
            native\ *) check_native "$log" "${pat#native }" >> "$notes" ;;
            output\ *) check_output "$log" "${pat#output }" >> "$notes" ;;
        esac
    done
    for pat in "${forbid[@]}"; do
        grep -Eq -- "$pat" "$log" && echo "present but forbidden: $pat" >> "$notes"
    done
    if [ -s "$notes" ]; then
        echo "serial output ($log), last lines:" >> "$notes"
        tail -n 15 "$log" >> "$notes"
        report "$name" 0 "$notes"
    else
        report "$name" 1 "$notes"
    fi
}

# ---- reading the cases (tests/boot/README.md) ---------------------------
declare -A seen=()   # case name -> FILE:LINE of its "case" line

new_case() { # NAME FILE:LINE
    name=$1 where=$2 bad= boot= kernel= module= qemu= debug_exit= mem= cmdline= want= host=
    expect=() forbid=() check=()
    if [[ ! $name =~ ^[A-Za-z0-9._+-]+$ ]]; then
        bad="$where: case name '$name': letters, digits, '.', '_', '+', '-' only"
        name=${name:-$where}
    elif [ -n "${seen[$name]:-}" ]; then
        bad="$where: case name '$name' already used at ${seen[$name]}"
    fi
    seen[$name]=$where
}

# Runs the case read so far (a malformed one is a failure of its own).
end_case() {
    [ -n "$name" ] || return 0
    local n=$name
    name=
    [ -z "$only" ] || [[ $n =~ $only ]] || return 0
    local missing=
    [ -n "$boot" ] || missing+=" boot"
    [ -n "$mem" ] || missing+=" mem"
    [ -n "$want" ] || missing+=" exit"
    [ -n "$bad" ] || [ -z "$missing" ] || bad="$where: no field:$missing"
    [ -n "$bad" ] || [ -z "$kernel$module" ] || [ "$boot" = pvh ] ||
        [[ $boot =~ ^(bios|uefi)-(cd|disk|iso-[a-z]+|raw-[a-z]+|qcow2-[a-z]+)$ ]] ||
        bad="$where: kernel and module are for pvh and the iso, raw and qcow2 modes, not $boot"
    [[ -n $bad || $want =~ ^[0-9]+$ ]] || bad="$where: exit '$want' is not a number"
    if [ -n "$bad" ]; then
        local notes=$out/malformed-case.notes   # the name may not be a file name
        echo "$bad (the format: tests/boot/README.md)" > "$notes"
        report "$n" 0 "$notes"
        return
    fi
    local mode=$boot
    [ "$boot" != pvh ] || mode=$boot${kernel:+:$kernel}
    case_kernel=$kernel case_module=$module DEBUG_EXIT=${debug_exit:-yes} QEMU_EXTRA=$qemu \
        run_case "$n" "$mode" "$mem" "$cmdline" "$want"
}

# set_once FIELD VALUE: a single-valued field, given at most once.
set_once() {
    if [ -n "${!1}" ]; then
        bad=${bad:-"$file:$lineno: $key given twice"}
    else
        printf -v "$1" '%s' "$2"
    fi
}

read_cases() { # FILE
    local file=$1 line key value lineno=0
    name=
    while IFS= read -r -u 3 line || [ -n "$line" ]; do
        lineno=$((lineno + 1))
        [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
        [[ $line =~ ^[[:space:]]*([^[:space:]]+)[[:space:]]*(.*)$ ]]
        key=${BASH_REMATCH[1]} value=${BASH_REMATCH[2]}
        value=${value#"${value%%[![:space:]]*}"}
        value=${value%"${value##*[![:space:]]}"}
        if [ "$key" = case ]; then
            end_case
            new_case "$value" "$file:$lineno"
            continue
        fi
        if [ -z "$name" ]; then
            new_case "$file:$lineno" "$file:$lineno"
            bad="$file:$lineno: '$key' outside a case (a case starts with a 'case NAME' line)"
            continue
        fi
        if [ -z "$value" ]; then
            bad=${bad:-"$file:$lineno: $key without a value"}
            continue
        fi
        case $key in
            boot)       set_once boot "$value" ;;
            kernel)     set_once kernel "$value" ;;
            module)     set_once module "$value" ;;
            qemu)       set_once qemu "$value" ;;
            host)       set_once host "$value" ;;
            debug-exit) case $value in
                            yes|no) set_once debug_exit "$value" ;;
                            *) bad=${bad:-"$file:$lineno: debug-exit is yes or no"} ;;
                        esac ;;
            mem)        set_once mem "$value" ;;
            cmdline)    set_once cmdline "$value" ;;
            exit)       set_once want "$value" ;;
            expect)     expect+=("$value") ;;
            forbid)     forbid+=("$value") ;;
            check)      case $value in
                            mem-total|ram-total|native\ *|output\ *) check+=("$value") ;;
                            *) bad=${bad:-"$file:$lineno: no check '$value'"} ;;
                        esac ;;
            *)          bad=${bad:-"$file:$lineno: no field '$key'"} ;;
        esac
    done 3< "$file"
    end_case
}

for f in tests/boot/*.cases apps/*/test.cases; do
    [ -f "$f" ] && read_cases "$f"
done

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
