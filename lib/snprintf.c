/* snprintf.c - the kernel's <stdio.h> on top of the formatter core. */
#include <stdio.h>

#include "lib/format.h"

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    return format_buf(buf, size, fmt, ap);
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = format_buf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
