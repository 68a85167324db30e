/*
 * unikernel/cpio.h - reader of cpio archives in the "newc" format (what
 * `cpio -o -H newc` writes): each member is a 110-byte ASCII header
 * ("070701" and 13 fields of 8 hex digits), the NUL-terminated name,
 * padding to 4 bytes, the data, padding to 4 bytes; the member named
 * "TRAILER!!!" ends the archive.  Portable: trusts nothing in the archive
 * (host-tested and fuzzed).
 */
#ifndef UNIKERNEL_CPIO_H
#define UNIKERNEL_CPIO_H

#include <stddef.h>

#define CPIO_MODE_TYPE 0170000 /* the file type bits of `mode` */
#define CPIO_MODE_REG  0100000 /* a regular file */
#define CPIO_MODE_DIR  0040000 /* a directory */

/* Called for each member: its name (NUL-terminated inside the archive),
 * its data [data, data+size) inside the archive and its mode.  A negative
 * return stops the walk with that value. */
typedef int (*cpio_member_fn)(const char *name, const void *data, size_t size,
                              unsigned mode, void *arg);

/* Walks the archive [archive, archive+size), calling `fn` for each member
 * before the trailer.  Returns 0 at the trailer (or at the end when the
 * archive ends exactly after a member), -EINVAL when malformed (members
 * before the problem were reported), or the negative value `fn` returned. */
int cpio_walk(const void *archive, size_t size, cpio_member_fn fn, void *arg);

#endif
