/*
 * apps/modfiles - the files of a boot module (unikernel/modfiles.h) as a
 * program sees them: `modfiles PATH SIZE OTHER`, PATH a file of SIZE bytes
 * whose byte i is (i * 7 + (i >> 11)) & 0xff (the pattern of
 * apps/nginx/recipe's big.bin), OTHER another file of the module.  Checks
 * read, sendfile (to a pipe), mmap MAP_PRIVATE (a written page stays
 * private) and MAP_SHARED read-only (zeros past the end in the last
 * page; the pages are the module's frames, no free memory taken), a write
 * (the file's data copied into the cache) and the unlink of OTHER while
 * mapped; one "ok" / "not ok" line per check, the
 * status the number of failures.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apps/include/check.h"

#define CHUNK 4096 /* a pipe holds at least one page */

static uint8_t pat(uint64_t i)
{
    return (uint8_t)((i * 7 + (i >> 11)) & 0xff);
}

/* The first offset in [0, n) where buf (file bytes from `from`) differs
 * from the pattern, or n. */
static size_t first_bad(const uint8_t *buf, uint64_t from, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (buf[i] != pat(from + i))
            return i;
    return n;
}

/* /proc/meminfo's MemFree in KiB, or -1. */
static long mem_free_kib(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[128];
    long kib = -1;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "MemFree: %ld kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib;
}

static int read_all(int fd, uint8_t *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t k = read(fd, buf + done, n - done);
        if (k <= 0)
            return 0;
        done += (size_t)k;
    }
    return 1;
}

/* read(2) of the whole file, 64 KiB at a time: 1 when every byte is right
 * and the read at the end gives 0. */
static int by_read(const char *path, uint64_t size)
{
    static uint8_t buf[65536];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    uint64_t at = 0;
    for (;;) {
        ssize_t k = read(fd, buf, sizeof(buf));
        if (k <= 0) {
            close(fd);
            return k == 0 && at == size;
        }
        if (first_bad(buf, at, (size_t)k) != (size_t)k) {
            close(fd);
            return 0;
        }
        at += (uint64_t)k;
    }
}

/* sendfile(2) of the whole file into a pipe, a page at a time, read back. */
static int by_sendfile(const char *path, uint64_t size)
{
    static uint8_t buf[CHUNK];
    int fd = open(path, O_RDONLY), p[2];
    if (fd < 0 || pipe(p) < 0)
        return 0;
    off_t off = 0;
    int ok = 1;
    while (ok && (uint64_t)off < size) {
        ssize_t k = sendfile(p[1], fd, &off, CHUNK);
        ok =
            k > 0 && read_all(p[0], buf, (size_t)k) &&
            first_bad(buf, (uint64_t)off - (uint64_t)k, (size_t)k) == (size_t)k;
    }
    ok = ok && sendfile(p[1], fd, &off, CHUNK) == 0; /* at the end */
    close(fd);
    close(p[0]);
    close(p[1]);
    return ok;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc != 4) {
        fprintf(stderr, "usage: modfiles PATH SIZE OTHER\n");
        return 2;
    }
    const char *path = argv[1], *other = argv[3];
    uint64_t size = strtoull(argv[2], NULL, 0);
    struct stat st;
    check(stat(path, &st) == 0 && (uint64_t)st.st_size == size &&
              S_ISREG(st.st_mode),
          "the module's file is in the tmpfs with its size");
    check(by_read(path, size), "read: every byte");
    check(by_sendfile(path, size), "sendfile to a pipe: every byte");

    int fd = open(path, O_RDONLY);
    size_t len = (size_t)size, page = (size_t)sysconf(_SC_PAGESIZE);
    size_t maplen = (len + page - 1) / page * page;
    long free0 = mem_free_kib();
    uint8_t *sh = mmap(NULL, maplen, PROT_READ, MAP_SHARED, fd, 0);
    check(sh != MAP_FAILED && first_bad(sh, 0, len) == len,
          "mmap MAP_SHARED read-only: every byte");
    /* the module's frames themselves are mapped: only page tables and the
     * partial last page are new (a copy would take size / 1024 KiB) */
    long taken = free0 - mem_free_kib();
    check(free0 > 0 && taken < (long)(size >> 10) / 8,
          "mmap: the pages are the module's own frames (no copy)");
    int zeros = sh != MAP_FAILED;
    for (size_t i = len; zeros && i < maplen; i++)
        zeros = sh[i] == 0;
    check(zeros, "mmap: the last page is zero past the end");

    uint8_t *pr =
        mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    int priv = pr != MAP_FAILED && first_bad(pr, 0, len) == len;
    check(priv, "mmap MAP_PRIVATE: every byte");
    if (priv) {
        memset(pr + page, 0xa5, page); /* its own copy of page 1 */
        priv = pr[page] == 0xa5 && sh != MAP_FAILED && sh[page] == pat(page) &&
               first_bad(pr + 2 * page, 2 * page, len - 2 * page) ==
                   len - 2 * page;
    }
    check(priv, "MAP_PRIVATE: a written page is private, the file unchanged");
    close(fd);

    /* a write makes the data the file's own (copied into the cache) */
    fd = open(path, O_RDWR);
    static const uint8_t mark[] = "written";
    uint64_t at = size / 2;
    int wrote = fd >= 0 && pwrite(fd, mark, sizeof(mark), (off_t)at) ==
                               (ssize_t)sizeof(mark);
    uint8_t back[sizeof(mark)];
    wrote = wrote &&
            pread(fd, back, sizeof(back), (off_t)at) == (ssize_t)sizeof(back) &&
            memcmp(back, mark, sizeof(mark)) == 0;
    check(wrote, "pwrite then pread in the middle of the file");
    uint8_t head[CHUNK];
    check(fd >= 0 &&
              pread(fd, head, sizeof(head), 0) == (ssize_t)sizeof(head) &&
              first_bad(head, 0, sizeof(head)) == sizeof(head),
          "the bytes around the write are unchanged");
    if (fd >= 0)
        close(fd);
    /* the mappings made before see the write, as on Linux; the private
     * copy of page 1 stays its own */
    check(sh != MAP_FAILED && memcmp(sh + at, mark, sizeof(mark)) == 0 &&
              first_bad(sh, 0, (size_t)at) == (size_t)at,
          "the MAP_SHARED mapping sees the write");
    check(
        pr != MAP_FAILED && memcmp(pr + at, mark, sizeof(mark)) == 0 &&
            pr[page] == 0xa5 && pr[2 * page - 1] == 0xa5,
        "MAP_PRIVATE: an unwritten page sees the write, the written one stays");
    munmap(sh, maplen);
    if (pr != MAP_FAILED)
        munmap(pr, maplen);

    /* the other file, unlinked while mapped: its bytes stay readable */
    int ofd = open(other, O_RDONLY);
    struct stat ost;
    int un = ofd >= 0 && fstat(ofd, &ost) == 0 && ost.st_size > 0;
    uint8_t *om =
        un ? mmap(NULL, (size_t)ost.st_size, PROT_READ, MAP_SHARED, ofd, 0)
           : MAP_FAILED;
    char first = om != MAP_FAILED ? (char)om[0] : 0;
    un = un && om != MAP_FAILED && unlink(other) == 0 &&
         access(other, F_OK) < 0 && errno == ENOENT && om[0] == first;
    if (ofd >= 0)
        close(ofd);
    if (om != MAP_FAILED)
        munmap(om, (size_t)ost.st_size);
    check(un, "a module file unlinked while mapped: gone, its mapping intact");
    printf("modfiles: %d failed\n", failures);
    return failures;
}
