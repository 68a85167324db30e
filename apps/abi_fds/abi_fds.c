/*
 * abi_fds: descriptor and process-state calls that programs make at
 * start-up: dup, dup2, dup3 (shared file position), getcwd, readlink of
 * /proc/self/exe, umask, getrlimit / prlimit64, sigaltstack.  Checks hold
 * wherever the binary runs (no expectation of a particular directory or
 * limit).  One "ok - name" line per check; exit status 0 only if all
 * passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "apps/include/check.h"

static void test_dup(void)
{
    int fd = open("/proc/self/maps", O_RDONLY);
    int d = dup(fd);
    char buf[16];
    check(fd >= 0 && d > fd, "fds dup gives the lowest free descriptor above");
    check(read(fd, buf, 10) == 10 && lseek(d, 0, SEEK_CUR) == 10,
          "fds dup shares the file position");
    check(dup2(fd, 40) == 40 && lseek(40, 0, SEEK_CUR) == 10,
          "fds dup2 to a chosen descriptor");
    check(dup2(fd, 40) == 40 && close(40) == 0 && lseek(fd, 0, SEEK_CUR) == 10,
          "fds dup2 over an open descriptor, close leaves the original");
    check(dup2(fd, fd) == fd, "fds dup2 onto itself");
    check(sys(SYS_dup2, 12345, 41, 0, 0) == -EBADF,
          "fds dup2 of a bad fd is EBADF");
    check(sys(SYS_dup3, fd, fd, 0, 0) == -EINVAL,
          "fds dup3 onto itself is EINVAL");
    check(sys(SYS_dup3, fd, 42, O_CLOEXEC, 0) == 42 && close(42) == 0,
          "fds dup3 with O_CLOEXEC");
    int out = dup(1);
    check(out >= 0 && write(out, "# via dup(1)\n", 13) == 13,
          "fds write through dup(1)");
    close(out);
    close(d);
    close(fd);
}

static void test_paths(void)
{
    char buf[512];
    check(getcwd(buf, sizeof(buf)) == buf && buf[0] == '/',
          "fds getcwd is absolute");
    check(sys(SYS_getcwd, (long)buf, 1, 0, 0) == -ERANGE,
          "fds getcwd into 1 byte is ERANGE");
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    buf[n > 0 ? n : 0] = 0;
    check(n > 0 && buf[0] == '/' && strstr(buf, "abi_fds"),
          "fds readlink /proc/self/exe names the program");
    check(readlink("/proc/self/exe", buf, 2) == 2,
          "fds readlink truncates to the buffer");
    check(sys(SYS_readlink, (long)"/proc/self/maps", (long)buf, 64, 0) ==
              -EINVAL,
          "fds readlink of a file that is not a link is EINVAL");
    check(sys(SYS_readlink, (long)"/no/such/abi_fds", (long)buf, 64, 0) ==
              -ENOENT,
          "fds readlink of a missing path is ENOENT");
}

static void test_limits(void)
{
    struct rlimit r;
    mode_t old = umask(077);
    check(umask(old) == 077, "fds umask returns the previous mask");
    check(getrlimit(RLIMIT_STACK, &r) == 0 && r.rlim_cur >= (1u << 20),
          "fds getrlimit RLIMIT_STACK at least 1 MiB");
    check(getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur >= 64 &&
              r.rlim_cur <= r.rlim_max,
          "fds getrlimit RLIMIT_NOFILE at least 64");
    check(sys(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, (long)&r) == 0 &&
              r.rlim_cur >= 64,
          "fds prlimit64 reads a limit");
    check(sys(SYS_prlimit64, 0, 999, 0, (long)&r) == -EINVAL,
          "fds prlimit64 of an unknown resource is EINVAL");
}

static void test_sigaltstack(void)
{
    static char stack[1 << 16];
    stack_t ss = {.ss_sp = stack, .ss_size = sizeof(stack)}, old;
    check(sigaltstack(NULL, &old) == 0 && (old.ss_flags & SS_DISABLE),
          "fds sigaltstack starts disabled");
    check(sigaltstack(&ss, NULL) == 0 && sigaltstack(NULL, &old) == 0 &&
              old.ss_sp == stack && old.ss_size == sizeof(stack),
          "fds sigaltstack set and read back");
    ss.ss_size = 100;
    check(sys(SYS_sigaltstack, (long)&ss, 0, 0, 0) == -ENOMEM,
          "fds sigaltstack too small is ENOMEM");
}

int main(void)
{
    test_dup();
    test_paths();
    test_limits();
    test_sigaltstack();
    return failures != 0;
}
