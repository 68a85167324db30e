/*
 * mm/kalloc.c - slab allocator over frames.  A slab is 1 or 4 contiguous
 * frames; its header sits at the start of its first frame and every frame
 * of it records the header as its page owner, so kfree finds the slab of
 * any pointer in O(1) and can reject pointers it never gave.  A bitmap per
 * slab catches double frees.
 *
 * Lock legend: (c) constant, (k) the class lock, (h) hook_lock.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "arch/cpu.h"
#include "mm/kalloc.h"
#include "mm/page.h"

#define SLAB_MAGIC 0x5AB5AB00u
#define MAX_OBJS 256
#define SMALL_MAX 2048

typedef struct slab slab_t;
typedef struct kclass {
    splock_t lock;
    uint32_t size;      /* (c) object size */
    uint32_t frames;    /* (c) frames per slab */
    slab_t *partial;    /* (k) slabs with a free object */
    slab_t *empty;      /* (k) one fully free slab kept for reuse */
    kalloc_stat_t stat; /* (k) */
} kclass_t;

struct slab {
    uint32_t magic;        /* (c) SLAB_MAGIC | class index */
    uint16_t total, inuse; /* (c), (k) */
    void *free;          /* (k) free objects, linked through their first word */
    slab_t *next, *prev; /* (k) links in partial */
    uint8_t *objs;       /* (c) first object */
    uint64_t used[MAX_OBJS / 64]; /* (k) allocated objects */
};

static kclass_t classes[] = {
    {.size = 16, .frames = 1},   {.size = 32, .frames = 1},
    {.size = 48, .frames = 1},   {.size = 64, .frames = 1},
    {.size = 96, .frames = 1},   {.size = 128, .frames = 1},
    {.size = 192, .frames = 1},  {.size = 256, .frames = 1},
    {.size = 384, .frames = 1},  {.size = 512, .frames = 1},
    {.size = 768, .frames = 4},  {.size = 1024, .frames = 4},
    {.size = 1536, .frames = 4}, {.size = 2048, .frames = 4},
};
#define NCLASSES ((int)(sizeof(classes) / sizeof(classes[0])))

/* Owner tags of whole-frame blocks, one per buddy order. */
static const char large_tag[PAGE_MAX_ORDER + 1];

/* A block served by the large hook, on the `hooked` list. */
typedef struct hooked {
    void *ptr;
    size_t size;
    struct hooked *next;
} hooked_t;

static void *(*hook_map)(size_t size);
static void (*hook_unmap)(void *ptr, size_t size);
static hooked_t *hooked;             /* (h) few: blocks above 4 MiB */
static splock_t hook_lock;           /* (h) */
static unsigned long fail_countdown; /* (a) */

static bool fail_injected(void)
{
    unsigned long n = __atomic_load_n(&fail_countdown, __ATOMIC_RELAXED);
    return n && __atomic_sub_fetch(&fail_countdown, 1, __ATOMIC_RELAXED) == 0;
}

static int class_of(size_t size)
{
    for (int c = 0; c < NCLASSES; c++)
        if (size <= classes[c].size)
            return c;
    return -1;
}

static void list_push(slab_t **head, slab_t *s)
{
    s->prev = NULL;
    s->next = *head;
    if (s->next)
        s->next->prev = s;
    *head = s;
}

static void list_remove(slab_t **head, slab_t *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        *head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->next = s->prev = NULL;
}

/* A new slab of class `c` with every object free, or NULL.  Class lock held. */
static slab_t *slab_new(int c)
{
    kclass_t *k = &classes[c];
    phys_addr_t pa = page_new_range(k->frames, ZONE_NORMAL);
    if (!pa)
        return NULL;
    slab_t *s = mmu_kaddr(pa);
    size_t bytes = (size_t)k->frames * PAGE_SIZE;
    size_t start = (sizeof(slab_t) + 15) & ~(size_t)15;
    memset(s, 0, sizeof(*s));
    s->magic = SLAB_MAGIC | (uint32_t)c;
    s->objs = (uint8_t *)s + start;
    s->total = (uint16_t)((bytes - start) / k->size);
    assert(s->total <= MAX_OBJS && s->total >= 4);
    for (int i = s->total - 1; i >= 0; i--) {
        void **obj = (void **)(s->objs + (size_t)i * k->size);
        *obj = s->free;
        s->free = obj;
    }
    for (uint32_t f = 0; f < k->frames; f++)
        page_set_owner(pa + (phys_addr_t)f * PAGE_SIZE, s);
    k->stat.slabs++;
    return s;
}

static void slab_release(int c, slab_t *s)
{
    phys_addr_t pa = mmu_paddr(s);
    s->magic = 0;
    for (uint32_t f = 0; f < classes[c].frames; f++)
        page_release(pa + (phys_addr_t)f * PAGE_SIZE);
    classes[c].stat.slabs--;
}

static void *small_alloc(int c)
{
    kclass_t *k = &classes[c];
    unsigned long irq = irq_save();
    splock_lock(&k->lock);
    slab_t *s = k->partial;
    if (!s && k->empty) {
        s = k->empty;
        k->empty = NULL;
        list_push(&k->partial, s);
    }
    if (!s && (s = slab_new(c)) != NULL)
        list_push(&k->partial, s);
    void **obj = NULL;
    if (s) {
        obj = s->free;
        s->free = *obj;
        size_t i = ((uint8_t *)obj - s->objs) / k->size;
        s->used[i / 64] |= (uint64_t)1 << (i % 64);
        if (++s->inuse == s->total)
            list_remove(&k->partial, s);
        k->stat.inuse++;
        k->stat.allocs++;
    }
    splock_unlock(&k->lock);
    irq_restore(irq);
    if (obj)
        memset(obj, 0, k->size);
    return obj;
}

/* A block from the large hook, recorded for kfree. */
static void *hooked_alloc(size_t size)
{
    hooked_t *rec = hook_map ? small_alloc(class_of(sizeof(hooked_t))) : NULL;
    void *p = rec ? hook_map(size) : NULL;
    if (!p) {
        if (rec)
            kfree(rec);
        return NULL;
    }
    rec->ptr = p;
    rec->size = size;
    unsigned long irq = irq_save();
    splock_lock(&hook_lock);
    rec->next = hooked;
    hooked = rec;
    splock_unlock(&hook_lock);
    irq_restore(irq);
    return p;
}

/* Takes the record of `ptr` off the hooked list, or NULL if none. */
static hooked_t *hooked_take(const void *ptr)
{
    hooked_t *rec = NULL;
    unsigned long irq = irq_save();
    splock_lock(&hook_lock);
    for (hooked_t **p = &hooked; *p; p = &(*p)->next)
        if ((*p)->ptr == ptr) {
            rec = *p;
            *p = rec->next;
            break;
        }
    splock_unlock(&hook_lock);
    irq_restore(irq);
    return rec;
}

/* Whole frames for sizes above the slab classes, tagged with their order. */
static void *large_alloc(size_t size)
{
    unsigned order = 0;
    while (((size_t)PAGE_SIZE << order) < size)
        order++;
    if (order > PAGE_MAX_ORDER)
        return hooked_alloc(size);
    phys_addr_t pa = page_new_range((size_t)1 << order, ZONE_NORMAL);
    if (!pa)
        return NULL;
    for (size_t f = 0; f < ((size_t)1 << order); f++)
        page_set_owner(pa + (phys_addr_t)f * PAGE_SIZE,
                       (void *)&large_tag[order]);
    void *p = mmu_kaddr(pa);
    memset(p, 0, (size_t)PAGE_SIZE << order);
    return p;
}

void *kalloc(size_t size)
{
    if (size == 0 || fail_injected())
        return NULL;
    int c = class_of(size);
    return c >= 0 ? small_alloc(c) : large_alloc(size);
}

static void large_free(void *ptr, phys_addr_t pa, const char *tag)
{
    unsigned order = (unsigned)(tag - large_tag);
    size_t count = (size_t)1 << order;
    assert(!(pa & (((phys_addr_t)PAGE_SIZE << order) - 1)) &&
           "kfree: interior pointer");
    (void)ptr;
    for (size_t f = 0; f < count; f++)
        page_release(pa + (phys_addr_t)f * PAGE_SIZE);
}

static void small_free(void *ptr, slab_t *s)
{
    int c = (int)(s->magic & 0xff);
    kclass_t *k = &classes[c];
    size_t off = (size_t)((uint8_t *)ptr - s->objs);
    assert((uint8_t *)ptr >= s->objs && off % k->size == 0 &&
           off / k->size < s->total && "kfree: not an object");
    size_t i = off / k->size;
    unsigned long irq = irq_save();
    splock_lock(&k->lock);
    assert((s->used[i / 64] >> (i % 64)) & 1 && "kfree: double free");
    s->used[i / 64] &= ~((uint64_t)1 << (i % 64));
#ifndef NDEBUG
    memset(ptr, 0x6b, k->size); /* junk: catch use after free */
#endif
    *(void **)ptr = s->free;
    s->free = ptr;
    if (s->inuse-- == s->total)
        list_push(&k->partial, s);
    k->stat.inuse--;
    k->stat.frees++;
    slab_t *drop = NULL;
    if (s->inuse == 0) {
        list_remove(&k->partial, s);
        drop = k->empty;
        k->empty = s;
        if (drop)
            slab_release(c, drop);
    }
    splock_unlock(&k->lock);
    irq_restore(irq);
}

void kfree(void *ptr)
{
    if (!ptr)
        return;
    if (__atomic_load_n(&hooked, __ATOMIC_RELAXED)) {
        hooked_t *rec = hooked_take(ptr);
        if (rec) {
            hook_unmap(rec->ptr, rec->size);
            kfree(rec);
            return;
        }
    }
    phys_addr_t pa = mmu_paddr(ptr);
    const void *owner = page_owner(pa);
    assert(owner && "kfree: pointer not from kalloc");
    if ((const char *)owner >= large_tag &&
        (const char *)owner <= &large_tag[PAGE_MAX_ORDER]) {
        large_free(ptr, pa, owner);
        return;
    }
    slab_t *s = (slab_t *)owner;
    assert((s->magic & ~0xffu) == SLAB_MAGIC &&
           (int)(s->magic & 0xff) < NCLASSES &&
           "kfree: pointer not from kalloc");
    small_free(ptr, s);
}

phys_addr_t kalloc_paddr(const void *ptr)
{
    return mmu_paddr(ptr); /* asserts on an address outside the direct map */
}

void kalloc_set_large_hook(void *(*map)(size_t size),
                           void (*unmap)(void *ptr, size_t size))
{
    hook_map = map;
    hook_unmap = unmap;
}

void kalloc_trim(void)
{
    for (int c = 0; c < NCLASSES; c++) {
        kclass_t *k = &classes[c];
        unsigned long irq = irq_save();
        splock_lock(&k->lock);
        if (k->empty)
            slab_release(c, k->empty);
        k->empty = NULL;
        splock_unlock(&k->lock);
        irq_restore(irq);
    }
}

int kalloc_class_count(void)
{
    return NCLASSES;
}

void kalloc_class_stat(int index, kalloc_stat_t *stat)
{
    assert(index >= 0 && index < NCLASSES);
    kclass_t *k = &classes[index];
    unsigned long irq = irq_save();
    splock_lock(&k->lock);
    *stat = k->stat;
    stat->size = k->size;
    splock_unlock(&k->lock);
    irq_restore(irq);
}

int kalloc_stats(char *buf, size_t size)
{
    size_t len = 0;
    for (int c = 0; c < NCLASSES; c++) {
        kalloc_stat_t st;
        kalloc_class_stat(c, &st);
        char line[96];
        int n =
            snprintf(line, sizeof(line),
                     "kalloc %4zu: %zu slabs %zu in use %zu allocs %zu frees\n",
                     st.size, st.slabs, st.inuse, st.allocs, st.frees);
        if (len < size)
            memcpy(buf + len, line,
                   (size_t)n < size - len ? (size_t)n : size - len);
        len += (size_t)n;
    }
    if (size)
        buf[len < size ? len : size - 1] = '\0';
    return (int)len;
}

void kalloc_fail_nth(unsigned long n)
{
    __atomic_store_n(&fail_countdown, n, __ATOMIC_RELAXED);
}
