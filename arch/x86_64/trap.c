/*
 * trap.c - the exception report: what happened, where, the registers and a
 * symbolized backtrace, then panic.  A fault while reporting stops at once.
 */
#include <assert.h>
#include <stdbool.h>

#include "arch/cpu.h"
#include "arch/x86_64/arch.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/user.h"
#include "arch/x86_64/x86.h"
#include "klog.h"
#include "ksyms.h"
#include "mm/kmap.h"
#include "mm/memory.h"
#include "abi/kernel_exit.h"
#include "arch/upcall.h"

#define BACKTRACE_MAX 32

/* The one table of exception names: the kernel's report here, a task's in
 * task_crash through cpu_exception_name. */
static const char *const trap_names[TRAP_VECTORS][2] = {
    { "#DE", "divide error" },         { "#DB", "debug" },
    { "NMI", "non-maskable interrupt" }, { "#BP", "breakpoint" },
    { "#OF", "overflow" },             { "#BR", "bound range exceeded" },
    { "#UD", "invalid opcode" },       { "#NM", "device not available" },
    { "#DF", "double fault" },         { "#CSO", "coprocessor segment overrun" },
    { "#TS", "invalid TSS" },          { "#NP", "segment not present" },
    { "#SS", "stack-segment fault" },  { "#GP", "general protection fault" },
    { "#PF", "page fault" },           { "#15", "reserved" },
    { "#MF", "x87 floating-point error" }, { "#AC", "alignment check" },
    { "#MC", "machine check" },        { "#XM", "SIMD floating-point error" },
    { "#VE", "virtualization exception" }, { "#CP", "control protection" },
    { "#22", "reserved" }, { "#23", "reserved" }, { "#24", "reserved" },
    { "#25", "reserved" }, { "#26", "reserved" }, { "#27", "reserved" },
    { "#HV", "hypervisor injection" }, { "#VC", "VMM communication" },
    { "#SX", "security exception" },   { "#31", "reserved" },
};

static bool reporting;

void cpu_exception_name(unsigned vector, const char **mnemonic,
                        const char **what)
{
    const char *const *name = trap_names[vector % TRAP_VECTORS];
    *mnemonic = name[0];
    *what = name[1];
}

int trap_pf_access(uint64_t error)
{
    if (error & PF_FETCH)
        return FAULT_EXEC;
    return (error & PF_WRITE) ? FAULT_WRITE : FAULT_READ;
}

/* Says in words why a page fault happened, from its error code. */
static const char *page_fault_reason(uint64_t error, uintptr_t addr)
{
    if (error & PF_RSVD)
        return "reserved bit set in a page-table entry";
    if ((error & (PF_PRESENT | PF_USER)) == PF_PRESENT &&
        addr < DIRECT_MAP_BASE) /* a user page: SMEP or SMAP at work */
        return (error & PF_FETCH)
                   ? "kernel instruction fetch from a user page (SMEP)"
                   : "kernel access to a user page outside usercopy (SMAP)";
    if (!(error & PF_PRESENT))
        return (error & PF_FETCH) ? "instruction fetch from an unmapped page"
               : (error & PF_WRITE) ? "write to an unmapped page"
                                    : "read from an unmapped page";
    if (error & PF_FETCH)
        return "instruction fetch from a no-execute page";
    if (error & PF_WRITE)
        return "write to a read-only page";
    return "read from a page without read access";
}

static void print_symbolized(const char *label, uintptr_t addr)
{
    uintptr_t offset;
    const char *name = ksym_lookup(addr, &offset);
    if (name)
        kprintf("%s 0x%016lx <%s+0x%lx>\n", label, addr, name, offset);
    else
        kprintf("%s 0x%016lx <?>\n", label, addr);
}

static void print_registers(const struct trap_frame *f)
{
    kprintf("CR2 0x%016lx  CR3 0x%016lx  CR0 0x%016lx  CR4 0x%016lx\n",
            read_cr2(), read_cr3(), read_cr0(), read_cr4());
    kprintf("RSP 0x%016lx  RFLAGS 0x%016lx  CS 0x%lx  SS 0x%lx\n", f->rsp,
            f->rflags, f->cs, f->ss);
    kprintf("RAX 0x%016lx  RBX 0x%016lx  RCX 0x%016lx  RDX 0x%016lx\n",
            f->rax, f->rbx, f->rcx, f->rdx);
    kprintf("RSI 0x%016lx  RDI 0x%016lx  RBP 0x%016lx  R8  0x%016lx\n",
            f->rsi, f->rdi, f->rbp, f->r8);
    kprintf("R9  0x%016lx  R10 0x%016lx  R11 0x%016lx  R12 0x%016lx\n",
            f->r9, f->r10, f->r11, f->r12);
    kprintf("R13 0x%016lx  R14 0x%016lx  R15 0x%016lx\n", f->r13, f->r14,
            f->r15);
}

/* True when kspace's lock is held at a kernel fault.  Only the boot CPU
 * runs, so the faulting code itself holds it: resolving the fault would
 * wait for that lock forever. */
static bool kspace_lock_recursion(void)
{
    mspace_t *ks = kmap_space();
    return ks && splock_held(&ks->lock);
}

/* A kernel fault in kspace: mm resolves it or says why not.  Returns
 * MM_FAULT_OK when the access may be retried. */
static mm_fault_t kspace_fault(const struct trap_frame *f)
{
    uintptr_t addr = read_cr2();
    if ((f->error & PF_USER) || addr < KMAP_BASE || addr >= KMAP_END ||
        !kmap_space())
        return MM_FAULT_NO_VMA;
    if (kspace_lock_recursion()) {
        kprintf("kspace: fault at 0x%lx while this CPU holds the kspace "
                "lock: not resolved (it would deadlock)\n", addr);
        return MM_FAULT_NO_VMA;
    }
    return mspace_resolve(kmap_space(), addr, trap_pf_access(f->error));
}

void trap_dispatch(struct trap_frame *f)
{
    if (user_trap(f)) /* ring 3 exceptions, faults inside usercopy */
        return;
    mm_fault_t fault = MM_FAULT_NO_VMA;
    if (f->vector == TRAP_PAGE_FAULT && !reporting) {
        fault = kspace_fault(f);
        if (fault == MM_FAULT_OK)
            return;
    }
    if (reporting) {
        klog_panic_mode();
        kprintf("exception %lu while reporting an exception at 0x%lx\n",
                f->vector, f->rip);
        kernel_exit(KEXIT_PANIC);
    }
    reporting = true;
    klog_panic_mode();
    const char *const *name = trap_names[f->vector % TRAP_VECTORS];
    kprintf("\n*** exception %s %s (vector %lu), error code 0x%lx\n", name[0],
            name[1], f->vector, f->error);
    if (f->vector == TRAP_PAGE_FAULT)
        kprintf("reason: %s at 0x%lx (%s mode; mm: %s)\n",
                page_fault_reason(f->error, read_cr2()), read_cr2(),
                (f->error & PF_USER) ? "user" : "kernel", mm_fault_name(fault));
    print_symbolized("RIP", f->rip);
    print_registers(f);
    kprintf("backtrace:\n");
    backtrace_print(f->rip, f->rbp);
    uintptr_t offset;
    const char *sym = ksym_lookup(f->rip, &offset);
    if (sym)
        panic("unhandled exception %s (%s) at %s+0x%lx", name[0], name[1],
              sym, offset);
    panic("unhandled exception %s (%s) at 0x%lx", name[0], name[1], f->rip);
}

/* A frame pointer we may follow: aligned and inside the kernel half. */
static bool frame_pointer_ok(uintptr_t rbp)
{
    return rbp % 8 == 0 && rbp >= DIRECT_MAP_BASE && rbp < (uintptr_t)-16;
}

void backtrace_print(uintptr_t rip, uintptr_t rbp)
{
    for (int depth = 0; depth < BACKTRACE_MAX; depth++) {
        uintptr_t offset;
        const char *name = ksym_lookup(rip, &offset);
        kprintf("  #%-2d 0x%016lx %s+0x%lx\n", depth, rip, name ? name : "?",
                name ? offset : 0);
        if (!frame_pointer_ok(rbp))
            return;
        const uintptr_t *frame = (const uintptr_t *)rbp;
        uintptr_t next = frame[0];
        rip = frame[1];
        if (rip == 0 || next <= rbp)
            return; /* the end of the chain (boot.S clears rbp) */
        rbp = next;
    }
}
