/*
 * apps/abi_timers - alarm, getitimer/setitimer, the POSIX timers and
 * rt_sigtimedwait, checked against Linux (the same binary runs natively,
 * tests/native): SIGALRM ending pause and nanosleep (rem written),
 * SA_RESTART restarting a read, the default action killing, fork
 * clearing and execve keeping the itimers, CPU-time itimers, SI_TIMER
 * siginfo, absolute times, overruns, SIGEV_NONE, SIGEV_THREAD (musl's
 * helper thread over SIGEV_THREAD_ID and sigwaitinfo), SIGEV_THREAD_ID,
 * and bad arguments.  Times are loose: the guest may run slowly.  With
 * the argument "leak": thousands of timers made and deleted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHECK_FLUSH
#include "apps/include/check.h"
#include "apps/include/memprobe.h"

#define SIGEV_THREAD_ID_RAW 4

static volatile sig_atomic_t alarms, usr1s, usr2s, vtalrms, profs;
static volatile int last_code, last_value, last_timerid, last_overrun;

static void on_signal(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    if (sig == SIGALRM)
        alarms++;
    else if (sig == SIGVTALRM)
        vtalrms++;
    else if (sig == SIGPROF)
        profs++;
    else if (sig == SIGUSR1 || sig == SIGUSR2) {
        if (sig == SIGUSR1)
            usr1s++;
        else
            usr2s++;
        last_code = si->si_code;
        last_value = si->si_value.sival_int;
        last_timerid = si->si_timerid;
        last_overrun = si->si_overrun;
    }
}

static void handle(int sig, int flags)
{
    struct sigaction sa = {.sa_sigaction = on_signal, .sa_flags = SA_SIGINFO | flags};
    sigaction(sig, &sa, NULL);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Sleeps about `ms` even when signals interrupt the sleep. */
static void sleep_ms(long ms)
{
    long long end = now_ms() + ms;
    for (long long left; (left = end - now_ms()) > 0;) {
        struct timespec ts = {left / 1000, (left % 1000) * 1000000};
        nanosleep(&ts, NULL);
    }
}

/* Waits up to `ms` for *flag to reach `want`. */
static int wait_for(volatile sig_atomic_t *flag, int want, long ms)
{
    long long end = now_ms() + ms;
    while (*flag < want && now_ms() < end)
        sleep_ms(5);
    return *flag >= want;
}

static int set_real(long value_us, long interval_us, struct itimerval *old)
{
    struct itimerval v = {{interval_us / 1000000, interval_us % 1000000},
                          {value_us / 1000000, value_us % 1000000}};
    return setitimer(ITIMER_REAL, &v, old);
}

/* ---- alarm ---- */

static void check_alarm(void)
{
    check(alarm(0) == 0, "alarm(0) with none: 0");
    check(alarm(5) == 0, "alarm(5): 0 before");
    unsigned left = alarm(2);
    check(left == 5 || left == 4, "alarm(2): about 5 left of the first");
    left = alarm(0);
    check(left == 2, "alarm(0): the second's 2 left, cancelled");
    struct itimerval v;
    check(getitimer(ITIMER_REAL, &v) == 0 && !v.it_value.tv_sec && !v.it_value.tv_usec,
          "after alarm(0): ITIMER_REAL off");

    handle(SIGALRM, 0);
    alarms = 0;
    alarm(1);
    long long t0 = now_ms();
    int rc = pause();
    long long took = now_ms() - t0;
    check(rc == -1 && errno == EINTR && alarms == 1, "alarm(1): pause ends with EINTR, handler ran");
    check(took >= 900, "alarm(1): after about a second");
}

/* ---- setitimer / getitimer ---- */

static void check_itimer_real(void)
{
    struct itimerval v, old;
    check(set_real(10 * 1000000, 0, NULL) == 0, "setitimer REAL 10 s");
    check(getitimer(ITIMER_REAL, &v) == 0 && v.it_value.tv_sec >= 8 &&
              (v.it_value.tv_sec < 10 || (v.it_value.tv_sec == 10 && !v.it_value.tv_usec)) &&
              !v.it_interval.tv_sec && !v.it_interval.tv_usec,
          "getitimer: what is left, no interval");
    check(set_real(0, 0, &old) == 0 && old.it_value.tv_sec >= 8,
          "setitimer 0 disarms, old value returned");
    check(getitimer(ITIMER_REAL, &v) == 0 && !v.it_value.tv_sec && !v.it_value.tv_usec,
          "disarmed: reads 0");

    alarms = 0;
    set_real(50000, 20000, NULL);
    check(wait_for(&alarms, 4, 5000), "interval timer: SIGALRM again and again");
    check(set_real(0, 0, &old) == 0 && old.it_interval.tv_sec == 0 &&
              old.it_interval.tv_usec == 20000 && old.it_value.tv_usec <= 20000,
          "interval timer: old interval 20 ms, value within it");
    int n = alarms;
    sleep_ms(100);
    check(alarms == n, "disarmed: no more signals");

    errno = 0;
    struct itimerval bad = {{0, 0}, {0, 1000000}};
    check(setitimer(ITIMER_REAL, &bad, NULL) == -1 && errno == EINVAL, "tv_usec 1000000: EINVAL");
    bad.it_value.tv_usec = -1;
    check(setitimer(ITIMER_REAL, &bad, NULL) == -1 && errno == EINVAL, "tv_usec -1: EINVAL");
    check(sys(SYS_setitimer, 7, (long)&v, 0, 0) == -EINVAL, "setitimer which 7: EINVAL");
    check(sys(SYS_getitimer, 3, (long)&v, 0, 0) == -EINVAL, "getitimer which 3: EINVAL");
    check(sys(SYS_getitimer, ITIMER_REAL, 16, 0, 0) == -EFAULT, "getitimer bad pointer: EFAULT");
}

static void check_interrupts(void)
{
    handle(SIGALRM, 0);
    set_real(100000, 0, NULL);
    struct timespec req = {3, 0}, rem = {0, 0};
    int rc = nanosleep(&req, &rem);
    check(rc == -1 && errno == EINTR, "nanosleep ended by SIGALRM: EINTR");
    check(rem.tv_sec >= 1 && rem.tv_sec <= 2, "nanosleep: rem what was left");

    handle(SIGALRM, SA_RESTART);
    int p[2];
    pipe(p);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        sleep_ms(400);
        write(p[1], "x", 1);
        _exit(0);
    }
    alarms = 0;
    set_real(100000, 0, NULL);
    char c = 0;
    long n = read(p[0], &c, 1);
    check(n == 1 && c == 'x' && alarms == 1, "SA_RESTART: the read restarts after the handler");
    waitpid(pid, NULL, 0);

    handle(SIGALRM, 0);
    pid = fork();
    if (pid == 0) {
        sleep_ms(400);
        write(p[1], "y", 1);
        _exit(0);
    }
    alarms = 0;
    set_real(100000, 0, NULL);
    n = read(p[0], &c, 1);
    check(n == -1 && errno == EINTR && alarms == 1, "no SA_RESTART: the read ends with EINTR");
    waitpid(pid, NULL, 0);
    read(p[0], &c, 1);
    close(p[0]);
    close(p[1]);

    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        signal(SIGALRM, SIG_DFL);
        set_real(50000, 0, NULL);
        for (;;)
            pause();
    }
    int st = 0;
    waitpid(pid, &st, 0);
    check(WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM, "SIGALRM's default action kills");
}

static char exe[256];

static void check_fork_exec(void)
{
    set_real(10 * 1000000, 0, NULL);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        struct itimerval v;
        getitimer(ITIMER_REAL, &v);
        _exit(v.it_value.tv_sec || v.it_value.tv_usec ? 1 : 0);
    }
    int st = -1;
    waitpid(pid, &st, 0);
    check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "fork: the child has no itimer");

    fflush(stdout);
    pid = fork();
    if (pid == 0) { /* its own timers, then execve */
        timer_t t;
        struct sigevent ev = {.sigev_notify = SIGEV_NONE};
        timer_create(CLOCK_MONOTONIC, &ev, &t);
        set_real(10 * 1000000, 0, NULL);
        char id[16];
        snprintf(id, sizeof(id), "%ld", (long)(intptr_t)t);
        char *argv[] = {"abi_timers", "exec-child", id, NULL}, *envp[] = {NULL};
        execve(exe, argv, envp);
        _exit(3);
    }
    waitpid(pid, &st, 0);
    check(WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "execve keeps the itimer, deletes the POSIX timers");
    set_real(0, 0, NULL);
}

static int exec_child(long id)
{
    struct itimerval v;
    getitimer(ITIMER_REAL, &v);
    struct itimerspec ts;
    long rc = syscall(SYS_timer_gettime, id, &ts);
    return v.it_value.tv_sec >= 5 && rc == -1 && errno == EINVAL ? 0 : 1;
}

static void check_cpu_itimers(void)
{
    handle(SIGVTALRM, 0);
    handle(SIGPROF, 0);
    struct itimerval v = {{0, 0}, {0, 100000}};
    check(setitimer(ITIMER_VIRTUAL, &v, NULL) == 0, "setitimer VIRTUAL 100 ms");
    check(setitimer(ITIMER_PROF, &v, NULL) == 0, "setitimer PROF 100 ms");
    struct itimerval g;
    check(getitimer(ITIMER_VIRTUAL, &g) == 0 && g.it_value.tv_usec > 0 &&
              g.it_value.tv_usec <= 110000,
          "getitimer VIRTUAL: about 100 ms left");
    long long end = now_ms() + 20000;
    volatile unsigned long spin = 0;
    while ((!vtalrms || !profs) && now_ms() < end)
        spin++;
    check(vtalrms == 1, "ITIMER_VIRTUAL: SIGVTALRM after CPU time in user mode");
    check(profs == 1, "ITIMER_PROF: SIGPROF after CPU time");
    check(getitimer(ITIMER_VIRTUAL, &g) == 0 && !g.it_value.tv_sec && !g.it_value.tv_usec,
          "one-shot VIRTUAL: off after it fired");
}

/* ---- POSIX timers ---- */

static timer_t make_timer(clockid_t clock, int sig, int value)
{
    struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = sig};
    ev.sigev_value.sival_int = value;
    timer_t t = 0;
    if (timer_create(clock, &ev, &t) < 0)
        return (timer_t)-1;
    return t;
}

static int arm_ms(timer_t t, int flags, long value_ms, long interval_ms)
{
    struct itimerspec its = {{interval_ms / 1000, interval_ms % 1000 * 1000000},
                             {value_ms / 1000, value_ms % 1000 * 1000000}};
    return timer_settime(t, flags, &its, NULL);
}

static void check_posix_signal(void)
{
    handle(SIGUSR1, 0);
    timer_t t = make_timer(CLOCK_MONOTONIC, SIGUSR1, 1234);
    check(t != (timer_t)-1, "timer_create MONOTONIC SIGEV_SIGNAL");
    usr1s = 0;
    check(arm_ms(t, 0, 50, 0) == 0, "timer_settime 50 ms one-shot");
    check(wait_for(&usr1s, 1, 5000), "the timer's signal arrives");
    check(last_code == SI_TIMER, "si_code SI_TIMER");
    check(last_value == 1234, "si_value the sigevent's");
    check(last_timerid == (int)(intptr_t)t, "si_timerid the timer's id");
    sleep_ms(100);
    check(usr1s == 1, "one-shot: once");
    struct itimerspec cur;
    check(timer_gettime(t, &cur) == 0 && !cur.it_value.tv_sec && !cur.it_value.tv_nsec,
          "timer_gettime after it fired: 0");
    arm_ms(t, 0, 10000, 500);
    check(timer_gettime(t, &cur) == 0 && cur.it_value.tv_sec >= 8 && cur.it_value.tv_sec <= 10 &&
              cur.it_interval.tv_sec == 0 && cur.it_interval.tv_nsec == 500000000,
          "timer_gettime: what is left and the interval");
    struct itimerspec zero = {{0, 0}, {0, 0}}, old;
    check(timer_settime(t, 0, &zero, &old) == 0 && old.it_value.tv_sec >= 8,
          "timer_settime 0 disarms, old value returned");
    check(timer_gettime(t, &cur) == 0 && !cur.it_value.tv_sec && !cur.it_value.tv_nsec,
          "disarmed: reads 0");

    /* absolute, on the real-time clock */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    timer_t rt = make_timer(CLOCK_REALTIME, SIGUSR1, 5);
    struct itimerspec abs = {{0, 0}, {now.tv_sec, now.tv_nsec}};
    abs.it_value.tv_nsec += 100000000;
    if (abs.it_value.tv_nsec >= 1000000000) {
        abs.it_value.tv_sec++;
        abs.it_value.tv_nsec -= 1000000000;
    }
    usr1s = 0;
    check(timer_settime(rt, TIMER_ABSTIME, &abs, NULL) == 0, "TIMER_ABSTIME on REALTIME");
    check(wait_for(&usr1s, 1, 5000) && last_value == 5, "the absolute timer fires");
    abs.it_value.tv_sec -= 100; /* in the past: at once */
    usr1s = 0;
    timer_settime(rt, TIMER_ABSTIME, &abs, NULL);
    check(wait_for(&usr1s, 1, 2000), "an absolute time in the past fires at once");
    timer_delete(rt);

    /* overruns while the signal is blocked */
    handle(SIGUSR2, 0);
    timer_t ov = make_timer(CLOCK_MONOTONIC, SIGUSR2, 9);
    sigset_t set, prev;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, &prev);
    usr2s = 0;
    arm_ms(ov, 0, 10, 10);
    sleep_ms(300);
    sigprocmask(SIG_SETMASK, &prev, NULL); /* the handler runs here */
    int o = timer_getoverrun(ov);
    arm_ms(ov, 0, 0, 0);
    check(usr2s == 1, "blocked while the timer ran: one signal");
    check(last_overrun >= 5, "si_overrun counts the expirations meanwhile");
    check(o == last_overrun, "timer_getoverrun: the same count");
    timer_delete(ov);
    check(timer_delete(t) == 0, "timer_delete");
    check(sys(SYS_timer_delete, (long)(intptr_t)t, 0, 0, 0) == -EINVAL,
          "timer_delete again: EINVAL");
}

static void check_posix_none(void)
{
    struct sigevent ev = {.sigev_notify = SIGEV_NONE};
    timer_t t;
    check(timer_create(CLOCK_MONOTONIC, &ev, &t) == 0, "timer_create SIGEV_NONE");
    arm_ms(t, 0, 50, 0);
    struct itimerspec cur;
    timer_gettime(t, &cur);
    check(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0, "SIGEV_NONE: counts down");
    sleep_ms(150);
    timer_gettime(t, &cur);
    check(!cur.it_value.tv_sec && !cur.it_value.tv_nsec, "SIGEV_NONE: expired, no signal");
    timer_delete(t);
}

static sem_t thread_fired;
static volatile int thread_value;

static void on_thread_timer(union sigval v)
{
    thread_value = v.sival_int;
    sem_post(&thread_fired);
}

static void check_posix_thread(void)
{
    sem_init(&thread_fired, 0, 0);
    struct sigevent ev = {.sigev_notify = SIGEV_THREAD,
                          .sigev_notify_function = on_thread_timer};
    ev.sigev_value.sival_int = 77;
    timer_t t;
    check(timer_create(CLOCK_MONOTONIC, &ev, &t) == 0, "timer_create SIGEV_THREAD");
    arm_ms(t, 0, 50, 50);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 5;
    int ok = sem_timedwait(&thread_fired, &deadline) == 0;
    ok = ok && sem_timedwait(&thread_fired, &deadline) == 0;
    check(ok && thread_value == 77, "SIGEV_THREAD: the function runs in a thread, again");
    check(timer_delete(t) == 0, "SIGEV_THREAD: timer_delete");
}

struct waiter_arg {
    pid_t tid;
    int sig, code, value;
    sem_t ready;
};

static void *sigwait_thread(void *arg)
{
    struct waiter_arg *w = arg;
    w->tid = (pid_t)syscall(SYS_gettid);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN + 3);
    sem_post(&w->ready);
    siginfo_t si;
    struct timespec ts = {10, 0};
    w->sig = sigtimedwait(&set, &si, &ts);
    w->code = si.si_code;
    w->value = si.si_value.sival_int;
    return NULL;
}

/* The kernel's struct sigevent with SIGEV_THREAD_ID's thread id. */
struct raw_sigevent {
    union sigval value;
    int signo, notify;
    int tid;
    int pad[11];
};

static void check_thread_id(void)
{
    sigset_t set, prev;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN + 3);
    pthread_sigmask(SIG_BLOCK, &set, &prev);
    struct waiter_arg w = {0};
    sem_init(&w.ready, 0, 0);
    pthread_t th;
    pthread_create(&th, NULL, sigwait_thread, &w);
    sem_wait(&w.ready);
    struct raw_sigevent ev = {.signo = SIGRTMIN + 3, .notify = SIGEV_THREAD_ID_RAW | SIGEV_SIGNAL,
                              .tid = w.tid};
    ev.value.sival_int = 31;
    int id = -1;
    long rc = syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &id);
    check(rc == 0, "timer_create SIGEV_THREAD_ID");
    struct itimerspec its = {{0, 0}, {0, 50000000}};
    syscall(SYS_timer_settime, id, 0, &its, NULL);
    pthread_join(th, NULL);
    check(w.sig == SIGRTMIN + 3 && w.code == SI_TIMER && w.value == 31,
          "SIGEV_THREAD_ID: that thread's sigtimedwait takes it");
    syscall(SYS_timer_delete, id);
    pthread_sigmask(SIG_SETMASK, &prev, NULL);

    ev.tid = 1 << 30;
    errno = 0;
    check(syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &id) == -1 && errno == EINVAL,
          "SIGEV_THREAD_ID no such thread: EINVAL");
}

static void check_sigtimedwait(void)
{
    sigset_t set, prev;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, &prev);
    struct timespec ts = {0, 100000000};
    siginfo_t si;
    long long t0 = now_ms();
    errno = 0;
    check(sigtimedwait(&set, &si, &ts) == -1 && errno == EAGAIN, "sigtimedwait: nothing, EAGAIN");
    check(now_ms() - t0 >= 90, "sigtimedwait: after the timeout");
    struct timespec zero = {0, 0};
    check(sigtimedwait(&set, &si, &zero) == -1 && errno == EAGAIN, "sigtimedwait 0: a poll");
    raise(SIGUSR1);
    memset(&si, 0, sizeof(si));
    check(sigtimedwait(&set, &si, &ts) == SIGUSR1 && si.si_signo == SIGUSR1 &&
              si.si_code == SI_TKILL && si.si_pid == getpid(),
          "sigtimedwait takes the pending one with its siginfo");
    sigset_t pending;
    sigpending(&pending);
    check(!sigismember(&pending, SIGUSR1), "taken: no longer pending");
    struct timespec bad = {0, 1000000000};
    check(sigtimedwait(&set, &si, &bad) == -1 && errno == EINVAL, "tv_nsec 1e9: EINVAL");

    handle(SIGUSR2, 0);
    pid_t parent = getpid();
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        sleep_ms(100);
        kill(parent, SIGUSR2);
        _exit(0);
    }
    struct timespec ten = {10, 0};
    usr2s = 0;
    /* raw: musl's sigtimedwait retries after EINTR */
    check(sys(SYS_rt_sigtimedwait, (long)&set, (long)&si, (long)&ten, 8) == -EINTR &&
              usr2s == 1,
          "sigtimedwait: a handled signal outside the set, EINTR");
    waitpid(pid, NULL, 0);

    pid = fork();
    if (pid == 0) {
        sleep_ms(100);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    check(sigwaitinfo(&set, &si) == SIGUSR1 && si.si_code == SI_USER && si.si_pid == pid,
          "sigwaitinfo: woken by a kill from a child");
    waitpid(pid, NULL, 0);
    sigprocmask(SIG_SETMASK, &prev, NULL);
}

static void check_errors(void)
{
    timer_t t;
    struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1};
    errno = 0;
    check(timer_create(99, &ev, &t) == -1 && errno == EINVAL, "timer_create clock 99: EINVAL");
    ev.sigev_notify = 77;
    check(timer_create(CLOCK_MONOTONIC, &ev, &t) == -1 && errno == EINVAL,
          "timer_create notify 77: EINVAL");
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = 0;
    check(timer_create(CLOCK_MONOTONIC, &ev, &t) == -1 && errno == EINVAL,
          "timer_create signal 0: EINVAL");
    ev.sigev_signo = 65;
    check(timer_create(CLOCK_MONOTONIC, &ev, &t) == -1 && errno == EINVAL,
          "timer_create signal 65: EINVAL");
    check(sys(SYS_timer_create, CLOCK_MONOTONIC, 0, 16, 0) == -EFAULT,
          "timer_create bad id pointer: EFAULT");
    int id = -1;
    check(sys(SYS_timer_create, CLOCK_MONOTONIC, 0, (long)&id, 0) == 0,
          "timer_create NULL sigevent: SIGALRM");
    struct itimerspec its = {{0, 0}, {0, 1000000000}};
    check(sys(SYS_timer_settime, id, 0, (long)&its, 0) == -EINVAL, "tv_nsec 1e9: EINVAL");
    check(sys(SYS_timer_settime, id, 0, 0, 0) == -EINVAL, "timer_settime NULL: EINVAL");
    check(sys(SYS_timer_settime, 123456, 0, (long)&its, 0) == -EINVAL,
          "timer_settime no such timer: EINVAL");
    check(sys(SYS_timer_gettime, 123456, (long)&its, 0, 0) == -EINVAL,
          "timer_gettime no such timer: EINVAL");
    check(sys(SYS_timer_getoverrun, 123456, 0, 0, 0) == -EINVAL,
          "timer_getoverrun no such timer: EINVAL");
    check(sys(SYS_timer_delete, id, 0, 0, 0) == 0, "timer_delete the raw one");
}

/* ---- leak (guest) ---- */

static int leak_round(int n)
{
    int ok = 0;
    for (int i = 0; i < n; i++) {
        timer_t t = make_timer(CLOCK_MONOTONIC, SIGUSR1, i);
        if (t != (timer_t)-1 && arm_ms(t, 0, 10000, 0) == 0 && timer_delete(t) == 0)
            ok++;
    }
    return ok;
}

static void check_leak(void)
{
    stack_touch();
    leak_round(100);
    long before = free_frames();
    int ok = leak_round(3000);
    long after = free_frames();
    printf("# free frames before %ld after %ld\n", before, after);
    check(ok == 3000, "leak 3000 timers made, armed and deleted");
    check(before > 0 && after == before, "leak no frame lost");
    /* 1000 alive at once in a child that exits with them, after a child
       with none (what a fork and wait take once, page tables say) */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    waitpid(pid, NULL, 0);
    sleep_ms(10);
    before = free_frames();
    pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 1000; i++) {
            timer_t t = make_timer(CLOCK_MONOTONIC, SIGUSR1, i);
            if (t == (timer_t)-1 || arm_ms(t, 0, 60000, 1000) < 0)
                _exit(1);
        }
        _exit(0);
    }
    int st = -1;
    waitpid(pid, &st, 0);
    long end = free_frames();
    for (int i = 0; i < 100 && end != before; i++) {
        sleep_ms(10); /* the child's kernel stack is freed after it is reaped */
        end = free_frames();
    }
    printf("# free frames after the child %ld\n", end);
    check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "leak 1000 timers alive in a child");
    check(end == before, "leak the child's timers freed at its exit");
}

int main(int argc, char **argv)
{
    if (argc > 2 && !strcmp(argv[1], "exec-child"))
        return exec_child(atol(argv[2]));
    handle(SIGUSR1, 0);
    if (argc > 1 && !strcmp(argv[1], "leak")) {
        check_leak();
        printf("abi_timers leak: %d failed\n", failures);
        return failures != 0;
    }
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    exe[n > 0 ? n : 0] = 0;
    check_alarm();
    check_itimer_real();
    check_interrupts();
    check_fork_exec();
    check_cpu_itimers();
    check_posix_signal();
    check_posix_none();
    check_posix_thread();
    check_thread_id();
    check_sigtimedwait();
    check_errors();
    printf("abi_timers: %d failed\n", failures);
    return failures != 0;
}
