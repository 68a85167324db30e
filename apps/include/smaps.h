/*
 * apps/include/smaps.h - one field of /proc/self/smaps for the VMA that
 * holds an address (AnonHugePages, ShmemPmdMapped: the superpage apps and
 * bench_mm).  Single-file apps: everything here is static.
 */
#ifndef APPS_INCLUDE_SMAPS_H
#define APPS_INCLUDE_SMAPS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The kB of `field` (with its colon, "AnonHugePages:") in the smaps entry
 * of the VMA holding `addr`, or -1 when there is none. */
static inline long smaps_kb(uintptr_t addr, const char *field)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return -1;
    char line[256];
    size_t n = strlen(field);
    bool in = false;
    long kb = -1;
    while (fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) /* a VMA's line */
            in = addr >= lo && addr < hi;
        else if (in && strncmp(line, field, n) == 0)
            kb = strtol(line + n, NULL, 10);
    }
    fclose(f);
    return kb;
}

#endif
