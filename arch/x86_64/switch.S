/* switch.S - the kernel side of a task switch:
 *   context_switch     saves the callee-saved registers on the current
 *                      kernel stack, stores its pointer, loads another
 *                      saved stack and returns on it;
 *   context_fork_return where a forked child's first switch returns: the
 *                      struct syscall_frame above it (rax = 0) is popped
 *                      and the child leaves through sysret, as its parent
 *                      will from the same call;
 *   context_start      where a new task's first switch returns: calls the
 *                      entry function saved in r12 (it never returns);
 *   irq_timer_entry    the local APIC timer vector: saves a struct
 *                      trap_frame, calls irq_timer(cs), delivers signals
 *                      when ring 3 was interrupted, and irets;
 *   irq_spurious_entry spurious APIC and masked PIC vectors: iret at once.
 * Switch frame on the stack, lowest address first: r15 r14 r13 r12 rbx
 * rbp, then the return address (switch.c builds the first one). */
#include "arch/x86_64/trap_frame.h"
#include "arch/x86_64/smap.h"
#include "arch/x86_64/syscall_frame.h"

    .text
/* void context_switch(uintptr_t *save_ksp, uintptr_t next_ksp) */
    .globl context_switch
context_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret

    .globl context_fork_return
context_fork_return:
    syscall_frame_sysret

    .globl context_start
context_start:
    xorl %ebp, %ebp             /* the kernel backtrace ends here */
    call *%r12
    ud2

    .globl irq_timer_entry
irq_timer_entry:
    pushq $0                    /* a struct trap_frame (trap.h): error, */
    pushq $32                   /* vector, then the registers */
    trap_frame_push
    movq 144(%rsp), %rdi        /* the interrupted cs */
    cld
    smap_close                  /* iretq restores the interrupted AC */
    call irq_timer
    testb $3, 144(%rsp)
    jz 1f
    movq %rsp, %rdi             /* back to ring 3: signals first */
    call sigframe_trap_exit
1:  trap_frame_pop
    iretq

    .globl irq_spurious_entry
irq_spurious_entry:
    iretq

    .section .note.GNU-stack, "", @progbits
