/*
 * libc-shim/glue.c - the allocator's fatal error path.
 */
#include "glue.h"

#include <stdlib.h>

static size_t put_str(char *buf, size_t at, const char *s)
{
    while (*s && at < 120)
        buf[at++] = *s++;
    return at;
}

void glue_fatal(const char *what, const void *ptr)
{
    char buf[160];
    size_t n = put_str(buf, 0, "malloc: ");
    n = put_str(buf, n, what);
    n = put_str(buf, n, " 0x");
    uintptr_t v = (uintptr_t)ptr;
    for (int shift = 60; shift >= 0; shift -= 4)
        buf[n++] = "0123456789abcdef"[(v >> shift) & 15];
    buf[n++] = '\n';
    glue_syscall6(GLUE_SYS_WRITE, 2, (long)buf, n, 0, 0, 0);
    abort();
}
