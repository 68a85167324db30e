#!/usr/bin/env bash
# qemu.sh [-t SECONDS] MODE IMAGE [CMDLINE] - boots IMAGE in QEMU with the
# serial console on stdio and isa-debug-exit, and exits with the kernel's
# status (abi/kernel_exit.h): 0 clean shutdown, 1-100 the
# application's status, 101 panic, 102 unsupported CPU, 103 QEMU stopped
# without a kernel status (triple fault, reset, Ctrl-A X), 104 QEMU failed,
# 105 application killed, 106 bad ELF, 107 application not started,
# 124 timeout.
#
# MODE is pvh (IMAGE is the kernel ELF, booted by qemu -kernel; CMDLINE is
# passed) or FIRMWARE-[FORMAT-]BUS, the image as one drive:
#   FIRMWARE  bios (SeaBIOS) or uefi (OVMF)
#   FORMAT    iso, raw, gce (raw) or qcow2; when absent, qcow2 if IMAGE
#             ends in .qcow2, else raw
#   BUS       cd (IDE CD-ROM), disk or ide (IDE disk), virtio (virtio-blk),
#             scsi (a disk on virtio-scsi, as on Google Compute Engine)
# e.g. bios-cd, uefi-disk, bios-raw-ide, uefi-qcow2-virtio, bios-gce-scsi.
# Disks are opened with snapshot=on: the image file is never written.
#
# Environment: MEM (128M), SMP (1), ACCEL (kvm if /dev/kvm runs the kernel, see
# images/accel.sh, else tcg; -cpu host under kvm), OVMF_CODE, OVMF_VARS
# (the firmware of the uefi modes), VARS_DIR (where the writable copy of the
# UEFI variables goes: build/), SERIAL (QEMU -serial backend instead of
# stdio, e.g. file:PATH), QEMU_EXTRA (more QEMU arguments, split on spaces,
# e.g. '-S -gdb tcp::1234'), DEBUG_EXIT=no (leaves isa-debug-exit out, as
# on a cloud VM: the kernel powers off by ACPI, QEMU exits 0 -> status 103),
# MODULE (pvh: a file QEMU loads as the boot module, -initrd; the images
# carry theirs, images/mkimage.sh).
set -uo pipefail
limit=
if [ "${1:-}" = -t ]; then limit=$2; shift 2; fi
mode=${1:?mode}
image=${2:?image}
cmdline=${3:-}
mem=${MEM:-128M}
smp=${SMP:-1}
here=$(dirname "$0")
ovmf_code=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE.fd}
ovmf_vars=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS.fd}
vars_dir=${VARS_DIR:-build}
if [ -z "${ACCEL:-}" ]; then
    # KVM only if it runs this kernel (a pvh IMAGE) or the built one: some
    # nested KVMs boot the BIOS probe, then fail on the kernel's first SSE
    # instruction (images/accel.sh).
    probe_kernel=$image
    [ "$mode" = pvh ] || probe_kernel=$vars_dir/kernel.elf
    [ -f "$probe_kernel" ] || probe_kernel=
    ACCEL=$("$here/accel.sh" "$vars_dir/accel" $probe_kernel | cut -d' ' -f1)
fi

args=(-accel "$ACCEL" -m "$mem" -smp "$smp" -display none -no-reboot)
[ "${DEBUG_EXIT:-yes}" = no ] || args+=(-device isa-debug-exit,iobase=0xf4,iosize=0x04)
[ "$ACCEL" != kvm ] || args+=(-cpu host)
if [ -n "${SERIAL:-}" ]; then
    args+=(-serial "$SERIAL" -monitor none)
elif [ -t 0 ]; then
    args+=(-serial mon:stdio)   # interactive: Ctrl-A X quits, Ctrl-A C monitor
else
    args+=(-serial stdio -monitor none)
fi

# FIRMWARE-[FORMAT-]BUS -> firmware, drive format, bus.
firmware=${mode%%-*} bus=${mode##*-} format=raw
case $mode in
    *-qcow2-*) format=qcow2 ;;
    *-*-*)     ;;
    *)         [[ $image != *.qcow2 ]] || format=qcow2 ;;
esac
case $mode in
    pvh) args+=(-kernel "$image" -append "$cmdline")
         [ -z "${MODULE:-}" ] || args+=(-initrd "$MODULE") ;;
    bios-*|uefi-*)
        case $bus in
            cd)       args+=(-drive "file=$image,format=raw,media=cdrom,readonly=on") ;;
            disk|ide) args+=(-drive "file=$image,format=$format,if=ide,snapshot=on") ;;
            virtio)   args+=(-drive "file=$image,format=$format,if=virtio,snapshot=on") ;;
            scsi)     args+=(-device virtio-scsi-pci,id=scsi0
                             -drive "file=$image,format=$format,if=none,id=disk0,snapshot=on"
                             -device scsi-hd,drive=disk0,bus=scsi0.0) ;;
            *)        echo "qemu.sh: unknown bus '$bus' in mode '$mode'" >&2; exit 2 ;;
        esac ;;
    *) echo "qemu.sh: unknown mode '$mode'" >&2; exit 2 ;;
esac
if [ "$firmware" = uefi ]; then
    mkdir -p "$vars_dir"
    vars=$(mktemp "$vars_dir/OVMF_VARS.XXXXXX.fd")
    trap 'rm -f "$vars"' EXIT
    cp "$ovmf_vars" "$vars"
    args+=(-drive "if=pflash,format=raw,readonly=on,file=$ovmf_code"
           -drive "if=pflash,format=raw,file=$vars")
fi
# shellcheck disable=SC2206  # QEMU_EXTRA is a list of words on purpose
[ -z "${QEMU_EXTRA:-}" ] || args+=(${QEMU_EXTRA})

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
