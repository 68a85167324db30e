/*
 * paging.c - the kernel's final page tables, built once at boot:
 *   direct map   every RAM/ACPI region at DIRECT_MAP_BASE + pa, RW + NX,
 *                global, 1 GiB pages when the CPU has them, else 2 MiB,
 *                4 KiB at unaligned edges;
 *   image        text RX, rodata R + NX, data/bss RW + NX, global, 4 KiB;
 *   kmap slot    an empty PDPT so that the kernel half is complete.
 * Nothing else: the boot identity map (and so everything below 4 MiB) is
 * gone once CR3 points here.
 */
#include <assert.h>

#include "arch/x86_64/arch.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/x86.h"
#include "klog.h"
#include "mm/page.h"
#include "arch/boot_info.h"

#define CR4_PGE (1u << 7)
#define SIZE_2M ((uint64_t)1 << 21)
#define SIZE_1G ((uint64_t)1 << 30)

extern const char _text[], _etext[], _rodata[], _erodata[], _data[], _ebss[];

static phys_addr_t pml4;
static bool has_1g_pages;
static size_t large_pages, small_pages;

static phys_addr_t table_new(void)
{
    phys_addr_t pa = page_new();
    if (!pa)
        panic("paging: no frame left for the kernel page tables");
    page_zero(pa);
    return pa;
}

/* Maps one page of `size` (4 KiB, 2 MiB or 1 GiB) at `va`; false when the
 * slot is already taken by a table of smaller pages (or a large page). */
static bool map_one(uintptr_t va, phys_addr_t pa, uint64_t size, uint64_t bits)
{
    int want = size == SIZE_1G ? 2 : size == SIZE_2M ? 1 : 0;
    int level;
    uint64_t *e = pte_walk(pml4, va, want, true, &level);
    if (!e)
        panic("paging: no frame left for the kernel page tables");
    if (level != want) /* inside a large page already mapping va */
        return size == PAGE_SIZE;
    if ((*e & PTE_P) && want > 0 && !(*e & PTE_PS))
        return false; /* a table of smaller pages is there */
    *e = pa | bits | (want > 0 ? PTE_PS : 0);
    if (want > 0)
        large_pages++;
    else
        small_pages++;
    return true;
}

/* Direct-maps [start, end) with the largest pages alignment allows. */
static void direct_map(phys_addr_t start, phys_addr_t end)
{
    uint64_t bits = pte_from_flags(MMU_READ | MMU_WRITE | MMU_GLOBAL);
    phys_addr_t pa = start & ~(phys_addr_t)PAGE_MASK;
    end = (end + PAGE_MASK) & ~(phys_addr_t)PAGE_MASK;
    while (pa < end) {
        uint64_t size = PAGE_SIZE;
        if (has_1g_pages && pa % SIZE_1G == 0 && end - pa >= SIZE_1G)
            size = SIZE_1G;
        else if (pa % SIZE_2M == 0 && end - pa >= SIZE_2M)
            size = SIZE_2M;
        while (!map_one(DIRECT_MAP_BASE + pa, pa, size, bits))
            size = size == SIZE_1G ? SIZE_2M : PAGE_SIZE;
        pa += size;
    }
}

/* Maps the image section [start, end) with `flags`, 4 KiB pages. */
static void image_map(const char *start, const char *end, int flags)
{
    uint64_t bits = pte_from_flags(flags | MMU_GLOBAL);
    for (uintptr_t va = (uintptr_t)start; va < (uintptr_t)end; va += PAGE_SIZE)
        map_one(va, va - KERNEL_VMA, PAGE_SIZE, bits);
}

static bool region_needs_direct_map(uint32_t type)
{
    return type == BOOT_MEM_AVAILABLE || type == BOOT_MEM_ACPI ||
           type == BOOT_MEM_NVS;
}

void paging_init(const struct boot_info *bi)
{
    uint32_t a, b, c, d;
    cpuid(0x80000001, &a, &b, &c, &d);
    has_1g_pages = d & (1u << 26);
    pml4 = table_new();
    for (size_t i = 0; i < bi->nregions; i++) {
        const struct boot_region *r = &bi->regions[i];
        if (region_needs_direct_map(r->type) && r->length)
            direct_map(r->base, r->base + r->length);
    }
    image_map(_text, _etext, MMU_READ | MMU_EXEC);
    image_map(_rodata, _erodata, MMU_READ);
    image_map(_data, _ebss, MMU_READ | MMU_WRITE);
    /* the kmap window's PML4 slot: present now, shared by every space */
    uint64_t *top = pte_table(pml4);
    for (uintptr_t va = KMAP_BASE; va < KMAP_END; va += (uintptr_t)1 << 39)
        top[PTE_INDEX(va, 3)] = table_new() | PTE_P | PTE_W;
    write_cr4(read_cr4() | CR4_PGE);
    write_cr3(pml4);
    mmu_set_kernel_dir(pml4, true);
    klog(KLOG_DEBUG, "paging: kernel tables at 0x%lx: %zu large + %zu small "
         "pages, %s pages for the direct map\n", pml4, large_pages, small_pages,
         has_1g_pages ? "1 GiB" : "2 MiB");
}

/* Counts W+X leaves under `table` at `level`; `va` is its base address. */
static int audit_table(phys_addr_t table, int level, uintptr_t va)
{
    int bad = 0;
    uint64_t *t = pte_table(table);
    for (int i = 0; i < 512; i++) {
        uintptr_t at = va + ((uintptr_t)i << (PAGE_SHIFT + 9 * level));
        if (!(t[i] & PTE_P))
            continue;
        if (level > 0 && !(t[i] & PTE_PS)) {
            bad += audit_table(t[i] & PTE_ADDR, level - 1, at);
        } else if ((t[i] & PTE_W) && !(t[i] & PTE_NX)) {
            if (bad++ < 8)
                kprintf("paging: 0x%lx is writable and executable\n", at);
        }
    }
    return bad;
}

int paging_audit(void)
{
    uint64_t *top = pte_table(pml4);
    int bad = 0;
    for (int i = 0; i < 256; i++)
        if (top[i] & PTE_P) {
            kprintf("paging: lower-half PML4 entry %d is present\n", i);
            bad++;
        }
    for (int i = 256; i < 512; i++)
        if (top[i] & PTE_P) /* sign-extend the kernel-half address */
            bad += audit_table(top[i] & PTE_ADDR, 2,
                               0xFFFF000000000000UL | ((uintptr_t)i << 39));
    return bad;
}
