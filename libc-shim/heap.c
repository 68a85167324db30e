/*
 * libc-shim/heap.c - per-thread heaps.  A thread starts on heap_empty,
 * whose every page is page_empty, so its first malloc falls into the slow
 * path, which gives it a heap of its own: the fast paths never test for
 * initialisation.  Blocks freed by a thread other than their owner go
 * onto the owner's lock-free `delayed` list; the owner frees them on its
 * next slow path.  Heaps are never freed (a thread's heap outlives it).
 */
#include "alloc.h"
#include "mspace.h"

page_t page_empty;
heap_t heap_empty = {.direct = {[0 ... DIRECT - 1] = &page_empty}};
__thread heap_t *heap_tls = &heap_empty;

static heap_t heap_main;
static int heap_main_taken; /* (a) */

heap_t *heap_acquire(void)
{
    heap_t *h = &heap_main;
    if (__atomic_exchange_n(&heap_main_taken, 1, __ATOMIC_ACQ_REL)) {
        size_t len = (sizeof(heap_t) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
        h = mspace_map(0, len, RW, MSPACE_HEAP, 0);
        if (mspace_failed(h))
            return NULL;
    }
    for (size_t i = 0; i < DIRECT; i++)
        h->direct[i] = &page_empty;
    h->cookie = glue_entropy(h);
    h->retain = RETAIN_MIN;
    heap_tls = h;
    return h;
}

void heap_push_delayed(heap_t *owner, void *p)
{
    block_t *b = p;
    block_t *head = __atomic_load_n(&owner->delayed, __ATOMIC_RELAXED);
    do
        b->next = head;
    while (!__atomic_compare_exchange_n(&owner->delayed, &head, b, true,
                                        __ATOMIC_RELEASE, __ATOMIC_RELAXED));
}

void heap_drain_delayed(heap_t *h)
{
    block_t *b = __atomic_exchange_n(&h->delayed, NULL, __ATOMIC_ACQUIRE);
    while (b) {
        block_t *next = b->next;
        alloc_free_owned(h, b);
        b = next;
    }
}

void heap_release(heap_t *h)
{
    heap_note_release(h);
    segment_release_free(h);
}

bool heap_trim(heap_t *h)
{
    size_t released = segment_release_free(h);
    return released + huge_cache_flush(h) > 0;
}

void heap_note_release(heap_t *h)
{
    uint64_t now = __builtin_ia32_rdtsc();
    if (now - h->last_release < RELEASE_QUIET_CYCLES)
        h->retain *= 2;
    size_t cap = h->in_use < RETAIN_MAX / 2 ? 2 * h->in_use : RETAIN_MAX;
    if (h->retain > cap)
        h->retain = cap > RETAIN_MIN ? cap : RETAIN_MIN;
    h->last_release = now;
}

void *heap_map(heap_t *h, size_t len, int prot, size_t align)
{
    size_t span = (len + align - 1) & ~(align - 1);
    uintptr_t hint = h->map_low > span ? (h->map_low - span) & ~(align - 1) : 0;
    void *m = mspace_map((void *)hint, len, prot, MSPACE_HEAP, align);
    if (!mspace_failed(m) && (!h->map_low || (uintptr_t)m < h->map_low))
        h->map_low = (uintptr_t)m;
    return m;
}
