/* trap_frame.h - assembler macros that save and restore the general
 * registers of a struct trap_frame (arch/x86_64/trap.h), in its order:
 * trap_frame_push after the vector and error words are on the stack,
 * trap_frame_pop before iretq (it drops those two words as well).  The
 * exception stubs, the timer interrupt and the return from rt_sigreturn
 * all build or unwind this one frame. */
#ifndef ARCH_X86_64_TRAP_FRAME_H
#define ARCH_X86_64_TRAP_FRAME_H

.macro trap_frame_push
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
.endm

.macro trap_frame_pop
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
    addq $16, %rsp              /* vector, error */
.endm

#endif
