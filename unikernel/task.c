/*
 * task.c - tasks: creation, running one in ring 3 until it ends, its end
 * (exit, fault, crash) and the segfault report.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "abi/kernel_exit.h"
#include "arch/cpu.h"
#include "arch/upcall.h"
#include "klog.h"
#include "mm/kalloc.h"
#include "mm/kmap.h"
#include "unikernel/console.h"
#include "unikernel/fd.h"
#include "unikernel/task.h"
#include "unikernel/thread.h"
#include "unikernel/tmpfs.h"

#define APP_STATUS_MAX 100 /* statuses above are reported as 100 */

static task_t *current; /* the task on this CPU (one CPU for now) */
static int next_id = 1;

task_t *task_current(void)
{
    return current;
}

void task_set_comm(task_t *t, const char *name)
{
    size_t n = strlen(name);
    if (n > sizeof(t->comm) - 1)
        n = sizeof(t->comm) - 1;
    memset(t->comm, 0, sizeof(t->comm));
    memcpy(t->comm, name, n);
}

task_t *task_create(const char *name, mspace_t *ms)
{
    task_t *t = kalloc(sizeof(*t));
    if (!t) {
        if (ms)
            mspace_close(ms);
        return NULL;
    }
    memset(t, 0, sizeof(*t));
    t->name = name;
    task_set_comm(t, name);
    t->exit_code = -1;
    t->umask = 022;
    t->mspace = ms ? ms : mspace_create();
    t->kstack_top = (uintptr_t)kmap_stack(TASK_KSTACK_SIZE);
    if (!t->mspace || !t->kstack_top || signal_init(&t->signal) < 0 ||
        thread_group_new(t) < 0 || fd_table_new(t) < 0 ||
        console_open_fds(t) < 0) {
        task_destroy(t);
        return NULL;
    }
    user_fpu_init(&t->fpu);
    rlimit_defaults(&t->rlimits);
    rlimit_apply(t);
    t->id = next_id++;
    return t;
}

task_t *task_create_thread(task_t *p)
{
    task_t *t = kalloc(sizeof(*t));
    if (!t)
        return NULL;
    memset(t, 0, sizeof(*t));
    t->kstack_top = (uintptr_t)kmap_stack(TASK_KSTACK_SIZE);
    if (!t->kstack_top || signal_inherit(&t->signal, &p->signal, true) < 0) {
        task_destroy(t);
        return NULL;
    }
    t->name = p->name;
    memcpy(t->comm, p->comm, sizeof(t->comm));
    t->exit_code = -1;
    t->exe = p->exe;
    t->umask = p->umask;
    t->cwd = p->cwd; /* each thread's own (Linux's CLONE_FS shares it) */
    tmpfs_get(t->cwd);
    t->image = p->image;
    if (t->image)
        inode_open(t->image);
    t->brk_start = p->brk_start;
    t->brk = p->brk;
    t->arg_start = p->arg_start;
    t->arg_end = p->arg_end;
    t->env_start = p->env_start;
    t->env_end = p->env_end;
    t->rlimits = p->rlimits;
    t->mspace = p->mspace;
    mspace_open(t->mspace);
    fd_table_share(t, p);
    t->group = p->group;
    t->group->refs++;
    t->group->live++;
    t->id = next_id++;
    return t;
}

void task_destroy(task_t *t)
{
    assert(t != current);
    fd_table_put(t);
    signal_put(&t->signal);
    if (t->group)
        thread_group_put(t);
    tmpfs_put(t->cwd);
    if (t->image)
        inode_close(t->image);
    if (t->mspace)
        mspace_close(t->mspace);
    if (t->kstack_top)
        kunmap_stack((void *)t->kstack_top, TASK_KSTACK_SIZE);
    kfree(t);
}

/* The kernel exit status of a task that ended with `code` (-1: killed). */
static int exit_status(int code)
{
    if (code < 0)
        return KEXIT_APP_FAULT;
    return code > APP_STATUS_MAX ? APP_STATUS_MAX : code;
}

void task_switch(task_t *t)
{
    current = t;
    mmu_switch(t ? t->mspace->directory : mmu_kernel_dir());
}

int task_run(task_t *t, uintptr_t rip, uintptr_t rsp)
{
    proc_run_first(t, rip, rsp);
    return exit_status(t->exit_code);
}

/* Leaves the current task for good with exit code `code` (-signal:
 * killed). */
static void task_end(int code)
{
    task_t *t = current;
    assert(t);
    t->exit_code = code;
    proc_exit(code);
}

/* The signal Linux sends for CPU exception `vector` (the x86_64 numbers,
 * as arch/upcall.h reports them). */
void task_exit(int code)
{
    task_end(code & 0xff);
    __builtin_unreachable();
}

/* "r-xp /bin/hello" style rights and name of the VMA at `addr`, or false
 * when none (the lookup takes the mspace lock). */
static bool vma_describe(mspace_t *ms, uintptr_t addr, char *buf, size_t size)
{
    splock_lock(&ms->lock);
    vma_t *v = mspace_search_vma(ms, addr);
    if (v) {
        int f = v->flags;
        const char *name = f & VMA_STACK            ? "[stack]"
                           : f & VMA_HEAP           ? "[heap]"
                           : v->ino && v->ino->name ? v->ino->name
                                                    : "[anon]";
        snprintf(buf, size, "%08lx-%08lx %c%c%c%c %s", vma_base(v), vma_end(v),
                 f & VMA_READ ? 'r' : '-', f & VMA_WRITE ? 'w' : '-',
                 f & VMA_EXEC ? 'x' : '-', f & VMA_SHARED ? 's' : 'p', name);
    }
    splock_unlock(&ms->lock);
    return v != NULL;
}

static const char *access_name(int reason)
{
    return reason & FAULT_EXEC    ? "exec"
           : reason & FAULT_WRITE ? "write"
                                  : "read";
}

bool task_fault(uintptr_t addr, int reason, uintptr_t rip, bool user)
{
    task_t *t = current;
    if (!t)
        return false;
    mm_fault_t why = mspace_resolve(t->mspace, addr, reason);
    if (why == MM_FAULT_OK)
        return true;
    if (!user)
        return false;
    struct task_siginfo info = {
        .code = why == MM_FAULT_NO_VMA ? 1 : 2, /* SEGV_MAPERR, SEGV_ACCERR */
        .trapno = 14, .addr = addr,
        .err = 4 | (reason & FAULT_WRITE ? 2 : 0) | (reason & FAULT_EXEC ? 16 : 0)};
    if (signal_fault(SIGSEGV, &info))
        return true; /* the task's handler takes it */
    char vma[128];
    if (vma_describe(t->mspace, addr, vma, sizeof(vma)))
        kprintf(
            "segfault: task %d addr=0x%lx rip=0x%lx reason=%s (%s) vma=[%s]\n",
            t->id, addr, rip, mm_fault_name(why), access_name(reason), vma);
    else
        kprintf(
            "segfault: task %d addr=0x%lx rip=0x%lx reason=%s (%s) no vma\n",
            t->id, addr, rip, mm_fault_name(why), access_name(reason));
    task_end(-SIGSEGV);
    __builtin_unreachable();
}

void task_crash(const struct trap_report *trap)
{
    task_t *t = current;
    assert(t);
    /* Linux's si_code and si_addr: FPE_INTDIV / ILL_ILLOPN at the
     * instruction, SI_KERNEL otherwise (#GP, int3) */
    int sig = trap->signal;
    struct task_siginfo info = {
        .code = sig == SIGFPE ? 1 : sig == SIGILL ? 2 : SI_KERNEL,
        .trapno = (int)trap->vector, .err = trap->error,
        .addr = sig == SIGFPE || sig == SIGILL ? trap->ip : 0};
    if (signal_fault(sig, &info))
        return; /* the task's handler takes it */
    const char *mnemonic, *what;
    cpu_exception_name(trap->vector, &mnemonic, &what);
    kprintf("task %d (%s) killed: exception %s %s at rip=0x%lx\n", t->id,
            t->name, mnemonic, what, trap->ip);
    task_end(-sig);
    __builtin_unreachable();
}

void task_kill(int sig)
{
    task_t *t = current;
    assert(t);
    if (sig == SCHED_KILL_QUIET)
        proc_thread_exit(0); /* another thread ends the process */
    kprintf("task %d (%s) killed by signal %d%s\n", t->id, t->name, sig,
            sig == SIGABRT ? " (SIGABRT)" : "");
    task_end(-sig);
    __builtin_unreachable();
}
