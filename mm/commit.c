/*
 * mm/commit.c - the commit charge: one counter of the frames tasks may
 * cause to exist, and one rule, so that running out of memory is an error
 * at the call that asks, never a failed fault (a killed task) later.
 *
 * The rule: every frame a task can bring into existence is charged before
 * it exists, at the call that asks for it, and given back when it is freed.
 *   - private memory (anonymous, heap, private file pages): a private VMA
 *     that is or has been writable charges all its pages (VMA_CHARGED,
 *     kept through mprotect until unmapped), which covers zero fill, COW
 *     copies and copies of file pages; a read-only private file VMA
 *     charges its partial page (the one holding `file_end`, copied to zero
 *     its tail); stacks charge each page as it is touched (a stack that
 *     cannot grow is the one death, as on Linux);
 *   - shared anonymous memory: each frame at mmap time (it is populated),
 *     given back when its last mapping goes (fork does not charge again);
 *   - page cache (mm/inode.c): a file with data charges all its pages
 *     when created; a file without data (memfd) charges each page as the
 *     cache grows: at write(), or at mmap, which fills the cache of the
 *     range a mapping can fault in; the charge goes with the inode;
 *   - page tables: a reserve per user space, the top-level table at
 *     creation, then one page per table span (MMU_TABLE_SHIFT) a VMA
 *     covers, charged at map (fork: per VMA of the child) and kept until
 *     the space is closed, since the port frees its tables only then.  A
 *     reserve, not a charge per table allocated, because tables are
 *     allocated by faults, where an error can only kill; per span, not per
 *     VMA, so that many small mappings in one span charge it once.
 * Kernel space is charged for its private memory only (its tables are
 * never freed and not a task's).  Limit: 7/8 of the frames, the rest for
 * the kernel's own allocations.
 * Lock legend: (a) atomic; (m) the mspace lock.
 */
#include <assert.h>
#include <errno.h>

#include "mm/internal.h"
#include "mm/memory.h"
#include "mm/page.h"

static size_t committed; /* (a) pages charged */
static size_t limit;     /* (a) 0: not set yet, derive from the frames */
static size_t shmem;     /* (a) shared anonymous frames and memfd pages */

void mm_commit_set_limit(size_t pages)
{
    __atomic_store_n(&limit, pages, __ATOMIC_RELAXED);
}

size_t mm_commit_limit(void)
{
    size_t l = __atomic_load_n(&limit, __ATOMIC_RELAXED);
    return l ? l : page_total_count() / 8 * 7;
}

size_t mm_committed(void)
{
    return __atomic_load_n(&committed, __ATOMIC_RELAXED);
}

int mm_commit(size_t pages)
{
    size_t max = mm_commit_limit();
    size_t now = __atomic_load_n(&committed, __ATOMIC_RELAXED);
    do {
        if (pages > max || now > max - pages)
            return -ENOMEM;
    } while (!__atomic_compare_exchange_n(&committed, &now, now + pages, true,
                                          __ATOMIC_RELAXED, __ATOMIC_RELAXED));
    return 0;
}

void mm_uncommit(size_t pages)
{
    size_t before = __atomic_fetch_sub(&committed, pages, __ATOMIC_RELAXED);
    assert(before >= pages);
    (void)before;
}

void mm_shmem_add(long pages)
{
    size_t before =
        __atomic_fetch_add(&shmem, (size_t)pages, __ATOMIC_RELAXED);
    assert(pages >= 0 || before >= (size_t)-pages);
    (void)before;
}

size_t mm_shmem(void)
{
    return __atomic_load_n(&shmem, __ATOMIC_RELAXED);
}

/* The first span of `level` in the user window and the bit where the
 * level starts in the reserve map. */
static uintptr_t span_first(int level)
{
    return MSPACE_USER_LOWER >> MMU_TABLE_SHIFT(level);
}

static size_t span_count(int level)
{
    return ((MSPACE_USER_UPPER - 1) >> MMU_TABLE_SHIFT(level)) -
           span_first(level) + 1;
}

static size_t level_bit(int level)
{
    size_t bit = 0;
    for (int l = 0; l < level; l++)
        bit += span_count(l);
    return bit;
}

static bool bit_get(const unsigned char *map, size_t bit)
{
    return map[bit / 8] >> (bit % 8) & 1;
}

/* Counts (set == false) or sets (set == true) the spans of [start, end)
 * not charged yet; returns how many there were. */
static size_t spans_missing(mspace_t *ms, uintptr_t start, uintptr_t end,
                            bool set)
{
    size_t missing = 0;
    for (int l = 0; l < MMU_TABLE_LEVELS; l++) {
        int shift = MMU_TABLE_SHIFT(l);
        size_t base = level_bit(l) - span_first(l);
        for (uintptr_t s = start >> shift; s <= (end - 1) >> shift; s++) {
            size_t bit = base + s;
            if (bit_get(ms->table_map, bit))
                continue;
            missing++;
            if (set)
                ms->table_map[bit / 8] |= (unsigned char)(1u << (bit % 8));
        }
    }
    return missing;
}

int mm_tables_init(mspace_t *ms)
{
    size_t bits = level_bit(MMU_TABLE_LEVELS);
    ms->table_map = mm_alloc((bits + 7) / 8);
    if (!ms->table_map)
        return -ENOMEM;
    for (size_t i = 0; i < (bits + 7) / 8; i++)
        ms->table_map[i] = 0;
    if (mm_commit(1) < 0) { /* the top-level table */
        mm_free(ms->table_map);
        ms->table_map = NULL;
        return -ENOMEM;
    }
    ms->tables_charged = 1;
    return 0;
}

void mm_tables_release(mspace_t *ms)
{
    mm_uncommit(ms->tables_charged);
    ms->tables_charged = 0;
    mm_free(ms->table_map);
    ms->table_map = NULL;
}

int mm_commit_range(mspace_t *ms, uintptr_t start, uintptr_t end, size_t pages)
{
    assert(start < end);
    size_t tables = ms->table_map ? spans_missing(ms, start, end, false) : 0;
    if (mm_commit(pages + tables) < 0)
        return -ENOMEM;
    if (tables) {
        spans_missing(ms, start, end, true);
        ms->tables_charged += tables;
    }
    return 0;
}

bool mm_tables_cover(mspace_t *ms, uintptr_t start, uintptr_t end)
{
    return !ms->table_map || spans_missing(ms, start, end, false) == 0;
}

size_t mm_tables_counted(const mspace_t *ms)
{
    if (!ms->table_map)
        return 0;
    size_t n = 1, bits = level_bit(MMU_TABLE_LEVELS);
    for (size_t b = 0; b < bits; b++)
        n += bit_get(ms->table_map, b);
    return n;
}
