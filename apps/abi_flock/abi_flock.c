/*
 * abi_flock: fcntl record locks between processes, as sqlite uses them
 * (F_GETLK, F_SETLK, F_SETLKW) and the open-file-description forms
 * (F_OFD_*): conflicts between a parent and its forked children, shared
 * read locks, splitting, merging and converting an owner's own locks,
 * release on close of any descriptor and at exit, no inheritance by fork,
 * waiting, EDEADLK, EINTR, and the argument errors.  A line shows what
 * F_GETLK reported, so that the comparison with Linux (check native)
 * covers the values, not only the verdicts.  Exit status 0 only if all
 * passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHECK_FLUSH
#include "apps/include/check.h"

static char path[64];
static int fd; /* the file, read-write, shared with the children */

/* check() with a formatted name. */
static void checkf(int cond, const char *fmt, ...)
{
    char name[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof(name), fmt, ap);
    va_end(ap);
    check(cond, name);
}

/* fcntl(f, cmd) with a lock of `type` on [start, start+len): 0 or -errno. */
static int lk(int f, int cmd, int type, off_t start, off_t len)
{
    struct flock l = {.l_type = (short)type, .l_whence = SEEK_SET,
                      .l_start = start, .l_len = len};
    return fcntl(f, cmd, &l) == 0 ? 0 : -errno;
}

static const char *type_name(int type)
{
    return type == F_RDLCK ? "read" : type == F_WRLCK ? "write" :
           type == F_UNLCK ? "none" : "?";
}

/* What F_GETLK (or `cmd`) says about a write (`type`) lock on the range,
 * as text: "none", or "write 0+100 by parent". */
static const char *probe(int f, int cmd, int type, off_t start, off_t len)
{
    static char text[80];
    struct flock l = {.l_type = (short)type, .l_whence = SEEK_SET,
                      .l_start = start, .l_len = len};
    if (fcntl(f, cmd, &l) != 0) {
        snprintf(text, sizeof(text), "error %d", errno);
        return text;
    }
    if (l.l_type == F_UNLCK)
        return "none";
    const char *who = l.l_pid == getppid() ? "parent" :
                      l.l_pid == getpid() ? "self" :
                      l.l_pid == -1 ? "ofd" : "other";
    snprintf(text, sizeof(text), "%s %lld+%lld by %s", type_name(l.l_type),
             (long long)l.l_start, (long long)l.l_len, who);
    return text;
}

static void probe_is(int f, int cmd, int type, off_t start, off_t len,
                     const char *want, const char *what)
{
    const char *got = probe(f, cmd, type, start, len);
    checkf(strcmp(got, want) == 0, "flock %s: %s", what, got);
}

/* Runs fn in a forked child and waits for it; its failures count here. */
static void in_child(void (*fn)(void))
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        fn();
        fflush(stdout);
        _exit(failures ? 1 : 0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    failures += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* ---- the parent holds, a child looks ---- */

static void child_sees_write(void)
{
    probe_is(fd, F_GETLK, F_WRLCK, 0, 0, "write 0+100 by parent",
             "a child sees the parent's write lock");
    probe_is(fd, F_GETLK, F_RDLCK, 100, 10, "none",
             "past the lock's end nothing conflicts");
    checkf(lk(fd, F_SETLK, F_WRLCK, 50, 10) == -EAGAIN,
           "flock a child's conflicting F_SETLK is EAGAIN");
    checkf(lk(fd, F_SETLK, F_RDLCK, 99, 1) == -EAGAIN,
           "flock a read lock under a write lock is EAGAIN");
    checkf(lk(fd, F_SETLK, F_WRLCK, 100, 10) == 0,
           "flock a child locks the bytes after");
}

static void child_reads(void)
{
    checkf(lk(fd, F_SETLK, F_RDLCK, 250, 10) == 0,
           "flock read locks are shared");
    checkf(lk(fd, F_SETLK, F_WRLCK, 250, 10) == -EAGAIN,
           "flock a write lock over another's read lock is EAGAIN");
    probe_is(fd, F_GETLK, F_WRLCK, 200, 100, "read 200+100 by parent",
             "F_GETLK reports the other owner's read lock, not our own");
}

static void child_split(void)
{
    probe_is(fd, F_GETLK, F_WRLCK, 0, 5, "write 0+10 by parent",
             "a converted range splits the lock: head");
    probe_is(fd, F_GETLK, F_WRLCK, 10, 10, "read 10+10 by parent",
             "a converted range splits the lock: middle");
    probe_is(fd, F_GETLK, F_RDLCK, 10, 10, "none",
             "a read lock does not conflict with a read lock");
    probe_is(fd, F_GETLK, F_WRLCK, 20, 1, "write 20+10 by parent",
             "a converted range splits the lock: tail up to the hole");
    probe_is(fd, F_GETLK, F_WRLCK, 30, 10, "none",
             "an unlocked hole in the middle");
    probe_is(fd, F_GETLK, F_WRLCK, 40, 0, "write 40+60 by parent",
             "the tail after the hole");
}

static void child_merged(void)
{
    probe_is(fd, F_GETLK, F_WRLCK, 0, 0, "write 0+30 by parent",
             "adjacent locks of one type merge");
    probe_is(fd, F_GETLK, F_WRLCK, 1000, 0, "write 1000+0 by parent",
             "a lock to the end of the file (l_len 0)");
}

static void child_none(void)
{
    probe_is(fd, F_GETLK, F_WRLCK, 0, 0, "none",
             "closing any descriptor drops the process's locks");
}

static void test_between_processes(void)
{
    probe_is(fd, F_GETLK, F_WRLCK, 0, 0, "none", "an unlocked file");
    checkf(lk(fd, F_SETLK, F_WRLCK, 0, 100) == 0, "flock the parent write-locks 0+100");
    probe_is(fd, F_GETLK, F_WRLCK, 0, 0, "none", "our own lock never conflicts");
    in_child(child_sees_write);
    /* the child's lock on 100+10 went with it */
    in_child(child_sees_write);

    checkf(lk(fd, F_SETLK, F_RDLCK, 200, 100) == 0, "flock the parent read-locks 200+100");
    in_child(child_reads);

    checkf(lk(fd, F_SETLK, F_RDLCK, 10, 10) == 0 && lk(fd, F_SETLK, F_UNLCK, 30, 10) == 0,
           "flock convert 10+10 to read, unlock 30+10");
    in_child(child_split);

    checkf(lk(fd, F_SETLK, F_UNLCK, 0, 0) == 0, "flock unlock everything");
    checkf(lk(fd, F_SETLK, F_WRLCK, 10, 10) == 0 && lk(fd, F_SETLK, F_WRLCK, 0, 10) == 0 &&
           lk(fd, F_SETLK, F_WRLCK, 20, 10) == 0 && lk(fd, F_SETLK, F_WRLCK, 1000, 0) == 0,
           "flock lock 10+10, 0+10, 20+10 and 1000 on");
    in_child(child_merged);

    int other = open(path, O_RDONLY);
    checkf(other >= 0 && close(other) == 0, "flock open and close another descriptor");
    in_child(child_none);
}

/* ---- fork, exit ---- */

static void child_locks_and_exits(void)
{
    checkf(lk(fd, F_SETLK, F_WRLCK, 0, 10) == 0, "flock a child locks 0+10");
}

static void grandchild_looks(void)
{
    probe_is(fd, F_GETLK, F_WRLCK, 0, 0, "write 0+1 by parent",
             "a fork child does not inherit its parent's lock");
    checkf(lk(fd, F_SETLK, F_UNLCK, 0, 0) == 0,
           "flock a child's unlock leaves the parent's lock alone");
}

static void child_forks(void)
{
    checkf(lk(fd, F_SETLK, F_WRLCK, 0, 1) == 0, "flock a child locks 0+1 and forks");
    in_child(grandchild_looks);
    probe_is(fd, F_GETLK, F_WRLCK, 0, 0, "none", "still ours after the grandchild's unlock");
}

static void test_fork_exit(void)
{
    in_child(child_locks_and_exits);
    checkf(lk(fd, F_SETLK, F_WRLCK, 0, 10) == 0, "flock an exited child's locks are gone");
    checkf(lk(fd, F_SETLK, F_UNLCK, 0, 0) == 0, "flock unlock");
    in_child(child_forks);
}

/* ---- waiting ---- */

static int sync_pipe[2];

static void child_waits(void)
{
    checkf(lk(fd, F_SETLK, F_WRLCK, 0, 10) == -EAGAIN, "flock a child finds 0+10 held");
    if (write(sync_pipe[1], "r", 1) != 1)
        return;
    int rc = lk(fd, F_SETLKW, F_WRLCK, 0, 10);
    char c = 0; /* the parent marks byte 5000 just before it unlocks */
    checkf(rc == 0 && pread(fd, &c, 1, 5000) == 1 && c == 'u',
           "flock F_SETLKW waits until the holder unlocks");
}

static void child_deadlocks(void)
{
    checkf(lk(fd, F_SETLK, F_WRLCK, 1, 1) == 0, "flock a child locks byte 1");
    if (write(sync_pipe[1], "r", 1) != 1)
        return;
    checkf(lk(fd, F_SETLKW, F_WRLCK, 0, 1) == 0,
           "flock the child gets byte 0 once the parent gave up");
}

static void on_usr1(int sig)
{
    (void)sig;
}

static void child_interrupted(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1; /* no SA_RESTART */
    sigaction(SIGUSR1, &sa, NULL);
    if (write(sync_pipe[1], "r", 1) != 1)
        return;
    int rc = lk(fd, F_SETLKW, F_WRLCK, 0, 1);
    checkf(rc == -EINTR, "flock a signal interrupts F_SETLKW: %s",
           rc == -EINTR ? "EINTR" : rc == 0 ? "locked" : "other error");
}

static void wait_ready(void)
{
    char c;
    if (read(sync_pipe[0], &c, 1) != 1)
        check(0, "flock the child said it was ready");
    sleep_ms(300); /* the child is asleep in F_SETLKW by now */
}

static void test_waiting(void)
{
    if (pipe(sync_pipe) != 0) {
        check(0, "flock pipe");
        return;
    }
    checkf(lk(fd, F_SETLK, F_WRLCK, 0, 10) == 0, "flock the parent locks 0+10");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        child_waits();
        _exit(failures ? 1 : 0);
    }
    wait_ready();
    if (pwrite(fd, "u", 1, 5000) != 1)
        check(0, "flock mark byte 5000");
    /* the child's line comes first: the parent reports after its wait, so
     * the order never depends on who runs first after the unlock */
    int unlocked = lk(fd, F_SETLK, F_UNLCK, 0, 10);
    int status = 0;
    waitpid(pid, &status, 0);
    failures += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    checkf(unlocked == 0, "flock the parent unlocks");

    /* a waiter killed in F_SETLKW leaves no trace behind */
    checkf(lk(fd, F_SETLK, F_WRLCK, 0, 1) == 0, "flock the parent locks byte 0");
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        if (write(sync_pipe[1], "r", 1) == 1)
            lk(fd, F_SETLKW, F_WRLCK, 0, 1);
        _exit(0);
    }
    wait_ready();
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    checkf(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
           "flock SIGKILL ends a task waiting in F_SETLKW");

    /* a cycle: we hold byte 0 and want byte 1, the child the reverse */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        child_deadlocks();
        _exit(failures ? 1 : 0);
    }
    wait_ready();
    int rc = lk(fd, F_SETLKW, F_WRLCK, 1, 1);
    checkf(rc == -EDEADLK, "flock F_SETLKW that closes a cycle is EDEADLK: %d", -rc);
    unlocked = lk(fd, F_SETLK, F_UNLCK, 0, 1);
    waitpid(pid, &status, 0);
    failures += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    checkf(unlocked == 0, "flock the parent lets byte 0 go");

    checkf(lk(fd, F_SETLK, F_WRLCK, 0, 1) == 0, "flock the parent locks byte 0 again");
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        child_interrupted();
        _exit(failures ? 1 : 0);
    }
    wait_ready();
    kill(pid, SIGUSR1);
    waitpid(pid, &status, 0);
    failures += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    checkf(lk(fd, F_SETLK, F_UNLCK, 0, 0) == 0, "flock unlock");
    close(sync_pipe[0]);
    close(sync_pipe[1]);
}

/* ---- open file description locks ---- */

static int ofd_lk(int f, int cmd, int type, off_t start, off_t len)
{
    struct flock l = {.l_type = (short)type, .l_whence = SEEK_SET,
                      .l_start = start, .l_len = len, .l_pid = 0};
    return fcntl(f, cmd, &l) == 0 ? 0 : -errno;
}

static void child_ofd(void)
{
    probe_is(fd, F_OFD_GETLK, F_WRLCK, 0, 0, "none",
             "a fork child shares the description's OFD lock");
    int own = open(path, O_RDWR);
    probe_is(own, F_OFD_GETLK, F_WRLCK, 0, 0, "write 0+10 by ofd",
             "a child's own description sees it");
    checkf(ofd_lk(own, F_OFD_SETLK, F_WRLCK, 5, 1) == -EAGAIN,
           "flock another description's OFD F_OFD_SETLK is EAGAIN");
    close(own);
}

static void test_ofd(void)
{
    int a = open(path, O_RDWR), b = open(path, O_RDWR);
    checkf(ofd_lk(fd, F_OFD_SETLK, F_WRLCK, 0, 10) == 0, "flock an OFD write lock on 0+10");
    probe_is(b, F_OFD_GETLK, F_WRLCK, 0, 0, "write 0+10 by ofd",
             "another description of the same process sees it (pid -1)");
    checkf(ofd_lk(b, F_OFD_SETLK, F_RDLCK, 0, 1) == -EAGAIN,
           "flock OFD locks of one process conflict between descriptions");
    checkf(lk(a, F_SETLK, F_RDLCK, 5, 1) == -EAGAIN,
           "flock a classic lock of the same process conflicts with an OFD lock");
    probe_is(a, F_GETLK, F_WRLCK, 0, 0, "write 0+10 by ofd",
             "F_GETLK reports an OFD lock with pid -1");
    in_child(child_ofd);

    int d = dup(fd);
    checkf(d >= 0 && close(d) == 0, "flock dup and close the locked description");
    probe_is(b, F_OFD_GETLK, F_WRLCK, 0, 0, "write 0+10 by ofd",
             "closing a duplicate keeps the OFD lock");
    checkf(close(a) == 0, "flock close a descriptor with a classic lock attempt");
    probe_is(b, F_OFD_GETLK, F_WRLCK, 0, 0, "write 0+10 by ofd",
             "closing another descriptor of the process keeps the OFD lock");

    int c = open(path, O_RDWR);
    checkf(ofd_lk(c, F_OFD_SETLK, F_WRLCK, 100, 10) == 0, "flock an OFD lock on a third description");
    checkf(close(c) == 0, "flock close the third description");
    probe_is(b, F_OFD_GETLK, F_WRLCK, 100, 10, "none",
             "the description's last close drops its OFD lock");

    struct flock bad = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 1, .l_pid = 1};
    checkf(fcntl(b, F_OFD_SETLK, &bad) == -1 && errno == EINVAL,
           "flock F_OFD_SETLK with l_pid set is EINVAL");
    checkf(ofd_lk(fd, F_OFD_SETLK, F_UNLCK, 0, 0) == 0, "flock OFD unlock");
    close(b);
}

/* ---- arguments ---- */

static void test_arguments(void)
{
    int ro = open(path, O_RDONLY), wo = open(path, O_WRONLY);
    checkf(lk(ro, F_SETLK, F_WRLCK, 0, 1) == -EBADF, "flock a write lock on a read-only descriptor is EBADF");
    checkf(lk(wo, F_SETLK, F_RDLCK, 0, 1) == -EBADF, "flock a read lock on a write-only descriptor is EBADF");
    checkf(lk(ro, F_SETLK, F_RDLCK, 0, 1) == 0 && lk(ro, F_SETLK, F_UNLCK, 0, 1) == 0,
           "flock a read lock on a read-only descriptor");
    close(ro); /* before the locks below: a close drops them all */
    close(wo);
    checkf(lk(fd, F_SETLK, 7, 0, 1) == -EINVAL, "flock l_type 7 is EINVAL");
    checkf(lk(fd, F_GETLK, F_UNLCK, 0, 1) == -EINVAL, "flock F_GETLK of F_UNLCK is EINVAL");
    checkf(lk(fd, F_SETLK, F_WRLCK, -1, 1) == -EINVAL, "flock a negative start is EINVAL");
    checkf(lk(fd, F_SETLK, F_WRLCK, 5, -10) == -EINVAL, "flock a negative length reaching below 0 is EINVAL");
    struct flock w = {.l_type = F_WRLCK, .l_whence = 9, .l_len = 1};
    checkf(fcntl(fd, F_SETLK, &w) == -1 && errno == EINVAL, "flock l_whence 9 is EINVAL");
    checkf(fcntl(fd, F_SETLK, (struct flock *)8) == -1 && errno == EFAULT, "flock a bad pointer is EFAULT");
    checkf(lk(12345 % 60 + 3, F_SETLK, F_WRLCK, 0, 1) == -EBADF, "flock a closed descriptor is EBADF");
    struct flock big = {.l_type = F_WRLCK, .l_whence = SEEK_SET,
                        .l_start = 0x7fffffffffffff00LL, .l_len = 0x1000};
    checkf(fcntl(fd, F_SETLK, &big) == -1 && errno == EOVERFLOW, "flock a range past the largest offset is EOVERFLOW");

    /* a negative length locks the bytes before l_start; SEEK_END and
     * SEEK_CUR are relative to the size and the position */
    checkf(lk(fd, F_SETLK, F_WRLCK, 50, -20) == 0, "flock lock 50 with length -20");
    struct flock e = {.l_type = F_WRLCK, .l_whence = SEEK_END, .l_start = -4000, .l_len = 10};
    checkf(fcntl(fd, F_SETLK, &e) == 0, "flock lock 10 bytes at 4000 before the end");
    lseek(fd, 3000, SEEK_SET);
    struct flock c = {.l_type = F_RDLCK, .l_whence = SEEK_CUR, .l_start = 10, .l_len = 5};
    checkf(fcntl(fd, F_SETLK, &c) == 0, "flock read-lock 5 bytes 10 past the position");
}

static void child_relative(void)
{
    probe_is(fd, F_GETLK, F_WRLCK, 0, 100, "write 30+20 by parent",
             "a negative length covered the bytes before");
    probe_is(fd, F_GETLK, F_WRLCK, 100, 0, "read 3010+5 by parent",
             "SEEK_CUR: relative to the file position");
    probe_is(fd, F_GETLK, F_WRLCK, 3100, 0, "write 4192+10 by parent",
             "SEEK_END: relative to the size");
}

int main(void)
{
    snprintf(path, sizeof(path), "/tmp/abi_flock.%d", (int)getpid());
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    char page[8192];
    memset(page, 'x', sizeof(page));
    check(fd >= 0 && write(fd, page, sizeof(page)) == (long)sizeof(page),
          "flock make an 8 KiB file");

    test_between_processes();
    checkf(lk(fd, F_SETLK, F_UNLCK, 0, 0) == 0, "flock unlock everything");
    test_fork_exit();
    test_waiting();
    test_ofd();
    test_arguments();
    in_child(child_relative);

    check(unlink(path) == 0, "flock unlink the open file");
    probe_is(fd, F_GETLK, F_WRLCK, 0, 0, "none", "the unlinked file keeps our locks, ours never conflict");
    close(fd);
    return failures != 0;
}
