/*
 * apps/include/check.h - what the ABI test apps (apps/abi_*) share: one
 * "ok - name" / "not ok - name" line per check, the count of failures
 * (main returns failures != 0), and the raw system call helper.  For
 * single-file apps: everything here is static.  An app that mixes stdio
 * with raw writes defines CHECK_FLUSH before including it, so that each
 * line is out before the next call.
 */
#ifndef APPS_INCLUDE_CHECK_H
#define APPS_INCLUDE_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

static int failures;

/* Prints the check's line and counts it if it failed. */
static inline void check(int cond, const char *name)
{
    printf("%sok - %s\n", cond ? "" : "not ", name);
#ifdef CHECK_FLUSH
    fflush(stdout);
#endif
    failures += !cond;
}

/* The raw call's result: the value, or -errno. */
static inline long sys(long nr, long a, long b, long c, long d)
{
    long r;

    errno = 0;
    r = syscall(nr, a, b, c, d);
    return r == -1 ? -errno : r;
}

#endif
