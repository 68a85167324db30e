/* syscall_frame.h - assembler macros that build and leave a struct
 * syscall_frame (arch/x86_64/user.h), so that the field order lives in
 * one place:
 *   syscall_frame_push   after the user rsp: r11 (rflags) rcx (rip) rax,
 *                        the arguments, then the callee-saved registers;
 *   syscall_frame_sysret pops the frame from rsp and returns to ring 3
 *                        (swapgs; sysretq).
 * Used by syscall_entry (syscall.S) and by a forked child's first return
 * (context_fork_return, switch.S). */
#ifndef ARCH_X86_64_SYSCALL_FRAME_H
#define ARCH_X86_64_SYSCALL_FRAME_H

.macro syscall_frame_push
    pushq %r11
    pushq %rcx
    pushq %rax
    pushq %rdi
    pushq %rsi
    pushq %rdx
    pushq %r10
    pushq %r8
    pushq %r9
    pushq %rbx
    pushq %rbp
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
.endm

.macro syscall_frame_sysret
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbp
    popq %rbx
    popq %r9
    popq %r8
    popq %r10
    popq %rdx
    popq %rsi
    popq %rdi
    popq %rax
    popq %rcx
    popq %r11
    popq %rsp
    swapgs
    sysretq
.endm

#endif
