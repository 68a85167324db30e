/*
 * apps/mempressure - running out of memory is an error, never a death.
 *
 * A worker task (fork) keeps working on memory it committed at start
 * while this task takes all the memory there is: malloc until it returns
 * NULL, then mmap until ENOMEM, every page touched.  Then: a private
 * writable mapping larger than RAM is refused at map time (commit
 * accounting, mm/commit.c) while a PROT_NONE reservation of the same size
 * is not, and making it writable is refused; the worker went on all along
 * (its malloc may return NULL, nothing kills it); once everything is
 * freed, the same amounts can be taken again and the free-frame count is
 * back.  Boot it with little memory (-m 64M) so that this is quick.
 * Prints "ok - mempressure: ..." per check, then "mempressure: N passed,
 * N failed"; exit status 1 on any failure.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

#include "apps/include/memprobe.h"

#define PAGE 4096ul
#define MIB (1ul << 20)
#define CHUNK MIB         /* what each malloc and mmap asks for */
#define CHUNKS_MAX 65536  /* 64 GiB: more than any test machine */
#define WORK_SIZE (256ul << 10)

struct shared {
    volatile long beats;   /* worker iterations */
    volatile long refused; /* worker probes refused with ENOMEM */
    volatile long other;   /* worker probes failed otherwise */
    volatile int stop;
};

static int passed, failed;
static void *chunks[CHUNKS_MAX];

static void report(int ok, const char *what)
{
    ok ? passed++ : failed++;
    printf("%s - mempressure: %s\n", ok ? "ok" : "not ok", what);
    fflush(stdout);
}

static void touch(char *p, size_t len)
{
    for (size_t off = 0; off < len; off += PAGE)
        p[off] = 1;
}

/* The other task: works on its own buffer until told to stop, and asks
 * for a fresh mapping each time (refused while the memory is taken). */
static void worker(struct shared *sh)
{
    stack_touch();
    char *buf = malloc(WORK_SIZE);
    if (!buf)
        _exit(3);
    while (!sh->stop) {
        memset(buf, (int)sh->beats, WORK_SIZE);
        void *p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p != MAP_FAILED) {
            touch(p, CHUNK);
            munmap(p, CHUNK);
        } else if (errno == ENOMEM) {
            sh->refused++;
        } else {
            sh->other++;
        }
        sh->beats++;
        sched_yield();
    }
    int intact = buf[WORK_SIZE - 1] == (char)(sh->beats - 1);
    free(buf);
    _exit(intact ? 0 : 4);
}

/* malloc until NULL: chunks taken (each touched). */
static size_t take_malloc(size_t max)
{
    size_t n = 0;
    while (n < max && (chunks[n] = malloc(CHUNK)) != NULL)
        touch(chunks[n++], CHUNK);
    return n;
}

/* mmap from chunk `from` until ENOMEM: chunks taken; *err the errno. */
static size_t take_mmap(size_t from, size_t max, int *err)
{
    size_t n = from;
    *err = 0;
    while (n < max) {
        void *p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            *err = errno;
            break;
        }
        touch(p, CHUNK);
        chunks[n++] = p;
    }
    return n - from;
}

static void give_back(size_t nmalloc, size_t nmmap)
{
    for (size_t i = 0; i < nmalloc; i++)
        free(chunks[i]);
    for (size_t i = nmalloc; i < nmalloc + nmmap; i++)
        munmap(chunks[i], CHUNK);
}

/* Commit accounting: a writable mapping larger than RAM is refused at map
 * time; a PROT_NONE reservation commits nothing, making it writable is
 * refused. */
static void check_commit(size_t ram)
{
    char line[120];
    void *p = mmap(NULL, 2 * ram, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    snprintf(line, sizeof(line),
             "a %zu MiB writable mapping is refused at mmap (ENOMEM)",
             2 * ram / MIB);
    report(p == MAP_FAILED && errno == ENOMEM, line);
    void *r = mmap(NULL, 2 * ram, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    report(r != MAP_FAILED, "the same size as a PROT_NONE reservation");
    if (r != MAP_FAILED) {
        int rc = mprotect(r, 2 * ram, PROT_READ | PROT_WRITE);
        report(rc < 0 && errno == ENOMEM,
               "making the reservation writable is refused (ENOMEM)");
        munmap(r, 2 * ram);
    }
}

int main(void)
{
    stack_touch();
    struct sysinfo si;
    sysinfo(&si);
    size_t ram = (size_t)si.totalram * si.mem_unit;
    struct shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
                             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        printf("mempressure: no shared page\n");
        return 1;
    }
    long frames_before = free_frames();
    pid_t pid = fork();
    if (pid == 0)
        worker(sh);
    report(pid > 0, "a worker task started");
    while (pid > 0 && sh->beats < 10)
        sched_yield();

    size_t nmalloc = take_malloc(CHUNKS_MAX);
    long beats_full = sh->beats;
    int err;
    size_t nmmap = take_mmap(nmalloc, CHUNKS_MAX, &err);
    char line[160];
    snprintf(line, sizeof(line),
             "malloc returns NULL after %zu MiB (of %zu MiB RAM)",
             nmalloc * CHUNK / MIB, ram / MIB);
    report(nmalloc > 0 && nmalloc * CHUNK < ram, line);
    snprintf(line, sizeof(line), "then mmap fails with ENOMEM after %zu MiB more",
             nmmap * CHUNK / MIB);
    report(err == ENOMEM, line);
    check_commit(ram);

    /* the worker goes on while every page is taken */
    long from = sh->beats, refused = sh->refused;
    for (int i = 0; i < 200 && sh->beats < from + 20; i++) {
        usleep(1000);
        nmmap += take_mmap(nmalloc + nmmap, CHUNKS_MAX, &err); /* what the
                                                 worker gave back */
    }
    snprintf(line, sizeof(line),
             "the worker kept working under pressure (%ld iterations, its "
             "mmap refused %ld times with ENOMEM)",
             sh->beats - beats_full, sh->refused);
    report(pid > 0 && sh->beats >= from + 20 && sh->refused > refused &&
               sh->other == 0 && kill(pid, 0) == 0,
           line);
    sh->stop = 1;
    int status = 0;
    report(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
               WEXITSTATUS(status) == 0,
           "the worker exited normally (status 0), never killed");

    give_back(nmalloc, nmmap);
    size_t again = take_malloc(nmalloc);
    size_t again_mmap = take_mmap(again, again + nmmap, &err);
    snprintf(line, sizeof(line),
             "after freeing, the same %zu MiB (malloc) + %zu MiB (mmap) "
             "are taken again",
             again * CHUNK / MIB, again_mmap * CHUNK / MIB);
    report(again == nmalloc && again_mmap == nmmap, line);
    give_back(again, again_mmap);
    long frames_after = free_frames();
    printf("mempressure: free frames %ld before, %ld after (malloc keeps some "
           "for reuse)\n",
           frames_before, frames_after);
    printf("mempressure: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
