/*
 * apps/abi_eventfd - eventfd, eventfd2 and timerfd checked against Linux (the same
 * binary runs natively, tests/native): the counter's read and write, the
 * semaphore mode, the limits, nonblocking and blocking ends (a writer in
 * a forked child and a thread waking a reader), poll and epoll readiness,
 * a signal ending a blocked read, flags and bad arguments; timerfds
 * one-shot, periodic (the count of expirations), absolute, blocking,
 * polled, and their errors.  With the argument "leak": thousands of
 * eventfds and timerfds made and closed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "apps/include/check.h"
#include "apps/include/memprobe.h"

static int revents(int fd, short events)
{
    struct pollfd p = {fd, events, 0};
    int n = poll(&p, 1, 0);
    return n < 0 ? -errno : p.revents;
}

static long rd(int fd, uint64_t *v)
{
    long n = read(fd, v, sizeof(*v));
    return n < 0 ? -errno : n;
}

static long wr(int fd, uint64_t v)
{
    long n = write(fd, &v, sizeof(v));
    return n < 0 ? -errno : n;
}

static void check_counter(void)
{
    int fd = eventfd(3, 0);
    uint64_t v = 0;
    check(fd >= 0, "eventfd(3, 0)");
    check(rd(fd, &v) == 8 && v == 3, "read takes the initial count");
    check(wr(fd, 5) == 8 && wr(fd, 7) == 8, "two writes");
    check(rd(fd, &v) == 8 && v == 12, "read takes their sum");
    check(wr(fd, 0) == 8, "a write of 0 succeeds");
    check(revents(fd, POLLIN | POLLOUT) == POLLOUT, "count 0: POLLOUT only");
    check(wr(fd, 0xfffffffffffffffeull) == 8, "the largest count fits");
    check(revents(fd, POLLIN | POLLOUT) == POLLIN, "count at the limit: POLLIN only");
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    check(wr(fd, 1) == -EAGAIN, "a write past the limit: EAGAIN when nonblocking");
    check(wr(fd, 0xffffffffffffffffull) == -EINVAL, "a write of 2^64-1: EINVAL");
    char small[4];
    check(read(fd, small, 4) == -1 && errno == EINVAL, "read of 4 bytes: EINVAL");
    check(write(fd, small, 4) == -1 && errno == EINVAL, "write of 4 bytes: EINVAL");
    void *gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(gone, 4096); /* a user address with nothing mapped */
    check(read(fd, gone, 8) == -1 && errno == EFAULT, "read to an unmapped buffer: EFAULT");
    check(rd(fd, &v) == -EAGAIN, "a failed read took the count: EAGAIN after");
    char big[16] = {0};
    wr(fd, 1);
    check(read(fd, big, 16) == 8, "a 16-byte read reads 8");
    close(fd);
}

static void check_semaphore(void)
{
    int fd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
    uint64_t v = 0;
    check(rd(fd, &v) == 8 && v == 1, "semaphore: a read takes 1");
    check(rd(fd, &v) == 8 && v == 1, "semaphore: again 1");
    check(rd(fd, &v) == -EAGAIN, "semaphore: then EAGAIN");
    wr(fd, 3);
    int n = 0;
    while (rd(fd, &v) == 8)
        n++;
    check(n == 3, "semaphore: a write of 3 gives 3 reads");
    close(fd);
}

static void check_flags(void)
{
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    check((fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK)) == (O_RDWR | O_NONBLOCK),
          "F_GETFL: O_RDWR|O_NONBLOCK");
    check(fcntl(fd, F_GETFD) == FD_CLOEXEC, "EFD_CLOEXEC: FD_CLOEXEC");
    close(fd);
    fd = eventfd(0, 0);
    check(fcntl(fd, F_GETFD) == 0, "no EFD_CLOEXEC: no FD_CLOEXEC");
    struct stat st;
    check(fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == 0, "fstat: no file type");
    close(fd);
    errno = 0;
    check(eventfd(0, 0x10) == -1 && errno == EINVAL, "unknown flag: EINVAL");
    check(sys(SYS_eventfd2, 0, EFD_SEMAPHORE << 4, 0, 0) == -EINVAL,
          "eventfd2 unknown flag bits: EINVAL");
    long raw = sys(SYS_eventfd, 9, 0, 0, 0);
    uint64_t v = 0;
    check(raw >= 0 && rd((int)raw, &v) == 8 && v == 9, "eventfd (no flags): initial count");
    close((int)raw);
}

/* ---- blocking ---- */

static void *late_write(void *arg)
{
    usleep(100 * 1000);
    wr(*(int *)arg, 42);
    return NULL;
}

static void on_alarm(int sig)
{
    (void)sig;
}

static void check_blocking(void)
{
    int fd = eventfd(0, 0);
    uint64_t v = 0;
    pthread_t th;
    pthread_create(&th, NULL, late_write, &fd);
    check(rd(fd, &v) == 8 && v == 42, "a blocked read is woken by a thread's write");
    pthread_join(th, NULL);

    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        usleep(100 * 1000);
        wr(fd, 7);
        _exit(0);
    }
    check(rd(fd, &v) == 8 && v == 7, "a blocked read is woken by a child's write");
    waitpid(pid, NULL, 0);

    /* a write that would pass the limit waits for a read */
    wr(fd, 0xfffffffffffffffeull);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        usleep(100 * 1000);
        uint64_t x;
        rd(fd, &x);
        _exit(x == 0xfffffffffffffffeull ? 0 : 1);
    }
    int st = -1;
    check(wr(fd, 5) == 8, "a blocked write is woken by a read");
    waitpid(pid, &st, 0);
    check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the reader took the full count");
    check(rd(fd, &v) == 8 && v == 5, "then the write's count is there");

    struct sigaction sa = {.sa_handler = on_alarm};
    sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART: EINTR */
    pid_t parent = getpid();
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        usleep(100 * 1000);
        kill(parent, SIGALRM);
        _exit(0);
    }
    check(rd(fd, &v) == -EINTR, "a signal ends a blocked read: EINTR");
    waitpid(pid, NULL, 0);
    signal(SIGALRM, SIG_DFL);
    close(fd);
}

/* ---- poll and epoll ---- */

static void check_epoll(void)
{
    int fd = eventfd(0, EFD_NONBLOCK);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u32 = 77};
    check(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0, "epoll: ADD an eventfd");
    struct epoll_event out[2];
    check(epoll_wait(ep, out, 2, 0) == 0, "epoll: count 0, nothing");
    wr(fd, 1);
    check(epoll_wait(ep, out, 2, 0) == 1 && out[0].events == EPOLLIN &&
              out[0].data.u32 == 77,
          "epoll: a write makes it EPOLLIN");
    check(epoll_wait(ep, out, 2, 0) == 0, "epoll: edge-triggered, reported once");
    wr(fd, 1);
    check(epoll_wait(ep, out, 2, 0) == 1, "epoll: another write, another edge");
    pthread_t th;
    uint64_t v;
    rd(fd, &v);
    pthread_create(&th, NULL, late_write, &fd);
    check(epoll_wait(ep, out, 2, 5000) == 1 && out[0].events == EPOLLIN,
          "epoll_wait is woken by a thread's write");
    pthread_join(th, NULL);
    struct pollfd p = {fd, POLLIN, 0};
    check(poll(&p, 1, 0) == 1 && p.revents == POLLIN, "poll: POLLIN");
    rd(fd, &v);
    pthread_create(&th, NULL, late_write, &fd);
    p.revents = 0;
    check(poll(&p, 1, 5000) == 1 && p.revents == POLLIN, "poll is woken by a thread's write");
    pthread_join(th, NULL);
    close(ep);
    close(fd);
}

/* ---- timerfd ---- */

static int arm_ms(int fd, int flags, long value_ms, long interval_ms,
                  struct itimerspec *old)
{
    struct itimerspec its = {{interval_ms / 1000, interval_ms % 1000 * 1000000},
                             {value_ms / 1000, value_ms % 1000 * 1000000}};
    return timerfd_settime(fd, flags, &its, old);
}

static void check_timerfd(void)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    uint64_t v = 0;
    check(fd >= 0, "timerfd_create MONOTONIC");
    check(rd(fd, &v) == -EAGAIN, "timerfd: disarmed, read EAGAIN");
    struct itimerspec cur;
    check(timerfd_gettime(fd, &cur) == 0 && !cur.it_value.tv_sec && !cur.it_value.tv_nsec,
          "timerfd_gettime: disarmed, 0");
    check(arm_ms(fd, 0, 50, 0, NULL) == 0, "timerfd_settime 50 ms");
    check(revents(fd, POLLIN) == 0, "timerfd: not yet readable");
    struct pollfd p = {fd, POLLIN, 0};
    check(poll(&p, 1, 5000) == 1 && p.revents == POLLIN, "timerfd: poll POLLIN at expiry");
    check(rd(fd, &v) == 8 && v == 1, "timerfd: read 1 expiration");
    check(rd(fd, &v) == -EAGAIN, "timerfd: then EAGAIN");

    arm_ms(fd, 0, 20, 20, NULL);
    usleep(300 * 1000);
    check(rd(fd, &v) == 8 && v >= 5, "timerfd periodic: the count of expirations");
    check(timerfd_gettime(fd, &cur) == 0 && cur.it_interval.tv_sec == 0 &&
              cur.it_interval.tv_nsec == 20000000 && cur.it_value.tv_sec == 0 &&
              cur.it_value.tv_nsec <= 20000000,
          "timerfd_gettime: the interval, what is left of it");
    struct itimerspec old;
    check(arm_ms(fd, 0, 0, 0, &old) == 0 && old.it_interval.tv_nsec == 20000000,
          "timerfd_settime 0 disarms, old value returned");
    usleep(50 * 1000);
    check(rd(fd, &v) == -EAGAIN, "timerfd: disarmed, nothing more");

    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    struct itimerspec abs = {{0, 0}, {now.tv_sec - 1, now.tv_nsec}};
    check(timerfd_settime(fd, TFD_TIMER_ABSTIME, &abs, NULL) == 0 && rd(fd, &v) == 8 && v == 1,
          "timerfd absolute time in the past: readable at once");
    close(fd);

    fd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC);
    check(fcntl(fd, F_GETFD) == FD_CLOEXEC, "TFD_CLOEXEC: FD_CLOEXEC");
    check((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR, "timerfd F_GETFL: O_RDWR");
    clock_gettime(CLOCK_REALTIME, &now);
    abs.it_value.tv_sec = now.tv_sec;
    abs.it_value.tv_nsec = now.tv_nsec + 50000000;
    if (abs.it_value.tv_nsec >= 1000000000) {
        abs.it_value.tv_sec++;
        abs.it_value.tv_nsec -= 1000000000;
    }
    timerfd_settime(fd, TFD_TIMER_ABSTIME, &abs, NULL);
    check(rd(fd, &v) == 8 && v == 1, "timerfd REALTIME absolute: a blocking read waits for it");
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 5}, out;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    arm_ms(fd, 0, 50, 0, NULL);
    check(epoll_wait(ep, &out, 1, 5000) == 1 && out.events == EPOLLIN && out.data.u32 == 5,
          "timerfd in epoll: EPOLLIN at expiry");
    close(ep);

    char small[4];
    check(read(fd, small, 4) == -1 && errno == EINVAL, "timerfd read of 4 bytes: EINVAL");
    check(write(fd, &v, 8) == -1 && errno == EINVAL, "timerfd write: EINVAL");
    errno = 0;
    check(timerfd_create(99, 0) == -1 && errno == EINVAL, "timerfd_create clock 99: EINVAL");
    check(timerfd_create(CLOCK_MONOTONIC, 0x40) == -1 && errno == EINVAL,
          "timerfd_create bad flags: EINVAL");
    struct itimerspec bad = {{0, 0}, {0, 1000000000}};
    check(timerfd_settime(fd, 0, &bad, NULL) == -1 && errno == EINVAL, "tv_nsec 1e9: EINVAL");
    check(timerfd_settime(fd, 0x10, &abs, NULL) == -1 && errno == EINVAL,
          "timerfd_settime bad flags: EINVAL");
    int efd = eventfd(0, 0);
    check(timerfd_settime(efd, 0, &abs, NULL) == -1 && errno == EINVAL,
          "timerfd_settime on an eventfd: EINVAL");
    check(timerfd_gettime(999, &cur) == -1 && errno == EBADF, "timerfd_gettime bad fd: EBADF");
    close(efd);
    close(fd);
}

/* ---- leak (guest) ---- */

/* Makes, uses and closes `n` eventfds: how many behaved. */
static int leak_round(int n)
{
    int ok = 0;
    for (int i = 0; i < n; i++) {
        int fd = eventfd((unsigned)i, EFD_NONBLOCK);
        uint64_t v = 0;
        if (fd >= 0 && rd(fd, &v) == (i ? 8 : -EAGAIN) && wr(fd, 1) == 8)
            ok++;
        close(fd);
        int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
        struct itimerspec its = {{0, 1000000}, {0, 1000000}};
        if (tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) < 0)
            ok--;
        close(tfd);
    }
    return ok;
}

static void check_leak(void)
{
    stack_touch();
    leak_round(100); /* the kernel's caches warmed */
    long before = free_frames();
    int ok = leak_round(3000);
    long after = free_frames();
    printf("# free frames before %ld after %ld\n", before, after);
    check(ok == 3000, "leak 3000 eventfds and timerfds made, used and closed");
    check(before > 0 && after == before, "leak no frame lost");
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "leak")) {
        check_leak();
        printf("abi_eventfd leak: %d failed\n", failures);
        return failures != 0;
    }
    check_counter();
    check_semaphore();
    check_flags();
    check_blocking();
    check_epoll();
    check_timerfd();
    printf("abi_eventfd: %d failed\n", failures);
    return failures != 0;
}
