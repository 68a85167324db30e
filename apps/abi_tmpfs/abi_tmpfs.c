/*
 * abi_tmpfs: the writable file system, in a fresh directory under /tmp
 * (mkdtemp) so that Linux runs the same checks: create, write, read,
 * append, pwrite, truncate, writev, lseek (SEEK_DATA/SEEK_HOLE), umask,
 * directories and their getdents64 listing (sorted: orders differ), link
 * counts, rename (RENAME_NOREPLACE), link, unlink while open, chdir /
 * fchdir / getcwd and relative paths, write() seen through a MAP_SHARED
 * mapping and the reverse, statx, access, fsync, sync_file_range,
 * /dev/null, /dev/zero, /dev/full, /dev/urandom, and the errors ENOENT,
 * EEXIST, ENOTDIR, EISDIR, ENOTEMPTY, EINVAL, ENAMETOOLONG, EACCES, ESPIPE.
 * argv[1] is an embedded file (apps/abi_tmpfs/seed.txt), read through its
 * path.
 *
 * Two modes for the guest alone (their numbers are the guest's):
 *   tree N  N files in a tree of 20 directories created, listed and
 *           removed twice: the second round leaves no frame behind.
 *   full    with tmpfs=1M: the embedded file rewritten; writes past the
 *           size fail with ENOSPC, not a kill; after an unlink a write
 *           works again.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#define CHECK_FLUSH
#include "apps/include/check.h"
#include "apps/include/memprobe.h"

#define PAGE 4096
#define SEED "seed file of abi_tmpfs\n"

static char top[64]; /* the test directory */

/* -errno of the last call that returned -1, else its result. */
static long e(long r)
{
    return r < 0 ? -errno : r;
}

/* The whole content of `path` into buf (cap bytes): its length or -errno. */
static long slurp(const char *path, char *buf, long cap)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -errno;
    long n = read(fd, buf, cap);
    close(fd);
    return n;
}

/* Writes `text` as the whole content of a new file `path`: 0 or -errno. */
static long put(const char *path, const char *text)
{
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0)
        return -errno;
    long n = write(fd, text, strlen(text));
    close(fd);
    return n == (long)strlen(text) ? 0 : -1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names of directory `path` joined by blanks into out, read
 * with getdents64 through a buffer of `bufsize` bytes: the entry count or
 * -errno.  *types gets the d_type of the entry named "sub" (or 0). */
static long list_dir(const char *path, char *out, size_t cap, size_t bufsize,
                     int *types)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -errno;
    static char names[2100][32];
    static char *sorted[2100];
    char buf[4096];
    long count = 0, n;
    *types = 0;
    while ((n = syscall(SYS_getdents64, fd, buf, bufsize)) > 0)
        for (long at = 0; at < n;) {
            struct {
                unsigned long ino;
                long off;
                unsigned short reclen;
                unsigned char type;
                char name[];
            } *d = (void *)(buf + at);
            if (count < 2100) {
                snprintf(names[count], sizeof(names[0]), "%s", d->name);
                sorted[count] = names[count];
                count++;
            }
            if (strcmp(d->name, "sub") == 0)
                *types = d->type;
            at += d->reclen;
        }
    close(fd);
    if (n < 0)
        return -errno;
    qsort(sorted, (size_t)count, sizeof(sorted[0]), cmp_str);
    size_t len = 0;
    out[0] = '\0';
    for (long i = 0; i < count && len + 40 < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? " " : "",
                                sorted[i]);
    return count;
}

static void test_files(void)
{
    char buf[256];
    struct stat st;
    umask(022);
    int fd = open("f", O_CREAT | O_EXCL | O_RDWR, 0666);
    check(fd >= 0, "create a file with O_CREAT|O_EXCL");
    check(e(open("f", O_CREAT | O_EXCL | O_RDWR, 0666)) == -EEXIST,
          "O_EXCL on an existing file is EEXIST");
    check(write(fd, "hello world\n", 12) == 12, "write 12 bytes");
    check(fstat(fd, &st) == 0 && st.st_size == 12 && st.st_nlink == 1 &&
              S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0644,
          "fstat: size 12, one link, mode 0644 after umask 022");
    check(lseek(fd, 0, SEEK_SET) == 0 && read(fd, buf, sizeof(buf)) == 12 &&
              memcmp(buf, "hello world\n", 12) == 0,
          "read back what was written");
    check(lseek(fd, 0, SEEK_DATA) == 0 && lseek(fd, 0, SEEK_HOLE) == 12,
          "SEEK_DATA at 0, SEEK_HOLE at the end of a dense file");
    check(e(lseek(fd, 12, SEEK_DATA)) == -ENXIO, "SEEK_DATA at the end is ENXIO");
    check(pwrite(fd, "X", 1, 100) == 1 && fstat(fd, &st) == 0 &&
              st.st_size == 101,
          "pwrite past the end grows the file to 101");
    buf[0] = 'a';
    check(pread(fd, buf, 1, 50) == 1 && buf[0] == 0,
          "the gap reads as zeros");
    check(lseek(fd, 0, SEEK_CUR) == 12, "pwrite leaves the position alone");
    int ap = open("f", O_WRONLY | O_APPEND);
    check(ap >= 0 && lseek(ap, 0, SEEK_SET) == 0 && write(ap, "tail", 4) == 4 &&
              fstat(fd, &st) == 0 && st.st_size == 105,
          "O_APPEND writes at the end");
    check(pread(fd, buf, 4, 101) == 4 && memcmp(buf, "tail", 4) == 0,
          "the appended bytes read back");
    check((fcntl(ap, F_GETFL) & (O_ACCMODE | O_APPEND)) == (O_WRONLY | O_APPEND),
          "F_GETFL of O_APPEND");
    check(e(read(ap, buf, 1)) == -EBADF, "read on O_WRONLY is EBADF");
    close(ap);
    check(ftruncate(fd, 5) == 0 && fstat(fd, &st) == 0 && st.st_size == 5 &&
              pread(fd, buf, sizeof(buf), 0) == 5 &&
              memcmp(buf, "hello", 5) == 0,
          "ftruncate shrinks to 5");
    check(ftruncate(fd, 3 * PAGE) == 0 && pread(fd, buf, 8, 2 * PAGE) == 8 &&
              memcmp(buf, "\0\0\0\0\0\0\0\0", 8) == 0 &&
              pread(fd, buf, 8, 5) == 8 && buf[0] == 0,
          "ftruncate grows with zeros");
    check(truncate("f", 0) == 0 && fstat(fd, &st) == 0 && st.st_size == 0,
          "truncate by path to 0");
    check(e(ftruncate(fd, -1)) == -EINVAL, "ftruncate to -1 is EINVAL");
    struct iovec iov[2] = {{"ab", 2}, {"cde", 3}};
    check(lseek(fd, 0, SEEK_SET) == 0 && writev(fd, iov, 2) == 5 &&
              pread(fd, buf, 8, 0) == 5 && memcmp(buf, "abcde", 5) == 0,
          "writev of two buffers");
    check(fsync(fd) == 0 && fdatasync(fd) == 0, "fsync and fdatasync");
    check(sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WAIT_BEFORE |
                              SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER) == 0 &&
              sync_file_range(fd, 4096, 1 << 20, SYNC_FILE_RANGE_WRITE) == 0,
          "sync_file_range on a file");
    check(e(sync_file_range(fd, 0, 0, 8)) == -EINVAL, "sync_file_range: bad flags are EINVAL");
    check(e(sync_file_range(fd, -1, 0, 0)) == -EINVAL &&
              e(sync_file_range(fd, 0, -1, 0)) == -EINVAL &&
              e(sync_file_range(fd, 1, INT64_MAX, 0)) == -EINVAL,
          "sync_file_range: a negative or overflowing range is EINVAL");
    check(e(sync_file_range(999, 0, 0, 8)) == -EBADF, "sync_file_range: a bad fd is EBADF first");
    int sp[2];
    check(pipe(sp) == 0 && e(sync_file_range(sp[0], 0, 0, 0)) == -ESPIPE,
          "sync_file_range on a pipe is ESPIPE");
    close(sp[0]);
    close(sp[1]);
    close(fd);
    int ro = open("f", O_RDONLY);
    check(e(write(ro, "x", 1)) == -EBADF, "write on O_RDONLY is EBADF");
    check(e(ftruncate(ro, 0)) == -EINVAL, "ftruncate on O_RDONLY is EINVAL");
    close(ro);
    fd = open("f", O_RDWR | O_TRUNC);
    check(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0,
          "O_TRUNC empties the file");
    close(fd);
    fd = creat("g", 0600);
    check(fd >= 0 && write(fd, "g", 1) == 1, "creat");
    close(fd);
    umask(077);
    fd = open("h", O_CREAT | O_WRONLY, 0666);
    check(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0600,
          "umask 077 gives mode 0600");
    close(fd);
    umask(022);
    unsigned char sx[256];
    check(syscall(SYS_statx, AT_FDCWD, "g", 0, 0x7ff, sx) == 0 &&
              *(unsigned long *)(sx + 40) == 1 && *(unsigned *)(sx + 16) == 1 &&
              (*(unsigned short *)(sx + 28) & 0777) == 0600,
          "statx: size, links and mode");
    check(access("g", F_OK) == 0 && access("g", R_OK | W_OK) == 0,
          "access F_OK, R_OK|W_OK");
    check(e(access("nothing", F_OK)) == -ENOENT, "access of a missing file");
    check(faccessat(AT_FDCWD, "g", F_OK, 0) == 0, "faccessat");
    check(e(open("f", O_RDONLY | O_DIRECTORY)) == -ENOTDIR,
          "O_DIRECTORY on a file is ENOTDIR");
    check(e(open("f/", O_RDONLY)) == -ENOTDIR, "a file with a slash is ENOTDIR");
    check(e(open("missing", O_RDONLY)) == -ENOENT, "open missing is ENOENT");
    char longname[300];
    memset(longname, 'n', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    check(e(open(longname, O_CREAT | O_RDWR, 0644)) == -ENAMETOOLONG,
          "a 299-byte name is ENAMETOOLONG");
    static char longpath[5000];
    for (int i = 0; i + 2 < (int)sizeof(longpath); i += 2)
        memcpy(longpath + i, "./", 2);
    check(e(open(longpath, O_RDONLY)) == -ENAMETOOLONG,
          "a path past PATH_MAX is ENAMETOOLONG");
    unlink("f");
    unlink("g");
    unlink("h");
}

static void test_dirs(void)
{
    char list[512], buf[64];
    struct stat st;
    int type;
    check(mkdir("d", 0755) == 0, "mkdir");
    check(e(mkdir("d", 0755)) == -EEXIST, "mkdir again is EEXIST");
    check(put("d/c", "ccc") == 0 && put("d/a", "a") == 0 &&
              put("d/b", "bb") == 0 && mkdir("d/sub", 0700) == 0,
          "files and a subdirectory in it");
    check(list_dir("d", list, sizeof(list), 4096, &type) == 6 &&
              strcmp(list, ". .. a b c sub") == 0 && type == DT_DIR,
          "getdents64 lists . .. a b c sub");
    check(list_dir("d", list, sizeof(list), 40, &type) == 6 &&
              strcmp(list, ". .. a b c sub") == 0,
          "getdents64 through a 40-byte buffer, one entry a call");
    int dfd = open("d", O_RDONLY | O_DIRECTORY);
    check(e(syscall(SYS_getdents64, dfd, buf, 10)) == -EINVAL,
          "getdents64 into 10 bytes is EINVAL");
    check(e(read(dfd, buf, 1)) == -EISDIR, "read of a directory is EISDIR");
    close(dfd);
    check(stat("d", &st) == 0 && S_ISDIR(st.st_mode) && st.st_nlink == 3,
          "a directory with one subdirectory has 3 links");
    check(stat("d/sub", &st) == 0 && (st.st_mode & 0777) == 0700 &&
              st.st_nlink == 2,
          "mkdir mode 0700, 2 links");
    check(e(rmdir("d")) == -ENOTEMPTY, "rmdir of a full directory is ENOTEMPTY");
    check(e(rmdir("d/a")) == -ENOTDIR, "rmdir of a file is ENOTDIR");
    check(e(unlink("d/sub")) == -EISDIR, "unlink of a directory is EISDIR");
    check(e(open("d", O_WRONLY)) == -EISDIR, "open a directory to write: EISDIR");
    check(e(open("d/a/x", O_RDONLY)) == -ENOTDIR, "a file as a directory: ENOTDIR");
    check(e(mkdir("d/none/x", 0755)) == -ENOENT, "mkdir under a missing one: ENOENT");
    check(e(unlink("d/none")) == -ENOENT, "unlink of a missing file: ENOENT");
    check(e(rmdir("d/sub/.")) == -EINVAL, "rmdir of . is EINVAL");
    check(slurp("d/sub/../a", buf, sizeof(buf)) == 1, "a path through ..");
    struct stat r;
    check(stat("/../..//tmp/../..", &st) == 0 && stat("/", &r) == 0 &&
              st.st_ino == r.st_ino,
          ".. of the root is the root");
    /* rename */
    check(rename("d/a", "d/z") == 0 && e(stat("d/a", &st)) == -ENOENT &&
              slurp("d/z", buf, sizeof(buf)) == 1,
          "rename a file");
    check(rename("d/b", "d/c") == 0 && slurp("d/c", buf, sizeof(buf)) == 2 &&
              e(stat("d/b", &st)) == -ENOENT,
          "rename over a file replaces it");
    check(e(syscall(SYS_renameat2, AT_FDCWD, "d/z", AT_FDCWD, "d/c",
                    1 /* RENAME_NOREPLACE */)) == -EEXIST,
          "RENAME_NOREPLACE onto a file is EEXIST");
    check(syscall(SYS_renameat2, AT_FDCWD, "d/z", AT_FDCWD, "d/y", 1) == 0,
          "RENAME_NOREPLACE to a new name");
    check(e(rename("d", "d/sub/d")) == -EINVAL, "a directory into itself: EINVAL");
    check(mkdir("e", 0755) == 0 && put("e/x", "x") == 0 &&
              e(rename("d/sub", "e")) == -ENOTEMPTY,
          "rename onto a full directory: ENOTEMPTY");
    check(e(rename("d/sub", "d/c")) == -ENOTDIR, "a directory onto a file: ENOTDIR");
    check(e(rename("d/c", "d/sub")) == -EISDIR, "a file onto a directory: EISDIR");
    check(rename("d/sub", "e/sub") == 0 && stat("d", &st) == 0 &&
              st.st_nlink == 2 && stat("e", &st) == 0 && st.st_nlink == 3,
          "a directory moved: the link counts follow");
    check(e(rename("missing", "d/q")) == -ENOENT, "rename of a missing file: ENOENT");
    /* link */
    check(link("d/y", "d/y2") == 0 && stat("d/y", &st) == 0 && st.st_nlink == 2,
          "link: two links");
    check(e(link("d/y", "d/c")) == -EEXIST, "link onto a name is EEXIST");
    check(e(link("d", "d2")) == -EPERM, "link of a directory is EPERM");
    check(unlink("d/y") == 0 && stat("d/y2", &st) == 0 && st.st_nlink == 1 &&
              slurp("d/y2", buf, sizeof(buf)) == 1,
          "unlink one link, the other stays");
    /* unlink while open */
    int fd = open("d/open", O_CREAT | O_RDWR, 0644);
    check(fd >= 0 && write(fd, "still here", 10) == 10 && unlink("d/open") == 0 &&
              fstat(fd, &st) == 0 && st.st_nlink == 0 &&
              pread(fd, buf, 10, 0) == 10 && memcmp(buf, "still here", 10) == 0,
          "an unlinked open file stays readable");
    check(write(fd, "!", 1) == 1 && e(stat("d/open", &st)) == -ENOENT,
          "and writable, without a name");
    close(fd);
    /* cwd */
    int here = open(".", O_RDONLY | O_DIRECTORY);
    char cwd[256], cwd2[256];
    check(getcwd(cwd, sizeof(cwd)) != NULL && strcmp(cwd, top) == 0,
          "getcwd is the test directory");
    check(chdir("d") == 0 && getcwd(cwd2, sizeof(cwd2)) &&
              strlen(cwd2) == strlen(top) + 2 &&
              strcmp(cwd2 + strlen(top), "/d") == 0,
          "chdir d: getcwd ends in /d");
    check(slurp("y2", buf, sizeof(buf)) == 1 && slurp("../d/c", buf, sizeof(buf)) == 2,
          "relative paths from the new directory");
    check(e(chdir("c")) == -ENOTDIR && e(chdir("nope")) == -ENOENT,
          "chdir to a file or a missing name");
    int fdd = open("..", O_RDONLY | O_DIRECTORY);
    check(fdd >= 0 && openat(fdd, "d/c", O_RDONLY) >= 0, "openat from a directory fd");
    check(mkdirat(fdd, "m", 0755) == 0 && unlinkat(fdd, "m", AT_REMOVEDIR) == 0,
          "mkdirat, unlinkat AT_REMOVEDIR");
    check(e(unlinkat(fdd, "d", 0)) == -EISDIR, "unlinkat of a directory is EISDIR");
    check(e(openat(fd = open("c", O_RDONLY), "x", O_RDONLY)) == -ENOTDIR,
          "openat from a file fd is ENOTDIR");
    close(fd);
    check(fchdir(here) == 0 && getcwd(cwd2, sizeof(cwd2)) && strcmp(cwd2, top) == 0,
          "fchdir back");
    check(e(syscall(SYS_getcwd, cwd2, 3)) == -ERANGE, "getcwd into 3 bytes is ERANGE");
    close(here);
    close(fdd);
    /* clean up */
    check(unlink("d/c") == 0 && unlink("d/y2") == 0 && rmdir("d") == 0 &&
              unlink("e/x") == 0 && rmdir("e/sub") == 0 && rmdir("e") == 0,
          "everything removed");
}

static void test_mmap(void)
{
    static char page[2 * PAGE];
    for (int i = 0; i < 2 * PAGE; i++)
        page[i] = (char)('a' + i % 26);
    int fd = open("m", O_CREAT | O_RDWR, 0644);
    check(fd >= 0 && write(fd, page, sizeof(page)) == (long)sizeof(page),
          "a two-page file");
    char *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    check(m != MAP_FAILED && memcmp(m, page, sizeof(page)) == 0,
          "MAP_SHARED sees the written bytes");
    check(pwrite(fd, "ABC", 3, 10) == 3 && memcmp(m + 10, "ABC", 3) == 0,
          "a write() is seen by the mapping");
    char c = 0;
    m[PAGE + 7] = 'Q';
    check(pread(fd, &c, 1, PAGE + 7) == 1 && c == 'Q',
          "a store in the mapping is seen by read()");
    munmap(m, 2 * PAGE);
    char *p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
    check(p != MAP_FAILED && memcmp(p + 10, "ABC", 3) == 0,
          "a private mapping reads the file");
    munmap(p, PAGE);
    close(fd);
    int ro = open("m", O_RDONLY);
    check(mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) ==
                  MAP_FAILED && errno == EACCES,
          "MAP_SHARED writable of an O_RDONLY file is EACCES");
    close(ro);
    unlink("m");
}

static void test_dev(void)
{
    char buf[16];
    struct stat st;
    int fd = open("/dev/null", O_RDWR);
    check(fd >= 0 && write(fd, "abcde", 5) == 5 && read(fd, buf, 16) == 0,
          "/dev/null swallows and reads nothing");
    check(fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 &&
              minor(st.st_rdev) == 3,
          "/dev/null is character device 1:3");
    close(fd);
    fd = open("/dev/zero", O_RDONLY);
    memset(buf, 1, sizeof(buf));
    check(fd >= 0 && read(fd, buf, 16) == 16 &&
              memcmp(buf, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16) == 0,
          "/dev/zero reads zeros");
    close(fd);
    fd = open("/dev/full", O_WRONLY);
    check(fd >= 0 && e(write(fd, "x", 1)) == -ENOSPC, "/dev/full is ENOSPC");
    close(fd);
    fd = open("/dev/urandom", O_RDONLY);
    check(fd >= 0 && read(fd, buf, 16) == 16, "/dev/urandom reads 16 bytes");
    close(fd);
}

/* The embedded file: the same bytes on Linux (the repository's) and in
 * the guest (its tmpfs). */
static void test_seed(const char *path)
{
    char buf[64];
    struct stat st;
    check(slurp(path, buf, sizeof(buf)) == (long)strlen(SEED) &&
              memcmp(buf, SEED, strlen(SEED)) == 0,
          "the embedded file reads");
    check(stat(path, &st) == 0 && st.st_size == (long)strlen(SEED) &&
              S_ISREG(st.st_mode) && st.st_nlink == 1,
          "the embedded file's stat");
}

/* tree N: N files of 100 bytes in 20 directories, listed, removed; the
 * second round must leave the free frames as the first left them. */
static int tree_round(int n)
{
    char path[64], list[64];
    int ok = mkdir("t", 0755) == 0, type;
    for (int d = 0; d < 20; d++) {
        snprintf(path, sizeof(path), "t/%d", d);
        ok &= mkdir(path, 0755) == 0;
    }
    static char data[100];
    for (int i = 0; i < n && ok; i++) {
        snprintf(path, sizeof(path), "t/%d/f%d", i % 20, i);
        int fd = open(path, O_CREAT | O_WRONLY | O_EXCL, 0644);
        ok &= fd >= 0 && write(fd, data, sizeof(data)) == sizeof(data);
        close(fd);
    }
    ok &= list_dir("t/0", list, sizeof(list), 512, &type) == 2 + (n + 19) / 20;
    for (int i = 0; i < n && ok; i++) {
        snprintf(path, sizeof(path), "t/%d/f%d", i % 20, i);
        ok &= unlink(path) == 0;
    }
    for (int d = 0; d < 20; d++) {
        snprintf(path, sizeof(path), "t/%d", d);
        ok &= rmdir(path) == 0;
    }
    return ok && rmdir("t") == 0;
}

static void test_tree(int n)
{
    stack_touch();
    int ok = tree_round(n);
    long before = free_frames();
    ok &= tree_round(n);
    long after = free_frames();
    printf("# tree of %d files: %ld free frames before, %ld after\n", n, before,
           after);
    check(ok, "tree: files created, listed and removed twice");
    check(after >= before, "tree: no frame left behind");
}

/* full: tmpfs=1M. */
static void test_full(void)
{
    static char chunk[64 << 10];
    char buf[64];
    memset(chunk, 'z', sizeof(chunk));
    int fd = open("/apps/abi_tmpfs/seed.txt", O_RDWR);
    check(fd >= 0 && pwrite(fd, "SEED", 4, 0) == 4 &&
              slurp("apps/abi_tmpfs/seed.txt", buf, sizeof(buf)) ==
                  (long)strlen(SEED) &&
              memcmp(buf, "SEED file", 9) == 0,
          "full: an embedded file rewritten in place");
    close(fd);
    fd = open("/tmp/big", O_CREAT | O_RDWR, 0644);
    long total = 0, n;
    while ((n = write(fd, chunk, sizeof(chunk))) > 0)
        total += n;
    int err = errno;
    printf("# wrote %ld bytes before the error\n", total);
    check(n < 0 && err == ENOSPC, "full: a write past tmpfs=1M is ENOSPC");
    check(total > (512 << 10) && total <= (1 << 20), "full: about 1 MiB fits");
    check(e(write(fd, chunk, 1)) == -ENOSPC, "full: still ENOSPC");
    int fd2 = open("/tmp/small", O_CREAT | O_RDWR, 0644);
    check(fd2 >= 0 && ftruncate(fd2, 1 << 20) == 0,
          "full: ftruncate up takes no room");
    close(fd2);
    unlink("/tmp/small");
    close(fd);
    check(unlink("/tmp/big") == 0, "full: unlink the big file");
    fd = open("/tmp/again", O_CREAT | O_RDWR, 0644);
    total = 0;
    for (int i = 0; i < 4; i++)
        total += write(fd, chunk, sizeof(chunk));
    check(total == 4 * (long)sizeof(chunk), "full: after the unlink writes work");
    close(fd);
    check(unlink("/tmp/again") == 0, "full: clean up");
}

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "tree") == 0) {
        if (chdir("/tmp") < 0)
            return 1;
        test_tree(atoi(argv[2]));
        return failures != 0;
    }
    if (argc > 1 && strcmp(argv[1], "full") == 0) {
        test_full();
        return failures != 0;
    }
    const char *seed = argc > 1 ? argv[1] : "apps/abi_tmpfs/seed.txt";
    test_seed(seed);
    snprintf(top, sizeof(top), "/tmp/abi_tmpfs.XXXXXX");
    if (!mkdtemp(top) || chdir(top) < 0) {
        check(0, "mkdtemp and chdir");
        return 1;
    }
    test_files();
    test_dirs();
    test_mmap();
    test_dev();
    check(chdir("/") == 0 && rmdir(top) == 0, "the test directory removed");
    return failures != 0;
}
