/*
 * tests/unit/fake_mmu.c - the arch/mmu.h port for host tests: physical
 * memory is a few malloc'd banks placed at chosen physical addresses (so
 * every zone exists), each directory is a hash of page translations plus a
 * list of large (2 MiB) ones, and a model TLB remembers every changed
 * translation until mmu_flush covers it.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch/cpu.h"
#include "mm/memory.h"
#include "mm/page.h"
#include "tests/unit/fake_mmu.h"

#define BUCKETS 4096
#define MAX_BANKS 8
#define ENTRY_FLAGS                                                            \
    (MMU_READ | MMU_WRITE | MMU_EXEC | MMU_USER | MMU_UNCACHED | MMU_GLOBAL)

typedef struct entry {
    uintptr_t va;
    phys_addr_t pa;
    int flags;    /* MMU_* rights, MMU_PRESENT, MMU_ACCESSED, MMU_DIRTY */
    bool pending; /* changed since the last flush covering it */
    bool prepared; /* mmu_prepare: kept while absent, mmu_map never fails */
    struct entry *next;
} entry_t;

/* A large translation (mmu_map_large); kept absent while pending. */
typedef struct large {
    uintptr_t va;
    phys_addr_t pa;
    int flags;
    bool pending;
    struct large *next;
} large_t;

struct mmu_dir {
    entry_t *bucket[BUCKETS];
    large_t *large;
    uintptr_t *tables; /* 2 MiB spans with a last-level table (x86: a PT,
                          kept until the directory goes) */
    size_t ntables, table_room;
    size_t present; /* pages: a large translation counts 512 */
    size_t pending;
};

static struct {
    phys_addr_t base;
    size_t size;
    unsigned char *mem;
} banks[MAX_BANKS];
static int nbanks;
static struct mmu_dir kernel_dir;
static long live_dirs;
static unsigned long flushes;
static unsigned long prepares;
static unsigned long promotes;
static unsigned long map_fail_countdown;
static unsigned long alloc_fail_countdown;
static long alloc_live;

unsigned long irq_save(void)
{
    return 0;
}
void irq_restore(unsigned long state)
{
    (void)state;
}

void fake_mmu_add_bank(phys_addr_t base, size_t size)
{
    assert(nbanks < MAX_BANKS && !(base & 0x1fffff) && !(size & 0x1fffff));
    banks[nbanks].mem = aligned_alloc(0x200000, size);
    assert(banks[nbanks].mem);
    memset(banks[nbanks].mem, 0x5a,
           size); /* host-fault it in now, not in timed code */
    banks[nbanks].base = base;
    banks[nbanks].size = size;
    nbanks++;
}

void fake_mmu_setup(void)
{
    static const struct {
        phys_addr_t base;
        size_t size;
    } std[] = {
        {0x00800000, 0x00800000}, /* DMA: 8-16 MiB */
        {0xFF000000, 0x02000000}, /* DMA32 16 MiB, then NORMAL 16 MiB */
    };
    if (nbanks)
        return;
    for (size_t i = 0; i < sizeof(std) / sizeof(std[0]); i++) {
        fake_mmu_add_bank(std[i].base, std[i].size);
        int rc = page_add_ram(std[i].base, std[i].size);
        assert(rc == 0);
        (void)rc;
    }
    mm_set_allocator(fake_alloc, fake_free);
}

static entry_t **slot(mmu_dir_t *dir, uintptr_t va)
{
    entry_t **p = &dir->bucket[(va >> PAGE_SHIFT) % BUCKETS];
    while (*p && (*p)->va != va)
        p = &(*p)->next;
    return p;
}

static void mark_pending(mmu_dir_t *dir, entry_t *e)
{
    if (!e->pending)
        dir->pending++;
    e->pending = true;
}

/* The present large translation covering `va`, or NULL. */
static large_t *large_at(mmu_dir_t *dir, uintptr_t va)
{
    for (large_t *l = dir->large; l; l = l->next)
        if ((l->flags & MMU_PRESENT) && va - l->va < MMU_LARGE_SIZE)
            return l;
    return NULL;
}

static void large_pending(mmu_dir_t *dir, large_t *l)
{
    if (!l->pending)
        dir->pending++;
    l->pending = true;
}

static bool has_table(const mmu_dir_t *dir, uintptr_t va)
{
    uintptr_t span = va & ~(uintptr_t)(MMU_LARGE_SIZE - 1);
    for (size_t i = 0; i < dir->ntables; i++)
        if (dir->tables[i] == span)
            return true;
    return false;
}

/* Records the table of `va`'s span (mmu_map, mmu_prepare, mmu_split). */
static void add_table(mmu_dir_t *dir, uintptr_t va)
{
    if (has_table(dir, va))
        return;
    if (dir->ntables == dir->table_room) {
        dir->table_room = dir->table_room ? 2 * dir->table_room : 16;
        dir->tables = realloc(dir->tables, dir->table_room * sizeof(uintptr_t));
        assert(dir->tables);
    }
    dir->tables[dir->ntables++] = va & ~(uintptr_t)(MMU_LARGE_SIZE - 1);
}

/* True when an injected failure is due (a table allocation). */
static bool map_fail_due(void)
{
    return map_fail_countdown && --map_fail_countdown == 0;
}

mmu_dir_t *mmu_kernel_dir(void)
{
    return &kernel_dir;
}

mmu_dir_t *mmu_dir_create(void)
{
    mmu_dir_t *dir = calloc(1, sizeof(*dir));
    if (dir)
        live_dirs++;
    return dir;
}

void mmu_dir_destroy(mmu_dir_t *dir)
{
    assert(dir != &kernel_dir && dir->present == 0);
    free(dir->tables);
    while (dir->large) {
        large_t *l = dir->large;
        dir->large = l->next;
        free(l);
    }
    for (int b = 0; b < BUCKETS; b++)
        while (dir->bucket[b]) {
            entry_t *e = dir->bucket[b];
            dir->bucket[b] = e->next;
            free(e);
        }
    free(dir);
    live_dirs--;
}

int mmu_map(mmu_dir_t *dir, uintptr_t va, phys_addr_t pa, int flags)
{
    assert(!(va & PAGE_MASK) && !(pa & PAGE_MASK) && !(flags & ~ENTRY_FLAGS));
    assert((dir == &kernel_dir) ==
           !(flags & MMU_USER)); /* as x86: user pages below */
    assert(!large_at(dir, va)); /* mm/ splits before it changes a part */
    entry_t **p = slot(dir, va);
    if (!(*p && (*p)->prepared) && map_fail_due())
        return -ENOMEM;
    if (dir != &kernel_dir)
        add_table(dir, va);
    if (!*p) {
        *p = calloc(1, sizeof(entry_t));
        assert(*p);
        (*p)->va = va;
    } else if ((*p)->flags & MMU_PRESENT) {
        mark_pending(dir, *p);
        dir->present--;
    }
    (*p)->pa = pa;
    (*p)->flags = flags | MMU_PRESENT;
    dir->present++;
    return 0;
}

void mmu_free_table(mmu_dir_t *dir, uintptr_t va)
{
    assert(!(va & (MMU_LARGE_SIZE - 1)) && !large_at(dir, va));
    for (size_t i = 0; i < dir->ntables; i++)
        if (dir->tables[i] == va) {
            dir->tables[i] = dir->tables[--dir->ntables];
            break;
        }
    for (uintptr_t a = va; a < va + MMU_LARGE_SIZE; a += PAGE_SIZE) {
        entry_t **p = slot(dir, a);
        assert(!*p || (!((*p)->flags & MMU_PRESENT) && !(*p)->pending));
        if (*p) {
            entry_t *e = *p;
            *p = e->next;
            free(e);
        }
    }
}

bool mmu_large_free(mmu_dir_t *dir, uintptr_t va)
{
    return !large_at(dir, va) && !has_table(dir, va);
}

int mmu_map_large(mmu_dir_t *dir, uintptr_t va, phys_addr_t pa, int flags)
{
    assert(!(va & (MMU_LARGE_SIZE - 1)) && !(pa & (MMU_LARGE_SIZE - 1)));
    assert(!(flags & ~ENTRY_FLAGS) && (flags & MMU_USER) && dir != &kernel_dir);
    if (!mmu_large_free(dir, va))
        return -EEXIST;
    if (map_fail_due())
        return -ENOMEM;
    large_t *l = calloc(1, sizeof(*l));
    assert(l);
    *l = (large_t){va, pa, flags | MMU_PRESENT, false, dir->large};
    dir->large = l;
    dir->present += MMU_LARGE_PAGES;
    return 0;
}

/* The 512 entries are prepared: the table now exists, as on x86. */
int mmu_split(mmu_dir_t *dir, uintptr_t va)
{
    large_t **pl = &dir->large;
    while (*pl && !(((*pl)->flags & MMU_PRESENT) &&
                    va - (*pl)->va < MMU_LARGE_SIZE))
        pl = &(*pl)->next;
    if (!*pl)
        return -ENOENT;
    if (map_fail_due())
        return -ENOMEM;
    large_t *l = *pl;
    add_table(dir, l->va);
    for (size_t i = 0; i < MMU_LARGE_PAGES; i++) {
        uintptr_t a = l->va + i * PAGE_SIZE;
        entry_t **p = slot(dir, a);
        if (!*p) {
            *p = calloc(1, sizeof(entry_t));
            assert(*p);
            (*p)->va = a;
        }
        (*p)->pa = l->pa + i * PAGE_SIZE;
        (*p)->flags = l->flags;
        (*p)->prepared = true;
    }
    if (l->pending) { /* its old state is still to flush: keep it absent */
        l->flags = 0;
    } else {
        *pl = l->next;
        free(l);
    }
    return 0;
}

/* As x86: the span is flushed first (its pending changes with it), then
 * its entries and table go and one large translation takes their place. */
int mmu_promote(mmu_dir_t *dir, uintptr_t va, phys_addr_t pa, int flags)
{
    assert(!(va & (MMU_LARGE_SIZE - 1)) && !(pa & (MMU_LARGE_SIZE - 1)));
    assert(!(flags & ~ENTRY_FLAGS) && (flags & MMU_USER) && dir != &kernel_dir);
    if (large_at(dir, va) || !has_table(dir, va))
        return -ENOENT;
    mmu_flush(dir, va, MMU_LARGE_SIZE);
    int seen = 0;
    for (uintptr_t a = va; a < va + MMU_LARGE_SIZE; a += PAGE_SIZE) {
        entry_t **p = slot(dir, a);
        if (!*p)
            continue;
        entry_t *e = *p;
        assert(!e->pending);
        if (e->flags & MMU_PRESENT) {
            seen |= e->flags & (MMU_ACCESSED | MMU_DIRTY);
            dir->present--;
        }
        *p = e->next;
        free(e);
    }
    for (size_t i = 0; i < dir->ntables; i++)
        if (dir->tables[i] == va) {
            dir->tables[i] = dir->tables[--dir->ntables];
            break;
        }
    large_t *l = calloc(1, sizeof(*l));
    assert(l);
    *l = (large_t){va, pa, flags | MMU_PRESENT | seen, false, dir->large};
    dir->large = l;
    dir->present += MMU_LARGE_PAGES;
    promotes++;
    return 0;
}

/* A prepared entry stands for x86's page table: it stays (absent) after an
 * unmap and its flush, and its mmu_map is exempt from injected failures.
 * Preparing consumes one injected failure, as a table allocation would. */
int mmu_prepare(mmu_dir_t *dir, uintptr_t va)
{
    assert(!(va & PAGE_MASK));
    assert(!large_at(dir, va));
    entry_t **p = slot(dir, va);
    if (*p && (*p)->prepared)
        return 0;
    if (map_fail_due())
        return -ENOMEM;
    if (dir != &kernel_dir)
        add_table(dir, va);
    if (!*p) {
        *p = calloc(1, sizeof(entry_t));
        assert(*p);
        (*p)->va = va;
    }
    (*p)->prepared = true;
    prepares++;
    return 0;
}

phys_addr_t mmu_unmap(mmu_dir_t *dir, uintptr_t va, int *flags)
{
    large_t *l = large_at(dir, va);
    if (l) {
        assert(l->va == va);
        if (flags)
            *flags = l->flags | MMU_LARGE;
        l->flags = 0;
        dir->present -= MMU_LARGE_PAGES;
        large_pending(dir, l);
        return l->pa;
    }
    entry_t *e = *slot(dir, va);
    if (!e || !(e->flags & MMU_PRESENT))
        return (phys_addr_t)-1;
    if (flags)
        *flags = e->flags;
    e->flags = 0;
    dir->present--;
    mark_pending(dir, e);
    return e->pa;
}

int mmu_protect(mmu_dir_t *dir, uintptr_t va, int flags)
{
    assert(!(flags & ~ENTRY_FLAGS) &&
           (dir == &kernel_dir) == !(flags & MMU_USER));
    large_t *l = large_at(dir, va);
    if (l) {
        assert(l->va == va);
        int now = flags | (l->flags & ~ENTRY_FLAGS);
        if (now != l->flags)
            large_pending(dir, l);
        l->flags = now;
        return 0;
    }
    entry_t *e = *slot(dir, va);
    if (!e || !(e->flags & MMU_PRESENT))
        return -ENOENT;
    int now = flags | (e->flags & ~ENTRY_FLAGS);
    if (now != e->flags)
        mark_pending(dir, e);
    e->flags = now;
    return 0;
}

int mmu_query(mmu_dir_t *dir, uintptr_t va, phys_addr_t *pa)
{
    entry_t *e = *slot(dir, va & ~(uintptr_t)PAGE_MASK);
    if (!e || !(e->flags & MMU_PRESENT)) {
        large_t *l = large_at(dir, va);
        if (!l)
            return 0;
        if (pa)
            *pa = l->pa + ((va - l->va) & ~(uintptr_t)PAGE_MASK);
        return l->flags | MMU_LARGE;
    }
    if (pa)
        *pa = e->pa;
    return e->flags;
}

/* Page by page while the range is short, else one pass over every entry:
 * the cost stays below min(pages, BUCKETS + entries) per call. */
uintptr_t mmu_next_mapped(mmu_dir_t *dir, uintptr_t va, uintptr_t end)
{
    assert(!(va & PAGE_MASK));
    if (!dir->present)
        return end;
    for (int n = 0; va < end && n < BUCKETS; n++) {
        if (mmu_query(dir, va, NULL) & MMU_PRESENT)
            return va;
        if (va + PAGE_SIZE < va)
            return end;
        va += PAGE_SIZE;
    }
    uintptr_t best = end;
    for (large_t *l = dir->large; va < end && l; l = l->next)
        if ((l->flags & MMU_PRESENT) && l->va + MMU_LARGE_SIZE > va) {
            uintptr_t from = l->va > va ? l->va : va;
            best = from < best ? from : best;
        }
    for (int b = 0; va < end && b < BUCKETS; b++)
        for (entry_t *e = dir->bucket[b]; e; e = e->next)
            if ((e->flags & MMU_PRESENT) && e->va >= va && e->va < best)
                best = e->va;
    return best;
}

static void flush_bucket(mmu_dir_t *dir, int b, uintptr_t va, size_t length)
{
    for (entry_t **p = &dir->bucket[b]; *p;) {
        entry_t *e = *p;
        if (e->pending && e->va - va < length) {
            e->pending = false;
            dir->pending--;
            if (!(e->flags & MMU_PRESENT) && !e->prepared) {
                *p = e->next;
                free(e);
                continue;
            }
        }
        p = &e->next;
    }
}

void mmu_flush(mmu_dir_t *dir, uintptr_t va, size_t length)
{
    flushes++;
    for (large_t **pl = &dir->large; *pl;) { /* any address inside drops it */
        large_t *l = *pl;
        if (l->pending && l->va < va + length && va < l->va + MMU_LARGE_SIZE) {
            l->pending = false;
            dir->pending--;
            if (!(l->flags & MMU_PRESENT)) {
                *pl = l->next;
                free(l);
                continue;
            }
        }
        pl = &l->next;
    }
    if (length / PAGE_SIZE < BUCKETS) {
        for (size_t off = 0; off < length; off += PAGE_SIZE)
            flush_bucket(dir, ((va + off) >> PAGE_SHIFT) % BUCKETS, va, length);
    } else {
        for (int b = 0; b < BUCKETS; b++)
            flush_bucket(dir, b, va, length);
    }
}

void mmu_switch(mmu_dir_t *dir)
{
    (void)dir;
}

void *mmu_kaddr(phys_addr_t pa)
{
    for (int i = 0; i < nbanks; i++)
        if (pa - banks[i].base < banks[i].size)
            return banks[i].mem + (pa - banks[i].base);
    assert(!"mmu_kaddr: address outside the fake RAM");
    return NULL;
}

phys_addr_t mmu_paddr(const void *kaddr)
{
    const unsigned char *p = kaddr;
    for (int i = 0; i < nbanks; i++)
        if (p >= banks[i].mem && p < banks[i].mem + banks[i].size)
            return banks[i].base + (phys_addr_t)(p - banks[i].mem);
    assert(!"mmu_paddr: not a direct-map address");
    return 0;
}

size_t fake_mmu_pending(mmu_dir_t *dir)
{
    return dir->pending;
}
size_t fake_mmu_count(mmu_dir_t *dir)
{
    return dir->present;
}
long fake_mmu_live_dirs(void)
{
    return live_dirs;
}
unsigned long fake_mmu_flushes(void)
{
    return flushes;
}
unsigned long fake_mmu_prepares(void)
{
    return prepares;
}
unsigned long fake_mmu_promotes(void)
{
    return promotes;
}
size_t fake_mmu_tables(mmu_dir_t *dir)
{
    return dir->ntables;
}
void fake_mmu_fail_nth(unsigned long n)
{
    map_fail_countdown = n;
}

bool fake_mmu_access(mmu_dir_t *dir, uintptr_t va, int access)
{
    large_t *l = large_at(dir, va);
    if (l) {
        if ((l->flags & access) != access)
            return false;
        l->flags |= MMU_ACCESSED | (access & MMU_WRITE ? MMU_DIRTY : 0);
        return true;
    }
    entry_t *e = *slot(dir, va & ~(uintptr_t)PAGE_MASK);
    if (!e || !(e->flags & MMU_PRESENT) || (e->flags & access) != access)
        return false;
    e->flags |= MMU_ACCESSED | (access & MMU_WRITE ? MMU_DIRTY : 0);
    return true;
}

unsigned char *fake_mmu_ptr(mmu_dir_t *dir, uintptr_t va)
{
    phys_addr_t pa;
    if (!(mmu_query(dir, va, &pa) & MMU_PRESENT))
        return NULL;
    return (unsigned char *)mmu_kaddr(pa) + (va & PAGE_MASK);
}

void *fake_alloc(size_t size)
{
    if (alloc_fail_countdown && --alloc_fail_countdown == 0)
        return NULL;
    void *p = malloc(size);
    if (p)
        alloc_live++;
    return p;
}

void fake_free(void *ptr)
{
    if (ptr)
        alloc_live--;
    free(ptr);
}

void fake_alloc_fail_nth(unsigned long n)
{
    alloc_fail_countdown = n;
}
long fake_alloc_live(void)
{
    return alloc_live;
}
