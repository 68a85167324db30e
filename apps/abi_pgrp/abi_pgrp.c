/*
 * apps/abi_pgrp - process groups and sessions: getpgid/getpgrp/getsid,
 * setpgid's rules and errors (ESRCH, EINVAL, EPERM, EACCES after execve),
 * setsid, kill and wait4 by group, /proc/self/stat's pgrp and session, and
 * the orphaned-group rules: a SIGTSTP is discarded in an orphaned group
 * and stops a process in a group that is not; a group orphaned by an exit
 * while a member is stopped gets SIGHUP then SIGCONT.  Only the parent
 * prints (children answer by exit status), so the lines keep their order;
 * they are compared with the same binary on Linux (tests/native/abi.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "apps/include/check.h"

#define NO_SUCH_PID 0x3fffffff /* above Linux's pid_max */

/* Waits for `pid`: its exit status, 128 + signal when killed, -1 else. */
static int reap(pid_t pid)
{
    int st;
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
}

/* A child that blocks until `fd` reads end of file, then exits 0. */
static pid_t waiting_child(int fd, int other)
{
    pid_t pid = fork();
    if (pid == 0) {
        close(other);
        char c;
        while (read(fd, &c, 1) > 0)
            ;
        _exit(0);
    }
    return pid;
}

/* Reads "pgrp session" (fields 5 and 6) of /proc/self/stat. */
static int stat_ids(int *pgrp, int *sid)
{
    char buf[512];
    int fd = open("/proc/self/stat", O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    char state;
    int ppid;
    return p && sscanf(p + 1, " %c %d %d %d", &state, &ppid, pgrp, sid) == 4 ? 0 : -1;
}

static void test_ids(void)
{
    /* getsid(0) may be 0 on Linux: a PID namespace (a CI container) whose
       session leader lies outside it has no number for that leader. */
    check(getpgrp() == getpgid(0) && getpgid(getpid()) == getpgrp() &&
              getsid(0) == getsid(getpid()) && getsid(0) >= 0,
          "pgrp getpgrp, getpgid(0), getpgid(self) agree; getsid(0) = getsid(self)");
    errno = 0;
    check(getpgid(NO_SUCH_PID) == -1 && errno == ESRCH, "pgrp getpgid of no process: ESRCH");
    errno = 0;
    check(getsid(NO_SUCH_PID) == -1 && errno == ESRCH, "pgrp getsid of no process: ESRCH");
    errno = 0;
    check(setpgid(0, -1) == -1 && errno == EINVAL, "pgrp setpgid to a negative group: EINVAL");
    errno = 0;
    check(setpgid(NO_SUCH_PID, 0) == -1 && errno == ESRCH,
          "pgrp setpgid of a process that is not a child: ESRCH");
    int pg, sid;
    check(stat_ids(&pg, &sid) == 0 && pg == getpgrp() && sid == getsid(0),
          "pgrp /proc/self/stat's pgrp and session fields");
}

/* Two children moved into the first one's group, killed and reaped by it. */
static void test_groups(void)
{
    int p[2];
    if (pipe(p) != 0)
        return check(0, "pgrp pipe");
    pid_t a = waiting_child(p[0], p[1]);
    pid_t b = waiting_child(p[0], p[1]);
    check(setpgid(a, a) == 0 && getpgid(a) == a && getsid(a) == getsid(0),
          "pgrp setpgid(child, child): a new group in the same session");
    check(setpgid(b, a) == 0 && getpgid(b) == a, "pgrp setpgid(child, group): joins it");
    errno = 0;
    check(setpgid(b, NO_SUCH_PID) == -1 && errno == EPERM,
          "pgrp setpgid to a group that does not exist: EPERM");
    check(getpgrp() != a, "pgrp the parent stays in its group");
    check(kill(-a, SIGTERM) == 0, "pgrp kill(-group) sends to the group");
    int st1, st2;
    pid_t w1 = waitpid(-a, &st1, 0), w2 = waitpid(-a, &st2, 0);
    check(((w1 == a && w2 == b) || (w1 == b && w2 == a)) && WIFSIGNALED(st1) &&
              WTERMSIG(st1) == SIGTERM && WIFSIGNALED(st2) && WTERMSIG(st2) == SIGTERM,
          "pgrp waitpid(-group) reaps both, each killed by SIGTERM");
    errno = 0;
    check(waitpid(-a, &st1, WNOHANG) == -1 && errno == ECHILD,
          "pgrp waitpid(-group) with none left: ECHILD");
    errno = 0;
    check(kill(-a, 0) == -1 && errno == ESRCH, "pgrp kill(-group) of an empty group: ESRCH");
    close(p[0]);
    close(p[1]);

    /* waitpid(0): only the caller's group */
    if (pipe(p) != 0)
        return check(0, "pgrp pipe");
    pid_t same = waiting_child(p[0], p[1]);
    pid_t other = waiting_child(p[0], p[1]);
    setpgid(other, other);
    close(p[0]);
    close(p[1]); /* both exit now */
    int st;
    check(waitpid(0, &st, 0) == same && WIFEXITED(st), "pgrp waitpid(0) reaps the child of our group");
    errno = 0;
    check(waitpid(0, &st, 0) == -1 && errno == ECHILD,
          "pgrp waitpid(0) with only another group's child: ECHILD");
    check(waitpid(-other, &st, 0) == other, "pgrp waitpid(-group) reaps the other");
}

/* The child of test_setsid: a session of its own. */
static int setsid_child(int ready, int go)
{
    int bad = 0;
    pid_t me = getpid();
    bad |= (setsid() != me) << 0;
    bad |= (getsid(0) != me || getpgrp() != me) << 1;
    int pg, sid;
    bad |= (stat_ids(&pg, &sid) != 0 || pg != me || sid != me) << 2;
    errno = 0;
    bad |= (setsid() != -1 || errno != EPERM) << 3;
    if (write(ready, "r", 1) != 1)
        bad |= 1 << 4;
    char c;
    if (read(go, &c, 1) != 1)
        bad |= 1 << 5;
    /* an orphaned group (the parent is in another session): no stop */
    raise(SIGTSTP);
    return bad;
}

static void test_setsid(void)
{
    int up[2], down[2];
    if (pipe(up) != 0 || pipe(down) != 0)
        return check(0, "pgrp pipes");
    pid_t c = fork();
    if (c == 0)
        _exit(setsid_child(up[1], down[0]));
    char r;
    check(read(up[0], &r, 1) == 1 && getsid(c) == c && getpgid(c) == c,
          "pgrp setsid: the child leads a new session and group");
    errno = 0;
    check(setpgid(c, c) == -1 && errno == EPERM,
          "pgrp setpgid of a child in another session: EPERM");
    check(write(down[1], "g", 1) == 1, "pgrp let the child go");
    int st;
    pid_t w = waitpid(c, &st, WUNTRACED);
    check(w == c && WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "pgrp setsid, its ids, a second setsid EPERM; SIGTSTP in an orphaned group is discarded");
    if (w == c && WIFSTOPPED(st)) {
        kill(c, SIGKILL);
        waitpid(c, &st, 0);
    }
    close(up[0]), close(up[1]), close(down[0]), close(down[1]);

    pid_t l = fork();
    if (l == 0) {
        errno = 0;
        _exit(setpgid(0, 0) == 0 && setsid() == -1 && errno == EPERM ? 0 : 1);
    }
    check(reap(l) == 0, "pgrp setsid of a group leader: EPERM");
}

/* A process in a group of its own, whose parent is in another group of
 * the same session: not orphaned, so SIGTSTP stops it. */
static void test_stop(void)
{
    pid_t c = fork();
    if (c == 0) {
        setpgid(0, 0);
        raise(SIGTSTP);
        _exit(7);
    }
    int st;
    pid_t w = waitpid(c, &st, WUNTRACED);
    check(w == c && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTSTP,
          "pgrp SIGTSTP stops a process of a group that is not orphaned");
    kill(c, SIGCONT);
    check(reap(c) == 7, "pgrp SIGCONT: it runs on to its exit");
}

static int hup_pipe = -1;

static void on_hup(int sig)
{
    (void)sig;
    if (write(hup_pipe, "h", 1) != 1)
        _exit(3);
}

/* In a session of its own (so that whoever adopts the grandchild is
 * outside it, on Linux as here): a child leads a group whose other member,
 * its own child, stops; the leader exits, which orphans the group with a
 * stopped member: SIGHUP, then SIGCONT.  Exit 0 when the grandchild said
 * "h" (its SIGHUP handler) then "c" (running on after the SIGCONT). */
static int orphan_session(void)
{
    if (setsid() < 0)
        return 10;
    int p[2];
    if (pipe(p) != 0)
        return 11;
    pid_t leader = fork();
    if (leader == 0) {
        setpgid(0, 0);
        pid_t g = fork();
        if (g == 0) {
            close(p[0]);
            hup_pipe = p[1];
            signal(SIGHUP, on_hup);
            raise(SIGSTOP);
            if (write(p[1], "c", 1) != 1)
                _exit(4);
            _exit(0);
        }
        int st;
        _exit(waitpid(g, &st, WUNTRACED) == g && WIFSTOPPED(st) ? 0 : 12);
    }
    close(p[1]);
    if (reap(leader) != 0)
        return 13;
    char got[3] = {0};
    size_t n = 0;
    while (n < 2) {
        struct pollfd pf = {p[0], POLLIN, 0};
        if (poll(&pf, 1, 10000) != 1)
            return 14;
        if (read(p[0], got + n, 1) != 1)
            return 15;
        n++;
    }
    return strcmp(got, "hc") == 0 ? 0 : 16;
}

static void test_orphaned(void)
{
    pid_t s = fork();
    if (s == 0)
        _exit(orphan_session());
    int rc = reap(s);
    check(rc == 0, "pgrp a group orphaned with a stopped member gets SIGHUP, then SIGCONT");
    if (rc)
        printf("# orphan session: %d\n", rc);
}

/* setpgid of a child that has run execve: EACCES. */
static void test_exec(const char *self)
{
    int up[2], down[2];
    if (pipe(up) != 0 || pipe(down) != 0)
        return check(0, "pgrp pipes");
    pid_t c = fork();
    if (c == 0) {
        char a1[16], a2[16];
        snprintf(a1, sizeof(a1), "%d", up[1]);
        snprintf(a2, sizeof(a2), "%d", down[0]);
        close(up[0]);
        close(down[1]);
        char exe[256];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (n <= 0)
            _exit(8);
        exe[n] = 0;
        char *argv[] = {(char *)self, "execed", a1, a2, NULL};
        execv(exe, argv);
        _exit(9);
    }
    close(up[1]);
    close(down[0]);
    char r;
    check(read(up[0], &r, 1) == 1, "pgrp the child ran execve");
    errno = 0;
    check(setpgid(c, c) == -1 && errno == EACCES, "pgrp setpgid of a child after execve: EACCES");
    close(down[1]);
    check(reap(c) == 0, "pgrp the execed child exits");
    close(up[0]);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc == 4 && strcmp(argv[1], "execed") == 0) {
        int up = atoi(argv[2]), down = atoi(argv[3]);
        char c;
        if (write(up, "x", 1) != 1)
            return 1;
        while (read(down, &c, 1) > 0)
            ;
        return 0;
    }
    test_ids();
    test_groups();
    test_setsid();
    test_stop();
    test_orphaned();
    test_exec(argv[0]);
    printf("abi_pgrp: %d failed\n", failures);
    return failures != 0;
}
