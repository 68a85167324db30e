/* cpio.c - the newc archive walker (see cpio.h). */
#include <errno.h>
#include <string.h>

#include "unikernel/cpio.h"

#define HEADER 110
#define FIELD_MODE 1
#define FIELD_FILESIZE 6
#define FIELD_NAMESIZE 11

/* Field `i` (0 = c_ino) of header `h`: its value, or -1 if not 8 hex
 * digits. */
static long field(const char *h, int i)
{
    long v = 0;
    for (const char *p = h + 6 + 8 * i; p < h + 14 + 8 * i; p++) {
        int d = *p >= '0' && *p <= '9'   ? *p - '0'
                : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
                : *p >= 'A' && *p <= 'F' ? *p - 'A' + 10
                                         : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* `n` rounded up to 4, or 0 when that overflows. */
static size_t align4(size_t n)
{
    return n > (size_t)-4 ? 0 : (n + 3) & ~(size_t)3;
}

int cpio_walk(const void *archive, size_t size, cpio_member_fn fn, void *arg)
{
    const char *base = archive;
    size_t at = 0;
    while (at < size) {
        if (size - at < HEADER)
            return -EINVAL;
        const char *h = base + at;
        long mode = field(h, FIELD_MODE), fsize = field(h, FIELD_FILESIZE);
        long nsize = field(h, FIELD_NAMESIZE);
        if (memcmp(h, "070701", 6) != 0 || mode < 0 || fsize < 0 || nsize < 1)
            return -EINVAL;
        size_t name_at = at + HEADER;
        if ((size_t)nsize > size - name_at)
            return -EINVAL;
        const char *name = base + name_at;
        if (name[nsize - 1] != '\0' || strlen(name) != (size_t)nsize - 1)
            return -EINVAL;
        if (strcmp(name, "TRAILER!!!") == 0)
            return 0;
        size_t data_at = align4(name_at + (size_t)nsize);
        if (data_at == 0 || data_at > size || (size_t)fsize > size - data_at)
            return -EINVAL;
        int rc = fn(name, base + data_at, (size_t)fsize, (unsigned)mode, arg);
        if (rc < 0)
            return rc;
        size_t next = align4(data_at + (size_t)fsize);
        if (next == 0)
            return -EINVAL;
        at = next;
    }
    return 0;
}
