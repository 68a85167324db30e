/*
 * libc-shim/huge.c - blocks above LARGE_MAX: one mapping each, aligned to
 * a chunk so the chunk map can name them, described out of band (a small
 * block holds the descriptor).  Lengths are rounded to four steps per
 * power of two (at most 25% more) so that freed blocks fit later
 * requests: they are cached, up to HUGE_CACHE_N of them and heap->retain
 * bytes, and reused best-fit; past that they go back to the kernel.
 */
#include <string.h>

#include "alloc.h"
#include "mspace.h"

static size_t page_round(size_t n)
{
    return (n + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

/* n rounded up to a huge size step: a quarter of its power of two. */
static size_t huge_round(size_t n)
{
    if (n <= LARGE_MAX) /* an over-aligned small request */
        return page_round(n);
    unsigned b = 63 - (unsigned)__builtin_clzl(n - 1);
    size_t step = (size_t)1 << (b - 2);
    return page_round((n + step - 1) & ~(step - 1));
}

/* Unmaps d and forgets it. */
static void huge_destroy(heap_t *h, huge_t *d)
{
    chunkmap_set(d->base, 0);
    mspace_unmap(d->base, d->reserve);
    alloc_free_owned(h, d);
}

/* Takes from the cache the smallest block that can hold len bytes, not
 * more than twice len, or for a `growing` block (realloc will likely want
 * more) the largest one; commits what is missing.  NULL if none. */
static huge_t *cache_take(heap_t *h, size_t len, size_t align, bool growing)
{
    huge_t **best = NULL;
    for (huge_t **link = &h->huge_cache; *link; link = &(*link)->next) {
        huge_t *d = *link;
        if (d->reserve < len || (!growing && d->len / 2 > len) ||
            ((uintptr_t)d->base & (align - 1)))
            continue;
        if (!best ||
            (growing ? d->reserve > (*best)->reserve : d->len < (*best)->len))
            best = link;
    }
    if (!best)
        return NULL;
    huge_t *d = *best;
    if (d->len < len) {
        if (mspace_protect(d->base + d->len, len - d->len, RW) < 0)
            return NULL;
        h->huge_cached += len - d->len;
        d->len = len;
    }
    *best = d->next;
    h->huge_cached -= d->len;
    h->huge_count--;
    d->cached = false;
    return d;
}

void *huge_alloc(heap_t *h, size_t n, size_t align, size_t reserve, bool zero)
{
    size_t len = huge_round(n);
    if (align < SEG_SIZE)
        align = SEG_SIZE;
    huge_t *d = cache_take(h, len, align, reserve > len);
    if (d) {
        if (zero)
            memset(d->base, 0, n);
        h->in_use += d->len;
        return d->base;
    }
    reserve = page_round(reserve > len ? reserve : len);
    if (!(d = alloc_block(h, sizeof(*d))))
        return NULL;
    uint8_t *base = heap_map(h, reserve, reserve > len ? 0 : RW, align);
    if (mspace_failed(base))
        goto fail_desc;
    if (reserve > len && mspace_protect(base, len, RW) < 0)
        goto fail_map;
    *d = (huge_t){.base = base, .len = len, .reserve = reserve, .heap = h};
    if (chunkmap_set(base, (uintptr_t)d | TAG_HUGE) < 0)
        goto fail_map;
    h->in_use += len;
    return base;
fail_map:
    mspace_unmap(base, reserve);
fail_desc:
    alloc_free_owned(h, d);
    return NULL;
}

/* Unmaps the oldest cached block (the cache is not empty). */
static void cache_drop_oldest(heap_t *h)
{
    huge_t **link = &h->huge_cache;
    while ((*link)->next)
        link = &(*link)->next;
    huge_t *old = *link;
    *link = NULL;
    h->huge_cached -= old->len;
    h->huge_count--;
    huge_destroy(h, old);
}

void huge_free(heap_t *h, huge_t *d)
{
    h->in_use -= d->len;
    if (d->len > h->retain / 2) {
        huge_destroy(h, d);
        return;
    }
    d->cached = true;
    d->next = h->huge_cache;
    h->huge_cache = d;
    h->huge_cached += d->len;
    h->huge_count++;
    if (h->huge_cached > h->retain)
        heap_note_release(h);
    while (h->huge_cached > h->retain || h->huge_count > HUGE_CACHE_N)
        cache_drop_oldest(h);
}

size_t huge_cache_flush(heap_t *h)
{
    size_t bytes = h->huge_cached;
    while (h->huge_cache)
        cache_drop_oldest(h);
    return bytes;
}

bool huge_resize(heap_t *h, huge_t *d, size_t n)
{
    size_t len = page_round(n);
    if (len <= d->len) {
        /* Shrinking by half or more hands the tail back. */
        if (len <= d->len / 2 &&
            mspace_release(d->base + len, d->len - len) == 0) {
            h->in_use -= d->len - len;
            d->len = len;
        }
        return true;
    }
    /* Grow by a whole size step (within the reservation when it can
     * hold the request) so that small growth steps need no system call. */
    size_t step = huge_round(n);
    len = step <= d->reserve || len > d->reserve ? step : d->reserve;
    if (len > d->reserve) {
        void *tail = d->base + d->reserve;
        void *got = mspace_map(tail, len - d->reserve, 0,
                               MSPACE_HEAP | MSPACE_FIXED, 0);
        if (mspace_failed(got))
            return false;
        d->reserve = len;
    }
    if (mspace_protect(d->base + d->len, len - d->len, RW) < 0)
        return false;
    h->in_use += len - d->len;
    d->len = len;
    return true;
}
