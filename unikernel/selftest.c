/*
 * selftest.c - kernel self-tests (test=NAME).  The crash tests end in the
 * exception report and panic; tests/boot checks the report's contents.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arch/mmu.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "klog.h"
#include "mm/kmap.h"
#include "mm/page.h"
#include "selftest.h"

/* Canonical lower-half address that no boot table maps (above 4 GiB). */
#define UNMAPPED_ADDRESS 0x00007ffff0000000UL

static int __attribute__((noinline)) selftest_ud(void)
{
    __asm__ volatile("ud2");
    return -EINVAL; /* not reached: #UD panics */
}

static int __attribute__((noinline)) selftest_pf(void)
{
    volatile int *p = (volatile int *)UNMAPPED_ADDRESS;
    *p = 1;
    return -EINVAL; /* not reached: #PF panics */
}

static int __attribute__((noinline)) selftest_wtext(void)
{
    volatile uint8_t *text = (volatile uint8_t *)(uintptr_t)selftest_run;
    *text = 0xCC; /* kernel text is read-only: #PF, "write to a read-only page" */
    return -EINVAL;
}

static uint8_t data_code[16] = { 0xC3 }; /* "ret", in a RW + NX data page */

static int __attribute__((noinline)) selftest_xdata(void)
{
    ((void (*)(void))(uintptr_t)data_code)(); /* #PF: fetch from NX page */
    return -EINVAL;
}

/* Expects the rights `want` (MMU_READ/WRITE/EXEC, 0: unmapped) at `va`. */
static int expect_rights(const char *what, uintptr_t va, int want)
{
    int got = mmu_query(mmu_kernel_dir(), va, NULL);
    got &= MMU_READ | MMU_WRITE | MMU_EXEC;
    if (got == want)
        return 0;
    kprintf("selftest paging: %s at 0x%lx has rights %x, expected %x\n", what,
            va, got, want);
    return -EINVAL;
}

extern const char _text[], _rodata[], _data[], _ebss[];

/* The final tables: sections with their rights, no low mapping, W^X. */
static int selftest_paging(void)
{
    int err = 0;
    err |= expect_rights("NULL", 0, 0);
    err |= expect_rights("1 MiB", 0x100000, 0);
    err |= expect_rights("4 MiB - 4 KiB", 0x3FF000, 0);
    err |= expect_rights("text", (uintptr_t)_text, MMU_READ | MMU_EXEC);
    err |= expect_rights("rodata", (uintptr_t)_rodata, MMU_READ);
    err |= expect_rights("data", (uintptr_t)_data, MMU_READ | MMU_WRITE);
    err |= expect_rights("bss end", (uintptr_t)_ebss - 1, MMU_READ | MMU_WRITE);
    err |= expect_rights("direct map", (uintptr_t)mmu_kaddr(0x200000),
                         MMU_READ | MMU_WRITE);
    int bad = paging_audit();
    kprintf("selftest paging: audit found %d W+X or lower-half mappings\n", bad);
    return err || bad ? -EINVAL : 0;
}

/* Allocates every frame of ZONE_DMA alone (page_new_range never goes
 * above the zone asked), frees them; the zone's free count must be the
 * number allocated, before and after. */
static int frames_dma(void)
{
    size_t total, free_before, free_after;
    page_zone_stats(ZONE_DMA, &total, &free_before);
    phys_addr_t head = 0, pa;
    size_t count = 0;
    while ((pa = page_new_range(1, ZONE_DMA))) {
        if (pa >= ZONE_DMA_END)
            return -EINVAL;
        *(phys_addr_t *)mmu_kaddr(pa) = head;
        head = pa;
        count++;
    }
    while (head) {
        pa = head;
        head = *(phys_addr_t *)mmu_kaddr(pa);
        page_release(pa);
    }
    page_zone_stats(ZONE_DMA, &total, &free_after);
    kprintf("selftest frames: zone DMA: %zu of %zu free frames allocated, %zu "
            "free after\n", count, free_before, free_after);
    return count == free_before && free_after == free_before ? 0 : -EINVAL;
}

/* Allocates every frame (chained through their first word), frees them
 * all, and checks that the allocator's totals come back. */
static int selftest_frames(void)
{
    if (frames_dma())
        return -EINVAL;
    size_t free_before = page_free_count(), zfree[ZONE_COUNT], ztotal;
    for (int z = 0; z < ZONE_COUNT; z++)
        page_zone_stats(z, &ztotal, &zfree[z]);
    phys_addr_t head = 0, pa;
    size_t count = 0;
    while ((pa = page_new())) {
        *(phys_addr_t *)mmu_kaddr(pa) = head;
        head = pa;
        count++;
    }
    size_t free_empty = page_free_count();
    while (head) {
        pa = head;
        head = *(phys_addr_t *)mmu_kaddr(pa);
        page_release(pa);
    }
    kprintf("selftest frames: allocated %zu of %zu free frames, %zu free "
            "after freeing them\n", count, free_before, page_free_count());
    int err = count == free_before && free_empty == 0 &&
              page_free_count() == free_before ? 0 : -EINVAL;
    for (int z = 0; z < ZONE_COUNT; z++) {
        size_t f;
        page_zone_stats(z, &ztotal, &f);
        if (f != zfree[z]) {
            kprintf("selftest frames: zone %d: %zu free, %zu before\n", z, f,
                    zfree[z]);
            err = -EINVAL;
        }
    }
    return err;
}

/* Sorted user pages of the mmu self-test, on both sides of 2 MiB, 1 GiB
 * and 512 GiB boundaries (table pages at every level). */
static const uintptr_t mmu_where[] = {
    0x400000,     0x5FF000,     0x600000,      0x3FFFF000,
    0x40000000,   0xBFFFF000,   0x7FFFFFF000,  0x8000000000,
    0x8000201000, 0x8040000000, 0x7FFFFFFFF000,
};
#define MMU_WHERE (sizeof(mmu_where) / sizeof(mmu_where[0]))

/* mmu_next_mapped walks from 0 to the top of the lower half: it must stop
 * at exactly the first `count` pages of mmu_where, in order. */
static int check_next_mapped(mmu_dir_t *dir, size_t count)
{
    const uintptr_t top = 0x800000000000;
    uintptr_t va = 0;
    for (size_t i = 0; i < count; i++, va += PAGE_SIZE) {
        uintptr_t from = va;
        va = mmu_next_mapped(dir, from, top);
        if (va != mmu_where[i] || mmu_next_mapped(dir, from, va) != va ||
            mmu_next_mapped(dir, va, va + PAGE_SIZE) != va)
            return -EINVAL; /* an empty range returns its end */
    }
    return mmu_next_mapped(dir, va, top) == top ? 0 : -EINVAL;
}

/* A user directory: map, find, touch, protect, unmap, destroy; every
 * frame and table page must come back. */
static int selftest_mmu(void)
{
    const uintptr_t *where = mmu_where;
    size_t before = page_free_count();
    mmu_dir_t *dir = mmu_dir_create();
    phys_addr_t frames[MMU_WHERE];
    int err = dir ? 0 : -ENOMEM;
    if (!err)
        err = check_next_mapped(dir, 0);
    for (size_t i = 0; i < MMU_WHERE && !err; i++) {
        frames[i] = page_new();
        err = frames[i] ? mmu_map(dir, where[i], frames[i],
                                  MMU_READ | MMU_WRITE | MMU_USER) : -ENOMEM;
    }
    if (err)
        return err;
    err = check_next_mapped(dir, MMU_WHERE);
    mmu_switch(dir);
    for (size_t i = 0; i < MMU_WHERE; i++)
        *(volatile uint64_t *)where[i] = 0x5a5a0000 + i;
    for (size_t i = 0; i < MMU_WHERE; i++) {
        phys_addr_t pa;
        int f = mmu_query(dir, where[i], &pa);
        if (pa != frames[i] || !(f & MMU_DIRTY) || !(f & MMU_WRITE) ||
            *(uint64_t *)mmu_kaddr(pa) != 0x5a5a0000u + i)
            err = -EINVAL;
        mmu_protect(dir, where[i], MMU_READ | MMU_USER);
        f = mmu_query(dir, where[i], NULL);
        if ((f & (MMU_READ | MMU_WRITE | MMU_EXEC)) != MMU_READ)
            err = -EINVAL;
        mmu_protect(dir, where[i], MMU_USER); /* PROT_NONE keeps the frame */
        if (mmu_query(dir, where[i], NULL) != (MMU_PRESENT | MMU_USER |
                                                MMU_ACCESSED | MMU_DIRTY))
            err = -EINVAL;
    }
    err |= check_next_mapped(dir, MMU_WHERE); /* PROT_NONE: still mapped */
    mmu_flush(dir, USER_BASE, USER_END - USER_BASE);
    mmu_switch(mmu_kernel_dir());
    for (size_t i = 0; i < MMU_WHERE; i++) {
        int f;
        if (mmu_unmap(dir, where[i], &f) != frames[i] || !(f & MMU_DIRTY))
            err = -EINVAL;
        page_release(frames[i]);
    }
    err |= check_next_mapped(dir, 0); /* empty tables are skipped */
    size_t tables = before - page_free_count();
    mmu_dir_destroy(dir);
    kprintf("selftest mmu: %zu table pages used, %zu free frames before, "
            "%zu after destroy\n", tables, before, page_free_count());
    return err || page_free_count() != before ? -EINVAL : 0;
}

#define KSPACE_PAGES 3

/* Rights of the kspace page at `va` as the hardware sees them. */
static int kspace_rights(uintptr_t va)
{
    return mmu_query(mmu_kernel_dir(), va, NULL) &
           (MMU_READ | MMU_WRITE | MMU_EXEC | MMU_USER | MMU_GLOBAL);
}

/* One kmap cycle: map, touch, protect, MMIO-map a frame, unmap. */
static int kspace_cycle(void)
{
    size_t len = KSPACE_PAGES * PAGE_SIZE;
    uint64_t *p = kmap(len, NULL, 0, VMA_READ | VMA_WRITE);
    if (!p)
        return -ENOMEM;
    int err = 0;
    for (size_t i = 0; i < len / sizeof(*p); i++)
        err |= p[i] != 0; /* kmap memory comes zeroed */
    p[0] = 0x1234;
    uintptr_t va = (uintptr_t)p;
    if (kspace_rights(va) != (MMU_READ | MMU_WRITE | MMU_GLOBAL))
        err = 1;
    if (mspace_protect(kmap_space(), va, len, VMA_READ) ||
        kspace_rights(va + PAGE_SIZE) != (MMU_READ | MMU_GLOBAL) || p[0] != 0x1234)
        err = 1;
    phys_addr_t frame;
    mmu_query(mmu_kernel_dir(), va, &frame);
    volatile uint64_t *io = kmap_phys(frame, PAGE_SIZE, VMA_READ);
    if (!io || io[0] != 0x1234 ||
        !(mmu_query(mmu_kernel_dir(), (uintptr_t)io, NULL) & MMU_UNCACHED))
        err = 1;
    if (io)
        err |= kunmap((void *)io, PAGE_SIZE) != 0;
    err |= kunmap(p, len) != 0;
    err |= mmu_query(mmu_kernel_dir(), va, NULL) != 0;
    return err ? -EINVAL : 0;
}

/* kspace: a warm-up cycle (descriptors and table pages stay cached), then
 * a measured one must give every frame back. */
static int selftest_kspace(void)
{
    int err = kspace_cycle();
    size_t before = page_free_count();
    if (!err)
        err = kspace_cycle();
    /* more than all RAM, then more than the window: refused, nothing lost */
    size_t ram = page_total_count() * PAGE_SIZE;
    if (kmap(2 * ram, NULL, 0, VMA_READ | VMA_WRITE) ||
        kmap((size_t)1 << 40, NULL, 0, VMA_READ))
        err = -EINVAL;
    else
        kprintf("selftest kspace: kmap of %zu MiB and of 1 TiB refused\n",
                2 * ram >> 20);
    kprintf("selftest kspace: %zu free frames before, %zu after\n", before,
            page_free_count());
    return err ? err : page_free_count() == before ? 0 : -EINVAL;
}

/* Touches the guard page below a kmap'ed kernel stack: a report. */
static int __attribute__((noinline)) selftest_stackguard(void)
{
    size_t size = 4 * PAGE_SIZE;
    char *top = kmap_stack(size);
    if (!top)
        return -ENOMEM;
    volatile char *guard = top - size - 8;
    *guard = 1; /* #PF, "stack guard" */
    return -EINVAL;
}

/* Faults in kspace while holding kspace's lock: a report naming the lock,
 * not a hang in the fault handler. */
static int __attribute__((noinline)) selftest_kspacelock(void)
{
    size_t size = PAGE_SIZE;
    char *top = kmap_stack(size);
    if (!top)
        return -ENOMEM;
    volatile char *guard = top - size - 8;
    splock_lock(&kmap_space()->lock);
    *guard = 1; /* #PF in kspace, lock held */
    splock_unlock(&kmap_space()->lock);
    return -EINVAL;
}

static const struct {
    const char *name;
    int (*run)(void);
} selftests[] = {
    { "ud", selftest_ud }, /* invalid opcode -> exception report */
    { "pf", selftest_pf }, /* write to an unmapped page -> report */
    { "wtext", selftest_wtext }, /* write to kernel text -> report */
    { "xdata", selftest_xdata }, /* execute a data page -> report */
    { "paging", selftest_paging }, /* final tables: rights, W^X, no low map */
    { "frames", selftest_frames }, /* every frame allocated and freed */
    { "mmu", selftest_mmu }, /* a user directory's life cycle */
    { "kspace", selftest_kspace }, /* kmap, protect, kmap_phys, kunmap */
    { "stackguard", selftest_stackguard }, /* kernel stack guard -> report */
    { "faults", selftest_faults }, /* demand paging, COW (selftest_fault.c) */
    { "smep", selftest_smep }, /* kernel runs a user page -> report */
    { "smap", selftest_smap }, /* kernel reads a user page -> report */
    { "stackprot", selftest_stackprot }, /* smashed canary -> panic */
    { "kspacelock", selftest_kspacelock }, /* kspace fault, lock held */
    { "clock", selftest_clock }, /* CLOCK_MONOTONIC against the PIT */
    { "netarp", selftest_netarp }, /* ARP for 10.0.2.2 over the NIC */
};

/* Runs the one test named by name[0..len). */
static int selftest_one(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof(selftests) / sizeof(selftests[0]); i++) {
        if (strlen(selftests[i].name) == len &&
            strncmp(selftests[i].name, name, len) == 0) {
            kprintf("selftest %s: start\n", selftests[i].name);
            int err = selftests[i].run();
            kprintf("selftest %s: %s (%d)\n", selftests[i].name,
                    err ? "FAILED" : "passed", err);
            return err;
        }
    }
    return -ENOENT;
}

int selftest_run(const char *names)
{
    while (*names) {
        const char *comma = strchr(names, ',');
        size_t len = comma ? (size_t)(comma - names) : strlen(names);
        int err = selftest_one(names, len);
        if (err)
            return err;
        names += len + (comma ? 1 : 0);
    }
    return 0;
}
