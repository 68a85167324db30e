/*
 * apps/sysfuzz - random system calls under a seed, the way syzkaller
 * hammers Linux: every number of the call table (calls.c) with random and
 * boundary arguments, pointers into unmapped, read-only, PROT_NONE, guard,
 * NULL, non-canonical and kernel memory, huge lengths.  The kernel must
 * answer each call without panicking, hanging or leaking frames.
 *
 *   sysfuzz [SEED [COUNT [WORKERS [trace]]]]     defaults: 1 100000 2
 *
 * "trace" prints each call before it is made (to find the one that broke
 * a run: the same seed replays the same calls).
 * WORKERS forked tasks make the calls and the parent restarts those that
 * die.  A worker also ends itself now and then, by exit, by SIGKILL or by
 * a NULL dereference, as a fuzzed program would, and says so first: any
 * other death is the kernel's fault (or a hole in the fuzzer's safety
 * rule) and fails the run.  WORKERS 0 (or a kernel without fork) makes
 * the calls in this task, with no leak check: a task keeps the page
 * tables its mappings needed until it ends.
 *
 * Leak check: a warm-up of COUNT/10 calls first fills the kernel's caches
 * (slabs, kernel-stack page tables), then the free-frame count (sysinfo)
 * is read before and after the COUNT measured calls, all workers reaped:
 * the two must be equal.  Prints the calls made, the table entries that
 * only ever answered -ENOSYS and the verdict.  Exit status 0 when all
 * COUNT calls were made, no worker died unexpectedly and no frame leaked.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "apps/include/memprobe.h"

#include "sysfuzz.h"

#define SUICIDE_ODDS 20000 /* a worker ends itself once per this many calls */
#define FD_SWEEP 4096      /* descriptors >= 3 closed every this many calls */

/* Shared between the parent and its workers (MAP_SHARED). */
struct shared {
    long done;                      /* calls made */
    long deaths;                    /* deliberate ends of workers */
    unsigned char answered[CALLS_MAX]; /* entry i gave other than -ENOSYS */
};

static long raw_syscall(long nr, const long a[6])
{
    register long r10 __asm__("r10") = a[3];
    register long r8 __asm__("r8") = a[4];
    register long r9 __asm__("r9") = a[5];
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10),
                       "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int trace;

static void one_call(struct shared *sh)
{
    long nr, a[6];
    int i = call_pick(&nr, a);
    if (trace) {
        char line[200];
        int n = snprintf(line, sizeof(line),
                         "call %ld %s(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx)\n",
                         sh->done, call_name(i), a[0], a[1], a[2], a[3], a[4],
                         a[5]);
        write(2, line, (size_t)n);
    }
    long rc = raw_syscall(nr, a);
    if (rc != -ENOSYS)
        sh->answered[i] = 1;
    call_done(nr, a, rc);
}

/* Calls until `count` were made in all; returns how many this task made. */
static long fuzz(struct shared *sh, long count, int suicidal)
{
    long mine = 0;
    while (__atomic_fetch_add(&sh->done, 1, __ATOMIC_RELAXED) < count) {
        if (suicidal && rng_below(SUICIDE_ODDS) == 0) {
            __atomic_fetch_add(&sh->deaths, 1, __ATOMIC_RELAXED);
            switch (rng_below(3)) {
            case 0:
                _exit((int)rng_below(256) | 1);
            case 1:
                kill(getpid(), SIGKILL);
                break;
            default:
                *(volatile int *)0 = 1;
            }
        }
        one_call(sh);
        if (++mine % FD_SWEEP == 0)
            for (int fd = 3; fd < FDS_MAX; fd++)
                close(fd);
    }
    __atomic_fetch_sub(&sh->done, 1, __ATOMIC_RELAXED); /* the one not made */
    return mine;
}

/* Runs workers until `count` calls were made in all: the number of
 * workers restarted after dying, or -1 when fork does not work (nothing
 * started).  *generation numbers the workers (each has its own seed). */
static int run_workers(struct shared *sh, long count, uint64_t seed,
                       int workers, uint64_t *generation)
{
    int live = 0, restarts = 0;
    for (;;) {
        while (live < workers &&
               __atomic_load_n(&sh->done, __ATOMIC_RELAXED) < count) {
            pid_t pid = fork();
            if (pid < 0 && *generation == 0)
                return -1;
            if (pid < 0)
                break;
            if (pid == 0) {
                rng_seed(seed * 1000003 + *generation);
                fuzz(sh, count, 1);
                _exit(0);
            }
            live++;
            ++*generation;
        }
        if (live == 0)
            return restarts;
        int status;
        if (wait(&status) < 0) {
            printf("sysfuzz: wait: %s\n", strerror(errno));
            return restarts;
        }
        live--;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            restarts++;
    }
}

/* Fills the page cache of the program's own file, which the calls may
 * map (the cache keeps the frames of a file for as long as it exists). */
static void cache_own_file(const char *path)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || st.st_size == 0) {
        if (fd >= 0)
            close(fd);
        return;
    }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ,
                   MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (p != MAP_FAILED)
        munmap(p, (size_t)st.st_size);
    close(fd);
}

static void print_enosys(const struct shared *sh)
{
    char line[1024];
    size_t n = 0;
    line[0] = '\0';
    for (int i = 0; i < calls_count(); i++)
        if (!sh->answered[i] && n < sizeof(line) - 40)
            n += (size_t)snprintf(line + n, sizeof(line) - n, " %s(%ld)",
                                  call_name(i), call_nr(i));
    printf("sysfuzz: only -ENOSYS from:%s\n", n ? line : " none");
}

int main(int argc, char **argv)
{
    uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
    long count = argc > 2 ? strtol(argv[2], NULL, 0) : 100000;
    int workers = argc > 3 ? atoi(argv[3]) : 2;
    trace = argc > 4 && strcmp(argv[4], "trace") == 0;
    stack_touch();
    struct shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
                             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED || pools_init() < 0 || calls_count() > CALLS_MAX) {
        printf("sysfuzz: cannot set up its memory\n");
        return 2;
    }
    fs_snapshot();
    cache_own_file("/bin/sysfuzz"); /* now: the calls may rename it */
    printf("sysfuzz: seed %" PRIu64 ", %ld calls over %d numbers\n", seed,
           count, calls_count());
    fflush(stdout);
    long warm = count / 10, before = -1, start = now_ms();
    uint64_t generation = 0;
    int restarts = -1;
    if (workers > 0 &&
        (restarts = run_workers(sh, warm, seed, workers, &generation)) >= 0) {
        fs_cleanup();
        before = free_frames();
        restarts += run_workers(sh, warm + count, seed, workers, &generation);
    } else {
        rng_seed(seed);
        fuzz(sh, warm + count, 0);
    }
    long ms = now_ms() - start;
    pools_cleanup();
    fs_cleanup();
    long after = free_frames(), made = sh->done - warm;
    printf("sysfuzz: %ld calls in %ld ms (and %ld to warm up), %s\n", made,
           ms, warm, restarts < 0 ? "in one task" : "in worker tasks");
    print_enosys(sh);
    if (restarts < 0) {
        printf("sysfuzz: free frames %ld after: not checked in one task\n",
               after);
        return made == count ? 0 : 1;
    }
    long unexpected = restarts - sh->deaths;
    printf("sysfuzz: %d workers restarted, %ld ended themselves, %ld died "
           "otherwise\n", restarts, sh->deaths, unexpected);
    printf("sysfuzz: free frames %ld before, %ld after: %s\n", before, after,
           after == before ? "no leak" : after > before ? "more (unexpected)"
                                                         : "LEAK");
    return after == before && made == count && unexpected == 0 ? 0 : 1;
}
