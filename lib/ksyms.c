/* ksyms.c - lookups in the embedded symbol table (sorted by address). */
#include <stddef.h>

#include "ksyms.h"

struct ksym {
    uintptr_t addr;
    const char *name;
};

/* Generated (build/ksyms.S): text symbols sorted by address. */
extern const struct ksym ksym_table[];
extern const size_t ksym_count;
extern const char _text[], _etext[];

const char *ksym_lookup(uintptr_t addr, uintptr_t *offset)
{
    if (addr < (uintptr_t)_text || addr >= (uintptr_t)_etext || ksym_count == 0)
        return NULL;
    size_t lo = 0, hi = ksym_count; /* find the last entry <= addr */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (ksym_table[mid].addr <= addr)
            lo = mid;
        else
            hi = mid;
    }
    if (ksym_table[lo].addr > addr)
        return NULL;
    *offset = addr - ksym_table[lo].addr;
    return ksym_table[lo].name;
}
