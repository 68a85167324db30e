/*
 * abi_shmemhuge: memfd and tmpfs files large enough for superpages (shmem
 * THP, issue 21), mapped MAP_SHARED at a 2 MiB boundary: data through the
 * mapping and read/write alike, a fork that shares and writes, mprotect
 * of one page, munmap of one page, ftruncate to the middle of a block and
 * back, a punched hole, a /dev/shm file, a private mapping.  The "ok"
 * lines equal Linux's (check native; Linux's /dev/shm and memfd default
 * to huge=never, and the lines hold either way).  The "# shm:" lines give
 * smaps' ShmemPmdMapped and meminfo's ShmemHugePages after each step: on
 * this kernel (uname's release says "unikernel") they are also checked
 * here ("# guest: not ok" on a mismatch), on Linux only printed.
 * With the argument "leak": the same steps three times, and the free
 * frames (sysinfo) must come back exactly (guest only).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK_FLUSH
#include "apps/include/check.h"
#include "apps/include/memprobe.h"
#include "apps/include/smaps.h"

#define PAGE 4096UL
#define HUGE (2UL << 20)
#define RW (PROT_READ | PROT_WRITE)

static bool quiet; /* leak mode: no lines per step */
static bool guest; /* this kernel: the "# shm:" figures are checked too */

static void ok(int cond, const char *name)
{
    if (!quiet || !cond)
        check(cond, name);
}

/* A /proc/meminfo figure (kB), -1 if absent. */
static long meminfo_kb(const char *name)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return -1;
    char line[128];
    long kb = -1;
    size_t n = strlen(name);
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, name, n) == 0 && line[n] == ':')
            kb = strtol(line + n + 1, NULL, 10);
    fclose(f);
    return kb;
}

/* Prints the step's ShmemPmdMapped for `addr`; on this kernel checks it
 * is `want` kB (-1: anything). */
static void report(const char *step, uintptr_t addr, long want)
{
    long kb = smaps_kb(addr, "ShmemPmdMapped:");
    if (!quiet)
        printf("# shm: %s: ShmemPmdMapped %ld kB, ShmemHugePages %ld kB\n",
               step, kb, meminfo_kb("ShmemHugePages"));
    if (guest && want >= 0 && kb != want) {
        printf("# guest: not ok - %s: ShmemPmdMapped %ld kB, want %ld\n", step,
               kb, want);
        failures++;
    }
    fflush(stdout);
}

/* A 2 MiB-aligned address with `len` bytes free after it (a reservation
 * made and given back), 0 on failure. */
static uintptr_t aligned_hole(size_t len)
{
    void *p = mmap(NULL, len + HUGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    if (p == MAP_FAILED)
        return 0;
    munmap(p, len + HUGE);
    return ((uintptr_t)p + HUGE - 1) & ~(HUGE - 1);
}

/* Maps `len` bytes of `fd` from 0 shared at a 2 MiB boundary, 0 on
 * failure. */
static uintptr_t map_aligned(int fd, size_t len, int flags)
{
    uintptr_t a = aligned_hole(len);
    if (!a)
        return 0;
    void *p = mmap((void *)a, len, RW, flags | MAP_FIXED, fd, 0);
    return p == MAP_FAILED ? 0 : (uintptr_t)p;
}

static void fill(uintptr_t a, size_t len, uintptr_t tag)
{
    for (size_t off = 0; off < len; off += PAGE)
        *(uintptr_t *)(a + off) = (off / PAGE) ^ tag;
}

static int filled(uintptr_t a, size_t len, uintptr_t tag, size_t first)
{
    for (size_t off = 0; off < len; off += PAGE)
        if (*(uintptr_t *)(a + off) != ((first + off / PAGE) ^ tag))
            return 0;
    return 1;
}

/* True when `n` bytes of `fd` at `off` read through pread are zero. */
static int file_zero(int fd, off_t off, size_t n)
{
    static char buf[8192];
    while (n) {
        size_t k = n < sizeof(buf) ? n : sizeof(buf);
        if (pread(fd, buf, k, off) != (ssize_t)k)
            return 0;
        for (size_t i = 0; i < k; i++)
            if (buf[i])
                return 0;
        n -= k;
        off += (off_t)k;
    }
    return 1;
}

static void memfd_steps(void)
{
    int fd = memfd_create("abi_shmemhuge", 0);
    ok(fd >= 0 && ftruncate(fd, 2 * HUGE) == 0, "a 4 MiB memfd");
    uintptr_t a = fd >= 0 ? map_aligned(fd, 2 * HUGE, MAP_SHARED) : 0;
    ok(a != 0, "mapped shared at a 2 MiB boundary");
    if (!a) {
        if (fd >= 0)
            close(fd);
        return;
    }
    fill(a, 2 * HUGE, 0x1234);
    ok(filled(a, 2 * HUGE, 0x1234, 0), "first touch: every page written and read back");
    uintptr_t v = 0;
    ok(pread(fd, &v, sizeof(v), 3 * HUGE / 2) == sizeof(v) &&
           v == ((3 * HUGE / 2 / PAGE) ^ 0x1234),
       "read() sees the mapping's stores");
    report("touched", a, 4096);

    pid_t pid = fork();
    if (pid == 0) {
        int good = filled(a, 2 * HUGE, 0x1234, 0);
        *(uintptr_t *)(a + HUGE + 3 * PAGE) = 77; /* shared: the parent sees */
        _exit(good ? 0 : 1);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
       "fork: the child sees the data");
    ok(*(uintptr_t *)(a + HUGE + 3 * PAGE) == 77,
       "fork: the parent sees the child's store");
    *(uintptr_t *)(a + HUGE + 3 * PAGE) = (HUGE / PAGE + 3) ^ 0x1234;
    report("after fork", a, 4096);

    ok(mprotect((void *)(a + 10 * PAGE), PAGE, PROT_READ) == 0,
       "mprotect of one page inside the first 2 MiB");
    ok(filled(a, 2 * HUGE, 0x1234, 0), "mprotect: the data unchanged");
    report("after mprotect", a + HUGE, 2048);
    ok(mprotect((void *)(a + 10 * PAGE), PAGE, RW) == 0, "mprotect back");
    *(uintptr_t *)(a + 10 * PAGE) = 10 ^ 0x1234;
    ok(filled(a, 2 * HUGE, 0x1234, 0), "mprotect back: writable, data unchanged");
    report("after mprotect back", a, 2048);

    ok(munmap((void *)(a + HUGE + 7 * PAGE), PAGE) == 0,
       "munmap of one page inside the second 2 MiB");
    ok(filled(a + HUGE, 7 * PAGE, 0x1234, HUGE / PAGE) &&
           filled(a + HUGE + 8 * PAGE, HUGE - 8 * PAGE, 0x1234, HUGE / PAGE + 8),
       "munmap: the pages around the hole unchanged");
    report("after munmap", a, 0);
    munmap((void *)a, 2 * HUGE);

    /* truncation to the middle of a block, then growth back */
    uintptr_t b = map_aligned(fd, 2 * HUGE, MAP_SHARED);
    ok(b != 0, "mapped again");
    if (!b) {
        close(fd);
        return;
    }
    ok(filled(b, 2 * HUGE, 0x1234, 0), "the file kept its data");
    report("mapped again", b, 4096);
    size_t cut = HUGE / 2 + 100;
    ok(ftruncate(fd, (off_t)cut) == 0, "ftruncate to the middle of a block");
    ok(filled(b, HUGE / 2, 0x1234, 0) &&
           *(unsigned char *)(b + HUGE / 2) == ((HUGE / 2 / PAGE) ^ 0x1234) % 256,
       "truncate: the data before the size kept");
    int tail = 1;
    for (size_t i = 100; i < PAGE; i++)
        tail &= ((unsigned char *)(b + HUGE / 2))[i] == 0;
    ok(tail, "truncate: the last page zero past the size");
    report("after truncate", b, 0);
    ok(ftruncate(fd, 2 * HUGE) == 0, "ftruncate back to 4 MiB");
    ok(file_zero(fd, (off_t)cut, 2 * HUGE - cut), "grown: read() gives zeros past the old size");
    int zero = 1;
    for (size_t off = HUGE / 2 + PAGE; off < 2 * HUGE; off += PAGE)
        zero &= *(uintptr_t *)(b + off) == 0;
    ok(zero, "grown: the mapping reads zeros past the old size");
    report("grown back", b, 2048);

    /* a punched hole in a block */
    fill(b, 2 * HUGE, 0x4321);
    struct stat st0, st1;
    ok(fstat(fd, &st0) == 0 &&
           fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                     (off_t)(HUGE + 16 * PAGE), 2 * PAGE) == 0 &&
           fstat(fd, &st1) == 0,
       "fallocate PUNCH_HOLE of 8 KiB inside a block");
    ok(st1.st_size == st0.st_size && st0.st_blocks - st1.st_blocks == 16,
       "punch: the size kept, 16 blocks fewer");
    ok(*(uintptr_t *)(b + HUGE + 16 * PAGE) == 0 &&
           *(uintptr_t *)(b + HUGE + 17 * PAGE) == 0 &&
           file_zero(fd, (off_t)(HUGE + 16 * PAGE), 2 * PAGE),
       "punch: the hole reads zero, mapped and read()");
    ok(filled(b, HUGE + 16 * PAGE, 0x4321, 0) &&
           filled(b + HUGE + 18 * PAGE, HUGE - 18 * PAGE, 0x4321, HUGE / PAGE + 18),
       "punch: the rest unchanged");
    report("after punch", b, 0); /* no block left whole */
    munmap((void *)b, 2 * HUGE);

    /* a private mapping: copies, never a shared superpage */
    uintptr_t c = map_aligned(fd, 2 * HUGE, MAP_PRIVATE);
    ok(c != 0 && filled(c, HUGE, 0x4321, 0), "a private mapping reads the file");
    if (c) {
        *(uintptr_t *)c = 99;
        v = 0;
        ok(pread(fd, &v, sizeof(v), 0) == sizeof(v) && v == (0 ^ 0x4321),
           "a private store stays private");
        report("private", c, 0);
        munmap((void *)c, 2 * HUGE);
    }
    close(fd);
}

static void tmpfs_steps(void)
{
    char path[64];
    snprintf(path, sizeof(path), "/dev/shm/abi_shmemhuge.%d", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
    ok(fd >= 0 && ftruncate(fd, 2 * HUGE) == 0, "a 4 MiB file in /dev/shm");
    uintptr_t a = fd >= 0 ? map_aligned(fd, 2 * HUGE, MAP_SHARED) : 0;
    ok(a != 0, "/dev/shm: mapped shared at a 2 MiB boundary");
    if (a) {
        fill(a, 2 * HUGE, 0x77);
        ok(filled(a, 2 * HUGE, 0x77, 0), "/dev/shm: every page written and read back");
        report("/dev/shm touched", a, 4096);
        munmap((void *)a, 2 * HUGE);
    }
    /* a 1 MiB file stays in 4 KiB pages */
    int small = open(path, O_RDWR | O_TRUNC);
    ok(small >= 0 && ftruncate(small, HUGE / 2) == 0, "/dev/shm: truncated to 1 MiB");
    uintptr_t s = small >= 0 ? map_aligned(small, HUGE, MAP_SHARED) : 0;
    ok(s != 0, "/dev/shm: a 1 MiB file mapped over 2 MiB");
    if (s) {
        fill(s, HUGE / 2, 0x11);
        ok(filled(s, HUGE / 2, 0x11, 0), "/dev/shm: the 1 MiB file usable");
        report("/dev/shm 1 MiB", s, 0);
        munmap((void *)s, HUGE);
    }
    if (small >= 0)
        close(small);
    if (fd >= 0)
        close(fd);
    ok(unlink(path) == 0, "/dev/shm: removed");
}

static void steps(void)
{
    memfd_steps();
    tmpfs_steps();
}

int main(int argc, char **argv)
{
    struct utsname u;
    guest = uname(&u) == 0 && strstr(u.release, "unikernel") != NULL;
    if (argc > 1 && strcmp(argv[1], "leak") == 0) {
        quiet = true;
        steps(); /* what the first run takes once (page tables) */
        long before = free_frames();
        for (int i = 0; i < 3; i++)
            steps();
        long after = free_frames();
        quiet = false;
        printf("# free frames before %ld after %ld\n", before, after);
        check(before > 0 && after == before, "leak no frame lost");
        printf("abi_shmemhuge leak: %d failed\n", failures);
        return failures != 0;
    }
    steps();
    printf("abi_shmemhuge: %d failed\n", failures);
    return failures != 0;
}
