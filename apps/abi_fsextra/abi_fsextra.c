/*
 * abi_fsextra: the file calls of issue 18 that came last, with Linux's
 * errors: O_TMPFILE (a file of no name, named later by linkat with
 * AT_EMPTY_PATH or /proc/self/fd/N), preadv, pwritev, preadv2, pwritev2
 * (RWF_* flags), fstatfs of pipes, sockets and eventfds, fallocate of a
 * memfd.  It works in a fresh directory under /tmp (mkdtemp), so that the
 * same binary checks the same on Linux (tests/native/abi.sh).
 * "abi_fsextra guest" runs them twice and checks that the second round
 * leaves no frame behind.  One "ok - name" line per check; exit status 0
 * only if all passed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "apps/include/check.h"
#include "apps/include/memprobe.h"

#define TMPFS_MAGIC 0x01021994
#define PIPEFS_MAGIC 0x50495045
#define SOCKFS_MAGIC 0x534F434B
#define ANON_INODE_FS_MAGIC 0x09041934
#define O_TMPFILE_BIT 020000000

#define RWF_HIPRI 0x01
#define RWF_DSYNC 0x02
#define RWF_SYNC 0x04
#define RWF_NOWAIT 0x08
#define RWF_APPEND 0x10
#define FALLOC_FL_COLLAPSE_RANGE 0x08
#define FALLOC_FL_ZERO_RANGE 0x10

static char top[64];

/* musl has no wrappers for the 2 forms: the raw calls (offset low, high). */
static long preadv2(int fd, const struct iovec *v, int n, long off, int flags)
{
    return syscall(SYS_preadv2, fd, v, n, off, 0, flags);
}

static long pwritev2(int fd, const struct iovec *v, int n, long off, int flags)
{
    return syscall(SYS_pwritev2, fd, v, n, off, 0, flags);
}

/* -errno of the last failure when r < 0, else r. */
static long e(long r)
{
    return r < 0 ? -errno : r;
}

static long nlink_of(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? (long)st.st_nlink : -1;
}

static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d)
        return -1;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

static void test_tmpfile(void)
{
    struct stat st;
    int t = open(".", O_TMPFILE | O_RDWR, 0640);
    check(t >= 0 && fstat(t, &st) == 0 && S_ISREG(st.st_mode) &&
              st.st_nlink == 0 && (st.st_mode & 0777) == 0640 && st.st_size == 0,
          "O_TMPFILE: a regular file, nlink 0, the mode given");
    char buf[8] = {0};
    check(write(t, "hello", 5) == 5 && pread(t, buf, 8, 0) == 5 &&
              memcmp(buf, "hello", 5) == 0,
          "O_TMPFILE: written and read back");
    check(entries(".") == 2, "O_TMPFILE: no name in the directory");
    check(e(open(".", O_TMPFILE | O_RDONLY, 0600)) == -EINVAL,
          "O_TMPFILE read-only: EINVAL");
    check(e(open(".", O_TMPFILE_BIT | O_RDWR, 0600)) == -EINVAL,
          "__O_TMPFILE without O_DIRECTORY: EINVAL");
    check(e(open(".", O_TMPFILE | O_CREAT | O_RDWR, 0600)) == -EINVAL,
          "O_TMPFILE with O_CREAT: EINVAL");
    int plain = open("plain", O_RDWR | O_CREAT, 0600);
    check(e(open("plain", O_TMPFILE | O_RDWR, 0600)) == -ENOTDIR,
          "O_TMPFILE on a file: ENOTDIR");
    check(e(open("missing", O_TMPFILE | O_RDWR, 0600)) == -ENOENT,
          "O_TMPFILE on a missing directory: ENOENT");

    check(e(linkat(t, "", AT_FDCWD, "named", AT_EMPTY_PATH)) == 0 &&
              stat("named", &st) == 0 && st.st_size == 5 && st.st_nlink == 1 &&
              nlink_of(t) == 1,
          "linkat AT_EMPTY_PATH names the O_TMPFILE file");
    check(e(linkat(t, "", AT_FDCWD, "named", AT_EMPTY_PATH)) == -EEXIST,
          "linkat AT_EMPTY_PATH onto a name: EEXIST");
    char proc[48];
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", t);
    check(e(linkat(AT_FDCWD, proc, AT_FDCWD, "named2", AT_SYMLINK_FOLLOW)) == 0 &&
              nlink_of(t) == 2,
          "linkat /proc/self/fd/N with AT_SYMLINK_FOLLOW: a second name");
    check(e(linkat(AT_FDCWD, proc, AT_FDCWD, "named3", 0)) == -EXDEV,
          "linkat /proc/self/fd/N without AT_SYMLINK_FOLLOW: EXDEV");
    snprintf(proc, sizeof(proc), "/proc/%d/fd/%d", getpid(), t);
    check(e(linkat(AT_FDCWD, proc, AT_FDCWD, "named3", AT_SYMLINK_FOLLOW)) == 0 &&
              nlink_of(t) == 3,
          "linkat /proc/PID/fd/N: a third name");
    check(unlink("named") == 0 && unlink("named2") == 0 && unlink("named3") == 0 &&
              nlink_of(t) == 0,
          "the names removed: nlink 0 again");
    check(e(linkat(t, "", AT_FDCWD, "again", AT_EMPTY_PATH)) == -ENOENT,
          "linkat of a file named once and unlinked: ENOENT");
    close(t);

    int x = open(".", O_TMPFILE | O_EXCL | O_RDWR, 0600);
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", x);
    check(x >= 0 && e(linkat(x, "", AT_FDCWD, "x", AT_EMPTY_PATH)) == -ENOENT &&
              e(linkat(AT_FDCWD, proc, AT_FDCWD, "x", AT_SYMLINK_FOLLOW)) == -ENOENT,
          "O_TMPFILE|O_EXCL: linkat ENOENT");
    close(x);
    check(unlink("plain") == 0 &&
              e(linkat(plain, "", AT_FDCWD, "plain2", AT_EMPTY_PATH)) == -ENOENT,
          "linkat AT_EMPTY_PATH of an unlinked file: ENOENT");
    close(plain);
    int d = open(".", O_RDONLY | O_DIRECTORY);
    check(e(linkat(d, "", AT_FDCWD, "dir2", AT_EMPTY_PATH)) == -EPERM,
          "linkat AT_EMPTY_PATH of a directory: EPERM");
    close(d);
    int p[2];
    pipe(p);
    check(e(linkat(p[0], "", AT_FDCWD, "pipe2", AT_EMPTY_PATH)) == -EXDEV,
          "linkat AT_EMPTY_PATH of a pipe: EXDEV");
    close(p[0]);
    close(p[1]);
    check(e(linkat(999, "", AT_FDCWD, "bad", AT_EMPTY_PATH)) == -EBADF,
          "linkat AT_EMPTY_PATH of a closed descriptor: EBADF");
    check(e(linkat(AT_FDCWD, "/proc/self/fd/999", AT_FDCWD, "bad",
                   AT_SYMLINK_FOLLOW)) == -ENOENT,
          "linkat /proc/self/fd/N of a closed descriptor: ENOENT");
    check(entries(".") == 2, "O_TMPFILE: nothing left in the directory");
}

static void test_vectors(void)
{
    int fd = open("v", O_RDWR | O_CREAT | O_TRUNC, 0600);
    char a[4] = {0}, b[5] = {0};
    struct iovec out[2] = {{"abc", 3}, {"defg", 4}};
    struct iovec in[2] = {{a, 3}, {b, 4}};
    struct stat st;
    check(pwritev(fd, out, 2, 10) == 7 && lseek(fd, 0, SEEK_CUR) == 0 &&
              fstat(fd, &st) == 0 && st.st_size == 17,
          "pwritev at 10: 7 bytes, the position left alone");
    check(preadv(fd, in, 2, 10) == 7 && strcmp(a, "abc") == 0 &&
              strcmp(b, "defg") == 0 && lseek(fd, 0, SEEK_CUR) == 0,
          "preadv at 10: both buffers filled");
    check(e(preadv(fd, in, 2, -1)) == -EINVAL && e(pwritev(fd, out, 2, -1)) == -EINVAL,
          "preadv, pwritev at -1: EINVAL");
    check(e(preadv2(fd, in, 2, -2, 0)) == -EINVAL, "preadv2 at -2: EINVAL");
    lseek(fd, 10, SEEK_SET);
    memset(a, 0, sizeof(a));
    check(preadv2(fd, in, 1, -1, 0) == 3 && strcmp(a, "abc") == 0 &&
              lseek(fd, 0, SEEK_CUR) == 13,
          "preadv2 at -1: the file position, advanced");
    check(pwritev2(fd, out, 1, 0, RWF_APPEND) == 3 && fstat(fd, &st) == 0 &&
              st.st_size == 20 && lseek(fd, 0, SEEK_CUR) == 13,
          "pwritev2 RWF_APPEND: at the end, the position left alone");
    lseek(fd, 0, SEEK_SET);
    check(pwritev2(fd, out + 1, 1, -1, RWF_APPEND) == 4 && fstat(fd, &st) == 0 &&
              st.st_size == 24 && lseek(fd, 0, SEEK_CUR) == 24,
          "pwritev2 RWF_APPEND at -1: at the end, the position follows");
    check(pwritev2(fd, out, 2, 0, RWF_DSYNC | RWF_SYNC) == 7 &&
              preadv2(fd, in, 2, 0, RWF_HIPRI) == 7 && strcmp(b, "defg") == 0,
          "RWF_DSYNC, RWF_SYNC, RWF_HIPRI: accepted");
    int ap = open("v", O_WRONLY | O_APPEND);
    check(pwritev(ap, out, 1, 0) == 3 && fstat(fd, &st) == 0 && st.st_size == 27 &&
              lseek(ap, 0, SEEK_CUR) == 0,
          "pwritev at 0 of an O_APPEND file: at the end, as Linux");
    check(pwrite(ap, "xy", 2, 1) == 2 && fstat(fd, &st) == 0 && st.st_size == 29 &&
              pread(fd, b, 2, 27) == 2 && memcmp(b, "xy", 2) == 0 &&
              lseek(ap, 0, SEEK_CUR) == 0,
          "pwrite at 1 of an O_APPEND file: at the end, as Linux");
    close(ap);
    check(e(preadv2(fd, in, 2, 0, 1 << 20)) == -EOPNOTSUPP &&
              e(pwritev2(fd, out, 2, 0, 1 << 20)) == -EOPNOTSUPP,
          "an unknown RWF flag: EOPNOTSUPP");
    check(pwritev2(fd, out, 0, 0, 1 << 20) == 0,
          "no bytes: 0 before the flags are looked at");
    struct iovec neg = {a, (size_t)-1};
    check(e(preadv(fd, &neg, 1, 0)) == -EINVAL, "a length past SSIZE_MAX: EINVAL");
    check(e(preadv(fd, in, 1025, 0)) == -EINVAL, "1025 vectors: EINVAL");
    check(e(preadv(fd, (struct iovec *)8, 1, 0)) == -EFAULT, "vectors unreadable: EFAULT");
    check(e(preadv(999, in, 1, 0)) == -EBADF, "preadv of a closed descriptor: EBADF");
    int wo = open("v", O_WRONLY);
    check(e(preadv(wo, in, 2, 0)) == -EBADF, "preadv of a write-only file: EBADF");
    close(wo);
    close(fd);
    unlink("v");

    int p[2];
    pipe(p);
    check(e(pwritev(p[1], out, 2, 0)) == -ESPIPE && e(preadv(p[0], in, 2, 0)) == -ESPIPE,
          "pwritev, preadv of a pipe: ESPIPE");
    check(e(preadv2(p[0], in, 2, -1, RWF_NOWAIT)) == -EAGAIN,
          "preadv2 RWF_NOWAIT of an empty pipe: EAGAIN");
    memset(a, 0, sizeof(a));
    check(pwritev2(p[1], out, 2, -1, 0) == 7 &&
              preadv2(p[0], in, 2, -1, RWF_NOWAIT) == 7 && strcmp(a, "abc") == 0,
          "preadv2 RWF_NOWAIT of a pipe with data: read");
    close(p[0]);
    close(p[1]);
    int m = memfd_create("nowait", 0);
    check(pwritev(m, out, 2, 0) == 7 &&
              e(preadv2(m, in, 2, 0, RWF_NOWAIT)) == -EOPNOTSUPP,
          "preadv2 RWF_NOWAIT of a memfd (shmem): EOPNOTSUPP");
    close(m);
}

static long fs_type(int fd, struct statfs *s)
{
    memset(s, 0, sizeof(*s));
    return fstatfs(fd, s) == 0 ? (long)s->f_type : -errno;
}

static void test_fstatfs(void)
{
    struct statfs s;
    int p[2], sv[2];
    pipe(p);
    check(fs_type(p[0], &s) == PIPEFS_MAGIC && s.f_bsize == 4096 &&
              s.f_namelen == 255 && s.f_blocks == 0 && fs_type(p[1], &s) == PIPEFS_MAGIC,
          "fstatfs of a pipe: PIPEFS_MAGIC, 4096, 255, no blocks");
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    check(fs_type(sv[0], &s) == SOCKFS_MAGIC && s.f_bsize == 4096 && s.f_blocks == 0,
          "fstatfs of a socket: SOCKFS_MAGIC");
    int ev = eventfd(0, 0);
    check(fs_type(ev, &s) == ANON_INODE_FS_MAGIC && s.f_bsize == 4096 &&
              s.f_blocks == 0,
          "fstatfs of an eventfd: ANON_INODE_FS_MAGIC");
    int m = memfd_create("fs", 0);
    check(fs_type(m, &s) == TMPFS_MAGIC, "fstatfs of a memfd: TMPFS_MAGIC");
    check(e(fstatfs(999, &s)) == -EBADF, "fstatfs of a closed descriptor: EBADF");
    close(p[0]);
    close(p[1]);
    close(sv[0]);
    close(sv[1]);
    close(ev);
    close(m);
}

static void test_memfd_fallocate(void)
{
    int m = memfd_create("falloc", 0);
    struct stat st;
    char c = 1;
    check(e(fallocate(m, 0, 0, 8192)) == 0 && fstat(m, &st) == 0 && st.st_size == 8192,
          "memfd fallocate: the size grows to 8192");
    check(e(fallocate(m, FALLOC_FL_KEEP_SIZE, 8192, 8192)) == 0 && fstat(m, &st) == 0 &&
              st.st_size == 8192,
          "memfd fallocate KEEP_SIZE: the size stays");
    struct iovec ab = {"ab", 2};
    check(pwritev(m, &ab, 1, 10) == 2 && fstat(m, &st) == 0 && st.st_size == 8192 &&
              pread(m, &c, 1, 10) == 1 && c == 'a',
          "memfd pwritev at 10: at 10 (a memfd never appends)");
    check(pwrite(m, "x", 1, 5000) == 1 && pwrite(m, "y", 1, 100) == 1 &&
              e(fallocate(m, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, 4096, 4096)) == 0 &&
              pread(m, &c, 1, 5000) == 1 && c == 0 && pread(m, &c, 1, 100) == 1 &&
              c == 'y' && fstat(m, &st) == 0 && st.st_size == 8192,
          "memfd PUNCH_HOLE: the page reads zero, the size and the rest stay");
    check(pwrite(m, "zz", 2, 99) == 2 &&
              e(fallocate(m, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, 100, 1)) == 0 &&
              pread(m, &c, 1, 100) == 1 && c == 0 && pread(m, &c, 1, 99) == 1 && c == 'z',
          "memfd PUNCH_HOLE of one byte: zeroed, its neighbour stays");
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0);
    check(p != MAP_FAILED && (p[5000] = 'w') &&
              e(fallocate(m, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, 4096, 4096)) == 0 &&
              p[5000] == 0,
          "memfd PUNCH_HOLE of a mapped page: the mapping reads zero");
    if (p != MAP_FAILED)
        munmap(p, 8192);
    check(e(fallocate(m, FALLOC_FL_PUNCH_HOLE, 0, 4096)) == -EOPNOTSUPP,
          "memfd PUNCH_HOLE without KEEP_SIZE: EOPNOTSUPP");
    check(e(fallocate(m, FALLOC_FL_ZERO_RANGE, 0, 4096)) == -EOPNOTSUPP &&
              e(fallocate(m, FALLOC_FL_COLLAPSE_RANGE, 0, 4096)) == -EOPNOTSUPP,
          "memfd ZERO_RANGE, COLLAPSE_RANGE: EOPNOTSUPP");
    check(e(fallocate(m, 0, -1, 4096)) == -EINVAL && e(fallocate(m, 0, 0, 0)) == -EINVAL,
          "memfd fallocate of a negative offset or no length: EINVAL");
    close(m);
    int ev = eventfd(0, 0);
    check(e(fallocate(ev, 0, 0, 4096)) == -ENODEV, "fallocate of an eventfd: ENODEV");
    close(ev);
}

/* O_TMPFILE files of 64 KiB written and closed, half of them named and
 * the names removed: what frees them. */
static void tmpfiles_round(void)
{
    static char page[4096];
    memset(page, 't', sizeof(page));
    for (int k = 0; k < 20; k++) {
        int t = open(".", O_TMPFILE | O_RDWR, 0600);
        for (int i = 0; i < 16 && t >= 0; i++)
            if (write(t, page, sizeof(page)) != (long)sizeof(page))
                break;
        if (t >= 0 && (k & 1) && linkat(t, "", AT_FDCWD, "n", AT_EMPTY_PATH) == 0)
            unlink("n");
        close(t);
    }
}

int main(int argc, char **argv)
{
    strcpy(top, "/tmp/abi_fsextra.XXXXXX");
    if (!mkdtemp(top) || chdir(top) < 0) {
        check(0, "mkdtemp and chdir");
        return 1;
    }
    if (argc > 1 && strcmp(argv[1], "guest") == 0) {
        /* every check twice: the second round leaves no frame behind */
        stack_touch();
        test_tmpfile();
        test_vectors();
        test_memfd_fallocate();
        tmpfiles_round();
        long before = free_frames();
        test_tmpfile();
        test_vectors();
        test_memfd_fallocate();
        tmpfiles_round();
        long after = free_frames();
        printf("# %ld free frames before, %ld after\n", before, after);
        check(after >= before, "guest O_TMPFILE, vectors, memfd fallocate: "
                               "no frame left behind");
        chdir("/");
        check(rmdir(top) == 0, "test directory removed");
        return failures != 0;
    }
    test_tmpfile();
    test_vectors();
    test_fstatfs();
    test_memfd_fallocate();
    chdir("/");
    check(rmdir(top) == 0, "test directory removed");
    printf("abi_fsextra: %d failed\n", failures);
    return failures != 0;
}
