/*
 * abi_procfd: /proc/self/fd and /proc/PID/fd: getdents64 lists exactly
 * the open descriptors (those fcntl F_GETFD accepts), readlink of an
 * entry gives a file's path (after a rename too), "pipe:[INO]" and
 * "socket:[INO]" with fstat's st_ino (two pipes: two names), "anon_inode:[eventfd]"; lstat sees
 * a link, stat the file; open of an entry is a new open file description
 * of the same file (its own offset, the new flags); the errors of a
 * closed descriptor.  Exit status 0 only if all passed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "apps/include/check.h"

static void checkf(int cond, const char *fmt, ...)
{
    char name[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof(name), fmt, ap);
    va_end(ap);
    check(cond, name);
}

/* readlink of /proc/self/fd/N (or of `dir`/N) as a string ("" on error). */
static const char *link_of(const char *dir, int fd)
{
    static char buf[4][256];
    static int which;
    char *out = buf[which++ % 4];
    char p[64];
    snprintf(p, sizeof(p), "%s/%d", dir, fd);
    ssize_t n = readlink(p, out, 255);
    out[n > 0 ? n : 0] = '\0';
    return out;
}

/* Lists `dir` with getdents64: fills seen[] (one flag per descriptor
 * number below max), counts the dots; the number of numeric entries, or
 * -1 on an error or an entry that is no number. */
static int list(const char *dir, char *seen, int max, int *dots)
{
    int d = open(dir, O_RDONLY | O_DIRECTORY);
    if (d < 0)
        return -1;
    char buf[512];
    int count = 0, bad = 0;
    *dots = 0;
    memset(seen, 0, (size_t)max);
    long n;
    while ((n = syscall(SYS_getdents64, d, buf, sizeof(buf))) > 0) {
        for (long at = 0; at < n;) {
            struct dirent64 *e = (struct dirent64 *)(buf + at);
            at += e->d_reclen;
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
                *dots += e->d_type == DT_DIR;
                continue;
            }
            char *end;
            long fd = strtol(e->d_name, &end, 10);
            if (*end || fd < 0 || fd >= max || e->d_type != DT_LNK) {
                bad = 1;
                continue;
            }
            seen[fd] = 1;
            count++;
        }
    }
    close(d);
    return n < 0 || bad ? -1 : count;
}

/* The listing against fcntl: every open descriptor and no other. */
static void listing(const char *dir, const char *what)
{
    enum { MAX = 256 };
    char seen[MAX];
    int dots = 0;
    int count = list(dir, seen, MAX, &dots);
    int open_fds = 0, agree = 1;
    /* the directory's own descriptor was open while listing: the lowest free */
    int dirfd = open("/dev/null", O_RDONLY);
    close(dirfd);
    for (int fd = 0; fd < MAX; fd++) {
        int is_open = fcntl(fd, F_GETFD) >= 0 || fd == dirfd;
        open_fds += is_open;
        agree &= is_open == seen[fd];
    }
    checkf(count >= 0, "procfd %s: getdents64 lists numbers", what);
    checkf(dots == 2, "procfd %s: . and .. are directories", what);
    checkf(agree && count == open_fds, "procfd %s: exactly the open descriptors", what);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char path[64], moved[64], self[64];
    snprintf(path, sizeof(path), "/tmp/abi_procfd.%d", (int)getpid());
    snprintf(moved, sizeof(moved), "/tmp/abi_procfd.%d.moved", (int)getpid());
    snprintf(self, sizeof(self), "/proc/%d/fd", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    check(fd >= 0, "procfd create the file");
    check(write(fd, "hello world", 11) == 11, "procfd write");

    struct stat st;
    check(stat("/proc/self/fd", &st) == 0 && S_ISDIR(st.st_mode),
          "procfd /proc/self/fd is a directory");
    listing("/proc/self/fd", "self");
    check(access("/proc/self/status", F_OK | R_OK) == 0 &&
              access("/proc/self/fd", X_OK) == 0,
          "procfd access of /proc files and directories");
    errno = 0;
    check(access("/proc/self/no-such-entry", F_OK) == -1 && errno == ENOENT,
          "procfd access of a missing /proc entry: ENOENT");
    errno = 0;
    check(access("/proc/self/status", X_OK) == -1 && errno == EACCES,
          "procfd access X_OK of a /proc file without an execute bit: EACCES");
    int p[2], sv[2];
    check(pipe(p) == 0, "procfd pipe");
    check(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "procfd socketpair");
    int ev = eventfd(0, 0), ep = epoll_create1(0);
    int tf = timerfd_create(CLOCK_MONOTONIC, 0);
    int dup_fd = dup(fd);
    check(dup2(fd, 100) == 100, "procfd dup2 to 100");
    listing("/proc/self/fd", "self, more open");
    listing(self, "pid");
    close(100);
    listing("/proc/self/fd/", "after a close");

    checkf(strcmp(link_of("/proc/self/fd", fd), path) == 0,
           "procfd readlink of the file is its path");
    checkf(strcmp(link_of(self, dup_fd), path) == 0,
           "procfd readlink through /proc/PID/fd");
    char want[64];
    fstat(p[0], &st);
    snprintf(want, sizeof(want), "pipe:[%lu]", (unsigned long)st.st_ino);
    checkf(strcmp(link_of("/proc/self/fd", p[0]), want) == 0 &&
               strcmp(link_of("/proc/self/fd", p[1]), want) == 0,
           "procfd readlink of a pipe: pipe:[st_ino]");
    int q[2];
    check(pipe(q) == 0, "procfd second pipe");
    checkf(strcmp(link_of("/proc/self/fd", q[0]), want) != 0,
           "procfd two pipes, two names");
    close(q[0]);
    close(q[1]);
    fstat(sv[0], &st);
    snprintf(want, sizeof(want), "socket:[%lu]", (unsigned long)st.st_ino);
    checkf(strcmp(link_of("/proc/self/fd", sv[0]), want) == 0,
           "procfd readlink of a socket: socket:[st_ino]");
    struct stat st1;
    fstat(sv[1], &st1);
    checkf(st.st_ino != 0 && st1.st_ino != 0 && st.st_ino != st1.st_ino,
           "procfd the two ends of a socketpair: two inode numbers");
    checkf(strcmp(link_of("/proc/self/fd", ev), "anon_inode:[eventfd]") == 0,
           "procfd readlink of an eventfd: %s", link_of("/proc/self/fd", ev));
    checkf(strcmp(link_of("/proc/self/fd", ep), "anon_inode:[eventpoll]") == 0,
           "procfd readlink of an epoll: %s", link_of("/proc/self/fd", ep));
    checkf(strcmp(link_of("/proc/self/fd", tf), "anon_inode:[timerfd]") == 0,
           "procfd readlink of a timerfd: %s", link_of("/proc/self/fd", tf));
    checkf(strcmp(link_of("/proc/self/fd", 200), "") == 0 && errno == ENOENT,
           "procfd readlink of a closed descriptor: ENOENT");
    char tiny[4];
    char entry[64];
    snprintf(entry, sizeof(entry), "/proc/self/fd/%d", fd);
    check(readlink(entry, tiny, sizeof(tiny)) == 4 && memcmp(tiny, path, 4) == 0,
          "procfd readlink cut to the buffer");
    check(rename(path, moved) == 0, "procfd rename the open file");
    checkf(strcmp(link_of("/proc/self/fd", fd), moved) == 0,
           "procfd readlink follows the rename");

    check(lstat(entry, &st) == 0 && S_ISLNK(st.st_mode), "procfd lstat: a link");
    struct stat real;
    fstat(fd, &real);
    check(stat(entry, &st) == 0 && S_ISREG(st.st_mode) && st.st_ino == real.st_ino &&
              st.st_size == 11,
          "procfd stat: the file");
    check(stat("/proc/self/fd/200", &st) == -1 && errno == ENOENT,
          "procfd stat of a closed descriptor: ENOENT");

    int again = open(entry, O_RDONLY);
    check(again >= 0 && again != fd, "procfd open an entry");
    char buf[16] = {0};
    check(read(again, buf, 5) == 5 && memcmp(buf, "hello", 5) == 0,
          "procfd the reopened file reads from 0: a new description");
    check(lseek(fd, 0, SEEK_CUR) == 11, "procfd the old offset stays");
    check((fcntl(again, F_GETFL) & O_ACCMODE) == O_RDONLY, "procfd the reopened file has the new flags");
    check(write(again, "x", 1) == -1 && errno == EBADF, "procfd read-only reopen: no write");
    int wr = open(entry, O_WRONLY | O_APPEND);
    check(wr >= 0 && write(wr, "!", 1) == 1, "procfd reopen to append");
    fstat(fd, &st);
    check(st.st_size == 12, "procfd the append reached the file");
    check(open("/proc/self/fd/200", O_RDONLY) == -1 && errno == ENOENT,
          "procfd open of a closed descriptor: ENOENT");
    char sock_entry[64];
    snprintf(sock_entry, sizeof(sock_entry), "/proc/self/fd/%d", sv[0]);
    check(open(sock_entry, O_RDWR) == -1 && errno == ENXIO,
          "procfd open of a socket: ENXIO");
    check(open("/proc/self/fd", O_WRONLY) == -1 && errno == EISDIR,
          "procfd open the directory to write: EISDIR");
    check(unlink(moved) == 0, "procfd unlink");
    return failures != 0;
}
