/*
 * abi_badargs: bad arguments get an error, never a crash: NULL, kernel,
 * unmapped, read-only and PROT_NONE pointers (EFAULT), bad descriptors
 * (EBADF), unknown system call numbers (ENOSYS).  Raw system calls only: the
 * C library (and a vDSO) would touch the pointers itself.  One "ok - name"
 * line per check; exit status 0 only if all passed, which also proves the
 * task survived every call.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "apps/include/check.h"

#define PAGE 4096UL
#define KPTR 0xffffffff81000000UL     /* the kernel image, in the upper half */
#define NONCANON 0x0000800000000000UL /* first non-canonical address */

/* Pointers a task may pass but not use: three pages, read-only, a hole,
 * PROT_NONE (the hole between two mappings is not reused by mistake). */
static long readonly, unmapped, noaccess;

static int make_bad_pages(void)
{
    char *p =
        mmap(NULL, 3 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED || munmap(p + PAGE, PAGE) != 0 ||
        mprotect(p + 2 * PAGE, PAGE, PROT_NONE) != 0)
        return 0;
    readonly = (long)p;
    unmapped = (long)(p + PAGE);
    noaccess = (long)(p + 2 * PAGE);
    return 1;
}

static void test_write_read(int fd)
{
    check(sys(SYS_write, 1, 0, 10, 0) == -EFAULT,
          "badargs write NULL is EFAULT");
    check(sys(SYS_write, 1, KPTR, 10, 0) == -EFAULT,
          "badargs write kernel pointer is EFAULT");
    check(sys(SYS_write, 1, NONCANON, 10, 0) == -EFAULT,
          "badargs write non-canonical pointer is EFAULT");
    check(sys(SYS_write, 1, unmapped, 10, 0) == -EFAULT,
          "badargs write unmapped pointer is EFAULT");
    check(sys(SYS_write, 1, noaccess, 10, 0) == -EFAULT,
          "badargs write PROT_NONE pointer is EFAULT");
    check(sys(SYS_read, fd, 0, 100, 0) == -EFAULT,
          "badargs read NULL is EFAULT");
    check(sys(SYS_read, fd, KPTR, 100, 0) == -EFAULT,
          "badargs read kernel pointer is EFAULT");
    check(sys(SYS_read, fd, readonly, 100, 0) == -EFAULT &&
              *(volatile char *)readonly == 0,
          "badargs read into read-only memory is EFAULT");
    check(sys(SYS_read, fd, noaccess, 100, 0) == -EFAULT,
          "badargs read into PROT_NONE memory is EFAULT");
}

static void test_vectors_and_paths(int fd)
{
    struct iovec bad_base = {(void *)KPTR, 10};
    struct stat st;

    check(sys(SYS_writev, 1, 0, 1, 0) == -EFAULT,
          "badargs writev NULL iovec is EFAULT");
    check(sys(SYS_writev, 1, (long)&bad_base, 1, 0) == -EFAULT,
          "badargs writev kernel iov_base is EFAULT");
    check(sys(SYS_readv, fd, KPTR, 1, 0) == -EFAULT,
          "badargs readv kernel iovec is EFAULT");
    check(sys(SYS_open, 0, O_RDONLY, 0, 0) == -EFAULT,
          "badargs open NULL path is EFAULT");
    check(sys(SYS_open, KPTR, O_RDONLY, 0, 0) == -EFAULT,
          "badargs open kernel path is EFAULT");
    check(sys(SYS_stat, 0, (long)&st, 0, 0) == -EFAULT,
          "badargs stat NULL path is EFAULT");
    check(sys(SYS_stat, KPTR, (long)&st, 0, 0) == -EFAULT,
          "badargs stat kernel path is EFAULT");
    check(sys(SYS_stat, (long)"/", KPTR, 0, 0) == -EFAULT,
          "badargs stat into kernel memory is EFAULT");
    check(sys(SYS_newfstatat, AT_FDCWD, 0, (long)&st, 0) == -EFAULT,
          "badargs newfstatat NULL path is EFAULT");
    check(sys(SYS_fstat, fd, 0, 0, 0) == -EFAULT,
          "badargs fstat NULL buffer is EFAULT");
    check(sys(SYS_fstat, fd, readonly, 0, 0) == -EFAULT,
          "badargs fstat into read-only memory is EFAULT");
}

static void test_other_pointers(void)
{
    struct timespec ts = {0, 1000};

    check(sys(SYS_clock_gettime, CLOCK_MONOTONIC, 0, 0, 0) == -EFAULT,
          "badargs clock_gettime NULL is EFAULT");
    check(sys(SYS_clock_gettime, CLOCK_REALTIME, KPTR, 0, 0) == -EFAULT,
          "badargs clock_gettime kernel pointer is EFAULT");
    check(sys(SYS_gettimeofday, KPTR, 0, 0, 0) == -EFAULT,
          "badargs gettimeofday kernel pointer is EFAULT");
    check(sys(SYS_nanosleep, 0, 0, 0, 0) == -EFAULT,
          "badargs nanosleep NULL is EFAULT");
    check(sys(SYS_nanosleep, (long)&ts, KPTR, 0, 0) == 0,
          "badargs nanosleep ignores rem when not interrupted");
    check(sys(SYS_uname, 0, 0, 0, 0) == -EFAULT,
          "badargs uname NULL is EFAULT");
    check(sys(SYS_getrandom, KPTR, 16, 0, 0) == -EFAULT,
          "badargs getrandom kernel pointer is EFAULT");
}

static void test_bad_fds(int fd)
{
    char buf[8];
    struct stat st;

    check(sys(SYS_write, -1, (long)"x", 1, 0) == -EBADF,
          "badargs write fd -1 is EBADF");
    check(sys(SYS_read, 12345, (long)buf, 1, 0) == -EBADF,
          "badargs read unopened fd is EBADF");
    check(sys(SYS_close, 12345, 0, 0, 0) == -EBADF,
          "badargs close unopened fd is EBADF");
    check(sys(SYS_fstat, 12345, (long)&st, 0, 0) == -EBADF,
          "badargs fstat unopened fd is EBADF");
    check(sys(SYS_lseek, 12345, 0, SEEK_SET, 0) == -EBADF,
          "badargs lseek unopened fd is EBADF");
    check(sys(SYS_write, fd, (long)"x", 1, 0) == -EBADF,
          "badargs write to a read-only fd is EBADF");
    check(sys(SYS_ioctl, fd, 0x5413 /* TIOCGWINSZ */, (long)buf, 0) == -ENOTTY,
          "badargs ioctl TIOCGWINSZ on a file is ENOTTY");
}

static void test_unknown_syscalls(void)
{
    /* 999: past Linux's numbers, below the kernel's own mspace_* (1000+) */
    check(sys(999, 0, 0, 0, 0) == -ENOSYS, "badargs syscall 999 is ENOSYS");
    check(sys(-1, 0, 0, 0, 0) == -ENOSYS, "badargs syscall -1 is ENOSYS");
    check(sys(100000, 0, 0, 0, 0) == -ENOSYS,
          "badargs syscall 100000 is ENOSYS");
}

int main(void)
{
    pid_t pid = getpid();
    int fd = open("/proc/self/maps", O_RDONLY);

    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("# bad arguments: EFAULT, EBADF, ENOSYS\n");
    check(fd >= 0 && make_bad_pages(),
          "badargs setup (/proc/self/maps, bad pages)");
    test_write_read(fd);
    test_vectors_and_paths(fd);
    test_other_pointers();
    test_bad_fds(fd);
    test_unknown_syscalls();
    check(getpid() == pid && close(fd) == 0,
          "badargs task alive and its fd intact after bad calls");
    return failures != 0;
}
