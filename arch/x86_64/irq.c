/*
 * irq.c - device interrupts by message (arch/pci.h irq_msi_alloc): a
 * vector of IRQ_VECTOR_FIRST.. per handler, the message aimed at this
 * CPU's local APIC (fixed delivery, edge), EOI after the handler.
 */
#include <errno.h>
#include <stddef.h>

#include "arch/pci.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/arch.h"
#include "arch/x86_64/irq_vectors.h"
#include "arch/x86_64/trap.h"

#define MSI_ADDRESS_BASE 0xFEE00000u /* the local APICs' message window */

extern const uintptr_t irq_stubs[IRQ_VECTORS];

void irq_device(struct trap_frame *frame);

static struct {
    irq_handler_t *handler;
    void *arg;
} handlers[IRQ_VECTORS];
static int used;

int irq_msi_alloc(irq_handler_t *handler, void *arg, uint64_t *addr,
                  uint32_t *data)
{
    if (!apic_enable())
        return -ENODEV;
    if (used == IRQ_VECTORS)
        return -ENOSPC;
    int i = used++;
    handlers[i].handler = handler;
    handlers[i].arg = arg;
    cpu_set_interrupt(IRQ_VECTOR_FIRST + i, irq_stubs[i]);
    *addr = MSI_ADDRESS_BASE | (uint64_t)apic_id() << 12;
    *data = IRQ_VECTOR_FIRST + i; /* fixed, edge */
    return 0;
}

/* Called by irq_entry.S with interrupts masked. */
void irq_device(struct trap_frame *frame)
{
    unsigned i = (unsigned)frame->vector - IRQ_VECTOR_FIRST;
    if (i < (unsigned)used)
        handlers[i].handler(handlers[i].arg);
    apic_eoi();
}
