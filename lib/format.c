/*
 * format.c - the printf formatter core (see format.h).  No global state:
 * safe from any context, including the exception report.
 */
#include <stdbool.h>
#include <stdint.h>

#include "lib/format.h"

struct spec {
    bool left;      /* '-' */
    bool zero;      /* '0' */
    int width;
    int precision;  /* -1: none */
    int length;     /* 'H' hh, 'h', 0, 'l', 'L' ll, 'z' */
};

struct sink {
    format_out_t *out;
    void *ctx;
    int count;
};

static void emit(struct sink *sink, const char *s, size_t n)
{
    if (n == 0)
        return;
    sink->out(sink->ctx, s, n);
    sink->count += (int)n;
}

static void emit_repeat(struct sink *sink, char c, int n)
{
    char chunk[16];
    for (int i = 0; i < (int)sizeof(chunk); i++)
        chunk[i] = c;
    while (n > 0) {
        int step = n < (int)sizeof(chunk) ? n : (int)sizeof(chunk);
        emit(sink, chunk, (size_t)step);
        n -= step;
    }
}

/* Emits `prefix` (sign or 0x) and `body` padded per `spec`. */
static void emit_padded(struct sink *sink, const struct spec *spec,
                        const char *prefix, const char *body, int len)
{
    int plen = 0;
    while (prefix[plen])
        plen++;
    int zeros = 0;
    if (spec->precision > len)
        zeros = spec->precision - len;
    int pad = spec->width - plen - zeros - len;
    if (pad < 0)
        pad = 0;
    if (spec->zero && !spec->left && spec->precision < 0) {
        zeros += pad;
        pad = 0;
    }
    if (!spec->left)
        emit_repeat(sink, ' ', pad);
    emit(sink, prefix, (size_t)plen);
    emit_repeat(sink, '0', zeros);
    emit(sink, body, (size_t)len);
    if (spec->left)
        emit_repeat(sink, ' ', pad);
}

static void emit_number(struct sink *sink, const struct spec *spec,
                        uint64_t value, bool negative, unsigned base,
                        bool upper, const char *prefix)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[24];
    int i = (int)sizeof(buf);
    do {
        buf[--i] = digits[value % base];
        value /= base;
    } while (value);
    int len = (int)sizeof(buf) - i;
    if (spec->precision == 0 && len == 1 && buf[i] == '0')
        len = 0; /* C: zero with precision 0 prints no digits */
    emit_padded(sink, spec, negative ? "-" : prefix, buf + i, len);
}

static int64_t arg_signed(const struct spec *spec, va_list *ap)
{
    switch (spec->length) {
    case 'H': return (signed char)va_arg(*ap, int);
    case 'h': return (short)va_arg(*ap, int);
    case 'l': return va_arg(*ap, long);
    case 'L': return va_arg(*ap, long long);
    case 'z': return (int64_t)va_arg(*ap, size_t);
    default:  return va_arg(*ap, int);
    }
}

static uint64_t arg_unsigned(const struct spec *spec, va_list *ap)
{
    switch (spec->length) {
    case 'H': return (unsigned char)va_arg(*ap, unsigned);
    case 'h': return (unsigned short)va_arg(*ap, unsigned);
    case 'l': return va_arg(*ap, unsigned long);
    case 'L': return va_arg(*ap, unsigned long long);
    case 'z': return va_arg(*ap, size_t);
    default:  return va_arg(*ap, unsigned);
    }
}

/* Parses flags, width, precision and length at *fmt; advances it. */
static void parse_spec(const char **fmt, struct spec *spec, va_list *ap)
{
    const char *p = *fmt;
    *spec = (struct spec){ .precision = -1 };
    for (;; p++) {
        if (*p == '-')
            spec->left = true;
        else if (*p == '0')
            spec->zero = true;
        else
            break;
    }
    if (*p == '*') {
        spec->width = va_arg(*ap, int);
        if (spec->width < 0) {
            spec->left = true;
            spec->width = -spec->width;
        }
        p++;
    }
    while (*p >= '0' && *p <= '9')
        spec->width = spec->width * 10 + (*p++ - '0');
    if (*p == '.') {
        p++;
        spec->precision = 0;
        if (*p == '*') {
            spec->precision = va_arg(*ap, int);
            if (spec->precision < 0)
                spec->precision = -1;
            p++;
        }
        while (*p >= '0' && *p <= '9')
            spec->precision = spec->precision * 10 + (*p++ - '0');
    }
    if (p[0] == 'h' && p[1] == 'h') {
        spec->length = 'H';
        p += 2;
    } else if (p[0] == 'l' && p[1] == 'l') {
        spec->length = 'L';
        p += 2;
    } else if (*p == 'h' || *p == 'l' || *p == 'z') {
        spec->length = *p++;
    }
    *fmt = p;
}

static void emit_string(struct sink *sink, struct spec *spec, const char *s)
{
    if (!s)
        s = "(null)";
    int len = 0;
    while (s[len] && (spec->precision < 0 || len < spec->precision))
        len++;
    spec->precision = -1;
    spec->zero = false;
    emit_padded(sink, spec, "", s, len);
}

/* Formats one conversion `c` (the character after the spec). */
static void convert(struct sink *sink, struct spec *spec, char c, va_list *ap)
{
    switch (c) {
    case 'd':
    case 'i': {
        int64_t v = arg_signed(spec, ap);
        uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
        emit_number(sink, spec, mag, v < 0, 10, false, "");
        break;
    }
    case 'u':
        emit_number(sink, spec, arg_unsigned(spec, ap), false, 10, false, "");
        break;
    case 'x':
    case 'X':
        emit_number(sink, spec, arg_unsigned(spec, ap), false, 16, c == 'X', "");
        break;
    case 'p':
        emit_number(sink, spec, (uintptr_t)va_arg(*ap, void *), false, 16,
                    false, "0x");
        break;
    case 's':
        emit_string(sink, spec, va_arg(*ap, const char *));
        break;
    case 'c': {
        char ch = (char)va_arg(*ap, int);
        spec->precision = -1;
        spec->zero = false;
        emit_padded(sink, spec, "", &ch, 1);
        break;
    }
    case '%':
        emit(sink, "%", 1);
        break;
    default: /* unknown: show it rather than guess */
        emit(sink, "%", 1);
        emit(sink, &c, 1);
        break;
    }
}

int format_v(format_out_t *out, void *ctx, const char *fmt, va_list ap)
{
    struct sink sink = { out, ctx, 0 };
    va_list args;
    va_copy(args, ap);
    while (*fmt) {
        const char *run = fmt;
        while (*fmt && *fmt != '%')
            fmt++;
        emit(&sink, run, (size_t)(fmt - run));
        if (!*fmt)
            break;
        fmt++;
        struct spec spec;
        parse_spec(&fmt, &spec, &args);
        if (!*fmt)
            break; /* a lone '%' at the end prints nothing */
        convert(&sink, &spec, *fmt++, &args);
    }
    va_end(args);
    return sink.count;
}

struct buffer {
    char *buf;
    size_t size;
    size_t used;
};

static void buffer_out(void *ctx, const char *s, size_t n)
{
    struct buffer *b = ctx;
    for (size_t i = 0; i < n; i++, b->used++)
        if (b->used + 1 < b->size)
            b->buf[b->used] = s[i];
}

int format_buf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct buffer b = { buf, size, 0 };
    int n = format_v(buffer_out, &b, fmt, ap);
    if (size > 0)
        buf[b.used < size ? b.used : size - 1] = '\0';
    return n;
}
