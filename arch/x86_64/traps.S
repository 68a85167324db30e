/* traps.S - entry stubs of the 32 exception vectors: each pushes a dummy
 * error code when the CPU does not, then its vector, saves the registers
 * as a struct trap_frame and calls trap_dispatch(frame). */

#include "arch/x86_64/trap_frame.h"
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
    trap_frame_push
    cld
    smap_close                  /* iretq restores the interrupted AC */
    movq %rsp, %rdi
    call trap_dispatch
    trap_frame_pop
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
