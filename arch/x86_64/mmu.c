/*
 * mmu.c - arch/mmu.h on x86_64 4-level page tables: 4 KiB pages, and
 * 2 MiB pages (a PDE with PS) for user superpages (mmu_map_large); the
 * direct map uses 2 MiB / 1 GiB pages, built by paging.c.
 *
 * A directory is named by the kernel address (direct map) of its PML4, so
 * no descriptor is allocated.  The kernel half (PML4 entries 256..511) is
 * filled at boot and copied into every user PML4: later kernel mappings
 * change shared lower-level tables only, and every space sees them.
 *
 * PTE software bits: MAPPED says a translation exists (a PROT_NONE page
 * keeps its frame with the hardware P bit clear); READ remembers the read
 * right, which x86 cannot take away from a present page.
 */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>

#include "arch/mmu.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/pcid.h"
#include "arch/x86_64/x86.h"
#include "mm/memory.h"
#include "mm/page.h"

/* The x86 address map (layout.h, also read by assembly) and mm draw the
 * same user window. */
_Static_assert(USER_BASE == MSPACE_USER_LOWER && USER_END == MSPACE_USER_UPPER,
               "arch/x86_64/layout.h and mm/memory.h disagree on the user "
               "window");

#define FLUSH_PAGES_MAX 32 /* above this, one full flush beats invlpg */
#define CR4_PGE (1u << 7)

static phys_addr_t kernel_pml4;
static bool kernel_half_final; /* no new PML4 entry in the kernel half */

uint64_t pte_from_flags(int flags)
{
    uint64_t pte = PTE_MAPPED;
    if (flags & (MMU_READ | MMU_WRITE | MMU_EXEC))
        pte |= PTE_P;
    if (flags & MMU_READ)
        pte |= PTE_READ;
    if (flags & MMU_WRITE)
        pte |= PTE_W;
    if (!(flags & MMU_EXEC))
        pte |= PTE_NX;
    if (flags & MMU_USER)
        pte |= PTE_U;
    if (flags & MMU_UNCACHED)
        pte |= PTE_PCD | PTE_PWT;
    if (flags & MMU_GLOBAL)
        pte |= PTE_G;
    return pte;
}

int pte_to_flags(uint64_t pte)
{
    if (!(pte & (PTE_MAPPED | PTE_P)))
        return 0;
    int flags = MMU_PRESENT;
    if (pte & PTE_READ)
        flags |= MMU_READ;
    if (pte & PTE_W)
        flags |= MMU_WRITE;
    if ((pte & PTE_P) && !(pte & PTE_NX))
        flags |= MMU_EXEC;
    if (pte & PTE_U)
        flags |= MMU_USER;
    if (pte & PTE_PCD)
        flags |= MMU_UNCACHED;
    if (pte & PTE_G)
        flags |= MMU_GLOBAL;
    if (pte & PTE_A)
        flags |= MMU_ACCESSED;
    if (pte & PTE_D)
        flags |= MMU_DIRTY;
    return flags;
}

static bool kernel_half(uintptr_t va)
{
    return va >= DIRECT_MAP_BASE;
}

uint64_t *pte_table(phys_addr_t table)
{
    return mmu_kaddr(table);
}

uint64_t *pte_walk(phys_addr_t pml4, uintptr_t va, int level, bool create,
                   int *found)
{
    uint64_t *table = pte_table(pml4);
    for (int l = 3; l > level; l--) {
        uint64_t *e = &table[PTE_INDEX(va, l)];
        if (*e & PTE_PS) { /* a large page covers va at level l */
            *found = l;
            return e;
        }
        if (!(*e & PTE_P)) {
            if (!create)
                return NULL;
            assert(l != 3 || !kernel_half(va) || !kernel_half_final);
            phys_addr_t pa = page_new();
            if (!pa)
                return NULL;
            page_zero(pa);
            *e = pa | PTE_P | PTE_W | (kernel_half(va) ? 0 : PTE_U);
        }
        table = pte_table(*e & PTE_ADDR);
    }
    *found = level;
    return &table[PTE_INDEX(va, level)];
}

/* The 4 KiB leaf entry of `va`, creating tables when `create`; NULL when
 * absent (or no frame for a table).  A large page there is a bug: mm/
 * demotes (mmu_split) before it changes part of one. */
static uint64_t *leaf(mmu_dir_t *dir, uintptr_t va, bool create)
{
    int level;
    uint64_t *e = pte_walk(mmu_paddr(dir), va, 0, create, &level);
    if (e && level != 0)
        panic("mmu: 0x%lx lies in a large page", va);
    return e;
}

/* The entry that translates `va`: a 4 KiB leaf, or the PDE of a user
 * superpage at its base (*large set); NULL when absent.  Inside a
 * superpage but not at its base, or in a large page of the direct map,
 * is a bug. */
static uint64_t *entry_of(mmu_dir_t *dir, uintptr_t va, bool *large)
{
    int level;
    uint64_t *e = pte_walk(mmu_paddr(dir), va, 0, false, &level);
    *large = e && level == 1 && !kernel_half(va);
    if (e && level != 0 && !(*large && !(va & (MMU_LARGE_SIZE - 1))))
        panic("mmu: 0x%lx lies in a large page", va);
    return e;
}

/* The PDE of user address `va`, creating the tables above it when
 * `create`; NULL when absent or no frame is left. */
static uint64_t *pde_of(mmu_dir_t *dir, uintptr_t va, bool create)
{
    int level;
    uint64_t *e = pte_walk(mmu_paddr(dir), va, 1, create, &level);
    return e && level == 1 ? e : NULL;
}

mmu_dir_t *mmu_kernel_dir(void)
{
    return mmu_kaddr(kernel_pml4);
}

void mmu_set_kernel_dir(phys_addr_t pml4, bool final)
{
    kernel_pml4 = pml4;
    kernel_half_final = final;
}

mmu_dir_t *mmu_dir_create(void)
{
    phys_addr_t pa = page_new();
    if (!pa)
        return NULL;
    uint64_t *pml4 = pte_table(pa), *kernel = pte_table(kernel_pml4);
    for (int i = 0; i < 256; i++)
        pml4[i] = 0;
    for (int i = 256; i < 512; i++)
        pml4[i] = kernel[i];
    pcid_forget(pa); /* entries of a directory that had this frame */
    return (mmu_dir_t *)pml4;
}

/* Frees table `pa` at `level` (2 PDPT, 1 PD, 0 PT) and the tables below. */
static void table_free(phys_addr_t pa, int level)
{
    if (level > 0) {
        uint64_t *table = pte_table(pa);
        for (int i = 0; i < 512; i++)
            if ((table[i] & PTE_P) && !(table[i] & PTE_PS))
                table_free(table[i] & PTE_ADDR, level - 1);
    }
    page_release(pa);
}

void mmu_dir_destroy(mmu_dir_t *dir)
{
    assert(dir != mmu_kernel_dir());
    phys_addr_t pa = mmu_paddr(dir);
    if (pa == (read_cr3() & PTE_ADDR)) /* the last task of it is exiting */
        mmu_switch(mmu_kernel_dir());
    uint64_t *pml4 = (uint64_t *)dir;
    for (int i = 0; i < 256; i++)
        if (pml4[i] & PTE_P)
            table_free(pml4[i] & PTE_ADDR, 2);
    pcid_forget(pa);
    page_release(pa);
}

int mmu_map(mmu_dir_t *dir, uintptr_t va, phys_addr_t pa, int flags)
{
    assert(!(va & PAGE_MASK) && !(pa & PAGE_MASK) && !(pa & ~PTE_ADDR));
    assert(kernel_half(va) == !(flags & MMU_USER));
    uint64_t *e = leaf(dir, va, true);
    if (!e)
        return -ENOMEM;
    *e = pa | pte_from_flags(flags);
    return 0;
}

bool mmu_large_free(mmu_dir_t *dir, uintptr_t va)
{
    const uint64_t *pde = pde_of(dir, va, false);
    return !pde || !(*pde & (PTE_P | PTE_MAPPED));
}

void mmu_free_table(mmu_dir_t *dir, uintptr_t va)
{
    uint64_t *pde = pde_of(dir, va, false);
    if (!pde || !(*pde & PTE_P) || (*pde & PTE_PS))
        return;
    phys_addr_t table = *pde & PTE_ADDR;
    const uint64_t *pt = pte_table(table);
    for (int i = 0; i < 512; i++)
        if (pt[i])
            return; /* not empty: mm/ asked wrongly, keep it */
    *pde = 0;
    mmu_flush(dir, va, PAGE_SIZE); /* the paging-structure caches */
    page_release(table);
}

int mmu_map_large(mmu_dir_t *dir, uintptr_t va, phys_addr_t pa, int flags)
{
    assert(!(va & (MMU_LARGE_SIZE - 1)) && !(pa & (MMU_LARGE_SIZE - 1)));
    assert(!kernel_half(va) && (flags & MMU_USER));
    uint64_t *pde = pde_of(dir, va, true);
    if (!pde)
        return -ENOMEM;
    if (*pde & (PTE_P | PTE_MAPPED))
        return -EEXIST; /* a table, or a superpage */
    *pde = pa | pte_from_flags(flags) | PTE_PS;
    return 0;
}

int mmu_split(mmu_dir_t *dir, uintptr_t va)
{
    uint64_t *pde = pde_of(dir, va, false);
    if (!pde || !(*pde & PTE_PS))
        return -ENOENT;
    phys_addr_t table = page_new();
    if (!table)
        return -ENOMEM;
    uint64_t *pt = pte_table(table);
    uint64_t bits = *pde & ~(PTE_ADDR | PTE_PS); /* PAT (bit 12) never set */
    phys_addr_t base = *pde & PTE_ADDR;
    for (int i = 0; i < 512; i++)
        pt[i] = (base + ((phys_addr_t)i << PAGE_SHIFT)) | bits;
    *pde = table | PTE_P | PTE_W | PTE_U;
    /* The same translations, but a 2 MiB TLB entry must not outlive the
     * change of page size (SDM 4.10.4.2): one invlpg drops it. */
    mmu_flush(dir, va & ~(uintptr_t)(MMU_LARGE_SIZE - 1), PAGE_SIZE);
    return 0;
}

int mmu_promote(mmu_dir_t *dir, uintptr_t va, phys_addr_t pa, int flags)
{
    assert(!(va & (MMU_LARGE_SIZE - 1)) && !(pa & (MMU_LARGE_SIZE - 1)));
    assert(!kernel_half(va) && (flags & MMU_USER));
    uint64_t *pde = pde_of(dir, va, false);
    if (!pde || !(*pde & PTE_P) || (*pde & PTE_PS))
        return -ENOENT;
    phys_addr_t table = *pde & PTE_ADDR;
    /* Unhooked and flushed first, so that no 4 KiB entry of the span
     * lives in a TLB beside the 2 MiB one (SDM 4.10.4.2) and the table's
     * accessed/dirty bits are final when read. */
    *pde = 0;
    mmu_flush(dir, va, MMU_LARGE_SIZE);
    const uint64_t *pt = pte_table(table);
    uint64_t seen = 0;
    for (int i = 0; i < 512; i++)
        seen |= pt[i] & (PTE_A | PTE_D);
    *pde = pa | pte_from_flags(flags) | seen | PTE_PS;
    page_release(table);
    return 0;
}

int mmu_prepare(mmu_dir_t *dir, uintptr_t va)
{
    assert(!(va & PAGE_MASK));
    return leaf(dir, va, true) ? 0 : -ENOMEM; /* tables are never freed
                                                  before mmu_dir_destroy */
}

phys_addr_t mmu_unmap(mmu_dir_t *dir, uintptr_t va, int *flags)
{
    bool large;
    uint64_t *e = entry_of(dir, va, &large);
    if (!e || !(*e & PTE_MAPPED))
        return (phys_addr_t)-1;
    if (flags)
        *flags = pte_to_flags(*e) | (large ? MMU_LARGE : 0);
    phys_addr_t pa = *e & PTE_ADDR;
    *e = 0;
    return pa;
}

int mmu_protect(mmu_dir_t *dir, uintptr_t va, int flags)
{
    bool large;
    uint64_t *e = entry_of(dir, va, &large);
    if (!e || !(*e & PTE_MAPPED))
        return -ENOENT;
    *e = (*e & (PTE_ADDR | PTE_A | PTE_D)) | pte_from_flags(flags) |
         (large ? PTE_PS : 0);
    return 0;
}

int mmu_query(mmu_dir_t *dir, uintptr_t va, phys_addr_t *pa)
{
    int level;
    uint64_t *e = pte_walk(mmu_paddr(dir), va, 0, false, &level);
    if (!e || !(pte_to_flags(*e) & MMU_PRESENT))
        return 0;
    if (pa) {
        uint64_t span = (uint64_t)PAGE_SIZE << (9 * level);
        *pa = (*e & PTE_ADDR & ~(span - 1)) + ((va & (span - 1)) & ~PAGE_MASK);
    }
    return pte_to_flags(*e) | (level > 0 ? MMU_LARGE : 0);
}

/* The first address above `va` aligned to the span of a `level` entry
 * (4 KiB, 2 MiB, 1 GiB, 512 GiB), or 0 when it wraps. */
static uintptr_t next_span(uintptr_t va, int level)
{
    uintptr_t span = (uintptr_t)PAGE_SIZE << (9 * level);
    return (va | (span - 1)) + 1;
}

uintptr_t mmu_next_mapped(mmu_dir_t *dir, uintptr_t va, uintptr_t end)
{
    const uint64_t *pml4 = pte_table(mmu_paddr(dir));
    assert(!(va & PAGE_MASK));
    while (va < end) {
        const uint64_t *table = pml4;
        int l = 3;
        uint64_t e = table[PTE_INDEX(va, 3)];
        while (l > 0 && (e & PTE_P) && !(e & PTE_PS)) {
            table = pte_table(e & PTE_ADDR);
            l--;
            e = table[PTE_INDEX(va, l)];
        }
        if (l > 0 && (e & PTE_PS) && (pte_to_flags(e) & MMU_PRESENT))
            return va; /* inside a large page */
        if (l == 0) { /* scan the rest of this page table */
            for (;;) {
                if (pte_to_flags(e) & MMU_PRESENT)
                    return va;
                va += PAGE_SIZE;
                if (va >= end || va == 0)
                    return end;
                if (PTE_INDEX(va, 0) == 0)
                    break;
                e = table[PTE_INDEX(va, 0)];
            }
            continue;
        }
        uintptr_t next = next_span(va, l); /* no table (or page) there */
        if (next == 0)
            return end;
        va = next;
    }
    return end;
}

/* Flushes the whole TLB, global entries included when `global`. */
static void flush_all(bool global)
{
    if (global) {
        uint64_t cr4 = read_cr4();
        write_cr4(cr4 & ~(uint64_t)CR4_PGE);
        write_cr4(cr4);
    } else {
        write_cr3(read_cr3());
    }
}

void mmu_flush(mmu_dir_t *dir, uintptr_t va, size_t length)
{
    bool kernel = kernel_half(va);
    /* A user directory not in CR3: without PCIDs it has nothing in the
     * TLB (a switch drops every non-global entry); with them, its next
     * load flushes its PCID. */
    if (!kernel && mmu_paddr(dir) != (read_cr3() & PTE_ADDR)) {
        pcid_stale(mmu_paddr(dir));
        return;
    }
    if (kernel)
        pcid_kernel_changed(); /* other PCIDs' paging-structure caches */
    size_t pages = (length + (va & PAGE_MASK) + PAGE_MASK) >> PAGE_SHIFT;
    if (pages > FLUSH_PAGES_MAX) {
        flush_all(kernel);
        return;
    }
    va &= ~(uintptr_t)PAGE_MASK;
    for (size_t i = 0; i < pages; i++)
        invlpg(va + i * PAGE_SIZE);
}

void mmu_switch(mmu_dir_t *dir)
{
    phys_addr_t pa = mmu_paddr(dir);
    if ((read_cr3() & PTE_ADDR) != pa)
        write_cr3(dir == mmu_kernel_dir() ? pa : pcid_cr3(pa));
}

void *mmu_kaddr(phys_addr_t pa)
{
    return (void *)(uintptr_t)(pa + DIRECT_MAP_BASE);
}

phys_addr_t mmu_paddr(const void *kaddr)
{
    uintptr_t va = (uintptr_t)kaddr;
    if (va >= KERNEL_VMA)
        return va - KERNEL_VMA;
    assert(va >= DIRECT_MAP_BASE && va < DIRECT_MAP_BASE + DIRECT_MAP_SIZE);
    return va - DIRECT_MAP_BASE;
}
