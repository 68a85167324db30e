#!/usr/bin/env python3
"""mkcpio.py OUT FILE... - writes OUT, a cpio newc archive of the regular
FILEs (paths as given, as `cpio -o -H newc` stores them), with the data of
every file of a page (4096 bytes) or more starting at a multiple of 4096
from the archive's start: loaded page aligned as a boot module, such a
file's pages are mapped in place (unikernel/modfiles.h).  The padding is
in the name: newc aligns data to 4 bytes after the name, so the name gets
as many leading "./" as it takes (any cpio reads "./././a" as "a", and so
do the kernel and build/tools/cpiocheck).  Mode and size come from the
file; inode numbers count from 1; uid, gid and mtime are 0, so the archive
depends on the files' bytes only.  Exit status 1 on an I/O error.
"""
import os
import sys

PAGE = 4096


def align4(n):
    return (n + 3) & ~3


def header(ino, mode, size, namesize):
    fields = (ino, mode, 0, 0, 1, 0, size, 0, 0, 0, 0, namesize, 0)
    return b"070701" + b"".join(b"%08x" % f for f in fields)


def main():
    out, files = sys.argv[1], sys.argv[2:]
    at = 0
    with open(out + ".tmp", "wb") as fh:
        for ino, path in enumerate(files, 1):
            st = os.stat(path)
            name = path.encode()
            if st.st_size >= PAGE:
                while align4(at + 110 + len(name) + 1) % PAGE:
                    name = b"./" + name
            fh.write(header(ino, st.st_mode, st.st_size, len(name) + 1))
            fh.write(name + b"\0")
            at += 110 + len(name) + 1
            fh.write(b"\0" * (align4(at) - at))
            at = align4(at)
            with open(path, "rb") as src:
                while True:
                    chunk = src.read(1 << 20)
                    if not chunk:
                        break
                    fh.write(chunk)
            at += st.st_size
            fh.write(b"\0" * (align4(at) - at))
            at = align4(at)
        trailer = b"TRAILER!!!"
        fh.write(header(0, 0, 0, len(trailer) + 1) + trailer + b"\0")
        at += 110 + len(trailer) + 1
        fh.write(b"\0" * ((-at) % 512))  # as cpio: a whole 512-byte block
    os.rename(out + ".tmp", out)


try:
    main()
except OSError as e:
    print("mkcpio: %s" % e, file=sys.stderr)
    sys.exit(1)
