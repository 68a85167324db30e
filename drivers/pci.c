/*
 * pci.c - enumeration, BARs, capabilities, MSI-X and driver matching over
 * the port's configuration access (drivers/pci.h, arch/pci.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "drivers/pci.h"
#include "mm/kmap.h"
#include "mm/memory.h"

#define MAX_BUSES 256
#define CAP_WALK_MAX 48 /* (256 - 64) / 4: more means a loop */

static struct pci_dev devices[PCI_MAX_DEVICES];
static int ndevices;
static bool bus_seen[MAX_BUSES];

/* Sizes BAR `i` of `d` (decoding off meanwhile, so the all-ones probe
 * never answers an access); returns the slots it used (2: 64-bit). */
static int bar_decode(struct pci_dev *d, int i)
{
    unsigned off = PCI_BAR0 + 4 * i;
    struct pci_bar *b = &d->bar[i];
    uint32_t lo = pci_config_read32(d->bdf, off);
    pci_config_write32(d->bdf, off, 0xffffffffu);
    uint32_t lo_mask = pci_config_read32(d->bdf, off);
    pci_config_write32(d->bdf, off, lo);
    if (lo & 1) { /* I/O */
        uint32_t size = ~(lo_mask & ~3u) + 1;
        size &= 0xffff; /* x86 ports are 16-bit */
        if ((lo_mask & ~3u) == 0 || !size)
            return 1;
        b->io = true;
        b->base = lo & ~3u;
        b->size = size;
        return 1;
    }
    unsigned type = lo >> 1 & 3;
    uint64_t base = lo & ~0xfu, mask = lo_mask & ~0xfu;
    int used = 1;
    if (type == 2 && i < PCI_BARS - 1) { /* 64-bit: the next slot is high */
        uint32_t hi = pci_config_read32(d->bdf, off + 4);
        pci_config_write32(d->bdf, off + 4, 0xffffffffu);
        uint32_t hi_mask = pci_config_read32(d->bdf, off + 4);
        pci_config_write32(d->bdf, off + 4, hi);
        base |= (uint64_t)hi << 32;
        mask |= (uint64_t)hi_mask << 32;
        used = 2;
        if (!mask)
            return used;
        b->size = ~mask + 1;
        b->mem64 = true;
    } else {
        if (!mask)
            return used; /* unimplemented */
        b->size = (uint32_t)(~(uint32_t)mask + 1);
    }
    b->base = base;
    b->prefetch = lo & 8;
    return used;
}

static void function_add(uint32_t bdf);

static void bus_scan(unsigned bus)
{
    if (bus >= MAX_BUSES || bus_seen[bus])
        return; /* a bridge pointing back: scanned once */
    bus_seen[bus] = true;
    for (unsigned dev = 0; dev < 32; dev++) {
        if (pci_config_read16(PCI_BDF(bus, dev, 0), PCI_VENDOR_ID) == 0xffff)
            continue;
        uint8_t type = pci_config_read8(PCI_BDF(bus, dev, 0), PCI_HEADER_TYPE);
        unsigned fns = type & 0x80 ? 8 : 1;
        for (unsigned fn = 0; fn < fns; fn++)
            if (pci_config_read16(PCI_BDF(bus, dev, fn), PCI_VENDOR_ID) != 0xffff)
                function_add(PCI_BDF(bus, dev, fn));
    }
}

static void function_add(uint32_t bdf)
{
    uint8_t type = pci_config_read8(bdf, PCI_HEADER_TYPE) & 0x7f;
    if (type == 1) { /* a PCI-PCI bridge: the bus behind it */
        bus_scan(pci_config_read8(bdf, PCI_SECONDARY_BUS));
        return;
    }
    if (type != 0 || ndevices == PCI_MAX_DEVICES)
        return;
    struct pci_dev *d = &devices[ndevices++];
    memset(d, 0, sizeof(*d));
    d->bdf = bdf;
    d->vendor = pci_config_read16(bdf, PCI_VENDOR_ID);
    d->device = pci_config_read16(bdf, PCI_DEVICE_ID);
    d->subsystem = pci_config_read16(bdf, PCI_SUBSYSTEM_ID);
    uint32_t class = pci_config_read32(bdf, PCI_REVISION);
    d->revision = class & 0xff;
    d->prog_if = class >> 8 & 0xff;
    d->subclass = class >> 16 & 0xff;
    d->class = class >> 24;
    d->irq_pin = pci_config_read8(bdf, PCI_INTERRUPT_PIN);
    uint16_t cmd = pci_config_read16(bdf, PCI_COMMAND);
    pci_config_write16(bdf, PCI_COMMAND,
                       cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
    for (int i = 0; i < PCI_BARS;)
        i += bar_decode(d, i);
    pci_config_write16(bdf, PCI_COMMAND, cmd);
}

int pci_scan(void)
{
    ndevices = 0;
    memset(bus_seen, 0, sizeof(bus_seen));
    /* a multi-function host bridge: one host controller (bus) per function */
    uint8_t type = pci_config_read8(PCI_BDF(0, 0, 0), PCI_HEADER_TYPE);
    if (!(type & 0x80)) {
        bus_scan(0);
        return ndevices;
    }
    for (unsigned fn = 0; fn < 8; fn++)
        if (pci_config_read16(PCI_BDF(0, 0, fn), PCI_VENDOR_ID) != 0xffff)
            bus_scan(fn);
    return ndevices;
}

struct pci_dev *pci_get(int i)
{
    return i >= 0 && i < ndevices ? &devices[i] : NULL;
}

int pci_probe(const struct pci_driver *drivers, int n)
{
    int claimed = 0;
    pci_scan();
    for (int i = 0; i < ndevices; i++)
        for (int k = 0; k < n && !devices[i].claimed; k++)
            if (drivers[k].match(&devices[i]) &&
                drivers[k].probe(&devices[i]) == 0) {
                devices[i].claimed = true;
                claimed++;
            }
    return claimed;
}

void pci_enable(struct pci_dev *d, bool no_intx)
{
    uint16_t cmd = pci_config_read16(d->bdf, PCI_COMMAND);
    for (int i = 0; i < PCI_BARS; i++)
        if (d->bar[i].size)
            cmd |= d->bar[i].io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY;
    cmd |= PCI_COMMAND_MASTER;
    if (no_intx)
        cmd |= PCI_COMMAND_INTX_DISABLE;
    pci_config_write16(d->bdf, PCI_COMMAND, cmd);
}

unsigned pci_cap_find(const struct pci_dev *d, uint8_t id, unsigned after)
{
    if (!(pci_config_read16(d->bdf, PCI_STATUS) & PCI_STATUS_CAP_LIST))
        return 0;
    unsigned off = after ? pci_config_read8(d->bdf, after + 1)
                         : pci_config_read8(d->bdf, PCI_CAP_PTR);
    for (int n = 0; n < CAP_WALK_MAX; n++) {
        off &= 0xfc;
        if (off < 0x40)
            return 0; /* end of the list, or a pointer into the header */
        if (pci_config_read8(d->bdf, off) == id)
            return off;
        off = pci_config_read8(d->bdf, off + 1);
    }
    return 0;
}

volatile void *pci_map_bar(const struct pci_dev *d, int bar, uint64_t offset,
                           uint64_t length)
{
    if (bar < 0 || bar >= PCI_BARS)
        return NULL;
    const struct pci_bar *b = &d->bar[bar];
    if (b->io || !b->size || offset > b->size || length > b->size - offset ||
        !length)
        return NULL;
    uint64_t pa = b->base + offset;
    uint64_t first = pa & ~(uint64_t)PAGE_MASK;
    uint64_t end = (pa + length + PAGE_MASK) & ~(uint64_t)PAGE_MASK;
    char *va = kmap_phys(first, end - first, VMA_READ | VMA_WRITE);
    return va ? va + (pa - first) : NULL;
}

#define MSIX_CONTROL 2
#define MSIX_TABLE   4
#define MSIX_ENABLE        0x8000
#define MSIX_FUNCTION_MASK 0x4000
#define MSIX_ENTRY_WORDS 4 /* address low, high, data, vector control */
#define MSIX_MASKED 1

int pci_msix_enable(struct pci_dev *d, uint64_t addr, uint32_t data)
{
    unsigned cap = pci_cap_find(d, PCI_CAP_MSIX, 0);
    if (!cap)
        return -ENODEV;
    uint16_t ctrl = pci_config_read16(d->bdf, cap + MSIX_CONTROL);
    uint32_t table = pci_config_read32(d->bdf, cap + MSIX_TABLE);
    unsigned entries = (ctrl & 0x7ff) + 1;
    volatile uint32_t *t = pci_map_bar(d, table & 7, table & ~7u,
                                       entries * MSIX_ENTRY_WORDS * 4);
    if (!t)
        return -ENOMEM;
    /* enabled but masked while the table is written */
    pci_config_write16(d->bdf, cap + MSIX_CONTROL,
                       ctrl | MSIX_ENABLE | MSIX_FUNCTION_MASK);
    for (unsigned i = 0; i < entries; i++)
        t[i * MSIX_ENTRY_WORDS + 3] = MSIX_MASKED;
    t[0] = (uint32_t)addr;
    t[1] = (uint32_t)(addr >> 32);
    t[2] = data;
    t[3] = 0;
    pci_config_write16(d->bdf, cap + MSIX_CONTROL,
                       (ctrl | MSIX_ENABLE) & ~MSIX_FUNCTION_MASK);
    d->msix_table = t;
    d->msix_entries = entries;
    return 0;
}

void pci_name(const struct pci_dev *d, char *buf, size_t size)
{
    snprintf(buf, size, "0000:%02x:%02x.%x", PCI_BDF_BUS(d->bdf),
             PCI_BDF_DEV(d->bdf), PCI_BDF_FN(d->bdf));
}
