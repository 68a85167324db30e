/*
 * syscall.c - the one system call table and its dispatcher.  An
 * unimplemented number returns -ENOSYS and is logged once, with its Linux
 * name.  The table is indexed by the numbers of abi/syscalls.h (Linux's)
 * and abi/mspace.h (the kernel's own calls).
 */
#include <errno.h>
#include <stddef.h>

#include "abi/mspace.h"
#include "abi/syscalls.h"
#include "arch/x86_64/sigframe.h"
#include "arch/x86_64/user.h"
#include "klog.h"
#include "unikernel/fd.h"
#include "unikernel/syscall.h"
#include "unikernel/task.h"

#define SYS_MSPACE_BASE MSPACE_SYS_FIRST
#define LOGGED_MAX 512       /* numbers below this are logged once each */

static const syscall_fn linux_table[] = {
    [NR_read] = sys_read,
    [NR_write] = sys_write,
    [NR_open] = sys_open,
    [NR_close] = sys_close,
    [NR_stat] = sys_stat,
    [NR_fstat] = sys_fstat,
    [NR_lstat] = sys_lstat,
    [NR_poll] = sys_poll,
    [NR_lseek] = sys_lseek,
    [NR_mmap] = sys_mmap,
    [NR_mprotect] = sys_mprotect,
    [NR_munmap] = sys_munmap,
    [NR_brk] = sys_brk,
    [NR_rt_sigaction] = sys_rt_sigaction,
    [NR_rt_sigprocmask] = sys_rt_sigprocmask,
    [NR_rt_sigreturn] = sys_rt_sigreturn,
    [NR_ioctl] = sys_ioctl,
    [NR_pread64] = sys_pread64,
    [NR_readv] = sys_readv,
    [NR_writev] = sys_writev,
    [NR_access] = sys_access,
    [NR_pipe] = sys_pipe,
    [NR_select] = sys_select,
    [NR_sched_yield] = sys_sched_yield,
    [NR_mremap] = sys_mremap,
    [NR_madvise] = sys_madvise,
    [NR_dup] = sys_dup,
    [NR_dup2] = sys_dup2,
    [NR_pause] = sys_pause,
    [NR_nanosleep] = sys_nanosleep,
    [NR_getpid] = sys_getpid,
    [NR_socket] = sys_socket,
    [NR_connect] = sys_connect,
    [NR_accept] = sys_accept,
    [NR_sendto] = sys_sendto,
    [NR_recvfrom] = sys_recvfrom,
    [NR_sendmsg] = sys_sendmsg,
    [NR_recvmsg] = sys_recvmsg,
    [NR_shutdown] = sys_shutdown,
    [NR_bind] = sys_bind,
    [NR_listen] = sys_listen,
    [NR_getsockname] = sys_getsockname,
    [NR_getpeername] = sys_getpeername,
    [NR_socketpair] = sys_socketpair,
    [NR_setsockopt] = sys_setsockopt,
    [NR_getsockopt] = sys_getsockopt,
    [NR_clone] = sys_clone,
    [NR_fork] = sys_fork,
    [NR_vfork] = sys_vfork,
    [NR_execve] = sys_execve,
    [NR_exit] = sys_exit,
    [NR_wait4] = sys_wait4,
    [NR_kill] = sys_kill,
    [NR_uname] = sys_uname,
    [NR_fcntl] = sys_fcntl,
    [NR_ftruncate] = sys_ftruncate,
    [NR_creat] = sys_creat,
    [NR_pwrite64] = sys_pwrite64,
    [NR_epoll_create] = sys_epoll_create,
    [NR_epoll_wait] = sys_epoll_wait,
    [NR_epoll_ctl] = sys_epoll_ctl,
    [NR_pselect6] = sys_pselect6,
    [NR_ppoll] = sys_ppoll,
    [NR_epoll_pwait] = sys_epoll_pwait,
    [NR_epoll_create1] = sys_epoll_create1,
    [NR_statx] = sys_statx,
    [NR_faccessat] = sys_faccessat,
    [NR_faccessat2] = sys_faccessat2,
    [NR_truncate] = sys_truncate,
    [NR_fsync] = sys_fsync,
    [NR_mkdir] = sys_mkdir,
    [NR_mkdirat] = sys_mkdirat,
    [NR_rmdir] = sys_rmdir,
    [NR_unlink] = sys_unlink,
    [NR_unlinkat] = sys_unlinkat,
    [NR_rename] = sys_rename,
    [NR_renameat] = sys_renameat,
    [NR_renameat2] = sys_renameat2,
    [NR_link] = sys_link,
    [NR_linkat] = sys_linkat,
    [NR_getdents64] = sys_getdents64,
    [NR_flock] = sys_flock,
    [NR_chdir] = sys_chdir,
    [NR_fchdir] = sys_fchdir,
    [NR_fdatasync] = sys_fsync,
    [NR_getcwd] = sys_getcwd,
    [NR_readlink] = sys_readlink,
    [NR_fchmod] = sys_fchmod,
    [NR_fchown] = sys_fchown,
    [NR_umask] = sys_umask,
    [NR_gettimeofday] = sys_gettimeofday,
    [NR_getrlimit] = sys_getrlimit,
    [NR_sysinfo] = sys_sysinfo,
    [NR_getuid] = sys_getuid,
    [NR_getgid] = sys_getuid, /* every credential is root's: 0 */
    [NR_geteuid] = sys_getuid,
    [NR_getegid] = sys_getuid,
    [NR_getppid] = sys_getppid,
    [NR_getpgid] = sys_getpgid,
    [NR_getpgrp] = sys_getpgrp,
    [NR_getsid] = sys_getsid,
    [NR_setpgid] = sys_setpgid,
    [NR_setsid] = sys_setsid,
    [NR_rt_sigpending] = sys_rt_sigpending,
    [NR_rt_sigsuspend] = sys_rt_sigsuspend,
    [NR_sigaltstack] = sys_sigaltstack,
    [NR_arch_prctl] = sys_arch_prctl,
    [NR_setrlimit] = sys_setrlimit,
    [NR_gettid] = sys_gettid,
    [NR_tkill] = sys_tkill,
    [NR_time] = sys_time,
    [NR_set_tid_address] = sys_set_tid_address,
    [NR_clock_gettime] = sys_clock_gettime,
    [NR_clock_getres] = sys_clock_getres,
    [NR_clock_nanosleep] = sys_clock_nanosleep,
    [NR_exit_group] = sys_exit_group,
    [NR_tgkill] = sys_tgkill,
    [NR_openat] = sys_openat,
    [NR_newfstatat] = sys_newfstatat,
    [NR_readlinkat] = sys_readlinkat,
    [NR_accept4] = sys_accept4,
    [NR_dup3] = sys_dup3,
    [NR_pipe2] = sys_pipe2,
    [NR_prlimit64] = sys_prlimit64,
    [NR_getrandom] = sys_getrandom,
    [NR_memfd_create] = sys_memfd_create,
    [NR_futex] = sys_futex,
    [NR_set_robust_list] = sys_set_robust_list,
    [NR_get_robust_list] = sys_get_robust_list,
    [NR_sched_getaffinity] = sys_sched_getaffinity,
    [NR_sched_setaffinity] = sys_sched_setaffinity,
    [NR_prctl] = sys_prctl,
    [NR_eventfd] = sys_eventfd,
    [NR_eventfd2] = sys_eventfd2,
    [NR_alarm] = sys_alarm,
    [NR_getitimer] = sys_getitimer,
    [NR_setitimer] = sys_setitimer,
    [NR_timer_create] = sys_timer_create,
    [NR_timer_settime] = sys_timer_settime,
    [NR_timer_gettime] = sys_timer_gettime,
    [NR_timer_getoverrun] = sys_timer_getoverrun,
    [NR_timer_delete] = sys_timer_delete,
    [NR_rt_sigtimedwait] = sys_rt_sigtimedwait,
    [NR_rt_sigqueueinfo] = sys_rt_sigqueueinfo,
    [NR_rt_tgsigqueueinfo] = sys_rt_tgsigqueueinfo,
    [NR_waitid] = sys_waitid,
    [NR_timerfd_create] = sys_timerfd_create,
    [NR_timerfd_settime] = sys_timerfd_settime,
    [NR_timerfd_gettime] = sys_timerfd_gettime,
    [NR_shmget] = sys_shmget,
    [NR_shmat] = sys_shmat,
    [NR_shmdt] = sys_shmdt,
    [NR_shmctl] = sys_shmctl,
    [NR_semget] = sys_semget,
    [NR_semop] = sys_semop,
    [NR_semtimedop] = sys_semtimedop,
    [NR_semctl] = sys_semctl,
    [NR_msgget] = sys_msgget,
    [NR_msgsnd] = sys_msgsnd,
    [NR_msgrcv] = sys_msgrcv,
    [NR_msgctl] = sys_msgctl,
    [NR_chmod] = sys_chmod,
    [NR_fchmodat] = sys_fchmodat,
    [NR_chown] = sys_chown,
    [NR_lchown] = sys_lchown,
    [NR_fchownat] = sys_fchownat,
    [NR_utimensat] = sys_utimensat,
    [NR_utimes] = sys_utimes,
    [NR_futimesat] = sys_futimesat,
    [NR_utime] = sys_utime,
    [NR_statfs] = sys_statfs,
    [NR_fstatfs] = sys_fstatfs,
    [NR_sync] = sys_sync,
    [NR_syncfs] = sys_syncfs,
    [NR_fallocate] = sys_fallocate,
    [NR_symlink] = sys_symlink,
    [NR_symlinkat] = sys_symlinkat,
    [NR_sync_file_range] = sys_sync_file_range,
    [NR_setuid] = sys_setuid,
    [NR_setgid] = sys_setuid, /* the same rule: root's own id only */
    [NR_setgroups] = sys_setgroups,
    [NR_sendfile] = sys_sendfile,
    [NR_restart_syscall] = sys_restart_syscall,
    [NR_preadv] = sys_preadv,
    [NR_pwritev] = sys_pwritev,
    [NR_preadv2] = sys_preadv2,
    [NR_pwritev2] = sys_pwritev2,
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
    } else {
        f->rax = (uint64_t)fn(args);
        fd_release_held(task_current());
    }
    sigframe_syscall_exit(f, nr); /* signals, then back to ring 3 */
}
