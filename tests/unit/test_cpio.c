/*
 * tests/unit/test_cpio.c - unikernel/cpio.c on archives written here
 * (newc headers by snprintf, independently of cpio.c) and on one written
 * by the cpio tool itself (skipped when it is not installed).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "unikernel/cpio.h"

#define ARCHIVE_MAX 4096

struct archive {
    char buf[ARCHIVE_MAX];
    size_t size;
};

/* Appends a member: header, name, padding, data, padding. */
static void add(struct archive *a, const char *name, unsigned mode,
                const char *data, size_t size)
{
    size_t nsize = strlen(name) + 1;
    a->size += (size_t)snprintf(a->buf + a->size, ARCHIVE_MAX - a->size,
                                "070701%08x%08x%08x%08x%08x%08x%08zx%08x%08x"
                                "%08x%08x%08zx%08x",
                                1u, mode, 0u, 0u, 1u, 0u, size, 0u, 0u, 0u, 0u,
                                nsize, 0u);
    memcpy(a->buf + a->size, name, nsize);
    a->size = (a->size + nsize + 3) & ~(size_t)3;
    memcpy(a->buf + a->size, data, size);
    a->size = (a->size + size + 3) & ~(size_t)3;
}

static void trailer(struct archive *a)
{
    add(a, "TRAILER!!!", 0, "", 0);
}

struct seen {
    int count;
    char names[8][64];
    size_t sizes[8];
    unsigned modes[8];
    char first_byte[8];
};

static int record(const char *name, const void *data, size_t size,
                  unsigned mode, void *arg)
{
    struct seen *s = arg;
    if (s->count == 8)
        return -ENOSPC;
    snprintf(s->names[s->count], 64, "%s", name);
    s->sizes[s->count] = size;
    s->modes[s->count] = mode;
    s->first_byte[s->count] = size ? *(const char *)data : 0;
    s->count++;
    return 0;
}

static void test_members_in_order(void **state)
{
    (void)state;
    struct archive a = {0};
    struct seen s = {0};
    add(&a, "apps/x.txt", CPIO_MODE_REG | 0644, "hello", 5);
    add(&a, "dir", CPIO_MODE_DIR | 0755, "", 0);
    add(&a, "b", CPIO_MODE_REG | 0444, "1234", 4); /* no padding needed */
    trailer(&a);
    assert_int_equal(cpio_walk(a.buf, a.size, record, &s), 0);
    assert_int_equal(s.count, 3);
    assert_string_equal(s.names[0], "apps/x.txt");
    assert_int_equal(s.sizes[0], 5);
    assert_int_equal(s.first_byte[0], 'h');
    assert_int_equal(s.modes[1] & CPIO_MODE_TYPE, CPIO_MODE_DIR);
    assert_string_equal(s.names[2], "b");
    assert_int_equal(s.first_byte[2], '1');
}

static void test_trailer_stops_and_padding_ignored(void **state)
{
    (void)state;
    struct archive a = {0};
    struct seen s = {0};
    add(&a, "a", CPIO_MODE_REG, "x", 1);
    trailer(&a);
    add(&a, "after", CPIO_MODE_REG, "y", 1); /* never reported */
    memset(a.buf + a.size, 0, 512);          /* block padding */
    assert_int_equal(cpio_walk(a.buf, a.size + 512, record, &s), 0);
    assert_int_equal(s.count, 1);
}

static void test_empty_archive(void **state)
{
    (void)state;
    struct seen s = {0};
    assert_int_equal(cpio_walk("", 0, record, &s), 0);
    assert_int_equal(s.count, 0);
}

/* Every malformation gives -EINVAL with the good members before it. */
static void test_malformed(void **state)
{
    (void)state;
    struct archive good = {0};
    add(&good, "ok", CPIO_MODE_REG, "data", 4);
    size_t first = good.size;
    add(&good, "second", CPIO_MODE_REG, "abcdefgh", 8);
    trailer(&good);
    struct {
        const char *what;
        size_t at;    /* offset in the second member to corrupt */
        char byte;
        size_t size;  /* archive size to walk (0: all) */
    } cases[] = {
        {"bad magic", 5, '2', 0},
        {"non-hex mode", 6 + 8 + 3, 'g', 0},
        {"non-hex size", 6 + 48 + 7, 'x', 0},
        {"name size zero", 6 + 88 + 7, '0', 0},
        {"name without its NUL", 110 + 6, 'X', 0},
        {"name size past the end", 6 + 88 + 0, 'f', 0},
        {"data size past the end", 6 + 48 + 0, '7', 0},
        {"truncated header", 0, 0, first + 50},
        {"truncated name", 0, 0, first + 112},
        {"truncated data", 0, 0, first + 120},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct archive a = good;
        struct seen s = {0};
        if (cases[i].byte)
            a.buf[first + cases[i].at] = cases[i].byte;
        size_t size = cases[i].size ? cases[i].size : a.size;
        int rc = cpio_walk(a.buf, size, record, &s);
        if (rc != -EINVAL || s.count != 1)
            fail_msg("%s: rc %d, %d members", cases[i].what, rc, s.count);
    }
}

static int stop_at_second(const char *name, const void *data, size_t size,
                          unsigned mode, void *arg)
{
    (void)name, (void)data, (void)size, (void)mode;
    return ++*(int *)arg == 2 ? -ENOSPC : 0;
}

static void test_callback_error_stops(void **state)
{
    (void)state;
    struct archive a = {0};
    int calls = 0;
    for (int i = 0; i < 4; i++)
        add(&a, "f", CPIO_MODE_REG, "z", 1);
    trailer(&a);
    assert_int_equal(cpio_walk(a.buf, a.size, stop_at_second, &calls), -ENOSPC);
    assert_int_equal(calls, 2);
}

/* An archive written by the cpio tool (GNU cpio -o -H newc). */
static void test_real_cpio(void **state)
{
    (void)state;
    if (system("command -v cpio > /dev/null") != 0)
        skip();
    FILE *p = popen("cd tests/unit && printf 'test_cpio.c\\nbuild.mk\\n' | "
                    "cpio -o -H newc --quiet",
                    "r");
    assert_non_null(p);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof(buf), p);
    assert_int_equal(pclose(p), 0);
    struct seen s = {0};
    assert_int_equal(cpio_walk(buf, n, record, &s), 0);
    assert_int_equal(s.count, 2);
    assert_string_equal(s.names[0], "test_cpio.c");
    assert_string_equal(s.names[1], "build.mk");
    assert_int_equal(s.first_byte[0], '/');
    assert_int_equal(s.modes[0] & CPIO_MODE_TYPE, CPIO_MODE_REG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_members_in_order),
        cmocka_unit_test(test_trailer_stops_and_padding_ignored),
        cmocka_unit_test(test_empty_archive),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_callback_error_stops),
        cmocka_unit_test(test_real_cpio),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
