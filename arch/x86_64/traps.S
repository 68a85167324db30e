/* traps.S - entry stubs of the 32 exception vectors: each pushes a dummy
 * error code when the CPU does not, then its vector, saves the registers
 * as a struct trap_frame and calls trap_dispatch(frame). */

#include "arch/x86_64/smap.h"

    .text
    .altmacro
.macro stub v
    .balign 16
trap_stub_\v:
    .if !((\v == 8) || ((\v >= 10) && (\v <= 14)) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30))
    pushq $0
    .endif
    pushq $\v
    jmp trap_common
.endm

.set vec, 0
.rept 32
    stub %vec
    .set vec, vec + 1
.endr

trap_common:
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
    cld
    smap_close                  /* iretq restores the interrupted AC */
    movq %rsp, %rdi
    call trap_dispatch
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
    addq $16, %rsp
    iretq

.macro stub_addr v
    .quad trap_stub_\v
.endm

    .section .rodata
    .balign 8
    .globl trap_stubs
trap_stubs:
.set vec, 0
.rept 32
    stub_addr %vec
    .set vec, vec + 1
.endr
    .section .note.GNU-stack, "", @progbits
