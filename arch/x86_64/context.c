/*
 * context.c - the per-task CPU state around context_switch (switch.S).
 */
#include <string.h>

#include "arch/x86_64/context.h"
#include "arch/x86_64/x86.h"

#define MSR_FS_BASE 0xC0000100
#define MSR_GS_BASE 0xC0000101
#define MSR_KERNEL_GS_BASE 0xC0000102
#define SWITCH_FRAME_WORDS 6 /* r15 r14 r13 r12 rbx rbp */

void context_fork_return(void);
void context_start(void);

void context_save(struct cpu_context *c, struct user_fpu *fpu,
                  uintptr_t *fs_base)
{
    user_fpu_save(fpu);
    *fs_base = rdmsr(MSR_FS_BASE);
    c->gs_base = rdmsr(MSR_GS_BASE);
    c->kgs_base = rdmsr(MSR_KERNEL_GS_BASE);
}

void context_load(const struct cpu_context *c, const struct user_fpu *fpu,
                  uintptr_t fs_base, uintptr_t kstack_top)
{
    __asm__ volatile("fxrstor64 %0" : : "m"(*fpu));
    wrmsr(MSR_FS_BASE, fs_base);
    wrmsr(MSR_GS_BASE, c->gs_base);
    wrmsr(MSR_KERNEL_GS_BASE, c->kgs_base);
    user_set_kernel_stack(kstack_top);
}

void context_reset_user(struct user_fpu *fpu)
{
    user_fpu_init(fpu);
    __asm__ volatile("fxrstor64 %0" : : "m"(*fpu));
    wrmsr(MSR_FS_BASE, 0);
}

/* Writes a switch frame returning to `ret` just below `below`, with r12 =
 * `r12`; returns the stack pointer context_switch loads. */
static uintptr_t switch_frame(uintptr_t below, void (*ret)(void), uint64_t r12)
{
    uint64_t *sp = (uint64_t *)below - (SWITCH_FRAME_WORDS + 1);
    memset(sp, 0, SWITCH_FRAME_WORDS * sizeof(uint64_t));
    sp[3] = r12;
    sp[SWITCH_FRAME_WORDS] = (uintptr_t)ret;
    return (uintptr_t)sp;
}

void context_init_start(struct cpu_context *c, uintptr_t kstack_top,
                        void (*entry)(void))
{
    /* context_start's call finds rsp 16-byte aligned (the top) */
    c->ksp = switch_frame(kstack_top, context_start, (uintptr_t)entry);
    c->gs_base = 0;
    c->kgs_base = 0; /* user_run sets both before entering ring 3 */
}

struct syscall_frame *context_syscall_frame(uintptr_t kstack_top)
{
    return (struct syscall_frame *)kstack_top - 1;
}

void context_init_fork(struct cpu_context *c, uintptr_t kstack_top,
                       const struct syscall_frame *parent, uintptr_t user_rsp)
{
    struct syscall_frame *f = context_syscall_frame(kstack_top);
    *f = *parent;
    f->rax = 0;
    if (user_rsp)
        f->rsp = user_rsp;
    c->ksp = switch_frame((uintptr_t)f, context_fork_return, 0);
    /* the child resumes inside the parent's syscall: GS swapped */
    c->gs_base = rdmsr(MSR_GS_BASE);
    c->kgs_base = rdmsr(MSR_KERNEL_GS_BASE);
}
