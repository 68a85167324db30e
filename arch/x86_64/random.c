/* random.c - random bytes (see arch/random.h): RDRAND when CPUID
 * says so, else xorshift64* seeded from the TSC. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "arch/random.h"
#include "arch/x86_64/x86.h"

static int has_rdrand = -1; /* -1: not probed yet */
static uint64_t state;

static bool rdrand(uint64_t *v)
{
    unsigned char ok;
    for (int i = 0; i < 10; i++) { /* Intel: retry a few times */
        __asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
        if (ok)
            return true;
    }
    return false;
}

static uint64_t next(void)
{
    uint64_t v;
    if (has_rdrand < 0) {
        uint32_t a, b, c, d;
        cpuid(1, &a, &b, &c, &d);
        has_rdrand = (c >> 30) & 1;
    }
    if (has_rdrand && rdrand(&v))
        return v;
    if (!state) {
        uint32_t lo, hi;
        __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
        state = (((uint64_t)hi << 32) | lo) ^ 0x9e3779b97f4a7c15ull;
    }
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545f4914f6cdd1dull;
}

void random_fill(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n) {
        uint64_t v = next();
        size_t k = n < sizeof(v) ? n : sizeof(v);
        memcpy(p, &v, k);
        p += k;
        n -= k;
    }
}
