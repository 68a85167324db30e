/*
 * abi_rlimit: resource limits a program sets on itself and the call that
 * crosses each one, with Linux's errno there: RLIMIT_AS (mmap, mremap),
 * RLIMIT_DATA (private writable mmap, mprotect, brk), RLIMIT_NOFILE (open,
 * dup, dup2, fcntl F_DUPFD, pipe, memfd_create), RLIMIT_STACK (growth, and
 * the reservation execve makes), inheritance over fork and execve; and brk
 * itself (grows, shrinks, regrows zeroed).  Each limit is tested in a
 * forked child, so that the parent keeps its own.  Usage sizes come from
 * /proc/self/maps, so the checks hold wherever the binary runs; every
 * line is the same on Linux (run as root) and in the guest.
 *
 *   abi_rlimit                      the checks above (tests/native, @native)
 *   abi_rlimit guest                what only the guest shows: its default
 *                                   limits, RLIMIT_NPROC enforced for root
 *                                   (Linux exempts root from it), raising
 *                                   a hard limit (root; the native runner
 *                                   here lacks CAP_SYS_RESOURCE)
 *   abi_rlimit exec-nofile N        (execve of itself) RLIMIT_NOFILE is N
 *   abi_rlimit recurse KIB          (execve of itself) uses KIB of stack
 *
 * One "ok - name" line per check; exit status 0 only if all passed.
 */
#define _GNU_SOURCE
#define CHECK_FLUSH
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "apps/include/check.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define PAGE 4096L
#define KIB 1024L
#define MIB (1024L * 1024)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW (PROT_READ | PROT_WRITE)
#define USER_END (1ul << 47) /* [vsyscall] lies above: not in the mm */

extern char **environ;

static char self[512]; /* this program's path, for execve */
static char maps[1 << 16];

/* Bytes that /proc/self/maps shows: every mapping (what RLIMIT_AS
 * counts), or only private writable ones that are not the stack (what
 * RLIMIT_DATA counts). */
static long mapped(int data_only)
{
    int fd = open("/proc/self/maps", O_RDONLY);
    long n = 0, r, total = 0;
    while (fd >= 0 && (r = read(fd, maps + n, sizeof(maps) - 1 - n)) > 0)
        n += r;
    close(fd);
    maps[n] = 0;
    for (char *line = maps; *line;) {
        unsigned long lo, hi;
        char perms[8] = "";
        char *end = strchr(line, '\n');
        char *stack = strstr(line, "[stack]");
        if (!end)
            end = line + strlen(line);
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 &&
            hi <= USER_END &&
            (!data_only ||
             (perms[1] == 'w' && perms[3] == 'p' && !(stack && stack < end))))
            total += (long)(hi - lo);
        line = *end ? end + 1 : end;
    }
    return total;
}

/* True when /proc/self/maps has a line naming `what`. */
static int maps_has(const char *what)
{
    mapped(0);
    return strstr(maps, what) != NULL;
}

/* Sets the soft limit of `resource` to `cur`, keeping the hard one. */
static int set_soft(int resource, rlim_t cur)
{
    struct rlimit r;
    if (getrlimit(resource, &r) != 0)
        return -1;
    r.rlim_cur = cur;
    return setrlimit(resource, &r);
}

static rlim_t soft(int resource)
{
    struct rlimit r;
    return getrlimit(resource, &r) == 0 ? r.rlim_cur : (rlim_t)-2;
}

/* Runs `fn` in a forked child: its wait status. */
static int in_child(void (*fn)(void))
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        failures = 0; /* the child's own */
        fn();
        fflush(stdout);
        _exit(failures != 0);
    }
    int status = -1;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return status;
}

/* Runs this program again with `arg1 arg2` (posix_spawn: vfork + execve):
 * its wait status. */
static int spawn_self(const char *arg1, const char *arg2)
{
    char *argv[] = {self, (char *)arg1, (char *)arg2, NULL};
    pid_t pid;
    int status = -1;
    fflush(stdout);
    if (posix_spawn(&pid, self, NULL, NULL, argv, environ) != 0 ||
        waitpid(pid, &status, 0) != pid)
        return -1;
    return status;
}

static long brk_to(long addr)
{
    return sys(SYS_brk, addr, 0, 0, 0);
}

/* ---- RLIMIT_AS ---- */

static void as_child(void)
{
    long limit = mapped(0) + MIB;
    check(set_soft(RLIMIT_AS, (rlim_t)limit) == 0 &&
              soft(RLIMIT_AS) == (rlim_t)limit,
          "rlimit AS lowered to 1 MiB above the mappings, read back");
    void *p = mmap(NULL, 2 * MIB, PROT_NONE, ANON, -1, 0);
    check(p == MAP_FAILED && errno == ENOMEM,
          "rlimit AS mmap of 2 MiB (even PROT_NONE) past it is ENOMEM");
    void *q = mmap(NULL, 256 * KIB, RW, ANON, -1, 0);
    check(q != MAP_FAILED, "rlimit AS mmap of 256 KiB within it");
    check(mremap(q, 256 * KIB, 4 * MIB, MREMAP_MAYMOVE) == MAP_FAILED &&
              errno == ENOMEM,
          "rlimit AS mremap growing past it is ENOMEM");
    check(munmap(q, 256 * KIB) == 0 &&
              (q = mmap(NULL, 512 * KIB, RW, ANON, -1, 0)) != MAP_FAILED,
          "rlimit AS what munmap gave back can be mapped again");
    long b = brk_to(0);
    check(brk_to(b + 4 * MIB) == b, "rlimit AS brk past it leaves the break");
    check(set_soft(RLIMIT_AS, RLIM_INFINITY) == 0 &&
              (p = mmap(NULL, 2 * MIB, PROT_NONE, ANON, -1, 0)) != MAP_FAILED,
          "rlimit AS raised back to the hard limit: the mmap passes");
}

/* ---- RLIMIT_DATA ---- */

static void data_child(void)
{
    long limit = mapped(1) + MIB;
    check(set_soft(RLIMIT_DATA, (rlim_t)limit) == 0,
          "rlimit DATA lowered to 1 MiB above the private writable mappings");
    void *p = mmap(NULL, 2 * MIB, RW, ANON, -1, 0);
    check(p == MAP_FAILED && errno == ENOMEM,
          "rlimit DATA private writable mmap of 2 MiB past it is ENOMEM");
    p = mmap(NULL, 2 * MIB, PROT_READ, ANON, -1, 0);
    check(p != MAP_FAILED, "rlimit DATA read-only private mmap is not data");
    check(mprotect(p, 2 * MIB, RW) == -1 && errno == ENOMEM,
          "rlimit DATA mprotect making it writable is ENOMEM");
    check(mmap(NULL, 2 * MIB, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0) !=
              MAP_FAILED,
          "rlimit DATA shared writable mmap is not data");
    check(mmap(NULL, 256 * KIB, RW, ANON, -1, 0) != MAP_FAILED,
          "rlimit DATA private writable mmap of 256 KiB within it");
    long b = brk_to(0);
    check(brk_to(b + 4 * MIB) == b, "rlimit DATA brk past it leaves the break");
    check(brk_to(b + 64 * KIB) == b + 64 * KIB,
          "rlimit DATA brk within it moves");
    check(brk_to(b) == b, "rlimit DATA brk back to the start");
    check(set_soft(RLIMIT_DATA, RLIM_INFINITY) == 0 &&
              mmap(NULL, 2 * MIB, RW, ANON, -1, 0) != MAP_FAILED,
          "rlimit DATA raised back: the mmap passes");
}

/* ---- brk ---- */

static void brk_child(void)
{
    long b = brk_to(0);
    check(b > 0 && (b & (PAGE - 1)) == 0, "brk(0) reads a page-aligned break");
    check(!maps_has("[heap]"), "brk no [heap] before the break moves");
    check(brk_to(b - PAGE) == b, "brk below the start leaves the break");
    long n = b + 3 * PAGE + 100;
    check(brk_to(n) == n, "brk grows by 3 pages and 100 bytes");
    char *h = (char *)b;
    memset(h, 0x5a, 3 * PAGE + 100);
    check(h[0] == 0x5a && h[3 * PAGE + 99] == 0x5a && brk_to(0) == n,
          "brk the heap is writable up to the break");
    check(maps_has("[heap]"), "brk the heap is [heap] in /proc/self/maps");
    check(brk_to(b + PAGE) == b + PAGE, "brk shrinks to one page");
    check(brk_to(b + 4 * PAGE) == b + 4 * PAGE, "brk regrows");
    check(h[PAGE] == 0 && h[2 * PAGE + 7] == 0 && h[3 * PAGE + 99] == 0,
          "brk regrown pages are zeroed");
    check(h[100] == 0x5a, "brk the page kept keeps its bytes");
    void *m = mmap((void *)(b + 1 * MIB), PAGE, RW, ANON | MAP_FIXED_NOREPLACE,
                   -1, 0);
    check(m == (void *)(b + 1 * MIB), "brk a mapping 1 MiB above the start");
    check(brk_to(b + 2 * MIB) == b + 4 * PAGE,
          "brk into a mapping leaves the break");
    check(brk_to(b + 512 * KIB) == b + 512 * KIB,
          "brk up to below the mapping moves");
    check(brk_to(b) == b && !maps_has("[heap]"),
          "brk back to the start: the heap is gone");
    munmap(m, PAGE);
}

/* ---- RLIMIT_NOFILE ---- */

static void nofile_child(void)
{
    int fds[64], n = 0, fd = -1, p[2];
    for (fd = 3; fd < 1024; fd++)
        close(fd); /* what the runner left open: this child does not need */
    check(set_soft(RLIMIT_NOFILE, 10) == 0 && soft(RLIMIT_NOFILE) == 10,
          "rlimit NOFILE lowered to 10");
    while (n < 64 && (fd = open("/proc/self/maps", O_RDONLY)) >= 0)
        fds[n++] = fd;
    check(fd == -1 && errno == EMFILE, "rlimit NOFILE open past it is EMFILE");
    check(n > 0 && fds[n - 1] == 9, "rlimit NOFILE every descriptor below it");
    check(dup(0) == -1 && errno == EMFILE, "rlimit NOFILE dup is EMFILE");
    check(fcntl(0, F_DUPFD, 3) == -1 && errno == EMFILE,
          "rlimit NOFILE fcntl F_DUPFD is EMFILE");
    check(fcntl(0, F_DUPFD, 10) == -1 && errno == EINVAL,
          "rlimit NOFILE fcntl F_DUPFD from the limit is EINVAL");
    check(dup2(0, 10) == -1 && errno == EBADF,
          "rlimit NOFILE dup2 to the limit is EBADF");
    check(dup2(0, 9) == 9, "rlimit NOFILE dup2 below it replaces");
    close(9);
    check(pipe(p) == -1 && errno == EMFILE && dup(0) == 9,
          "rlimit NOFILE pipe with one free descriptor is EMFILE, takes none");
    close(9);
    check(sys(SYS_memfd_create, (long)"rl", 0, 0, 0) == 9 &&
              sys(SYS_memfd_create, (long)"rl", 0, 0, 0) == -EMFILE,
          "rlimit NOFILE memfd_create past it is EMFILE");
    check(set_soft(RLIMIT_NOFILE, 11) == 0 &&
              open("/proc/self/maps", O_RDONLY) == 10,
          "rlimit NOFILE raised by one: open gives descriptor 10");
    struct rlimit r = {20, 12};
    check(setrlimit(RLIMIT_NOFILE, &r) == -1 && errno == EINVAL,
          "rlimit NOFILE soft above hard is EINVAL");
    r = (struct rlimit){12, 1ul << 30};
    check(setrlimit(RLIMIT_NOFILE, &r) == -1 && errno == EPERM,
          "rlimit NOFILE hard above the system's most is EPERM");
    r = (struct rlimit){12, 12};
    check(setrlimit(RLIMIT_NOFILE, &r) == 0 &&
              getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur == 12 &&
              r.rlim_max == 12,
          "rlimit NOFILE hard lowered, read back");
    r = (struct rlimit){13, 12};
    check(setrlimit(RLIMIT_NOFILE, &r) == -1 && errno == EINVAL,
          "rlimit NOFILE soft above the lowered hard is EINVAL");
}

/* ---- inheritance over fork and execve ---- */

static void inherit_grandchild(void)
{
    check(soft(RLIMIT_NOFILE) == 20 && soft(RLIMIT_DATA) == 900 * MIB,
          "rlimit a forked child has its parent's limits");
}

static void inherit_child(void)
{
    check(set_soft(RLIMIT_NOFILE, 20) == 0 &&
              set_soft(RLIMIT_DATA, 900 * MIB) == 0,
          "rlimit NOFILE and DATA lowered");
    int status = in_child(inherit_grandchild);
    check(status == 0, "rlimit the forked child's checks passed");
    status = spawn_self("exec-nofile", "20");
    check(status == 0, "rlimit the executed program's checks passed");
    check(soft(RLIMIT_NOFILE) == 20,
          "rlimit the parent's limits are its own after the spawn");
}

static int exec_nofile(const char *want)
{
    check(soft(RLIMIT_NOFILE) == (rlim_t)atol(want) &&
              soft(RLIMIT_DATA) == 900 * MIB,
          "rlimit execve keeps the limits");
    return failures != 0;
}

/* ---- RLIMIT_STACK ---- */

/* Uses about 4 KiB of stack per level. */
static __attribute__((noinline)) long recurse(long depth)
{
    volatile char frame[4000];
    frame[0] = (char)depth;
    frame[sizeof(frame) - 1] = 1;
    if (depth <= 0)
        return frame[0];
    return recurse(depth - 1) + frame[sizeof(frame) - 1];
}

static int exec_recurse(const char *kib)
{
    return recurse(atol(kib) / 4) < 0;
}

static int killed_by_segv(int status)
{
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
}

static void stack_exec_child(void)
{
    check(set_soft(RLIMIT_STACK, 512 * KIB) == 0,
          "rlimit STACK lowered to 512 KiB before execve");
    check(spawn_self("recurse", "256") == 0,
          "rlimit STACK executed program uses 256 KiB of stack");
    check(killed_by_segv(spawn_self("recurse", "2048")),
          "rlimit STACK executed program using 2 MiB dies of SIGSEGV");
}

static void recurse_1m(void)
{
    recurse(1024 / 4);
}

static void recurse_128k(void)
{
    recurse(128 / 4);
}

static void stack_now_child(void)
{
    check(set_soft(RLIMIT_STACK, 256 * KIB) == 0,
          "rlimit STACK lowered to 256 KiB");
    check(in_child(recurse_128k) == 0,
          "rlimit STACK a forked child uses 128 KiB of stack");
    check(killed_by_segv(in_child(recurse_1m)),
          "rlimit STACK a forked child using 1 MiB dies of SIGSEGV");
}

/* ---- the calls themselves ---- */

static void test_calls(void)
{
    struct rlimit r, old;
    check(getrlimit(RLIMIT_NLIMITS, &r) == -1 && errno == EINVAL,
          "rlimit getrlimit of resource 16 is EINVAL");
    check(sys(SYS_prlimit64, 0x3fffffff, RLIMIT_NOFILE, 0, (long)&r) == -ESRCH,
          "rlimit prlimit64 of no such process is ESRCH");
    check(getrlimit(RLIMIT_STACK, &r) == 0 && r.rlim_cur <= r.rlim_max &&
              sys(SYS_prlimit64, 0, RLIMIT_STACK, (long)&r, (long)&old) == 0 &&
              old.rlim_cur == r.rlim_cur && old.rlim_max == r.rlim_max,
          "rlimit prlimit64 sets and returns the old limit");
    check(sys(SYS_setrlimit, RLIMIT_STACK, 0, 0, 0) == -EFAULT,
          "rlimit setrlimit from NULL is EFAULT");
}

/* prlimit64 of another task: the parent sets a child's limit. */
static void test_prlimit_other(void)
{
    int go[2];
    char c = 0;
    if (pipe(go) != 0)
        return;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(go[1]);
        int n = read(go[0], &c, 1);
        _exit(n == 1 && soft(RLIMIT_NOFILE) == 7 ? 0 : 1);
    }
    close(go[0]);
    struct rlimit r, old;
    getrlimit(RLIMIT_NOFILE, &r);
    r.rlim_cur = 7;
    check(pid > 0 &&
              sys(SYS_prlimit64, pid, RLIMIT_NOFILE, (long)&r, (long)&old) ==
                  0 &&
              old.rlim_cur == soft(RLIMIT_NOFILE),
          "rlimit prlimit64 sets a child's limit");
    int status = -1;
    check(write(go[1], "g", 1) == 1 && waitpid(pid, &status, 0) == pid &&
              status == 0 && soft(RLIMIT_NOFILE) != 7,
          "rlimit the child sees it, the parent keeps its own");
    close(go[1]);
}

/* ---- guest only ---- */

/* Children that wait for a byte on a pipe, so that they stay alive. */
static pid_t waiter(int fd)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        _exit(read(fd, &c, 1) == 1 ? 0 : 1);
    }
    return pid;
}

/* True when fork is refused with EAGAIN (a child it makes anyway ends at
 * once and is reaped). */
static int fork_refused(void)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    if (pid > 0)
        return waitpid(pid, NULL, 0) < 0;
    return errno == EAGAIN;
}

static int vfork_refused(void)
{
    fflush(stdout);
    pid_t pid = vfork();
    if (pid == 0)
        _exit(0);
    if (pid > 0)
        return waitpid(pid, NULL, 0) < 0;
    return errno == EAGAIN;
}

/* RLIMIT_NPROC counts every task of the user (all are root's here), the
 * zombies not yet reaped too; Linux never enforces it for root, so this
 * runs in the guest only. */
static void nproc_child(void)
{
    int go[2];
    check(pipe(go) == 0 && set_soft(RLIMIT_NPROC, 4) == 0,
          "guest NPROC lowered to 4");
    pid_t a = waiter(go[0]), b = waiter(go[0]);
    check(a > 0 && b > 0, "guest NPROC two children within it");
    check(fork_refused(), "guest NPROC fork past it is EAGAIN");
    check(vfork_refused(), "guest NPROC vfork past it is EAGAIN");
    char *argv[] = {self, "exec-nofile", "0", NULL};
    pid_t pid;
    check(posix_spawn(&pid, self, NULL, NULL, argv, environ) == EAGAIN,
          "guest NPROC posix_spawn past it is EAGAIN");
    int status;
    check(write(go[1], "ab", 2) == 2 && waitpid(a, &status, 0) == a,
          "guest NPROC one child reaped");
    pid_t c = waiter(go[0]);
    check(c > 0 && fork_refused(),
          "guest NPROC its slot is taken again, then EAGAIN");
    check(waitpid(b, &status, 0) == b && write(go[1], "c", 1) == 1,
          "guest NPROC the others end");
    usleep(50000); /* c ends: a zombie until it is reaped */
    check(set_soft(RLIMIT_NPROC, 3) == 0 && fork_refused(),
          "guest NPROC a zombie not yet reaped counts");
    int reaped = waitpid(c, &status, 0) == c;
    fflush(stdout);
    pid_t d = fork();
    if (d == 0)
        _exit(0);
    check(reaped && d > 0 && waitpid(d, &status, 0) == d && status == 0,
          "guest NPROC once it is reaped, fork works again");
}

static void test_guest(void)
{
    struct rlimit r;
    check(getrlimit(RLIMIT_STACK, &r) == 0 && r.rlim_cur == 8 * MIB &&
              r.rlim_max == RLIM_INFINITY,
          "guest default STACK 8 MiB, hard unlimited");
    check(getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur == 1024 &&
              r.rlim_max == 1024,
          "guest default NOFILE 1024 (the descriptor table)");
    check(getrlimit(RLIMIT_NPROC, &r) == 0 && r.rlim_cur == 4096 &&
              r.rlim_max == 4096,
          "guest default NPROC 4096 (the task table)");
    check(getrlimit(RLIMIT_AS, &r) == 0 && r.rlim_cur == RLIM_INFINITY &&
              getrlimit(RLIMIT_DATA, &r) == 0 && r.rlim_cur == RLIM_INFINITY,
          "guest default AS and DATA unlimited");
    r = (struct rlimit){RLIM_INFINITY, RLIM_INFINITY};
    struct rlimit low = {1024 * MIB, 1024 * MIB};
    check(setrlimit(RLIMIT_AS, &low) == 0 && setrlimit(RLIMIT_AS, &r) == 0,
          "guest root raises a hard limit it lowered");
    check(in_child(nproc_child) == 0, "guest NPROC checks passed");
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "exec-nofile"))
        return exec_nofile(argv[2]);
    if (argc == 3 && !strcmp(argv[1], "recurse"))
        return exec_recurse(argv[2]);
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    self[n > 0 ? n : 0] = 0;
    if (argc == 2 && !strcmp(argv[1], "guest")) {
        test_guest();
        return failures != 0;
    }
    test_calls();
    test_prlimit_other();
    check(in_child(brk_child) == 0, "rlimit brk checks passed");
    check(in_child(as_child) == 0, "rlimit AS checks passed");
    check(in_child(data_child) == 0, "rlimit DATA checks passed");
    check(in_child(nofile_child) == 0, "rlimit NOFILE checks passed");
    check(in_child(inherit_child) == 0, "rlimit inheritance checks passed");
    check(in_child(stack_exec_child) == 0, "rlimit STACK execve checks passed");
    check(in_child(stack_now_child) == 0, "rlimit STACK growth checks passed");
    return failures != 0;
}
