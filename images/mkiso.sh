#!/usr/bin/env bash
# mkiso.sh KERNEL OUTPUT.iso [CMDLINE] - builds the bootable image: GRUB for
# BIOS (i386-pc) and UEFI (x86_64-efi) in one hybrid ISO that boots as a
# CD-ROM and as a raw disk, loading KERNEL by Multiboot2 with CMDLINE.
set -euo pipefail
kernel=$1 out=$2 cmdline=${3:-}
here=$(dirname "$0")
for dir in /usr/lib/grub/i386-pc /usr/lib/grub/x86_64-efi; do
    [ -d "$dir" ] || { echo "mkiso: $dir missing (run 'make deps')" >&2; exit 1; }
done
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree/boot/grub" "$(dirname "$out")"
cp "$kernel" "$tree/boot/kernel.elf"
cfg=$(<"$here/grub.cfg.in")
printf '%s\n' "${cfg//@CMDLINE@/$cmdline}" > "$tree/boot/grub/grub.cfg"
if ! grub-mkrescue -o "$out.tmp" "$tree" > "$tree.log" 2>&1; then
    cat "$tree.log" >&2
    rm -f "$tree.log" "$out.tmp"
    echo "mkiso: grub-mkrescue failed" >&2
    exit 1
fi
rm -f "$tree.log"
mv "$out.tmp" "$out"
