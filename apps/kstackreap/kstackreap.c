/*
 * apps/kstackreap - a task cannot make the kernel panic by having it free
 * a kernel stack when no memory is left.
 *
 * The hostile sequence of issue 14: fork two children (their kernel stacks
 * lie back to back in kspace, above this task's), let them end, take every
 * frame with shared anonymous memory (populated at mmap, charged to no
 * commit limit), then every free VMA descriptor with 4 KiB maps of
 * alternating rights (each one its own VMA), and only then reap the first
 * child, which frees its kernel stack.  (Since the commit rule, mmap says
 * ENOMEM before the frames run out; the sequence still ends there.)  Kernel
 * stacks that merged into one
 * VMA needed a split, hence a descriptor, there, and the kernel asserted
 * that the unmap succeeded.  Then: everything is given back, the second
 * child is reaped, a third child runs, and the free frames are back (but
 * for the page tables this space keeps).
 * Prints "ok - kstackreap: ..." per check, then "kstackreap: N passed,
 * N failed"; exit status 1 on any failure.  Boot it with little memory
 * (-m 64M) so that this is quick.
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

#include "apps/include/memprobe.h"

#define PAGE 4096ul
#define CHUNK (1ul << 20)
#define MAPS_MAX 65536 /* 4 KiB maps of each kind: 256 MiB, more than RAM */

static int passed, failed;
static void *shared[MAPS_MAX];
static size_t shared_len[MAPS_MAX];
static void *descs[MAPS_MAX];

static void report(int ok, const char *what)
{
    ok ? passed++ : failed++;
    printf("%s - kstackreap: %s\n", ok ? "ok" : "not ok", what);
    fflush(stdout);
}

/* Shared anonymous maps of `len` from slot `n` until ENOMEM: the next slot. */
static size_t take_shared(size_t n, size_t len)
{
    while (n < MAPS_MAX) {
        void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            break;
        shared[n] = p;
        shared_len[n++] = len;
    }
    return n;
}

/* 4 KiB private maps, read-only and no-access in turn (no two merge), until
 * ENOMEM: how many.  They need no frame, only a VMA descriptor each. */
static size_t take_descriptors(void)
{
    size_t n = 0;
    while (n < MAPS_MAX) {
        void *p = mmap(NULL, PAGE, n % 2 ? PROT_NONE : PROT_READ,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            break;
        descs[n++] = p;
    }
    return n;
}

/* The exit status of child `pid` once reaped, or -1. */
static int reap(pid_t pid)
{
    int status;
    if (pid <= 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

int main(void)
{
    char line[160];
    stack_touch();
    long frames_before = free_frames();
    pid_t first = fork();
    if (first == 0)
        _exit(0);
    pid_t second = fork();
    if (second == 0)
        _exit(0);
    for (int i = 0; i < 100; i++)
        sched_yield(); /* both end: zombies that keep their kernel stack */

    size_t nshared = take_shared(0, CHUNK);
    for (int round = 0; round < 4; round++) /* what a failed map gave back */
        nshared = take_shared(nshared, PAGE);
    size_t ndescs = take_descriptors();
    int first_status = reap(first); /* frees its kernel stack, now */
    long frames_left = free_frames();

    for (size_t i = 0; i < ndescs; i++)
        munmap(descs[i], PAGE);
    for (size_t i = 0; i < nshared; i++)
        munmap(shared[i], shared_len[i]);
    /* The commit rule (mm/commit.c) refuses the maps before the frames run
     * out: ENOMEM at mmap is the end of both loops, frames left or not. */
    snprintf(line, sizeof(line),
             "memory taken until mmap said ENOMEM (%zu shared maps, %ld frames "
             "left) and the VMA descriptors (%zu maps more)",
             nshared, frames_left, ndescs);
    report(nshared > 0 && ndescs > 0 && frames_left >= 0, line);
    report(first_status == 0,
           "the first child is reaped then (its kernel stack freed), status 0");
    report(reap(second) == 0, "the second child is reaped, status 0");
    pid_t third = fork();
    if (third == 0)
        _exit(7);
    report(reap(third) == 7, "a third child runs and ends with status 7");
    long frames_after = free_frames();
    snprintf(line, sizeof(line),
             "free frames %ld before, %ld after (this space keeps the page "
             "tables of its maps until it ends)",
             frames_before, frames_after);
    report(frames_after <= frames_before && frames_after + 64 >= frames_before,
           line);
    printf("kstackreap: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
