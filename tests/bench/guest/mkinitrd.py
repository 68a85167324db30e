#!/usr/bin/env python3
"""mkinitrd.py BINARY OUT [PATH=FILE | DIR/ ...]: writes OUT, an uncompressed newc
cpio archive holding BINARY as /init (mode 0755, owner root, mtime 0) and
each FILE as /PATH (its parent directories made; a DIR/ word without
"=" is an empty directory /DIR), the initramfs
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
    archive = entry(1, "init", 0o100755, data)
    ino, dirs = 2, set()
    for arg in sys.argv[3:]:
        is_dir = "=" not in arg and arg.endswith("/")
        path, src = (arg, None) if is_dir else arg.split("=", 1)
        path = path.strip("/")
        parts = path.split("/")
        for i in range(1, len(parts) + is_dir):
            d = "/".join(parts[:i])
            if d not in dirs:
                dirs.add(d)
                archive += entry(ino, d, 0o40755, b"")
                ino += 1
        if is_dir:
            continue
        with open(src, "rb") as fh:
            archive += entry(ino, path, 0o100755, fh.read())
        ino += 1
    archive += entry(0, "TRAILER!!!", 0, b"")
    with open(out, "wb") as fh:
        fh.write(archive)


if __name__ == "__main__":
    main()
