/*
 * libc-shim/segment.c - segments: 4 MiB reservations cut into 64 KiB
 * slots, committed when a span first uses them and released (pages given
 * back, reservation kept) once a heap holds more than heap->retain bytes
 * of free committed slots.
 */
#include "alloc.h"
#include "mspace.h"

_Static_assert(sizeof(segment_t) <= SEG_HDR, "segment header too big");
_Static_assert(SLOTS == 64, "slot masks are 64-bit");

static uint64_t run_mask(unsigned first, unsigned n)
{
    return (n == 64 ? ~0ull : ((1ull << n) - 1)) << first;
}

/* First slot of a run of n set bits in `free`, or -1. */
static int find_run(uint64_t free, unsigned n)
{
    uint64_t m = free;
    for (unsigned i = 1; i < n && m; i++)
        m &= free >> i;
    return m ? __builtin_ctzll(m) : -1;
}

/* Maps a new segment for h, its header slot committed; NULL on failure. */
static segment_t *segment_new(heap_t *h)
{
    void *m = heap_map(h, SEG_SIZE, 0, SEG_SIZE);
    if (mspace_failed(m))
        return NULL;
    if (mspace_protect(m, SLOT_SIZE, RW) < 0 ||
        chunkmap_set(m, (uintptr_t)m | TAG_SEGMENT) < 0) {
        mspace_unmap(m, SEG_SIZE);
        return NULL;
    }
    segment_t *s = m;
    s->free_mask = ~0ull;
    s->committed_mask = 1;
    s->heap = h;
    s->next = h->segments;
    h->segments = s;
    h->free_committed += SLOT_SIZE - SEG_HDR;
    return s;
}

/* Commits the slots of `mask` that are not yet; false on failure. */
static bool segment_commit(segment_t *s, uint64_t mask)
{
    uint64_t need = mask & ~s->committed_mask;
    while (need) {
        unsigned first = (unsigned)__builtin_ctzll(need);
        unsigned n = (unsigned)__builtin_ctzll(~(need >> first));
        if (first + n > 64)
            n = 64 - first;
        if (mspace_protect((uint8_t *)s + ((size_t)first << SLOT_SHIFT),
                           (size_t)n << SLOT_SHIFT, RW) < 0)
            return false;
        s->committed_mask |= run_mask(first, n);
        need &= ~run_mask(first, n);
    }
    return true;
}

page_t *segment_span_alloc(heap_t *h, unsigned slots)
{
    uint64_t avoid_header = slots > 1 ? ~1ull : ~0ull;
    segment_t *s;
    int first = -1;
    for (s = h->segments; s; s = s->next)
        if ((first = find_run(s->free_mask & avoid_header, slots)) >= 0)
            break;
    if (!s) {
        if (!(s = segment_new(h)))
            return NULL;
        first = find_run(s->free_mask & avoid_header, slots);
    }
    uint64_t mask = run_mask((unsigned)first, slots);
    uint64_t was_committed = mask & s->committed_mask;
    if (!segment_commit(s, mask))
        return NULL;
    s->free_mask &= ~mask;
    h->in_use += (size_t)slots << SLOT_SHIFT;
    h->free_committed -= (size_t)__builtin_popcountll(was_committed)
                         << SLOT_SHIFT;
    if (was_committed & 1)
        h->free_committed += SEG_HDR;
    page_t *pg = &s->pages[first];
    pg->is_zero = !(s->dirty_mask & mask);
    s->dirty_mask |= mask;
    pg->index = (uint8_t)first;
    pg->slots = (uint8_t)slots;
    for (unsigned i = 0; i < slots; i++)
        s->slot_head[first + i] = (uint8_t)first;
    return pg;
}

void segment_span_free(heap_t *h, page_t *pg)
{
    segment_t *s = segment_of_page(pg);
    pg->heap = NULL;
    pg->bsize = 0;
    s->free_mask |= run_mask(pg->index, pg->slots);
    h->in_use -= (size_t)pg->slots << SLOT_SHIFT;
    h->free_committed +=
        ((size_t)pg->slots << SLOT_SHIFT) - (pg->index == 0 ? SEG_HDR : 0);
    if (h->free_committed > h->retain)
        heap_release(h);
}

/* Releases the free committed slots of s (not the header slot);
 * returns the bytes released. */
static size_t segment_release(segment_t *s)
{
    size_t released = 0;
    uint64_t rel = s->free_mask & s->committed_mask & ~1ull;
    while (rel) {
        unsigned first = (unsigned)__builtin_ctzll(rel);
        unsigned n = (unsigned)__builtin_ctzll(~(rel >> first));
        if (first + n > 64)
            n = 64 - first;
        uint64_t m = run_mask(first, n);
        if (mspace_release((uint8_t *)s + ((size_t)first << SLOT_SHIFT),
                           (size_t)n << SLOT_SHIFT) == 0) {
            s->committed_mask &= ~m;
            s->dirty_mask &= ~m;
            released += (size_t)n << SLOT_SHIFT;
        }
        rel &= ~m;
    }
    return released;
}

size_t segment_release_free(heap_t *h)
{
    bool kept_empty = false;
    size_t free_committed = 0, released = 0;
    for (segment_t **link = &h->segments; *link;) {
        segment_t *s = *link;
        if (s->free_mask == ~0ull && kept_empty && chunkmap_set(s, 0) == 0) {
            *link = s->next;
            mspace_unmap(s, SEG_SIZE);
            released += SEG_SIZE;
            continue;
        }
        kept_empty |= s->free_mask == ~0ull;
        released += segment_release(s);
        uint64_t idle = s->free_mask & s->committed_mask;
        free_committed += (size_t)__builtin_popcountll(idle) << SLOT_SHIFT;
        if (idle & 1)
            free_committed -= SEG_HDR;
        link = &s->next;
    }
    h->free_committed = free_committed;
    return released;
}
