/* test_cmdline.c - the kernel command line parser (unikernel/cmdline.c) on
 * the host: parameters (mem= sizes, seed=, noaslr), the application's argv
 * after "--",
 * separators, bad values and every size limit. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "unikernel/include/cmdline.h"

static struct cmdline cl;

static void test_empty(void **state)
{
    (void)state;
    assert_int_equal(cmdline_parse(&cl, ""), 0);
    assert_false(cl.quiet);
    assert_int_equal(cl.loglevel, -1);
    assert_null(cl.test);
    assert_int_equal(cl.argc, 0);
    assert_null(cl.argv[0]);
    assert_int_equal(cl.nunknown, 0);
    assert_int_equal(cmdline_parse(&cl, " \t  \t"), 0);
    assert_int_equal(cl.argc, 0);
}

static void test_params(void **state)
{
    (void)state;
    assert_int_equal(cmdline_parse(&cl, "quiet loglevel=7 test=frames"), 0);
    assert_true(cl.quiet);
    assert_int_equal(cl.loglevel, 7);
    assert_string_equal(cl.test, "frames");
    assert_int_equal(cl.argc, 0);
    /* the last one given wins; an empty test name is kept as given */
    assert_int_equal(cmdline_parse(&cl, "loglevel=3 loglevel=12 test="), 0);
    assert_int_equal(cl.loglevel, 12);
    assert_string_equal(cl.test, "");
    assert_false(cl.quiet);
}

/* The network words are kept as given (net/config.c checks them). */
static void test_net(void **state)
{
    (void)state;
    assert_int_equal(cmdline_parse(&cl, "ip=10.0.0.5/24 gw=10.0.0.1 dns=10.0.0.53"), 0);
    assert_string_equal(cl.ip, "10.0.0.5/24");
    assert_string_equal(cl.gw, "10.0.0.1");
    assert_string_equal(cl.dns, "10.0.0.53");
    assert_null(cl.ip2);
    assert_int_equal(cl.nunknown, 0);
    assert_int_equal(cmdline_parse(&cl, "ip=10.0.2.15/24 ip2=10.0.3.1/24"), 0);
    assert_string_equal(cl.ip2, "10.0.3.1/24");
    assert_int_equal(cl.nunknown, 0);
    assert_int_equal(cmdline_parse(&cl, "ip=dhcp"), 0);
    assert_string_equal(cl.ip, "dhcp");
    assert_null(cl.gw);
    assert_null(cl.dns);
}

static void test_bad_loglevel(void **state)
{
    (void)state;
    const char *bad[] = { "loglevel=", "loglevel=x", "loglevel=-1",
                          "loglevel=100", "loglevel=7a", "loglevel= 7" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(cmdline_parse(&cl, bad[i]), -EINVAL);
        assert_int_equal(cl.loglevel, -1);
    }
    /* what came before the bad value stays parsed */
    assert_int_equal(cmdline_parse(&cl, "quiet loglevel=z -- a"), -EINVAL);
    assert_true(cl.quiet);
    assert_int_equal(cl.argc, 0);
    assert_int_equal(cmdline_parse(&cl, "loglevel=99 loglevel=0"), 0);
    assert_int_equal(cl.loglevel, 0);
}

static void test_mem(void **state)
{
    (void)state;
    assert_int_equal(cmdline_parse(&cl, ""), 0);
    assert_int_equal(cl.mem, 0);
    assert_int_equal(cmdline_parse(&cl, "mem=4096"), 0);
    assert_int_equal(cl.mem, 4096);
    assert_int_equal(cmdline_parse(&cl, "mem=200K"), 0);
    assert_int_equal(cl.mem, 200 << 10);
    assert_int_equal(cmdline_parse(&cl, "mem=3m"), 0);
    assert_int_equal(cl.mem, 3 << 20);
    assert_int_equal(cmdline_parse(&cl, "mem=1024G"), 0);
    assert_int_equal(cl.mem, (uint64_t)1 << 40);
    const char *bad[] = { "mem=", "mem=0", "mem=K", "mem=12X", "mem=1KK",
                          "mem=1025G", "mem=99999999999999999999",
                          "mem=-1M" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(cmdline_parse(&cl, bad[i]), -EINVAL);
        assert_int_equal(cl.mem, 0);
    }
}

static void test_tmpfs(void **state)
{
    (void)state;
    assert_int_equal(cmdline_parse(&cl, "quiet"), 0);
    assert_int_equal(cl.tmpfs, 0);
    assert_int_equal(cmdline_parse(&cl, "tmpfs=1M mem=2M"), 0);
    assert_int_equal(cl.tmpfs, 1 << 20);
    assert_int_equal(cl.mem, 2 << 20);
    assert_int_equal(cmdline_parse(&cl, "tmpfs=0"), -EINVAL);
    assert_int_equal(cl.nunknown, 0);
}

static void test_tickless(void **state)
{
    (void)state;
    assert_int_equal(cmdline_parse(&cl, "quiet"), 0);
    assert_false(cl.tick_periodic); /* tickless unless told */
    assert_int_equal(cmdline_parse(&cl, "tickless=off"), 0);
    assert_true(cl.tick_periodic);
    assert_int_equal(cmdline_parse(&cl, "tickless=off tickless=on"), 0);
    assert_false(cl.tick_periodic);
    assert_int_equal(cl.nunknown, 0);
    assert_int_equal(cmdline_parse(&cl, "tickless=no"), -EINVAL);
    assert_int_equal(cmdline_parse(&cl, "tickless="), -EINVAL);
    assert_int_equal(cmdline_parse(&cl, "quiet"), 0);
    assert_false(cl.pcid); /* off unless told */
    assert_int_equal(cmdline_parse(&cl, "pcid=on"), 0);
    assert_true(cl.pcid);
    assert_int_equal(cmdline_parse(&cl, "pcid=on pcid=off"), 0);
    assert_false(cl.pcid);
    assert_int_equal(cmdline_parse(&cl, "pcid=1"), -EINVAL);
}

/* hugepages= and shmem_hugepages=: the policy's index, -1 unless given,
 * anything else refused. */
static void test_hugepages(void **state)
{
    (void)state;
    assert_int_equal(cmdline_parse(&cl, "quiet"), 0);
    assert_int_equal(cl.hugepages, -1);
    assert_int_equal(cl.shmem_hugepages, -1);
    assert_int_equal(cmdline_parse(&cl, "hugepages=madvise"), 0);
    assert_int_equal(cl.hugepages, 1);
    static const char *const shmem[] = {"never", "within_size", "advise",
                                        "always"};
    for (int i = 0; i < 4; i++) {
        char word[48];
        snprintf(word, sizeof(word), "shmem_hugepages=%s", shmem[i]);
        assert_int_equal(cmdline_parse(&cl, word), 0);
        assert_int_equal(cl.shmem_hugepages, i);
        assert_int_equal(cl.hugepages, -1);
    }
    assert_int_equal(cl.nunknown, 0);
    assert_int_equal(cmdline_parse(&cl, "shmem_hugepages=madvise"), -EINVAL);
    assert_int_equal(cmdline_parse(&cl, "shmem_hugepages="), -EINVAL);
    assert_int_equal(cmdline_parse(&cl, "hugepages=within_size"), -EINVAL);
}

static void test_aslr(void **state)
{
    (void)state;
    assert_int_equal(cmdline_parse(&cl, "quiet"), 0);
    assert_false(cl.noaslr);
    assert_false(cl.has_seed);
    assert_int_equal(cmdline_parse(&cl, "noaslr seed=0"), 0);
    assert_true(cl.noaslr);
    assert_true(cl.has_seed);
    assert_int_equal(cl.seed, 0);
    assert_int_equal(cmdline_parse(&cl, "seed=42 seed=18446744073709551615"),
                     0);
    assert_true(cl.has_seed);
    assert_true(cl.seed == UINT64_MAX); /* the last one wins */
    assert_int_equal(cl.nunknown, 0);  /* neither reaches the environment */
    const char *bad[] = { "seed=", "seed=x", "seed=-1", "seed=1k", "seed= 1",
                          "seed=18446744073709551616",
                          "seed=99999999999999999999" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(cmdline_parse(&cl, bad[i]), -EINVAL);
        assert_false(cl.has_seed);
    }
    /* after "--" they are the application's words */
    assert_int_equal(cmdline_parse(&cl, "-- noaslr seed=1"), 0);
    assert_false(cl.noaslr);
    assert_false(cl.has_seed);
    assert_int_equal(cl.argc, 2);
}

static void test_argv(void **state)
{
    (void)state;
    assert_int_equal(cmdline_parse(&cl, "quiet -- hello  world\t-x --"), 0);
    assert_true(cl.quiet);
    assert_int_equal(cl.argc, 4);
    assert_string_equal(cl.argv[0], "hello");
    assert_string_equal(cl.argv[1], "world");
    assert_string_equal(cl.argv[2], "-x");
    assert_string_equal(cl.argv[3], "--"); /* only the first "--" splits */
    assert_null(cl.argv[4]);
    /* after "--" kernel parameters are the application's words */
    assert_int_equal(cmdline_parse(&cl, "-- quiet loglevel=x test=y"), 0);
    assert_false(cl.quiet);
    assert_int_equal(cl.loglevel, -1);
    assert_null(cl.test);
    assert_int_equal(cl.argc, 3);
    assert_string_equal(cl.argv[1], "loglevel=x");
    /* double quotes group blanks into one word and are removed, as on
     * Linux's command line: "" is an empty argument */
    assert_int_equal(cmdline_parse(&cl, "-- \"a b\" --save \"\" x=\"1 2\""), 0);
    assert_int_equal(cl.argc, 4);
    assert_string_equal(cl.argv[0], "a b");
    assert_string_equal(cl.argv[1], "--save");
    assert_string_equal(cl.argv[2], "");
    assert_string_equal(cl.argv[3], "x=1 2");
    /* an unclosed quote runs to the end of the line */
    assert_int_equal(cmdline_parse(&cl, "-- \"a  b"), 0);
    assert_int_equal(cl.argc, 1);
    assert_string_equal(cl.argv[0], "a  b");
    /* quoted parameters before "--" too */
    assert_int_equal(cmdline_parse(&cl, "\"quiet\" \"GREETING=hi there\" --"), 0);
    assert_true(cl.quiet);
    assert_int_equal(cl.nunknown, 1);
    assert_string_equal(cl.unknown[0], "GREETING=hi there");
    assert_int_equal(cl.argc, 0);
    assert_int_equal(cmdline_parse(&cl, "--"), 0);
    assert_int_equal(cl.argc, 0);
    assert_null(cl.argv[0]);
}

/* What GRUB 2.06 hands over for the grub.cfg that images/grubcfg.sh writes
 * for CMDLINE='-- --save "" "a  b" x\y': the words '--' '--save' '""'
 * '"a  b"' 'x\y', each escaped and, with blanks, quoted. */
static void test_from_grub(void **state)
{
    (void)state;
    char out[CMDLINE_MAX];
    assert_int_equal(cmdline_from_grub(out, sizeof(out),
                                       "-- --save \\\"\\\" \"\\\"a  b\\\"\" x\\\\y"),
                     0);
    assert_string_equal(out, "-- --save \"\" \"a  b\" x\\y");
    assert_int_equal(cmdline_parse(&cl, out), 0);
    assert_int_equal(cl.argc, 4);
    assert_string_equal(cl.argv[0], "--save");
    assert_string_equal(cl.argv[1], "");
    assert_string_equal(cl.argv[2], "a  b");
    assert_string_equal(cl.argv[3], "x\\y");
    /* quoted by hand in grub.cfg: GRUB's quotes are all that is left */
    assert_int_equal(cmdline_from_grub(out, sizeof(out), "quiet -- \"a b\""),
                     0);
    assert_string_equal(out, "quiet -- \"a b\"");
    assert_int_equal(cmdline_parse(&cl, out), 0);
    assert_int_equal(cl.argc, 1);
    assert_string_equal(cl.argv[0], "a b");
    /* plain words pass as they are; too small an output is -E2BIG */
    assert_int_equal(cmdline_from_grub(out, sizeof(out), "  a   b "), 0);
    assert_string_equal(out, "a b");
    assert_int_equal(cmdline_from_grub(out, 3, "abc"), -E2BIG);
    assert_string_equal(out, "ab");
    assert_int_equal(cmdline_from_grub(out, sizeof(out), ""), 0);
    assert_string_equal(out, "");
}

static void test_copies(void **state)
{
    (void)state;
    char text[] = "test=t -- arg";
    assert_int_equal(cmdline_parse(&cl, text), 0);
    memset(text, 'z', sizeof(text) - 1);
    assert_string_equal(cl.test, "t");
    assert_string_equal(cl.argv[0], "arg");
    assert_true(cl.argv[0] >= cl.buf && cl.argv[0] < cl.buf + sizeof(cl.buf));
}

static void test_unknown(void **state)
{
    (void)state;
    assert_int_equal(cmdline_parse(&cl, "console=ttyS0 quiet BOOT_IMAGE=/k"),
                     0);
    assert_true(cl.quiet);
    assert_int_equal(cl.nunknown, 2);
    assert_string_equal(cl.unknown[0], "console=ttyS0");
    assert_string_equal(cl.unknown[1], "BOOT_IMAGE=/k");
    /* more unknown words than slots: the extra ones are not recorded */
    char text[CMDLINE_MAX_ARGS * 3 + 16] = "";
    for (int i = 0; i < CMDLINE_MAX_ARGS + 5; i++)
        strcat(text, "u ");
    strcat(text, "quiet");
    assert_int_equal(cmdline_parse(&cl, text), 0);
    assert_int_equal(cl.nunknown, CMDLINE_MAX_ARGS);
    assert_true(cl.quiet);
}

static void test_is_env(void **state)
{
    (void)state;
    assert_true(cmdline_is_env("GREETING=hi"));
    assert_true(cmdline_is_env("EMPTY="));
    assert_false(cmdline_is_env("foo"));
    assert_false(cmdline_is_env("=value"));
    assert_false(cmdline_is_env(""));
}

static void test_too_long(void **state)
{
    (void)state;
    char text[CMDLINE_MAX + 1];
    memset(text, 'a', CMDLINE_MAX);
    text[CMDLINE_MAX] = '\0';
    assert_int_equal(cmdline_parse(&cl, text), -E2BIG);
    assert_int_equal(cl.argc, 0);
    text[CMDLINE_MAX - 1] = '\0'; /* the longest accepted: one byte less */
    memcpy(text, "-- ", 3);
    assert_int_equal(cmdline_parse(&cl, text), 0);
    assert_int_equal(cl.argc, 1);
    assert_int_equal(strlen(cl.argv[0]), CMDLINE_MAX - 4);
}

static void test_too_many_args(void **state)
{
    (void)state;
    char text[8 + CMDLINE_MAX_ARGS * 2 + 2] = "--";
    for (int i = 0; i < CMDLINE_MAX_ARGS; i++)
        strcat(text, " a");
    assert_int_equal(cmdline_parse(&cl, text), 0);
    assert_int_equal(cl.argc, CMDLINE_MAX_ARGS);
    assert_null(cl.argv[CMDLINE_MAX_ARGS]);
    strcat(text, " b");
    assert_int_equal(cmdline_parse(&cl, text), -E2BIG);
    assert_int_equal(cl.argc, CMDLINE_MAX_ARGS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),         cmocka_unit_test(test_params),
        cmocka_unit_test(test_net),
        cmocka_unit_test(test_bad_loglevel),  cmocka_unit_test(test_mem),
        cmocka_unit_test(test_tmpfs),
        cmocka_unit_test(test_aslr),          cmocka_unit_test(test_argv), cmocka_unit_test(test_from_grub),
        cmocka_unit_test(test_copies),        cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_is_env),        cmocka_unit_test(test_too_long),
        cmocka_unit_test(test_too_many_args), cmocka_unit_test(test_tickless),
        cmocka_unit_test(test_hugepages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
