/*
 * apps/sysfuzz - random system calls under a seed, the way syzkaller
 * hammers Linux: every number of the call table (calls.c) with random and
 * boundary arguments, pointers into unmapped, read-only, PROT_NONE, guard,
 * NULL, non-canonical and kernel memory, huge lengths.  The kernel must
 * answer each call without panicking, hanging or leaking frames.
 *
 *   sysfuzz [SEED [COUNT [WORKERS [trace|leaks|worker=G [A-B ...]]]]]
 *                                                defaults: 1 100000 2
 *
 * "trace" prints each call before it is made (to find the one that broke
 * a run: the same seed replays the same calls).  To find a leak: "leaks"
 * (one worker) also counts the free frames after each measured worker,
 * its files removed, and names each worker after which fewer were free;
 * "worker=G" runs worker G alone (its calls depend on its seed and on the
 * tree it inherits, which "leaks" cleans), tracing its first COUNT calls
 * inside the leak check; each A-B after it leaves calls A to B-1 out
 * (drawn, not made), to bisect which of them the leak needs.
 * WORKERS forked tasks make the calls and the parent restarts those that
 * die.  A worker also ends itself now and then, by exit, by SIGKILL or by
 * a NULL dereference, as a fuzzed program would, and says so first: any
 * other death is the kernel's fault (or a hole in the fuzzer's safety
 * rule) and fails the run.  WORKERS 0 (or a kernel without fork) makes
 * the calls in this task, with no leak check: a task keeps the page
 * tables its mappings needed until it ends.
 *
 * Leak check: a warm-up of COUNT/10 calls first fills the kernel's caches
 * (slabs, kernel-stack page tables, the shared zero page), then the
 * free-frame count (sysinfo), plus the pages this driver holds itself
 * (statm), is read before and after the COUNT measured calls, all
 * workers reaped and the files they made removed (at any depth): the two
 * must be equal, once the pages the calls gave the boot's own files are
 * added.  A leak also prints the /proc/meminfo rows that changed and what
 * is left of the calls' tree.  Prints the calls made, the table entries
 * that only ever answered -ENOSYS and the verdict.  Exit status 0 when all
 * COUNT calls were made, no worker died unexpectedly and no frame leaked.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "apps/include/memprobe.h"

#include "calls.h"
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
/* "worker=G A-B ...": the calls numbered A to B-1 are drawn but not made
 * (they fail with EINVAL as far as the fuzzer knows), to find which of a
 * worker's calls a leak needs. */
#define SKIPS_MAX 8
static long skip_from[SKIPS_MAX], skip_to[SKIPS_MAX];
static int skips;

static bool skipped(long call)
{
    for (int k = 0; k < skips; k++)
        if (call >= skip_from[k] && call < skip_to[k])
            return true;
    return false;
}
static int leaks; /* count the free frames after each measured worker */

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
    long rc = skipped(sh->done) ? -EINVAL : raw_syscall(nr, a);
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

static long frames_not_ours(void);

/* "leaks": after worker `g` (the only one), removes its files and reports
 * when fewer frames are free than after the one before. */
static void note_leak(uint64_t g, uint64_t seed)
{
    static long last = -1;
    fs_cleanup();
    long now = frames_not_ours();
    if (last >= 0 && now < last) {
        printf("sysfuzz: %ld frames fewer after worker=%" PRIu64
               " (replay: sysfuzz %" PRIu64 " %ld 1 worker=%" PRIu64 ")\n",
               last - now, g, seed, LONG_MAX, g);
        fflush(stdout);
    }
    last = now;
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
            if (pid < 0) { /* the run stops short: made < COUNT fails it */
                printf("sysfuzz: fork: %s\n", strerror(errno));
                break;
            }
            if (pid == 0) {
                signals_ignore();
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
        if (leaks)
            note_leak(*generation - 1, seed);
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

/* The text of the /proc file at `path` into buf, NUL-terminated (empty
 * when it cannot be read). */
static void read_text(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, buf, size - 1) : -1;
    if (fd >= 0)
        close(fd);
    buf[n > 0 ? n : 0] = '\0';
}

/* /proc/meminfo into buf (a static one: no page is touched between the
 * two frame counts). */
static void read_meminfo(char *buf, size_t size)
{
    read_text("/proc/meminfo", buf, size);
}

/* The pages this task has resident (statm's second field), or 0. */
static long own_resident(void)
{
    char text[128];
    long size = 0, resident = 0;
    read_text("/proc/self/statm", text, sizeof(text));
    return sscanf(text, "%ld %ld", &size, &resident) == 2 ? resident : 0;
}

/* The free frames, plus those this task holds itself (its stack and data
 * grow now and then as it runs, and give them back at its exit): what
 * must not change across a run of workers. */
static long frames_not_ours(void)
{
    return free_frames() + own_resident();
}

/* The tmpfs's nodes alive (statfs f_files - f_ffree), or -1. */
static long tree_nodes(void)
{
    struct statfs st;
    return statfs("/", &st) == 0 ? (long)(st.f_files - st.f_ffree) : -1;
}

/* After a leak: the meminfo rows that changed, for the one who looks. */
static void print_meminfo_change(const char *before, const char *after)
{
    while (*before && *after) {
        const char *b_end = strchr(before, '\n'), *a_end = strchr(after, '\n');
        if (!b_end || !a_end)
            break;
        if (b_end - before != a_end - after ||
            memcmp(before, after, (size_t)(b_end - before)) != 0)
            printf("sysfuzz: meminfo %.*s, was %.*s\n", (int)(a_end - after),
                   after, (int)(b_end - before), before);
        before = b_end + 1;
        after = a_end + 1;
    }
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

/* "worker=G": worker G alone, its calls traced, between two frame counts
 * (its files removed).  Exit status 0 when no frame is missing. */
static int replay_worker(struct shared *sh, uint64_t seed, uint64_t g,
                         long count)
{
    pid_t warm = fork(); /* a first child maps its kernel stack's tables */
    if (warm == 0) {
        /* and makes what the kernel makes once per boot: the zero page
         * (untouched memory read) and the System V id tables */
        volatile char *z = mmap(NULL, PAGE, PROT_READ,
                                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        shmctl(shmget(IPC_PRIVATE, PAGE, 0600), IPC_RMID, NULL);
        semctl(semget(IPC_PRIVATE, 1, 0600), 0, IPC_RMID);
        msgctl(msgget(IPC_PRIVATE, 0600), IPC_RMID, NULL);
        _exit(z != MAP_FAILED && z[0] == 0 ? 0 : 1);
    }
    if (warm > 0)
        waitpid(warm, NULL, 0);
    fs_cleanup();
    static char mem_before[1024], mem_after[1024];
    read_meminfo(mem_before, sizeof(mem_before));
    long nodes_before = tree_nodes();
    long before = frames_not_ours();
    trace = 1;
    pid_t pid = fork();
    if (pid == 0) {
        signals_ignore();
        rng_seed(seed * 1000003 + g);
        fuzz(sh, count, 1);
        _exit(0);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return 2;
    fs_cleanup();
    long after = frames_not_ours();
    read_meminfo(mem_after, sizeof(mem_after));
    if (after != before) {
        print_meminfo_change(mem_before, mem_after);
        printf("sysfuzz: tmpfs nodes %ld, was %ld\n", tree_nodes(), nodes_before);
    }
    printf("sysfuzz: worker=%" PRIu64 " alone: %ld calls, free frames %ld "
           "before, %ld after\n", g, sh->done, before, after);
    return after == before ? 0 : 1;
}

int main(int argc, char **argv)
{
    uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
    long count = argc > 2 ? strtol(argv[2], NULL, 0) : 100000;
    int workers = argc > 3 ? atoi(argv[3]) : 2;
    trace = argc > 4 && strcmp(argv[4], "trace") == 0;
    bool want_leaks = argc > 4 && strcmp(argv[4], "leaks") == 0;
    long replay = argc > 4 && strncmp(argv[4], "worker=", 7) == 0
                      ? strtol(argv[4] + 7, NULL, 0) : -1;
    if (want_leaks)
        workers = 1;
    for (int k = 5; replay >= 0 && k < argc && skips < SKIPS_MAX; k++)
        if (sscanf(argv[k], "%ld-%ld", &skip_from[skips], &skip_to[skips]) == 2)
            skips++;
    stack_touch();
    signals_ignore(); /* the driver too: a timer may name another task */
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
    long warm = count / 10, before = -1, start = now_ms(), boot_before = 0;
    static char mem_before[1024], mem_after[1024];
    long nodes_before = -1;
    uint64_t generation = 0;
    int restarts = -1;
    if (replay >= 0)
        return replay_worker(sh, seed, (uint64_t)replay, count);
    if (workers > 0 &&
        (restarts = run_workers(sh, warm, seed, workers, &generation)) >= 0) {
        fs_cleanup();
        boot_before = fs_boot_blocks();
        read_meminfo(mem_before, sizeof(mem_before));
        nodes_before = tree_nodes();
        before = frames_not_ours();
        leaks = want_leaks;
        restarts += run_workers(sh, warm + count, seed, workers, &generation);
    } else {
        rng_seed(seed);
        fuzz(sh, warm + count, 0);
    }
    long ms = now_ms() - start;
    pools_cleanup();
    fs_cleanup();
    long after = frames_not_ours(), made = sh->done - warm;
    read_meminfo(mem_after, sizeof(mem_after));
    /* pages the calls gave the boot's own files stay with them */
    long boot_grew = (fs_boot_blocks() - boot_before) / (PAGE / 512);
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
    if (boot_grew)
        printf("sysfuzz: the boot's files hold %ld pages more\n", boot_grew);
    after += boot_grew;
    printf("sysfuzz: free frames %ld before, %ld after: %s\n", before, after,
           after == before ? "no leak" : after > before ? "more (unexpected)"
                                                         : "LEAK");
    if (after != before) {
        print_meminfo_change(mem_before, mem_after);
        long nodes = tree_nodes();
        if (nodes != nodes_before)
            printf("sysfuzz: tmpfs nodes %ld, was %ld\n", nodes, nodes_before);
        fs_show_left();
    }
    return after == before && made == count && unexpected == 0 ? 0 : 1;
}
