/*
 * net/lwip_port.c - what lwIP needs from the kernel (NO_SYS=1): the time
 * in milliseconds (sys_now), memory (mem_clib_* in lwipopts.h: kalloc,
 * which zeroes), random numbers (LWIP_RAND in arch/cc.h).
 */
#include <stddef.h>
#include <stdint.h>

#include "arch/clock.h"
#include "arch/random.h"
#include "lwip/sys.h"
#include "net/net.h"
#include "mm/kalloc.h"

u32_t sys_now(void)
{
    return (u32_t)(clock_monotonic_ns() / 1000000);
}

uint32_t lwip_port_rand(void)
{
    uint32_t r;
    random_fill(&r, sizeof(r));
    return r;
}

/* lwIP's blocks in use (pbufs, pcbs, segments...): net_mem_live. */
static unsigned long live;

unsigned long net_mem_live(void)
{
    return live;
}

void *lwip_port_malloc(size_t size)
{
    void *p = kalloc(size);
    live += p != NULL;
    return p;
}

void *lwip_port_calloc(size_t count, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(count, size, &total))
        return NULL;
    return lwip_port_malloc(total);
}

void lwip_port_free(void *ptr)
{
    live -= ptr != NULL;
    kfree(ptr);
}

int atoi(const char *s)
{
    int v = 0;
    for (; *s >= '0' && *s <= '9' && v < 100000000; s++)
        v = v * 10 + (*s - '0');
    return v;
}
