/* syscall.S - the ring transitions of a task:
 *   syscall_entry  LSTAR target: swapgs, per-CPU kernel stack, a struct
 *                  syscall_frame, syscall_dispatch(frame), sysret;
 *   user_enter     saves the caller's kernel context and iretq to ring 3;
 *   user_return    resumes that context: user_run returns a value.
 * Interrupts stay masked throughout (FMASK clears IF; ring 3 runs with
 * IF=0 too: nothing raises interrupts yet). */
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
    xorl %ebp, %ebp             /* the kernel backtrace ends here */
    movq %rsp, %rdi
    cld
    call syscall_dispatch
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

/* void user_enter(struct user_context *ctx, uintptr_t rip, uintptr_t rsp) */
    .globl user_enter
user_enter:
    movq %rbx, 0(%rdi)
    movq %rbp, 8(%rdi)
    movq %r12, 16(%rdi)
    movq %r13, 24(%rdi)
    movq %r14, 32(%rdi)
    movq %r15, 40(%rdi)
    leaq 8(%rsp), %rax
    movq %rax, 48(%rdi)
    movq (%rsp), %rax
    movq %rax, 56(%rdi)
    pushq $USER_SS
    pushq %rdx
    pushq $0x2                  /* rflags: IF clear, reserved bit 1 */
    pushq $USER_CS
    pushq %rsi
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

/* void user_return(struct user_context *ctx, long value) */
    .globl user_return
user_return:
    movq 0(%rdi), %rbx
    movq 8(%rdi), %rbp
    movq 16(%rdi), %r12
    movq 24(%rdi), %r13
    movq 32(%rdi), %r14
    movq 40(%rdi), %r15
    movq 48(%rdi), %rsp
    movq %rsi, %rax
    jmpq *56(%rdi)

    .section .note.GNU-stack, "", @progbits
