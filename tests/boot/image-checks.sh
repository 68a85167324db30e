# Sourced by tests/boot/run.sh (uses its build, out, only, report): checks
# of the image recipes that are not a boot (images/).

image_check() { # NAME COMMAND...: ok when COMMAND prints nothing
    local name=$1 notes=$out/$1.notes
    shift
    [ -z "$only" ] || [[ $name =~ $only ]] || return 0
    "$@" > "$notes" 2>&1 || echo "status $?" >> "$notes"
    if [ -s "$notes" ]; then report "$name" 0 "$notes"; else report "$name" 1 "$notes"; fi
}

# The GCE tarball: one member, disk.raw, in the oldgnu format, its size a
# multiple of 1 GiB, stored sparse (the archive is small).
check_gce_tarball() {
    local tarball listing magic size
    tarball=$(ls "$build"/images/*-gce.tar.gz 2>/dev/null | head -1)
    [ -n "$tarball" ] || { echo "no build/images/*-gce.tar.gz"; return; }
    listing=$(tar -tvzf "$tarball")
    [ "$(awk '{print $6}' <<< "$listing")" = disk.raw ] || echo "members: $listing"
    size=$(awk '{print $3}' <<< "$listing" | head -1)
    [ $((size % (1 << 30))) -eq 0 ] && [ "$size" -gt 0 ] || echo "disk.raw size $size: not a multiple of 1 GiB"
    magic=$(gzip -dc "$tarball" | head -c 265 | tail -c 8 | od -An -c | tr -d ' ')
    [ "$magic" = 'ustar\0' ] || echo "tar magic '$magic', expected oldgnu 'ustar  \\0'"
    [ "$(stat -c %s "$tarball")" -lt $((16 << 20)) ] || echo "$tarball is not sparse"
}

# The raw disk: GPT with a BIOS boot partition and an ESP whose FAT holds
# the UEFI loader, grub.cfg and the kernel; GRUB's boot.img in the MBR.
check_raw_layout() {
    local raw table
    raw=$(ls "$build"/images/*.raw 2>/dev/null | head -1)
    [ -n "$raw" ] || { echo "no build/images/*.raw"; return; }
    table=$("$(command -v sfdisk || echo /usr/sbin/sfdisk)" --dump "$raw" 2>&1)
    grep -q '^label: gpt' <<< "$table" || echo "no GPT: $table"
    grep -qi 'type=21686148-6449-6E6F-744E-656564454649' <<< "$table" || echo "no BIOS boot partition"
    grep -qi 'type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B' <<< "$table" || echo "no EFI system partition"
    [ "$(head -c 3 "$raw" | od -An -tx1 | tr -d ' ')" = eb6390 ] || echo "MBR does not start with GRUB's boot.img"
    local file
    for file in /EFI/BOOT/BOOTX64.EFI /boot/grub/grub.cfg /boot/kernel.elf; do
        MTOOLS_SKIP_CHECK=1 mdir -b -i "$raw@@2M" "::$file" > /dev/null 2>&1 ||
            echo "ESP (at 2 MiB) lacks $file"
    done
}

# make debug's script under PVH: gdb (batch) reaches kernel_main through a
# hardware breakpoint and prints a backtrace with the kernel's symbols.
check_debug_gdb() {
    local log=$out/debug-gdb.log
    ACCEL=tcg GDB_PORT=$((20000 + $$ % 10000)) \
        GDBFLAGS="-batch -ex 'hbreak kernel_main' -ex continue -ex bt" \
        timeout 60 images/debug.sh pvh "$build/kernel.elf" "$build/kernel.elf" \
        "$(ls "$build"/apps/*.elf | head -1)" < /dev/null > "$log" 2>&1
    grep -q '^Breakpoint 1, kernel_main' "$log" || { echo "gdb did not stop in kernel_main:"; tail -n 15 "$log"; }
    grep -q '^#0  kernel_main' "$log" || echo "no backtrace from kernel_main"
}

image_check image-gce-tarball check_gce_tarball
image_check image-raw-layout check_raw_layout
image_check debug-gdb check_debug_gdb
