/*
 * abi_stdio: printf and stdio through the console (write/writev/ioctl),
 * formatting with and without floating point (SSE in ring 3), SSE state
 * kept across system calls, and the C library's malloc family.  One
 * "ok - name" line per check; exit status 0 only if all passed.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define CHECK_FLUSH /* stdio and raw writes interleave */
#include "apps/include/check.h"

/* snprintf(fmt, ...) must produce exactly `want`. */
#define FORMATS(want, ...)                                                     \
    do {                                                                       \
        char buf_[128];                                                        \
        int n_ = snprintf(buf_, sizeof(buf_), __VA_ARGS__);                    \
        if (n_ != (int)strlen(want) || strcmp(buf_, want) != 0) {              \
            printf("# got \"%s\", want \"%s\"\n", buf_, want);                 \
            ok_ = 0;                                                           \
        }                                                                      \
    } while (0)

static void test_integer_formats(void)
{
    int ok_ = 1;

    FORMATS("42 -7 ff FF 0x1f", "%d %i %x %X %#x", 42, -7, 255, 255, 31);
    FORMATS("-2147483648 4294967295", "%d %u", INT_MIN, UINT_MAX);
    FORMATS("9223372036854775807 -9223372036854775808", "%lld %lld", LLONG_MAX,
            LLONG_MIN);
    FORMATS("18446744073709551615", "%llu", ULLONG_MAX);
    FORMATS("[  abc][abc  ][00042][ +42][%]", "[%5s][%-5s][%05d][%+4d][%%]",
            "abc", "abc", 42, 42);
    FORMATS("c 10 .", "%c %o %s.", 'c', 8, "");
    check(ok_, "stdio integer and string formats");
}

static void test_float_formats(void)
{
    volatile double pi = 3.14159265358979, big = 1.5e10, tiny = 2.5e-5;
    int ok_ = 1;

    FORMATS("3.142 3.14159", "%.3f %g", pi, pi);
    FORMATS("1.500000e+10 2.5e-05", "%e %g", big, tiny);
    FORMATS("-0.5 inf nan", "%g %g %g", -0.5, __builtin_inf(),
            __builtin_nan(""));
    check(ok_, "stdio floating point formats (SSE in user mode)");
}

/* Floating point registers must survive system calls unchanged. */
static void test_sse_across_syscalls(void)
{
    volatile double acc = 0.0;
    double want = 0.0;

    for (int i = 1; i <= 200; i++) {
        acc += 1.0 / i;
        want += 1.0 / i;
        getpid();
        if (i % 50 == 0)
            write(1, "# sse\n", 6);
    }
    check(acc == want && acc > 5.87 && acc < 5.88, "sse state across syscalls");
}

static void test_streams(void)
{
    char line[64];
    int a = 0;
    char word[8] = "";
    double d = 0;
    int n;

    n = printf("# printf returns %d\n", 12345);
    check(n == (int)strlen("# printf returns 12345\n"), "printf return value");
    check(fputs("# fputs\n", stdout) >= 0 && puts("# puts") >= 0 &&
              putchar('#') == '#' && putchar('\n') == '\n',
          "fputs puts putchar");
    check(fwrite("# fwrite\n", 1, 9, stdout) == 9 && fflush(stdout) == 0,
          "fwrite and fflush");
    check(fprintf(stderr, "# stderr\n") == 9, "fprintf to stderr");
    check(setvbuf(stdout, NULL, _IOFBF, 4096) == 0 &&
              printf("# fully buffered\n") > 0 && fflush(stdout) == 0,
          "setvbuf full buffering");
    setvbuf(stdout, NULL, _IOLBF, 0);
    check(sscanf("12 abc 3.5", "%d %7s %lf", &a, word, &d) == 3 && a == 12 &&
              strcmp(word, "abc") == 0 && d == 3.5,
          "sscanf");
    snprintf(line, sizeof(line), "%s-%d", "joined", 7);
    check(strcmp(line, "joined-7") == 0, "snprintf into a buffer");
}

static void test_writev(void)
{
    struct iovec iov[3] = {
        {.iov_base = "# writev ", .iov_len = 9},
        {.iov_base = "", .iov_len = 0},
        {.iov_base = "three parts\n", .iov_len = 12},
    };

    check(writev(1, iov, 3) == 21, "writev returns the byte count");
    check(write(1, "# write\n", 8) == 8, "write returns the byte count");
    check(write(1, "", 0) == 0, "write of zero bytes");
}

static void test_malloc(void)
{
    unsigned char *small = malloc(24), *big = malloc(1 << 20);
    unsigned char *zero = calloc(1000, 8);
    int ok_ = small && big && zero && ((uintptr_t)small % 16) == 0;

    for (size_t i = 0; ok_ && i < 8000; i++)
        ok_ = zero[i] == 0;
    if (ok_) {
        memset(big, 0xa5, 1 << 20);
        memcpy(small, "0123456789", 11);
        small = realloc(small, 100000);
        ok_ = small && strcmp((char *)small, "0123456789") == 0 &&
              big[0] == 0xa5 && big[(1 << 20) - 1] == 0xa5;
    }
    free(small);
    free(big);
    free(zero);
    check(ok_, "malloc calloc realloc free");
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_integer_formats();
    test_float_formats();
    test_sse_across_syscalls();
    test_streams();
    test_writev();
    test_malloc();
    return failures != 0;
}
