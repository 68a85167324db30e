/*
 * abi_files: file system calls on a read-only file whose path is the first
 * argument (in the guest: a file of the image's ramfs).  The file holds
 * lines "line NNNN of the abi_files pattern\n" (35 bytes each, a size that
 * is not a page multiple), so every byte read can be checked.  Covers open,
 * openat, read, readv, lseek, pread64, fstat, stat, close, mmap of the file
 * (private copy, zero past the end, shared writable refused), stdio reads,
 * and the errors ENOENT, EBADF, EINVAL, EACCES.  One "ok - name" line per
 * check; exit status 0 only if all passed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "apps/include/check.h"

#define LINE_LEN 35
#define PAGE 4096

/* The byte at offset `off` of the pattern file. */
static char pattern_at(long off)
{
    char line[64];

    snprintf(line, sizeof(line), "line %04ld of the abi_files pattern\n",
             (off / LINE_LEN) % 10000);
    return line[off % LINE_LEN];
}

/* True if buf holds the n pattern bytes starting at offset off. */
static int is_pattern(const char *buf, long off, long n)
{
    for (long i = 0; i < n; i++)
        if (buf[i] != pattern_at(off + i))
            return 0;
    return 1;
}

static char whole[1 << 16];

/* Reads the whole file in odd-sized pieces; returns the bytes read. */
static long read_all(int fd)
{
    long total = 0, n = 0;

    while (total <= (long)sizeof(whole) - 1000 &&
           (n = read(fd, whole + total, 1000)) > 0)
        total += n;
    return n < 0 ? -1 : total;
}

static void test_read_seek(const char *path, long size)
{
    char buf[64], a[10], b[20];
    struct iovec iov[2] = {{a, sizeof(a)}, {b, sizeof(b)}};
    int fd = open(path, O_RDONLY);

    check(fd >= 0, "files open existing file");
    check(read_all(fd) == size && is_pattern(whole, 0, size),
          "files read whole file in pieces");
    check(read(fd, buf, sizeof(buf)) == 0, "files read at end of file is 0");
    check(lseek(fd, 5000, SEEK_SET) == 5000 && read(fd, buf, 40) == 40 &&
              is_pattern(buf, 5000, 40),
          "files lseek SEEK_SET then read");
    check(lseek(fd, 100, SEEK_CUR) == 5140 && read(fd, buf, 1) == 1 &&
              buf[0] == pattern_at(5140),
          "files lseek SEEK_CUR");
    check(lseek(fd, -10, SEEK_END) == size - 10 && read(fd, buf, 64) == 10 &&
              is_pattern(buf, size - 10, 10),
          "files lseek SEEK_END and short read");
    check(lseek(fd, size + 4096, SEEK_SET) == size + 4096 &&
              read(fd, buf, 8) == 0,
          "files lseek past the end, read gives 0");
    errno = 0;
    check(lseek(fd, -1, SEEK_SET) == -1 && errno == EINVAL,
          "files lseek to a negative offset is EINVAL");
    lseek(fd, 7, SEEK_SET);
    check(pread(fd, buf, 30, 4090) == 30 && is_pattern(buf, 4090, 30) &&
              lseek(fd, 0, SEEK_CUR) == 7,
          "files pread64 leaves the position alone");
    check(readv(fd, iov, 2) == 30 && is_pattern(a, 7, 10) &&
              is_pattern(b, 17, 20),
          "files readv");
    check(close(fd) == 0, "files close");
    errno = 0;
    check(read(fd, buf, 1) == -1 && errno == EBADF,
          "files read after close is EBADF");
    errno = 0;
    check(close(fd) == -1 && errno == EBADF, "files close twice is EBADF");
}

static void test_stat(const char *path, long size)
{
    struct stat st, st2;
    int fd = open(path, O_RDONLY);

    check(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == size,
          "files fstat regular file and size");
    check(stat(path, &st2) == 0 && st2.st_size == size &&
              st2.st_ino == st.st_ino,
          "files stat agrees with fstat");
    close(fd);
    fd = openat(AT_FDCWD, path, O_RDONLY);
    check(fd >= 0 && fstat(fd, &st2) == 0 && st2.st_ino == st.st_ino,
          "files openat AT_FDCWD opens the same file");
    close(fd);
}

static void test_mmap(const char *path, long size)
{
    int fd = open(path, O_RDONLY);
    long pages = (size + PAGE - 1) / PAGE;
    char *p = mmap(NULL, pages * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
    char *q = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, PAGE);
    char *tail = p + size;
    int zero_tail = 1;
    char buf[8];

    check(p != MAP_FAILED && is_pattern(p, 0, size), "files mmap private read");
    for (long i = 0; p != MAP_FAILED && i < pages * PAGE - size; i++)
        zero_tail &= tail[i] == 0;
    check(p != MAP_FAILED && zero_tail, "files mmap zero past the end of file");
    check(q != MAP_FAILED && is_pattern(q, PAGE, PAGE),
          "files mmap at a page offset");
    if (q != MAP_FAILED)
        memcpy(q, "changed", 7);
    check(q != MAP_FAILED && memcmp(q, "changed", 7) == 0 &&
              pread(fd, buf, 7, PAGE) == 7 && is_pattern(buf, PAGE, 7),
          "files mmap private write leaves the file alone");
    errno = 0;
    check(mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) ==
                  MAP_FAILED &&
              errno == EACCES,
          "files mmap shared writable of read-only fd is EACCES");
    munmap(p, pages * PAGE);
    munmap(q, PAGE);
    close(fd);
}

static void test_errors_and_stdio(const char *path)
{
    char missing[512], line[64];
    FILE *f;

    snprintf(missing, sizeof(missing), "%s.missing", path);
    errno = 0;
    check(open(missing, O_RDONLY) == -1 && errno == ENOENT,
          "files open missing file is ENOENT");
    errno = 0;
    check(open("", O_RDONLY) == -1 && errno == ENOENT,
          "files open empty path is ENOENT");
    f = fopen(path, "r");
    check(f && fgets(line, sizeof(line), f) &&
              strcmp(line, "line 0000 of the abi_files pattern\n") == 0 &&
              fgets(line, sizeof(line), f) && is_pattern(line, LINE_LEN, 35),
          "files fopen fgets");
    if (f)
        fclose(f);
}

int main(int argc, char **argv)
{
    struct stat st;
    long size;

    if (argc < 2) {
        printf("# usage: abi_files FILE (apps/abi_files/pattern.txt)\n");
        printf("not ok - files: no file path given\n");
        return 1;
    }
    size = stat(argv[1], &st) == 0 ? (long)st.st_size : -1;
    check(size > 2 * PAGE && size % LINE_LEN == 0 && size % PAGE != 0 &&
              size < (long)sizeof(whole) - 1000,
          "files pattern file has the expected shape");
    if (failures)
        return 1;
    test_read_seek(argv[1], size);
    test_stat(argv[1], size);
    test_mmap(argv[1], size);
    test_errors_and_stdio(argv[1]);
    return failures != 0;
}
