/*
 * libc-shim/malloc.c - the malloc family: fast paths and the one
 * validating gate every free/realloc/malloc_usable_size goes through.
 *
 * Built with -DSHIM_PREFIX the functions are named shim_malloc, ... so
 * that host tests can run them beside the sanitizers' own malloc.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"

#ifdef SHIM_PREFIX
#define API(name) shim_##name
#else
#define API(name) name
#endif

void *API(malloc)(size_t n);
void API(free)(void *p);
void *API(calloc)(size_t count, size_t size);
void *API(realloc)(void *p, size_t n);
void *API(aligned_alloc)(size_t align, size_t n);
int API(posix_memalign)(void **out, size_t align, size_t n);
void *API(memalign)(size_t align, size_t n);
void *API(valloc)(size_t n);
void *API(pvalloc)(size_t n);
size_t API(malloc_usable_size)(void *p);

static void *fail_nomem(void)
{
    errno = ENOMEM;
    return NULL;
}

/* Pops the first free block of pg (which has one). */
static inline block_t *page_pop(page_t *pg)
{
    block_t *b = pg->free;
    pg->free = b->next;
    pg->used++;
    b->check = 0;
    return b;
}

/* page_pop, the block's n bytes zeroed: a block never used since the
 * page was zero-filled only needs its link cleared. */
static inline block_t *page_pop_zeroed(page_t *pg, size_t n)
{
    bool fresh = pg->free_is_zero;
    block_t *b = page_pop(pg);
    if (fresh)
        b->next = NULL;
    else
        memset(b, 0, n);
    return b;
}

/* The page that serves n bytes (n <= LARGE_MAX) if it has a free block
 * ready, else NULL. */
static inline page_t *page_ready(heap_t *h, size_t n)
{
    page_t *pg = n <= SMALL_MAX ? h->direct[(n + 15) >> 4]
                                : h->queues[class_of(n)].first;
    return pg && pg->free ? pg : NULL;
}

/* A huge block as huge_alloc makes it; when the kernel refuses memory,
 * gives back what the heap keeps for reuse and tries once more. */
static void *huge_alloc_or_trim(heap_t *h, size_t n, size_t align,
                                size_t reserve, bool zero)
{
    void *p = huge_alloc(h, n, align, reserve, zero);
    if (!p && heap_trim(h))
        p = huge_alloc(h, n, align, reserve, zero);
    return p ? p : fail_nomem();
}

/* Everything that is not a pop from a ready page: first use of a thread,
 * refilling a class, huge blocks.  Zeroes the block if `zero`. */
static slow_path void *alloc_slow(heap_t *h, size_t n, bool zero)
{
    if (h == &heap_empty && !(h = heap_acquire()))
        return fail_nomem();
    if (n > LARGE_MAX)
        return n > PTRDIFF_MAX ? fail_nomem()
                               : huge_alloc_or_trim(h, n, 0, 0, zero);
    page_t *pg = page_ready(h, n);
    if (!pg && !(pg = page_refill(h, class_of(n))) &&
        !(heap_trim(h) && (pg = page_refill(h, class_of(n)))))
        return fail_nomem();
    return zero ? page_pop_zeroed(pg, n) : page_pop(pg);
}

void *alloc_block(heap_t *h, size_t n)
{
    page_t *pg = n <= LARGE_MAX ? page_ready(h, n) : NULL;
    return pg ? page_pop(pg) : alloc_slow(h, n, false);
}

void *API(malloc)(size_t n)
{
    heap_t *h = heap_tls;
    if (likely(n <= SMALL_MAX)) {
        page_t *pg = h->direct[(n + 15) >> 4];
        if (likely(pg->free != NULL))
            return page_pop(pg);
        return alloc_slow(h, n, false);
    }
    return alloc_block(h, n);
}

void *API(calloc)(size_t count, size_t size)
{
    size_t n;
    if (__builtin_mul_overflow(count, size, &n))
        return fail_nomem();
    heap_t *h = heap_tls;
    page_t *pg = n <= LARGE_MAX ? page_ready(h, n) : NULL;
    return pg ? page_pop_zeroed(pg, n) : alloc_slow(h, n, true);
}

/* ---- the gate ------------------------------------------------------- */

/* Block of segment s that p points to, validated (aborts on a pointer the
 * allocator did not hand out); *pgp receives its page. */
static block_t *gate_block(segment_t *s, void *p, page_t **pgp)
{
    page_t *pg = segment_page_of(s, p);
    uintptr_t diff = (uintptr_t)p - (uintptr_t)pg->start;
    uintptr_t idx = (diff * pg->recip) >> RECIP_SHIFT;
    if (!pg->heap || (uintptr_t)p < (uintptr_t)pg->start || idx >= pg->capacity)
        glue_fatal("invalid pointer (not allocated, or freed)", p);
    block_t *b = (block_t *)(pg->start + idx * pg->bsize);
    if ((void *)b != p && !pg->has_aligned)
        glue_fatal("invalid pointer (not the start of a block)", p);
    *pgp = pg;
    return b;
}

/* Huge descriptor of chunk map tag `tag` (TAG_HUGE set), validated. */
static huge_t *gate_huge(uintptr_t tag, void *p)
{
    huge_t *d = (huge_t *)(tag & ~TAG_HUGE);
    if ((void *)d->base != p)
        glue_fatal("invalid pointer (inside a huge block)", p);
    if (d->cached)
        glue_fatal("free(): double free of", p);
    return d;
}

/* What follows a free that emptied pg or found it full. */
static slow_path void page_after_free(heap_t *h, page_t *pg)
{
    if (pg->used == 0)
        page_retire(h, pg);
    else
        page_unfull(h, pg);
}

/* Pushes b on pg's local free list, marking it free. */
static inline void free_push(heap_t *h, page_t *pg, block_t *b)
{
    b->check = (uintptr_t)b ^ h->cookie;
    b->next = pg->local_free;
    pg->local_free = b;
    if (unlikely(--pg->used == 0 || pg->in_full))
        page_after_free(h, pg);
}

/* b carries a free mark: abort if it really is on a free list. */
static slow_path void free_suspect(heap_t *h, page_t *pg, block_t *b)
{
    page_check_double_free(pg, b);
    free_push(h, pg, b);
}

/* Puts b back on pg, both owned by h.  Only tail calls leave the fast
 * path, so it saves no register. */
static inline void free_local(heap_t *h, page_t *pg, block_t *b)
{
    if (unlikely(b->check == ((uintptr_t)b ^ h->cookie)))
        free_suspect(h, pg, b);
    else
        free_push(h, pg, b);
}

/* free() of everything the fast path does not take: huge blocks, blocks
 * of other threads, aligned interior pointers, invalid pointers. */
static slow_path void free_slow(heap_t *h, void *p, uintptr_t tag)
{
    if (!p)
        return;
    if (!tag)
        glue_fatal("invalid pointer (not allocated, or freed)", p);
    if (tag & TAG_HUGE) {
        huge_t *d = gate_huge(tag, p);
        if (d->heap == h)
            huge_free(h, d);
        else
            heap_push_delayed(d->heap, p);
        return;
    }
    page_t *pg;
    block_t *b = gate_block((segment_t *)(tag & ~TAG_SEGMENT), p, &pg);
    if (pg->heap == h)
        free_local(h, pg, b);
    else
        heap_push_delayed(pg->heap, b);
}

void alloc_free_owned(heap_t *h, void *p)
{
    free_slow(h, p, chunkmap_get(p));
}

void API(free)(void *p)
{
    uintptr_t tag = chunkmap_get(p); /* NULL has no tag: free_slow */
    heap_t *h = heap_tls;
    /* A segment's tag is its own address | TAG_SEGMENT: one compare
     * rules out unknown chunks and huge blocks. */
    uintptr_t seg = (uintptr_t)p & ~(SEG_SIZE - 1);
    if (likely(tag == (seg | TAG_SEGMENT))) {
        segment_t *s = (segment_t *)seg;
        page_t *pg = segment_page_of(s, p);
        uintptr_t diff = (uintptr_t)p - (uintptr_t)pg->start;
        uintptr_t idx = (diff * pg->recip) >> RECIP_SHIFT;
        /* diff < 4 MiB gives the exact quotient; a pointer below start
         * wraps to a diff no idx * bsize can equal. */
        if (likely(pg->heap == h && idx * pg->bsize == diff &&
                   idx < pg->capacity)) {
            free_local(h, pg, p);
            return;
        }
    }
    free_slow(h, p, tag);
}

/* ---- realloc and friends --------------------------------------------- */

size_t API(malloc_usable_size)(void *p)
{
    if (!p)
        return 0;
    uintptr_t tag = chunkmap_get(p);
    if (!tag)
        glue_fatal("malloc_usable_size(): invalid pointer", p);
    if (tag & TAG_HUGE)
        return gate_huge(tag, p)->len;
    page_t *pg;
    block_t *b = gate_block((segment_t *)(tag & ~TAG_SEGMENT), p, &pg);
    return pg->bsize - (size_t)((uint8_t *)p - (uint8_t *)b);
}

/* Moves p (usable bytes `have`) to a new block of n bytes. */
static void *realloc_move(heap_t *h, void *p, size_t have, size_t n)
{
    void *q;
    if (n > LARGE_MAX) {
        if (h == &heap_empty && !(h = heap_acquire()))
            return fail_nomem();
        /* A block that grows past the classes will likely grow again:
         * reserve twice the room so it can grow in place. */
        q = huge_alloc_or_trim(h, n, 0, n < PTRDIFF_MAX / 2 ? 2 * n : n, false);
        if (!q)
            return NULL;
    } else if (!(q = API(malloc)(n))) {
        return NULL;
    }
    memcpy(q, p, have < n ? have : n);
    API(free)(p);
    return q;
}

void *API(realloc)(void *p, size_t n)
{
    if (!p)
        return API(malloc)(n);
    if (n > PTRDIFF_MAX)
        return fail_nomem();
    heap_t *h = heap_tls;
    uintptr_t tag = chunkmap_get(p);
    if (!tag)
        glue_fatal("realloc(): invalid pointer", p);
    if (tag & TAG_HUGE) {
        huge_t *d = gate_huge(tag, p);
        if (d->heap == h && n > LARGE_MAX / 2 && huge_resize(h, d, n))
            return p;
        return realloc_move(h, p, d->len, n);
    }
    page_t *pg;
    block_t *b = gate_block((segment_t *)(tag & ~TAG_SEGMENT), p, &pg);
    size_t have = pg->bsize - (size_t)((uint8_t *)p - (uint8_t *)b);
    if (n <= have && (n >= have / 2 || have <= 64))
        return p;
    return realloc_move(h, p, have, n);
}

/* Memory of n bytes aligned to `align` (a power of two > MIN_ALIGN). */
static void *alloc_aligned(size_t align, size_t n)
{
    if (n > PTRDIFF_MAX - align)
        return fail_nomem();
    if (n == 0)
        n = 1; /* an empty block must still lie inside its block */
    if (align <= PAGE_SIZE) {
        /* Spans start page-aligned: a class whose size is a multiple of
         * align hands out aligned blocks as they are. */
        size_t up = (n + align - 1) & ~(align - 1);
        if (up <= LARGE_MAX && (class_size(class_of(up)) & (align - 1)) == 0)
            return API(malloc)(up);
    }
    if (n + align - MIN_ALIGN <= LARGE_MAX) {
        uint8_t *b = API(malloc)(n + align - MIN_ALIGN);
        if (!b)
            return NULL;
        uint8_t *p = (uint8_t *)(((uintptr_t)b + align - 1) & ~(align - 1));
        if (p != b) {
            segment_t *s = (segment_t *)(chunkmap_get(b) & ~TAG_SEGMENT);
            segment_page_of(s, b)->has_aligned = 1;
        }
        return p;
    }
    heap_t *h = heap_tls;
    if (h == &heap_empty && !(h = heap_acquire()))
        return fail_nomem();
    return huge_alloc_or_trim(h, n, align, 0, false);
}

int API(posix_memalign)(void **out, size_t align, size_t n)
{
    if (align < sizeof(void *) || (align & (align - 1)))
        return EINVAL;
    int saved = errno;
    void *p = align <= MIN_ALIGN ? API(malloc)(n) : alloc_aligned(align, n);
    if (!p) {
        errno = saved;
        return ENOMEM;
    }
    *out = p;
    return 0;
}

void *API(aligned_alloc)(size_t align, size_t n)
{
    if (!align || (align & (align - 1))) {
        errno = EINVAL;
        return NULL;
    }
    return align <= MIN_ALIGN ? API(malloc)(n) : alloc_aligned(align, n);
}

void *API(memalign)(size_t align, size_t n)
{
    return API(aligned_alloc)(align, n);
}

void *API(valloc)(size_t n)
{
    return alloc_aligned(PAGE_SIZE, n);
}

void *API(pvalloc)(size_t n)
{
    if (n > PTRDIFF_MAX - PAGE_SIZE)
        return fail_nomem();
    return alloc_aligned(PAGE_SIZE, n ? (n + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)
                                      : PAGE_SIZE);
}

#ifndef SHIM_PREFIX
/* musl's internals call these names directly (locale, atexit, ...):
 * they must reach this allocator too, or musl's malloc gets linked. */
void *__libc_malloc(size_t n) __attribute__((alias("malloc")));
void __libc_free(void *p) __attribute__((alias("free")));
void *__libc_calloc(size_t c, size_t n) __attribute__((alias("calloc")));
#endif
