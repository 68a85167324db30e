#!/usr/bin/env bash
# targets.sh TARGET BINARY: prints, one argument per line, the QEMU command
# that boots kernel TARGET (linux, ours, or floor: the empty kernel of
# floor.S, which ignores BINARY) with the static program BINARY as
# its only application, which prints on the serial console and powers the
# VM off when done.  targets.sh TARGET --image: prints the path of TARGET's
# kernel image (the -kernel file), for its size.  Exit status 3: TARGET
# cannot run apps yet (pending); 2: an error (not built).
#
# Both targets get exactly the same machine (qemu_common below); only the
# kernel and the way the binary is handed to it differ.  Environment:
# BENCH_ACCEL (kvm|tcg, default tcg), BENCH_MEM (MiB, or with a K, M or G
# suffix; default 128),
# BENCH_CPU (default max), BENCH_SMP (default 1), BUILD (default build),
# BENCH_NIC (the -nic value, default none; the network benchmarks give
# user,model=virtio-net-pci,hostfwd=...), BENCH_INITRD_FILES (Linux only:
# PATH=FILE words put in the initramfs too; with BENCH_NIC set, /init is
# tests/bench/net's netinit, which loads the NIC driver of
# build/bench/linux/modules and configures 10.0.2.15/24, and BINARY is
# /app).
set -eu
target=$1 binary=$2
build=${BUILD:-build}
work="$build/bench/guest"

# The machine: identical for every kernel.  No NIC (its option ROM costs
# half a second of firmware time and no benchmark uses it); isa-debug-exit
# lets a kernel without ACPI end QEMU (status = 2*code+1); Linux powers off
# via ACPI.
qemu_common() {
    local mem=${BENCH_MEM:-128}
    [[ $mem == *[KMG] ]] || mem=${mem}M
    printf '%s\n' qemu-system-x86_64 \
        -accel "${BENCH_ACCEL:-tcg}" -cpu "${BENCH_CPU:-max}" \
        -m "$mem" -smp "${BENCH_SMP:-1}" \
        -nographic -no-reboot -nic "${BENCH_NIC:-none}" \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04
}

# Debian's kernel (tests/bench/guest/fetch-linux.sh) with BINARY as /init
# of a one-file initramfs.  panic=-1: if /init dies, Linux reboots and
# -no-reboot ends QEMU instead of leaving it hung.
linux_boot_args() {
    local cpio="$work/$(basename "$1" .elf).cpio"
    local init=$1 files=() m
    mkdir -p "$work"
    # shellcheck disable=SC2206 # PATH=FILE words, none with spaces
    files=(${BENCH_INITRD_FILES:-})
    if [ "${BENCH_NIC:-none}" != none ]; then
        cpio="$work/$(basename "$1" .elf)-net.cpio"
        init=$build/bench/net/netinit
        files+=("app=$1" "m/order=$build/bench/linux/modules/order")
        while read -r m; do
            files+=("m/$m=$build/bench/linux/modules/$m")
        done < "$build/bench/linux/modules/order"
    fi
    tests/bench/guest/mkinitrd.py "$init" "$cpio" "${files[@]}"
    printf '%s\n' -kernel "$build/bench/linux/vmlinuz" -initrd "$cpio" \
        -append "console=ttyS0 quiet panic=-1"
}

# ====================================================================
# THIS KERNEL: the binary embedded in a kernel ELF of its own (build/
# kernels/NAME.elf, built by tests/bench/guest/build.mk through unikernel/
# tests/boot/build.mk's test_kernel: the objects of build/kernel.elf, only the embedded
# program differs), booted by QEMU's PVH loader.  The kernel prints the
# program's stdout on COM1 and ends QEMU through isa-debug-exit when it
# exits.  "quiet" as for Linux: no kernel log lines besides errors.
ours_kernel() {
    echo "$build/kernels/$(basename "$1" .elf).elf"
}
ours_boot_args() {
    local kernel
    kernel=$(ours_kernel "$1")
    if [ ! -f "$kernel" ]; then
        echo "targets.sh: $kernel not built (make bench builds it)" >&2
        return 2
    fi
    printf '%s\n' -kernel "$kernel" -append quiet
}
# The hello kernel: the image issue 10's size target is about.
ours_image() {
    ours_kernel hello
}
# ====================================================================

if [ "$binary" = --image ]; then
    case $target in
    linux) echo "$build/bench/linux/vmlinuz" ;;
    ours) ours_image ;;
    *) echo "targets.sh: unknown target $target" >&2; exit 2 ;;
    esac
    exit
fi
case $target in
floor) args=$(printf '%s\n' -kernel "$build/bench/floor.elf") ;;
linux) args=$(linux_boot_args "$binary") ;;
ours) args=$(ours_boot_args "$binary") || exit $? ;;
*) echo "targets.sh: unknown target $target" >&2; exit 2 ;;
esac
qemu_common
printf '%s\n' "$args"
