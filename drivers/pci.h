/*
 * drivers/pci.h - the PCI functions found at boot: enumeration from bus 0
 * through the bridges, BARs decoded and sized, the capability list, BAR
 * mapping (kmap_phys), MSI-X, and the drivers that claim functions.
 * Portable over arch/pci.h (host-tested against a fake configuration
 * space: tests/unit/test_pci.c).
 *
 * Context: boot time (pci_probe, from main.c), one CPU.
 */
#ifndef DRIVERS_PCI_H
#define DRIVERS_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/pci.h"

/* Configuration space offsets of a type 0 header. */
#define PCI_VENDOR_ID   0x00
#define PCI_DEVICE_ID   0x02
#define PCI_COMMAND     0x04
#define PCI_STATUS      0x06
#define PCI_REVISION    0x08
#define PCI_HEADER_TYPE 0x0E
#define PCI_BAR0        0x10
#define PCI_SECONDARY_BUS 0x19 /* type 1 (bridge) header */
#define PCI_SUBSYSTEM_ID 0x2E
#define PCI_CAP_PTR     0x34
#define PCI_INTERRUPT_LINE 0x3C
#define PCI_INTERRUPT_PIN  0x3D

#define PCI_COMMAND_IO     0x1
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4
#define PCI_COMMAND_INTX_DISABLE 0x400
#define PCI_STATUS_CAP_LIST 0x10

#define PCI_CAP_MSIX   0x11
#define PCI_CAP_VENDOR 0x09

#define PCI_BARS 6
#define PCI_MAX_DEVICES 64

struct pci_bar {
    uint64_t base;  /* bus address (I/O port or memory); 0: absent */
    uint64_t size;  /* bytes decoded */
    bool io;        /* an I/O port range */
    bool mem64;     /* a 64-bit memory BAR (it takes the next slot too) */
    bool prefetch;
};

struct pci_dev {
    uint32_t bdf;   /* PCI_BDF(bus, dev, fn) */
    uint16_t vendor, device;
    uint16_t subsystem;
    uint8_t class, subclass, prog_if, revision;
    uint8_t irq_pin;   /* 1-4 (INTA-INTD), 0 none */
    struct pci_bar bar[PCI_BARS];
    bool claimed;      /* a driver took it */
    /* MSI-X, after pci_msix_enable */
    volatile uint32_t *msix_table;
    unsigned msix_entries;
};

/* One driver: match says whether it wants a function, probe takes it
 * (0, or a negative errno: the function stays unclaimed). */
struct pci_driver {
    const char *name;
    bool (*match)(const struct pci_dev *dev);
    int (*probe)(struct pci_dev *dev);
};

/* Enumerates every function (bus 0, then behind each bridge) into the
 * table: the number found (at most PCI_MAX_DEVICES). */
int pci_scan(void);

/* The i-th function found by pci_scan, or NULL past the last. */
struct pci_dev *pci_get(int i);

/* pci_scan, then each function offered to each driver of `drivers` (n
 * of them) until one probes it: the number claimed. */
int pci_probe(const struct pci_driver *drivers, int n);

/* Turns on I/O and memory decoding for the BARs it has and bus mastering
 * (the device may then DMA), and INTx off when `no_intx`. */
void pci_enable(struct pci_dev *dev, bool no_intx);

/* Offset of the first capability with `id` after the one at `after` (0:
 * from the start of the list), or 0 when none.  The walk is bounded: a
 * looping or out-of-range list ends it. */
unsigned pci_cap_find(const struct pci_dev *dev, uint8_t id, unsigned after);

/* Maps [offset, offset+length) of memory BAR `bar` uncached: the kernel
 * address of `offset`, or NULL (an I/O or absent BAR, a range past its
 * size, no kspace). */
volatile void *pci_map_bar(const struct pci_dev *dev, int bar,
                           uint64_t offset, uint64_t length);

/* Enables MSI-X with every vector masked but entry 0, set to the
 * message (addr, data), function mask off.  0, or -ENODEV (no MSI-X
 * capability) / -ENOMEM (table not mappable). */
int pci_msix_enable(struct pci_dev *dev, uint64_t addr, uint32_t data);

/* "0000:00:03.0" into buf (at least 13 bytes). */
void pci_name(const struct pci_dev *dev, char *buf, size_t size);

#endif
