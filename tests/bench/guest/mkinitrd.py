#!/usr/bin/env python3
"""mkinitrd.py BINARY OUT: writes OUT, an uncompressed newc cpio archive
holding only BINARY as /init (mode 0755, owner root, mtime 0), the initramfs
format Linux unpacks (Documentation/driver-api/early-userspace/
buffer-format.rst).  Needs no cpio tool on the host."""
import sys


def pad4(n):
    return b"\0" * (-n % 4)


def entry(ino, name, mode, data):
    """One newc member: 110-byte ASCII header, NUL-terminated name, data,
    each padded to a multiple of 4 bytes."""
    fields = (ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0,
              len(name) + 1, 0)
    head = b"070701" + b"".join(b"%08x" % f for f in fields)
    head += name.encode() + b"\0"
    return head + pad4(len(head)) + data + pad4(len(data))


def main():
    binary, out = sys.argv[1], sys.argv[2]
    with open(binary, "rb") as fh:
        data = fh.read()
    archive = entry(1, "init", 0o100755, data) + entry(0, "TRAILER!!!", 0, b"")
    with open(out, "wb") as fh:
        fh.write(archive)


if __name__ == "__main__":
    main()
