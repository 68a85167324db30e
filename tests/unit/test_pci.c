/*
 * tests/unit/test_pci.c - drivers/pci.c over a fake configuration space
 * (the arch/pci.h accessors played here): enumeration through a bridge
 * and a multi-function device, BAR decoding and sizing (I/O, 32-bit,
 * 64-bit prefetchable, absent), the capability walk (and a looping list),
 * MSI-X table programming, driver matching.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/pci.h"
#include "mm/kmap.h"

#define FNS 6
static struct fn {
    uint32_t bdf;
    uint8_t cfg[256];
    uint64_t bar_size[6]; /* 0: unimplemented */
    bool probing[6];      /* all ones written: reads give the size mask */
} fns[FNS];
static int nfns;

static struct fn *find(uint32_t bdf)
{
    for (int i = 0; i < nfns; i++)
        if (fns[i].bdf == bdf)
            return &fns[i];
    return NULL;
}

uint32_t pci_config_read32(uint32_t bdf, unsigned off)
{
    struct fn *f = find(bdf);
    if (!f)
        return 0xffffffffu;
    assert_int_equal(off % 4, 0);
    if (off >= PCI_BAR0 && off < PCI_BAR0 + 24) {
        int i = (int)(off - PCI_BAR0) / 4;
        if (f->probing[i]) {
            /* the low slot of a 64-bit BAR or a 32-bit one: flags kept */
            uint32_t v;
            memcpy(&v, f->cfg + off, 4);
            int lo = i > 0 && f->bar_size[i] == 0 && (f->cfg[off - 4] & 6) == 4
                         ? i - 1 : i; /* the high half of a 64-bit BAR */
            uint64_t size = f->bar_size[lo];
            if (!size)
                return 0;
            uint64_t mask = ~(size - 1);
            if (lo != i)
                return (uint32_t)(mask >> 32);
            if (v & 1)
                return ((uint32_t)mask & ~3u) | (v & 3);
            return ((uint32_t)mask & ~0xfu) | (v & 0xf);
        }
    }
    uint32_t v;
    memcpy(&v, f->cfg + off, 4);
    return v;
}
uint16_t pci_config_read16(uint32_t bdf, unsigned off)
{
    return (uint16_t)(pci_config_read32(bdf, off & ~3u) >> (8 * (off & 2)));
}
uint8_t pci_config_read8(uint32_t bdf, unsigned off)
{
    return (uint8_t)(pci_config_read32(bdf, off & ~3u) >> (8 * (off & 3)));
}
void pci_config_write32(uint32_t bdf, unsigned off, uint32_t v)
{
    struct fn *f = find(bdf);
    assert_non_null(f);
    if (off >= PCI_BAR0 && off < PCI_BAR0 + 24) {
        int i = (int)(off - PCI_BAR0) / 4;
        f->probing[i] = v == 0xffffffffu;
        if (f->probing[i])
            return; /* the value stays; reads give the mask */
    }
    memcpy(f->cfg + off, &v, 4);
}
void pci_config_write16(uint32_t bdf, unsigned off, uint16_t v)
{
    struct fn *f = find(bdf);
    assert_non_null(f);
    memcpy(f->cfg + off, &v, 2);
}
void pci_config_write8(uint32_t bdf, unsigned off, uint8_t v)
{
    find(bdf)->cfg[off] = v;
}

static uint8_t mmio[65536] __attribute__((aligned(4096)));
static uint64_t mapped_pa;
void *kmap_phys(phys_addr_t pa, size_t length, int rights)
{
    (void)rights;
    assert_int_equal(pa % 4096, 0);
    assert_true(length <= sizeof(mmio));
    mapped_pa = pa;
    return mmio;
}

static void put16(struct fn *f, unsigned off, uint16_t v) { memcpy(f->cfg + off, &v, 2); }
static void put32(struct fn *f, unsigned off, uint32_t v) { memcpy(f->cfg + off, &v, 4); }

static struct fn *add(uint32_t bdf, uint16_t vendor, uint16_t device, uint8_t type)
{
    struct fn *f = &fns[nfns++];
    memset(f, 0, sizeof(*f));
    f->bdf = bdf;
    put16(f, PCI_VENDOR_ID, vendor);
    put16(f, PCI_DEVICE_ID, device);
    f->cfg[PCI_HEADER_TYPE] = type;
    return f;
}

/* 0:0.0 host bridge; 0:3.0 a device with every BAR kind and a cap list
 * (vendor, MSI-X); 0:4.0-1 a multi-function device; 0:5.0 a bridge to
 * bus 1 with 1:0.0 behind it. */
static void machine(void)
{
    nfns = 0;
    add(PCI_BDF(0, 0, 0), 0x8086, 0x1237, 0);
    struct fn *d = add(PCI_BDF(0, 3, 0), 0x1af4, 0x1041, 0);
    put32(d, PCI_BAR0, 0xc001);            /* I/O at 0xc000 */
    d->bar_size[0] = 32;
    put32(d, PCI_BAR0 + 4, 0xfebf0000);    /* 32-bit memory */
    d->bar_size[1] = 4096;
    put32(d, PCI_BAR0 + 16, 0x0000000c);   /* 64-bit prefetchable, low */
    put32(d, PCI_BAR0 + 20, 0x00000008);   /*   high: 0x8_0000_0000 */
    d->bar_size[4] = 16384;
    put16(d, PCI_STATUS, PCI_STATUS_CAP_LIST);
    d->cfg[PCI_CAP_PTR] = 0x40;
    d->cfg[0x40] = PCI_CAP_VENDOR, d->cfg[0x41] = 0x50;
    d->cfg[0x50] = PCI_CAP_MSIX, d->cfg[0x51] = 0x60;
    put16(d, 0x52, 3);                     /* 4 entries */
    put32(d, 0x54, 0x2000 | 1);            /* table in BAR1 at 0x2000? */
    d->cfg[0x60] = PCI_CAP_VENDOR, d->cfg[0x61] = 0;
    add(PCI_BDF(0, 4, 0), 0x1234, 0x0001, 0x80);
    add(PCI_BDF(0, 4, 1), 0x1234, 0x0002, 0);
    struct fn *br = add(PCI_BDF(0, 5, 0), 0x8086, 0x2448, 1);
    br->cfg[PCI_SECONDARY_BUS] = 1;
    add(PCI_BDF(1, 0, 0), 0x1af4, 0x1000, 0);
}

static void test_enumeration(void **state)
{
    (void)state;
    machine();
    int n = pci_scan();
    assert_int_equal(n, 5); /* the bridge itself is not listed */
    uint32_t want[] = { PCI_BDF(0, 0, 0), PCI_BDF(0, 3, 0), PCI_BDF(0, 4, 0),
                        PCI_BDF(0, 4, 1), PCI_BDF(1, 0, 0) };
    for (int i = 0; i < n; i++)
        assert_int_equal(pci_get(i)->bdf, want[i]);
    assert_null(pci_get(n));
    char name[16];
    pci_name(pci_get(4), name, sizeof(name));
    assert_string_equal(name, "0000:01:00.0");
}

static void test_bars(void **state)
{
    (void)state;
    machine();
    pci_scan();
    struct pci_dev *d = pci_get(1);
    assert_true(d->bar[0].io);
    assert_int_equal(d->bar[0].base, 0xc000);
    assert_int_equal(d->bar[0].size, 32);
    assert_false(d->bar[1].io);
    assert_false(d->bar[1].mem64);
    assert_int_equal(d->bar[1].base, 0xfebf0000);
    assert_int_equal(d->bar[1].size, 4096);
    assert_int_equal(d->bar[2].size, 0);
    assert_true(d->bar[4].mem64);
    assert_true(d->bar[4].prefetch);
    assert_int_equal(d->bar[4].base, 0x800000000ull);
    assert_int_equal(d->bar[4].size, 16384);
    assert_int_equal(d->bar[5].size, 0); /* the high half, not a BAR */
    /* the BAR values survive the sizing */
    assert_int_equal(pci_config_read32(d->bdf, PCI_BAR0 + 4), 0xfebf0000);
    /* mapping: inside the BAR only, page-aligned underneath */
    volatile uint8_t *p = pci_map_bar(d, 1, 0x10, 0x20);
    assert_ptr_equal(p, mmio + 0x10);
    assert_int_equal(mapped_pa, 0xfebf0000);
    assert_null(pci_map_bar(d, 1, 0x1000, 1));
    assert_null(pci_map_bar(d, 1, 0xff0, 0x20));
    assert_null(pci_map_bar(d, 0, 0, 4));  /* I/O */
    assert_null(pci_map_bar(d, 2, 0, 4));  /* absent */
    assert_null(pci_map_bar(d, 7, 0, 4));
    pci_enable(d, true);
    uint16_t cmd = pci_config_read16(d->bdf, PCI_COMMAND);
    assert_int_equal(cmd, PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
                          PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
}

static void test_caps(void **state)
{
    (void)state;
    machine();
    pci_scan();
    struct pci_dev *d = pci_get(1);
    assert_int_equal(pci_cap_find(d, PCI_CAP_VENDOR, 0), 0x40);
    assert_int_equal(pci_cap_find(d, PCI_CAP_VENDOR, 0x40), 0x60);
    assert_int_equal(pci_cap_find(d, PCI_CAP_VENDOR, 0x60), 0);
    assert_int_equal(pci_cap_find(d, PCI_CAP_MSIX, 0), 0x50);
    assert_int_equal(pci_cap_find(pci_get(0), PCI_CAP_MSIX, 0), 0);
    struct fn *f = find(d->bdf);
    f->cfg[0x61] = 0x40; /* a loop: the walk still ends */
    assert_int_equal(pci_cap_find(d, 0x05, 0), 0);
    f->cfg[0x61] = 0x10; /* into the header: the end */
    assert_int_equal(pci_cap_find(d, 0x05, 0), 0);
}

static void test_msix(void **state)
{
    (void)state;
    machine();
    pci_scan();
    struct pci_dev *d = pci_get(1);
    memset(mmio, 0, sizeof(mmio));
    /* the table must fit the BAR: 4 entries at 0x2000 of a 4 KiB BAR do not */
    assert_int_equal(pci_msix_enable(d, 0xfee00000, 0x31), -ENOMEM);
    put32(find(d->bdf), 0x54, 0x100 | 1);
    assert_int_equal(pci_msix_enable(d, 0xfee00000, 0x31), 0);
    volatile uint32_t *t = (volatile uint32_t *)(mmio + 0x100);
    assert_int_equal(t[0], 0xfee00000);
    assert_int_equal(t[1], 0);
    assert_int_equal(t[2], 0x31);
    assert_int_equal(t[3], 0);          /* entry 0 unmasked */
    for (int i = 1; i < 4; i++)
        assert_int_equal(t[i * 4 + 3], 1); /* the others masked */
    uint16_t ctrl = pci_config_read16(d->bdf, 0x52);
    assert_int_equal(ctrl, 0x8003);     /* enabled, function mask off */
    assert_int_equal(d->msix_entries, 4);
    assert_int_equal(pci_msix_enable(pci_get(0), 0, 0), -ENODEV);
}

static bool match_virtio(const struct pci_dev *d) { return d->vendor == 0x1af4; }
static int probes;
static int probe_ok(struct pci_dev *d) { (void)d; probes++; return 0; }
static int probe_fail(struct pci_dev *d) { (void)d; return -ENODEV; }

static void test_probe(void **state)
{
    (void)state;
    machine();
    probes = 0;
    struct pci_driver drivers[] = { { "fail", match_virtio, probe_fail },
                                    { "ok", match_virtio, probe_ok } };
    assert_int_equal(pci_probe(drivers, 2), 2);
    assert_int_equal(probes, 2);
    assert_true(pci_get(1)->claimed);
    assert_false(pci_get(2)->claimed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enumeration),
        cmocka_unit_test(test_bars),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_msix),
        cmocka_unit_test(test_probe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
