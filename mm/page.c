/*
 * mm/page.c - physical frames: a buddy allocator per zone over regions that
 * carry their own descriptors.
 *
 * Boot does no work per frame: a region's whole aligned blocks of the
 * largest order go to the free lists with only their head descriptor
 * written; the other descriptors of such a block are cleared the first
 * time it is split or taken (its bit in `ready`).  Buddies below the
 * largest order never leave their largest-order block, so the buddy
 * checks only read descriptors of ready blocks.
 *
 * Kinds (as Linux's migrate types, against fragmentation): a largest-order
 * block that is split belongs to the kind that split it, kernel (tables,
 * slabs, stacks: never freed in bulk) or user (anonymous and file pages,
 * superpages: freed by whole ranges); each kind takes its small blocks
 * from its own blocks first, a whole free block next, the other kind's
 * last.  So kernel frames do not pin every 2 MiB of RAM that user memory
 * gives back, and superpages stay available.
 *
 * Pinned frames (page_add_pinned, a boot module's) lie outside every
 * region: they have no descriptor, so their reference operations do
 * nothing and nothing ever frees them.
 *
 * Lock legend: (c) constant after page_add_ram, (z) zone lock, (a) atomic.
 * Lock order: a zone lock is a leaf (nothing is taken while holding it).
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "arch/cpu.h"
#include "mm/page.h"

#define PG_FREE 0x1 /* head of a free block of order `order` */
#define PG_META 0x2 /* holds the descriptors of its region: never free */

typedef struct page_desc {
    struct page_desc *next, *prev; /* (z) free-list links of a free head */
    uint32_t ref;                  /* (a) references; 0 while free */
    uint8_t order;                 /* (z) order of the free block it heads */
    uint8_t flags;                 /* (z) PG_* */
    uint8_t kind;                  /* (z) free list of a free head */
    void *owner;                   /* owner-defined (kalloc: its slab) */
} page_desc_t;

typedef struct region {
    phys_addr_t base;    /* (c) first frame */
    size_t count;        /* (c) frames described (meta frames too) */
    size_t meta;         /* (c) leading frames holding descriptors */
    struct region *next; /* (c) next region, by address */
    uint64_t *ready;     /* (z) per largest-order block: descriptors valid */
    uint64_t *user;      /* (z) per largest-order block: split by a user
                            allocation (its free pieces are user-kind) */
    page_desc_t pages[]; /* descriptors of the `count` frames */
} region_t;

#define MAX_BLOCK_SHIFT (PAGE_SHIFT + PAGE_MAX_ORDER)

typedef struct zone {
    splock_t lock;
    page_desc_t *free[PAGE_MAX_ORDER + 1][PAGE_KINDS]; /* (z) free heads, per
                                    order and kind (whole blocks: kind 0) */
    size_t total;                          /* (z) frames managed */
    size_t nfree;                          /* (z) frames free */
} zone_t;

static region_t *regions; /* (c) sorted by base */

/* Pinned frames (page_add_pinned): [base, end) ranges outside every
 * region, set at boot before any user. */
static struct {
    phys_addr_t base, end;
} pinned[PAGE_MAX_PINNED]; /* (c) */
static size_t npinned;     /* (c) */
static zone_t zones[ZONE_COUNT];
static unsigned long fail_countdown; /* (a) fault injection, 0 = off */

static enum page_zone zone_of(phys_addr_t pa)
{
    if (pa < ZONE_DMA_END)
        return ZONE_DMA;
    return pa < ZONE_DMA32_END ? ZONE_DMA32 : ZONE_NORMAL;
}

static region_t *region_of(phys_addr_t pa)
{
    for (region_t *r = regions; r && r->base <= pa; r = r->next)
        if (pa - r->base < (phys_addr_t)r->count * PAGE_SIZE)
            return r;
    return NULL;
}

static page_desc_t *desc_of(region_t *r, phys_addr_t pa)
{
    return &r->pages[(pa - r->base) >> PAGE_SHIFT];
}

static phys_addr_t addr_of(region_t *r, page_desc_t *d)
{
    return r->base + ((phys_addr_t)(d - r->pages) << PAGE_SHIFT);
}

bool page_is_pinned(phys_addr_t pa)
{
    for (size_t i = 0; i < npinned; i++)
        if (pa >= pinned[i].base && pa < pinned[i].end)
            return true;
    return false;
}

/* True when `pa` is a pinned frame (no descriptor, references not
 * counted); anything else must be RAM (asserted by desc_checked). */
static bool is_pinned(phys_addr_t pa)
{
    return npinned && !region_of(pa) && page_is_pinned(pa);
}

/* The descriptor of an allocated or free frame; asserts it is RAM. */
static page_desc_t *desc_checked(phys_addr_t pa, region_t **rp)
{
    region_t *r = region_of(pa);
    assert(r && !(pa & PAGE_MASK));
    if (rp)
        *rp = r;
    return desc_of(r, pa);
}

static void list_push(zone_t *z, page_desc_t *d, unsigned order, unsigned kind)
{
    d->flags |= PG_FREE;
    d->order = (uint8_t)order;
    d->kind = (uint8_t)kind;
    d->prev = NULL;
    d->next = z->free[order][kind];
    if (d->next)
        d->next->prev = d;
    z->free[order][kind] = d;
}

static void list_remove(zone_t *z, page_desc_t *d)
{
    if (d->prev)
        d->prev->next = d->next;
    else
        z->free[d->order][d->kind] = d->next;
    if (d->next)
        d->next->prev = d->prev;
    d->flags &= (uint8_t)~PG_FREE;
    d->next = d->prev = NULL;
}

static size_t block_index(const region_t *r, phys_addr_t pa);

/* The free list kind of the block of `order` at `pa`: its largest-order
 * block's kind, none (0) for a whole one. */
static unsigned block_kind(const region_t *r, phys_addr_t pa, unsigned order)
{
    if (order == PAGE_MAX_ORDER)
        return 0;
    size_t i = block_index(r, pa);
    return (r->user[i / 64] >> (i % 64)) & 1 ? PAGE_USER : PAGE_KERNEL;
}

static void block_set_kind(region_t *r, phys_addr_t pa, unsigned kind)
{
    size_t i = block_index(r, pa);
    if (kind == PAGE_USER)
        r->user[i / 64] |= (uint64_t)1 << (i % 64);
    else
        r->user[i / 64] &= ~((uint64_t)1 << (i % 64));
}

/* Frees the block of 2^order frames at `pa`, merging with free buddies of
 * the same region.  Zone lock held. */
static void block_free(zone_t *z, region_t *r, phys_addr_t pa, unsigned order)
{
    phys_addr_t lo = r->base + ((phys_addr_t)r->meta << PAGE_SHIFT);
    phys_addr_t hi = r->base + ((phys_addr_t)r->count << PAGE_SHIFT);
    while (order < PAGE_MAX_ORDER) {
        phys_addr_t buddy = pa ^ ((phys_addr_t)PAGE_SIZE << order);
        if (buddy < lo || buddy >= hi)
            break;
        page_desc_t *b = desc_of(r, buddy);
        if (!(b->flags & PG_FREE) || b->order != order)
            break;
        list_remove(z, b);
        pa = pa < buddy ? pa : buddy;
        order++;
    }
    list_push(z, desc_of(r, pa), order, block_kind(r, pa, order));
}

/* Index of the largest-order block holding `pa` within region `r`. */
static size_t block_index(const region_t *r, phys_addr_t pa)
{
    return (size_t)((pa >> MAX_BLOCK_SHIFT) - (r->base >> MAX_BLOCK_SHIFT));
}

static bool block_is_ready(const region_t *r, phys_addr_t pa)
{
    size_t i = block_index(r, pa);
    return (r->ready[i / 64] >> (i % 64)) & 1;
}

/* Clears the descriptors of the free largest-order block at `pa` the first
 * time it is split or taken.  Zone lock held. */
static void block_ready(region_t *r, phys_addr_t pa)
{
    size_t i = block_index(r, pa);
    if (block_is_ready(r, pa))
        return;
    memset(desc_of(r, pa), 0, sizeof(page_desc_t) << PAGE_MAX_ORDER);
    r->ready[i / 64] |= (uint64_t)1 << (i % 64);
}

/* The first free head of order >= `order` in `z`'s lists of `kind`
 * (orders below the largest: those are split blocks), or NULL. */
static page_desc_t *first_free(zone_t *z, unsigned order, unsigned kind)
{
    for (unsigned k = order; k < PAGE_MAX_ORDER; k++)
        if (z->free[k][kind])
            return z->free[k][kind];
    return NULL;
}

/* Takes a free block of exactly 2^order frames from `z` for `kind`,
 * splitting a larger one: the kind's own pieces first, then a whole
 * block (it becomes the kind's), then the other kind's pieces; returns 0
 * if none.  Zone lock held. */
static phys_addr_t block_alloc(zone_t *z, unsigned order, unsigned kind)
{
    page_desc_t *d = first_free(z, order, kind);
    bool whole = false;
    if (!d && (d = z->free[PAGE_MAX_ORDER][0]))
        whole = true;
    if (!d)
        d = first_free(z, order, !kind);
    if (!d)
        return 0;
    unsigned k = d->order;
    region_t *r = regions;
    list_remove(z, d);
    while (d < r->pages || d >= r->pages + r->count)
        r = r->next;
    phys_addr_t pa = addr_of(r, d);
    if (whole) {
        block_ready(r, pa);
        block_set_kind(r, pa, kind);
    }
    while (k > order) {
        k--;
        phys_addr_t half = pa + ((phys_addr_t)PAGE_SIZE << k);
        list_push(z, desc_of(r, half), k, block_kind(r, half, k));
    }
    return pa;
}

static bool fail_injected(void)
{
    unsigned long n = __atomic_load_n(&fail_countdown, __ATOMIC_RELAXED);
    if (n == 0)
        return false;
    return __atomic_sub_fetch(&fail_countdown, 1, __ATOMIC_RELAXED) == 0;
}

static void region_insert(region_t *r)
{
    region_t **p = &regions;
    while (*p && (*p)->base < r->base)
        p = &(*p)->next;
    r->next = *p;
    *p = r;
}

static bool region_overlaps(phys_addr_t base, phys_addr_t end)
{
    for (region_t *r = regions; r; r = r->next)
        if (base < r->base + ((phys_addr_t)r->count << PAGE_SHIFT) &&
            r->base < end)
            return true;
    return false;
}

/* Clears the descriptors of the frames of [pa, end) outside whole
 * largest-order blocks: those are freed in smaller blocks, one by one, and
 * a buddy check may read a neighbour not freed yet (RAM the loader left
 * dirty must not look like a free block). */
static void region_clear_edges(region_t *r, phys_addr_t pa, phys_addr_t end)
{
    phys_addr_t max = (phys_addr_t)1 << MAX_BLOCK_SHIFT;
    phys_addr_t first = (pa + max - 1) & ~(max - 1);
    phys_addr_t last = end & ~(max - 1);
    if (first > end)
        first = end;
    if (last < first)
        last = first;
    if (first > pa)
        memset(desc_of(r, pa), 0,
               ((first - pa) >> PAGE_SHIFT) * sizeof(page_desc_t));
    if (end > last)
        memset(desc_of(r, last), 0,
               ((end - last) >> PAGE_SHIFT) * sizeof(page_desc_t));
}

/* Gives [pa, end) to the buddy lists as maximal aligned blocks. */
static void region_release_blocks(region_t *r, phys_addr_t pa, phys_addr_t end)
{
    region_clear_edges(r, pa, end);
    while (pa < end) {
        unsigned order = 0;
        while (order < PAGE_MAX_ORDER &&
               !(pa & (((phys_addr_t)PAGE_SIZE << (order + 1)) - 1)) &&
               pa + ((phys_addr_t)PAGE_SIZE << (order + 1)) <= end &&
               zone_of(pa) ==
                   zone_of(pa + ((phys_addr_t)PAGE_SIZE << (order + 1)) - 1))
            order++;
        zone_t *z = &zones[zone_of(pa)];
        size_t descs = order == PAGE_MAX_ORDER ? 1 : (size_t)1 << order;
        memset(desc_of(r, pa), 0,
               descs * sizeof(page_desc_t)); /* not ready yet */
        unsigned long irq = irq_save();
        splock_lock(&z->lock);
        z->total += (size_t)1 << order;
        z->nfree += (size_t)1 << order;
        block_free(z, r, pa, order);
        splock_unlock(&z->lock);
        irq_restore(irq);
        pa += (phys_addr_t)PAGE_SIZE << order;
    }
}

/* True when [base, end) meets a pinned range. */
static bool pinned_overlaps(phys_addr_t base, phys_addr_t end)
{
    for (size_t i = 0; i < npinned; i++)
        if (base < pinned[i].end && pinned[i].base < end)
            return true;
    return false;
}

int page_add_pinned(phys_addr_t base, size_t length)
{
    phys_addr_t end = base + length;
    if ((base & PAGE_MASK) || (length & PAGE_MASK) || !length || end < base)
        return -EINVAL;
    if (region_overlaps(base, end))
        return -EEXIST;
    if (pinned_overlaps(base, end))
        return -EEXIST;
    if (npinned == PAGE_MAX_PINNED)
        return -ENOSPC;
    pinned[npinned].base = base;
    pinned[npinned].end = end;
    npinned++;
    return 0;
}

int page_add_ram(phys_addr_t base, size_t length)
{
    phys_addr_t end = base + length;
    if (end < base)
        return -EINVAL;
    base = (base + PAGE_MASK) & ~(phys_addr_t)PAGE_MASK;
    end &= ~(phys_addr_t)PAGE_MASK;
    if (base == 0)
        base = PAGE_SIZE;
    if (end <= base)
        return -EINVAL;
    size_t count = (size_t)((end - base) >> PAGE_SHIFT);
    size_t blocks =
        (size_t)(((end - 1) >> MAX_BLOCK_SHIFT) - (base >> MAX_BLOCK_SHIFT)) +
        1;
    size_t desc_bytes = sizeof(region_t) + count * sizeof(page_desc_t);
    size_t meta_bytes = desc_bytes + 2 * ((blocks + 63) / 64 * sizeof(uint64_t));
    size_t meta = (meta_bytes + PAGE_MASK) >> PAGE_SHIFT;
    if (meta >= count)
        return -EINVAL;
    if (region_overlaps(base, end))
        return -EEXIST;
    if (pinned_overlaps(base, end))
        return -EEXIST;
    region_t *r = mmu_kaddr(base);
    memset(r, 0, sizeof(*r) + meta * sizeof(page_desc_t));
    r->base = base;
    r->count = count;
    r->meta = meta;
    r->ready = (uint64_t *)((char *)r + desc_bytes);
    memset(r->ready, 0, (blocks + 63) / 64 * sizeof(uint64_t));
    r->user = r->ready + (blocks + 63) / 64;
    memset(r->user, 0, (blocks + 63) / 64 * sizeof(uint64_t));
    for (size_t i = 0; i < meta; i++) {
        r->pages[i].flags = PG_META;
        r->pages[i].ref = 1;
    }
    region_insert(r);
    region_release_blocks(r, base + ((phys_addr_t)meta << PAGE_SHIFT), end);
    return 0;
}

static void frames_take(region_t *r, phys_addr_t pa, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        page_desc_t *d = desc_of(r, pa + ((phys_addr_t)i << PAGE_SHIFT));
        assert(d->ref == 0 && !(d->flags & PG_FREE));
        d->ref = 1;
        d->owner = NULL;
    }
}

static phys_addr_t new_range(size_t count, enum page_zone zone, unsigned kind)
{
    unsigned order = 0;
    if (count == 0 || count > ((size_t)1 << PAGE_MAX_ORDER) ||
        zone >= ZONE_COUNT)
        return 0;
    while (((size_t)1 << order) < count)
        order++;
    if (fail_injected())
        return 0;
    for (int zi = (int)zone; zi >= 0; zi--) {
        zone_t *z = &zones[zi];
        unsigned long irq = irq_save();
        splock_lock(&z->lock);
        phys_addr_t pa = block_alloc(z, order, kind);
        if (pa) {
            region_t *r = region_of(pa);
            size_t tail = ((size_t)1 << order) - count;
            z->nfree -= count;
            frames_take(r, pa, count);
            /* Give back the unused tail as aligned blocks. */
            for (size_t i = count; i < count + tail;) {
                unsigned o = 0;
                while (!((i >> o) & 1) &&
                       i + ((size_t)2 << o) <= ((size_t)1 << order))
                    o++;
                block_free(z, r, pa + ((phys_addr_t)i << PAGE_SHIFT), o);
                i += (size_t)1 << o;
            }
        }
        splock_unlock(&z->lock);
        irq_restore(irq);
        if (pa)
            return pa;
    }
    return 0;
}

phys_addr_t page_new_range(size_t count, enum page_zone zone)
{
    return new_range(count, zone, PAGE_KERNEL);
}

phys_addr_t page_new(void)
{
    return new_range(1, ZONE_NORMAL, PAGE_KERNEL);
}

phys_addr_t page_new_user(void)
{
    return new_range(1, ZONE_NORMAL, PAGE_USER);
}

phys_addr_t page_new_huge(void)
{
    return new_range((size_t)1 << PAGE_HUGE_ORDER, ZONE_NORMAL, PAGE_USER);
}

static void frame_free(phys_addr_t pa)
{
    region_t *r;
    page_desc_t *d = desc_checked(pa, &r);
    zone_t *z = &zones[zone_of(pa)];
#ifndef NDEBUG
    memset(mmu_kaddr(pa), 0x6b, PAGE_SIZE); /* junk: catch use after free */
#endif
    unsigned long irq = irq_save();
    splock_lock(&z->lock);
    d->owner = NULL;
    z->nfree++;
    block_free(z, r, pa, 0);
    splock_unlock(&z->lock);
    irq_restore(irq);
}

void page_release(phys_addr_t pa)
{
    page_desc_t *d = desc_checked(pa, NULL);
    assert(d->ref == 1 && !(d->flags & PG_META));
    d->ref = 0;
    frame_free(pa);
}

void page_ref(phys_addr_t pa)
{
    if (is_pinned(pa))
        return;
    page_desc_t *d = desc_checked(pa, NULL);
    uint32_t now = __atomic_add_fetch(&d->ref, 1, __ATOMIC_RELAXED);
    assert(now > 1 && !(d->flags & PG_META));
    (void)now;
}

uint32_t page_unref(phys_addr_t pa)
{
    if (is_pinned(pa))
        return PAGE_PINNED_REFS;
    page_desc_t *d = desc_checked(pa, NULL);
    assert(d->ref > 0 && !(d->flags & PG_META));
    uint32_t left = __atomic_sub_fetch(&d->ref, 1, __ATOMIC_ACQ_REL);
    if (left == 0)
        frame_free(pa);
    return left;
}

/* The descriptors of the `count` frames from `pa`, one region's. */
static page_desc_t *range_checked(phys_addr_t pa, size_t count, region_t **rp)
{
    page_desc_t *d = desc_checked(pa, rp);
    assert(count <= (*rp)->count - (size_t)(d - (*rp)->pages));
    return d;
}

void page_ref_range(phys_addr_t pa, size_t count)
{
    if (is_pinned(pa))
        return;
    region_t *r;
    page_desc_t *d = range_checked(pa, count, &r);
    for (size_t i = 0; i < count; i++) {
        uint32_t now = __atomic_add_fetch(&d[i].ref, 1, __ATOMIC_RELAXED);
        assert(now > 1 && !(d[i].flags & PG_META));
        (void)now;
    }
}

size_t page_unref_range(phys_addr_t pa, size_t count)
{
    if (is_pinned(pa))
        return 0;
    region_t *r;
    page_desc_t *d = range_checked(pa, count, &r);
    size_t freed = 0;
    for (size_t i = 0; i < count; i++) {
        assert(d[i].ref > 0 && !(d[i].flags & PG_META));
        freed += __atomic_sub_fetch(&d[i].ref, 1, __ATOMIC_ACQ_REL) == 0;
    }
    unsigned order = (unsigned)__builtin_ctzl(count);
    if (freed == count && count == (size_t)1 << order &&
        order <= PAGE_MAX_ORDER && !(pa & (((phys_addr_t)count << PAGE_SHIFT) - 1))) {
        /* a whole aligned block (a superpage): back to the buddy at once */
        zone_t *z = &zones[zone_of(pa)];
#ifndef NDEBUG
        memset(mmu_kaddr(pa), 0x6b, count << PAGE_SHIFT);
#endif
        for (size_t i = 0; i < count; i++)
            d[i].owner = NULL;
        unsigned long irq = irq_save();
        splock_lock(&z->lock);
        z->nfree += count;
        block_free(z, r, pa, order);
        splock_unlock(&z->lock);
        irq_restore(irq);
        return freed;
    }
    for (size_t i = 0; freed && i < count; i++)
        if (__atomic_load_n(&d[i].ref, __ATOMIC_RELAXED) == 0 &&
            !(d[i].flags & PG_FREE))
            frame_free(pa + ((phys_addr_t)i << PAGE_SHIFT));
    return freed;
}

uint32_t page_refcount(phys_addr_t pa)
{
    if (is_pinned(pa))
        return PAGE_PINNED_REFS;
    return __atomic_load_n(&desc_checked(pa, NULL)->ref, __ATOMIC_RELAXED);
}

bool page_is_ram(phys_addr_t pa)
{
    region_t *r = region_of(pa);
    return r && pa >= r->base + ((phys_addr_t)r->meta << PAGE_SHIFT);
}

void page_zero(phys_addr_t pa)
{
    memset(mmu_kaddr(pa), 0, PAGE_SIZE);
}

void page_copy(phys_addr_t dst, phys_addr_t src)
{
    memcpy(mmu_kaddr(dst), mmu_kaddr(src), PAGE_SIZE);
}

size_t page_free_count(void)
{
    size_t n = 0;
    for (int z = 0; z < ZONE_COUNT; z++)
        n += __atomic_load_n(&zones[z].nfree, __ATOMIC_RELAXED);
    return n;
}

size_t page_total_count(void)
{
    size_t n = 0;
    for (int z = 0; z < ZONE_COUNT; z++)
        n += __atomic_load_n(&zones[z].total, __ATOMIC_RELAXED);
    return n;
}

void page_zone_stats(enum page_zone zone, size_t *total, size_t *free)
{
    assert(zone < ZONE_COUNT);
    *total = __atomic_load_n(&zones[zone].total, __ATOMIC_RELAXED);
    *free = __atomic_load_n(&zones[zone].nfree, __ATOMIC_RELAXED);
}

void page_zone_blocks(enum page_zone zone, size_t counts[PAGE_MAX_ORDER + 1])
{
    assert(zone < ZONE_COUNT);
    zone_t *z = &zones[zone];
    unsigned long irq = irq_save();
    splock_lock(&z->lock);
    for (unsigned o = 0; o <= PAGE_MAX_ORDER; o++) {
        counts[o] = 0;
        for (unsigned k = 0; k < PAGE_KINDS; k++)
            for (page_desc_t *d = z->free[o][k]; d; d = d->next)
                counts[o]++;
    }
    splock_unlock(&z->lock);
    irq_restore(irq);
}

void page_fail_nth(unsigned long n)
{
    __atomic_store_n(&fail_countdown, n, __ATOMIC_RELAXED);
}

void page_set_owner(phys_addr_t pa, void *owner)
{
    page_desc_t *d = desc_checked(pa, NULL);
    assert(d->ref > 0);
    d->owner = owner;
}

/* True when the descriptor of `pa` is valid: outside a largest-order block
 * of the region (cleared at boot) or in a ready one. */
static bool block_ready_or_small(const region_t *r, phys_addr_t pa)
{
    phys_addr_t first = pa & ~(((phys_addr_t)1 << MAX_BLOCK_SHIFT) - 1);
    phys_addr_t usable = r->base + ((phys_addr_t)r->meta << PAGE_SHIFT);
    phys_addr_t end = r->base + ((phys_addr_t)r->count << PAGE_SHIFT);
    bool whole =
        first >= usable && first + ((phys_addr_t)1 << MAX_BLOCK_SHIFT) <= end;
    return !whole || block_is_ready(r, pa);
}

void *page_owner(phys_addr_t pa)
{
    pa &= ~(phys_addr_t)PAGE_MASK;
    region_t *r = region_of(pa);
    if (!r || !block_ready_or_small(r, pa))
        return NULL;
    page_desc_t *d = desc_of(r, pa);
    return d->ref > 0 && !(d->flags & PG_META) ? d->owner : NULL;
}
