/* net/addr.c - IPv4 address text (see net/addr.h). */
#include <errno.h>
#include <stdio.h>

#include "net/addr.h"

/* One decimal part 0..255 at *s (no sign, no leading zero but "0"),
 * advancing *s: the value or -1. */
static int parse_part(const char **s)
{
    const char *p = *s;
    int v = 0, digits = 0;
    for (; *p >= '0' && *p <= '9'; p++, digits++) {
        if (digits == 3 || (digits == 1 && v == 0))
            return -1;
        v = v * 10 + (*p - '0');
    }
    if (digits == 0 || v > 255)
        return -1;
    *s = p;
    return v;
}

/* The address at *s, advancing *s to what follows it. */
static int parse_quad(const char **s, uint32_t *addr)
{
    uint32_t a = 0;
    for (int i = 0; i < 4; i++) {
        if (i > 0 && *(*s)++ != '.')
            return -EINVAL;
        int part = parse_part(s);
        if (part < 0)
            return -EINVAL;
        a = a << 8 | (uint32_t)part;
    }
    *addr = a;
    return 0;
}

int net_parse_ipv4(const char *s, uint32_t *addr)
{
    uint32_t a;
    if (parse_quad(&s, &a) < 0 || *s)
        return -EINVAL;
    *addr = a;
    return 0;
}

int net_parse_cidr(const char *s, uint32_t *addr, int *prefix)
{
    uint32_t a;
    if (parse_quad(&s, &a) < 0 || *s++ != '/')
        return -EINVAL;
    int p = 0, digits = 0;
    for (; *s >= '0' && *s <= '9' && digits < 2; s++, digits++)
        p = p * 10 + (*s - '0');
    if (digits == 0 || *s || p > 32)
        return -EINVAL;
    *addr = a;
    *prefix = p;
    return 0;
}

uint32_t net_prefix_mask(int prefix)
{
    return prefix <= 0 ? 0 : ~(uint32_t)0 << (32 - prefix);
}

int net_mask_prefix(uint32_t mask)
{
    int prefix = 0;
    while (prefix < 32 && (mask & (0x80000000u >> prefix)))
        prefix++;
    return net_prefix_mask(prefix) == mask ? prefix : -1;
}

void net_format_ipv4(char *buf, size_t cap, uint32_t addr)
{
    snprintf(buf, cap, "%u.%u.%u.%u", addr >> 24, addr >> 16 & 255,
             addr >> 8 & 255, addr & 255);
}
