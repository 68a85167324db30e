/* string.c - the kernel's <string.h> (byte loops; rep movs/stos for bulk). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Whole aligned quadwords go by rep movsq/stosq: 8 bytes per iteration
 * where the CPU lacks fast rep movsb/stosb (ERMS) and under emulation
 * (QEMU TCG runs rep one element at a time); frames are copied and zeroed
 * so (page_copy, page_zero). */
static bool quad_aligned(const void *a, const void *b, size_t n)
{
    return (((uintptr_t)a | (uintptr_t)b | n) & 7) == 0;
}

void *memcpy(void *dst, const void *src, size_t n)
{
    void *ret = dst;
    if (quad_aligned(dst, src, n)) {
        n /= 8;
        __asm__ volatile("rep movsq"
                         : "+D"(dst), "+S"(src), "+c"(n)
                         :
                         : "memory");
    } else {
        __asm__ volatile("rep movsb"
                         : "+D"(dst), "+S"(src), "+c"(n)
                         :
                         : "memory");
    }
    return ret;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d <= s || d >= s + n)
        return memcpy(dst, src, n);
    while (n--)
        d[n] = s[n];
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    void *ret = dst;
    if (quad_aligned(dst, dst, n)) {
        uint64_t q = (uint8_t)c * 0x0101010101010101ull;
        n /= 8;
        __asm__ volatile("rep stosq" : "+D"(dst), "+c"(n) : "a"(q) : "memory");
    } else {
        __asm__ volatile("rep stosb" : "+D"(dst), "+c"(n) : "a"(c) : "memory");
    }
    return ret;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *p = a, *q = b;
    for (size_t i = 0; i < n; i++)
        if (p[i] != q[i])
            return p[i] - q[i];
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i] != b[i] || !a[i])
            return (unsigned char)a[i] - (unsigned char)b[i];
    }
    return 0;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)s;
        if (!*s)
            return NULL;
    }
}
