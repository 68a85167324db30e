/*
 * abi_time: clocks go forward and agree: clock_gettime MONOTONIC and
 * REALTIME (through the C library and through the raw system call),
 * gettimeofday, time, nanosleep, and their EINVAL cases.  No upper bound
 * on durations is checked (a loaded host is slow, not wrong).  One
 * "ok - name" line per check; exit status 0 only if all passed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "apps/include/check.h"

#define NSEC 1000000000LL

static int64_t ns(const struct timespec *t)
{
    return (int64_t)t->tv_sec * NSEC + t->tv_nsec;
}

static int64_t now(clockid_t clock)
{
    struct timespec t = {0, 0};

    clock_gettime(clock, &t);
    return ns(&t);
}

static void test_monotonic(void)
{
    struct timespec t;
    int64_t prev = now(CLOCK_MONOTONIC), cur, raw;
    int forward = 1;

    check(clock_gettime(CLOCK_MONOTONIC, &t) == 0 && t.tv_nsec >= 0 &&
              t.tv_nsec < NSEC,
          "time clock_gettime MONOTONIC");
    for (int i = 0; i < 10000; i++) {
        cur = now(CLOCK_MONOTONIC);
        forward &= cur >= prev;
        prev = cur;
    }
    check(forward, "time MONOTONIC never goes back (10000 reads)");
    /* The system call itself, bypassing any vDSO. */
    check(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &t) == 0 &&
              (raw = ns(&t)) >= prev && now(CLOCK_MONOTONIC) >= raw,
          "time raw clock_gettime syscall agrees with libc");
}

static void test_realtime(void)
{
    struct timespec t;
    struct timeval tv;
    int64_t real;
    time_t secs;

    check(clock_gettime(CLOCK_REALTIME, &t) == 0 && t.tv_nsec >= 0 &&
              t.tv_nsec < NSEC,
          "time clock_gettime REALTIME");
    real = ns(&t);
    /* 2023-11-14 .. 2100-01-01: a wall clock, not time since boot. */
    check(t.tv_sec > 1700000000 && t.tv_sec < 4102444800LL,
          "time REALTIME is a calendar date");
    check(gettimeofday(&tv, NULL) == 0 && tv.tv_usec >= 0 &&
              tv.tv_usec < 1000000 &&
              (int64_t)tv.tv_sec * NSEC + tv.tv_usec * 1000LL >= real - NSEC &&
              (int64_t)tv.tv_sec * NSEC <= real + 2 * NSEC,
          "time gettimeofday agrees with REALTIME");
    secs = time(NULL);
    check(secs >= t.tv_sec && secs <= t.tv_sec + 2, "time time() agrees");
    check(gettimeofday(NULL, NULL) == 0, "time gettimeofday(NULL, NULL) is 0");
}

static void test_sleep(void)
{
    struct timespec req = {0, 20 * 1000 * 1000}, rem = {7, 7};
    int64_t t0 = now(CLOCK_MONOTONIC), r0 = now(CLOCK_REALTIME);
    int rc = nanosleep(&req, &rem);
    int64_t t1 = now(CLOCK_MONOTONIC), r1 = now(CLOCK_REALTIME);

    check(rc == 0, "time nanosleep 20 ms returns 0");
    check(t1 - t0 >= 20 * 1000 * 1000,
          "time MONOTONIC advances at least the sleep");
    check(r1 > r0, "time REALTIME advances across the sleep");
    req.tv_nsec = NSEC;
    errno = 0;
    check(nanosleep(&req, NULL) == -1 && errno == EINVAL,
          "time nanosleep tv_nsec 1e9 is EINVAL");
    req.tv_sec = -1;
    req.tv_nsec = 0;
    errno = 0;
    check(nanosleep(&req, NULL) == -1 && errno == EINVAL,
          "time nanosleep negative seconds is EINVAL");
    req.tv_sec = 0;
    check(nanosleep(&req, NULL) == 0, "time nanosleep of zero returns 0");
}

static void test_bad_clock(void)
{
    struct timespec t;

    errno = 0;
    check(syscall(SYS_clock_gettime, 12345, &t) == -1 && errno == EINVAL,
          "time clock_gettime unknown clock is EINVAL");
}

int main(void)
{
    test_monotonic();
    test_realtime();
    test_sleep();
    test_bad_clock();
    return failures != 0;
}
