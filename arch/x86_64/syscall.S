/* syscall.S - the ring transitions of a task:
 *   syscall_entry  LSTAR target: swapgs, per-CPU kernel stack, a struct
 *                  syscall_frame, syscall_dispatch(frame), sysret;
 *   user_enter     iretq to ring 3, the first entry of a task;
 *   user_iret      iretq to ring 3 from a syscall with every register
 *                  given (rt_sigreturn: sysret cannot restore rcx, r11).
 * Interrupts stay masked in the kernel (FMASK clears IF); ring 3 runs
 * with IF=1 (the scheduler's timer). */
#include "arch/x86_64/trap_frame.h"
#include "arch/x86_64/syscall_frame.h"

/* GDT_USER_DATA | 3 and GDT_USER_CODE | 3 (trap.h; user.c checks them) */
#define USER_SS 0x23
#define USER_CS 0x2b

#define PERCPU_KSTACK   0   /* struct percpu (user.c): kernel stack top */
#define PERCPU_USER_RSP 8   /* user rsp while the frame is built */

    .text
    .globl syscall_entry
syscall_entry:
    swapgs
    movq %rsp, %gs:PERCPU_USER_RSP
    movq %gs:PERCPU_KSTACK, %rsp
    pushq %gs:PERCPU_USER_RSP
    syscall_frame_push
    xorl %ebp, %ebp             /* the kernel backtrace ends here */
    movq %rsp, %rdi
    cld
    call syscall_dispatch
    syscall_frame_sysret

/* void user_enter(uintptr_t rip, uintptr_t rsp): iretq to ring 3 with
 * every other register zero. */
    .globl user_enter
user_enter:
    pushq $USER_SS
    pushq %rsi
    pushq $0x202                /* rflags: IF set, reserved bit 1 */
    pushq $USER_CS
    pushq %rdi
    xorl %eax, %eax
    xorl %ebx, %ebx
    xorl %ecx, %ecx
    xorl %edx, %edx
    xorl %esi, %esi
    xorl %edi, %edi
    xorl %ebp, %ebp
    xorl %r8d, %r8d
    xorl %r9d, %r9d
    xorl %r10d, %r10d
    xorl %r11d, %r11d
    xorl %r12d, %r12d
    xorl %r13d, %r13d
    xorl %r14d, %r14d
    xorl %r15d, %r15d
    iretq

/* void user_iret(const struct trap_frame *f): the frame's registers,
 * then iretq; GS back to the task's (syscall_entry swapped it). */
    .globl user_iret
user_iret:
    movq %rdi, %rsp
    trap_frame_pop
    swapgs
    iretq

    .section .note.GNU-stack, "", @progbits
