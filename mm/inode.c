/*
 * mm/inode.c - in-memory inodes (create, references, close) and their
 * page cache: frames by offset in a bbtree (key = offset, size =
 * PAGE_SIZE), each holding one reference of the cache; mappings take
 * their own.  Commit (mm/commit.c): an inode with data charges its data's
 * pages at creation; any other page (past the data, every page of a
 * memfd) is committed as it is added, so a memfd write gets its error at
 * the call.  Pages of an inode without data (memfd) count as shared
 * memory (mm_shmem).  An inode over pinned frames (inode_create_pinned)
 * hands out the frames of its data's whole pages themselves: never in the
 * tree, never charged until inode_own_data copies them.
 *
 * Superpages (shmem THP, the policy mm_set_shmem_huge_policy): the first
 * page cached of an aligned 2 MiB range of an inode without data, none of
 * that range cached yet, may bring one aligned 2 MiB buddy block
 * (page_new_huge) for the whole range, zeroed and charged as 512 pages.
 * Its frames are 512 ordinary cache pages, one node each (`block` set),
 * each with its own reference, so reads, writes, punch and truncation
 * treat them as any page; a shared mapping whose span maps the whole
 * range maps it with one large entry (mm/huge.c, inode_block).  Taking a
 * frame out of the cache (truncate, punch) ends the block: the flags of
 * the others are cleared, the frames left stay cached as 4 KiB pages and
 * the ones taken out are freed one by one (page.c counts each frame).
 * No block, commit or quota for 512 pages: a 4 KiB page, as before, so a
 * superpage never causes ENOSPC.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "mm/inode.h"
#include "mm/memory.h"
#include "mm/page.h"

typedef struct pcache_node {
    bbnode_t node;  /* (i) key: file offset */
    phys_addr_t pa; /* (c) the frame, one reference held by the cache */
    bool block;     /* (i) one of the 512 frames of a whole block */
} pcache_node_t;

#define BLOCK_SIZE ((uint64_t)MMU_LARGE_SIZE)
#define BLOCK_MASK (BLOCK_SIZE - 1)

static uint64_t next_number = 1; /* (a) */
static enum mm_shmem_huge_policy shmem_policy = MM_SHMEM_HUGE_NEVER;
static size_t shmem_blocks; /* (a) blocks whole in all caches */

void mm_set_shmem_huge_policy(enum mm_shmem_huge_policy policy)
{
    shmem_policy = policy;
}

enum mm_shmem_huge_policy mm_shmem_huge_policy(void)
{
    return shmem_policy;
}

size_t mm_shmem_huge_blocks(void)
{
    return __atomic_load_n(&shmem_blocks, __ATOMIC_RELAXED);
}

/* Counts `pages` more in the quota `q` (NULL: none): 0 or -ENOSPC. */
static int quota_charge(inode_quota_t *q, size_t pages)
{
    if (!q)
        return 0;
    size_t now = __atomic_add_fetch(&q->used, pages, __ATOMIC_RELAXED);
    if (now <= q->limit)
        return 0;
    __atomic_sub_fetch(&q->used, pages, __ATOMIC_RELAXED);
    return -ENOSPC;
}

static void quota_uncharge(inode_quota_t *q, size_t pages)
{
    if (q)
        __atomic_sub_fetch(&q->used, pages, __ATOMIC_RELAXED);
}

/* The charge of `pages` cache pages: the global commit and the quota. */
static int charge(inode_t *ino, size_t pages)
{
    if (mm_commit(pages) < 0)
        return -ENOMEM;
    if (quota_charge(ino->quota, pages) < 0) {
        mm_uncommit(pages);
        return -ENOSPC;
    }
    return 0;
}

static void uncharge(inode_t *ino, size_t pages)
{
    mm_uncommit(pages);
    if (!ino->data) /* a quota counts the pages of inodes without data */
        quota_uncharge(ino->quota, pages);
}

inode_t *inode_create(const char *name, const void *data, uint64_t size,
                      int rights)
{
    inode_t *ino = mm_alloc(sizeof(*ino));
    if (!ino)
        return NULL;
    size_t pages = data ? (size_t)((size + PAGE_MASK) / PAGE_SIZE) : 0;
    if (mm_commit(pages) < 0) {
        mm_free(ino);
        return NULL;
    }
    ino->charged = pages;
    ino->refs = 1;
    ino->number = __atomic_fetch_add(&next_number, 1, __ATOMIC_RELAXED);
    ino->name = name;
    ino->quota = NULL;
    ino->data = data;
    ino->size = size;
    ino->frames = 0;
    ino->file_size = 0;
    ino->blocks = 0;
    ino->rights = rights & VMA_RIGHTS;
    return ino;
}

inode_t *inode_create_pinned(const char *name, const void *data,
                             phys_addr_t frames, uint64_t size, int rights)
{
    assert(!(frames & PAGE_MASK) && page_is_pinned(frames));
    inode_t *ino = inode_create(name, NULL, 0, rights);
    if (!ino)
        return NULL;
    if ((size & PAGE_MASK) && mm_commit(1) < 0) { /* the partial page */
        inode_close(ino);
        return NULL;
    }
    ino->charged = (size & PAGE_MASK) ? 1 : 0;
    ino->data = data;
    ino->size = size;
    ino->frames = frames;
    return ino;
}

/* True when the page at `offset` of `ino` is handed out in place. */
static bool in_place(const inode_t *ino, uint64_t offset)
{
    return ino->frames && offset + PAGE_SIZE <= ino->size;
}

void inode_open(inode_t *ino)
{
    long now = __atomic_add_fetch(&ino->refs, 1, __ATOMIC_RELAXED);
    assert(now > 1);
    (void)now;
}

void inode_close(inode_t *ino)
{
    long left = __atomic_sub_fetch(&ino->refs, 1, __ATOMIC_ACQ_REL);
    assert(left >= 0);
    if (left > 0)
        return;
    bbnode_t *n;
    while ((n = ino->pages.root) != NULL) {
        pcache_node_t *pc = (pcache_node_t *)n;
        bbtree_remove(&ino->pages, n);
        page_unref(pc->pa);
        mm_free(pc);
        if (!ino->data)
            mm_shmem_add(-1);
    }
    __atomic_sub_fetch(&shmem_blocks, ino->blocks, __ATOMIC_RELAXED);
    uncharge(ino, ino->charged);
    mm_free(ino);
}

/* Fills a new frame with the file bytes at `offset`, zero past the end. */
static void fill(inode_t *ino, phys_addr_t pa, uint64_t offset)
{
    unsigned char *dst = mmu_kaddr(pa);
    size_t real = 0;
    if (offset < ino->size)
        real = ino->size - offset < PAGE_SIZE ? (size_t)(ino->size - offset)
                                              : PAGE_SIZE;
    if (real) /* an empty file (memfd) has no data at all */
        memcpy(dst, ino->data + offset, real);
    memset(dst + real, 0, PAGE_SIZE - real);
}

void inode_set_size(inode_t *ino, uint64_t size)
{
    splock_lock(&ino->lock);
    ino->file_size = size;
    splock_unlock(&ino->lock);
}

/* True when the policy gives the aligned range at `base` of `ino` a
 * block (`upto`, `advised`: as inode_page_hint).  Inode lock held. */
static bool block_wanted(const inode_t *ino, uint64_t base, uint64_t upto,
                         bool advised)
{
    if (ino->data || base > UINT64_MAX - BLOCK_SIZE)
        return false; /* a file with data caches the data's pages */
    uint64_t size = ino->file_size > upto ? ino->file_size : upto;
    switch (shmem_policy) {
    case MM_SHMEM_HUGE_ALWAYS:
        return true;
    case MM_SHMEM_HUGE_WITHIN_SIZE: /* Linux: within_size honours advice */
        return advised || base + BLOCK_SIZE <= size;
    case MM_SHMEM_HUGE_ADVISE:
        return advised;
    default:
        return false;
    }
}

/* Caches one new zeroed block at `base` (aligned) when none of its range
 * is cached and 512 pages can be charged: its first frame, or 0 (nothing
 * changed).  Inode lock held. */
static phys_addr_t block_new(inode_t *ino, uint64_t base)
{
    bbnode_t *n = bbtree_lower(&ino->pages, (uintptr_t)base);
    if ((n && n->key < base + BLOCK_SIZE) || charge(ino, MMU_LARGE_PAGES) < 0)
        return 0;
    pcache_node_t *list = NULL; /* the nodes, chained through `pa` */
    size_t got = 0;
    for (; got < MMU_LARGE_PAGES; got++) {
        pcache_node_t *pc = mm_alloc(sizeof(*pc));
        if (!pc)
            break;
        pc->pa = (phys_addr_t)(uintptr_t)list;
        list = pc;
    }
    phys_addr_t pa = got == MMU_LARGE_PAGES ? page_new_huge() : 0;
    if (pa & BLOCK_MASK) { /* a buddy block is aligned: never */
        page_unref_range(pa, MMU_LARGE_PAGES);
        pa = 0;
    }
    if (!pa) {
        while (list) {
            pcache_node_t *next = (pcache_node_t *)(uintptr_t)list->pa;
            mm_free(list);
            list = next;
        }
        uncharge(ino, MMU_LARGE_PAGES);
        return 0;
    }
    for (size_t i = 0; i < MMU_LARGE_PAGES; i++) {
        pcache_node_t *pc = list;
        list = (pcache_node_t *)(uintptr_t)pc->pa;
        page_zero(pa + i * PAGE_SIZE);
        pc->pa = pa + i * PAGE_SIZE;
        pc->block = true;
        pc->node.key = (uintptr_t)(base + i * PAGE_SIZE);
        pc->node.size = PAGE_SIZE;
        bbtree_insert(&ino->pages, &pc->node);
    }
    ino->charged += MMU_LARGE_PAGES;
    mm_shmem_add(MMU_LARGE_PAGES);
    ino->blocks++;
    __atomic_add_fetch(&shmem_blocks, 1, __ATOMIC_RELAXED);
    return pa;
}

/* Ends the block holding the cached page `pc` (about to leave the cache):
 * its frames stay, as 4 KiB pages.  Inode lock held. */
static void block_end(inode_t *ino, pcache_node_t *pc)
{
    if (!pc->block)
        return;
    uint64_t base = pc->node.key & ~(uintptr_t)BLOCK_MASK;
    for (size_t i = 0; i < MMU_LARGE_PAGES; i++) {
        pcache_node_t *p = (pcache_node_t *)bbtree_search(
            &ino->pages, (uintptr_t)(base + i * PAGE_SIZE));
        assert(p && p->block);
        p->block = false;
    }
    ino->blocks--;
    __atomic_sub_fetch(&shmem_blocks, 1, __ATOMIC_RELAXED);
}

phys_addr_t inode_page(inode_t *ino, uint64_t offset)
{
    return inode_page_hint(ino, offset, 0, false);
}

phys_addr_t inode_page_hint(inode_t *ino, uint64_t offset, uint64_t upto,
                            bool advised)
{
    assert(!(offset & PAGE_MASK));
    splock_lock(&ino->lock);
    if (in_place(ino, offset)) { /* pinned: no reference to count */
        phys_addr_t pa = ino->frames + (phys_addr_t)offset;
        splock_unlock(&ino->lock);
        return pa;
    }
    pcache_node_t *pc =
        (pcache_node_t *)bbtree_search(&ino->pages, (uintptr_t)offset);
    uint64_t base = offset & ~BLOCK_MASK;
    if (!pc && block_wanted(ino, base, upto, advised) && block_new(ino, base))
        pc = (pcache_node_t *)bbtree_search(&ino->pages, (uintptr_t)offset);
    if (!pc) {
        bool charged = !ino->data || offset >= ino->size; /* past the data */
        /* an inode with data keeps its quota out (inode_own_data) */
        if (charged && (ino->data ? mm_commit(1) : charge(ino, 1)) < 0) {
            splock_unlock(&ino->lock);
            return 0;
        }
        pc = mm_alloc(sizeof(*pc));
        phys_addr_t pa = pc ? page_new_user() : 0;
        if (!pa) {
            if (charged)
                uncharge(ino, 1);
            mm_free(pc);
            splock_unlock(&ino->lock);
            return 0;
        }
        ino->charged += charged;
        if (!ino->data)
            mm_shmem_add(1);
        fill(ino, pa, offset);
        pc->pa = pa;
        pc->block = false;
        pc->node.key = (uintptr_t)offset;
        pc->node.size = PAGE_SIZE;
        bbtree_insert(&ino->pages, &pc->node);
    }
    page_ref(pc->pa);
    splock_unlock(&ino->lock);
    return pc->pa;
}

phys_addr_t inode_block(inode_t *ino, uint64_t offset, bool advised)
{
    assert(!(offset & BLOCK_MASK));
    splock_lock(&ino->lock);
    pcache_node_t *pc =
        (pcache_node_t *)bbtree_search(&ino->pages, (uintptr_t)offset);
    phys_addr_t pa = 0;
    if (pc && pc->block && !(pc->pa & BLOCK_MASK))
        pa = pc->pa; /* whole: all 512 cached, in order */
    else if (!pc && block_wanted(ino, offset, 0, advised))
        pa = block_new(ino, offset);
    if (pa)
        page_ref_range(pa, MMU_LARGE_PAGES);
    splock_unlock(&ino->lock);
    return pa;
}

int inode_own_data(inode_t *ino)
{
    splock_lock(&ino->lock);
    if (!ino->data) {
        splock_unlock(&ino->lock);
        return 0;
    }
    /* every cached page is charged once the data are gone: the data's
     * pages from creation (all cached below; those in place now), the
     * others as added */
    size_t placed = ino->frames ? (size_t)(ino->size / PAGE_SIZE) : 0;
    if (mm_commit(placed) < 0) {
        splock_unlock(&ino->lock);
        return -ENOMEM;
    }
    if (quota_charge(ino->quota, ino->charged + placed) < 0) {
        mm_uncommit(placed);
        splock_unlock(&ino->lock);
        return -ENOSPC;
    }
    ino->charged += placed;
    for (uint64_t off = 0; off < ino->size; off += PAGE_SIZE) {
        if (bbtree_search(&ino->pages, (uintptr_t)off))
            continue;
        pcache_node_t *pc = mm_alloc(sizeof(*pc));
        phys_addr_t pa = pc ? page_new_user() : 0;
        if (!pa) {
            mm_free(pc);
            quota_uncharge(ino->quota, ino->charged);
            ino->charged -= placed; /* the pages filled so far stay */
            mm_uncommit(placed);
            splock_unlock(&ino->lock);
            return -ENOMEM;
        }
        fill(ino, pa, off);
        pc->pa = pa;
        pc->block = false;
        pc->node.key = (uintptr_t)off;
        pc->node.size = PAGE_SIZE;
        bbtree_insert(&ino->pages, &pc->node);
    }
    ino->data = NULL;
    ino->size = 0;
    ino->frames = 0;
    mm_shmem_add((long)ino->pages.count);
    splock_unlock(&ino->lock);
    return 0;
}

int inode_prepare(inode_t *ino, uint64_t from, uint64_t to)
{
    assert(!(from & PAGE_MASK) && !(to & PAGE_MASK));
    if (ino->data && from < ino->size) /* the data's pages are charged */
        from = (ino->size + PAGE_MASK) & ~(uint64_t)PAGE_MASK;
    for (uint64_t off = from; off < to; off += PAGE_SIZE) {
        phys_addr_t pa = inode_page(ino, off);
        if (!pa)
            return -ENOMEM;
        page_unref(pa);
    }
    return 0;
}

size_t inode_pages_cached(inode_t *ino, uint64_t offset, size_t count,
                          phys_addr_t *pa)
{
    assert(!(offset & PAGE_MASK));
    size_t found = 0;
    for (size_t i = 0; i < count; i++)
        pa[i] = 0;
    uint64_t end = offset + (uint64_t)count * PAGE_SIZE;
    splock_lock(&ino->lock);
    bbnode_t *n = bbtree_lower(&ino->pages, (uintptr_t)offset);
    for (; n && n->key < end; n = bbtree_next(n), found++) {
        pcache_node_t *pc = (pcache_node_t *)n;
        page_ref(pc->pa);
        pa[(n->key - offset) / PAGE_SIZE] = pc->pa;
    }
    splock_unlock(&ino->lock);
    return found;
}

void inode_punch(inode_t *ino, uint64_t offset, uint64_t length)
{
    assert(!(offset & PAGE_MASK) && !ino->data);
    uint64_t end = offset + length;
    splock_lock(&ino->lock);
    bbnode_t *n = bbtree_lower(&ino->pages, (uintptr_t)offset);
    while (n && n->key < end) {
        bbnode_t *next = bbtree_next(n);
        pcache_node_t *pc = (pcache_node_t *)n;
        if (page_refcount(pc->pa) == 1) { /* the cache's own reference */
            block_end(ino, pc);
            bbtree_remove(&ino->pages, n);
            page_unref(pc->pa);
            mm_free(pc);
            uncharge(ino, 1); /* as inode_truncate: its charge goes too */
            ino->charged--;
            mm_shmem_add(-1);
        } else {
            page_zero(pc->pa);
        }
        n = next;
    }
    splock_unlock(&ino->lock);
}

void inode_truncate(inode_t *ino, uint64_t size)
{
    uint64_t keep = (size + PAGE_MASK) & ~(uint64_t)PAGE_MASK;
    splock_lock(&ino->lock);
    bbnode_t *n = keep < size ? NULL : bbtree_lower(&ino->pages, keep);
    while (n) {
        bbnode_t *next = bbtree_next(n);
        pcache_node_t *pc = (pcache_node_t *)n;
        bool charged = !ino->data || n->key >= ino->size; /* as inode_page */
        block_end(ino, pc);
        bbtree_remove(&ino->pages, n);
        page_unref(pc->pa); /* freed unless a mapping still holds it */
        mm_free(pc);
        if (charged) {
            uncharge(ino, 1);
            ino->charged--;
        }
        if (!ino->data)
            mm_shmem_add(-1);
        n = next;
    }
    size_t part = (size_t)(size & PAGE_MASK);
    pcache_node_t *last =
        part ? (pcache_node_t *)bbtree_search(&ino->pages, size - part) : NULL;
    if (last) /* what a later growth shows past the old end is zero */
        memset((char *)mmu_kaddr(last->pa) + part, 0, PAGE_SIZE - part);
    splock_unlock(&ino->lock);
}

size_t inode_cached(inode_t *ino)
{
    return ino->pages.count;
}
