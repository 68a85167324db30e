/*
 * abi_edges: the edges of issue 14 (items 5 and 6) where the kernel must
 * behave as x86-64 Linux: write-only and exec-only mappings are readable
 * whatever touches them first, madvise over a hole, MADV_REMOVE, munmap
 * from below the user window, PIPE_BUF atomicity, execve's E2BIG,
 * zero-length read/write with a NULL buffer, a memfd mapped both RW and
 * RX.  Anything that could kill the task on a kernel that gets it wrong
 * runs in a forked child whose exit status the parent checks.  One
 * "ok - name" line per check; exit status 0 only if all passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK_FLUSH /* children fork off: nothing left in stdio's buffer */
#include "apps/include/check.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MADV_REMOVE
#define MADV_REMOVE 9
#endif

#define PAGE 4096UL
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW (PROT_READ | PROT_WRITE)
#define WINDOW_LOW 0x400000UL /* the kernel's user window starts here */

/* The address, or -errno (raw: the C library's wrapper checks arguments). */
static long map(uintptr_t addr, size_t len, int prot, int flags, int fd)
{
    long r;

    errno = 0;
    r = syscall(SYS_mmap, addr, len, prot, flags, fd, 0);
    return r == -1 ? -errno : r;
}

/* Runs fn(arg) in a child: its exit status (0..255), or 256 + the signal
 * that killed it, or -1 if fork failed. */
static int in_child(int (*fn)(long), long arg)
{
    pid_t pid = fork();
    int status;

    if (pid < 0)
        return -1;
    if (pid == 0)
        _exit(fn(arg));
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 256 + WTERMSIG(status);
}

static int all_bytes(const void *p, size_t n, int c)
{
    for (size_t i = 0; i < n; i++)
        if (((const unsigned char *)p)[i] != c)
            return 0;
    return 1;
}

/* ---- item 5: write and exec imply read ---------------------------------- */

static int read_first(long prot)
{
    long p = map(0, PAGE, (int)prot, ANON, -1);

    if (p < 0)
        return 1;
    return *(volatile unsigned char *)p == 0 ? 0 : 2;
}

static int write_then_read(long unused)
{
    long p = map(0, 2 * PAGE, PROT_WRITE, ANON, -1);

    (void)unused;
    if (p < 0)
        return 1;
    *(volatile unsigned char *)p = 'w';
    return *(volatile unsigned char *)p == 'w' &&
                   *(volatile unsigned char *)(p + PAGE) == 0
               ? 0
               : 2;
}

/* write(2) from a write-only buffer: untouched (the kernel reads it first),
 * then written by the task. */
static int write_from_buffer(long touch)
{
    long p = map(0, PAGE, PROT_WRITE, ANON, -1);
    int fds[2];
    char back[100];

    if (p < 0 || pipe(fds) < 0)
        return 1;
    if (touch)
        memset((void *)p, 'b', sizeof(back));
    if (write(fds[1], (void *)p, sizeof(back)) != (ssize_t)sizeof(back))
        return 2;
    if (read(fds[0], back, sizeof(back)) != (ssize_t)sizeof(back))
        return 3;
    return all_bytes(back, sizeof(back), touch ? 'b' : 0) ? 0 : 4;
}

/* 1 when the OS enabled protection keys (CPUID.7.0:ECX.OSPKE): Linux then
 * makes PROT_EXEC-only memory execute-only, unreadable. */
static int has_ospke(void)
{
    unsigned a = 7, b, c = 0, d;

    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    return (c >> 4) & 1;
}

/* The permissions /proc/self/maps shows for the mapping at `addr`. */
static int maps_perms(long addr, char perms[5])
{
    char line[512], want[32];
    FILE *f = fopen("/proc/self/maps", "r");
    int found = 0;

    if (!f)
        return 0;
    snprintf(want, sizeof(want), "%08lx-", addr); /* Linux pads to 8 */
    while (!found && fgets(line, sizeof(line), f))
        if (strncmp(line, want, strlen(want)) == 0)
            found = sscanf(line, "%*s %4s", perms) == 1;
    fclose(f);
    return found;
}

static void test_implied_read(void)
{
    char perms[5] = "";
    long p;

    check(in_child(read_first, PROT_WRITE) == 0,
          "a PROT_WRITE private page reads as zero on first touch");
    check(in_child(write_then_read, 0) == 0,
          "a PROT_WRITE page reads back what was written");
    check(in_child(write_from_buffer, 0) == 0,
          "write(2) from an untouched PROT_WRITE buffer");
    check(in_child(write_from_buffer, 1) == 0,
          "write(2) from a written PROT_WRITE buffer");
    check(has_ospke() || in_child(read_first, PROT_EXEC) == 0,
          "a PROT_EXEC page reads as zero (unless protection keys)");
    p = map(0, PAGE, PROT_WRITE, ANON, -1);
    check(p > 0 && maps_perms(p, perms) && strcmp(perms, "-w-p") == 0,
          "maps shows a PROT_WRITE mapping as -w-p");
    if (p > 0)
        munmap((void *)p, PAGE);
    p = map(0, PAGE, RW, ANON, -1);
    if (p > 0)
        memset((void *)p, 'm', PAGE);
    check(p > 0 && mprotect((void *)p, PAGE, PROT_WRITE) == 0 &&
              all_bytes((void *)p, PAGE, 'm'),
          "mprotect to PROT_WRITE keeps the page readable");
    if (p > 0)
        munmap((void *)p, PAGE);
}

/* ---- item 6: madvise ---------------------------------------------------- */

static void test_madvise(void)
{
    long p = map(0, 3 * PAGE, RW, ANON, -1), s, m;
    int fd = memfd_create("edges", 0);
    struct stat st;
    char back[8];
    long blocks;

    if (p > 0) {
        memset((void *)p, 'x', 3 * PAGE);
        munmap((void *)(p + PAGE), PAGE);
    }
    check(p > 0 && madvise((void *)p, 3 * PAGE, MADV_DONTNEED) == -1 &&
              errno == ENOMEM,
          "madvise MADV_DONTNEED over a hole is ENOMEM");
    check(p > 0 && all_bytes((void *)p, PAGE, 0) &&
              all_bytes((void *)(p + 2 * PAGE), PAGE, 0),
          "madvise MADV_DONTNEED over a hole drops the mapped pages");
    check(p > 0 && madvise((void *)p, PAGE, MADV_REMOVE) == -1 &&
              errno == EINVAL,
          "madvise MADV_REMOVE of private anonymous memory is EINVAL");
    if (p > 0) {
        munmap((void *)p, 3 * PAGE);
    }

    s = map(0, 2 * PAGE, RW, MAP_SHARED | MAP_ANONYMOUS, -1);
    if (s > 0)
        memset((void *)s, 's', 2 * PAGE);
    check(s > 0 && madvise((void *)s, PAGE, MADV_REMOVE) == 0 &&
              all_bytes((void *)s, PAGE, 0) &&
              all_bytes((void *)(s + PAGE), PAGE, 's'),
          "madvise MADV_REMOVE zeroes shared anonymous memory");
    if (s > 0)
        munmap((void *)s, 2 * PAGE);

    m = fd >= 0 && ftruncate(fd, 2 * PAGE) == 0
            ? map(0, 2 * PAGE, RW, MAP_SHARED, fd)
            : -1;
    if (m > 0)
        memset((void *)m, 'f', 2 * PAGE);
    blocks = fd >= 0 && fstat(fd, &st) == 0 ? (long)st.st_blocks : -1;
    check(m > 0 && madvise((void *)m, PAGE, MADV_REMOVE) == 0 &&
              all_bytes((void *)m, PAGE, 0) &&
              all_bytes((void *)(m + PAGE), PAGE, 'f'),
          "madvise MADV_REMOVE punches a hole in a shared memfd mapping");
    check(m > 0 && pread(fd, back, sizeof(back), 0) == sizeof(back) &&
              all_bytes(back, sizeof(back), 0) &&
              pread(fd, back, sizeof(back), PAGE) == sizeof(back) &&
              all_bytes(back, sizeof(back), 'f'),
          "the punched memfd page reads as zero through the file");
    check(blocks == 16 && fstat(fd, &st) == 0 &&
              st.st_size == (off_t)(2 * PAGE),
          "MADV_REMOVE keeps the memfd's size");
    if (m > 0)
        munmap((void *)m, 2 * PAGE);
    m = fd >= 0 ? map(0, PAGE, RW, MAP_PRIVATE, fd) : -1;
    check(m > 0 && madvise((void *)m, PAGE, MADV_REMOVE) == -1 &&
              errno == EACCES,
          "madvise MADV_REMOVE of a private file mapping is EACCES");
    if (m > 0)
        munmap((void *)m, PAGE);
    if (fd >= 0)
        close(fd);
}

/* ---- item 6: munmap from below the window ------------------------------- */

/* Unmaps [0x1000, WINDOW_LOW + PAGE): the image's first page (its ELF
 * header, no code) must go. */
static int unmap_from_low(long unused)
{
    long r;

    (void)unused;
    errno = 0;
    if (syscall(SYS_munmap, 0x1000UL, WINDOW_LOW) != 0)
        return 10 + errno % 100;
    r = map(WINDOW_LOW, PAGE, PROT_READ, ANON | MAP_FIXED_NOREPLACE, -1);
    return r == (long)WINDOW_LOW ? 0 : 2;
}

static void test_munmap_low(void)
{
    check(in_child(unmap_from_low, 0) == 0,
          "munmap from below 4 MiB into the image unmaps what is mapped");
}

/* ---- item 6: PIPE_BUF --------------------------------------------------- */

#define PIPE_MSGS 32

static int pipe_writer(long arg)
{
    int fd = (int)(arg >> 8);
    char msg[PIPE_BUF];

    memset(msg, (int)(arg & 0xff), sizeof(msg));
    for (int i = 0; i < PIPE_MSGS; i++) {
        if (write(fd, msg, sizeof(msg)) != (ssize_t)sizeof(msg))
            return 1;
        usleep(300); /* the other writer finds room meanwhile */
    }
    return 0;
}

/* Two writers of PIPE_BUF-byte messages, a slow reader taking 1000 bytes
 * at a time: every message arrives whole (a non-atomic write fills what
 * room there is and the other writer's bytes follow). */
static void test_pipe_buf(void)
{
    static char all[2 * PIPE_MSGS * PIPE_BUF];
    int fds[2], torn = 0, status, ok = 1;
    size_t got = 0;
    pid_t w[2];

    if (pipe(fds) < 0) {
        check(0, "pipe writes of PIPE_BUF bytes never interleave");
        return;
    }
    for (int i = 0; i < 2; i++) {
        w[i] = fork();
        if (w[i] == 0) {
            close(fds[0]);
            _exit(pipe_writer(((long)fds[1] << 8) | (i ? 'B' : 'A')));
        }
    }
    close(fds[1]);
    for (ssize_t n; got < sizeof(all); got += (size_t)n) {
        size_t want = sizeof(all) - got < 1000 ? sizeof(all) - got : 1000;
        if ((n = read(fds[0], all + got, want)) <= 0)
            break;
        usleep(200); /* a little room at a time: writers find some */
    }
    close(fds[0]);
    for (int i = 0; i < 2; i++)
        ok &= w[i] > 0 && waitpid(w[i], &status, 0) == w[i] &&
              WIFEXITED(status) && WEXITSTATUS(status) == 0;
    for (size_t off = 0; off + PIPE_BUF <= got; off += PIPE_BUF)
        torn += !all_bytes(all + off, PIPE_BUF, all[off]);
    check(ok && got == sizeof(all) && torn == 0,
          "pipe writes of PIPE_BUF bytes from two writers never interleave");
}

/* ---- item 6: execve E2BIG ----------------------------------------------- */

static char exe[256];

/* execve of this program with `count` strings of `len` bytes: the errno. */
static int exec_big(long spec)
{
    size_t len = (size_t)(spec >> 8), count = (size_t)(spec & 0xff);
    char *s = malloc(len + 1);
    char **argv = calloc(count + 2, sizeof(*argv));
    char *envp[] = {NULL};

    if (!s || !argv)
        return 1;
    memset(s, 'e', len);
    s[len] = 0;
    argv[0] = "abi_edges";
    for (size_t i = 1; i <= count; i++)
        argv[i] = s;
    execve(exe, argv, envp);
    return errno;
}

static void test_execve_e2big(void)
{
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

    if (n > 0)
        exe[n] = 0;
    check(n > 0 && in_child(exec_big, (200L * 1024) << 8 | 1) == E2BIG,
          "execve with a 200 KiB argument string is E2BIG");
    check(n > 0 && in_child(exec_big, (110L * 1024) << 8 | 64) == E2BIG,
          "execve with 7 MiB of argument strings is E2BIG");
}

/* ---- item 6: zero-length transfers -------------------------------------- */

static void test_zero_length(void)
{
    int fds[2], fd = memfd_create("zero", 0);
    int piped = pipe(fds) == 0;

    check(piped && read(fds[0], NULL, 0) == 0,
          "read of 0 bytes into NULL from an empty pipe is 0");
    check(piped && write(fds[1], NULL, 0) == 0,
          "write of 0 bytes from NULL to a pipe is 0");
    check(write(1, NULL, 0) == 0, "write of 0 bytes from NULL to stdout is 0");
    check(fd >= 0 && read(fd, NULL, 0) == 0 && write(fd, NULL, 0) == 0 &&
              pread(fd, NULL, 0, 0) == 0,
          "read, write, pread of 0 bytes with NULL on a memfd are 0");
    check(fd >= 0 && write(fd, (void *)0x1000, 0) == 0,
          "write of 0 bytes from an unmapped low address is 0");
    {
        char back[4] = {0};
        struct stat st;
        check(fd >= 0 && pwrite(fd, "pw", 2, 8192) == 2 &&
                  lseek(fd, 0, SEEK_CUR) == 0 && fstat(fd, &st) == 0 &&
                  st.st_size == 8194 && pread(fd, back, 3, 8191) == 3 &&
                  memcmp(back, "\0pw", 3) == 0,
              "pwrite on a memfd writes at the offset, grows it, keeps the position");
    }
    check(piped && write(fds[1], "z", 1) == 1 && read(fds[0], NULL, 1) == -1 &&
              errno == EFAULT,
          "read of 1 byte into NULL is EFAULT");
    if (piped) {
        close(fds[0]);
        close(fds[1]);
    }
    if (fd >= 0)
        close(fd);
}

/* ---- item 6: a memfd mapped RW and RX ----------------------------------- */

static void test_memfd_rx(void)
{
    /* mov eax, 42; ret */
    static const unsigned char code[] = {0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3};
    int fd = memfd_create("jit", 0);
    long w = -1, x = -1;

    if (fd >= 0 && ftruncate(fd, PAGE) == 0) {
        w = map(0, PAGE, RW, MAP_SHARED, fd);
        x = map(0, PAGE, PROT_READ | PROT_EXEC, MAP_SHARED, fd);
    }
    check(w > 0 && x > 0, "a memfd maps MAP_SHARED with PROT_EXEC");
    if (w > 0 && x > 0) {
        memcpy((void *)w, code, sizeof(code));
        check(memcmp((void *)x, code, sizeof(code)) == 0,
              "bytes written through the RW view read through the RX view");
        check(((int (*)(void))x)() == 42,
              "code written through the RW view runs through the RX view");
    }
    if (w > 0)
        munmap((void *)w, PAGE);
    if (x > 0)
        munmap((void *)x, PAGE);
    if (fd >= 0)
        close(fd);
}

int main(int argc, char **argv)
{
    (void)argv;
    if (argc > 1)
        return 99; /* an execve that should have failed */
    test_implied_read();
    test_madvise();
    test_munmap_low();
    test_pipe_buf();
    test_execve_e2big();
    test_zero_length();
    test_memfd_rx();
    return failures != 0;
}
