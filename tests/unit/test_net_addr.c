/* test_net_addr.c - the IPv4 address text of net/addr.c on the host:
 * dotted quads, ADDR/PREFIX, masks and prefixes, and what is refused. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "net/addr.h"

static void test_quad(void **state)
{
    (void)state;
    uint32_t a = 1;
    assert_int_equal(net_parse_ipv4("10.0.2.15", &a), 0);
    assert_int_equal(a, 0x0a00020f);
    assert_int_equal(net_parse_ipv4("255.255.255.255", &a), 0);
    assert_int_equal(a, 0xffffffff);
    assert_int_equal(net_parse_ipv4("0.0.0.0", &a), 0);
    assert_int_equal(a, 0);
    const char *bad[] = { "", "10", "10.0.2", "10.0.2.15.", "10.0.2.256",
                          "10.0.2.-1", "10..2.15", "010.0.2.15", "1000.0.0.1",
                          " 10.0.2.15", "10.0.2.15 ", "10.0.2.15/24",
                          "0x0a.0.2.15", "a.b.c.d" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        a = 7;
        assert_int_equal(net_parse_ipv4(bad[i], &a), -EINVAL);
        assert_int_equal(a, 7); /* untouched on error */
    }
}

static void test_cidr(void **state)
{
    (void)state;
    uint32_t a = 0;
    int p = -1;
    assert_int_equal(net_parse_cidr("192.168.1.20/24", &a, &p), 0);
    assert_int_equal(a, 0xc0a80114);
    assert_int_equal(p, 24);
    assert_int_equal(net_parse_cidr("10.0.0.1/0", &a, &p), 0);
    assert_int_equal(p, 0);
    assert_int_equal(net_parse_cidr("10.0.0.1/32", &a, &p), 0);
    assert_int_equal(p, 32);
    const char *bad[] = { "10.0.0.1", "10.0.0.1/", "10.0.0.1/33",
                          "10.0.0.1/100", "10.0.0.1/2x", "10.0.0/8",
                          "/24", "10.0.0.1//24" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(net_parse_cidr(bad[i], &a, &p), -EINVAL);
}

static void test_masks(void **state)
{
    (void)state;
    assert_int_equal(net_prefix_mask(0), 0);
    assert_int_equal(net_prefix_mask(8), 0xff000000);
    assert_int_equal(net_prefix_mask(24), 0xffffff00);
    assert_int_equal(net_prefix_mask(32), 0xffffffff);
    for (int p = 0; p <= 32; p++)
        assert_int_equal(net_mask_prefix(net_prefix_mask(p)), p);
    assert_int_equal(net_mask_prefix(0xff00ff00), -1);
    assert_int_equal(net_mask_prefix(0x000000ff), -1);
}

static void test_format(void **state)
{
    (void)state;
    char buf[16];
    net_format_ipv4(buf, sizeof(buf), 0x0a00020f);
    assert_string_equal(buf, "10.0.2.15");
    net_format_ipv4(buf, sizeof(buf), 0xffffffff);
    assert_string_equal(buf, "255.255.255.255");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quad),
        cmocka_unit_test(test_cidr),
        cmocka_unit_test(test_masks),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
