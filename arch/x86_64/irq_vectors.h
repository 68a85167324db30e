/* irq_vectors.h - the vectors irq.c gives to device interrupts (MSI and
 * MSI-X), above the timer's 0x20 and below the PICs' 0xf0. */
#ifndef ARCH_X86_64_IRQ_VECTORS_H
#define ARCH_X86_64_IRQ_VECTORS_H

#define IRQ_VECTOR_FIRST 0x30
#define IRQ_VECTORS      16

#endif
