/* stdio.h - the kernel's formatted output into buffers (lib/format.c).
 * Same contracts as ISO C; %d %i %u %x %X %p %s %c with l/ll/z, width, 0. */
#ifndef KERNEL_STDIO_H
#define KERNEL_STDIO_H

#include <stdarg.h>
#include <stddef.h>

int snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
