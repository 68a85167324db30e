/*
 * abi_bsdflock: flock(2), BSD locks: shared and exclusive locks of
 * different open file descriptions of one file (in one process and
 * between a parent and its forked children), LOCK_NB, the wait and its
 * end when the holder unlocks, conversion (Linux drops the old lock
 * first), a lock shared by dup and fork and released with the last
 * descriptor or at exit, independence from fcntl record locks, EINTR and
 * SA_RESTART, and the argument errors.  Children print nothing: they
 * report through their exit status, so the lines come in one order.
 * Exit status 0 only if all passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "apps/include/check.h"

static char path[64];

static int lk(int f, int op)
{
    return flock(f, op) == 0 ? 0 : -errno;
}

static int open_rw(void)
{
    return open(path, O_RDWR);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* The exit status of child `pid`, or -1. */
static int reap(pid_t pid)
{
    int st;
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

/* Whether a byte is waiting on `fd` within `ms`. */
static int readable(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, ms) == 1;
}

static void errors(int fd)
{
    check(lk(fd, 0) == -EINVAL, "bsdflock op 0: EINVAL");
    check(lk(fd, LOCK_SH | LOCK_EX) == -EINVAL, "bsdflock SH|EX: EINVAL");
    check(lk(fd, LOCK_NB) == -EINVAL, "bsdflock NB alone: EINVAL");
    check(lk(fd, 64) == -EINVAL, "bsdflock unknown bit: EINVAL");
    check(lk(-1, LOCK_SH) == -EBADF, "bsdflock fd -1: EBADF");
    check(lk(1000, LOCK_UN) == -EBADF, "bsdflock closed fd: EBADF");
    check(lk(fd, LOCK_UN) == 0, "bsdflock LOCK_UN without a lock: 0");
}

static void descriptions(void)
{
    int a = open_rw(), b = open_rw(), ro = open(path, O_RDONLY);
    check(lk(a, LOCK_EX) == 0, "bsdflock EX on a");
    check(lk(a, LOCK_EX) == 0, "bsdflock EX again on a");
    check(lk(b, LOCK_EX | LOCK_NB) == -EWOULDBLOCK, "bsdflock EX|NB on b: EWOULDBLOCK");
    check(lk(b, LOCK_SH | LOCK_NB) == -EWOULDBLOCK, "bsdflock SH|NB on b: EWOULDBLOCK");
    int d = dup(a);
    check(lk(d, LOCK_EX | LOCK_NB) == 0, "bsdflock a dup shares the lock");
    struct flock rl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    check(fcntl(b, F_OFD_SETLK, &rl) == 0, "bsdflock record locks are apart");
    close(a);
    check(lk(b, LOCK_EX | LOCK_NB) == -EWOULDBLOCK, "bsdflock held while a dup is open");
    close(d);
    check(lk(b, LOCK_EX | LOCK_NB) == 0, "bsdflock released at the last close");
    check(lk(b, LOCK_UN) == 0, "bsdflock LOCK_UN on b");
    check(lk(ro, LOCK_EX | LOCK_NB) == 0, "bsdflock EX on a read-only descriptor");
    check(lk(b, LOCK_SH | LOCK_NB) == -EWOULDBLOCK, "bsdflock SH|NB against EX");
    close(ro);
    close(b);
}

static void conversion(void)
{
    int a = open_rw(), b = open_rw();
    check(lk(a, LOCK_SH) == 0 && lk(b, LOCK_SH) == 0, "bsdflock two SH coexist");
    check(lk(a, LOCK_EX | LOCK_NB) == -EWOULDBLOCK, "bsdflock SH->EX|NB refused");
    /* Linux dropped a's lock before refusing: b converts freely */
    check(lk(b, LOCK_EX | LOCK_NB) == 0, "bsdflock refused conversion left no lock");
    check(lk(a, LOCK_SH | LOCK_NB) == -EWOULDBLOCK, "bsdflock SH|NB against the EX");
    check(lk(b, LOCK_SH) == 0, "bsdflock EX->SH");
    check(lk(a, LOCK_SH | LOCK_NB) == 0, "bsdflock SH beside the downgraded");
    close(a);
    close(b);
}

/* A child waits for the parent's EX; it gets it once the parent unlocks. */
static void contention(void)
{
    int a = open_rw(), p[2];
    check(pipe(p) == 0, "bsdflock pipe");
    check(lk(a, LOCK_EX) == 0, "bsdflock parent EX");
    pid_t pid = fork();
    if (pid == 0) {
        int own = open_rw();
        int rc = lk(own, LOCK_EX | LOCK_NB) == -EWOULDBLOCK ? 0 : 10;
        if (write(p[1], "r", 1) != 1)
            rc = 11;
        if (lk(own, LOCK_EX) != 0)
            rc = 12;
        if (write(p[1], "g", 1) != 1)
            rc = 13;
        sleep_ms(300); /* held: the parent's NB tries fail meanwhile */
        _exit(rc); /* the lock goes with the exit */
    }
    char c = 0;
    check(read(p[0], &c, 1) == 1 && c == 'r', "bsdflock child tried NB");
    check(!readable(p[0], 200), "bsdflock child waits for the parent's EX");
    check(lk(a, LOCK_UN) == 0, "bsdflock parent unlocks");
    check(read(p[0], &c, 1) == 1 && c == 'g', "bsdflock child got the lock");
    check(lk(a, LOCK_SH | LOCK_NB) == -EWOULDBLOCK, "bsdflock parent refused while the child holds");
    check(reap(pid) == 0, "bsdflock child status");
    check(lk(a, LOCK_EX | LOCK_NB) == 0, "bsdflock released at the child's exit");
    close(a);
    close(p[0]);
    close(p[1]);
}

/* fork shares the description: the child's LOCK_UN drops the parent's. */
static void fork_shares(void)
{
    int a = open_rw(), b = open_rw();
    check(lk(a, LOCK_EX) == 0, "bsdflock EX before fork");
    pid_t pid = fork();
    if (pid == 0)
        _exit(lk(a, LOCK_EX | LOCK_NB) == 0 && lk(a, LOCK_UN) == 0 ? 0 : 1);
    check(reap(pid) == 0, "bsdflock child holds the inherited lock");
    check(lk(b, LOCK_EX | LOCK_NB) == 0, "bsdflock the child's LOCK_UN released it");
    close(a);
    close(b);
}

/* A child's SH blocks the parent's conversion to EX until it unlocks. */
static void blocking_conversion(void)
{
    int a = open_rw(), p[2];
    check(pipe(p) == 0, "bsdflock pipe 2");
    check(lk(a, LOCK_SH) == 0, "bsdflock parent SH");
    pid_t pid = fork();
    if (pid == 0) {
        int own = open_rw();
        int rc = lk(own, LOCK_SH) == 0 ? 0 : 1;
        if (write(p[1], "s", 1) != 1)
            rc = 2;
        sleep_ms(200);
        _exit(rc | (lk(own, LOCK_UN) == 0 ? 0 : 4));
    }
    char c;
    check(read(p[0], &c, 1) == 1, "bsdflock child SH");
    check(lk(a, LOCK_EX | LOCK_NB) == -EWOULDBLOCK, "bsdflock EX|NB beside the child's SH");
    check(lk(a, LOCK_EX) == 0, "bsdflock waited conversion to EX");
    check(reap(pid) == 0, "bsdflock child 2 status");
    close(a);
    close(p[0]);
    close(p[1]);
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

/* A child waits on the parent's EX with a timer signal: without
 * SA_RESTART flock returns EINTR, with it the wait goes on. */
static void interrupted(int restart)
{
    int a = open_rw(), p[2];
    check(pipe(p) == 0, "bsdflock pipe 3");
    check(lk(a, LOCK_EX) == 0, "bsdflock parent EX 3");
    pid_t pid = fork();
    if (pid == 0) {
        int own = open_rw();
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_alarm;
        sa.sa_flags = restart ? SA_RESTART : 0;
        sigaction(SIGALRM, &sa, NULL);
        struct itimerval it = {{0, 0}, {0, 100000}};
        if (write(p[1], "w", 1) != 1)
            _exit(1);
        setitimer(ITIMER_REAL, &it, NULL);
        int rc = lk(own, LOCK_EX);
        if (restart)
            _exit(rc == 0 && alarms == 1 ? 0 : 2);
        _exit(rc == -EINTR && alarms == 1 ? 0 : 3);
    }
    char c;
    check(read(p[0], &c, 1) == 1, "bsdflock child 3 waits");
    if (restart)
        sleep_ms(400);
    else
        check(reap(pid) == 0, "bsdflock signal without SA_RESTART: EINTR");
    check(lk(a, LOCK_UN) == 0, "bsdflock parent unlocks 3");
    if (restart)
        check(reap(pid) == 0, "bsdflock signal with SA_RESTART: restarted");
    close(a);
    close(p[0]);
    close(p[1]);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    snprintf(path, sizeof(path), "/tmp/abi_bsdflock.%d", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    check(fd >= 0, "bsdflock create the file");
    errors(fd);
    descriptions();
    conversion();
    contention();
    fork_shares();
    blocking_conversion();
    interrupted(0);
    interrupted(1);
    close(fd);
    check(unlink(path) == 0, "bsdflock unlink");
    return failures != 0;
}
