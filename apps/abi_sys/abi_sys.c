/*
 * abi_sys: the small system calls of issue 6 that musl programs use:
 * process ids, credentials, uname, getrandom, sched_yield, sysinfo,
 * rt_sigaction / rt_sigprocmask (recorded and read back), set_tid_address,
 * arch_prctl.  Raw system calls where the C library could answer alone.
 * One "ok - name" line per check; exit status 0 only if all passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "apps/include/check.h"

#define ARCH_SET_FS 0x1002

__thread int tls_marker = 1234;

static void test_ids(void)
{
    long pid = sys(SYS_getpid, 0, 0, 0, 0);

    check(pid > 0, "sys getpid is positive");
    check(sys(SYS_gettid, 0, 0, 0, 0) == pid,
          "sys gettid equals getpid in a single-threaded task");
    check(sys(SYS_getuid, 0, 0, 0, 0) >= 0 &&
              sys(SYS_geteuid, 0, 0, 0, 0) >= 0 &&
              sys(SYS_getgid, 0, 0, 0, 0) >= 0 &&
              sys(SYS_getegid, 0, 0, 0, 0) >= 0,
          "sys getuid geteuid getgid getegid");
    check(sys(SYS_set_tid_address, (long)&tls_marker, 0, 0, 0) == pid,
          "sys set_tid_address returns the tid");
}

static void test_uname_random_yield(void)
{
    struct utsname u;
    unsigned char a[32], b[32], zero[32] = {0};

    check(uname(&u) == 0 && u.sysname[0] && u.release[0] &&
              strcmp(u.machine, "x86_64") == 0,
          "sys uname names an x86_64 system");
    check(sys(SYS_getrandom, (long)a, sizeof(a), 0, 0) == sizeof(a) &&
              sys(SYS_getrandom, (long)b, sizeof(b), 0, 0) == sizeof(b) &&
              memcmp(a, b, sizeof(a)) != 0 && memcmp(a, zero, sizeof(a)) != 0,
          "sys getrandom gives fresh bytes");
    check(sys(SYS_getrandom, (long)a, 0, 0, 0) == 0,
          "sys getrandom of zero bytes");
    check(sys(SYS_sched_yield, 0, 0, 0, 0) == 0, "sys sched_yield");
}

static void test_sysinfo(void)
{
    struct sysinfo si;

    memset(&si, 0xff, sizeof(si));
    check(sysinfo(&si) == 0 && si.mem_unit >= 1 && si.totalram > 0 &&
              si.freeram <= si.totalram && si.procs >= 1,
          "sys sysinfo reports memory");
}

static void on_usr1(int sig)
{
    (void)sig;
}

static void test_signals(void)
{
    struct sigaction sa = {.sa_handler = on_usr1}, old;
    sigset_t set, cur;

    sigemptyset(&sa.sa_mask);
    check(sigaction(SIGUSR1, &sa, NULL) == 0 &&
              sigaction(SIGUSR1, NULL, &old) == 0 && old.sa_handler == on_usr1,
          "sys rt_sigaction records the handler");
    errno = 0;
    check(sigaction(SIGKILL, &sa, NULL) == -1 && errno == EINVAL,
          "sys rt_sigaction on SIGKILL is EINVAL");
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    check(sigprocmask(SIG_BLOCK, &set, NULL) == 0 &&
              sigprocmask(SIG_SETMASK, NULL, &cur) == 0 &&
              sigismember(&cur, SIGUSR2) && !sigismember(&cur, SIGUSR1),
          "sys rt_sigprocmask records the mask");
    check(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0 &&
              sigprocmask(SIG_SETMASK, NULL, &cur) == 0 &&
              !sigismember(&cur, SIGUSR2),
          "sys rt_sigprocmask unblocks");
}

static void test_arch_prctl(void)
{
    uintptr_t tp;

    __asm__ volatile("mov %%fs:0, %0" : "=r"(tp));
    check(sys(SYS_arch_prctl, ARCH_SET_FS, tp, 0, 0) == 0 && tls_marker == 1234,
          "sys arch_prctl ARCH_SET_FS keeps TLS working");
    check(sys(SYS_arch_prctl, 0x9999, 0, 0, 0) == -EINVAL,
          "sys arch_prctl unknown code is EINVAL");
}

int main(void)
{
    test_ids();
    test_uname_random_yield();
    test_sysinfo();
    test_signals();
    test_arch_prctl();
    return failures != 0;
}
