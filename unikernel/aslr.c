/* aslr.c - the random user layout of each exec (see aslr.h). */
#include "arch/random.h"
#include "cmdline.h"
#include "mm/memory.h"
#include "unikernel/aslr.h"

/* splitmix64 over the seed of `seed=N`: the same N, the same layouts. */
static uint64_t seeded_next(void)
{
    static uint64_t state;
    static bool started;
    if (!started) {
        state = boot_cmdline.seed;
        started = true;
    }
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A random page count below 2^ASLR_BITS. */
static uintptr_t draw_pages(void)
{
    uint64_t v;
    if (boot_cmdline.has_seed)
        v = seeded_next();
    else
        random_fill(&v, sizeof(v));
    return (uintptr_t)(v & ((1u << ASLR_BITS) - 1));
}

bool aslr_enabled(void)
{
    return !boot_cmdline.noaslr;
}

void aslr_layout(struct aslr_layout *l)
{
    if (!aslr_enabled()) {
        *l = (struct aslr_layout){ .stack_top = MSPACE_USER_UPPER };
        return;
    }
    l->stack_top = MSPACE_USER_UPPER - draw_pages() * PAGE_SIZE;
    l->mmap_base = ASLR_MMAP_LOWEST + draw_pages() * PAGE_SIZE;
}
