/*
 * pci.c - PCI configuration mechanism #1: the address of a dword of a
 * function's configuration space goes to port 0xCF8, its data comes and
 * goes through 0xCFC-0xCFF.  Port I/O for I/O BARs.  (arch/pci.h)
 *
 * Context: one CPU, interrupts masked around each address/data pair (an
 * interrupt handler may read configuration space too).
 */
#include "arch/cpu.h"
#include "arch/pci.h"
#include "arch/x86_64/x86.h"

#define CONFIG_ADDRESS 0xCF8
#define CONFIG_DATA    0xCFC
#define CONFIG_ENABLE  0x80000000u

static void config_select(uint32_t bdf, unsigned off)
{
    outl(CONFIG_ADDRESS, CONFIG_ENABLE | bdf << 8 | (off & 0xfc));
}

uint32_t pci_config_read32(uint32_t bdf, unsigned off)
{
    unsigned long irq = irq_save();
    config_select(bdf, off);
    uint32_t v = inl(CONFIG_DATA);
    irq_restore(irq);
    return v;
}

uint16_t pci_config_read16(uint32_t bdf, unsigned off)
{
    unsigned long irq = irq_save();
    config_select(bdf, off);
    uint16_t v = inw(CONFIG_DATA + (off & 2));
    irq_restore(irq);
    return v;
}

uint8_t pci_config_read8(uint32_t bdf, unsigned off)
{
    unsigned long irq = irq_save();
    config_select(bdf, off);
    uint8_t v = inb(CONFIG_DATA + (off & 3));
    irq_restore(irq);
    return v;
}

void pci_config_write32(uint32_t bdf, unsigned off, uint32_t v)
{
    unsigned long irq = irq_save();
    config_select(bdf, off);
    outl(CONFIG_DATA, v);
    irq_restore(irq);
}

void pci_config_write16(uint32_t bdf, unsigned off, uint16_t v)
{
    unsigned long irq = irq_save();
    config_select(bdf, off);
    outw(CONFIG_DATA + (off & 2), v);
    irq_restore(irq);
}

void pci_config_write8(uint32_t bdf, unsigned off, uint8_t v)
{
    unsigned long irq = irq_save();
    config_select(bdf, off);
    outb(CONFIG_DATA + (off & 3), v);
    irq_restore(irq);
}

uint8_t pio_read8(uint16_t port) { return inb(port); }
uint16_t pio_read16(uint16_t port) { return inw(port); }
uint32_t pio_read32(uint16_t port) { return inl(port); }
void pio_write8(uint16_t port, uint8_t v) { outb(port, v); }
void pio_write16(uint16_t port, uint16_t v) { outw(port, v); }
void pio_write32(uint16_t port, uint32_t v) { outl(port, v); }
