/*
 * sigframe.c - Linux's x86_64 signal frame (see arch/sigframe.h and
 * arch/x86_64/sigframe.h): struct rt_sigframe { pretcode; ucontext;
 * siginfo } below the 512-byte fxsave image its mcontext points at, on the
 * user stack (after the 128-byte red zone) or on the alternate one, and
 * rt_sigreturn's checked way back.  The FPU state of the running task is
 * live in the CPU (the kernel has no SSE code), so it is fxsave'd and
 * fxrstor'd in place.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "abi/signals.h"
#include "arch/sigframe.h"
#include "arch/upcall.h"
#include "arch/x86_64/sigframe.h"
#include "mm/memory.h"

#define USER_CS (GDT_USER_CODE | 3)
#define USER_SS (GDT_USER_DATA | 3)

#define RED_ZONE 128
#define FX_SIZE 512
#define UC_SIGCONTEXT_SS 2
#define UC_STRICT_RESTORE_SS 4
#define SS_ONSTACK 1
#define SS_DISABLE 2

/* RFLAGS bits. */
#define FL_CF 0x1
#define FL_PF 0x4
#define FL_AF 0x10
#define FL_ZF 0x40
#define FL_SF 0x80
#define FL_TF 0x100
#define FL_IF 0x200
#define FL_DF 0x400
#define FL_OF 0x800
#define FL_RF 0x10000
#define FL_AC 0x40000
#define FL_FIXED 0x2
/* What a task may change through rt_sigreturn (Linux's FIX_EFLAGS): no
 * IOPL, NT, IF, VM, VIF, ID games. */
#define FL_USER (FL_AC | FL_OF | FL_DF | FL_TF | FL_SF | FL_ZF | FL_AF | \
                 FL_PF | FL_CF | FL_RF)

struct user_regs {
    struct trap_frame f;
    long nr; /* the system call being left, -1: none */
};

/* Linux's struct sigcontext (64-bit), the mcontext of a ucontext. */
struct k_sigcontext {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2;
    uint64_t fpstate; /* user address of the fxsave image, 0: none */
    uint64_t reserved1[8];
};

struct k_stack {
    uint64_t ss_sp;
    int32_t ss_flags, pad;
    uint64_t ss_size;
};

struct k_ucontext {
    uint64_t uc_flags, uc_link;
    struct k_stack uc_stack;
    struct k_sigcontext uc_mcontext;
    uint64_t uc_sigmask;
};

struct k_siginfo {
    int32_t si_signo, si_errno, si_code, pad;
    union {
        struct {
            int32_t pid;
            uint32_t uid;
        } kill;
        struct {
            int32_t pid;
            uint32_t uid;
            int32_t status;
        } chld;
        uint64_t addr;
        struct {
            int32_t tid, overrun;
            uint64_t value;
        } timer;
        struct {
            int32_t pid;
            uint32_t uid;
            uint64_t value;
        } rt;
        uint8_t bytes[112];
    } u;
};

struct rt_sigframe {
    uint64_t pretcode;
    struct k_ucontext uc;
    struct k_siginfo info;
};

_Static_assert(sizeof(struct k_sigcontext) == 256, "Linux sigcontext");
_Static_assert(sizeof(struct k_ucontext) == 304, "Linux ucontext");
_Static_assert(sizeof(struct k_siginfo) == 128, "Linux siginfo");
_Static_assert(offsetof(struct rt_sigframe, info) == 312, "rt_sigframe");

static bool user_ok(uintptr_t addr, uint64_t n)
{
    return addr >= MSPACE_USER_LOWER && addr <= MSPACE_USER_UPPER &&
           n <= MSPACE_USER_UPPER - addr;
}

/* True when `v` is a canonical 48-bit address. */
static bool canonical(uint64_t v)
{
    return (uint64_t)((int64_t)(v << 16) >> 16) == v;
}

/* The FPU state a handler starts with: x87 reset, MXCSR 0x1f80, every
 * register zero. */
static void fpu_reset(void)
{
    struct user_fpu fx;
    user_fpu_init(&fx);
    memset(fx.area + 32, 0, 416 - 32); /* st0-7 and xmm0-15 */
    __asm__ volatile("fxrstor64 %0" : : "m"(fx));
}

/* The siginfo_t of `a`, its union member chosen by signal and code. */
static void fill_siginfo(struct k_siginfo *i, const struct sigframe_args *a)
{
    memset(i, 0, sizeof(*i));
    i->si_signo = a->signo;
    i->si_code = a->code;
    if (a->code == SI_TIMER) {
        i->u.timer.tid = a->timerid;
        i->u.timer.overrun = a->overrun;
        i->u.timer.value = a->value;
    } else if (a->code == SI_QUEUE) {
        i->u.rt.pid = a->pid;
        i->u.rt.uid = (uint32_t)a->uid;
        i->u.rt.value = a->value;
    } else if (a->signo == SIGCHLD && a->code > 0) {
        i->u.chld.pid = a->pid;
        i->u.chld.uid = (uint32_t)a->uid;
        i->u.chld.status = a->status;
    } else if (a->code > 0) { /* from the kernel: a fault */
        i->u.addr = a->addr;
    } else {
        i->u.kill.pid = a->pid;
        i->u.kill.uid = (uint32_t)a->uid;
    }
}

int sigframe_siginfo_out(uintptr_t uinfo, const struct sigframe_args *a)
{
    struct k_siginfo k;
    fill_siginfo(&k, a);
    if (!user_ok(uinfo, sizeof(k)))
        return -EFAULT;
    return usercopy_bytes((void *)uinfo, &k, sizeof(k)) < 0 ? -EFAULT : 0;
}

bool sigframe_setup(struct user_regs *r, const struct sigframe_args *a)
{
    struct trap_frame *f = &r->f;
    if (!user_ok(a->handler, 1) || !a->restorer)
        return false;
    bool on_alt = a->ss_flags != SS_DISABLE && f->rsp > a->ss_sp &&
                  f->rsp - a->ss_sp <= a->ss_size;
    uintptr_t sp = f->rsp - RED_ZONE;
    if (a->onstack && a->ss_flags != SS_DISABLE && !on_alt)
        sp = a->ss_sp + a->ss_size;
    uintptr_t fx = (sp - FX_SIZE) & ~(uintptr_t)63;
    sp = ((fx - sizeof(struct rt_sigframe)) & ~(uintptr_t)15) - 8;

    struct rt_sigframe k;
    memset(&k, 0, sizeof(k));
    k.pretcode = a->restorer;
    k.uc.uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
    k.uc.uc_stack.ss_sp = a->ss_sp;
    k.uc.uc_stack.ss_size = a->ss_size;
    k.uc.uc_stack.ss_flags = on_alt ? SS_ONSTACK : a->ss_flags;
    struct k_sigcontext *sc = &k.uc.uc_mcontext;
    *sc = (struct k_sigcontext){
        .r8 = f->r8, .r9 = f->r9, .r10 = f->r10, .r11 = f->r11,
        .r12 = f->r12, .r13 = f->r13, .r14 = f->r14, .r15 = f->r15,
        .rdi = f->rdi, .rsi = f->rsi, .rbp = f->rbp, .rbx = f->rbx,
        .rdx = f->rdx, .rax = f->rax, .rcx = f->rcx, .rsp = f->rsp,
        .rip = f->rip, .eflags = f->rflags, .cs = USER_CS, .ss = USER_SS,
        .err = a->err, .trapno = (uint64_t)a->trapno, .oldmask = a->mask,
        .cr2 = a->cr2, .fpstate = fx};
    k.uc.uc_sigmask = a->mask;
    fill_siginfo(&k.info, a);
    struct user_fpu live;
    user_fpu_save(&live);
    if (!user_ok(sp, fx + FX_SIZE - sp) ||
        usercopy_bytes((void *)fx, &live, FX_SIZE) < 0 ||
        usercopy_bytes((void *)sp, &k, sizeof(k)) < 0)
        return false;
    fpu_reset();
    f->rip = a->handler;
    f->rsp = sp;
    f->rdi = (uint64_t)a->signo;
    f->rsi = sp + offsetof(struct rt_sigframe, info);
    f->rdx = sp + offsetof(struct rt_sigframe, uc);
    f->rax = 0;
    f->rflags &= ~(uint64_t)(FL_DF | FL_TF | FL_RF);
    f->cs = USER_CS;
    f->ss = USER_SS;
    r->nr = -1;
    return true;
}

bool sigframe_syscall_result(const struct user_regs *r, long *result)
{
    *result = (long)r->f.rax;
    return r->nr >= 0;
}

void sigframe_syscall_set_result(struct user_regs *r, long v)
{
    r->f.rax = (uint64_t)v;
    r->nr = -1;
}

void sigframe_syscall_restart(struct user_regs *r)
{
    r->f.rax = (uint64_t)r->nr;
    r->f.rip -= 2; /* the syscall instruction, 0f 05 */
    r->nr = -1;
}

void sigframe_syscall_restart_as(struct user_regs *r, long nr)
{
    r->nr = nr;
    sigframe_syscall_restart(r);
}

/* ---- the hooks on the way back to ring 3 ---- */

static bool restart_code(long rc)
{
    return rc <= -ERESTARTSYS && rc >= -ERESTART_RESTARTBLOCK;
}

void sigframe_syscall_exit(struct syscall_frame *s, long nr)
{
    if (!restart_code((long)s->rax) && !signal_pending_now())
        return;
    struct user_regs r = {
        .f = {.r15 = s->r15, .r14 = s->r14, .r13 = s->r13, .r12 = s->r12,
              .r11 = s->rflags, .r10 = s->r10, .r9 = s->r9, .r8 = s->r8,
              .rbp = s->rbp, .rdi = s->rdi, .rsi = s->rsi, .rdx = s->rdx,
              .rcx = s->rip, .rbx = s->rbx, .rax = s->rax, .rip = s->rip,
              .cs = USER_CS, .rflags = s->rflags, .rsp = s->rsp,
              .ss = USER_SS},
        .nr = nr};
    signal_deliver(&r);
    /* sysret sets rcx and r11 from rip and rflags, as the syscall did;
     * sigframe_setup only accepts a user rip, so sysret stays safe */
    const struct trap_frame *f = &r.f;
    s->r15 = f->r15, s->r14 = f->r14, s->r13 = f->r13, s->r12 = f->r12;
    s->rbp = f->rbp, s->rbx = f->rbx, s->r9 = f->r9, s->r8 = f->r8;
    s->r10 = f->r10, s->rdx = f->rdx, s->rsi = f->rsi, s->rdi = f->rdi;
    s->rax = f->rax, s->rip = f->rip, s->rflags = f->rflags, s->rsp = f->rsp;
}

void sigframe_trap_exit(struct trap_frame *f)
{
    if (!signal_pending_now())
        return;
    struct user_regs r = {.f = *f, .nr = -1};
    signal_deliver(&r);
    *f = r.f;
}

/* ---- rt_sigreturn ---- */

/* The MXCSR bits this CPU accepts (fxrstor faults on any other). */
static uint32_t mxcsr_mask(void)
{
    struct user_fpu fx;
    user_fpu_save(&fx);
    uint32_t m;
    memcpy(&m, fx.area + 28, 4);
    return m ? m : 0xffbf;
}

void sigframe_sigreturn(uintptr_t kstack_top)
{
    const struct syscall_frame *s = (const struct syscall_frame *)kstack_top - 1;
    uintptr_t frame = s->rsp - 8; /* the handler's ret popped pretcode */
    struct rt_sigframe k;
    if (!user_ok(frame, sizeof(k)) ||
        usercopy_bytes(&k, (const void *)frame, sizeof(k)) < 0)
        signal_force_segv("rt_sigreturn: frame not readable");
    const struct k_sigcontext *sc = &k.uc.uc_mcontext;
    if ((sc->cs | 3) != USER_CS || (sc->ss && (sc->ss | 3) != USER_SS))
        signal_force_segv("rt_sigreturn: not a user cs/ss");
    if (!user_ok(sc->rip, 1) || !canonical(sc->rsp))
        signal_force_segv("rt_sigreturn: rip outside the user window");
    struct user_fpu fx;
    if (sc->fpstate) {
        if (!user_ok(sc->fpstate, FX_SIZE) ||
            usercopy_bytes(&fx, (const void *)sc->fpstate, FX_SIZE) < 0)
            signal_force_segv("rt_sigreturn: fpstate not readable");
        uint32_t mxcsr;
        memcpy(&mxcsr, fx.area + 24, 4);
        mxcsr &= mxcsr_mask();
        memcpy(fx.area + 24, &mxcsr, 4);
        __asm__ volatile("fxrstor64 %0" : : "m"(fx));
    } else {
        fpu_reset();
    }
    struct user_regs r = {
        .f = {.r15 = sc->r15, .r14 = sc->r14, .r13 = sc->r13, .r12 = sc->r12,
              .r11 = sc->r11, .r10 = sc->r10, .r9 = sc->r9, .r8 = sc->r8,
              .rbp = sc->rbp, .rdi = sc->rdi, .rsi = sc->rsi, .rdx = sc->rdx,
              .rcx = sc->rcx, .rbx = sc->rbx, .rax = sc->rax, .rip = sc->rip,
              .cs = USER_CS,
              .rflags = FL_FIXED | FL_IF | (sc->eflags & FL_USER),
              .rsp = sc->rsp, .ss = USER_SS},
        .nr = -1};
    signal_sigreturn_mask(k.uc.uc_sigmask);
    signal_deliver(&r); /* what the restored mask unblocks */
    user_iret(&r.f);
}
