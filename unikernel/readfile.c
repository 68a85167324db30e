/* unikernel/readfile.c - read_file for the host tools (see readfile.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "unikernel/readfile.h"

unsigned char *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t cap = 0, len = 0, n;

    if (!f)
        return NULL;
    do {
        if (len == cap) {
            unsigned char *bigger = realloc(buf, cap = cap ? 2 * cap : 65536);
            if (!bigger) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = bigger;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    if (ferror(f)) {
        free(buf);
        buf = NULL;
        errno = EIO;
    }
    fclose(f);
    *size = len;
    return buf;
}

