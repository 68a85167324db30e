/*
 * test_pcid.c - the PCID bookkeeping of arch/x86_64/pcid.c on the host
 * (HOST: no CPUID, no CR4): a directory's load keeps its PCID's entries
 * (the no-flush bit) only when nothing could have made them wrong: the
 * PCID held another directory's, the directory changed while not loaded,
 * was destroyed and its frame reused, or a kernel-half flush happened.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "arch/x86_64/pcid.h"

#define NOFLUSH (1ull << 63)
#define A 0x1000ull
#define B 0x2000ull
#define A_TWIN (A + 255ull * 4096) /* hashes to A's PCID (256 tags) */

static int kept(uint64_t cr3)
{
    return (cr3 & NOFLUSH) != 0;
}

static void test_off(void **state)
{
    (void)state;
    pcid_init(false);
    assert_int_equal(pcid_cr3(A), A); /* plain CR3: every load flushes */
    assert_int_equal(pcid_cr3(A), A);
}

static void test_rules(void **state)
{
    (void)state;
    pcid_init(true);
    uint64_t a = pcid_cr3(A);
    assert_false(kept(a));                 /* first load: flush */
    assert_int_equal(a & ~0xfffull, A);
    assert_int_not_equal(a & 0xfff, 0);    /* PCID 0 is the kernel's */
    assert_true(kept(pcid_cr3(A)));        /* again: kept */
    uint64_t b = pcid_cr3(B);
    assert_false(kept(b));
    assert_int_not_equal(b & 0xfff, a & 0xfff);
    assert_true(kept(pcid_cr3(A)));        /* B did not touch A's PCID */
    assert_true(kept(pcid_cr3(B)));

    pcid_stale(A); /* A changed while B was loaded */
    assert_false(kept(pcid_cr3(A)));
    assert_true(kept(pcid_cr3(A)));

    uint64_t t = pcid_cr3(A_TWIN);         /* same PCID, other owner */
    assert_int_equal(t & 0xfff, a & 0xfff);
    assert_false(kept(t));
    pcid_stale(A);                         /* not the owner: nothing */
    assert_false(kept(pcid_cr3(A)));       /* the twin held it: flush */
    assert_true(kept(pcid_cr3(A)));

    pcid_forget(A); /* destroyed; a new directory in the same frame */
    assert_false(kept(pcid_cr3(A)));

    pcid_kernel_changed(); /* every PCID flushes once */
    assert_false(kept(pcid_cr3(A)));
    assert_false(kept(pcid_cr3(B)));
    assert_true(kept(pcid_cr3(A)));
    assert_true(kept(pcid_cr3(B)));

    uint64_t k, f;
    pcid_counts(&k, &f);
    assert_true(k > 0 && f > 0);
    pcid_init(false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_off),
        cmocka_unit_test(test_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
