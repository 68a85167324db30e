/*
 * user.c - ring 3 on x86_64 (see user.h): syscall MSRs, SSE for user
 * code, the per-CPU area syscall_entry reaches through GS, entering a task
 * and the exceptions it takes.
 *
 * FPU/SSE state: the kernel is built without SSE/x87 code (-mno-sse), so a
 * task's registers stay live in the CPU across its syscalls and
 * exceptions; the state is loaded (fxrstor) when the CPU enters the task
 * and saved (fxsave) when it leaves it for another context.
 */
#include <stddef.h>

#include "arch/upcall.h"
#include "arch/x86_64/arch.h"
#include "arch/x86_64/sigframe.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/user.h"
#include "arch/x86_64/x86.h"
#include "abi/signals.h"
#include "mm/memory.h"

#define MSR_EFER 0xC0000080
#define MSR_STAR 0xC0000081
#define MSR_LSTAR 0xC0000082
#define MSR_FMASK 0xC0000084
#define MSR_FS_BASE 0xC0000100
#define MSR_GS_BASE 0xC0000101
#define MSR_KERNEL_GS_BASE 0xC0000102
#define EFER_SCE (1u << 0)

#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)

/* RFLAGS bits cleared on syscall entry: TF, IF, DF, NT, AC. */
#define FMASK_BITS 0x44700


/* The signal Linux raises for an exception taken in ring 3 (other than a
 * page fault, which mm resolves or reports as SIGSEGV). */
static int trap_signal(uint64_t vector)
{
    switch (vector) {
    case TRAP_INVALID_OP:
        return SIGILL;
    case TRAP_DEBUG:
    case TRAP_BREAKPOINT:
        return SIGTRAP;
    case TRAP_DIVIDE:
    case TRAP_X87:
    case TRAP_SIMD:
        return SIGFPE;
    default:
        return SIGSEGV;
    }
}

/* Reached at %gs:0 in syscall_entry (offsets fixed in syscall.S). */
struct percpu {
    uint64_t kstack_top;
    uint64_t user_rsp;
};
_Static_assert(offsetof(struct percpu, user_rsp) == 8, "syscall.S offsets");

static struct percpu percpu;
_Static_assert((GDT_USER_DATA | 3) == 0x23 && (GDT_USER_CODE | 3) == 0x2b,
               "syscall.S user selectors");

extern const char usercopy_start[], usercopy_end[], usercopy_fault[];
void syscall_entry(void);
void user_enter(uintptr_t rip, uintptr_t rsp) __attribute__((noreturn));

static inline void write_cr0(uint64_t v)
{
    __asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

void user_init(void)
{
    write_cr0((read_cr0() & ~(uint64_t)(CR0_EM | CR0_TS)) | CR0_MP);
    write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
    /* sysret: CS = base + 16, SS = base + 8 (GDT_USER_CODE32 layout) */
    wrmsr(MSR_STAR, ((uint64_t)GDT_USER_CODE32 << 48) |
                        ((uint64_t)GDT_KERNEL_CODE << 32));
    wrmsr(MSR_LSTAR, (uintptr_t)syscall_entry);
    wrmsr(MSR_FMASK, FMASK_BITS);
    wrmsr(MSR_GS_BASE, 0);
    wrmsr(MSR_KERNEL_GS_BASE, (uintptr_t)&percpu);
}

void user_fpu_init(struct user_fpu *fpu)
{
    uint32_t mxcsr = 0x1f80;
    __asm__ volatile("fninit\n\t"
                     "ldmxcsr %1\n\t"
                     "fxsave64 %0"
                     : "=m"(*fpu)
                     : "m"(mxcsr));
}

void user_fpu_save(struct user_fpu *fpu)
{
    __asm__ volatile("fxsave64 %0" : "=m"(*fpu));
}

uint64_t user_hwcap(void)
{
    uint32_t a, b, c, d;
    cpuid(1, &a, &b, &c, &d);
    return d;
}

void user_set_fs(uintptr_t base)
{
    wrmsr(MSR_FS_BASE, base);
}

uintptr_t user_get_fs(void)
{
    return rdmsr(MSR_FS_BASE);
}

void user_set_kernel_stack(uintptr_t top)
{
    percpu.kstack_top = top;
    cpu_set_kernel_stack(top);
}

void user_run(uintptr_t rip, uintptr_t rsp, uintptr_t kstack_top,
              uintptr_t fs_base, struct user_fpu *fpu)
{
    percpu.kstack_top = kstack_top;
    wrmsr(MSR_GS_BASE, 0); /* a task that ended in a syscall left GS swapped */
    wrmsr(MSR_KERNEL_GS_BASE, (uintptr_t)&percpu);
    cpu_set_kernel_stack(kstack_top);
    user_set_fs(fs_base);
    __asm__ volatile("fxrstor64 %0" : : "m"(*fpu));
    user_enter(rip, rsp);
}

bool user_trap(struct trap_frame *f)
{
    bool from_user = (f->cs & 3) == 3;
    bool in_copy = f->vector == TRAP_PAGE_FAULT &&
                   f->rip >= (uintptr_t)usercopy_start &&
                   f->rip < (uintptr_t)usercopy_end;
    if (!from_user && !in_copy)
        return false;
    if (f->vector == TRAP_PAGE_FAULT) {
        int reason = trap_pf_access(f->error) | FAULT_USER;
        if (task_fault(read_cr2(), reason, f->rip, from_user)) {
            if (from_user)
                sigframe_trap_exit(f); /* a handler's SIGSEGV, or a kill */
            return true;
        }
        if (!in_copy)
            return false; /* ring 3 without a task: the kernel's bug */
        f->rip = (uintptr_t)usercopy_fault; /* the copy returns -EFAULT */
        return true;
    }
    struct trap_report trap = { .vector = (unsigned)f->vector,
                                .error = f->error, .ip = f->rip,
                                .user = from_user,
                                .signal = trap_signal(f->vector) };
    task_crash(&trap); /* not a page fault, so from ring 3 */
    sigframe_trap_exit(f); /* the task's handler takes the signal */
    return true;
}
