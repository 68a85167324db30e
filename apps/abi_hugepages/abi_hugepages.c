/*
 * abi_hugepages: anonymous memory large enough for superpages (issue 21),
 * given MADV_HUGEPAGE, through every operation that may demote one: data
 * intact after first touch, fork and copy-on-write on both sides, mprotect
 * of one page and back (the guest promotes the block again), munmap of
 * one page, MADV_DONTNEED of part, mremap to a new address,
 * MADV_NOHUGEPAGE, MADV_COLLAPSE (Linux 6.1) of a region populated 4 KiB
 * at a time with holes, and a demoted superpage shared with a fork.  The
 * "ok" lines equal Linux's (check native): they hold whether or not the
 * host kernel collapses (a kernel before 6.1 answers EINVAL); the "# huge:"
 * lines give smaps' AnonHugePages after each step and the collapse's
 * answer, which the guest's case checks (Linux's depend on its THP
 * settings and its khugepaged).
 * With the argument "leak": the same steps three times, and the free
 * frames (sysinfo) must come back exactly (guest only).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK_FLUSH
#include "apps/include/check.h"
#include "apps/include/memprobe.h"
#include "apps/include/smaps.h"

#define PAGE 4096UL
#define HUGE (2UL << 20)
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25 /* Linux 6.1; older C libraries lack the name */
#endif

static bool quiet; /* leak mode: no lines per step */

static void ok(int cond, const char *name)
{
    if (!quiet || !cond)
        check(cond, name);
}

static void report(const char *step, uintptr_t addr)
{
    if (!quiet)
        printf("# huge: %s: AnonHugePages %ld kB\n", step,
               smaps_kb(addr, "AnonHugePages:"));
    fflush(stdout);
}

/* An anonymous RW region of `len` bytes at a 2 MiB boundary (carved out of
 * a larger mapping), advised MADV_HUGEPAGE; 0 on failure. */
static uintptr_t huge_region(size_t len)
{
    void *p = mmap(NULL, len + HUGE, RW, ANON, -1, 0);
    if (p == MAP_FAILED)
        return 0;
    uintptr_t a = ((uintptr_t)p + HUGE - 1) & ~(HUGE - 1);
    if (a > (uintptr_t)p)
        munmap(p, a - (uintptr_t)p);
    if ((uintptr_t)p + len + HUGE > a + len)
        munmap((void *)(a + len), (uintptr_t)p + len + HUGE - (a + len));
    if (madvise((void *)a, len, MADV_HUGEPAGE) != 0) {
        munmap((void *)a, len);
        return 0;
    }
    return a;
}

static void fill(uintptr_t a, size_t len, uintptr_t tag)
{
    for (size_t off = 0; off < len; off += PAGE)
        *(uintptr_t *)(a + off) = (off / PAGE) ^ tag;
}

/* True when every page of [a, a + len) holds fill's pattern with `tag`,
 * numbered from `first`. */
static int filled(uintptr_t a, size_t len, uintptr_t tag, size_t first)
{
    for (size_t off = 0; off < len; off += PAGE)
        if (*(uintptr_t *)(a + off) != ((first + off / PAGE) ^ tag))
            return 0;
    return 1;
}

/* MADV_COLLAPSE: a region written 4 KiB at a time (MADV_NOHUGEPAGE
 * then, last page first), 4 pages dropped, then advised and collapsed. */
static void collapse_step(void)
{
    uintptr_t e = huge_region(HUGE);
    ok(e != 0 && madvise((void *)e, HUGE, MADV_NOHUGEPAGE) == 0,
       "a region for MADV_COLLAPSE, first MADV_NOHUGEPAGE");
    if (!e)
        return;
    for (size_t off = HUGE; off > 0; off -= PAGE)
        *(uintptr_t *)(e + off - PAGE) = ((off - PAGE) / PAGE) ^ 0x88;
    ok(madvise((void *)(e + 40 * PAGE), 4 * PAGE, MADV_DONTNEED) == 0,
       "MADV_COLLAPSE: 4 pages dropped first");
    ok(madvise((void *)e, HUGE, MADV_HUGEPAGE) == 0,
       "MADV_COLLAPSE: MADV_HUGEPAGE");
    report("4 KiB pages", e);
    int rc = madvise((void *)e, HUGE, MADV_COLLAPSE);
    int err = rc == 0 ? 0 : errno;
    ok(rc == 0 || err == EINVAL || err == EAGAIN || err == ENOMEM,
       "MADV_COLLAPSE: done, or an answer Linux documents");
    if (!quiet)
        printf("# huge: MADV_COLLAPSE: %s\n", rc == 0 ? "0" : strerror(err));
    ok(filled(e, 40 * PAGE, 0x88, 0) &&
           filled(e + 44 * PAGE, HUGE - 44 * PAGE, 0x88, 44),
       "MADV_COLLAPSE: the data unchanged");
    ok(*(uintptr_t *)(e + 40 * PAGE) == 0 && *(uintptr_t *)(e + 43 * PAGE) == 0,
       "MADV_COLLAPSE: the dropped pages read zero");
    report("after MADV_COLLAPSE", e);
    munmap((void *)e, HUGE);
}

/* A demoted superpage shared with a fork: no promotion while the child
 * lives (its frames are shared), then the parent's first write after the
 * child is gone finds them its own again (the guest promotes it there). */
static void fork_promote_step(void)
{
    uintptr_t f = huge_region(HUGE);
    int go[2];
    ok(f != 0 && pipe(go) == 0, "a region and a pipe for the fork step");
    if (!f)
        return;
    fill(f, HUGE, 0x99);
    ok(mprotect((void *)(f + 10 * PAGE), PAGE, PROT_READ) == 0,
       "fork step: mprotect of one page (demoted)");
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        int good = read(go[0], &c, 1) == 1 && filled(f, HUGE, 0x99, 0);
        _exit(good ? 0 : 1);
    }
    ok(mprotect((void *)(f + 10 * PAGE), PAGE, RW) == 0,
       "fork step: mprotect back while the child lives");
    report("fork step, child alive", f);
    int status = -1;
    ok(write(go[1], "x", 1) == 1 && waitpid(pid, &status, 0) == pid &&
           WIFEXITED(status) && WEXITSTATUS(status) == 0,
       "fork step: the child saw the data");
    *(uintptr_t *)(f + 20 * PAGE) = 20 ^ 0x99; /* the parent's write */
    ok(filled(f, HUGE, 0x99, 0), "fork step: the parent's data unchanged");
    report("fork step, child gone, written", f);
    close(go[0]);
    close(go[1]);
    munmap((void *)f, HUGE);
}

static void steps(void)
{
    uintptr_t a = huge_region(2 * HUGE);
    ok(a != 0, "an aligned 4 MiB region with MADV_HUGEPAGE");
    if (!a)
        return;
    fill(a, 2 * HUGE, 0x1234);
    ok(filled(a, 2 * HUGE, 0x1234, 0), "first touch: every page written and read back");
    report("touched", a);

    pid_t pid = fork();
    if (pid == 0) {
        int good = filled(a, 2 * HUGE, 0x1234, 0);
        *(uintptr_t *)(a + 3 * PAGE) = 77; /* copy on write in the child */
        good &= *(uintptr_t *)(a + 3 * PAGE) == 77 &&
                filled(a + 4 * PAGE, 2 * HUGE - 4 * PAGE, 0x1234, 4);
        _exit(good ? 0 : 1);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
       "fork: the child sees the data and writes its own copy");
    ok(filled(a, 2 * HUGE, 0x1234, 0), "fork: the parent's data unchanged");
    *(uintptr_t *)(a + 5 * PAGE) = 5 ^ 0x1234; /* the parent writes again */
    ok(filled(a, 2 * HUGE, 0x1234, 0), "fork: the parent writes after the child is gone");
    report("after fork", a);

    ok(mprotect((void *)(a + 10 * PAGE), PAGE, PROT_READ) == 0,
       "mprotect of one page inside a superpage");
    ok(filled(a, 2 * HUGE, 0x1234, 0), "mprotect: the data unchanged");
    report("after mprotect", a + HUGE);
    ok(mprotect((void *)(a + 10 * PAGE), PAGE, RW) == 0, "mprotect back");
    ok(filled(a, 2 * HUGE, 0x1234, 0), "mprotect back: the data unchanged");
    *(uintptr_t *)(a + 10 * PAGE) = 10 ^ 0x1234;
    ok(filled(a, 2 * HUGE, 0x1234, 0),
       "mprotect back: the page writable again");
    report("after mprotect back", a);

    ok(munmap((void *)(a + HUGE + 7 * PAGE), PAGE) == 0,
       "munmap of one page inside the second superpage");
    ok(filled(a + HUGE, 7 * PAGE, 0x1234, HUGE / PAGE) &&
           filled(a + HUGE + 8 * PAGE, HUGE - 8 * PAGE, 0x1234, HUGE / PAGE + 8),
       "munmap: the pages around the hole unchanged");
    report("after munmap", a);
    munmap((void *)a, 2 * HUGE);

    uintptr_t b = huge_region(2 * HUGE);
    ok(b != 0, "a second region");
    if (!b)
        return;
    fill(b, 2 * HUGE, 0x55);
    ok(madvise((void *)(b + 16 * PAGE), 4 * PAGE, MADV_DONTNEED) == 0,
       "MADV_DONTNEED of 4 pages inside a superpage");
    ok(*(uintptr_t *)(b + 16 * PAGE) == 0 && *(uintptr_t *)(b + 19 * PAGE) == 0,
       "MADV_DONTNEED: those pages read zero");
    ok(filled(b, 16 * PAGE, 0x55, 0) &&
           filled(b + 20 * PAGE, 2 * HUGE - 20 * PAGE, 0x55, 20),
       "MADV_DONTNEED: the others unchanged");
    report("after DONTNEED", b);
    fill(b, 2 * HUGE, 0x66);
    void *c = mremap((void *)b, 2 * HUGE, 3 * HUGE, MREMAP_MAYMOVE);
    ok(c != MAP_FAILED, "mremap grows the region (moving it if needed)");
    if (c == MAP_FAILED)
        return;
    ok(filled((uintptr_t)c, 2 * HUGE, 0x66, 0), "mremap: the data moved intact");
    memset((char *)c + 2 * HUGE, 1, HUGE);
    ok(((char *)c)[3 * HUGE - 1] == 1, "mremap: the new part is usable");
    munmap(c, 3 * HUGE);

    /* a fixed mremap whose destination covers a superpage whole (the move
     * replaces it; its page tables must be made under a 2 MiB entry) */
    uintptr_t e = huge_region(2 * HUGE);
    void *src = mmap(NULL, HUGE, RW, ANON, -1, 0);
    ok(e != 0 && src != MAP_FAILED && madvise(src, HUGE, MADV_NOHUGEPAGE) == 0,
       "a superpage region and a 4 KiB-page source");
    if (!e || src == MAP_FAILED)
        return;
    fill(e, 2 * HUGE, 0x88);
    fill((uintptr_t)src, HUGE, 0x99);
    report("before the fixed mremap", e);
    void *m = mremap(src, HUGE, HUGE, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)e);
    ok(m == (void *)e && filled(e, HUGE, 0x99, 0) &&
           filled(e + HUGE, HUGE, 0x88, HUGE / PAGE),
       "mremap FIXED over a whole superpage: the moved data there, the next one kept");
    report("after the fixed mremap", e + HUGE);
    munmap((void *)e, 2 * HUGE);

    uintptr_t d = huge_region(HUGE);
    ok(d != 0 && madvise((void *)d, HUGE, MADV_NOHUGEPAGE) == 0,
       "MADV_NOHUGEPAGE on a fresh region");
    if (!d)
        return;
    fill(d, HUGE, 0x77);
    ok(filled(d, HUGE, 0x77, 0), "MADV_NOHUGEPAGE: the data usable");
    report("NOHUGEPAGE", d);
    int rc = madvise((void *)d, HUGE, MADV_COLLAPSE);
    ok(rc == -1 && errno == EINVAL,
       "MADV_COLLAPSE of a MADV_NOHUGEPAGE region: EINVAL");
    munmap((void *)d, HUGE);
    ok(madvise((void *)d, HUGE, MADV_HUGEPAGE) == -1 && errno == ENOMEM,
       "MADV_HUGEPAGE over nothing mapped: ENOMEM");
    collapse_step();
    fork_promote_step();
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "leak") == 0) {
        quiet = true;
        steps(); /* what the first run takes once (page tables, the zero page) */
        long before = free_frames();
        for (int i = 0; i < 3; i++)
            steps();
        long after = free_frames();
        quiet = false;
        printf("# free frames before %ld after %ld\n", before, after);
        check(before > 0 && after == before, "leak no frame lost");
        printf("abi_hugepages leak: %d failed\n", failures);
        return failures != 0;
    }
    steps();
    printf("abi_hugepages: %d failed\n", failures);
    return failures != 0;
}
