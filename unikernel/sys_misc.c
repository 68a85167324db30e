/*
 * sys_misc.c - the small system calls: exit, identity, uname, time,
 * random, TLS (arch_prctl), sysinfo (signals: signal.c).
 * One CPU; pid, tid and the thread calls are thread.c's; every
 * credential is root's (0).  Sleeping gives the CPU to other tasks.
 */
#include <errno.h>
#include <string.h>

#include "mm/page.h"
#include "arch/clock.h"
#include "unikernel/proc.h"
#include "unikernel/signal.h"
#include "arch/random.h"
#include "unikernel/syscall.h"
#include "unikernel/task.h"
#include "unikernel/usercopy.h"

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
#define TIMER_ABSTIME 1

#define GRND_FLAGS 0x7 /* NONBLOCK | RANDOM | INSECURE */

#define NSEC 1000000000ull

struct ktimespec {
    int64_t tv_sec, tv_nsec;
};

long sys_exit_group(const long *a)
{
    task_exit((int)a[0]);
}

long sys_exit(const long *a)
{
    proc_thread_exit((int)a[0] & 0xff); /* one thread (the last: the task) */
}

long sys_getuid(const long *a)
{
    (void)a;
    return 0;
}

/* setuid, setgid: every task is root's and stays so; setting root's own
 * id (nginx's `user root`) succeeds, another id would have to drop
 * privileges the kernel does not separate: EPERM rather than a lie. */
long sys_setuid(const long *a)
{
    return (unsigned)a[0] == 0 ? 0 : -EPERM;
}

/* setgroups: an empty list or root's group only. */
long sys_setgroups(const long *a)
{
    size_t n = (size_t)a[0];
    if (n > 65536)
        return -EINVAL;
    for (size_t i = 0; i < n; i++) {
        unsigned g;
        if (copy_from_user(&g, (const unsigned *)a[1] + i, sizeof(g)) < 0)
            return -EFAULT;
        if (g != 0)
            return -EPERM;
    }
    return 0;
}

long sys_arch_prctl(const long *a)
{
    task_t *t = task_current();
    switch (a[0]) {
    case ARCH_SET_FS:
        if (!user_range_ok((uintptr_t)a[1], 0))
            return -EPERM; /* Linux: outside the user address space */
        t->fs_base = (uintptr_t)a[1];
        user_set_fs(t->fs_base);
        return 0;
    case ARCH_GET_FS:
        return copy_to_user((void *)a[1], &(uint64_t){user_get_fs()}, 8);
    default:
        return -EINVAL; /* GS is the kernel's (swapgs) */
    }
}

long sys_uname(const long *a)
{
    static const char *const fields[6] = {
        "Linux", /* musl and programs test for it */
        "unikernel", "6.1.0-unikernel", "#1 unikernel 0.1", "x86_64", "(none)",
    };
    char u[6][65];
    memset(u, 0, sizeof(u));
    for (int i = 0; i < 6; i++)
        memcpy(u[i], fields[i], strlen(fields[i]));
    return copy_to_user((void *)a[0], u, sizeof(u));
}

/* The time of `clock` in ns, or -EINVAL. */
static int64_t clock_read(long clock)
{
    switch (clock) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
        return (int64_t)clock_realtime_ns();
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
    case CLOCK_PROCESS_CPUTIME_ID: /* the task has had the CPU all along */
    case CLOCK_THREAD_CPUTIME_ID:
        return (int64_t)clock_monotonic_ns();
    default:
        return -EINVAL;
    }
}

static long put_timespec(long uts, uint64_t ns)
{
    struct ktimespec ts = {(int64_t)(ns / NSEC), (int64_t)(ns % NSEC)};
    return copy_to_user((void *)uts, &ts, sizeof(ts));
}

long sys_clock_gettime(const long *a)
{
    int64_t ns = clock_read(a[0]);
    return ns < 0 ? ns : put_timespec(a[1], (uint64_t)ns);
}

long sys_clock_getres(const long *a)
{
    int64_t ns = clock_read(a[0]);
    if (ns < 0)
        return ns;
    return a[1] ? put_timespec(a[1], 1) : 0;
}

long sys_gettimeofday(const long *a)
{
    if (a[0]) {
        uint64_t ns = clock_realtime_ns();
        int64_t tv[2] = {(int64_t)(ns / NSEC), (int64_t)(ns % NSEC / 1000)};
        if (copy_to_user((void *)a[0], tv, sizeof(tv)) < 0)
            return -EFAULT;
    }
    if (a[1] && clear_user((void *)a[1], 8) < 0) /* struct timezone: UTC */
        return -EFAULT;
    return 0;
}

long sys_time(const long *a)
{
    int64_t secs = (int64_t)(clock_realtime_ns() / NSEC);
    if (a[0] && copy_to_user((void *)a[0], &secs, sizeof(secs)) < 0)
        return -EFAULT;
    return secs;
}

/* Reads a struct timespec request: its ns, or -EFAULT / -EINVAL. */
static int64_t get_timespec(long uts)
{
    struct ktimespec ts;
    if (copy_from_user(&ts, (const void *)uts, sizeof(ts)) < 0)
        return -EFAULT;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (int64_t)NSEC)
        return -EINVAL;
    if (ts.tv_sec > INT64_MAX / (int64_t)NSEC - 1)
        return INT64_MAX;
    return ts.tv_sec * (int64_t)NSEC + ts.tv_nsec;
}

/* Sleeps until `end` (monotonic ns): 0, or when a signal is to be taken,
 * what is left written to `urem` (if set) and -ERESTART_RESTARTBLOCK: a
 * handler makes it EINTR; without one (a stop and SIGCONT, an ignored
 * signal) signal_deliver makes the call restart_syscall, which sleeps on
 * to the same end, as Linux's restart block. */
static long sleep_until(uint64_t end, long urem)
{
    sched_sleep_until(end);
    uint64_t now = clock_monotonic_ns();
    if (now >= end || !signal_interrupted())
        return 0;
    struct ktimespec rem = {(int64_t)((end - now) / NSEC),
                            (int64_t)((end - now) % NSEC)};
    if (urem && copy_to_user((void *)urem, &rem, sizeof(rem)) < 0)
        return -EFAULT;
    struct task_signal *s = &task_current()->signal;
    s->restart_end = end;
    s->restart_rem = urem;
    return -ERESTART_RESTARTBLOCK;
}

long sys_nanosleep(const long *a)
{
    int64_t ns = get_timespec(a[0]);
    if (ns < 0)
        return ns;
    return sleep_until(clock_monotonic_ns() + (uint64_t)ns, a[1]);
}

long sys_clock_nanosleep(const long *a)
{
    int64_t now = clock_read(a[0]);
    if (now < 0 || a[0] == CLOCK_THREAD_CPUTIME_ID)
        return -EINVAL;
    int64_t ns = get_timespec(a[2]);
    if (ns < 0)
        return ns;
    if (!(a[1] & TIMER_ABSTIME))
        return sleep_until(clock_monotonic_ns() + (uint64_t)ns, a[3]);
    uint64_t end = clock_monotonic_ns() + (uint64_t)(ns > now ? ns - now : 0);
    if (sleep_until(end, 0) == 0)
        return 0;
    task_current()->signal.restart_end = 0;
    return -ERESTARTNOHAND; /* the same absolute time again */
}

/* The rest of the sleep sleep_until left, or EINTR when there is none
 * (Linux's do_no_restart_syscall). */
long sys_restart_syscall(const long *a)
{
    (void)a;
    struct task_signal *s = &task_current()->signal;
    uint64_t end = s->restart_end;
    s->restart_end = 0;
    return end ? sleep_until(end, s->restart_rem) : -EINTR;
}

long sys_sched_yield(const long *a)
{
    (void)a;
    sched_yield();
    return 0;
}

long sys_getrandom(const long *a)
{
    size_t n = (size_t)a[1];
    if (a[2] & ~GRND_FLAGS)
        return -EINVAL;
    if (n > 0x2000000)
        n = 0x2000000; /* Linux returns at most 32 MiB per call */
    if (!user_range_ok((uintptr_t)a[0], n))
        return -EFAULT;
    unsigned char chunk[256];
    for (size_t done = 0; done < n;) {
        size_t k = n - done < sizeof(chunk) ? n - done : sizeof(chunk);
        random_fill(chunk, k);
        if (copy_to_user((char *)a[0] + done, chunk, k) < 0)
            return done ? (long)done : -EFAULT;
        done += k;
    }
    return (long)n;
}

long sys_sysinfo(const long *a)
{
    struct {
        int64_t uptime;
        uint64_t loads[3], totalram, freeram, sharedram, bufferram;
        uint64_t totalswap, freeswap;
        uint16_t procs, pad;
        uint32_t pad2;
        uint64_t totalhigh, freehigh;
        uint32_t mem_unit;
        char reserved[4];
    } info;
    memset(&info, 0, sizeof(info));
    info.uptime = (int64_t)(clock_monotonic_ns() / NSEC);
    info.totalram = page_total_count();
    info.freeram = proc_free_frames(); /* exact: caches given back first */
    info.procs = (uint16_t)sched_alive();
    info.mem_unit = PAGE_SIZE;
    return copy_to_user((void *)a[0], &info, sizeof(info));
}
