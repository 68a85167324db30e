/*
 * apps/sysfuzz/calls_proc.c - generators of the process calls beyond
 * getpid: process groups and sessions, credentials, waitid, CPU affinity,
 * prctl, robust futex lists, queued signals and the timers that raise
 * them.  Their rules: a signal is queued to ourselves only as signal 0 or
 * an invalid one (target_pid); timers raise only signals every worker
 * ignores (SIGNALS_IGNORED) or none; waits have a timeout or WNOHANG; a
 * robust list lives in scratch, where its walk at exit can only write.
 */
#define _GNU_SOURCE
#include <string.h>
#include <unistd.h>

#include "calls.h"

/* 0, ourselves, the driver, or nobody. */
static long some_pid(void)
{
    switch (rng_below(5)) {
    case 0:
        return 0;
    case 1:
        return getpid();
    case 2:
        return getppid();
    case 3:
        return (long)rng_below(64);
    default:
        return num();
    }
}

void g_setpgid(long *a) { a[0] = some_pid(); a[1] = rng_below(4) ? some_pid() : -1; }
void g_pid_only(long *a) { a[0] = some_pid(); }

void g_waitid(long *a)
{
    a[0] = rng_below(4) ? (long)rng_below(4) : num(); /* P_ALL P_PID P_PGID P_PIDFD */
    a[1] = some_pid();
    a[2] = ptr();
    a[3] = (rng_below(2) ? (long)(rng_below(16) << 1) : num()) | 1; /* WNOHANG */
    a[4] = rng_below(2) ? 0 : ptr();
}

void g_affinity(long *a)
{
    a[0] = some_pid();
    a[1] = rng_below(4) ? (long)(8 << rng_below(5)) : len();
    a[2] = rng_below(2) ? struct_arg(4) : ptr();
}

void g_prctl(long *a)
{
    /* PDEATHSIG, DUMPABLE, NAME, TIMERSLACK, SUBREAPER, NO_NEW_PRIVS... */
    static const long options[] = {1, 2, 3, 4, 15, 16, 29, 30, 36, 37, 38, 39};
    a[0] = rng_below(4) ? options[rng_below(12)] : num();
    a[1] = rng_below(2) ? (long)rng_below(70) : ptr();
    if (a[0] == 1 && (a[1] <= 0 || a[1] > 64))
        a[1] = 0; /* PR_SET_PDEATHSIG: valid or none */
}

void g_setid(long *a)
{
    static const long ids[] = {0, 1000, -1, 65534};
    a[0] = rng_below(4) ? ids[rng_below(4)] : num();
}

void g_setgroups(long *a)
{
    a[0] = rng_below(4) ? (long)rng_below(70) : num();
    a[1] = rng_below(2) ? struct_arg(8) : ptr();
}

/* A robust list in scratch: a head whose entries point into scratch, at
 * times at themselves (a cycle the kernel must bound). */
void g_robust_list(long *a)
{
    uint64_t *head = (uint64_t *)(pools.scratch + SCRATCH_SIZE * 9 / 16);
    for (int i = 0; i < 8; i++) {
        uint64_t *e = head + 4 * i;
        e[0] = rng_below(4) ? (uint64_t)(head + 4 * rng_below(8)) : any_ptr();
        e[1] = rng_below(4) ? rng_below(32) : any_int(); /* futex_offset */
        e[2] = rng_below(2) ? 0 : (uint64_t)(head + 4 * rng_below(8));
        e[3] = rng_below(2) ? (uint64_t)getpid() : rng();
    }
    a[0] = rng_below(6) ? (long)head : ptr();
    a[1] = rng_below(4) ? 24 : num();
}

void g_get_robust_list(long *a) { a[0] = some_pid(); a[1] = ptr(); a[2] = ptr(); }

void g_sigqueueinfo(long *a)
{
    a[0] = target_pid(&a[1]);
    a[2] = rng_below(4) ? struct_arg(16) : ptr();
}

void g_tgsigqueueinfo(long *a)
{
    a[0] = target_pid(&a[2]);
    a[1] = a[0];
    a[3] = rng_below(4) ? struct_arg(16) : ptr();
}

void g_sigtimedwait(long *a)
{
    a[0] = rng_below(4) ? struct_arg(1) : ptr();
    a[1] = rng_below(2) ? 0 : ptr();
    a[2] = wait_time();
    a[3] = rng_below(4) ? 8 : num();
}

void g_sigpending(long *a) { a[0] = ptr(); a[1] = rng_below(4) ? 8 : num(); }
void g_alarm(long *a) { a[0] = rng_below(2) ? (long)rng_below(3) : num(); }
void g_getitimer(long *a) { a[0] = rng_below(4) ? (long)rng_below(3) : num(); a[1] = ptr(); }

/* An itimerval or itimerspec in scratch: small valid, random or bad. */
static long timer_value(void)
{
    int64_t *v = (int64_t *)(pools.scratch + SCRATCH_SIZE * 5 / 16);
    switch (rng_below(4)) {
    case 0:
        return 0;
    case 1:
        return struct_arg(4);
    default:
        v[0] = 0;
        v[1] = (int64_t)rng_below(3000);
        v[2] = 0;
        v[3] = (int64_t)rng_below(3000);
        return (long)v;
    }
}

void g_setitimer(long *a)
{
    a[0] = rng_below(4) ? (long)rng_below(3) : num();
    a[1] = timer_value();
    a[2] = ptr();
}

void g_timer_create(long *a)
{
    static const int signos[] = {14, 26, 27, 13, 0, 65};
    static const int notify[] = {0, 1, 2, 4};
    int32_t *ev = (int32_t *)(pools.scratch + SCRATCH_SIZE * 11 / 16);
    memset(ev, 0, 64);
    ev[2] = signos[rng_below(6)];
    ev[3] = rng_below(6) ? notify[rng_below(4)] : (int32_t)rng();
    ev[4] = rng_below(2) ? (int32_t)gettid() : (int32_t)rng_below(64);
    a[0] = rng_below(4) ? (long)rng_below(12) : num();
    switch (rng_below(4)) {
    case 0:
        a[1] = 0; /* SIGEV_SIGNAL SIGALRM */
        break;
    case 1:
        a[1] = (long)unreadable_ptr();
        break;
    default:
        a[1] = (long)ev;
    }
    a[2] = ptr();
}

void g_timer_settime(long *a)
{
    a[0] = rng_below(4) ? (long)rng_below(8) : num();
    a[1] = rng_below(4) ? (long)rng_below(2) : num(); /* TIMER_ABSTIME */
    a[2] = timer_value();
    a[3] = ptr();
}

void g_timer_id(long *a) { a[0] = rng_below(4) ? (long)rng_below(8) : num(); }
void g_timer_gettime(long *a) { g_timer_id(a); a[1] = ptr(); }
