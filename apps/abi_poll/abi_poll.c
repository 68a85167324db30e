/*
 * apps/abi_poll - poll, ppoll, select, pselect and epoll on pipes,
 * checked against Linux (the same binary runs natively, tests/native):
 * readiness bits, timeouts, a writer in a forked child waking a waiter,
 * nonblocking pipes, level/edge/one-shot epoll, nested epoll, a closed
 * file leaving the set, signals ending a wait with EINTR, bad arguments.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "apps/include/check.h"

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int poll1(int fd, short events, int ms)
{
    struct pollfd p = {fd, events, 0};
    int n = poll(&p, 1, ms);
    return n < 0 ? -errno : n == 0 ? 0 : p.revents;
}

static void on_alarm(int sig)
{
    (void)sig;
}

/* A child that sends SIGALRM to this process after `ms` milliseconds
 * (reaped by the caller's next reap()). */
static pid_t alarm_later(int ms)
{
    pid_t parent = getpid(), pid = fork();
    if (pid == 0) {
        usleep(ms * 1000);
        kill(parent, SIGALRM);
        _exit(0);
    }
    return pid;
}

/* A child that writes one byte to `fd` after `ms` milliseconds. */
static pid_t late_writer(int fd, int ms)
{
    pid_t pid = fork();
    if (pid == 0) {
        usleep(ms * 1000);
        if (write(fd, "w", 1) != 1)
            _exit(1);
        _exit(0);
    }
    return pid;
}

static void test_poll(void)
{
    int p[2];
    pipe(p);
    check(poll1(p[0], POLLIN, 0) == 0, "poll empty pipe: nothing, timeout 0");
    check(poll1(p[1], POLLOUT, 0) == POLLOUT, "poll pipe write end: POLLOUT");
    long long t0 = now_ms();
    check(poll1(p[0], POLLIN, 100) == 0, "poll empty pipe: 0 after a timeout");
    check(now_ms() - t0 >= 90, "poll timeout waited about 100 ms");
    write(p[1], "x", 1);
    check(poll1(p[0], POLLIN, -1) == POLLIN, "poll pipe with data: POLLIN");
    char c;
    read(p[0], &c, 1);
    pid_t pid = late_writer(p[1], 50);
    check(poll1(p[0], POLLIN, 5000) == POLLIN, "poll woken by a writer in a child");
    waitpid(pid, NULL, 0);
    read(p[0], &c, 1);
    close(p[1]);
    check(poll1(p[0], POLLIN, 0) == POLLHUP, "poll read end, writer closed: POLLHUP");
    close(p[0]);
    pipe(p);
    close(p[0]);
    check(poll1(p[1], POLLOUT, 0) == (POLLOUT | POLLERR),
          "poll write end, reader closed: POLLOUT|POLLERR");
    close(p[1]);
    struct pollfd bad[2] = {{999, POLLIN, 0}, {-1, POLLIN, 0}};
    check(poll(bad, 2, 0) == 1 && bad[0].revents == POLLNVAL && bad[1].revents == 0,
          "poll bad fd: POLLNVAL, negative fd ignored");
    errno = 0;
    check(poll((struct pollfd *)8, 1, 0) == -1 && errno == EFAULT, "poll bad array: EFAULT");
    check(poll(NULL, 0, 10) == 0, "poll no fds: a sleep");
}

static void test_ppoll_signal(void)
{
    int p[2];
    pipe(p);
    struct sigaction sa = {0};
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    pid_t k = alarm_later(50);
    struct pollfd pf = {p[0], POLLIN, 0};
    errno = 0;
    check(poll(&pf, 1, 5000) == -1 && errno == EINTR, "poll interrupted by a handler: EINTR");
    waitpid(k, NULL, 0);
    /* ppoll with SIGALRM blocked for the wait: the timeout ends it */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    sigprocmask(SIG_BLOCK, &block, &old);
    sigset_t none;
    sigemptyset(&none);
    k = alarm_later(50);
    struct timespec ts = {2, 0};
    errno = 0;
    check(ppoll(&pf, 1, &ts, &none) == -1 && errno == EINTR,
          "ppoll unblocks SIGALRM for the wait: EINTR");
    waitpid(k, NULL, 0);
    k = alarm_later(50);
    ts.tv_sec = 0;
    ts.tv_nsec = 400000000;
    check(ppoll(&pf, 1, &ts, &block) == 0, "ppoll with SIGALRM blocked: the timeout");
    waitpid(k, NULL, 0);
    sigset_t pend;
    sigpending(&pend);
    check(sigismember(&pend, SIGALRM), "ppoll: the blocked signal stays pending");
    sigprocmask(SIG_SETMASK, &old, NULL); /* the handler runs here */
    struct timespec badts = {0, 2000000000};
    errno = 0;
    check(ppoll(&pf, 1, &badts, NULL) == -1 && errno == EINVAL, "ppoll bad timespec: EINVAL");
    close(p[0]);
    close(p[1]);
}

static void test_select(void)
{
    int p[2];
    pipe(p);
    fd_set r, w;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(p[0], &r);
    FD_SET(p[1], &w);
    struct timeval tv = {0, 0};
    check(select(p[1] + 1, &r, &w, NULL, &tv) == 1 && !FD_ISSET(p[0], &r) &&
              FD_ISSET(p[1], &w),
          "select: write end ready, read end not");
    write(p[1], "x", 1);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    tv.tv_sec = 1;
    check(select(p[0] + 1, &r, NULL, NULL, &tv) == 1 && FD_ISSET(p[0], &r),
          "select: read end with data");
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    char c;
    read(p[0], &c, 1);
    tv.tv_sec = 0;
    tv.tv_usec = 50000;
    check(select(p[0] + 1, &r, NULL, NULL, &tv) == 0 && !FD_ISSET(p[0], &r),
          "select: timeout, the set cleared");
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    pid_t pid = late_writer(p[1], 50);
    tv.tv_sec = 5;
    check(select(p[0] + 1, &r, NULL, NULL, &tv) == 1 && FD_ISSET(p[0], &r),
          "select: woken by a writer in a child");
    waitpid(pid, NULL, 0);
    /* A closed descriptor inside the table: Linux trims nfds to the size of
       its descriptor table, so a number past it would be ignored, not EBADF. */
    int closed_fd = dup(p[0]);
    close(closed_fd);
    FD_ZERO(&r);
    FD_SET(closed_fd, &r);
    tv.tv_sec = 0;
    errno = 0;
    check(select(closed_fd + 1, &r, NULL, NULL, &tv) == -1 && errno == EBADF,
          "select closed fd: EBADF");
    errno = 0;
    check(select(-1, NULL, NULL, NULL, &tv) == -1 && errno == EINVAL, "select nfds -1: EINVAL");
    struct timespec ts = {0, 1000000};
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    check(pselect(p[0] + 1, &r, NULL, NULL, &ts, NULL) == 1, "pselect: data ready");
    close(p[0]);
    close(p[1]);
}

static void test_nonblock(void)
{
    int p[2];
    check(pipe2(p, O_NONBLOCK) == 0, "pipe2 O_NONBLOCK");
    check((fcntl(p[0], F_GETFL) & O_NONBLOCK) != 0, "F_GETFL shows O_NONBLOCK");
    char buf[8];
    errno = 0;
    check(read(p[0], buf, 8) == -1 && errno == EAGAIN, "nonblocking empty read: EAGAIN");
    static char big[70000];
    ssize_t n = write(p[1], big, sizeof(big));
    check(n > 0 && n < (ssize_t)sizeof(big), "nonblocking write fills the pipe partly");
    errno = 0;
    check(write(p[1], big, 1) == -1 && errno == EAGAIN, "nonblocking write to a full pipe: EAGAIN");
    fcntl(p[0], F_SETFL, 0);
    check((fcntl(p[0], F_GETFL) & O_NONBLOCK) == 0, "F_SETFL clears O_NONBLOCK");
    check(read(p[0], buf, 8) == 8, "blocking read again");
    close(p[0]);
    close(p[1]);
}

static void test_epoll(void)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    check(ep >= 0, "epoll_create1");
    int p[2];
    pipe(p);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 42}, out[4];
    check(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0, "epoll_ctl ADD");
    errno = 0;
    check(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == -1 && errno == EEXIST, "ADD twice: EEXIST");
    check(epoll_wait(ep, out, 4, 0) == 0, "epoll_wait nothing ready");
    long long t0 = now_ms();
    check(epoll_wait(ep, out, 4, 100) == 0 && now_ms() - t0 >= 90, "epoll_wait timeout");
    write(p[1], "ab", 2);
    check(epoll_wait(ep, out, 4, 0) == 1 && out[0].data.u64 == 42 && out[0].events == EPOLLIN,
          "epoll_wait: the pipe, with its data");
    check(epoll_wait(ep, out, 4, 0) == 1, "level-triggered: reported again");
    ev.events = EPOLLIN | EPOLLET;
    check(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0, "epoll_ctl MOD to edge-triggered");
    check(epoll_wait(ep, out, 4, 0) == 1, "edge-triggered: reported once after MOD");
    check(epoll_wait(ep, out, 4, 0) == 0, "edge-triggered: not again without new data");
    write(p[1], "c", 1);
    check(epoll_wait(ep, out, 4, 0) == 1, "edge-triggered: new data, a new edge");
    ev.events = EPOLLIN | EPOLLONESHOT;
    epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
    check(epoll_wait(ep, out, 4, 0) == 1, "one-shot: reported");
    write(p[1], "d", 1);
    check(epoll_wait(ep, out, 4, 0) == 0, "one-shot: disabled after it");
    epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
    check(epoll_wait(ep, out, 4, 0) == 1, "one-shot: armed again by MOD");
    char buf[16];
    read(p[0], buf, sizeof(buf));
    ev.events = EPOLLIN;
    epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
    pid_t pid = late_writer(p[1], 50);
    check(epoll_wait(ep, out, 4, 5000) == 1, "epoll_wait woken by a writer in a child");
    waitpid(pid, NULL, 0);
    read(p[0], buf, sizeof(buf));
    /* nested */
    int outer = epoll_create1(0);
    struct epoll_event oev = {.events = EPOLLIN, .data.u64 = 7};
    check(epoll_ctl(outer, EPOLL_CTL_ADD, ep, &oev) == 0, "an epoll inside an epoll");
    errno = 0;
    check(epoll_ctl(ep, EPOLL_CTL_ADD, outer, &oev) == -1 && errno == ELOOP, "a loop: ELOOP");
    check(epoll_wait(outer, out, 4, 0) == 0, "nested: nothing ready");
    write(p[1], "e", 1);
    check(epoll_wait(outer, out, 4, 1000) == 1 && out[0].data.u64 == 7, "nested: the inner one ready");
    check(poll1(ep, POLLIN, 0) == POLLIN, "poll on an epoll fd: POLLIN");
    /* hang-up, a closed file leaves the set */
    close(p[1]);
    read(p[0], buf, sizeof(buf));
    check(epoll_wait(ep, out, 4, 0) == 1 && out[0].events == EPOLLHUP, "writer closed: EPOLLHUP");
    close(p[0]);
    check(epoll_wait(ep, out, 4, 0) == 0, "a closed file leaves the set");
    /* errors */
    int fd = open("/dev/null", O_RDONLY), q[2];
    pipe(q);
    errno = 0;
    check(epoll_ctl(ep, EPOLL_CTL_DEL, q[0], NULL) == -1 && errno == ENOENT, "DEL not in the set: ENOENT");
    close(q[0]);
    close(q[1]);
    errno = 0;
    check(epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev) == -1 && errno == EBADF, "ADD bad fd: EBADF");
    errno = 0;
    check(epoll_ctl(fd, EPOLL_CTL_ADD, ep, &ev) == -1 && errno == EINVAL, "ctl on a non-epoll: EINVAL");
    errno = 0;
    check(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev) == -1 && errno == EINVAL, "ADD itself: EINVAL");
    errno = 0;
    check(epoll_wait(ep, out, 0, 0) == -1 && errno == EINVAL, "epoll_wait maxevents 0: EINVAL");
    errno = 0;
    check(epoll_wait(fd, out, 1, 0) == -1 && errno == EINVAL, "epoll_wait on a non-epoll: EINVAL");
    check(sys(SYS_epoll_create, 0, 0, 0, 0) == -EINVAL, "epoll_create(0): EINVAL");
    /* a signal */
    pid_t k = alarm_later(50);
    errno = 0;
    check(epoll_wait(ep, out, 4, 5000) == -1 && errno == EINTR, "epoll_wait interrupted: EINTR");
    waitpid(k, NULL, 0);
    close(fd);
    close(outer);
    close(ep);
}

/* Many epoll sets and polls, created and closed: nothing kept (the
 * guest's case compares free memory before and after). */
static void test_churn(void)
{
    int ok = 1;
    for (int round = 0; round < 300; round++) {
        int ep = epoll_create1(0), p[2];
        if (ep < 0 || pipe(p) < 0) {
            ok = 0;
            break;
        }
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT};
        epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
        epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev);
        struct epoll_event out[2];
        if (epoll_wait(ep, out, 2, 0) != 1)
            ok = 0;
        struct pollfd pf[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
        if (poll(pf, 2, 0) != 1)
            ok = 0;
        if (round % 2)
            epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);
        close(p[0]);
        close(p[1]);
        close(ep);
    }
    check(ok, "300 epoll sets and polls created and closed");
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    test_poll();
    test_ppoll_signal();
    test_select();
    test_nonblock();
    test_epoll();
    test_churn();
    return failures != 0;
}
