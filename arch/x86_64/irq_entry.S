/* irq_entry.S - entry stubs of the device interrupt vectors (irq.c hands them
 * out for MSI/MSI-X): each pushes a struct trap_frame with its vector,
 * calls irq_device(frame), delivers signals when ring 3 was interrupted,
 * and irets.  irq_stubs[] lists them, IRQ_VECTOR_FIRST upwards. */
#include "arch/x86_64/trap_frame.h"
#include "arch/x86_64/smap.h"
#include "arch/x86_64/irq_vectors.h"

    .text
irq_common:
    trap_frame_push
    movq %rsp, %rdi
    cld
    smap_close                  /* iretq restores the interrupted AC */
    call irq_device
    testb $3, 144(%rsp)         /* the interrupted cs */
    jz 1f
    movq %rsp, %rdi             /* back to ring 3: signals first */
    call sigframe_trap_exit
1:  trap_frame_pop
    iretq

.macro irq_stub n
irq_stub_\n:
    pushq $0
    pushq $(IRQ_VECTOR_FIRST + \n)
    jmp irq_common
.endm

    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    irq_stub \n
    .endr

    .section .rodata
    .globl irq_stubs
    .balign 8
irq_stubs:
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    .quad irq_stub_\n
    .endr

    .section .note.GNU-stack, "", @progbits
