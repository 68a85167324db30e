/*
 * abi_signals: signals delivered as Linux delivers them.  Handlers run for
 * raise and kill, with SA_SIGINFO's fields; sa_mask, SA_NODEFER and
 * SA_RESETHAND; rt_sigprocmask, sigpending and sigsuspend; SIGSEGV and
 * SIGFPE handlers that siglongjmp out; an alternate stack; signals to a
 * child (blocked in pause, read, nanosleep, or busy in ring 3, where only
 * an interrupt brings it back); EINTR and SA_RESTART; SIGPIPE; and
 * rt_sigreturn refusing a corrupted ucontext (the child dies of SIGSEGV).
 * One "ok - name" line per check; exit status 0 only if all passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#define CHECK_FLUSH
#include "apps/include/check.h"

static volatile sig_atomic_t hits, depth, max_depth, last_sig;
static char order[32];
static volatile int order_len;
static siginfo_t info_copy;
static sigjmp_buf jump;

static void note(char c)
{
    if (order_len < (int)sizeof(order) - 1)
        order[order_len++] = c;
}

static void on_count(int sig)
{
    hits++;
    last_sig = sig;
}

static void on_info(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    info_copy = *si;
    hits++;
}

static void set(int sig, void (*fn)(int), int flags, const sigset_t *mask)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    if (mask)
        sa.sa_mask = *mask;
    sigaction(sig, &sa, NULL);
}

static void set_info(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO | flags;
    sigaction(sig, &sa, NULL);
}

static void test_basic(void)
{
    hits = 0;
    set(SIGUSR1, on_count, 0, NULL);
    check(raise(SIGUSR1) == 0 && hits == 1 && last_sig == SIGUSR1,
          "signals raise runs the handler once");
    hits = 0;
    check(kill(getpid(), SIGUSR1) == 0 && hits == 1,
          "signals kill(getpid()) runs the handler before kill returns");
    hits = 0;
    set_info(SIGUSR2, on_info, 0);
    kill(getpid(), SIGUSR2);
    check(hits == 1 && info_copy.si_signo == SIGUSR2 &&
              info_copy.si_code == SI_USER && info_copy.si_pid == getpid() &&
              info_copy.si_uid == getuid(),
          "signals SA_SIGINFO from kill: si_signo si_code=SI_USER si_pid si_uid");
    raise(SIGUSR2);
    check(hits == 2 && info_copy.si_code == SI_TKILL,
          "signals SA_SIGINFO from raise: si_code=SI_TKILL");
    volatile double x = 1.25;
    set(SIGUSR1, on_count, 0, NULL);
    raise(SIGUSR1);
    check(x * 4 == 5.0, "signals the FPU state survives a handler");
    set(SIGUSR1, SIG_IGN, 0, NULL);
    check(raise(SIGUSR1) == 0, "signals an ignored signal does nothing");
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_count;
    errno = 0;
    check(sigaction(SIGKILL, &sa, NULL) == -1 && errno == EINVAL &&
              sigaction(SIGSTOP, &sa, NULL) == -1 && errno == EINVAL,
          "signals SIGKILL and SIGSTOP cannot be caught");
    sigset_t all, now;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &now);
    sigprocmask(SIG_SETMASK, &now, &all);
    check(!sigismember(&all, SIGKILL) && !sigismember(&all, SIGSTOP),
          "signals SIGKILL and SIGSTOP cannot be blocked");
}

/* SIGUSR1's handler raises SIGUSR2 (in its sa_mask) and itself. */
static void on_nested1(int sig)
{
    (void)sig;
    note('a');
    depth++;
    if (depth > max_depth)
        max_depth = depth;
    if (hits++ == 0) {
        raise(SIGUSR2);
        raise(SIGUSR1);
    }
    note('b');
    depth--;
}

static void on_nested2(int sig)
{
    (void)sig;
    note('2');
}

static void test_masks(void)
{
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR2);
    set(SIGUSR1, on_nested1, 0, &m);
    set(SIGUSR2, on_nested2, 0, NULL);
    hits = depth = max_depth = order_len = 0;
    raise(SIGUSR1);
    order[order_len] = 0;
    /* after the first handler: SIGUSR1 (lower) first, then SIGUSR2
     * nested in its frame runs before it, as Linux stacks them */
    check(max_depth == 1 && hits == 2 && strcmp(order, "abab2") == 0,
          "signals sa_mask and the signal itself are deferred in the handler");
    sigprocmask(SIG_SETMASK, NULL, &m);
    check(!sigismember(&m, SIGUSR1) && !sigismember(&m, SIGUSR2),
          "signals the mask is restored after the handler");

    set(SIGUSR1, on_nested1, SA_NODEFER, NULL);
    hits = depth = max_depth = order_len = 0;
    raise(SIGUSR1);
    order[order_len] = 0;
    check(max_depth == 2 && hits == 2 && strcmp(order, "a2abb") == 0,
          "signals SA_NODEFER: the handler nests in itself");

    struct sigaction old;
    hits = 0;
    set(SIGUSR1, on_count, SA_RESETHAND, NULL);
    raise(SIGUSR1);
    sigaction(SIGUSR1, NULL, &old);
    check(hits == 1 && old.sa_handler == SIG_DFL,
          "signals SA_RESETHAND: the action is the default afterwards");
}

static void test_pending(void)
{
    sigset_t b, p, old;
    hits = 0;
    set(SIGUSR1, on_count, 0, NULL);
    sigemptyset(&b);
    sigaddset(&b, SIGUSR1);
    sigprocmask(SIG_BLOCK, &b, &old);
    kill(getpid(), SIGUSR1);
    sigpending(&p);
    check(hits == 0 && sigismember(&p, SIGUSR1) && !sigismember(&p, SIGUSR2),
          "signals a blocked signal stays pending (sigpending)");
    kill(getpid(), SIGUSR1);
    sigprocmask(SIG_UNBLOCK, &b, NULL);
    sigpending(&p);
    check(hits == 1 && !sigismember(&p, SIGUSR1),
          "signals unblocking delivers it once, before sigprocmask returns");

    sigprocmask(SIG_BLOCK, &b, NULL);
    raise(SIGUSR1);
    sigset_t none;
    sigemptyset(&none);
    hits = 0;
    errno = 0;
    int rc = sigsuspend(&none);
    sigprocmask(SIG_SETMASK, NULL, &p);
    check(rc == -1 && errno == EINTR && hits == 1 && sigismember(&p, SIGUSR1),
          "signals sigsuspend: the handler runs, EINTR, the mask is back");
    sigprocmask(SIG_SETMASK, &old, NULL);
}

static void on_fault(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    last_sig = sig;
    info_copy = *si;
    siglongjmp(jump, 1);
}

static volatile int zero;
static volatile uintptr_t bad_addr = 16;

static void test_faults(void)
{
    set_info(SIGSEGV, on_fault, 0);
    last_sig = 0;
    if (!sigsetjmp(jump, 1))
        *(volatile int *)bad_addr = 1;
    check(last_sig == SIGSEGV && info_copy.si_code == SEGV_MAPERR &&
              info_copy.si_addr == (void *)16,
          "signals SIGSEGV handler on a bad write: si_addr, SEGV_MAPERR, "
          "siglongjmp out");
    sigset_t m;
    sigprocmask(SIG_SETMASK, NULL, &m);
    check(!sigismember(&m, SIGSEGV), "signals siglongjmp restored the mask");
    set_info(SIGFPE, on_fault, 0);
    last_sig = 0;
    volatile int r = 0;
    if (!sigsetjmp(jump, 1))
        r = 7 / zero;
    check(last_sig == SIGFPE && info_copy.si_code == FPE_INTDIV && r == 0,
          "signals SIGFPE handler on an integer division by zero");
    signal(SIGSEGV, SIG_DFL);
    signal(SIGFPE, SIG_DFL);
}

/* ---- children ---- */

static int ready[2], feed_pipe[2]; /* child to parent, parent to child */

/* Forks a child running `fn`, waits for its ready byte, lets it block,
 * sends `sig` and returns its wait status. */
static int child_status(void (*fn)(void), int sig, int feed)
{
    pipe(ready);
    pipe(feed_pipe);
    pid_t pid = fork();
    if (pid == 0) {
        fn();
        _exit(99);
    }
    char c;
    read(ready[0], &c, 1);
    struct timespec t = {0, 30000000};
    nanosleep(&t, NULL);
    if (sig)
        kill(pid, sig);
    if (feed) {
        nanosleep(&t, NULL);
        write(feed_pipe[1], "y", 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    close(ready[0]);
    close(ready[1]);
    close(feed_pipe[0]);
    close(feed_pipe[1]);
    return status;
}

static void say_ready(void)
{
    write(ready[1], "r", 1);
}

static void on_exit7(int sig)
{
    (void)sig;
    _exit(7);
}

static void child_pause(void)
{
    set(SIGUSR1, on_exit7, 0, NULL);
    say_ready();
    pause();
    _exit(98);
}

static void child_spin(void)
{
    set(SIGUSR1, on_exit7, 0, NULL);
    say_ready();
    for (volatile unsigned long i = 0;; i++)
        ;
}

static void child_read(int flags)
{
    char c;
    set(SIGUSR1, on_count, flags, NULL);
    say_ready();
    long n = read(feed_pipe[0], &c, 1);
    _exit(n == 1 ? 9 : n == -1 && errno == EINTR ? 8 : 97);
}

static void child_read_eintr(void)
{
    child_read(0);
}

static void child_read_restart(void)
{
    child_read(SA_RESTART);
}

static void child_sleep(void)
{
    struct timespec t = {10, 0}, rem = {0, 0};
    set(SIGUSR1, on_count, SA_RESTART, NULL);
    say_ready();
    int rc = nanosleep(&t, &rem);
    _exit(rc == -1 && errno == EINTR && rem.tv_sec > 0 && rem.tv_sec <= 10
              ? 10 : 96);
}

static void child_pipe_default(void)
{
    int p[2];
    pipe(p);
    close(p[0]);
    say_ready();
    write(p[1], "x", 1);
    _exit(95);
}

static void child_pipe_handler(void)
{
    int p[2];
    pipe(p);
    close(p[0]);
    hits = 0;
    set(SIGPIPE, on_count, 0, NULL);
    say_ready();
    long n = write(p[1], "x", 1);
    _exit(n == -1 && errno == EPIPE && hits == 1 && last_sig == SIGPIPE ? 11
                                                                        : 94);
}

static char altstack[16384];

static void on_overflow(int sig)
{
    char here;
    (void)sig;
    _exit(&here >= altstack && &here < altstack + sizeof(altstack) ? 12 : 93);
}

static volatile int forever = 1;

static int recurse(int n)
{
    volatile char buf[512];
    buf[0] = (char)n;
    return forever ? recurse(n + 1) + buf[0] : 0;
}

static void child_overflow(void)
{
    struct rlimit r = {1 << 20, 1 << 20};
    setrlimit(RLIMIT_STACK, &r);
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack)};
    sigaltstack(&ss, NULL);
    set(SIGSEGV, on_overflow, SA_ONSTACK, NULL);
    say_ready();
    recurse(0);
}

static int exit_of(int status)
{
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_children(void)
{
    check(exit_of(child_status(child_pause, SIGUSR1, 0)) == 7,
          "signals kill to a child in pause: its handler runs (status 7)");
    check(exit_of(child_status(child_spin, SIGUSR1, 0)) == 7,
          "signals kill to a child busy in ring 3: its handler runs");
    check(exit_of(child_status(child_read_eintr, SIGUSR1, 0)) == 8,
          "signals a handled signal interrupts a pipe read: EINTR");
    check(exit_of(child_status(child_read_restart, SIGUSR1, 1)) == 9,
          "signals SA_RESTART restarts the pipe read");
    check(exit_of(child_status(child_sleep, SIGUSR1, 0)) == 10,
          "signals nanosleep interrupted: EINTR and rem, even with SA_RESTART");
    int st = child_status(child_pipe_default, 0, 0);
    check(WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE,
          "signals writing to a pipe without reader: killed by SIGPIPE");
    check(exit_of(child_status(child_pipe_handler, 0, 0)) == 11,
          "signals SIGPIPE handler runs, the write is EPIPE");
    check(exit_of(child_status(child_overflow, 0, 0)) == 12,
          "signals stack overflow: SIGSEGV handler on the alternate stack");
    st = child_status(child_spin, SIGTERM, 0);
    check(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM,
          "signals SIGTERM to a child without handler kills it");
}

/* ---- SIGCHLD ---- */

static volatile sig_atomic_t chld_hits;
static siginfo_t chld_info;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    chld_info = *si;
    chld_hits++;
}

static void test_sigchld(void)
{
    set_info(SIGCHLD, on_chld, SA_RESTART);
    pid_t c = fork();
    if (c == 0)
        _exit(5);
    int st = 0;
    waitpid(c, &st, 0);
    check(chld_hits == 1 && chld_info.si_signo == SIGCHLD,
          "signals SIGCHLD handler runs once when a child exits");
    check(chld_info.si_code == CLD_EXITED && chld_info.si_pid == c &&
              chld_info.si_status == 5,
          "signals SIGCHLD siginfo: CLD_EXITED, the child's pid, status 5");
    chld_hits = 0;
    c = fork();
    if (c == 0) {
        for (;;)
            pause();
    }
    kill(c, SIGKILL);
    waitpid(c, &st, 0);
    check(chld_hits == 1 && chld_info.si_code == CLD_KILLED &&
              chld_info.si_pid == c && chld_info.si_status == SIGKILL,
          "signals SIGCHLD siginfo of a killed child: CLD_KILLED, SIGKILL");
    set(SIGCHLD, SIG_DFL, 0, NULL);
}

/* ---- rt_sigreturn and a corrupted ucontext ---- */

static volatile int corrupt;

static void on_corrupt(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)si;
    ucontext_t *uc = ctx;
    greg_t *g = uc->uc_mcontext.gregs;
    if (corrupt == 1)
        g[REG_RIP] = (greg_t)0xffffffff81000000ull; /* kernel text */
    else if (corrupt == 2)
        g[REG_CSGSFS] = (g[REG_CSGSFS] & ~0xffffll) | 0x10; /* kernel cs */
    else if (corrupt == 3)
        g[REG_RIP] = (greg_t)0x8000000000000000ull; /* non-canonical */
    else if (corrupt == 4)
        g[REG_EFL] |= 0x3000 | 0x4000; /* IOPL 3, NT */
}

static void child_corrupt(void)
{
    set_info(SIGUSR1, on_corrupt, 0);
    raise(SIGUSR1);
    _exit(92);
}

static int corrupt_status(int how)
{
    corrupt = how;
    pid_t pid = fork();
    if (pid == 0)
        child_corrupt();
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
}

static void test_sigreturn(void)
{
    int st = corrupt_status(1);
    check(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
          "signals sigreturn to a kernel rip: killed by SIGSEGV");
    st = corrupt_status(2);
    check(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
          "signals sigreturn with a kernel cs: killed by SIGSEGV");
    st = corrupt_status(3);
    check(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
          "signals sigreturn to a non-canonical rip: killed by SIGSEGV");
    corrupt = 4;
    set_info(SIGUSR1, on_corrupt, 0);
    raise(SIGUSR1);
    uint64_t fl;
    __asm__ volatile("pushfq; popq %0" : "=r"(fl));
    check((fl & 0x7000) == 0 && (fl & 0x200),
          "signals sigreturn drops IOPL and NT, keeps IF");
}

/* ---- waitid, sigqueue ---- */

static volatile int queued_sig, queued_code, queued_value, queued_pid;

static void on_queued(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    queued_sig = sig;
    queued_code = si->si_code;
    queued_value = si->si_value.sival_int;
    queued_pid = si->si_pid;
}

static void test_waitid_sigqueue(void)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(23);
    siginfo_t si;
    memset(&si, 0xff, sizeof(si));
    check(waitid(P_PID, pid, &si, WEXITED | WNOWAIT) == 0 && si.si_signo == SIGCHLD &&
              si.si_code == CLD_EXITED && si.si_pid == pid && si.si_status == 23,
          "waitid WNOWAIT: CLD_EXITED, status 23");
    memset(&si, 0, sizeof(si));
    check(waitid(P_ALL, 0, &si, WEXITED) == 0 && si.si_pid == pid && si.si_status == 23,
          "waitid again after WNOWAIT: reaped now");
    errno = 0;
    check(waitid(P_PID, pid, &si, WEXITED) == -1 && errno == ECHILD, "waitid: reaped, ECHILD");

    pid = fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    memset(&si, 0xff, sizeof(si));
    check(waitid(P_PID, pid, &si, WEXITED | WNOHANG) == 0 && si.si_pid == 0,
          "waitid WNOHANG, running: 0, si_pid 0");
    kill(pid, SIGTERM);
    check(waitid(P_PID, pid, &si, WEXITED) == 0 && si.si_code == CLD_KILLED &&
              si.si_status == SIGTERM,
          "waitid: CLD_KILLED by SIGTERM");
    check(waitid(P_ALL, 0, &si, 0) == -1 && errno == EINVAL, "waitid no WEXITED: EINVAL");
    check(waitid(7, 0, &si, WEXITED) == -1 && errno == EINVAL, "waitid idtype 7: EINVAL");

    struct sigaction sa = {.sa_sigaction = on_queued, .sa_flags = SA_SIGINFO};
    sigaction(SIGUSR1, &sa, NULL);
    union sigval v = {.sival_int = 4242};
    check(sigqueue(getpid(), SIGUSR1, v) == 0 && queued_sig == SIGUSR1 &&
              queued_code == SI_QUEUE && queued_value == 4242 && queued_pid == getpid(),
          "sigqueue: SI_QUEUE with its value");
    pid_t parent = getpid();
    queued_sig = 0;
    pid = fork();
    if (pid == 0) {
        union sigval w = {.sival_int = 99};
        _exit(sigqueue(parent, SIGUSR1, w) == 0 ? 0 : 1);
    }
    int st;
    waitpid(pid, &st, 0);
    for (int i = 0; i < 200 && !queued_sig; i++)
        usleep(5000);
    check(queued_sig == SIGUSR1 && queued_value == 99 && queued_pid == pid,
          "sigqueue from a child: its value and pid");
    siginfo_t fake = {0};
    fake.si_code = SI_USER;
    pid = fork();
    if (pid == 0) {
        long r = syscall(SYS_rt_sigqueueinfo, parent, SIGUSR1, &fake);
        _exit(r == -1 && errno == EPERM ? 0 : 1);
    }
    waitpid(pid, &st, 0);
    check(WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "rt_sigqueueinfo posing as kill to another process: EPERM");
    fake.si_code = SI_QUEUE;
    check(syscall(SYS_rt_sigqueueinfo, 1 << 30, SIGUSR1, &fake) == -1 && errno == ESRCH,
          "rt_sigqueueinfo no such process: ESRCH");
    signal(SIGUSR1, SIG_DFL);
}

/* ---- stop and continue ---- */

static volatile int job_codes[8], job_count;

static void on_chld_job(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    if (job_count < 8)
        job_codes[job_count++] = si->si_code * 100 + si->si_status;
}

static volatile sig_atomic_t tstps, conts;

static void on_tstp(int sig)
{
    if (sig == SIGTSTP)
        tstps++;
    else
        conts++;
}

static void wait_chld(int n)
{
    for (int i = 0; i < 400 && job_count < n; i++)
        usleep(5000);
}

static void test_stop_continue(void)
{
    volatile long *counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    *counter = 0;
    struct sigaction sa = {.sa_sigaction = on_chld_job, .sa_flags = SA_SIGINFO};
    sigaction(SIGCHLD, &sa, NULL);
    job_count = 0;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGCHLD, SIG_DFL);
        for (;;) {
            (*counter)++;
            usleep(1000);
        }
    }
    while (*counter < 3)
        usleep(1000);
    int st = 0;
    check(kill(pid, SIGSTOP) == 0, "SIGSTOP sent");
    check(waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP,
          "wait4 WUNTRACED: stopped by SIGSTOP");
    wait_chld(1);
    check(job_count >= 1 && job_codes[0] == CLD_STOPPED * 100 + SIGSTOP,
          "SIGCHLD CLD_STOPPED with si_status SIGSTOP");
    long before = *counter;
    usleep(100 * 1000);
    check(*counter == before, "a stopped process does not run");
    check(waitpid(pid, &st, WUNTRACED | WNOHANG) == 0, "the stop is reported once");
    check(kill(pid, SIGCONT) == 0, "SIGCONT sent");
    check(waitpid(pid, &st, WCONTINUED) == pid && WIFCONTINUED(st),
          "wait4 WCONTINUED: continued");
    wait_chld(2);
    check(job_count >= 2 && job_codes[1] == CLD_CONTINUED * 100 + SIGCONT,
          "SIGCHLD CLD_CONTINUED with si_status SIGCONT");
    before = *counter;
    for (int i = 0; i < 400 && *counter == before; i++)
        usleep(5000);
    check(*counter > before, "continued: it runs again");

    kill(pid, SIGSTOP);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    check(waitid(P_PID, pid, &si, WSTOPPED) == 0 && si.si_code == CLD_STOPPED &&
              si.si_status == SIGSTOP && si.si_pid == pid,
          "waitid WSTOPPED: CLD_STOPPED");
    kill(pid, SIGCONT);
    memset(&si, 0, sizeof(si));
    check(waitid(P_PID, pid, &si, WCONTINUED) == 0 && si.si_code == CLD_CONTINUED &&
              si.si_status == SIGCONT,
          "waitid WCONTINUED: CLD_CONTINUED");
    kill(pid, SIGSTOP);
    waitpid(pid, &st, WUNTRACED);
    kill(pid, SIGKILL);
    check(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
          "SIGKILL ends a stopped process");

    /* SIGTSTP with a handler does not stop; SIGCONT's handler runs */
    int p[2];
    pipe(p);
    pid = fork();
    if (pid == 0) {
        signal(SIGTSTP, on_tstp);
        signal(SIGCONT, on_tstp);
        write(p[1], "r", 1);
        while (!tstps || !conts)
            usleep(1000);
        _exit(tstps == 1 && conts == 1 ? 0 : 1);
    }
    char c;
    read(p[0], &c, 1);
    kill(pid, SIGTSTP);
    usleep(50 * 1000);
    kill(pid, SIGCONT);
    check(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "SIGTSTP and SIGCONT handlers run, no stop");

    /* SA_NOCLDSTOP: no SIGCHLD for a stop */
    sa.sa_flags = SA_SIGINFO | SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
    job_count = 0;
    pid = fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    kill(pid, SIGSTOP);
    check(waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st), "SA_NOCLDSTOP: wait4 sees the stop");
    usleep(50 * 1000);
    check(job_count == 0, "SA_NOCLDSTOP: no SIGCHLD for it");
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    signal(SIGCHLD, SIG_DFL);
    close(p[0]);
    close(p[1]);
    munmap((void *)counter, 4096);
}

static long elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* A child sleeps 300 ms (raw nanosleep, or clock_nanosleep with `clock`,
 * relative or TIMER_ABSTIME), stopped and continued meanwhile: the stop
 * neither ends the sleep early nor makes it EINTR (no handler runs;
 * Linux restarts the call), and the stopped time counts toward the 300 ms.
 * Its exit status: 0, 1 (rc not 0), 2 (woke before 300 ms), 3 (> 5 s). */
static int sleep_child(int how)
{
    struct timespec t0, req = {0, 300 * 1000 * 1000}, rem = {9, 9};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long rc;
    if (how == 0) {
        rc = syscall(SYS_nanosleep, &req, &rem);
    } else if (how == 1) {
        rc = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, &rem);
    } else {
        struct timespec end = t0;
        end.tv_nsec += req.tv_nsec;
        if (end.tv_nsec >= 1000000000) {
            end.tv_sec++;
            end.tv_nsec -= 1000000000;
        }
        rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &end, NULL);
    }
    long ms = elapsed_ms(&t0);
    return rc != 0 ? 1 : ms < 299 ? 2 : ms > 5000 ? 3 : 0;
}

static void test_sleep_stop(void)
{
    static const char *names[] = {"nanosleep", "clock_nanosleep relative",
                                  "clock_nanosleep TIMER_ABSTIME"};
    for (int how = 0; how < 3; how++) {
        int p[2], st = 0;
        char c;
        pipe(p);
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            write(p[1], "r", 1);
            _exit(sleep_child(how));
        }
        read(p[0], &c, 1);
        usleep(50 * 1000);
        kill(pid, SIGSTOP);
        int stopped = waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st);
        usleep(100 * 1000);
        kill(pid, SIGCONT);
        int done = waitpid(pid, &st, 0) == pid && WIFEXITED(st);
        char name[96];
        snprintf(name, sizeof(name), "%s after SIGSTOP/SIGCONT: 0, not early",
                 names[how]);
        check(stopped && done && WEXITSTATUS(st) == 0, name);
        if (!done || WEXITSTATUS(st))
            printf("# stopped %d, child's exit %d\n", stopped, done ? WEXITSTATUS(st) : -1);
        close(p[0]);
        close(p[1]);
    }
    struct timespec bad = {0, 1000000000};
    check(clock_nanosleep(CLOCK_MONOTONIC, 0, &bad, NULL) == EINVAL,
          "clock_nanosleep tv_nsec 1e9: EINVAL (returned)");
    check(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &bad, NULL) == EINVAL,
          "clock_nanosleep CLOCK_THREAD_CPUTIME_ID: EINVAL");
    /* with a SIGUSR1 handler the sleep ends early, EINTR and rem */
    struct sigaction sa = {.sa_handler = on_count};
    sigaction(SIGUSR1, &sa, NULL);
    int p[2];
    char c;
    pipe(p);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        struct timespec req = {5, 0}, rem = {0, 0};
        write(p[1], "r", 1);
        long rc = syscall(SYS_nanosleep, &req, &rem);
        _exit(rc == -1 && errno == EINTR && rem.tv_sec < 5 &&
                      (rem.tv_sec > 0 || rem.tv_nsec > 0) ? 0 : 1);
    }
    read(p[0], &c, 1);
    usleep(50 * 1000);
    kill(pid, SIGUSR1);
    int st = 0;
    check(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "nanosleep with a handler: EINTR and rem");
    signal(SIGUSR1, SIG_DFL);
    close(p[0]);
    close(p[1]);
}

int main(void)
{
    test_basic();
    test_masks();
    test_pending();
    test_faults();
    test_children();
    test_sigchld();
    test_sigreturn();
    test_waitid_sigqueue();
    test_stop_continue();
    test_sleep_stop();
    return failures != 0;
}
