/*
 * mm/page.h - physical frames: zones, a buddy allocator, reference counts.
 *
 * RAM is given region by region with page_add_ram(); each region describes
 * itself (its frame descriptors live in its own first frames, reached
 * through mmu_kaddr), so no early allocator is needed.  Frames are named by
 * their physical address; 0 is never a frame and means "none".
 *
 *   zone         physical range        used by
 *   ZONE_DMA     [0, 16 MiB)           legacy DMA, last resort of page_new
 *   ZONE_DMA32   [16 MiB, 4 GiB)       32-bit devices
 *   ZONE_NORMAL  [4 GiB, ...)          everything else, first choice
 *
 * Locking: each zone has its own lock (taken with interrupts masked);
 * reference counts are atomic.  No function here sleeps.
 */
#ifndef MM_PAGE_H
#define MM_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/mmu.h"

enum page_zone { ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, ZONE_COUNT };

#define ZONE_DMA_END ((phys_addr_t)16 << 20)
#define ZONE_DMA32_END ((phys_addr_t)4 << 30)
#define PAGE_MAX_ORDER 10 /* largest buddy block: 2^10 frames (4 MiB) */
#define PAGE_HUGE_ORDER 9 /* a superpage: 2^9 frames (2 MiB) */

/* Who a frame is for (mm/page.c groups them against fragmentation). */
enum page_kind { PAGE_KERNEL, PAGE_USER, PAGE_KINDS };

/* Adds the RAM [base, base+length) (trimmed to whole frames; frame 0 is
 * skipped).  Its first frames hold its descriptors.  Returns 0, -EINVAL if
 * the region is too small to describe itself or wraps, -EEXIST if it
 * overlaps a region already given.  Boot-time: not concurrent with users. */
int page_add_ram(phys_addr_t base, size_t length);

#define PAGE_MAX_PINNED 16 /* ranges of pinned frames */
#define PAGE_PINNED_REFS UINT32_MAX /* what a pinned frame's count reads */

/* Declares the frames [base, base+length) (page aligned), outside the RAM
 * given here, pinned: memory the kernel keeps for good (a boot module's)
 * whose frames a page cache may hand out and mappings may hold like
 * allocated ones.  Their references are not counted: page_ref does
 * nothing, page_unref never frees one, page_refcount reads
 * PAGE_PINNED_REFS (never 1: a private mapping copies before writing).
 * 0, -EINVAL (misaligned, empty, wraps), -EEXIST (overlaps RAM or another
 * pinned range), -ENOSPC (PAGE_MAX_PINNED ranges already).  Boot-time. */
int page_add_pinned(phys_addr_t base, size_t length);

/* True when `pa` lies in a pinned range. */
bool page_is_pinned(phys_addr_t pa);

/* Allocates one frame (NORMAL first, then DMA32, then DMA) with reference
 * count 1; its content is undefined.  Returns its address, or 0 when no
 * frame is left (or an injected failure is due). */
phys_addr_t page_new(void);

/* As page_new, for user memory (anonymous and page-cache pages): taken
 * from blocks kept apart from the kernel's. */
phys_addr_t page_new_user(void);

/* A superpage for user memory: 512 contiguous frames aligned to 2 MiB from
 * ZONE_NORMAL or lower, each with reference count 1; 0 when no free block
 * is left. */
phys_addr_t page_new_huge(void);

/* Allocates `count` physically contiguous frames from `zone` or a lower
 * zone, each with reference count 1 (each released on its own).  Returns
 * the first frame, or 0 when count is 0, larger than a buddy block, or no
 * run is free. */
phys_addr_t page_new_range(size_t count, enum page_zone zone);

/* Drops the only reference to `pa` (from page_new) and frees it; asserts
 * that no one else holds it. */
void page_release(phys_addr_t pa);

/* Takes one more reference to the allocated frame `pa`. */
void page_ref(phys_addr_t pa);

/* Drops one reference to `pa`; the frame is freed when none is left.
 * Returns the references left. */
uint32_t page_unref(phys_addr_t pa);

/* page_ref / page_unref of the `count` frames from `pa` (one region's:
 * a superpage), with one lookup.  page_unref_range returns how many were
 * freed; when all of an aligned power-of-two run are, it goes back to the
 * buddy allocator as one block. */
void page_ref_range(phys_addr_t pa, size_t count);
size_t page_unref_range(phys_addr_t pa, size_t count);

/* Current reference count of the allocated frame `pa` (racy by nature:
 * stable only while the caller's references and locks pin it). */
uint32_t page_refcount(phys_addr_t pa);

/* True when `pa` is a frame managed here (RAM given by page_add_ram). */
bool page_is_ram(phys_addr_t pa);

/* Fills the frame `pa` with zeros through the direct map. */
void page_zero(phys_addr_t pa);

/* Copies the frame `src` into the frame `dst` through the direct map. */
void page_copy(phys_addr_t dst, phys_addr_t src);

/* Frames currently free in all zones (leak checks, commit limit). */
size_t page_free_count(void);

/* Frames managed in all zones (descriptor frames excluded). */
size_t page_total_count(void);

/* Frames managed and free in `zone`. */
void page_zone_stats(enum page_zone zone, size_t *total, size_t *free);

/* Free blocks of `zone` per order 0..PAGE_MAX_ORDER (/proc/buddyinfo). */
void page_zone_blocks(enum page_zone zone, size_t counts[PAGE_MAX_ORDER + 1]);

/* Fault injection: the `n`th allocation from now fails (0 disables).
 * Used by the tests to walk every failure path. */
void page_fail_nth(unsigned long n);

/* Sets the owner word of the allocated frame `pa` (kalloc: its slab). */
void page_set_owner(phys_addr_t pa, void *owner);

/* Owner word of frame `pa`, or NULL if not RAM or not allocated. */
void *page_owner(phys_addr_t pa);

#endif /* MM_PAGE_H */
