/*
 * syscall.c - the one system call table and its dispatcher.  An
 * unimplemented number returns -ENOSYS and is logged once, with its Linux
 * name.
 */
#include <errno.h>
#include <stddef.h>

#include "abi/mspace.h"
#include "arch/x86_64/user.h"
#include "klog.h"
#include "unikernel/syscall.h"

#define SYS_MSPACE_BASE MSPACE_SYS_FIRST
#define LOGGED_MAX 512       /* numbers below this are logged once each */

static const syscall_fn linux_table[] = {
    [0] = sys_read,
    [1] = sys_write,
    [2] = sys_open,
    [3] = sys_close,
    [4] = sys_stat,
    [5] = sys_fstat,
    [6] = sys_lstat,
    [8] = sys_lseek,
    [9] = sys_mmap,
    [10] = sys_mprotect,
    [11] = sys_munmap,
    [12] = sys_brk,
    [13] = sys_rt_sigaction,
    [14] = sys_rt_sigprocmask,
    [16] = sys_ioctl,
    [17] = sys_pread64,
    [19] = sys_readv,
    [20] = sys_writev,
    [21] = sys_access,
    [22] = sys_pipe,
    [24] = sys_sched_yield,
    [25] = sys_mremap,
    [28] = sys_madvise,
    [32] = sys_dup,
    [33] = sys_dup2,
    [35] = sys_nanosleep,
    [39] = sys_getpid,
    [56] = sys_clone,
    [57] = sys_fork,
    [58] = sys_vfork,
    [59] = sys_execve,
    [60] = sys_exit,
    [61] = sys_wait4,
    [62] = sys_kill,
    [63] = sys_uname,
    [72] = sys_fcntl,
    [77] = sys_ftruncate,
    [79] = sys_getcwd,
    [89] = sys_readlink,
    [95] = sys_umask,
    [96] = sys_gettimeofday,
    [97] = sys_getrlimit,
    [99] = sys_sysinfo,
    [102] = sys_getuid,
    [104] = sys_getuid,
    [107] = sys_getuid,
    [108] = sys_getuid,
    [110] = sys_getppid,
    [131] = sys_sigaltstack,
    [158] = sys_arch_prctl,
    [160] = sys_setrlimit,
    [186] = sys_gettid,
    [200] = sys_tkill,
    [201] = sys_time,
    [218] = sys_set_tid_address,
    [228] = sys_clock_gettime,
    [229] = sys_clock_getres,
    [230] = sys_clock_nanosleep,
    [231] = sys_exit_group,
    [234] = sys_tgkill,
    [257] = sys_openat,
    [262] = sys_newfstatat,
    [267] = sys_readlinkat,
    [292] = sys_dup3,
    [293] = sys_pipe2,
    [302] = sys_prlimit64,
    [318] = sys_getrandom,
    [319] = sys_memfd_create,
};

/* Indexed by number - MSPACE_SYS_FIRST (abi/mspace.h). */
static const syscall_fn mspace_table[MSPACE_SYS_COUNT] = {
    [MSPACE_SYS_MAP - MSPACE_SYS_FIRST] = sys_mspace_map,
    [MSPACE_SYS_UNMAP - MSPACE_SYS_FIRST] = sys_mspace_unmap,
    [MSPACE_SYS_PROTECT - MSPACE_SYS_FIRST] = sys_mspace_protect,
    [MSPACE_SYS_RELEASE - MSPACE_SYS_FIRST] = sys_mspace_release,
};

static uint64_t logged[LOGGED_MAX / 64];
static int logged_far; /* one line for all numbers >= LOGGED_MAX */

static syscall_fn lookup(long nr)
{
    size_t n = sizeof(linux_table) / sizeof(linux_table[0]);
    size_t m = sizeof(mspace_table) / sizeof(mspace_table[0]);
    if (nr >= 0 && (size_t)nr < n)
        return linux_table[nr];
    if (nr >= SYS_MSPACE_BASE && (size_t)(nr - SYS_MSPACE_BASE) < m)
        return mspace_table[nr - SYS_MSPACE_BASE];
    return NULL;
}

/* Logs the first call of an unimplemented number. */
static void log_unknown(long nr)
{
    if (nr >= 0 && nr < LOGGED_MAX) {
        uint64_t bit = 1ull << (nr % 64);
        if (logged[nr / 64] & bit)
            return;
        logged[nr / 64] |= bit;
    } else if (logged_far++) {
        return;
    }
    klog(KLOG_WARN, "syscall: %ld (%s) not implemented: ENOSYS\n", nr,
         syscall_name(nr));
}

void syscall_dispatch(struct syscall_frame *f)
{
    long nr = (long)f->rax;
    const long args[6] = {(long)f->rdi, (long)f->rsi, (long)f->rdx,
                          (long)f->r10, (long)f->r8,  (long)f->r9};
    syscall_fn fn = lookup(nr);
    if (!fn) {
        log_unknown(nr);
        f->rax = (uint64_t)-ENOSYS;
        return;
    }
    f->rax = (uint64_t)fn(args);
}
