/*
 * mm/memory.h - address spaces (mspace_t): the machine-independent memory
 * API the kernel and its syscalls call.
 *
 *   0x00000000 - 0x003FFFFF   never mapped (NULL guard)
 *   0x00400000 - 0xBFFFFFFF   user window: MSPACE_USER_LOWER..MSPACE_USER_UPPER
 *   kernel half               kspace: bounds given by the port
 *
 * Every function returns a Linux errno (negated) on bad input or lack of
 * memory and changes nothing then; a broken invariant asserts.
 *
 * What a port provides besides arch/mmu.h (all verbs, including present
 * pages with no rights for PROT_NONE: mmu_query still reports them
 * MMU_PRESENT with their frame) and arch/cpu.h (irq_save/irq_restore):
 *   - RAM through page_add_ram (mm/page.h), before anything else;
 *   - mm_set_allocator(alloc, free) before any mspace call: small-object
 *     allocation for mm's descriptors (kernel: kalloc/kfree, mm/kalloc.h);
 *   - kmap_init(lower, upper) for kspace (mm/kmap.h), which also gives
 *     kalloc its path for blocks above 4 MiB;
 *   - <string.h> (memcpy, memset, strlen), <errno.h>, <assert.h> (a broken
 *     invariant panics), <stdio.h> (snprintf: %lx %llx %zu, width, 0).
 */
#ifndef MM_MEMORY_H
#define MM_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/cpu.h"
#include "arch/mmu.h"
#include "mm/bbtree.h"
#include "mm/vma.h"

/* The user window, mm's definition; the x86 address map (USER_BASE/END,
 * asserted in arch/x86_64/mmu.c) and the ELF parser (ELF_USER_BASE/END,
 * asserted in unikernel/exec.c) repeat it for code that cannot see mm. */
#define MSPACE_USER_LOWER ((uintptr_t)0x00400000)
#define MSPACE_USER_UPPER ((uintptr_t)0xC0000000)

struct inode;

/* Lock legend: (c) constant after creation, (m) `lock`, (a) atomic. */
typedef struct mspace mspace_t;
struct mspace {
    long users;            /* (a) references (tasks sharing it) */
    bbtree_t tree;         /* (m) VMAs by address */
    mmu_dir_t *directory;  /* (c) page tables */
    uintptr_t lower_bound; /* (c) first usable address */
    uintptr_t upper_bound; /* (c) end of the usable window */
    size_t v_size;         /* (m) bytes covered by VMAs */
    size_t p_size;         /* (m) bytes covered by private VMAs */
    size_t s_size;         /* (m) bytes covered by shared VMAs (and VMA_PHYS) */
    size_t phys_pg_count;  /* (m) pages present in the page tables */
    size_t faults;         /* (m) faults resolved (Linux's minflt) */
    size_t huge_count;     /* (m) superpages mapped (2 MiB translations,
                              each also 512 pages of phys_pg_count) */
    size_t committed;      /* (m) pages charged to the commit limit by the
                              VMAs (private, partial file pages, stacks) */
    size_t tables_charged; /* (m) page-table reserve charged (mm/commit.c) */
    unsigned char *table_map; /* (m) table spans charged; NULL: kernel */
    bool kernel;           /* (c) kernel space: mappings are global, not user */
    vma_t *hint;           /* (m) last VMA found by a lookup */
    uintptr_t mmap_base;   /* (m) the port's start for mappings without an
                              address (ASLR); mm never reads it; 0: none */
    size_t data_pages;     /* (m) pages of private writable non-stack VMAs
                              (what RLIMIT_DATA counts, as Linux does) */
    size_t as_limit;       /* (m) most bytes VMAs may cover (RLIMIT_AS) */
    size_t data_limit;     /* (m) most bytes of data_pages (RLIMIT_DATA) */
    size_t stack_limit;    /* (m) most bytes a stack VMA may use below its
                              end (RLIMIT_STACK); each SIZE_MAX: none */
    splock_t lock;
};

/* An error returned in place of an address by mspace_map. */
#define MSPACE_ERR(errno_) ((void *)(intptr_t) - (errno_))
/* The negated errno carried by a mspace_map result, or 0 for an address. */
static inline int mspace_error(const void *result)
{
    intptr_t v = (intptr_t)result;
    return v < 0 && v >= -4095 ? (int)v : 0;
}

/* Installs the allocator of mm's small descriptors (VMAs, mspaces, page
 * cache nodes).  `alloc` returns NULL when out of memory. */
void mm_set_allocator(void *(*alloc)(size_t size), void (*free)(void *ptr));

/* Allocates / frees one mm descriptor through the installed allocator. */
void *mm_alloc(size_t size);
void mm_free(void *ptr);

/* Sets the most pages that may be committed (every frame a task can cause
 * to exist, the rule in mm/commit.c); 0 restores the default: 7/8 of
 * page_total_count(), read at each check. */
void mm_commit_set_limit(size_t pages);

/* Pages committed now in all address spaces, and the limit. */
size_t mm_committed(void);
size_t mm_commit_limit(void);

/* Charges `pages` to the commit limit: 0 or -ENOMEM (nothing charged). */
int mm_commit(size_t pages);

/* Returns `pages` charged by mm_commit. */
void mm_uncommit(size_t pages);

/* Adds `pages` (negative: removes) to the shared-memory figure: shared
 * anonymous frames and page-cache pages of files without data (memfd). */
void mm_shmem_add(long pages);

/* Pages of shared memory now (/proc/meminfo Shmem). */
size_t mm_shmem(void);

/* Superpage policy (mm/huge.c), as Linux's transparent_hugepage/enabled:
 * which anonymous VMAs get 2 MiB pages at first touch. */
enum mm_huge_policy {
    MM_HUGE_NEVER,   /* none */
    MM_HUGE_MADVISE, /* only VMAs given MADV_HUGEPAGE */
    MM_HUGE_ALWAYS,  /* every eligible VMA without MADV_NOHUGEPAGE */
};

/* Sets the policy (boot: the port's command line); the default is never. */
void mm_set_huge_policy(enum mm_huge_policy policy);

/* The policy in force. */
enum mm_huge_policy mm_huge_policy(void);

/* Superpages mapped now in all address spaces (a superpage shared by fork
 * counts once per space): /proc/meminfo's AnonHugePages in 2 MiB units. */
size_t mm_huge_mapped(void);

/* Shared file superpages mapped now in all address spaces (one per space
 * mapping it so): /proc/meminfo's ShmemPmdMapped in 2 MiB units. */
size_t mm_shmem_pmd_mapped(void);

/* Superpages mapped in [start, end) of `mspace` (smaps AnonHugePages).
 * Takes the mspace lock. */
size_t mspace_huge_pages(mspace_t *mspace, uintptr_t start, uintptr_t end);

/* madvise(MADV_HUGEPAGE) (`huge` true) or MADV_NOHUGEPAGE over [address,
 * address + length): the VMAs there are split to the range and marked;
 * superpages already mapped stay, and MADV_HUGEPAGE promotes in place the
 * spans whose pages are one block again (mm/huge.c).  Anonymous VMAs
 * and shared file VMAs (for the cache's policy, mm/inode.c) take the
 * advice; others ignore it, as Linux.  0, -EINVAL (bad range), -ENOMEM (a hole,
 * or no memory for a split). */
int mspace_advise_huge(mspace_t *mspace, uintptr_t address, size_t length,
                       bool huge);

/* madvise(MADV_COLLAPSE), Linux's synchronous collapse: each aligned 2 MiB
 * span inside [address, address + length) and inside an anonymous,
 * writable, committed VMA without MADV_NOHUGEPAGE becomes one superpage,
 * whatever the policy: in place when its pages already are one block
 * (mm/huge.c), else copied into a new block, absent pages reading zero.
 * 0; -EINVAL (bad range, a VMA that cannot hold superpages, a span with
 * no page present); -ENOMEM (no 2 MiB block or memory left: that span
 * unchanged, those done stay done; or a hole, the rest done). */
int mspace_collapse(mspace_t *mspace, uintptr_t address, size_t length);

/* Sets the limits of `mspace` in bytes (SIZE_MAX: none): mspace_map and
 * mspace_protect refuse with -ENOMEM what would make v_size exceed `as` or
 * data_pages exceed `data`; a stack does not grow (fault) more than
 * `stack` below its end.  Lowering a limit under what is used drops
 * nothing.  Takes the mspace lock. */
void mspace_set_limits(mspace_t *mspace, size_t as, size_t data, size_t stack);

/* Creates a user address space over [MSPACE_USER_LOWER, MSPACE_USER_UPPER)
 * with a fresh directory and one user.  NULL when out of memory. */
mspace_t *mspace_create(void);

/* Creates the kernel space over [lower, upper) in mmu_kernel_dir() (page
 * aligned, upper <= -4096).  NULL when out of memory or bad bounds. */
mspace_t *mspace_create_kernel(uintptr_t lower, uintptr_t upper);

/* Maps `length` bytes at `address` (mandatory with VMA_FIXED: -EEXIST if
 * anything is there; otherwise a hint, 0 = anywhere) with `flags`
 * (VMA_* rights, sharing, max rights, one type, requests; VMA_CHARGED is
 * ignored: mm sets it).  `ino`,
 * `offset`: the file (VMA_FILE) or `offset` the physical address
 * (VMA_PHYS); `limit`: bytes of the file real after offset (0 = all).
 * Commits now what the mapping can make exist (mm/commit.c): private
 * writable pages, shared anonymous pages (populated), the page cache of a
 * file without data over the range, page-table spans.  Stacks, every
 * mapping of a kernel space and VMA_NOMERGE requests stay their own VMA
 * (never merged with a neighbour, so a stack's guard page is always the
 * lowest page of its own VMA).  Returns the
 * address or MSPACE_ERR(EINVAL / EACCES / EEXIST / ENOMEM); nothing
 * changes on failure (but the page-table spans a failed populate charged,
 * whose tables stay, and the cache pages filled).  Takes the mspace lock. */
void *mspace_map(mspace_t *mspace, uintptr_t address, size_t length,
                 struct inode *ino, uint64_t offset, uint64_t limit, int flags);

/* As mspace_map, at a multiple of `align` (a power of two; below a page:
 * a page): one search finds the lowest aligned hole at or after the hint
 * (rounded up to `align`), then from the bottom of the window.  -EINVAL
 * also when `align` is not a power of two or a VMA_FIXED address is not
 * aligned; -ENOMEM when no aligned hole is large enough. */
void *mspace_map_aligned(mspace_t *mspace, uintptr_t address, size_t length,
                         size_t align, struct inode *ino, uint64_t offset,
                         uint64_t limit, int flags);

/* Sets the rights of [address, address+length) to `rights` (VMA_READ,
 * VMA_WRITE, VMA_EXEC), splitting VMAs at both ends; a private VMA made
 * writable is committed whole and stays so until unmapped.  0, -EINVAL (bad
 * alignment, length or rights), -ENOMEM (a hole in the range, or no memory
 * to commit or split), -EACCES (above a VMA's maximum rights).  All or
 * nothing.  Takes the mspace lock. */
int mspace_protect(mspace_t *mspace, uintptr_t address, size_t length,
                   int rights);

/* Unmaps [address, address+length), splitting VMAs at both ends; holes are
 * fine.  0, -EINVAL (bad alignment, length, outside the window), -ENOMEM
 * (no memory to split: only when the range lies strictly inside one VMA,
 * so unmapping whole VMAs never fails).  All or nothing.  Takes the mspace
 * lock. */
int mspace_unmap(mspace_t *mspace, uintptr_t address, size_t length);

/* Requests of mspace_remap (values of Linux's MREMAP_*). */
#define MSPACE_REMAP_MAYMOVE 0x1   /* may move when it cannot grow in place */
#define MSPACE_REMAP_FIXED 0x2     /* move to new_addr (with MAYMOVE only) */
#define MSPACE_REMAP_DONTUNMAP 0x4 /* move, keep the old range mapped, empty
                                      (MAYMOVE, equal lengths) */

/* Resizes or moves [old, old+old_len) (mremap); `old` must be in a live
 * VMA (-EFAULT).  Shrinking without FIXED or DONTUNMAP unmaps the tail
 * (holes are fine) and returns `old`.  Else the range (its first new_len
 * bytes when a move shrinks: the rest is unmapped) must lie in that one VMA
 * (-EFAULT): it grows in place when the range ends the VMA and the pages
 * after it are free, or moves (MAYMOVE)
 * to `new_addr` (FIXED: replacing what is there; else a hint) by moving
 * its page-table entries: no frame is copied, rights, sharing and COW
 * references stay, untouched pages cost nothing.  A shared anonymous
 * range's new pages are populated; a moved part of a stack that leaves its
 * guard behind becomes plain anonymous memory.  Commit moves with the
 * mapping (growth is charged).  Returns the address or MSPACE_ERR(EINVAL:
 * flags, alignment, zero length, wrap, overlap, FIXED outside the window,
 * DONTUNMAP of shared anonymous or physical memory; EFAULT; ENOMEM: no
 * room, commit, descriptor, frame or page table).  All or nothing: every
 * resource is taken before the first change.  Takes the mspace lock. */
void *mspace_remap(mspace_t *mspace, uintptr_t old, size_t old_len,
                   size_t new_len, int flags, uintptr_t new_addr);

/* Drops the pages of [address, address+length) and keeps the VMAs
 * (MADV_DONTNEED): private pages read as zero or as the file again on the
 * next touch; shared anonymous pages, which have no other copy, stay.
 * 0, -EINVAL (misaligned, zero length, wraps: nothing dropped), -ENOMEM
 * (a hole or a dead VMA in the range: the pages of the mapped parts are
 * dropped all the same, as Linux's madvise).  Never allocates.  Takes the
 * lock. */
int mspace_discard(mspace_t *mspace, uintptr_t address, size_t length);

/* Frees the backing of [address, address+length) (MADV_REMOVE, a hole
 * punched in the file): every page reads as zero afterwards, in every
 * mapping of it.  A shared file mapping drops its pages here and the file
 * frees the cached pages nobody else maps (the others are zeroed); shared
 * anonymous pages are zeroed in place (the frames stay: they are the only
 * copy, maybe shared with other spaces).  -EINVAL (misaligned, zero length,
 * wraps, or a VMA with no file behind it: private anonymous, stack,
 * physical), -EACCES (a private file mapping, or one never writable):
 * nothing changed; -ENOMEM: a hole in the range, the rest punched.  Never
 * allocates.  Takes the lock (then the inode's). */
int mspace_punch(mspace_t *mspace, uintptr_t address, size_t length);

/* Drops the present pages that map `ino` at file offsets at or above
 * `from` (page aligned), in shared and private mappings alike (a private
 * copy past a truncated end goes too, as in Linux), for a truncation: the
 * next touch takes the page cache's page again.  Never allocates.  Takes
 * the mspace lock. */
void mspace_unmap_inode(mspace_t *mspace, const struct inode *ino,
                        uint64_t from);

/* As mspace_unmap_inode for the file offsets [from, to) (page aligned):
 * a superpage that meets the range goes whole (the next touch maps the
 * pages left as 4 KiB pages).  For a punched hole. */
void mspace_unmap_inode_range(mspace_t *mspace, const struct inode *ino,
                              uint64_t from, uint64_t to);

/* Drops the present pages of the mappings of `ino` that map pinned frames
 * (its data's pages in place: inode_create_pinned), shared and private
 * alike; cached pages and private copies stay.  For inode_own_data, after
 * which the next touch takes the cache's copy.  Never allocates.  Takes
 * the mspace lock. */
void mspace_unmap_pinned(mspace_t *mspace, const struct inode *ino);

/* Marks every VMA dead: dead VMAs are invisible to lookups and faults but
 * keep their range until mspace_scavenge (the seed's lazy unmap; execve
 * does not use it: it builds the new image in a fresh mspace and closes
 * the old one, so that a failed exec leaves the caller intact). */
void mspace_sweep(mspace_t *mspace);

/* Reaps the dead VMAs: unmaps their pages (one flush) and frees them.
 * Returns the number of VMAs reaped. */
int mspace_scavenge(mspace_t *mspace);

/* The live VMA containing `address`, or NULL.  Caller holds the lock (the
 * VMA is valid while it is held). */
vma_t *mspace_search_vma(mspace_t *mspace, uintptr_t address);

/* Writes the VMAs in /proc/PID/maps format into buf (at most size bytes,
 * NUL-terminated when size > 0); returns the length the full text needs
 * (like snprintf).  Takes the mspace lock. */
int mspace_display(mspace_t *mspace, char *buf, size_t size);

/* As mspace_display, each VMA's line followed by Linux's smaps lines
 * Size, KernelPageSize, Rss, AnonHugePages, ShmemPmdMapped and
 * FilePmdMapped (kB; a shared file superpage is shmem's here: every file
 * with pages of its own lives in memory). */
int mspace_display_smaps(mspace_t *mspace, char *buf, size_t size);

/* Copies `mspace` for fork: same VMAs and mmap_base; private pages shared
 * copy-on-write (write access removed on both sides), shared ones shared.
 * Returns the child or NULL (ENOMEM: nothing left behind).  Takes the
 * parent's lock. */
mspace_t *mspace_clone(mspace_t *mspace);

/* Takes one more user of `mspace`. */
void mspace_open(mspace_t *mspace);

/* Drops one user; the last one unmaps everything and frees the space. */
void mspace_close(mspace_t *mspace);

/* What a fault was: FAULT_READ, FAULT_WRITE or FAULT_EXEC, plus
 * FAULT_USER when the CPU was in user mode. */
#define FAULT_READ 0x1
#define FAULT_WRITE 0x2
#define FAULT_EXEC 0x4
#define FAULT_USER 0x8

/* Why a fault could not be resolved (MM_FAULT_OK: it was). */
typedef enum mm_fault {
    MM_FAULT_OK,             /* resolved: retry the access */
    MM_FAULT_NO_VMA,         /* no mapping at the address */
    MM_FAULT_WRITE_RO,       /* write to a VMA without write right */
    MM_FAULT_EXEC_NX,        /* instruction fetch from a non-executable VMA */
    MM_FAULT_READ_NONE,      /* read of a VMA without read right */
    MM_FAULT_KERNEL_ADDR,    /* user access to the kernel half */
    MM_FAULT_STACK_GUARD,    /* touch of the guard page below a stack */
    MM_FAULT_STACK_OVERFLOW, /* a stack page could not be committed */
    MM_FAULT_NOMEM,          /* no frame left (COW copy, page-table page) */
} mm_fault_t;

/* Resolves a fault at `address` of kind `reason` (FAULT_*): maps the page
 * (zero fill, file page, physical page, COW copy or last-owner reuse) or
 * says why not.  Takes the mspace lock; never panics on bad input. */
mm_fault_t mspace_resolve(mspace_t *mspace, uintptr_t address, int reason);

/* A short name of `fault` for reports ("write to read-only"...). */
const char *mm_fault_name(mm_fault_t fault);

/* Checks every invariant of `mspace` (tree, accounting against the page
 * tables); asserts on failure.  For tests and debug builds. */
void mspace_check(mspace_t *mspace);

#endif /* MM_MEMORY_H */
