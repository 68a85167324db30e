#!/usr/bin/env bash
# mkimage.sh FORMAT KERNEL OUTPUT [CMDLINE [MODULE]] - builds one bootable
# image of KERNEL (Multiboot2, booted by GRUB with CMDLINE; MODULE, a cpio
# archive of files, as a boot module: /boot/NAME.cpio) for BIOS and UEFI:
#   iso    hybrid ISO 9660 (CD-ROM or disk), images/mkiso.sh
#   raw    64 MiB GPT disk (sparse), images/mkdisk.sh
#   qcow2  the raw disk converted by qemu-img (libvirt, Proxmox, OpenStack)
#   gce    a tar.gz holding one file disk.raw: the GPT disk at 1 GiB
#          (sparse), the form Google Compute Engine imports
# The output appears only when complete.  Needs objcopy, grub-mkrescue,
# grub-mkimage, sfdisk, mtools, qemu-img, tar.
set -euo pipefail
format=$1 kernel=$2 out=$3 cmdline=${4:-} module=${5:-}
here=$(dirname "$0")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$(dirname "$out")"
# The images carry the kernel without its DWARF debug info (about half of
# the file); gdb reads it from the unstripped KERNEL (make debug).
objcopy --strip-debug "$kernel" "$work/kernel.elf"
kernel=$work/kernel.elf
case $format in
    iso) "$here/mkiso.sh" "$kernel" "$out" "$cmdline" ${module:+"$module"} ;;
    raw) "$here/mkdisk.sh" "$kernel" "$out" 64 "$cmdline" ${module:+"$module"} ;;
    qcow2)
        "$here/mkdisk.sh" "$kernel" "$work/disk.raw" 64 "$cmdline" ${module:+"$module"}
        qemu-img convert -f raw -O qcow2 "$work/disk.raw" "$out.tmp"
        mv "$out.tmp" "$out" ;;
    gce)
        # GCE: the file must be named disk.raw, its size a multiple of
        # 1 GiB, the archive gzip'd tar in the oldgnu format (sparse-aware).
        "$here/mkdisk.sh" "$kernel" "$work/disk.raw" 1024 "$cmdline" ${module:+"$module"}
        tar --format=oldgnu -Sczf "$out.tmp" -C "$work" disk.raw
        mv "$out.tmp" "$out" ;;
    *) echo "mkimage: unknown format '$format' (iso, raw, qcow2, gce)" >&2; exit 2 ;;
esac
