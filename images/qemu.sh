#!/usr/bin/env bash
# qemu.sh [-t SECONDS] MODE IMAGE [CMDLINE] - boots IMAGE in QEMU with the
# serial console on stdio and isa-debug-exit, and exits with the kernel's
# status (unikernel/include/kernel_exit.h): 0 clean shutdown, 101 panic,
# 102 unsupported CPU, 103 QEMU stopped without a kernel status (triple
# fault, reset, Ctrl-A X), 104 QEMU failed, 124 timeout.
#
# MODE: bios-cd, bios-disk, uefi-cd, uefi-disk (IMAGE is the ISO) or pvh
# (IMAGE is the kernel ELF, booted by qemu -kernel; CMDLINE is passed).
# Environment: MEM (128M), SMP (1), ACCEL (kvm if usable, else tcg),
# OVMF_CODE, OVMF_VARS (the firmware of the uefi modes), VARS_DIR (where
# the writable copy of the UEFI variables goes: build/).
set -uo pipefail
limit=
if [ "${1:-}" = -t ]; then limit=$2; shift 2; fi
mode=${1:?mode}
image=${2:?image}
cmdline=${3:-}
mem=${MEM:-128M}
smp=${SMP:-1}
if [ -z "${ACCEL:-}" ]; then
    if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then ACCEL=kvm; else ACCEL=tcg; fi
fi
ovmf_code=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE.fd}
ovmf_vars=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS.fd}
vars_dir=${VARS_DIR:-build}

args=(-accel "$ACCEL" -m "$mem" -smp "$smp" -display none -no-reboot
      -device isa-debug-exit,iobase=0xf4,iosize=0x04)
if [ -t 0 ]; then
    args+=(-serial mon:stdio)   # interactive: Ctrl-A X quits, Ctrl-A C monitor
else
    args+=(-serial stdio -monitor none)
fi
case $mode in
    pvh)       args+=(-kernel "$image" -append "$cmdline") ;;
    *-cd)      args+=(-drive "file=$image,format=raw,media=cdrom,readonly=on") ;;
    *-disk)    args+=(-drive "file=$image,format=raw,if=ide,snapshot=on") ;;
    *)         echo "qemu.sh: unknown mode '$mode'" >&2; exit 2 ;;
esac
case $mode in
    uefi-*)
        mkdir -p "$vars_dir"
        vars=$(mktemp "$vars_dir/OVMF_VARS.XXXXXX.fd")
        trap 'rm -f "$vars"' EXIT
        cp "$ovmf_vars" "$vars"
        args+=(-drive "if=pflash,format=raw,readonly=on,file=$ovmf_code"
               -drive "if=pflash,format=raw,file=$vars") ;;
esac

if [ -n "$limit" ]; then
    timeout --foreground -k 5 "$limit" qemu-system-x86_64 "${args[@]}"
else
    qemu-system-x86_64 "${args[@]}"
fi
rc=$?
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "qemu.sh: no exit after ${limit}s: timeout" >&2
    exit 124
elif [ "$rc" -eq 0 ]; then
    echo "qemu.sh: QEMU stopped without a kernel exit status (triple fault, reset or Ctrl-A X)" >&2
    exit 103
elif [ "$rc" -ge 3 ] && [ $((rc % 2)) -eq 1 ]; then
    exit $(((rc >> 1) - 1))
fi
echo "qemu.sh: QEMU failed (status $rc)" >&2
exit 104
