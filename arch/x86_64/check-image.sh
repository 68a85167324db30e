#!/usr/bin/env bash
# check-image.sh ELF MAX_BYTES - fails (status 1, a message saying why)
# when ELF cannot be booted by a Multiboot2 loader:
#   - no Multiboot2 header, 8-byte aligned, in the first 32 KiB of the file;
#   - a header whose checksum, architecture or length is wrong, or whose
#     tags do not end with an end tag inside the header;
#   - loaded segments spanning more than MAX_BYTES of physical memory, or
#     loaded below 1 MiB;
#   - a loaded segment both writable and executable (W^X from the file on:
#     readelf's flags "RWE").
set -euo pipefail
elf=$1 max=$2
fail() { echo "check-image: $elf: $*" >&2; exit 1; }

# 32-bit words of the first 32 KiB, one per line (little endian).
words=$(od -A n -t u4 -v -w4 -N 32768 "$elf" | tr -d ' ')
verdict=$(awk -v magic=$((0xE85250D6)) '
    { w[NR - 1] = $1 }
    END {
        for (i = 0; i < NR; i += 2) {
            if (w[i] != magic) continue
            arch = w[i + 1]; len = w[i + 2]; sum = w[i + 3]
            if ((magic + arch + len + sum) % 4294967296 != 0) { print "checksum"; exit }
            if (arch != 0) { print "arch"; exit }
            if (len < 24 || len % 8 || i * 4 + len > NR * 4) { print "length"; exit }
            for (t = i + 4; t < i + len / 4; ) {   # walk the tags
                type = w[t] % 65536; size = w[t + 1]
                if (size < 8) { print "tags"; exit }
                if (type == 0) { print (t * 4 + size == i * 4 + len) ? "ok" : "tags"; exit }
                t += int((size + 7) / 8) * 2
            }
            print "tags"; exit
        }
        print "missing"
    }' <<< "$words")
case $verdict in
    ok) ;;
    missing)  fail "no Multiboot2 header (magic 0xE85250D6, 8-byte aligned) in the first 32 KiB" ;;
    checksum) fail "Multiboot2 header checksum is wrong (magic + arch + length + checksum != 0)" ;;
    arch)     fail "Multiboot2 header architecture is not i386 (0)" ;;
    length)   fail "Multiboot2 header length is invalid" ;;
    tags)     fail "Multiboot2 header tags are malformed (no end tag at the header's end)" ;;
esac

# Physical extent of the PT_LOAD segments.
lo= hi=0
while read -r type offset vaddr paddr filesz memsz rest; do
    [ "$type" = LOAD ] || continue
    [[ " $rest " != *" RWE "* ]] || fail "a segment is writable and executable (at $vaddr)"
    end=$((paddr + memsz))
    if [ -z "$lo" ] || [ $((paddr)) -lt "$lo" ]; then lo=$((paddr)); fi
    if [ "$end" -gt "$hi" ]; then hi=$end; fi
done < <(readelf -lW "$elf")
[ -n "$lo" ] || fail "no loadable segment"
[ "$lo" -ge $((0x100000)) ] || fail "a segment loads below 1 MiB (0x$(printf %x "$lo"))"
size=$((hi - lo))
[ "$size" -le "$max" ] || fail "kernel too large for the loader: $size bytes loaded, limit $max (KERNEL_MAX_SIZE)"
exit 0
