/*
 * libc-shim/page.c - pages (spans of one size class) and the per-class
 * queues of a heap: the slow path of malloc.  A page is carved lazily, a
 * few KiB at a time, so a fresh page costs no more than what is used;
 * pages with no free block leave the queue until a block comes back.
 */
#include "alloc.h"

/* Points heap->direct at the first page of class cls (small classes). */
static void direct_update(heap_t *h, unsigned cls)
{
    if (class_size(cls) > SMALL_MAX)
        return;
    page_t *pg = h->queues[cls].first ? h->queues[cls].first : &page_empty;
    size_t lo = cls == 1 ? 0 : class_size(cls - 1) / 16 + 1;
    size_t hi = class_size(cls) / 16;
    for (size_t i = lo; i <= hi; i++)
        h->direct[i] = pg;
}

static void queue_remove(heap_t *h, page_t *pg)
{
    pageq_t *q = &h->queues[pg->cls];
    bool was_first = q->first == pg;
    if (pg->prev)
        pg->prev->next = pg->next;
    else
        q->first = pg->next;
    if (pg->next)
        pg->next->prev = pg->prev;
    else
        q->last = pg->prev;
    pg->next = pg->prev = NULL;
    if (was_first)
        direct_update(h, pg->cls);
}

static void queue_push_front(heap_t *h, page_t *pg)
{
    pageq_t *q = &h->queues[pg->cls];
    pg->prev = NULL;
    pg->next = q->first;
    if (q->first)
        q->first->prev = pg;
    else
        q->last = pg;
    q->first = pg;
    direct_update(h, pg->cls);
}

static void queue_push_back(heap_t *h, page_t *pg)
{
    pageq_t *q = &h->queues[pg->cls];
    if (!q->last) {
        queue_push_front(h, pg);
        return;
    }
    pg->next = NULL;
    pg->prev = q->last;
    q->last->next = pg;
    q->last = pg;
}

/* Carves the next blocks of pg's area (about 4 KiB worth) into `free`. */
static void page_extend(page_t *pg)
{
    uint32_t n = pg->reserved - pg->capacity;
    uint32_t batch = pg->bsize >= PAGE_SIZE ? 1 : PAGE_SIZE / pg->bsize;
    if (n > batch)
        n = batch;
    uint8_t *first = pg->start + (size_t)pg->capacity * pg->bsize;
    uint8_t *b = first;
    for (uint32_t i = 1; i < n; i++, b += pg->bsize)
        ((block_t *)b)->next = (block_t *)(b + pg->bsize);
    ((block_t *)b)->next = NULL;
    pg->free = (block_t *)first;
    pg->free_is_zero = pg->is_zero;
    pg->capacity += n;
}

/* Gives pg a free block if it can have one: local frees first, then
 * fresh blocks. */
static void page_collect(page_t *pg)
{
    if (pg->local_free) {
        pg->free = pg->local_free;
        pg->local_free = NULL;
        pg->free_is_zero = 0;
    } else if (pg->capacity < pg->reserved) {
        page_extend(pg);
    }
}

/* A new page of class cls for h, not queued; NULL when out of memory. */
static page_t *page_new(heap_t *h, unsigned cls)
{
    page_t *pg = segment_span_alloc(h, class_slots(cls));
    if (!pg)
        return NULL;
    segment_t *s = segment_of_page(pg);
    size_t off = pg->index ? (size_t)pg->index << SLOT_SHIFT : SEG_HDR;
    size_t area = ((size_t)(pg->index + pg->slots) << SLOT_SHIFT) - off;
    pg->bsize = (uint32_t)class_size(cls);
    pg->recip = ((1ull << RECIP_SHIFT) + pg->bsize - 1) / pg->bsize;
    pg->start = (uint8_t *)s + off;
    pg->reserved = (uint32_t)(area / pg->bsize);
    pg->capacity = 0;
    pg->used = 0;
    pg->free = pg->local_free = NULL;
    pg->cls = (uint8_t)cls;
    pg->in_full = pg->has_aligned = pg->free_is_zero = 0;
    pg->heap = h;
    return pg;
}

page_t *page_refill(heap_t *h, unsigned cls)
{
    if (__atomic_load_n(&h->delayed, __ATOMIC_RELAXED))
        heap_drain_delayed(h);
    page_t *pg = h->queues[cls].first;
    while (pg) {
        page_t *next = pg->next;
        if (!pg->free)
            page_collect(pg);
        if (pg->free) {
            if (pg != h->queues[cls].first) {
                queue_remove(h, pg);
                queue_push_front(h, pg);
            }
            return pg;
        }
        queue_remove(h, pg);
        pg->in_full = 1;
        pg = next;
    }
    if (!(pg = page_new(h, cls)))
        return NULL;
    queue_push_front(h, pg);
    page_extend(pg);
    return pg;
}

void page_retire(heap_t *h, page_t *pg)
{
    if (pg->in_full) {
        pg->in_full = 0;
    } else {
        /* A one-slot page that is its class's only page stays for the
         * next malloc; bigger spans go back to the segment for any class. */
        pageq_t *q = &h->queues[pg->cls];
        if (pg->slots == 1 && q->first == pg && !pg->next)
            return;
        queue_remove(h, pg);
    }
    segment_span_free(h, pg);
}

void page_unfull(heap_t *h, page_t *pg)
{
    pg->in_full = 0;
    queue_push_back(h, pg);
}

static bool list_holds(const block_t *list, const block_t *b)
{
    for (; list; list = list->next)
        if (list == b)
            return true;
    return false;
}

void page_check_double_free(page_t *pg, block_t *b)
{
    if (list_holds(pg->free, b) || list_holds(pg->local_free, b))
        glue_fatal("free(): double free of", b);
}
