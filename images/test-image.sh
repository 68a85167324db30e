#!/usr/bin/env bash
# test-image.sh FORMAT BUILD WORKDIR NAME [CMDLINE [KERNEL [MODULE]]] -
# prints the path of the image a boot test of FORMAT (iso, raw, qcow2, gce)
# boots (tests/boot/run.sh calls it for the FIRMWARE-FORMAT-BUS modes):
#   none of them  the image `make image FORMAT=all` built for the default
#                 app (BOOT_APP, default hello; else the first one found)
#   else          a variant built into WORKDIR/NAME.FORMAT with CMDLINE,
#                 KERNEL (default BUILD/kernel.elf) and the boot module
#                 MODULE (images/mkimage.sh)
# For gce, the tarball's disk.raw unpacked beside it (sparse), as GCE does.
set -euo pipefail
format=$1 build=$2 work=$3 name=$4 cmdline=${5:-} kernel=${6:-} module=${7:-}
here=$(dirname "$0")
case $format in
    iso|raw|qcow2) suffix=.$format ;;
    gce)           suffix=-gce.tar.gz ;;
    *) echo "test-image: unknown format '$format'" >&2; exit 2 ;;
esac
if [ -n "$cmdline$kernel$module" ]; then
    image=$work/$name$suffix
    "$here/mkimage.sh" "$format" "${kernel:-$build/kernel.elf}" "$image" "$cmdline" ${module:+"$module"} >&2
else
    image=$build/images/${BOOT_APP:-hello}$suffix
    [ -f "$image" ] || image=$(ls "$build"/images/*"$suffix" 2>/dev/null | head -1)
    [ -n "$image" ] || { echo "test-image: no $format image in $build/images (make image FORMAT=all)" >&2; exit 1; }
fi
if [ "$format" = gce ]; then
    disk=$work/$(basename "$image" .tar.gz)/disk.raw
    if [ ! -f "$disk" ] || [ "$image" -nt "$disk" ]; then
        mkdir -p "$(dirname "$disk")"
        tar -xSzf "$image" -C "$(dirname "$disk")" disk.raw
        touch "$disk"
    fi
    image=$disk
fi
echo "$image"
