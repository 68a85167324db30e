/*
 * mm/inode.h - the minimal inode mm/ needs: an in-memory file (the
 * application image, files embedded in the image) with a page cache, a
 * tree of frames by offset filled on first use and shared by every
 * mapping of the file.
 *
 * Lock legend: (c) constant, (a) atomic, (i) `lock` (taken under a
 * mspace lock, above the zone locks).
 */
#ifndef MM_INODE_H
#define MM_INODE_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/cpu.h"
#include "arch/mmu.h"
#include "mm/bbtree.h"

/* A cap on the pages a set of inodes may cache (a tmpfs size): every page
 * an inode with a quota commits counts here too; past `limit` inode_page
 * fails as it does past the commit limit. */
typedef struct inode_quota {
    size_t used;  /* (a) pages counted */
    size_t limit; /* (c) most pages */
} inode_quota_t;

typedef struct inode inode_t;
struct inode {
    long refs;                 /* (a) references: opens and VMAs */
    uint64_t number;           /* (c) inode number shown in maps */
    const char *name;          /* (c) path shown in maps, or NULL */
    const unsigned char *data; /* (c) content, kept alive by the owner */
    uint64_t size;             /* (c) bytes of content */
    phys_addr_t frames; /* (i) the pinned frame holding data's first page
                           when its whole pages are handed out in place
                           (inode_create_pinned), else 0 */
    int rights;     /* (c) VMA_READ/WRITE/EXEC a shared map may get */
    bbtree_t pages; /* (i) cached frames by offset */
    size_t charged; /* (i) pages committed for the cache (mm/commit.c): the
                       data's pages from creation, plus each cached page
                       past the data */
    inode_quota_t *quota; /* (c) set once before any page, or NULL */
    uint64_t file_size;   /* (i) the file's size as its owner last set it
                             (inode_set_size): within_size's bound */
    size_t blocks;        /* (i) 2 MiB blocks whole in the cache */
    splock_t lock;
};

/* Superpages of the page cache (shmem THP), as Linux's tmpfs huge= and
 * shmem_enabled: which aligned 2 MiB ranges of an inode without data get
 * one 2 MiB block (mm/inode.c) when their first page is cached. */
enum mm_shmem_huge_policy {
    MM_SHMEM_HUGE_NEVER,       /* none */
    MM_SHMEM_HUGE_WITHIN_SIZE, /* ranges inside the file size, and advised */
    MM_SHMEM_HUGE_ADVISE,      /* only for a VMA given MADV_HUGEPAGE */
    MM_SHMEM_HUGE_ALWAYS,      /* every range, past the size too */
};

/* Sets the policy (boot: the port's command line); the default is never. */
void mm_set_shmem_huge_policy(enum mm_shmem_huge_policy policy);

/* The policy in force. */
enum mm_shmem_huge_policy mm_shmem_huge_policy(void);

/* Blocks whole in all caches now (/proc/meminfo ShmemHugePages, 2 MiB
 * units). */
size_t mm_shmem_huge_blocks(void);

/* Sets the size within_size compares with (the owner's file size; the
 * cache itself is unchanged).  Takes the inode lock. */
void inode_set_size(inode_t *ino, uint64_t size);

/* As inode_page, the policy deciding whether a first page of an aligned
 * 2 MiB range none of which is cached brings one zeroed 2 MiB block for
 * the whole range, charged as 512 pages (no block, commit or quota: a
 * page as inode_page); `upto`: the end of the write asking (within_size
 * counts max(file size, upto)), `advised`: for a VMA with MADV_HUGEPAGE. */
phys_addr_t inode_page_hint(inode_t *ino, uint64_t offset, uint64_t upto,
                            bool advised);

/* The first frame of the whole block caching the aligned 2 MiB at
 * `offset`, a reference taken on each of its 512 frames for the caller;
 * if none of that range is cached, a block is made as inode_page_hint
 * would (upto 0).  0: not one block (nothing taken). */
phys_addr_t inode_block(inode_t *ino, uint64_t offset, bool advised);

/* Creates an inode over `size` bytes at `data` (not copied; must outlive
 * the inode) allowing `rights` to shared mappings, with one reference.
 * The pages of the data are committed now (the cache may hold them all).
 * NULL when out of memory or commit. */
inode_t *inode_create(const char *name, const void *data, uint64_t size,
                      int rights);

/* As inode_create, over data whose pages lie in place in the pinned
 * frames from `frames` (page_add_pinned; `data` is their direct-map
 * address, page aligned): the cache hands out those frames themselves for
 * every whole page of the data, copying nothing; only a partial last page
 * (whose frame holds bytes past the end) is committed and copied. */
inode_t *inode_create_pinned(const char *name, const void *data,
                             phys_addr_t frames, uint64_t size, int rights);

/* Makes the data of `ino` its own: every page of the data is read into the
 * cache (they are committed already), the data pointer is dropped and the
 * inode becomes one without data (as a memfd): its pages can now be written
 * and truncated.  Its pages are counted in its quota first (and the
 * pages it had in place committed).  0 (also when it had no data), -ENOSPC
 * past the quota, -ENOMEM (the data stay).  The caller first drops the
 * mappings of pages in place (mspace_unmap_pinned), which would otherwise
 * keep showing the old bytes. */
int inode_own_data(inode_t *ino);

/* Takes one more reference to `ino`. */
void inode_open(inode_t *ino);

/* Drops one reference; the last one frees the cached frames and the inode
 * and gives back its commit charge. */
void inode_close(inode_t *ino);

/* The cached frame holding the page at `offset` (page aligned; bytes past
 * the end of the file read as zero), filled on first use, with one
 * reference taken for the caller (a page in place: its pinned frame, no
 * reference counted).  A new page past the data (any page of
 * an inode without data) is committed first.  Returns 0 when out of memory or commit. */
phys_addr_t inode_page(inode_t *ino, uint64_t offset);

/* Fills the cache of [from, to) (page aligned) wherever a fault could
 * otherwise grow it beyond its charge, so that faults of a mapping of it
 * never need a commit: 0 or -ENOMEM (the pages filled so far stay). */
int inode_prepare(inode_t *ino, uint64_t from, uint64_t to);

/* True when the page at `offset` lies wholly past the data of an inode
 * created with data (a private mapping reads it as anonymous zeros). */
static inline bool inode_past_data(const inode_t *ino, uint64_t offset)
{
    return ino->data && offset >= ino->size;
}

/* Looks up the `count` pages from `offset` (page aligned) in the cache
 * without filling it: pa[i] is the cached frame of page i, with one
 * reference taken for the caller, or 0.  Returns how many were found. */
size_t inode_pages_cached(inode_t *ino, uint64_t offset, size_t count,
                          phys_addr_t *pa);

/* Punches [offset, offset+length) of `ino`, which has no data (memfd):
 * cached frames only the cache holds are freed, the others (still mapped
 * somewhere) are zeroed; the range reads as zero afterwards. */
void inode_punch(inode_t *ino, uint64_t offset, uint64_t length);

/* Truncation of the cache to `size` bytes: drops the cached frames past
 * it (their cache reference; a mapping's own reference keeps a frame alive
 * until mspace_unmap_inode drops it) and zeroes the last partial page
 * past `size`.  Never allocates.  Takes the inode lock. */
void inode_truncate(inode_t *ino, uint64_t size);

/* Number of frames in the cache of `ino`. */
size_t inode_cached(inode_t *ino);

#endif /* MM_INODE_H */
