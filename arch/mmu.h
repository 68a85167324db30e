/*
 * arch/mmu.h - the machine-dependent MMU interface (the "pmap" layer).
 *
 * mm/ is machine-independent: it decides WHAT is mapped where; the verbs
 * below decide HOW the hardware is told.  A port provides all of them:
 *   arch/x86_64/mmu.c   4-level x86_64 page tables (the kernel)
 *   tests/unit/fake_mmu.c  an exact software model (host tests, fuzzers)
 *
 * Only the port knows PTE bits, CR3 or invlpg.  Page-table pages come from
 * page_new() and are reached through the direct map (mmu_kaddr), so no
 * temporary mapping is ever needed.
 *
 * Changes made by mmu_map/mmu_unmap/mmu_protect are NOT visible to other
 * CPUs or guaranteed visible to this one until mmu_flush() covers them:
 * callers batch one flush per operation (the port picks invlpg or a full
 * flush by size).  A new mapping of a previously absent page needs no flush;
 * mmu_split and mmu_promote, which change the page size, flush themselves.
 *
 * Locking: the caller holds the lock of the address space that owns `dir`.
 */
#ifndef ARCH_MMU_H
#define ARCH_MMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE  ((size_t)1 << PAGE_SHIFT)
#define PAGE_MASK  (PAGE_SIZE - 1)

/* Page-table geometry, for mm's reserve of page-table pages (mm/commit.c):
 * below the top-level table (allocated by mmu_dir_create) are
 * MMU_TABLE_LEVELS levels of tables; mmu_map allocates at most one table of
 * level l (0: the last) per aligned span of 1 << MMU_TABLE_SHIFT(l) bytes.
 * x86_64: a PT per 2 MiB, a PD per 1 GiB, a PDPT per 512 GiB.  The fake
 * MMU allocates no frame for its tables and follows the same figures. */
#define MMU_TABLE_LEVELS 3
#define MMU_TABLE_SHIFT(level) (21 + 9 * (level))

typedef uint64_t phys_addr_t; /* a physical address */
typedef struct mmu_dir mmu_dir_t; /* one page-table tree (opaque) */

/* Rights and attributes given to mmu_map/mmu_protect (values equal PROT_*). */
#define MMU_READ     0x01 /* readable */
#define MMU_WRITE    0x02 /* writable */
#define MMU_EXEC     0x04 /* executable */
#define MMU_USER     0x08 /* reachable from user mode */
#define MMU_UNCACHED 0x10 /* device memory: caching disabled */
#define MMU_GLOBAL   0x20 /* survives address-space switches (kernel half) */

/* Extra state reported by mmu_query (besides the rights above). */
#define MMU_PRESENT  0x100 /* a translation exists */
#define MMU_ACCESSED 0x200 /* the hardware saw an access since mapping */
#define MMU_DIRTY    0x400 /* the hardware saw a write since mapping */
#define MMU_LARGE    0x800 /* the translation is one 2 MiB page (mmu_map_large) */

/* A large page: 2 MiB of 512 physically contiguous frames, aligned both
 * virtually and physically, mapped by one translation (x86: a PDE with PS). */
#define MMU_LARGE_SHIFT 21
#define MMU_LARGE_SIZE  ((size_t)1 << MMU_LARGE_SHIFT)
#define MMU_LARGE_PAGES (MMU_LARGE_SIZE / PAGE_SIZE)

/* The kernel's own directory (upper half), set up by the port at boot. */
mmu_dir_t *mmu_kernel_dir(void);

/* Creates a user directory whose upper half is shared with the kernel's.
 * Returns NULL when no frame is left for the top-level table. */
mmu_dir_t *mmu_dir_create(void);

/* Frees every page-table page of a user directory below the kernel half.
 * The frames that were mapped are not touched: mm/ released them first. */
void mmu_dir_destroy(mmu_dir_t *dir);

/* Maps the page at virtual `va` to frame `pa` with `flags` (MMU_* rights).
 * Replaces any existing translation (caller flushes in that case).
 * Returns 0, or -ENOMEM when a page-table page cannot be allocated. */
int mmu_map(mmu_dir_t *dir, uintptr_t va, phys_addr_t pa, int flags);

/* True when the 2 MiB at `va` (aligned) have neither a translation nor a
 * last-level table (made by an earlier mmu_map, mmu_prepare or mmu_split:
 * tables stay until mmu_free_table or mmu_dir_destroy), so that
 * mmu_map_large may map them.
 * As Linux, which makes a huge page only where the PMD is empty. */
bool mmu_large_free(mmu_dir_t *dir, uintptr_t va);

/* Frees the last-level table of the 2 MiB span at `va` (aligned), which
 * maps nothing (mm/ calls it once munmap emptied the span and flushed), so
 * that the span may take a superpage again; nothing if it has none.  The
 * port drops what the CPU may cache of the table before freeing it. */
void mmu_free_table(mmu_dir_t *dir, uintptr_t va);

/* Maps the 2 MiB at `va` to the frames [pa, pa + 2 MiB) with one large
 * translation (both aligned to MMU_LARGE_SIZE; user memory only).
 * Returns 0, -ENOMEM (no frame for an upper table) or -EEXIST (the range
 * is not mmu_large_free).  Needs no flush from the caller. */
int mmu_map_large(mmu_dir_t *dir, uintptr_t va, phys_addr_t pa, int flags);

/* Replaces the large translation covering `va` by 512 page translations
 * of the same frames, rights and accessed/dirty state (demotion); the
 * mapping is unchanged, so the port flushes the old entry itself.  Returns
 * 0, -ENOMEM when no frame is left for the table, -ENOENT when `va` is not
 * in a large translation. */
int mmu_split(mmu_dir_t *dir, uintptr_t va);

/* Promotion, the inverse of mmu_split: replaces the last-level table of
 * the 2 MiB span at `va` (aligned) by one large translation of the frames
 * [pa, pa + 2 MiB) (aligned) with `flags` and the accessed/dirty state of
 * the span's old translations, then frees the table.  The old
 * translations are dropped, not their frames: mm/ either checked that
 * they are exactly those frames in order (in place) or copied them and
 * drops them itself (MADV_COLLAPSE).  The page size changes, so the port
 * flushes the span itself (x86: the table is unhooked and the 2 MiB
 * flushed before the large entry goes in, SDM 4.10.4.2); that flush
 * covers every pending change of the span, and the caller needs none.
 * Allocates nothing: 0, or -ENOENT when the span has no table (nothing
 * mapped there, or a large translation already). */
int mmu_promote(mmu_dir_t *dir, uintptr_t va, phys_addr_t pa, int flags);

/* Allocates the page-table pages a translation of `va` needs, so that a
 * later mmu_map of `va` in `dir` cannot fail (mm/remap.c moves entries
 * only once every destination is prepared, so a move is all or nothing).
 * Changes no translation and needs no flush.  Returns 0, or -ENOMEM when a
 * page-table page cannot be allocated (the tables made so far stay, empty;
 * mmu_dir_destroy frees them). */
int mmu_prepare(mmu_dir_t *dir, uintptr_t va);

/* Removes the translation of `va`; returns the frame it pointed to, or
 * (phys_addr_t)-1 if none was present.  Flags seen are stored in *flags
 * when non-NULL (MMU_ACCESSED, MMU_DIRTY...).  At the base of a large
 * translation the whole 2 MiB goes (MMU_LARGE in *flags, the first frame
 * returned); elsewhere inside one is a bug (mmu_split first). */
phys_addr_t mmu_unmap(mmu_dir_t *dir, uintptr_t va, int *flags);

/* Changes the rights of a present translation of `va` to `flags` (at the
 * base of a large translation: of the whole 2 MiB; elsewhere inside one
 * is a bug).  Returns 0, or -ENOENT when `va` is not mapped. */
int mmu_protect(mmu_dir_t *dir, uintptr_t va, int flags);

/* Looks `va` up: returns MMU_PRESENT|rights|accessed/dirty (|MMU_LARGE
 * inside a large translation), or 0 when nothing is mapped; stores the
 * frame of the page holding `va` in *pa when non-NULL and present. */
int mmu_query(mmu_dir_t *dir, uintptr_t va, phys_addr_t *pa);

/* The lowest page address in [va, end) that has a translation (the state
 * mmu_query reports as MMU_PRESENT, PROT_NONE pages included), or `end`
 * when there is none.  `va` is page aligned; the range lies in one half
 * of the address space.  Costs O(translations found + page-table pages
 * under the range), not O(pages): absent tables are skipped whole. */
uintptr_t mmu_next_mapped(mmu_dir_t *dir, uintptr_t va, uintptr_t end);

/* Makes every change to [va, va+length) of `dir` visible (TLB shootdown). */
void mmu_flush(mmu_dir_t *dir, uintptr_t va, size_t length);

/* Makes `dir` the current translation of this CPU. */
void mmu_switch(mmu_dir_t *dir);

/* The kernel virtual address (direct map) of physical address `pa`. */
void *mmu_kaddr(phys_addr_t pa);

/* The physical address behind a direct-map kernel address `kaddr`. */
phys_addr_t mmu_paddr(const void *kaddr);

#endif /* ARCH_MMU_H */
