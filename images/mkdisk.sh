#!/usr/bin/env bash
# mkdisk.sh KERNEL OUTPUT.raw SIZE-MIB [CMDLINE [MODULE]] - builds a GPT
# disk image that boots KERNEL by Multiboot2 with CMDLINE (and MODULE, a
# cpio archive of files, as the module2 /boot/NAME.cpio) under BIOS and
# UEFI, with no root rights and no loop mounts:
#
#   LBA 0        protective MBR; its boot code is GRUB's boot.img, which
#                loads core.img from the BIOS boot partition
#   partition 1  BIOS boot (1 MiB at 1 MiB): GRUB i386-pc core.img
#   partition 2  EFI system partition (FAT32, 60 MiB at 2 MiB, more when
#                the module needs it: the disk grows with it):
#                \EFI\BOOT\BOOTX64.EFI, /boot/grub/grub.cfg, /boot/kernel.elf
#
# Both GRUBs are built with every module they need inside (no module
# directory on the disk) and find grub.cfg on partition 2 of the disk they
# were loaded from.  The rest of the disk (up to SIZE-MIB) is left sparse.
set -euo pipefail
kernel=$1 out=$2 size_mib=$3 cmdline=${4:-} module=${5:-}
here=$(dirname "$0")
pc=/usr/lib/grub/i386-pc efi=/usr/lib/grub/x86_64-efi
sfdisk=$(command -v sfdisk || echo /usr/sbin/sfdisk)   # /usr/sbin: not in every PATH
for need in "$pc/boot.img" "$efi/kernel.img" "$sfdisk" /usr/bin/mformat; do
    [ -e "$need" ] || { echo "mkdisk: $need missing (run 'make deps')" >&2; exit 1; }
done
bios_lba=2048 bios_sectors=2048          # partition 1: 1 MiB at 1 MiB
esp_mib=60                               # partition 2: 60 MiB at 2 MiB
[ "$size_mib" -ge 64 ] || { echo "mkdisk: size $size_mib MiB < 64 MiB" >&2; exit 1; }
if [ -n "$module" ]; then   # room for the kernel, the module and GRUB's files
    need=$((($(stat -c %s "$kernel") + $(stat -c %s "$module")) / 1048576 + 16))
    [ "$need" -le "$esp_mib" ] || esp_mib=$need
    [ "$size_mib" -ge $((esp_mib + 4)) ] || size_mib=$((esp_mib + 4))
fi
esp_lba=4096 esp_sectors=$((esp_mib * 2048))

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$(dirname "$out")"
disk=$out.tmp
rm -f "$disk"
truncate -s "${size_mib}M" "$disk"

# The partition table (sfdisk writes the protective MBR and both GPTs).
"$sfdisk" --quiet --no-reread --no-tell-kernel "$disk" > "$work/sfdisk.log" 2>&1 <<EOF || { cat "$work/sfdisk.log" >&2; exit 1; }
label: gpt
unit: sectors
start=$bios_lba, size=$bios_sectors, type=21686148-6449-6E6F-744E-656564454649, name="BIOS boot"
start=$esp_lba, size=$esp_sectors, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI system"
EOF

# GRUB for both firmwares.  The prefix '(,gpt2)' names partition 2 of the
# disk GRUB itself was loaded from, whatever that disk's number.
common="part_gpt part_msdos fat normal configfile multiboot2 boot serial terminal echo test"
prefix='(,gpt2)/boot/grub'
grub-mkimage -O i386-pc -o "$work/core.img" -p "$prefix" biosdisk $common
grub-mkimage -O x86_64-efi -o "$work/BOOTX64.EFI" -p "$prefix" $common

# core.img goes into partition 1.  Its first sector (diskboot.img) ends in
# a block list {u64 first LBA, u16 sectors, u16 segment} at offset 0x1f4
# that says where the rest of core.img is: right after that first sector.
core_sectors=$((($(stat -c %s "$work/core.img") + 511) / 512))
[ "$core_sectors" -le "$bios_sectors" ] ||
    { echo "mkdisk: core.img ($core_sectors sectors) exceeds the BIOS boot partition" >&2; exit 1; }
put_u64() { # FILE OFFSET VALUE: a little-endian u64 written in place
    local hex i bytes=
    hex=$(printf '%016x' "$3")
    for i in 14 12 10 8 6 4 2 0; do bytes+="\\x${hex:$i:2}"; done
    printf "$bytes" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
put_u64 "$work/core.img" $((0x1f4)) $((bios_lba + 1))
dd if="$work/core.img" of="$disk" bs=512 seek="$bios_lba" conv=notrunc status=none

# boot.img into the MBR's first 440 bytes (the disk signature and the
# partition table after them stay).  Patched as grub-bios-setup does:
# 0x5c the LBA of core.img, 0x66 the jump over the boot-drive check
# replaced by two NOPs (some BIOSes pass a wrong drive number in DL).
cp "$pc/boot.img" "$work/boot.img"
put_u64 "$work/boot.img" $((0x5c)) "$bios_lba"
printf '\x90\x90' | dd of="$work/boot.img" bs=1 seek=$((0x66)) conv=notrunc status=none
dd if="$work/boot.img" of="$disk" bs=440 count=1 conv=notrunc status=none

# The ESP, formatted in place (mtools' FILE@@OFFSET): FAT32 with 512-byte
# clusters, hidden sectors = the partition's start, a fixed volume serial.
"$here/grubcfg.sh" "$cmdline" ${module:+"$(basename "$module")"} > "$work/grub.cfg"
export MTOOLS_SKIP_CHECK=1
esp="$disk@@$((esp_lba * 512))"
mformat -i "$esp" -F -c 1 -T "$esp_sectors" -h 64 -s 32 -H "$esp_lba" \
    -N 554b4e4c -v UNIKERNEL ::
mmd -i "$esp" ::/EFI ::/EFI/BOOT ::/boot ::/boot/grub
mcopy -i "$esp" "$work/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$esp" "$work/grub.cfg" ::/boot/grub/grub.cfg
mcopy -i "$esp" "$kernel" ::/boot/kernel.elf
[ -z "$module" ] || mcopy -i "$esp" "$module" "::/boot/$(basename "$module")"
mv "$disk" "$out"
