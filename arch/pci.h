/*
 * arch/pci.h - what the port gives the PCI drivers (drivers/): access to
 * a function's configuration space, port I/O for I/O BARs, and interrupt
 * vectors for MSI/MSI-X messages.  x86_64: configuration mechanism #1
 * (ports 0xCF8/0xCFC, the first 256 bytes of each function), the local
 * APIC as the MSI target (arch/x86_64/pci.c, irq.c).
 *
 * A function is named by its bus/device/function triple packed as
 * PCI_BDF(bus, dev, fn).  Offsets are in bytes and aligned to the size
 * read; a read of an absent function gives all ones.
 */
#ifndef ARCH_PCI_H
#define ARCH_PCI_H

#include <stdint.h>

#define PCI_BDF(bus, dev, fn) \
    ((uint32_t)(bus) << 8 | (uint32_t)(dev) << 3 | (uint32_t)(fn))
#define PCI_BDF_BUS(bdf) ((bdf) >> 8 & 0xff)
#define PCI_BDF_DEV(bdf) ((bdf) >> 3 & 0x1f)
#define PCI_BDF_FN(bdf)  ((bdf) & 7)

/* Configuration space of function `bdf` at offset `off` (< 256). */
uint8_t pci_config_read8(uint32_t bdf, unsigned off);
uint16_t pci_config_read16(uint32_t bdf, unsigned off);
uint32_t pci_config_read32(uint32_t bdf, unsigned off);
void pci_config_write8(uint32_t bdf, unsigned off, uint8_t v);
void pci_config_write16(uint32_t bdf, unsigned off, uint16_t v);
void pci_config_write32(uint32_t bdf, unsigned off, uint32_t v);

/* Port I/O, for the registers of an I/O BAR. */
uint8_t pio_read8(uint16_t port);
uint16_t pio_read16(uint16_t port);
uint32_t pio_read32(uint16_t port);
void pio_write8(uint16_t port, uint8_t v);
void pio_write16(uint16_t port, uint16_t v);
void pio_write32(uint16_t port, uint32_t v);

/* Called with interrupts masked when the message arrives. */
typedef void irq_handler_t(void *arg);

/* Gives `handler(arg)` an interrupt vector of its own and stores in
 * addr and data the MSI (or MSI-X table entry) message that raises it.
 * 0, or -ENOSPC (no vector left) / -ENODEV (no local APIC). */
int irq_msi_alloc(irq_handler_t *handler, void *arg, uint64_t *addr,
                  uint32_t *data);

#endif
