/* test_format.c - the kernel's formatter core (lib/format.c) on the
 * host: each case is checked against the expected text and, where C
 * defines the result, against the C library's snprintf. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/format.h"

static int fmt(char *buf, size_t size, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = format_buf(buf, size, f, ap);
    va_end(ap);
    return n;
}

/* Formats with ours and with libc; both must give `expect`. */
#define CHECK(expect, ...)                                                  \
    do {                                                                    \
        char ours[128], libc[128];                                          \
        int n = fmt(ours, sizeof(ours), __VA_ARGS__);                       \
        int m = snprintf(libc, sizeof(libc), __VA_ARGS__);                  \
        assert_string_equal(ours, expect);                                  \
        assert_string_equal(libc, expect);                                  \
        assert_int_equal(n, m);                                             \
    } while (0)

static void test_integers(void **state)
{
    (void)state;
    CHECK("0", "%d", 0);
    CHECK("-42 42", "%d %i", -42, 42);
    CHECK("-2147483648", "%d", INT32_MIN);
    CHECK("4294967295", "%u", UINT32_MAX);
    CHECK("-9223372036854775808", "%ld", (long)INT64_MIN);
    CHECK("18446744073709551615", "%lu", (unsigned long)UINT64_MAX);
    CHECK("-1 ffffffffffffffff", "%lld %llx", -1LL, (unsigned long long)-1);
    CHECK("123456789012", "%zu", (size_t)123456789012ULL);
    CHECK("dead BEEF", "%x %X", 0xdeadu, 0xbeefu);
    CHECK("-1 255", "%hhd %hhu", 255, 255);
    CHECK("-1 65535", "%hd %hu", 65535, 65535);
}

static void test_width_and_flags(void **state)
{
    (void)state;
    CHECK("   42", "%5d", 42);
    CHECK("00042", "%05d", 42);
    CHECK("-0042", "%05d", -42);
    CHECK("  -42", "%5d", -42);
    CHECK("42   |", "%-5d|", 42);
    CHECK("00000000deadbeef", "%016lx", 0xdeadbeefUL);
    CHECK("  ab", "%*x", 4, 0xab);
    CHECK("ab  |", "%*x|", -4, 0xab);
    CHECK("00042", "%.5d", 42);
    CHECK("", "%.0d", 0);
    CHECK("1234567", "%3d", 1234567);
    char buf[16];
    fmt(buf, sizeof(buf), "%-05d|", 42); /* '-' wins over '0', as in C */
    assert_string_equal(buf, "42   |");
}

static void test_strings_and_chars(void **state)
{
    (void)state;
    CHECK("hello", "%s", "hello");
    CHECK("  abc|abc  |", "%5s|%-5s|", "abc", "abc");
    CHECK("ab", "%.2s", "abcdef");
    CHECK("abc", "%.*s", 3, "abcdef");
    CHECK("x", "%c", 'x');
    CHECK("  x|x  |", "%3c|%-3c|", 'x', 'x');
    CHECK("100%", "%d%%", 100);
    CHECK("", "%s", "");
}

static void test_pointers(void **state)
{
    (void)state;
    char buf[64];
    fmt(buf, sizeof(buf), "%p", (void *)0xffffffff80001000UL);
    assert_string_equal(buf, "0xffffffff80001000");
    fmt(buf, sizeof(buf), "%p", NULL);
    assert_string_equal(buf, "0x0"); /* glibc says "(nil)": ours is plain */
    fmt(buf, sizeof(buf), "%s", (char *)NULL);
    assert_string_equal(buf, "(null)");
}

static void test_truncation(void **state)
{
    (void)state;
    char buf[8];
    memset(buf, 'Z', sizeof(buf));
    assert_int_equal(fmt(buf, 5, "%s", "abcdefgh"), 8);
    assert_string_equal(buf, "abcd");
    assert_int_equal(buf[5], 'Z'); /* nothing written past size */
    assert_int_equal(fmt(buf, 0, "%d", 12345), 5);
    assert_int_equal(buf[0], 'a'); /* size 0: buffer untouched */
    assert_int_equal(fmt(buf, 1, "%d", 7), 1);
    assert_string_equal(buf, "");
}

static void collect(void *ctx, const char *s, size_t n)
{
    size_t *total = ctx;
    *total += n;
    assert_non_null(s);
}

static int count_via_callback(const char *f, ...)
{
    size_t total = 0;
    va_list ap;
    va_start(ap, f);
    int n = format_v(collect, &total, f, ap);
    va_end(ap);
    assert_int_equal((size_t)n, total);
    return n;
}

static void test_callback(void **state)
{
    (void)state;
    assert_int_equal(count_via_callback("a%db%sc", 123, "xyz"), 9);
    assert_int_equal(count_via_callback("%40d", 1), 40); /* padding chunks */
    assert_int_equal(count_via_callback("%q"), 2);       /* unknown: as is */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_width_and_flags),
        cmocka_unit_test(test_strings_and_chars),
        cmocka_unit_test(test_pointers),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_callback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
