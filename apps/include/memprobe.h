/*
 * apps/include/memprobe.h - what the memory-pressure test apps
 * (mempressure, kstackreap, commitlimit, sysfuzz) share: the free-frame
 * count they compare before and after, and a stack grown in advance.
 * Single-file apps: everything here is static.
 */
#ifndef APPS_INCLUDE_MEMPROBE_H
#define APPS_INCLUDE_MEMPROBE_H

#include <stdint.h>
#include <string.h>
#include <sys/sysinfo.h>

/* Free 4 KiB frames now (sysinfo freeram), or -1. */
static inline long free_frames(void)
{
    struct sysinfo si;
    if (sysinfo(&si) < 0)
        return -1;
    return (long)((uint64_t)si.freeram * si.mem_unit / 4096);
}

/* Grows the stack by 64 KiB now: under memory pressure a stack page could
 * not be had (stacks are committed as they grow). */
static inline void stack_touch(void)
{
    volatile char deep[64 << 10];
    memset((char *)deep, 1, sizeof(deep));
}

#endif
