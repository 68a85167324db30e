/*
 * mm/commit.c - the global commit charge: private writable memory is
 * charged when it is mapped (stacks as they grow), so that running out of
 * frames is an -ENOMEM at map time, never a failed fault later.
 * Lock legend: (a) atomic.
 */
#include <assert.h>
#include <errno.h>

#include "mm/memory.h"
#include "mm/page.h"

static size_t committed; /* (a) pages charged */
static size_t limit;     /* (a) 0: not set yet, derive from the frames */

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
