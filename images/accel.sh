#!/usr/bin/env bash
# accel.sh [CACHE-FILE [KERNEL]] - prints the QEMU accelerator to use and
# why, as one line "kvm REASON" or "tcg REASON".
#
# KVM counts as usable only if it really runs a guest from the reset
# vector: a one-sector boot disk under SeaBIOS must write 0x2a to
# isa-debug-exit within 5 s.  Read-write access to /dev/kvm is not enough:
# some KVM flavours (nested PVM, for one) run 64-bit guests only, and the
# firmware and GRUB would hang there.  Given KERNEL, our kernel must also
# pass its `test=faults` self-test under KVM (-cpu host) within 10 s: a
# nested KVM seen here runs the BIOS probe yet fails to emulate the
# kernel's first ldmxcsr ("KVM internal error ... emulation failure").
# The verdict is cached in CACHE-FILE for the current host boot
# (/proc/sys/kernel/random/boot_id) and kind of probe.
set -uo pipefail
cache=${1:-}
kernel=${2:-}
boot_id=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown)
boot_id="$boot_id${kernel:+ with kernel probe}"
if [ -n "$cache" ] && [ -f "$cache" ] && [ "$(head -1 "$cache")" = "$boot_id" ]; then
    sed -n 2p "$cache"
    exit 0
fi

probe() { # ACCEL: status 0 when a real-mode boot sector runs under it
    local dir rc
    dir=$(mktemp -d)
    # mov al, 0x2a; out 0xf4, al; cli; hlt; then zeros and the 0x55aa mark.
    { printf '\xb0\x2a\xe6\xf4\xfa\xf4'; head -c 504 /dev/zero; printf '\x55\xaa'; } > "$dir/boot.img"
    timeout -k 2 5 qemu-system-x86_64 -accel "$1" -m 16M -display none \
        -no-reboot -serial none -monitor none -nodefaults \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        -drive "file=$dir/boot.img,format=raw,if=ide,snapshot=on" \
        > /dev/null 2>&1
    rc=$?
    rm -rf "$dir"
    [ "$rc" -eq $(((0x2a << 1) | 1)) ]
}

kernel_probe() { # status 0 when KERNEL passes test=faults under KVM
    timeout -k 2 10 qemu-system-x86_64 -accel kvm -cpu host -m 128M \
        -display none -no-reboot -serial none -monitor none -nodefaults \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        -kernel "$kernel" -append "quiet test=faults" > /dev/null 2>&1
    # the kernel writes status + 1: status 0 makes QEMU exit with 3
    [ $? -eq 3 ]
}

if [ ! -c /dev/kvm ]; then
    verdict="tcg (no /dev/kvm)"
elif [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
    verdict="tcg (/dev/kvm not read-writable by $(id -un))"
elif ! probe kvm; then
    verdict="tcg (/dev/kvm present but cannot run a BIOS guest)"
elif [ -n "$kernel" ] && ! kernel_probe; then
    verdict="tcg (/dev/kvm runs a BIOS guest but not the self-test of this kernel)"
else
    verdict="kvm (/dev/kvm runs a BIOS guest$([ -n "$kernel" ] && echo " and this kernel"))"
fi
verdict=${verdict/ (/ }
verdict=${verdict%)}
if [ -n "$cache" ]; then
    mkdir -p "$(dirname "$cache")"
    printf '%s\n%s\n' "$boot_id" "$verdict" > "$cache"
fi
echo "$verdict"
