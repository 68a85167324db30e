/*
 * abi_fsmeta: the metadata calls of the file system, in a fresh directory
 * under /tmp (mkdtemp) so that Linux runs the same checks: chmod,
 * fchmodat, chown, lchown, fchownat (AT_EMPTY_PATH), umask on mkdir and
 * open, utimensat (UTIME_NOW, UTIME_OMIT, NULL times, the descriptor
 * form, EINVAL), utimes, utime, futimens, the change time on chmod, chown,
 * link and unlink, the directory's times on create and unlink, sync,
 * syncfs, fallocate (mode 0 extends, KEEP_SIZE, PUNCH_HOLE|KEEP_SIZE reads
 * zeros, the errors EINVAL, EOPNOTSUPP, EBADF, ESPIPE), statfs and
 * fstatfs agreeing with each other, symbolic links (symlink, readlink,
 * lstat, links followed on the way and at the end, ".." after one,
 * trailing slashes, dangling links and O_CREAT through them, O_NOFOLLOW,
 * ELOOP at 41 links, link vs linkat AT_SYMLINK_FOLLOW, rename, unlink,
 * lchown, utimensat AT_SYMLINK_NOFOLLOW), and shm_open / shm_unlink between a
 * parent and a forked child sharing a MAP_SHARED mapping.  Run as root.
 *
 * "abi_fsmeta guest" checks what only the guest's tmpfs shows: statfs's
 * TMPFS_MAGIC, block size and name length for the test directory, the
 * free blocks falling by a fallocate and rising after the unlink, and
 * ENOSPC from a fallocate past the size with nothing allocated, and
 * EOPNOTSUPP for COLLAPSE_RANGE and ZERO_RANGE (which ext4 has); then
 * the symbolic link and fallocate checks twice, the second round leaving
 * no frame behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#define CHECK_FLUSH
#include "apps/include/check.h"
#include "apps/include/memprobe.h"

#define TMPFS_MAGIC 0x01021994
#ifndef FALLOC_FL_COLLAPSE_RANGE
#define FALLOC_FL_COLLAPSE_RANGE 0x08
#define FALLOC_FL_ZERO_RANGE 0x10
#endif

static char top[64]; /* the test directory */

static long e(long r)
{
    return r < 0 ? -errno : r;
}

static int mode_of(const char *path)
{
    struct stat st;
    return stat(path, &st) < 0 ? -errno : (int)(st.st_mode & 07777);
}

static int make(const char *path)
{
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd >= 0)
        close(fd);
    return fd < 0 ? -errno : 0;
}

/* a is strictly later than b. */
static int later(struct timespec a, struct timespec b)
{
    return a.tv_sec > b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec > b.tv_nsec);
}

/* Lets the clock move on, so that a new time is later than an old one. */
static void tick(void)
{
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

static void test_modes(void)
{
    check(make("f") == 0, "create f");
    check(e(chmod("f", 0600)) == 0 && mode_of("f") == 0600, "chmod 0600");
    check(e(chmod("f", 04755)) == 0 && mode_of("f") == 04755,
          "chmod keeps set-user-ID");
    check(e(fchmodat(AT_FDCWD, "f", 0640, 0)) == 0 && mode_of("f") == 0640,
          "fchmodat");
    check(e(chmod("missing", 0600)) == -ENOENT, "chmod missing: ENOENT");
    check(e(chmod("f/x", 0600)) == -ENOTDIR, "chmod under a file: ENOTDIR");
    check(e(syscall(SYS_fchmodat, AT_FDCWD, "", 0600)) == -ENOENT,
          "fchmodat empty path: ENOENT");
    int dfd = open(".", O_RDONLY | O_DIRECTORY);
    check(e(fchmodat(dfd, "f", 0604, 0)) == 0 && mode_of("f") == 0604,
          "fchmodat from a directory descriptor");

    struct stat st;
    check(e(chown("f", 1234, 5678)) == 0 && stat("f", &st) == 0 &&
              st.st_uid == 1234 && st.st_gid == 5678,
          "chown recorded");
    check(e(lchown("f", (uid_t)-1, 42)) == 0 && stat("f", &st) == 0 &&
              st.st_uid == 1234 && st.st_gid == 42,
          "lchown with uid -1 keeps the owner");
    check(e(fchownat(dfd, "f", 7, 8, AT_SYMLINK_NOFOLLOW)) == 0 &&
              stat("f", &st) == 0 && st.st_uid == 7 && st.st_gid == 8,
          "fchownat AT_SYMLINK_NOFOLLOW");
    int fd = open("f", O_RDONLY);
    check(e(fchownat(fd, "", 9, 10, AT_EMPTY_PATH)) == 0 &&
              fstat(fd, &st) == 0 && st.st_uid == 9 && st.st_gid == 10,
          "fchownat AT_EMPTY_PATH on a descriptor");
    check(e(fchownat(fd, "", 9, 10, 0)) == -ENOENT,
          "fchownat empty path without AT_EMPTY_PATH: ENOENT");
    check(e(fchownat(dfd, "f", 0, 0, 0x8000)) == -EINVAL,
          "fchownat unknown flag: EINVAL");
    check(e(chown("missing", 0, 0)) == -ENOENT, "chown missing: ENOENT");
    check(e(chmod("f", 06755)) == 0 && e(chown("f", 0, 0)) == 0 &&
              mode_of("f") == 0755,
          "chown clears set-user-ID and set-group-ID");
    check(e(chmod("f", 02745)) == 0 && e(chown("f", 0, 0)) == 0 &&
              mode_of("f") == 02745,
          "chown keeps set-group-ID without group execute");
    close(fd);
    close(dfd);

    mode_t old = umask(027);
    check(mkdir("um", 0777) == 0 && mode_of("um") == 0750, "umask on mkdir");
    check(make("um/x") == 0 && mode_of("um/x") == 0640, "umask on open");
    umask(old);
    check(unlink("um/x") == 0 && rmdir("um") == 0, "umask files removed");
}

static void test_times(void)
{
    struct stat a, b;
    check(make("t") == 0 && stat("t", &a) == 0, "times: create t");
    struct timespec ts[2] = {{1000, 5}, {2000, 7}};
    check(e(utimensat(AT_FDCWD, "t", ts, 0)) == 0 && stat("t", &b) == 0 &&
              b.st_atim.tv_sec == 1000 && b.st_atim.tv_nsec == 5 &&
              b.st_mtim.tv_sec == 2000 && b.st_mtim.tv_nsec == 7,
          "utimensat sets atime and mtime");
    check(!later(a.st_ctim, b.st_ctim), "utimensat sets the change time");
    struct timespec om[2] = {{3000, UTIME_OMIT}, {4000, 0}};
    check(e(utimensat(AT_FDCWD, "t", om, AT_SYMLINK_NOFOLLOW)) == 0 &&
              stat("t", &b) == 0 && b.st_atim.tv_sec == 1000 &&
              b.st_mtim.tv_sec == 4000 && b.st_mtim.tv_nsec == 0,
          "utimensat UTIME_OMIT keeps atime");
    struct timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
    check(e(utimensat(AT_FDCWD, "t", now, 0)) == 0 && stat("t", &b) == 0 &&
              b.st_atim.tv_sec > 1000000000 && b.st_mtim.tv_sec == 4000,
          "utimensat UTIME_NOW sets atime to now");
    check(e(utimensat(AT_FDCWD, "t", NULL, 0)) == 0 && stat("t", &b) == 0 &&
              b.st_mtim.tv_sec > 1000000000,
          "utimensat NULL times: now");
    struct timespec both[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
    check(e(utimensat(AT_FDCWD, "missing", both, 0)) == 0,
          "utimensat both UTIME_OMIT: 0 without a lookup");
    struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
    check(e(utimensat(AT_FDCWD, "t", bad, 0)) == -EINVAL,
          "utimensat nsec out of range: EINVAL");
    check(e(utimensat(AT_FDCWD, "missing", NULL, 0)) == -ENOENT,
          "utimensat missing: ENOENT");
    check(e(utimensat(AT_FDCWD, "t", NULL, 0x8000)) == -EINVAL,
          "utimensat unknown flag: EINVAL");
    int fd = open("t", O_RDONLY);
    check(e(syscall(SYS_utimensat, fd, NULL, ts, 0)) == 0 &&
              fstat(fd, &b) == 0 && b.st_mtim.tv_sec == 2000,
          "utimensat descriptor form (NULL path)");
    check(e(syscall(SYS_utimensat, fd, NULL, ts, AT_SYMLINK_NOFOLLOW)) ==
              -EINVAL,
          "utimensat descriptor form with flags: EINVAL");
    check(e(syscall(SYS_utimensat, 999, NULL, ts, 0)) == -EBADF,
          "utimensat bad descriptor: EBADF");
    check(e(syscall(SYS_utimensat, AT_FDCWD, NULL, NULL, 0)) == -EFAULT,
          "utimensat AT_FDCWD with NULL path: EFAULT");
    struct timespec fts[2] = {{5000, 0}, {6000, 0}};
    check(e(futimens(fd, fts)) == 0 && fstat(fd, &b) == 0 &&
              b.st_atim.tv_sec == 5000 && b.st_mtim.tv_sec == 6000,
          "futimens");
    close(fd);
    struct timeval tv[2] = {{7000, 1}, {8000, 2}};
    check(e(utimes("t", tv)) == 0 && stat("t", &b) == 0 &&
              b.st_atim.tv_sec == 7000 && b.st_atim.tv_nsec == 1000 &&
              b.st_mtim.tv_sec == 8000 && b.st_mtim.tv_nsec == 2000,
          "utimes");
    check(e(syscall(SYS_utimes, "t", tv)) == 0, "utimes system call");
    struct timeval tvbad[2] = {{0, 1000000}, {0, 0}};
    check(e(syscall(SYS_utimes, "t", tvbad)) == -EINVAL,
          "utimes usec out of range: EINVAL");
    struct utimbuf ub = {9000, 9500};
    check(e(utime("t", &ub)) == 0 && stat("t", &b) == 0 &&
              b.st_atim.tv_sec == 9000 && b.st_mtim.tv_sec == 9500,
          "utime");
    check(e(syscall(SYS_utime, "t", &ub)) == 0 && stat("t", &b) == 0 &&
              b.st_mtim.tv_sec == 9500 && b.st_mtim.tv_nsec == 0,
          "utime system call");

    /* the change time moves on chmod, chown, link, unlink, write */
    stat("t", &a);
    tick();
    check(chmod("t", 0600) == 0 && stat("t", &b) == 0 &&
              later(b.st_ctim, a.st_ctim) && b.st_mtim.tv_sec == 9500,
          "chmod: ctime moves, mtime stays");
    a = b;
    tick();
    check(chown("t", 1, 1) == 0 && stat("t", &b) == 0 &&
              later(b.st_ctim, a.st_ctim),
          "chown: ctime moves");
    a = b;
    tick();
    check(link("t", "t2") == 0 && stat("t", &b) == 0 &&
              later(b.st_ctim, a.st_ctim) && b.st_nlink == 2,
          "link: ctime moves");
    a = b;
    tick();
    check(unlink("t2") == 0 && stat("t", &b) == 0 &&
              later(b.st_ctim, a.st_ctim) && b.st_nlink == 1,
          "unlink: ctime moves");
    a = b;
    tick();
    fd = open("t", O_WRONLY);
    check(write(fd, "x", 1) == 1 && fstat(fd, &b) == 0 &&
              later(b.st_mtim, a.st_mtim) && later(b.st_ctim, a.st_ctim),
          "write: mtime and ctime move");
    a = b;
    tick();
    check(ftruncate(fd, 0) == 0 && fstat(fd, &b) == 0 &&
              later(b.st_mtim, a.st_mtim) && later(b.st_ctim, a.st_ctim),
          "ftruncate: mtime and ctime move");
    close(fd);

    struct stat d0, d1;
    stat(".", &d0);
    tick();
    check(make("n") == 0 && stat(".", &d1) == 0 &&
              later(d1.st_mtim, d0.st_mtim) && later(d1.st_ctim, d0.st_ctim),
          "create: the directory's mtime and ctime move");
    d0 = d1;
    tick();
    check(unlink("n") == 0 && stat(".", &d1) == 0 &&
              later(d1.st_mtim, d0.st_mtim),
          "unlink: the directory's mtime moves");
    unlink("t");
}

static void test_sync_fallocate(void)
{
    sync();
    check(1, "sync returns");
    int fd = open("fa", O_CREAT | O_RDWR | O_TRUNC, 0644);
    check(e(syncfs(fd)) == 0, "syncfs");
    check(e(syncfs(999)) == -EBADF, "syncfs bad descriptor: EBADF");
    struct stat st;
    check(e(fallocate(fd, 0, 0, 10000)) == 0 && fstat(fd, &st) == 0 &&
              st.st_size == 10000 && st.st_blocks >= 10000 / 512,
          "fallocate mode 0 extends and allocates");
    check(e(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 40000)) == 0 &&
              fstat(fd, &st) == 0 && st.st_size == 10000 &&
              st.st_blocks >= 40000 / 512,
          "fallocate KEEP_SIZE allocates, size kept");
    char buf[12288];
    memset(buf, 'a', sizeof(buf));
    check(pwrite(fd, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf),
          "fallocate: file written");
    check(e(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 100,
                      8000)) == 0 &&
              fstat(fd, &st) == 0 && st.st_size == 12288,
          "fallocate PUNCH_HOLE|KEEP_SIZE, size kept");
    char got[12288];
    int zeros = pread(fd, got, sizeof(got), 0) == (ssize_t)sizeof(got);
    for (int i = 0; i < 12288 && zeros; i++)
        zeros = got[i] == (i >= 100 && i < 8100 ? 0 : 'a');
    check(zeros, "fallocate: the punched range reads zeros, the rest kept");
    check(e(fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 10)) == -EOPNOTSUPP,
          "fallocate PUNCH_HOLE without KEEP_SIZE: EOPNOTSUPP");
    check(e(fallocate(fd, 0x100, 0, 10)) == -EOPNOTSUPP,
          "fallocate unknown mode: EOPNOTSUPP");
    check(e(fallocate(fd, 0, -1, 10)) == -EINVAL,
          "fallocate negative offset: EINVAL");
    check(e(fallocate(fd, 0, 0, 0)) == -EINVAL, "fallocate zero length: EINVAL");
    check(e(fallocate(999, 0, 0, 10)) == -EBADF,
          "fallocate bad descriptor: EBADF");
    close(fd);
    fd = open("fa", O_RDONLY);
    check(e(fallocate(fd, 0, 0, 10)) == -EBADF,
          "fallocate read-only descriptor: EBADF");
    close(fd);
    int p[2];
    check(pipe(p) == 0 && e(fallocate(p[1], 0, 0, 10)) == -ESPIPE,
          "fallocate on a pipe: ESPIPE");
    close(p[0]);
    close(p[1]);
    unlink("fa");
}

static void test_statfs(void)
{
    struct statfs a, b;
    int fd = open(".", O_RDONLY | O_DIRECTORY);
    check(e(statfs(".", &a)) == 0 && e(fstatfs(fd, &b)) == 0 &&
              a.f_type == b.f_type && a.f_bsize == b.f_bsize &&
              a.f_blocks == b.f_blocks && a.f_namelen == b.f_namelen,
          "statfs and fstatfs agree");
    check(a.f_bsize > 0 && a.f_namelen == 255, "statfs block size, name length");
    check(e(statfs("missing", &a)) == -ENOENT, "statfs missing: ENOENT");
    check(e(fstatfs(999, &a)) == -EBADF, "fstatfs bad descriptor: EBADF");
    check(e(statfs("/dev/shm", &a)) == 0 && a.f_type == TMPFS_MAGIC,
          "statfs /dev/shm is a tmpfs");
    close(fd);
}

/* readlink of `path` into buf (NUL added): the length or -errno. */
static long rl(const char *path, char *buf, size_t cap)
{
    long n = readlink(path, buf, cap - 1);
    if (n >= 0)
        buf[n] = '\0';
    return n < 0 ? -errno : n;
}

static void test_symlinks(void)
{
    char buf[256];
    struct stat st, lst;
    check(mkdir("d", 0755) == 0 && mkdir("d/sub", 0755) == 0 &&
              make("d/sub/file") == 0,
          "symlinks: a tree made");
    check(e(symlink("d/sub/file", "lf")) == 0, "symlink to a file");
    check(rl("lf", buf, sizeof(buf)) == 10 && strcmp(buf, "d/sub/file") == 0,
          "readlink gives the target");
    check(readlink("lf", buf, 3) == 3 && memcmp(buf, "d/s", 3) == 0,
          "readlink cuts to the buffer");
    check(sys(SYS_readlink, (long)"lf", (long)buf, 0, 0) == -EINVAL,
          "readlink size 0: EINVAL");
    check(e(readlink("d", buf, sizeof(buf))) == -EINVAL,
          "readlink of a directory: EINVAL");
    check(e(readlink("nope", buf, sizeof(buf))) == -ENOENT,
          "readlink missing: ENOENT");
    check(stat("lf", &st) == 0 && S_ISREG(st.st_mode) && lstat("lf", &lst) == 0 &&
              S_ISLNK(lst.st_mode) && lst.st_size == 10 &&
              (lst.st_mode & 0777) == 0777 && st.st_ino != lst.st_ino,
          "stat follows, lstat does not (size = target length)");
    check(fstatat(AT_FDCWD, "lf", &lst, AT_SYMLINK_NOFOLLOW) == 0 &&
              S_ISLNK(lst.st_mode),
          "fstatat AT_SYMLINK_NOFOLLOW");
    unsigned char sx[256]; /* struct statx: stx_mode at 28, stx_size at 40 */
    check(syscall(SYS_statx, AT_FDCWD, "lf", AT_SYMLINK_NOFOLLOW, 0x7ff, sx) ==
                  0 &&
              S_ISLNK(*(unsigned short *)(sx + 28)) &&
              *(unsigned long *)(sx + 40) == 10,
          "statx AT_SYMLINK_NOFOLLOW: the link, size 10");
    int pfd = open("lf", O_PATH | O_NOFOLLOW);
    check(pfd >= 0 && fstat(pfd, &lst) == 0 && S_ISLNK(lst.st_mode),
          "O_PATH|O_NOFOLLOW opens the link itself");
    check(readlinkat(pfd, "", buf, sizeof(buf)) == 10,
          "readlinkat of an O_PATH link descriptor with an empty path");
    check(e(read(pfd, buf, 1)) == -EBADF, "read of an O_PATH descriptor: EBADF");
    close(pfd);
    check(e(fchmodat(AT_FDCWD, "lf", 0600, AT_SYMLINK_NOFOLLOW)) == -EOPNOTSUPP,
          "fchmodat AT_SYMLINK_NOFOLLOW on a link: EOPNOTSUPP");
    check(e(symlink("x", "lf")) == -EEXIST, "symlink over a name: EEXIST");
    check(e(symlink("", "empty")) == -ENOENT, "symlink empty target: ENOENT");
    int fd = open("lf", O_WRONLY);
    check(fd >= 0 && write(fd, "hello", 5) == 5, "open through a link writes the target");
    close(fd);
    check(stat("d/sub/file", &st) == 0 && st.st_size == 5, "the target was written");
    check(e(open("lf", O_RDONLY | O_NOFOLLOW)) == -ELOOP, "O_NOFOLLOW on a link: ELOOP");
    check(e(open("lf", O_CREAT | O_EXCL | O_WRONLY, 0644)) == -EEXIST,
          "O_CREAT|O_EXCL on a link: EEXIST");

    check(e(symlink("d/sub", "ld")) == 0, "symlink to a directory");
    check(stat("ld/file", &st) == 0 && st.st_size == 5,
          "a link in the middle of a path is followed");
    check(stat("ld/../sub/file", &st) == 0,
          "\"..\" after a link is the target's parent");
    check(e(symlink("/tmp", "labs")) == 0 && stat("labs", &st) == 0 &&
              S_ISDIR(st.st_mode),
          "an absolute target");
    check(e(symlink("../sub/file", "d/sub/rel")) == 0 &&
              stat("ld/rel", &st) == 0 && S_ISREG(st.st_mode),
          "a relative target from the link's directory");
    check(lstat("ld/", &st) == 0 && S_ISDIR(st.st_mode),
          "a trailing slash follows the link");
    check(e(stat("lf/", &st)) == -ENOTDIR, "a file link with a slash: ENOTDIR");
    check(e(chdir("ld")) == 0 && getcwd(buf, sizeof(buf)) &&
              strstr(buf, "/d/sub") != NULL && chdir(top) == 0,
          "chdir through a link: getcwd names the target");

    check(e(symlink("missing", "dang")) == 0 && e(stat("dang", &st)) == -ENOENT &&
              lstat("dang", &st) == 0,
          "a dangling link: stat ENOENT, lstat finds it");
    fd = open("dang", O_CREAT | O_WRONLY, 0644);
    check(fd >= 0 && stat("missing", &st) == 0 && S_ISREG(st.st_mode),
          "O_CREAT through a dangling link creates the target");
    close(fd);
    check(e(mkdir("dang", 0755)) == -EEXIST, "mkdir over a link: EEXIST");
    check(e(rmdir("ld")) == -ENOTDIR, "rmdir of a link to a directory: ENOTDIR");

    check(e(symlink("loop2", "loop1")) == 0 && e(symlink("loop1", "loop2")) == 0 &&
              e(stat("loop1", &st)) == -ELOOP,
          "a loop of links: ELOOP");
    check(e(open("loop1/x", O_RDONLY)) == -ELOOP, "a loop on the way: ELOOP");
    /* a chain of 40 links resolves, 41 do not */
    char a[32], b[32];
    check(make("c0") == 0, "chain: the end made");
    for (int i = 1; i <= 41; i++) {
        snprintf(a, sizeof(a), "c%d", i - 1);
        snprintf(b, sizeof(b), "c%d", i);
        symlink(a, b);
    }
    check(stat("c40", &st) == 0 && S_ISREG(st.st_mode), "40 links resolve");
    check(e(stat("c41", &st)) == -ELOOP, "41 links: ELOOP");
    for (int i = 0; i <= 41; i++) {
        snprintf(a, sizeof(a), "c%d", i);
        unlink(a);
    }

    check(link("lf", "hl") == 0 && lstat("hl", &st) == 0 && S_ISLNK(st.st_mode) &&
              st.st_nlink == 2,
          "link() links the symbolic link itself");
    check(linkat(AT_FDCWD, "lf", AT_FDCWD, "hf", AT_SYMLINK_FOLLOW) == 0 &&
              lstat("hf", &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 2,
          "linkat AT_SYMLINK_FOLLOW links the target");
    check(rename("lf", "lf2") == 0 && lstat("lf2", &st) == 0 && S_ISLNK(st.st_mode) &&
              stat("d/sub/file", &st) == 0,
          "rename moves the link, not the target");
    check(lchown("lf2", 33, 44) == 0 && lstat("lf2", &lst) == 0 &&
              lst.st_uid == 33 && stat("lf2", &st) == 0 && st.st_uid != 33,
          "lchown changes the link, not the target");
    struct timespec ts[2] = {{1234, 0}, {5678, 0}};
    check(utimensat(AT_FDCWD, "lf2", ts, AT_SYMLINK_NOFOLLOW) == 0 &&
              lstat("lf2", &lst) == 0 && lst.st_mtim.tv_sec == 5678 &&
              stat("lf2", &st) == 0 && st.st_mtim.tv_sec != 5678,
          "utimensat AT_SYMLINK_NOFOLLOW sets the link's times");
    check(unlink("lf2") == 0 && stat("d/sub/file", &st) == 0,
          "unlink removes the link, not the target");
    check(symlinkat("d", AT_FDCWD, "lat") == 0 &&
              readlinkat(AT_FDCWD, "lat", buf, sizeof(buf)) == 1,
          "symlinkat and readlinkat");
    const char *names[] = {"lat", "hl", "hf", "loop1", "loop2", "dang",
                           "missing", "labs", "ld", "d/sub/rel", "d/sub/file"};
    int gone = 1;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        gone &= unlink(names[i]) == 0;
    check(gone && rmdir("d/sub") == 0 && rmdir("d") == 0, "symlinks: all removed");
}

static void test_shm(void)
{
    char name[64];
    snprintf(name, sizeof(name), "/abi_fsmeta.%d", (int)getpid());
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    check(fd >= 0, "shm_open creates");
    check(shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600) < 0 &&
              errno == EEXIST,
          "shm_open O_EXCL again: EEXIST");
    check(ftruncate(fd, 4096) == 0, "shm ftruncate");
    char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    check(m != MAP_FAILED, "shm mmap MAP_SHARED");
    if (m == MAP_FAILED)
        return;
    strcpy(m, "parent");
    pid_t pid = fork();
    if (pid == 0) {
        int cfd = shm_open(name, O_RDWR, 0);
        char *c = cfd < 0 ? MAP_FAILED
                          : mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                                 MAP_SHARED, cfd, 0);
        int ok = c != MAP_FAILED && strcmp(c, "parent") == 0 &&
                 strcmp(m, "parent") == 0;
        if (ok)
            strcpy(c + 100, "child");
        _exit(ok ? 0 : 1);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "shm child opens the object and sees the parent's data");
    check(strcmp(m + 100, "child") == 0, "shm parent sees the child's write");
    char path[80];
    snprintf(path, sizeof(path), "/dev/shm%s", name);
    check(access(path, F_OK) == 0, "shm object is a file of /dev/shm");
    check(shm_unlink(name) == 0, "shm_unlink");
    check(shm_unlink(name) < 0 && errno == ENOENT, "shm_unlink again: ENOENT");
    check(strcmp(m, "parent") == 0, "shm mapping outlives the unlink");
    munmap(m, 4096);
    close(fd);
}

/* ---- guest only ---- */

static void test_guest(void)
{
    struct statfs a, b;
    check(statfs(".", &a) == 0 && a.f_type == TMPFS_MAGIC &&
              a.f_bsize == 4096 && a.f_namelen == 255 && a.f_frsize == 4096,
          "guest statfs: TMPFS_MAGIC, 4096, 255");
    check(a.f_blocks > 0 && a.f_bfree <= a.f_blocks && a.f_files > 0 &&
              a.f_ffree < a.f_files,
          "guest statfs: blocks and files counted");
    int fd = open("big", O_CREAT | O_RDWR, 0644);
    check(fallocate(fd, 0, 0, 64 * 4096) == 0 && statfs(".", &b) == 0 &&
              a.f_bfree - b.f_bfree == 64 && a.f_ffree - b.f_ffree == 1,
          "guest statfs: a fallocate of 64 pages takes 64 blocks, a file");
    struct stat st;
    long room = (long)b.f_bfree;
    check(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, (room + 65) * 4096) < 0 &&
              errno == ENOSPC && statfs(".", &a) == 0 &&
              a.f_bfree == b.f_bfree && fstat(fd, &st) == 0 &&
              st.st_size == 64 * 4096,
          "guest fallocate past the size: ENOSPC, nothing allocated");
    check(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
                    32 * 4096) == 0 &&
              statfs(".", &a) == 0 && a.f_bfree - b.f_bfree == 32,
          "guest punch hole frees 32 pages");
    /* the modes other file systems have (ext4: both work) */
    check(fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 0, 4096) < 0 &&
              errno == EOPNOTSUPP,
          "guest fallocate COLLAPSE_RANGE: EOPNOTSUPP");
    check(fallocate(fd, FALLOC_FL_ZERO_RANGE, 0, 10) < 0 && errno == EOPNOTSUPP,
          "guest fallocate ZERO_RANGE: EOPNOTSUPP");
    close(fd);
    check(unlink("big") == 0 && statfs(".", &a) == 0 &&
              a.f_bfree - b.f_bfree == 64,
          "guest statfs: the unlink gives the blocks back");
}

int main(int argc, char **argv)
{
    strcpy(top, "/tmp/abi_fsmeta.XXXXXX");
    if (!mkdtemp(top) || chdir(top) < 0) {
        check(0, "mkdtemp and chdir");
        return 1;
    }
    if (argc > 1 && strcmp(argv[1], "guest") == 0) {
        test_guest();
        /* the links, fallocate and punched holes twice: the second round
         * leaves no frame behind */
        stack_touch();
        test_symlinks();
        test_sync_fallocate();
        long before = free_frames();
        test_symlinks();
        test_sync_fallocate();
        long after = free_frames();
        printf("# links and fallocate: %ld free frames before, %ld after\n",
               before, after);
        check(after >= before, "guest links and fallocate: no frame left behind");
    } else {
        test_modes();
        test_times();
        test_sync_fallocate();
        test_statfs();
        test_symlinks();
        test_shm();
    }
    unlink("f");
    chdir("/");
    check(rmdir(top) == 0, "test directory removed");
    return failures != 0;
}
