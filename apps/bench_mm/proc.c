/* Process measurements: null syscall, COW faults, fork and spawn. */
#include "measure.h"

#include <errno.h>
#include <spawn.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "apps/include/bench.h"
#include "stats.h"

#define PAGE 4096u
#define WORDS (PAGE / sizeof(uint64_t))

extern char **environ;

void measure_getppid(int rounds, int ops)
{
    struct stats s;
    pid_t first = getppid();
    stats_init(&s, "getppid", rounds, ops);
    for (int r = 0; r < s.rounds; r++) {
        int same = 0;
        uint64_t t0 = bench_now_ns(), c0 = bench_rdtsc();
        for (int k = 0; k < ops; k++)
            same += getppid() == first;
        uint64_t c1 = bench_rdtsc(), t1 = bench_now_ns();
        stats_round(&s, r, t1 - t0, c1 - c0);
        s.failed |= first < 0 || same != ops;
        s.sum += (uint64_t)same;
    }
    stats_print(&s);
}

/* The child of a COW round: waits for the parent to close the pipe, then
 * checks that it still sees the values written before the fork. */
static void cow_child(int rfd, const uint64_t *p, int pages)
{
    char c;
    int bad = 0;
    while (read(rfd, &c, 1) > 0)
        ;
    for (int i = 0; i < pages; i++)
        bad |= p[i * WORDS] != (uint64_t)i + 1;
    _exit(bad);
}

/* One COW round: the parent's writes after the fork, timed into s;
 * returns 0, or the errno of the syscall that failed (in *what). */
static int cow_round(struct stats *s, int r, int pages, const char **what)
{
    size_t len = (size_t)pages * PAGE;
    int fds[2], st = 0;
    volatile uint64_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    *what = "mmap";
    if (p == MAP_FAILED)
        return errno;
    for (int i = 0; i < pages; i++)
        p[i * WORDS] = (uint64_t)i + 1;
    *what = "pipe";
    if (pipe(fds) != 0) {
        int err = errno;
        munmap((void *)p, len);
        return err;
    }
    *what = "fork";
    pid_t pid = fork();
    if (pid < 0) {
        int err = errno;
        close(fds[0]);
        close(fds[1]);
        munmap((void *)p, len);
        return err;
    }
    if (pid == 0) {
        close(fds[1]);
        cow_child(fds[0], (const uint64_t *)p, pages);
    }
    close(fds[0]);
    uint64_t t0 = bench_now_ns(), c0 = bench_rdtsc();
    for (int i = 0; i < pages; i++)
        p[i * WORDS] = ~(uint64_t)i;
    uint64_t c1 = bench_rdtsc(), t1 = bench_now_ns();
    stats_round(s, r, t1 - t0, c1 - c0);
    close(fds[1]);
    s->failed |= waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
                 WEXITSTATUS(st) != 0;
    for (int i = 0; i < pages; i++) {
        s->failed |= p[i * WORDS] != ~(uint64_t)i;
        s->sum += p[i * WORDS];
    }
    munmap((void *)p, len);
    return 0;
}

void measure_cow_fault(int rounds, int pages)
{
    struct stats s;
    const char *what;
    stats_init(&s, "cow_fault", rounds, pages);
    for (int r = 0; r < s.rounds; r++) {
        int err = cow_round(&s, r, pages, &what);
        if (err) {
            stats_print_na(s.name, what, err);
            return;
        }
    }
    stats_print(&s);
}

/* Waits for pid and checks it exited with status want. */
static int reaped_ok(pid_t pid, int want)
{
    int st = 0;
    return waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
           WEXITSTATUS(st) == want;
}

void measure_fork_exit_wait(int rounds, int ops)
{
    struct stats s;
    stats_init(&s, "fork_exit_wait", rounds, ops);
    for (int r = 0; r < s.rounds; r++) {
        uint64_t t0 = bench_now_ns(), c0 = bench_rdtsc();
        for (int k = 0; k < ops; k++) {
            int want = (r * ops + k) % 100 + 1;
            pid_t pid = fork();
            if (pid < 0) {
                stats_print_na(s.name, "fork", errno);
                return;
            }
            if (pid == 0)
                _exit(want);
            s.failed |= !reaped_ok(pid, want);
            s.sum += (uint64_t)want;
        }
        uint64_t c1 = bench_rdtsc(), t1 = bench_now_ns();
        stats_round(&s, r, t1 - t0, c1 - c0);
    }
    stats_print(&s);
}

void measure_spawn_exit_wait(const char *self, int rounds, int ops)
{
    struct stats s;
    char *argv[] = {(char *)self, "exit", NULL};
    stats_init(&s, "spawn_exit_wait", rounds, ops);
    for (int r = 0; r < s.rounds; r++) {
        uint64_t t0 = bench_now_ns(), c0 = bench_rdtsc();
        for (int k = 0; k < ops; k++) {
            pid_t pid;
            /* spawnp: argv[0] is "/init" on Linux, a bare name found in
             * /bin in our kernel's ramfs. */
            int err = posix_spawnp(&pid, self, NULL, NULL, argv, environ);
            if (err) {
                stats_print_na(s.name, "posix_spawnp", err);
                return;
            }
            s.failed |= !reaped_ok(pid, MEASURE_SPAWN_STATUS);
            s.sum += MEASURE_SPAWN_STATUS;
        }
        uint64_t c1 = bench_rdtsc(), t1 = bench_now_ns();
        stats_round(&s, r, t1 - t0, c1 - c0);
    }
    stats_print(&s);
}
