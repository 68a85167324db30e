/*
 * libc-shim/alloc.h - internal structure of the allocator.
 *
 *   heap      one per thread (a __thread pointer), owns everything below;
 *             no lock: other threads hand blocks back through the owner's
 *             atomic `delayed` list.
 *   segment   4 MiB, 4 MiB-aligned reservation from mspace_map (PROT_NONE),
 *             64 slots of 64 KiB committed on demand.  Slot 0 begins with
 *             the segment header (this struct and its page table).
 *   page      a span of 1..8 slots cut into blocks of one size class, with
 *             free lists local to the page (mimalloc's sharding idea):
 *             `free` feeds malloc, `local_free` collects free, they swap
 *             when `free` runs dry, so both paths are a pointer push/pop.
 *   huge      a block above LARGE_MAX: its own mapping, its descriptor out
 *             of band; freed ones are cached for reuse (heap->retain).
 *   chunkmap  (address >> SEG_SHIFT) -> segment | 2, or huge descriptor | 1;
 *             the one validating gate that free() and realloc() go through.
 *
 * Lock legend: (o) owner thread only, (a) atomic, (c) constant once set.
 */
#ifndef SHIM_ALLOC_H
#define SHIM_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "glue.h"

#define SEG_SHIFT 22
#define SEG_SIZE (1ul << SEG_SHIFT)
#define SLOT_SHIFT 16
#define SLOT_SIZE (1ul << SLOT_SHIFT)
#define SLOTS 64
#define SEG_HDR 12288ul /* slot 0's blocks start here */
#define PAGE_SIZE 4096ul
#define MIN_ALIGN 16ul
#define SMALL_MAX 1024ul        /* sizes served through heap->direct */
#define LARGE_MAX (512ul << 10) /* largest size class */
#define NCLASS 57               /* classes 1..56; 0 unused */
#define DIRECT (SMALL_MAX / 16 + 1)
#define RECIP_SHIFT 42
/* Memory kept for reuse before it goes back to the kernel: free committed
 * slots and cached huge blocks, each up to heap->retain bytes.  retain
 * starts at RETAIN_MIN and doubles whenever releases come less than
 * RELEASE_QUIET_CYCLES apart (a program that keeps handing memory back
 * and taking it again is not made to pay page faults and system calls for
 * it every time), but never beyond twice the memory in use (nor
 * RETAIN_MAX): what is kept stays proportionate to the program. */
#define RETAIN_MIN (8ul << 20)
#define RETAIN_MAX (256ul << 20)
#define RELEASE_QUIET_CYCLES (1ull << 28)
#define HUGE_CACHE_N 64

#define RW (1 | 2) /* PROT_READ | PROT_WRITE */

typedef struct block {
    struct block *next;
    uintptr_t check; /* address ^ heap cookie while free: double-free hint */
} block_t;

struct heap;

typedef struct page {
    /* First cache line: everything malloc's and free's fast paths read. */
    block_t *free;        /* (o) blocks ready for malloc */
    block_t *local_free;  /* (o) blocks freed since the last collect */
    uint8_t *start;       /* (c) first block */
    struct heap *heap;    /* (c) owner; NULL while the span is free */
    uint64_t recip;       /* (c) ceil(2^42 / bsize): index without div */
    uint32_t used;        /* (o) blocks handed out */
    uint32_t capacity;    /* (o) blocks carved from the area */
    uint32_t bsize;       /* (c) block size; 0 while the span is free */
    uint8_t in_full;      /* (o) off the queue: no free block left */
    uint8_t has_aligned;  /* (o) holds memalign'd interior pointers */
    uint8_t is_zero;      /* (c) the area was all zero when carved */
    uint8_t free_is_zero; /* (o) `free` holds only untouched blocks */
    /* Second line: the slow paths. */
    struct page *next, *prev;  /* (o) in the owner's class queue */
    uint32_t reserved;         /* (c) blocks that fit in the area */
    uint8_t cls, slots, index; /* (c) class, span length, first slot */
} __attribute__((aligned(64))) page_t;

typedef struct segment {
    uint64_t free_mask;       /* (o) slots in no span */
    uint64_t committed_mask;  /* (o) slots with rights RW */
    uint64_t dirty_mask;      /* (o) slots that may hold non-zero bytes */
    struct heap *heap;        /* (c) owner */
    struct segment *next;     /* (o) in the owner's list */
    uint8_t slot_head[SLOTS]; /* (o) slot -> first slot of its span */
    page_t pages[SLOTS];      /* (o) indexed by the first slot of a span */
} segment_t;

typedef struct huge {
    uint8_t *base;     /* (c) the block, SEG_SIZE-aligned */
    size_t len;        /* (o) bytes accessible (RW) from base */
    size_t reserve;    /* (o) bytes reserved from base (>= len) */
    struct heap *heap; /* (c) owner */
    struct huge *next; /* (o) in the owner's cache */
    bool cached;       /* (o) freed, kept for reuse */
} huge_t;

typedef struct pageq {
    page_t *first, *last;
} pageq_t;

typedef struct heap {
    uintptr_t cookie;       /* (c) secret of the check words */
    page_t *direct[DIRECT]; /* (o) size/16 -> page to allocate from */
    pageq_t queues[NCLASS]; /* (o) pages with free blocks, per class */
    segment_t *segments;    /* (o) */
    uintptr_t map_low;      /* (o) lowest chunk-aligned mapping so far */
    size_t free_committed;  /* (o) bytes of free committed slots */
    size_t retain;          /* (o) bytes of each kind kept for reuse */
    size_t in_use;          /* (o) bytes of spans and live huge blocks */
    uint64_t last_release;  /* (o) TSC of the last release */
    huge_t *huge_cache;     /* (o) freed huge blocks, newest first */
    size_t huge_cached;     /* (o) their bytes */
    unsigned huge_count;    /* (o) their number */
    block_t *delayed;       /* (a) blocks freed by other threads */
} heap_t;

/* ---- size classes ------------------------------------------------- */

/* Class of a request of n bytes (n <= LARGE_MAX); 16-byte steps up to
 * 128, then four classes per power of two. */
static inline unsigned class_of(size_t n)
{
    if (n <= 128)
        return n ? (unsigned)((n + 15) >> 4) : 1;
    size_t w = n - 1;
    unsigned b = 63 - (unsigned)__builtin_clzl(w);
    return 9 + (b - 7) * 4 + (unsigned)((w >> (b - 2)) & 3);
}

/* Block size of class c (1 <= c < NCLASS). */
static inline size_t class_size(unsigned c)
{
    if (c <= 8)
        return c * 16ul;
    unsigned k = c - 9, b = 7 + k / 4;
    return (1ul << b) + ((size_t)(k % 4 + 1) << (b - 2));
}

/* Slots per span of class c: one 64 KiB slot up to 8 KiB blocks, then
 * room for eight blocks up to 64 KiB blocks; above, the fewest slots that
 * blocks fill exactly (size / gcd(size, 64 KiB): at most 8). */
static inline unsigned class_slots(unsigned c)
{
    size_t size = class_size(c);
    if (size > SLOT_SIZE) {
        size_t gcd = (size_t)1 << __builtin_ctzl(size);
        return (unsigned)(size / (gcd < SLOT_SIZE ? gcd : SLOT_SIZE));
    }
    size_t want = (size * 8 + SLOT_SIZE - 1) >> SLOT_SHIFT;
    return want < 1 ? 1 : (unsigned)want;
}

/* ---- chunk map (chunkmap.c) ---------------------------------------- */

#define CHUNK_BITS (47 - SEG_SHIFT)
#define LEAF_BITS 13
#define LEAF_MASK ((1ul << LEAF_BITS) - 1)

extern uintptr_t *chunkmap_root[1ul << (CHUNK_BITS - LEAF_BITS)];

#define TAG_HUGE 1ul    /* tag = huge descriptor | TAG_HUGE */
#define TAG_SEGMENT 2ul /* tag = segment | TAG_SEGMENT */

/* Owner tag of the chunk holding p: a segment | TAG_SEGMENT, a huge
 * descriptor | TAG_HUGE, or 0 when the allocator has nothing there. */
static inline uintptr_t chunkmap_get(const void *p)
{
    uintptr_t k = (uintptr_t)p >> SEG_SHIFT;
    if (unlikely(k >> CHUNK_BITS))
        return 0;
    uintptr_t *leaf =
        __atomic_load_n(&chunkmap_root[k >> LEAF_BITS], __ATOMIC_ACQUIRE);
    return leaf ? __atomic_load_n(&leaf[k & LEAF_MASK], __ATOMIC_RELAXED) : 0;
}

/* Records `tag` as owner of the chunk at `base` (chunk-aligned); returns 0
 * or -ENOMEM when a map leaf cannot be allocated. */
int chunkmap_set(const void *base, uintptr_t tag);

/* ---- heaps (heap.c) ------------------------------------------------- */

extern __thread heap_t *heap_tls; /* this thread's heap or &heap_empty */
extern heap_t heap_empty;         /* all queues empty: every call is slow */
extern page_t page_empty;         /* never has a free block */

/* Gives the calling thread its own heap; returns it or NULL (ENOMEM). */
heap_t *heap_acquire(void);

/* Hands block p (owned by `owner`, not by the caller) back to its owner. */
void heap_push_delayed(heap_t *owner, void *p);

/* Maps len bytes (rights prot) aligned to `align` (>= SEG_SIZE), trying
 * just below h's lowest mapping first, where Linux puts a new mapping
 * anyway, so that no over-mapping is needed; returns the address or an
 * error (mspace_failed). */
void *heap_map(heap_t *h, size_t len, int prot, size_t align);

/* Frees every block other threads handed back to h.  Owner only. */
void heap_drain_delayed(heap_t *h);

/* Gives the free committed slots of h back to the kernel (the retain
 * threshold was passed).  Owner only. */
void heap_release(heap_t *h);

/* Gives back everything h keeps for reuse (free slots, empty segments,
 * cached huge blocks), as a last resort when the kernel refuses memory;
 * returns whether anything was given back.  Owner only. */
bool heap_trim(heap_t *h);

/* Records that h gives memory back now; raises h->retain if it did so
 * recently. */
void heap_note_release(heap_t *h);

/* ---- pages (page.c) ------------------------------------------------- */

/* Makes the first page of class cls's queue have a free block; returns
 * it, or NULL when no memory can be had (errno untouched). */
page_t *page_refill(heap_t *h, unsigned cls);

/* Called when pg's last block came back: keeps it as the class's only
 * page or returns its span to the segment. */
void page_retire(heap_t *h, page_t *pg);

/* Puts a page that was full back on its class queue. */
void page_unfull(heap_t *h, page_t *pg);

/* Aborts if b is already on one of pg's free lists (a double free). */
void page_check_double_free(page_t *pg, block_t *b);

/* ---- segments (segment.c) ------------------------------------------- */

/* Finds (or maps) `slots` free contiguous slots, commits them and returns
 * the page descriptor of the span, owned by h; NULL when out of memory. */
page_t *segment_span_alloc(heap_t *h, unsigned slots);

/* Returns pg's slots to its segment; may release memory past the
 * threshold. */
void segment_span_free(heap_t *h, page_t *pg);

/* Releases the free committed slots of h's segments and unmaps its empty
 * segments beyond one; returns the bytes given back. */
size_t segment_release_free(heap_t *h);

/* Page (span descriptor) of segment s that covers address p. */
static inline page_t *segment_page_of(segment_t *s, const void *p)
{
    return &s->pages[s->slot_head[((uintptr_t)p >> SLOT_SHIFT) & (SLOTS - 1)]];
}

/* Segment that holds page descriptor pg. */
static inline segment_t *segment_of_page(const page_t *pg)
{
    return (segment_t *)((uintptr_t)pg & ~(SEG_SIZE - 1));
}

/* ---- huge blocks (huge.c) ------------------------------------------- */

/* Allocates n bytes (n > 0, n <= PTRDIFF_MAX) in their own mapping,
 * aligned to max(align, SEG_SIZE), with `reserve` bytes of address space
 * for in-place growth; zeroed if `zero`.  NULL when out of memory. */
void *huge_alloc(heap_t *h, size_t n, size_t align, size_t reserve, bool zero);

/* Frees huge block d (owned by h): caches it or unmaps it. */
void huge_free(heap_t *h, huge_t *d);

/* Unmaps every cached huge block of h; returns the bytes given back. */
size_t huge_cache_flush(heap_t *h);

/* Resizes d (owned by h) in place to n bytes if it can; returns true
 * then, false when the block must move. */
bool huge_resize(heap_t *h, huge_t *d, size_t n);

/* ---- the internal allocation entry points (malloc.c) ---------------- */

/* malloc for the allocator's own metadata. */
void *alloc_block(heap_t *h, size_t n);

/* free of a block known to belong to h. */
void alloc_free_owned(heap_t *h, void *p);

#endif
