/*
 * apps/tasks - isolated tasks as an application sees them: fork with
 * copy-on-write in both directions, vfork, shared anonymous memory and
 * memfd across tasks, execve and posix_spawn of embedded programs with
 * arguments, pipes between tasks, wait statuses for exits, faults and
 * kills, preemption of a task that never yields, 100 children in sequence
 * and 20 alive at once, and the free-frame count (sysinfo, the kernel's
 * counter) back to its value after all of them.
 *
 *   tasks                 runs every check: "ok - tasks: ..." lines, then
 *                         "tasks: N passed, M failed"; exit status 0 when
 *                         all passed
 *   tasks exec-child ...  (run through execve) prints its arguments and
 *                         exits with its argc
 * On Linux only the checks that need the image (exec paths, frame count)
 * fail.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096
#define SEQUENTIAL 100
#define ALIVE 20

extern char **environ;

static int passed, failed;
static volatile int cow_value = 1;

static void report(int ok, const char *name)
{
    ok ? passed++ : failed++;
    printf("%s - tasks: %s\n", ok ? "ok" : "not ok", name);
    fflush(stdout);
}

/* Forks a child running fn(arg) then _exit(its result): the child's pid
 * (the parent's output buffer is flushed first). */
static pid_t spawn_fn(int (*fn)(void *), void *arg)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(fn(arg));
    return pid;
}

/* waitpid's status of `pid`, or -1 when waitpid fails. */
static int status_of(pid_t pid)
{
    int status;
    return waitpid(pid, &status, 0) == pid ? status : -1;
}

static int exited_with(int status, int code)
{
    return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == code;
}

static int killed_by(int status, int sig)
{
    return status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == sig;
}

/* ---- fork, getppid, copy-on-write ---- */

/* True when /proc/self/exe names `path`. */
static int exe_is(const char *path)
{
    char buf[64] = "";
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    return n > 0 && !strcmp(buf, path);
}


static int child_identity(void *arg)
{
    pid_t parent = *(pid_t *)arg;
    return getppid() == parent && getpid() != parent && exe_is("/bin/tasks")
               ? 7
               : 1;
}

static int child_cow_write(void *arg)
{
    char *heap = arg;
    cow_value = 2;
    heap[0] = 'c';
    return cow_value == 2 && heap[0] == 'c' ? 0 : 1;
}

/* Waits for a byte on fd, then checks that the parent's later writes are
 * invisible here. */
static int child_cow_read(void *arg)
{
    int *fds = arg;
    char c;
    close(fds[1]);
    if (read(fds[0], &c, 1) != 1)
        return 2;
    return cow_value == 1 ? 0 : 1;
}

static void test_fork(void)
{
    pid_t self = getpid();
    pid_t pid = spawn_fn(child_identity, &self);
    report(pid > 0 && exited_with(status_of(pid), 7),
           "fork: the child sees its parent (getppid) and its program "
           "(/proc/self/exe), exit status 7");
    pid = spawn_fn(child_identity, &self);
    int st0 = 0;
    report(pid > 0 && waitpid(0, &st0, 0) == pid && exited_with(st0, 7) &&
               kill(0, 0) == 0,
           "wait: pid 0 (the caller's group) reaps the child; kill(0, 0)");

    char *heap = malloc(64);
    heap[0] = 'p';
    cow_value = 1;
    pid = spawn_fn(child_cow_write, heap);
    int st = status_of(pid);
    report(exited_with(st, 0) && cow_value == 1 && heap[0] == 'p',
           "cow: the child's writes are invisible to the parent");

    int fds[2];
    pipe(fds);
    pid = spawn_fn(child_cow_read, fds);
    close(fds[0]);
    cow_value = 3; /* after the fork: the child keeps 1 */
    write(fds[1], "x", 1);
    close(fds[1]);
    report(exited_with(status_of(pid), 0) && cow_value == 3,
           "cow: the parent's writes are invisible to the child");
    free(heap);
}

static void test_vfork(void)
{
    fflush(stdout);
    pid_t pid = vfork();
    if (pid == 0)
        _exit(3);
    report(pid > 0 && exited_with(status_of(pid), 3),
           "vfork: the parent resumes once the child ended (status 3)");
}

/* ---- shared memory ---- */

static int child_shared_write(void *arg)
{
    volatile int *shared = arg;
    shared[0] = 1234;
    while (shared[1] != 5678) /* the parent's answer */
        sched_yield();
    return 0;
}

static void test_shared_anon(void)
{
    volatile int *shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
                                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    shared[0] = shared[1] = 0;
    pid_t pid = spawn_fn(child_shared_write, (void *)shared);
    while (shared[0] != 1234)
        sched_yield();
    shared[1] = 5678;
    report(exited_with(status_of(pid), 0),
           "shared anonymous mapping: writes seen both ways across fork");
    munmap((void *)shared, PAGE);
}

/* Maps the memfd again, writes through the new mapping, unmaps it. */
static int child_memfd(void *arg)
{
    int fd = *(int *)arg;
    int *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return 2;
    int seen = p[0];
    p[1] = 4242;
    munmap(p, PAGE);
    return seen == 99 ? 0 : 1;
}

static void test_memfd(void)
{
    int fd = memfd_create("tasks", 0);
    int ok = fd >= 0 && ftruncate(fd, PAGE) == 0;
    int *p = ok ? mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
                : MAP_FAILED;
    if (p == MAP_FAILED) {
        report(0, "memfd: create, size and map");
        return;
    }
    p[0] = 99;
    pid_t pid = spawn_fn(child_memfd, &fd);
    ok = exited_with(status_of(pid), 0);
    report(ok && p[1] == 4242,
           "memfd: two tasks map it and see each other's writes");
    report(p[0] == 99 && p[1] == 4242,
           "memfd: the child's munmap leaves the parent's mapping intact");
    munmap(p, PAGE);
    int v[2] = {0, 0};
    report(pread(fd, v, sizeof(v), 0) == sizeof(v) && v[1] == 4242,
           "memfd: the content outlives both mappings (read)");
    close(fd);
}

/* ---- exec, posix_spawn ---- */

static int exec_child(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        printf("exec-child argv[%d] = \"%s\"\n", i, argv[i]);
    return exe_is("/bin/tasks") ? argc : 99;
}

static int child_exec(void *arg)
{
    (void)arg;
    char *argv[] = {"tasks", "exec-child", "alpha", "beta", NULL};
    execve("/bin/tasks", argv, environ);
    return 127;
}

static void test_exec(void)
{
    pid_t pid = spawn_fn(child_exec, NULL);
    report(exited_with(status_of(pid), 4),
           "execve: the program restarts with the new argv (argc 4)");

    char *argv[] = {"hello", "from", "spawn", NULL};
    int rc = posix_spawn(&pid, "/build/apps/hello.elf", NULL, NULL, argv,
                         environ);
    report(rc == 0 && exited_with(status_of(pid), 0),
           "posix_spawn: another embedded program runs and exits 0");
    rc = posix_spawn(&pid, "/no/such/program", NULL, NULL, argv, environ);
    report(rc == ENOENT, "posix_spawn: a missing program is ENOENT");
    char *none[] = {"x", NULL};
    int e1 = execve("/no/such/program", none, environ) == -1 ? errno : 0;
    int e2 = execve("/", none, environ) == -1 ? errno : 0;
    report(e1 == ENOENT && e2 == EACCES && cow_value != 0,
           "execve: ENOENT, EACCES (a directory), the caller intact");
}

/* ---- pipes ---- */

#define PIPE_BYTES 100000

static int child_pipe_writer(void *arg)
{
    int *fds = arg;
    close(fds[0]);
    char buf[1000];
    for (int sent = 0; sent < PIPE_BYTES; sent += (int)sizeof(buf)) {
        for (int i = 0; i < (int)sizeof(buf); i++)
            buf[i] = (char)((sent + i) * 7);
        if (write(fds[1], buf, sizeof(buf)) != sizeof(buf))
            return 1;
    }
    return 0;
}

static void test_pipes(void)
{
    int fds[2];
    report(pipe(fds) == 0, "pipe: created");
    pid_t pid = spawn_fn(child_pipe_writer, fds);
    close(fds[1]);
    int total = 0, good = 1;
    char buf[777];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof(buf))) > 0) {
        for (ssize_t i = 0; i < n; i++)
            good &= buf[i] == (char)((total + i) * 7);
        total += (int)n;
    }
    report(n == 0 && total == PIPE_BYTES && good,
           "pipe: 100000 bytes from a child, in order, then end of file");
    report(exited_with(status_of(pid), 0), "pipe: the writer exits 0");
    close(fds[0]);

    signal(SIGPIPE, SIG_IGN);
    pipe(fds);
    close(fds[0]);
    report(write(fds[1], "x", 1) == -1 && errno == EPIPE,
           "pipe: writing with no reader left is EPIPE");
    close(fds[1]);

    pipe(fds);
    int d = dup(fds[1]);
    close(fds[1]);
    write(d, "yz", 2);
    close(d);
    report(read(fds[0], buf, sizeof(buf)) == 2 && buf[1] == 'z' &&
               read(fds[0], buf, 1) == 0,
           "pipe: a dup of the write end writes; EOF once all are closed");
    close(fds[0]);
}

/* ---- wait statuses ---- */

static int child_null(void *arg)
{
    (void)arg;
    return *(volatile int *)0;
}

static int child_write_code(void *arg)
{
    (void)arg;
    *(volatile char *)(uintptr_t)child_write_code = 0;
    return 0;
}

static volatile int deeper = 1; /* GCC cannot prove the recursion endless */

static int recurse(volatile char *prev)
{
    volatile char frame[4096];
    frame[0] = prev ? prev[0] + 1 : 0;
    return (deeper ? recurse(frame) : 0) + frame[1];
}

static int child_overflow(void *arg)
{
    (void)arg;
    return recurse(NULL);
}

static int child_ud(void *arg)
{
    (void)arg;
    __asm__ volatile("ud2");
    return 0;
}

static int child_divide(void *arg)
{
    (void)arg;
    __asm__ volatile("xorl %%ecx, %%ecx\n\tdivl %%ecx" : : : "eax", "ecx",
                     "edx"); /* C's x / 0 may be folded away */
    return 0;
}

static int child_abort(void *arg)
{
    (void)arg;
    abort();
}

static int child_spin(void *arg)
{
    (void)arg;
    for (volatile unsigned long i = 0;; i++)
        ;
    return 0;
}

/* Counts in its slot of a shared page for ever. */
static int child_count(void *arg)
{
    volatile unsigned long *slot = arg;
    for (;;)
        (*slot)++;
    return 0;
}

static int child_block(void *arg)
{
    int *fds = arg;
    char c;
    close(fds[1]);
    return read(fds[0], &c, 1) == 0 ? 0 : 1;
}

static void test_statuses(void)
{
    report(killed_by(status_of(spawn_fn(child_null, NULL)), SIGSEGV),
           "wait: a NULL dereference is SIGSEGV");
    report(killed_by(status_of(spawn_fn(child_write_code, NULL)), SIGSEGV),
           "wait: a write to the code is SIGSEGV");
    report(killed_by(status_of(spawn_fn(child_overflow, NULL)), SIGSEGV),
           "wait: a stack overflow is SIGSEGV");
    report(killed_by(status_of(spawn_fn(child_ud, NULL)), SIGILL),
           "wait: an invalid opcode is SIGILL");
    report(killed_by(status_of(spawn_fn(child_divide, NULL)), SIGFPE),
           "wait: a division by zero is SIGFPE");
    report(killed_by(status_of(spawn_fn(child_abort, NULL)), SIGABRT),
           "wait: abort() is SIGABRT");

    pid_t pid = spawn_fn(child_spin, NULL);
    usleep(20000); /* the child spins: only preemption lets us run */
    report(kill(pid, SIGKILL) == 0 && killed_by(status_of(pid), SIGKILL),
           "kill: SIGKILL ends a child that never yields (preemption)");

    volatile unsigned long *counts =
        mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
             -1, 0);
    pid_t spinners[3];
    for (int i = 0; i < 3; i++)
        spinners[i] = spawn_fn(child_count, (void *)&counts[i]);
    usleep(50000);
    unsigned long seen[3] = {counts[0], counts[1], counts[2]};
    int ok = 1;
    for (int i = 0; i < 3; i++)
        ok &= kill(spinners[i], SIGKILL) == 0 &&
              killed_by(status_of(spinners[i]), SIGKILL);
    report(ok && seen[0] && seen[1] && seen[2],
           "round robin: three children that never yield all run");
    munmap((void *)counts, PAGE);

    int fds[2];
    pipe(fds);
    pid = spawn_fn(child_block, fds);
    close(fds[0]);
    usleep(10000);
    report(kill(pid, SIGTERM) == 0 && killed_by(status_of(pid), SIGTERM),
           "kill: SIGTERM ends a child blocked in read");
    close(fds[1]);
    report(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD,
           "wait: ECHILD once every child is reaped");
}

/* Reads the address the parent sends once it has mapped it (after the
 * fork): the child must die of SIGSEGV. */
static int child_peek(void *arg)
{
    int *fds = arg;
    volatile int *p;
    close(fds[1]);
    if (read(fds[0], &p, sizeof(p)) != sizeof(p))
        return 2;
    return *p == 77 ? 0 : 1;
}

static void test_isolation(void)
{
    int fds[2];
    pipe(fds);
    pid_t pid = spawn_fn(child_peek, fds);
    close(fds[0]);
    int *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    *p = 77;
    write(fds[1], &p, sizeof(p));
    close(fds[1]);
    report(killed_by(status_of(pid), SIGSEGV) && *p == 77,
           "isolation: the parent's new page is not in the child (SIGSEGV)");
    munmap(p, PAGE);
}

/* ---- many children, frames ---- */

static unsigned long free_frames(void)
{
    struct sysinfo si;
    sysinfo(&si);
    return si.freeram * si.mem_unit / PAGE;
}

static int child_code(void *arg)
{
    return (int)(intptr_t)arg;
}

/* ALIVE children blocked on one pipe at once, then released: true when
 * all were alive together and each exited 0. */
static int alive_together(int *alive)
{
    int fds[2];
    pipe(fds);
    pid_t pids[ALIVE];
    for (int i = 0; i < ALIVE; i++)
        pids[i] = spawn_fn(child_block, fds);
    close(fds[0]);
    *alive = 0;
    for (int i = 0; i < ALIVE; i++)
        *alive += pids[i] > 0 && kill(pids[i], 0) == 0;
    close(fds[1]); /* end of file: each child exits 0 */
    int ok = 1;
    for (int i = 0; i < ALIVE; i++)
        ok &= exited_with(status_of(pids[i]), 0);
    return ok;
}

static void test_many(void)
{
    /* first: what a first child and the most kernel stacks at once leave
     * for good (kspace page tables are never freed) */
    int alive, ok = alive_together(&alive);
    report(alive == ALIVE, "20 children alive at once");
    report(ok, "20 children end at the end of their pipe");
    unsigned long before = free_frames();
    ok = 1;
    for (int i = 0; i < SEQUENTIAL; i++) {
        pid_t pid = spawn_fn(child_code, (void *)(intptr_t)i);
        ok &= pid > 0 && exited_with(status_of(pid), i);
    }
    report(ok, "100 children in sequence, each status right");
    ok = alive_together(&alive);
    report(ok && alive == ALIVE, "20 children alive at once, again");
    status_of(spawn_fn(child_null, NULL));
    unsigned long after = free_frames();
    printf("tasks: free frames before %lu, after %lu\n", before, after);
    report(before == after, "no frame leaked by 121 children (one killed)");
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "exec-child"))
        return exec_child(argc, argv);
    test_fork();
    test_vfork();
    test_shared_anon();
    test_memfd();
    test_exec();
    test_pipes();
    test_statuses();
    test_isolation();
    test_many();
    printf("tasks: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}
