#!/usr/bin/env bash
# mkiso.sh KERNEL OUTPUT.iso [CMDLINE [MODULE]] - builds the bootable image:
# GRUB for BIOS (i386-pc) and UEFI (x86_64-efi) in one hybrid ISO that boots
# as a CD-ROM and as a raw disk, loading KERNEL by Multiboot2 with CMDLINE
# and MODULE (a cpio archive of files) as /boot/NAME.cpio, a module2.
set -euo pipefail
kernel=$1 out=$2 cmdline=${3:-} module=${4:-}
here=$(dirname "$0")
for dir in /usr/lib/grub/i386-pc /usr/lib/grub/x86_64-efi; do
    [ -d "$dir" ] || { echo "mkiso: $dir missing (run 'make deps')" >&2; exit 1; }
done
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree/boot/grub" "$(dirname "$out")"
cp "$kernel" "$tree/boot/kernel.elf"
[ -z "$module" ] || cp "$module" "$tree/boot/"
"$here/grubcfg.sh" "$cmdline" ${module:+"$(basename "$module")"} > "$tree/boot/grub/grub.cfg"
# Only the modules grub.cfg needs (plus the partition maps that the EFI
# core of grub-mkrescue loads), no fonts, locales or themes: 5 MB, not 20.
modules="multiboot2 normal configfile iso9660 fat serial terminal boot echo test
         part_acorn part_amiga part_apple part_bsd part_dfly part_dvh part_gpt
         part_msdos part_plan part_sun part_sunpc"
if ! grub-mkrescue -o "$out.tmp" --install-modules="${modules//$'\n'/ }" \
        --fonts= --locales= --themes= "$tree" > "$tree.log" 2>&1; then
    cat "$tree.log" >&2
    rm -f "$tree.log" "$out.tmp"
    echo "mkiso: grub-mkrescue failed" >&2
    exit 1
fi
rm -f "$tree.log"
mv "$out.tmp" "$out"
