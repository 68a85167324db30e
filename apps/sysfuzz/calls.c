/*
 * apps/sysfuzz/calls.c - the call table: every system call the unikernel
 * implements (unikernel/syscall.c), those of the tasks issue (answered
 * -ENOSYS until they land) and numbers nobody implements, each with a
 * generator of random and boundary arguments that obeys the safety rule
 * of sysfuzz.h (and of its family's file: calls_fs.c, calls_ipc.c,
 * calls_net.c, calls_proc.c).  Calls that would end the fuzzer are left
 * out (exit, exit_group, rt_sigreturn, fork, vfork, clone: the driver
 * forks itself; pause and rt_sigsuspend wait for a signal that never
 * comes) or restricted: execve only of paths that cannot be run, kill and its
 * kin to ourselves only with signal 0 or an invalid one, nothing written
 * to the console, sleeps of at most a microsecond, no new signal handler.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "calls.h"
#include "sysfuzz.h"

struct call {
    long nr;
    const char *name;
    gen_fn *gen;
};


/* A buffer for descriptor `fd`: nothing readable when fd is the console
 * (no noise on it, no read that could wait for input). */
long buf_for(long fd)
{
    return fd >= 0 && fd <= 2 ? (long)unreadable_ptr() : ptr();
}

static void g_rw(long *a) { a[0] = (long)any_fd(); a[1] = buf_for(a[0]); a[2] = len(); }
static void g_prw(long *a) { g_rw(a); a[3] = num(); }
static void g_path(long *a) { a[0] = (long)path_ptr(); a[1] = num(); a[2] = num(); }
static void g_fd(long *a) { a[0] = (long)file_fd(); }
static void g_path_buf(long *a) { a[0] = (long)path_ptr(); a[1] = ptr(); a[2] = len(); }
static void g_fd_buf(long *a) { a[0] = (long)any_fd(); a[1] = ptr(); a[2] = num(); }
static void g_lseek(long *a) { a[0] = (long)any_fd(); a[1] = num(); a[2] = rng_below(6); }
static void g_buf(long *a) { a[0] = ptr(); a[1] = ptr(); }
static void g_buf_len(long *a) { a[0] = ptr(); a[1] = len(); }
static void g_none(long *a) { (void)a; }
static void g_int(long *a) { a[0] = num(); }
static void g_int_buf(long *a) { a[0] = num(); a[1] = ptr(); }

static void g_mmap(long *a)
{
    static const long flags[] = {0x02 | 0x20, 0x01 | 0x20, 0x02, 0x01, 0x03,
                                 0x02 | 0x20 | 0x8000, 0x01 | 0x20 | 0x8000};
    long f = rng_below(4) ? flags[rng_below(7)] : num();
    if (rng_below(3) == 0)
        f |= rng_below(2) ? 0x10 : 0x100000; /* FIXED, FIXED_NOREPLACE */
    uint64_t addr, size;
    mm_range(&addr, &size);
    a[0] = (f & 0x100010) || rng_below(2) ? (long)addr : ptr();
    a[1] = (f & 0x100010) || rng_below(2) ? (long)size : len();
    a[2] = rng_below(4) ? (long)rng_below(8) : num();
    a[3] = f;
    a[4] = (long)any_fd();
    a[5] = rng_below(2) ? 0 : num();
}

static void g_mm(long *a)
{
    uint64_t addr, size;
    mm_range(&addr, &size);
    a[0] = (long)addr;
    a[1] = (long)size;
    a[2] = rng_below(4) ? (long)rng_below(8) : num();
}

static void g_mremap(long *a)
{
    uint64_t addr, size, to, to_size;
    mm_range(&addr, &size);
    mm_range(&to, &to_size);
    a[0] = (long)addr;
    a[1] = (long)size;
    a[2] = rng_below(4) ? (long)to_size : len();
    a[3] = rng_below(4) ? (long)rng_below(8) : num(); /* MAYMOVE FIXED ... */
    if (a[3] & 2) /* MREMAP_FIXED: the target is a range of ours */
        a[4] = (long)to;
    else
        a[4] = r();
}

static void g_madvise(long *a)
{
    g_mm(a);
    a[2] = rng_below(4) ? (long)rng_below(24) : num();
}

/* A struct of `words` random words in scratch for the kernel to read, or
 * a bad pointer. */
long struct_arg(size_t words)
{
    if (rng_below(4) == 0)
        return (long)bad_ptr();
    uint64_t *p = (uint64_t *)(pools.scratch + SCRATCH_SIZE / 2);
    for (size_t i = 0; i < words; i++)
        p[i] = rng_below(2) ? any_int() : rng();
    return (long)p;
}

static void g_sigaction(long *a)
{
    a[0] = rng_below(4) ? (long)rng_below(70) : num();
    a[1] = rng_below(3) ? 0 : struct_arg(4);
    bool kept = a[0] > 0 && a[0] < 64 && (SIGNALS_IGNORED & (1ul << a[0]));
    if (a[1] && a[1] == (long)(pools.scratch + SCRATCH_SIZE / 2))
        *(uint64_t *)a[1] = kept ? 1 : rng_below(2); /* SIG_DFL, SIG_IGN */
    else if (a[1] && kept)
        a[1] = (long)unreadable_ptr(); /* not memory that may hold anything */
    a[2] = ptr();
    a[3] = rng_below(4) ? 8 : num();
}

void signals_ignore(void)
{
    for (int sig = 1; sig < 64; sig++)
        if (SIGNALS_IGNORED & (1ul << sig))
            signal(sig, SIG_IGN);
}

static void g_sigprocmask(long *a)
{
    a[0] = rng_below(4) ? (long)rng_below(4) : num();
    a[1] = rng_below(2) ? struct_arg(1) : 0;
    a[2] = ptr();
    a[3] = rng_below(4) ? 8 : num();
}

static void g_ioctl(long *a)
{
    static const long cmds[] = {0x5401, 0x5402, 0x5413, 0x541b, 0x5421, 0};
    a[0] = (long)any_fd();
    a[1] = rng_below(4) ? cmds[rng_below(6)] : num();
    a[2] = a[0] >= 0 && a[0] <= 2 && rng_below(2) ? (long)bad_ptr() : ptr();
    if ((int)a[1] == 0x5421) { /* FIONBIO: never back to blocking */
        int *on = (int *)(pools.scratch + SCRATCH_SIZE * 13 / 32);
        *on = 1 + (int)rng_below(2);
        a[2] = rng_below(4) ? (long)on : (long)unreadable_ptr();
    }
}

/* An iovec array in scratch whose buffers suit descriptor a[0]. */
void g_iov(long *a)
{
    a[0] = (long)any_fd();
    long n = rng_below(4) ? (long)rng_below(20) : num();
    uint64_t *v = (uint64_t *)pools.scratch;
    for (long i = 0; i < 20; i++) {
        v[2 * i] = (uint64_t)buf_for(a[0]);
        v[2 * i + 1] = rng_below(2) ? rng_below(64) : any_len();
    }
    a[1] = rng_below(5) ? (long)v : (long)bad_ptr();
    a[2] = n;
    a[3] = num();
}

/* A timespec of at most a microsecond, or an invalid one. */
long short_time(void)
{
    if (rng_below(5) == 0)
        return (long)bad_ptr();
    int64_t *ts = (int64_t *)(pools.scratch + SCRATCH_SIZE / 4);
    static const int64_t bad[][2] = {{-1, 0}, {0, -1}, {0, 1000000000},
                                     {INT64_MIN, 0}, {0, INT64_MAX}};
    if (rng_below(3) == 0) {
        memcpy(ts, bad[rng_below(5)], 16);
    } else {
        ts[0] = 0;
        ts[1] = (int64_t)rng_below(1001);
    }
    return (long)ts;
}

long zero_time(void)
{
    int64_t *ts = (int64_t *)(pools.scratch + SCRATCH_SIZE * 5 / 8 - 64);
    ts[0] = ts[1] = 0;
    return (long)ts;
}

long wait_time(void)
{
    long t = rng_below(2) ? zero_time() : short_time();
    return t ? t : zero_time();
}

static void g_nanosleep(long *a) { a[0] = short_time(); a[1] = ptr(); }

static void g_clock_nanosleep(long *a)
{
    a[0] = rng_below(4) ? (long)rng_below(12) : num();
    a[1] = rng_below(2); /* TIMER_ABSTIME: a tiny absolute time is past */
    a[2] = short_time();
    a[3] = ptr();
}

/* A pid that is not a process of ours: we are in it only with signal 0
 * or an invalid signal. */
long target_pid(long *sig)
{
    static const long far[] = {100000, 999999, 0x7fffffff, -0x7fffffffl - 1,
                               -100000};
    long sigs[] = {0, -1, 65, 1000, (long)rng()};
    switch (rng_below(3)) {
    case 0:
        *sig = sigs[rng_below(5)];
        if (*sig > 0 && *sig <= 64)
            *sig = 0;
        return rng_below(2) ? getpid() : (long)rng_below(2) - 1; /* 0, -1 */
    default:
        *sig = rng_below(2) ? (long)rng_below(65) : num();
        return far[rng_below(5)];
    }
}

static void g_kill(long *a) { a[0] = target_pid(&a[1]); }
static void g_tgkill(long *a) { a[0] = target_pid(&a[2]); a[1] = a[0]; }

static void g_execve(long *a)
{
    static const char *const cannot[] = {"/nonexistent", "/proc/self/maps",
                                         "/", "", "/bin/"};
    char *s = (char *)pools.scratch + SCRATCH_SIZE / 8;
    switch (rng_below(3)) {
    case 0:
        a[0] = (long)unreadable_ptr();
        break;
    case 1:
        a[0] = (long)pools.ro; /* no NUL */
        break;
    default:
        strcpy(s, cannot[rng_below(5)]);
        a[0] = (long)s;
    }
    a[1] = ptr();
    a[2] = ptr();
}

static void g_wait4(long *a)
{
    a[0] = num();
    a[1] = ptr();
    a[2] = num() | 1; /* WNOHANG: the fuzzer never blocks */
    a[3] = ptr();
}

static void g_fcntl(long *a)
{
    static const long cmds[] = {0, 1, 2, 3, 4, 5, 6, 7, 1030, 1031, 1033};
    a[1] = rng_below(4) ? cmds[rng_below(11)] : num();
    /* no copy of the console: its copies would get readable buffers */
    a[0] = a[1] == 0 || a[1] == 1030 ? (long)file_fd() : (long)any_fd();
    a[2] = rng_below(2) ? num() : ptr();
    if (a[1] == 4) /* F_SETFL: descriptors stay non-blocking (calls_net.c) */
        a[2] |= 04000;
}

/* Never a copy of the console (see g_fcntl), never onto it. */
static void g_dup2(long *a) { a[0] = (long)file_fd(); a[1] = (long)file_fd(); a[2] = num(); }
static void g_dup(long *a) { a[0] = (long)file_fd(); }
static void g_ftruncate(long *a) { a[0] = (long)file_fd(); a[1] = num(); }
static void g_sigaltstack(long *a) { a[0] = rng_below(2) ? struct_arg(3) : 0; a[1] = ptr(); }

static void g_arch_prctl(long *a)
{
    static const long codes[] = {0x1001, 0x1002, 0x1003, 0x1004, 0x3001};
    a[0] = rng_below(4) ? codes[rng_below(5)] : num();
    if (a[0] == 0x1002) /* SET_FS: only where the kernel must refuse */
        a[1] = rng_below(2) ? (long)0x0000800000000000ull : (long)bad_ptr();
    else
        a[1] = ptr();
    if (a[0] == 0x1002 && (uint64_t)a[1] < 0x0000800000000000ull)
        a[1] = (long)0xffff800000000000ull;
}

static void g_openat(long *a)
{
    a[0] = rng_below(2) ? -100 : (long)any_fd();
    a[1] = (long)path_ptr();
    a[2] = num();
    a[3] = num();
}

static void g_fstatat(long *a) { g_openat(a); a[2] = ptr(); }
static void g_readlinkat(long *a) { g_openat(a); a[2] = ptr(); a[3] = len(); }

/* rename and link: names the calls create, never one of the boot's tree
 * (moved, its entry would sit elsewhere in kernel memory: the frame count
 * of the run would change without a leak), or bad pointers. */
long fresh_path(size_t slot)
{
    static const char *const names[] = {"/nonexistent", "/nonexistent2",
                                        "/nonexistent/x", "/", "",
                                        "/nonexistent2/"};
    char *s = (char *)pools.scratch + SCRATCH_SIZE / 4 * (1 + slot);
    switch (rng_below(6)) {
    case 0:
        return (long)bad_ptr();
    case 1:
        return (long)pools.ro; /* no NUL */
    default:
        strcpy(s, names[rng_below(sizeof(names) / sizeof(names[0]))]);
        return (long)s;
    }
}
static void g_two_paths(long *a) { a[0] = fresh_path(0); a[1] = fresh_path(1); }
static void g_two_at(long *a)
{
    a[0] = rng_below(2) ? -100 : (long)any_fd();
    a[1] = fresh_path(0);
    a[2] = rng_below(2) ? -100 : (long)any_fd();
    a[3] = fresh_path(1);
    a[4] = rng_below(2) ? (long)rng_below(8) : num();
}
static void g_statx(long *a) { g_openat(a); a[3] = num(); a[4] = ptr(); }
static void g_getdents(long *a) { a[0] = (long)file_fd(); a[1] = ptr(); a[2] = len(); }

static void g_prlimit(long *a)
{
    a[0] = rng_below(2) ? 0 : num();
    a[1] = rng_below(4) ? (long)rng_below(17) : num();
    a[2] = rng_below(2) ? 0 : (long)unreadable_ptr(); /* never a new limit:
                                                          the arena may be mapped */
    a[3] = ptr();
}

static void g_setrlimit(long *a)
{
    a[0] = rng_below(4) ? (long)rng_below(17) : num();
    a[1] = (long)unreadable_ptr(); /* never a new limit */
}

static void g_getrandom(long *a) { a[0] = ptr(); a[1] = len(); a[2] = rng_below(4) ? (long)rng_below(8) : num(); }
static void g_memfd(long *a) { a[0] = (long)path_ptr(); a[1] = num(); }
static void g_pipe2(long *a) { a[0] = ptr(); a[1] = num() | 04000; /* O_NONBLOCK */ }

static void g_mspace_map(long *a)
{
    g_mm(a);
    a[3] = rng_below(4) ? (long)rng_below(16) : num();
    if (!(a[3] & 1) && rng_below(2)) {
        a[0] = ptr();
        a[1] = rng_below(2) ? len() : (long)((1 + rng_below(64)) * PAGE);
    }
    a[4] = rng_below(2) ? 0 : 1l << rng_below(40);
}

static void g_unknown(long *a)
{
    for (int i = 0; i < 6; i++)
        a[i] = r();
}

static const struct call calls[] = {
    {0, "read", g_rw},           {1, "write", g_rw},
    {2, "open", g_path},         {3, "close", g_fd},
    {4, "stat", g_buf},          {5, "fstat", g_fd_buf},
    {6, "lstat", g_buf},         {8, "lseek", g_lseek},
    {9, "mmap", g_mmap},         {10, "mprotect", g_mm},
    {11, "munmap", g_mm},        {12, "brk", g_int},
    {13, "rt_sigaction", g_sigaction},
    {14, "rt_sigprocmask", g_sigprocmask},
    {16, "ioctl", g_ioctl},      {17, "pread64", g_prw},
    {18, "pwrite64", g_prw},     {19, "readv", g_iov},
    {20, "writev", g_iov},       {21, "access", g_path},
    {22, "pipe", g_buf},         {24, "sched_yield", g_none},
    {25, "mremap", g_mremap},    {28, "madvise", g_madvise},
    {32, "dup", g_dup},          {33, "dup2", g_dup2},
    {35, "nanosleep", g_nanosleep},
    {39, "getpid", g_none},      {59, "execve", g_execve},
    {61, "wait4", g_wait4},      {62, "kill", g_kill},
    {63, "uname", g_buf},        {72, "fcntl", g_fcntl},
    {74, "fsync", g_fd},         {75, "fdatasync", g_fd},
    {76, "truncate", g_path},    {77, "ftruncate", g_ftruncate},
    {80, "chdir", g_path},       {81, "fchdir", g_fd},
    {82, "rename", g_two_paths}, {83, "mkdir", g_path},
    {84, "rmdir", g_path},       {85, "creat", g_path},
    {86, "link", g_two_paths},   {87, "unlink", g_path},
    {217, "getdents64", g_getdents},
    {258, "mkdirat", g_openat},  {263, "unlinkat", g_openat},
    {264, "renameat", g_two_at}, {265, "linkat", g_two_at},
    {269, "faccessat", g_openat}, {316, "renameat2", g_two_at},
    {332, "statx", g_statx},     {439, "faccessat2", g_openat},
    {79, "getcwd", g_buf_len},   {89, "readlink", g_path_buf},
    {95, "umask", g_int},        {96, "gettimeofday", g_buf},
    {97, "getrlimit", g_int_buf},
    {99, "sysinfo", g_buf},      {102, "getuid", g_none},
    {104, "getgid", g_none},     {107, "geteuid", g_none},
    {108, "getegid", g_none},    {110, "getppid", g_none},
    {131, "sigaltstack", g_sigaltstack},
    {158, "arch_prctl", g_arch_prctl},
    {160, "setrlimit", g_setrlimit},
    {186, "gettid", g_none},     {200, "tkill", g_kill},
    {201, "time", g_buf},        {218, "set_tid_address", g_buf},
    {228, "clock_gettime", g_int_buf},
    {229, "clock_getres", g_int_buf},
    {230, "clock_nanosleep", g_clock_nanosleep},
    {234, "tgkill", g_tgkill},   {257, "openat", g_openat},
    {262, "newfstatat", g_fstatat},
    {267, "readlinkat", g_readlinkat},
    {292, "dup3", g_dup2},       {293, "pipe2", g_pipe2},
    {302, "prlimit64", g_prlimit},
    {318, "getrandom", g_getrandom},
    {319, "memfd_create", g_memfd},
    {1000, "mspace_map", g_mspace_map},
    {1001, "mspace_unmap", g_mm},
    {1002, "mspace_protect", g_mm},
    {1003, "mspace_release", g_mm},
    /* nobody's: -ENOSYS, logged once */
    {335, "(none)", g_unknown},  {511, "(none)", g_unknown},
    {512, "(none)", g_unknown},  {1004, "(none)", g_unknown},
    /* file metadata and data (calls_fs.c) */
    {90, "chmod", g_chmod},      {91, "fchmod", g_fchmod},
    {92, "chown", g_chown},      {93, "fchown", g_fchown},
    {94, "lchown", g_chown},     {268, "fchmodat", g_fchmodat},
    {260, "fchownat", g_fchownat},
    {132, "utime", g_utime},     {235, "utimes", g_utime},
    {261, "futimesat", g_futimesat},
    {280, "utimensat", g_utimensat},
    {137, "statfs", g_statfs},   {138, "fstatfs", g_fstatfs},
    {88, "symlink", g_symlink},  {266, "symlinkat", g_symlinkat},
    {162, "sync", g_none},       {306, "syncfs", g_fd},
    {277, "sync_file_range", g_sync_file_range},
    {285, "fallocate", g_fallocate},
    {73, "flock", g_flock},      {295, "preadv", g_preadv},
    {296, "pwritev", g_preadv},  {327, "preadv2", g_preadv2},
    {328, "pwritev2", g_preadv2},
    {40, "sendfile", g_sendfile},
    /* IPC and waiting (calls_ipc.c) */
    {29, "shmget", g_shmget},    {30, "shmat", g_shmat},
    {31, "shmctl", g_shmctl},    {67, "shmdt", g_shmdt},
    {64, "semget", g_semget},    {65, "semop", g_semop},
    {66, "semctl", g_semctl},    {220, "semtimedop", g_semtimedop},
    {68, "msgget", g_msgget},    {69, "msgsnd", g_msgsnd},
    {70, "msgrcv", g_msgrcv},    {71, "msgctl", g_msgctl},
    {284, "eventfd", g_eventfd}, {290, "eventfd2", g_eventfd2},
    {283, "timerfd_create", g_timerfd_create},
    {286, "timerfd_settime", g_timerfd_settime},
    {287, "timerfd_gettime", g_timerfd_gettime},
    {213, "epoll_create", g_epoll_create},
    {291, "epoll_create1", g_epoll_create},
    {233, "epoll_ctl", g_epoll_ctl},
    {232, "epoll_wait", g_epoll_wait},
    {281, "epoll_pwait", g_epoll_pwait},
    {7, "poll", g_poll},         {271, "ppoll", g_ppoll},
    {23, "select", g_select},    {270, "pselect6", g_pselect6},
    {202, "futex", g_futex},
    /* sockets (calls_net.c) */
    {41, "socket", g_socket},    {53, "socketpair", g_socketpair},
    {49, "bind", g_bind},        {42, "connect", g_connect},
    {50, "listen", g_listen},    {43, "accept", g_accept},
    {288, "accept4", g_accept4}, {44, "sendto", g_sendto},
    {45, "recvfrom", g_recvfrom},
    {46, "sendmsg", g_sendmsg},  {47, "recvmsg", g_recvmsg},
    {48, "shutdown", g_shutdown},
    {51, "getsockname", g_sockname},
    {52, "getpeername", g_sockname},
    {55, "getsockopt", g_getsockopt},
    {54, "setsockopt", g_setsockopt},
    /* processes, credentials and signals (calls_proc.c) */
    {109, "setpgid", g_setpgid}, {121, "getpgid", g_pid_only},
    {124, "getsid", g_pid_only}, {111, "getpgrp", g_none},
    {112, "setsid", g_none},     {247, "waitid", g_waitid},
    {203, "sched_setaffinity", g_affinity},
    {204, "sched_getaffinity", g_affinity},
    {157, "prctl", g_prctl},     {105, "setuid", g_setid},
    {106, "setgid", g_setid},    {116, "setgroups", g_setgroups},
    {273, "set_robust_list", g_robust_list},
    {274, "get_robust_list", g_get_robust_list},
    {129, "rt_sigqueueinfo", g_sigqueueinfo},
    {297, "rt_tgsigqueueinfo", g_tgsigqueueinfo},
    {128, "rt_sigtimedwait", g_sigtimedwait},
    {127, "rt_sigpending", g_sigpending},
    {37, "alarm", g_alarm},      {36, "getitimer", g_getitimer},
    {38, "setitimer", g_setitimer},
    {222, "timer_create", g_timer_create},
    {223, "timer_settime", g_timer_settime},
    {224, "timer_gettime", g_timer_gettime},
    {225, "timer_getoverrun", g_timer_id},
    {226, "timer_delete", g_timer_id},
    {219, "restart_syscall", g_none},
    {0x40000027, "(x32 getpid)", g_unknown},
    {-1, "(negative)", g_unknown},
    {0x7fffffff, "(huge)", g_unknown},
};

#define NCALLS ((int)(sizeof(calls) / sizeof(calls[0])))

int calls_count(void)
{
    return NCALLS;
}

int call_pick(long *nr, long args[6])
{
    int i = (int)rng_below(NCALLS);
    for (int k = 0; k < 6; k++)
        args[k] = rng_below(4) ? 0 : r();
    calls[i].gen(args);
    *nr = calls[i].nr;
    return i;
}

const char *call_name(int i)
{
    return calls[i].name;
}

long call_nr(int i)
{
    return calls[i].nr;
}

static bool in_arena(uint64_t addr)
{
    return addr >= (uint64_t)pools.arena &&
           addr < (uint64_t)pools.arena + ARENA_SIZE;
}

/* Descriptors a successful pipe wrote where we cannot safely read them
 * are closed all together. */
static void close_fds(void)
{
    for (int fd = 3; fd < FDS_MAX; fd++)
        close(fd);
}

void call_done(long nr, const long a[6], long rc)
{
    if (rc < 0 && rc > -4096)
        return;
    calls_ipc_done(nr, a, rc);
    calls_net_done(nr, a, rc);
    switch (nr) {
    case 9:    /* mmap */
    case 1000: /* mspace_map */
        if (!in_arena((uint64_t)rc))
            extra_add((uintptr_t)rc, (size_t)a[1]);
        break;
    case 25: /* mremap */
        if (rc != a[0] && !in_arena((uint64_t)rc))
            extra_moved((uintptr_t)a[0], (uintptr_t)rc, (size_t)a[2]);
        break;
    case 22:  /* pipe */
    case 293: /* pipe2: never left open, so nothing can block on them */
        close_fds();
        break;
    }
}
