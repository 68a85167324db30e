/* ram.c - RAM from the boot memory map to the frame allocator. */
#include "klog.h"
#include "mm/page.h"
#include "ram.h"

#define LOW_MEMORY_END 0x100000 /* BIOS data, EBDA, ROMs: never handed out */

static uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }
static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }

static uint64_t ram_budget = UINT64_MAX; /* bytes ram_add may still give */

void ram_set_limit(uint64_t bytes)
{
    ram_budget = bytes;
}

/* Hands [start, end) to page_add_ram, within the budget; returns the bytes
 * taken. */
static uint64_t ram_give_piece(uint64_t start, uint64_t end)
{
    if (end > start && end - start > ram_budget)
        end = start + (ram_budget & ~(uint64_t)(PAGE_SIZE - 1));
    if (end <= start)
        return 0;
    int err = page_add_ram(start, end - start);
    if (err) {
        klog(KLOG_DEBUG, "ram: [0x%lx-0x%lx) skipped (%d)\n", start, end, err);
        return 0;
    }
    ram_budget -= end - start;
    return end - start;
}

/* Hands [start, end) over one zone at a time: page_add_ram keeps a range's
 * descriptors in its first frames, which must not eat the DMA zone. */
static uint64_t ram_give(uint64_t start, uint64_t end)
{
    static const uint64_t bounds[] = { ZONE_DMA_END, ZONE_DMA32_END };
    uint64_t given = 0;
    for (size_t i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++) {
        if (start < bounds[i] && end > bounds[i]) {
            given += ram_give_piece(start, bounds[i]);
            start = bounds[i];
        }
    }
    return given + ram_give_piece(start, end);
}

/* The lowest in-use range ending after `from` and starting before `end`;
 * false when none. */
static int next_busy(const struct boot_info *bi, uint64_t from, uint64_t end,
                     struct boot_range *out)
{
    int found = 0;
    struct boot_range low = { 0, LOW_MEMORY_END };
    for (size_t i = 0; i <= bi->nreserved + bi->nmodules; i++) {
        struct boot_range r = low;
        if (i > 0 && i <= bi->nreserved)
            r = bi->reserved[i - 1];
        else if (i > bi->nreserved)
            r = (struct boot_range){ bi->modules[i - 1 - bi->nreserved].start,
                                     bi->modules[i - 1 - bi->nreserved].end };
        if (r.end <= from || r.start >= end)
            continue;
        if (!found || r.start < out->start)
            *out = r;
        found = 1;
    }
    return found;
}

uint64_t ram_add(const struct boot_info *bi, uint64_t lo, uint64_t hi)
{
    uint64_t given = 0;
    for (size_t i = 0; i < bi->nregions; i++) {
        const struct boot_region *r = &bi->regions[i];
        if (r->type != BOOT_MEM_AVAILABLE)
            continue;
        uint64_t cur = max_u64(r->base, lo);
        uint64_t end = min_u64(r->base + r->length, hi);
        struct boot_range busy;
        while (cur < end && next_busy(bi, cur, end, &busy)) {
            given += ram_give(cur, min_u64(busy.start, end));
            cur = max_u64(cur, busy.end);
        }
        given += ram_give(cur, end);
    }
    return given;
}

void ram_print_zones(void)
{
    static const char *const names[ZONE_COUNT] = { "DMA", "DMA32", "NORMAL" };
    size_t all = 0;
    for (int z = 0; z < ZONE_COUNT; z++) {
        size_t total, free;
        page_zone_stats(z, &total, &free);
        all += total;
        klog(KLOG_DEBUG, "ram: zone %-6s %8zu frames (%zu KiB), %zu free\n",
             names[z], total, total * (PAGE_SIZE >> 10), free);
    }
    klog(KLOG_INFO, "ram: %zu frames managed (%zu KiB)\n", all,
         all * (PAGE_SIZE >> 10));
}
