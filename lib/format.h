/*
 * format.h - the printf formatter core, portable (kernel and host tests).
 *
 * Conversions: %d %i %u %x %X %p %s %c %%; length hh h l ll z; flags '-'
 * (left-justify) and '0' (zero padding); width and precision as digits or
 * '*'.  %p prints "0x" and lowercase hex (NULL prints "0x0").  An unknown
 * conversion is printed as is.
 */
#ifndef LIB_FORMAT_H
#define LIB_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/* Receives `n` bytes of output at `s` (not NUL-terminated). */
typedef void format_out_t(void *ctx, const char *s, size_t n);

/* Formats `fmt` with `ap`, handing the output to `out(ctx, ...)` in pieces.
 * Returns the number of bytes produced. */
int format_v(format_out_t *out, void *ctx, const char *fmt, va_list ap);

/* Formats into buf[size] like vsnprintf: NUL-terminates when size > 0 and
 * returns the length the whole output would have had. */
int format_buf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
