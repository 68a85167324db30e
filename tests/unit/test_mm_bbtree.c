/* tests/unit/test_mm_bbtree.c - the gap-augmented AVL tree against a
 * brute-force model: insert, remove, update, search, lower, find_gap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "mm/bbtree.h"

#define SLOTS 512 /* the model: slot i is the range [i*16, i*16+16) */
#define LO 64
#define HI (SLOTS * 16)

static bbnode_t nodes[SLOTS];
static bool used[SLOTS]; /* slot i starts a node covering span[i] slots */
static int span[SLOTS];
static bool covered[SLOTS];

static uint64_t rng = 88172645463325252ull;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static bool model_gap(uintptr_t hint, size_t len, size_t align,
                      uintptr_t *out)
{
    for (uintptr_t a = hint < LO ? LO : hint; a + len <= HI; a++) {
        if (a % align)
            continue;
        bool ok = true;
        for (uintptr_t x = a; x < a + len && ok; x += 1)
            ok = !covered[x / 16];
        if (ok) {
            *out = a;
            return true;
        }
    }
    return false;
}

static void test_random_against_model(void **state)
{
    (void)state;
    bbtree_t tree = BBTREE_INIT;
    for (int step = 0; step < 20000; step++) {
        unsigned i = LO / 16 + rnd(SLOTS - LO / 16);
        if (!used[i] && !covered[i]) {
            int want = 1 + (int)rnd(4), n = 1;
            while (n < want && i + n < SLOTS && !covered[i + n])
                n++;
            for (int k = 0; k < n; k++)
                covered[i + k] = true;
            used[i] = true;
            span[i] = n;
            nodes[i].key = i * 16;
            nodes[i].size = (size_t)n * 16;
            if (rnd(2)) {
                bbtree_insert(&tree, &nodes[i]);
            } else { /* after its predecessor, found the slow way */
                bbnode_t *next = bbtree_lower(&tree, nodes[i].key);
                bbnode_t *prev = next ? bbtree_prev(next) : NULL;
                if (!next)
                    for (prev = bbtree_first(&tree); prev && bbtree_next(prev);)
                        prev = bbtree_next(prev);
                bbtree_insert_after(&tree, prev, &nodes[i]);
            }
        } else if (used[i] && rnd(3) == 0 && span[i] > 1) {
            span[i]--; /* shrink in place */
            covered[i + span[i]] = false;
            nodes[i].size -= 16;
            bbtree_update(&tree, &nodes[i]);
        } else if (used[i]) {
            for (int k = 0; k < span[i]; k++)
                covered[i + k] = false;
            used[i] = false;
            bbtree_remove(&tree, &nodes[i]);
        }
        bbtree_check(&tree);
        uintptr_t addr = rnd(HI + 16);
        bbnode_t *hit = bbtree_search(&tree, addr);
        if (addr < HI && covered[addr / 16]) {
            assert_non_null(hit);
            assert_true(hit->key <= addr && addr < bbnode_end(hit));
        } else {
            assert_null(hit);
        }
        bbnode_t *low = bbtree_lower(&tree, addr);
        bbnode_t *prev = low ? bbtree_prev(low) : NULL;
        assert_true(!low || bbnode_end(low) > addr);
        assert_true(!prev || bbnode_end(prev) <= addr);
        size_t len = 1 + rnd(80);
        size_t align = rnd(2) ? 1 : (size_t)1 << rnd(9); /* up to 256 */
        uintptr_t hint = rnd(HI), got = 0, want = 0;
        bool found = bbtree_find_gap(&tree, LO, HI, hint, len, align, &got);
        assert_int_equal(found, model_gap(hint, len, align, &want));
        if (found)
            assert_int_equal(got, want);
    }
    size_t n = 0;
    for (bbnode_t *x = bbtree_first(&tree); x; x = bbtree_next(x))
        n++;
    assert_int_equal(n, tree.count);
}

static void test_empty_and_edges(void **state)
{
    (void)state;
    bbtree_t tree = BBTREE_INIT;
    uintptr_t a;
    assert_null(bbtree_first(&tree));
    assert_true(bbtree_find_gap(&tree, 0x1000, 0x5000, 0, 0x4000, 1, &a) &&
                a == 0x1000);
    assert_false(bbtree_find_gap(&tree, 0x1000, 0x5000, 0, 0x5000, 1, &a));
    assert_false(bbtree_find_gap(&tree, 0x1000, 0x5000, 0x2000, 0x4000, 1, &a));
    assert_false(bbtree_find_gap(&tree, 0x1000, 0x5000, 0, 0, 1, &a));
    bbnode_t n = {.key = 0x2000, .size = 0x1000};
    bbtree_insert(&tree, &n);
    assert_true(bbtree_find_gap(&tree, 0x1000, 0x5000, 0x1800, 0x800, 1, &a) &&
                a == 0x1800);
    assert_true(bbtree_find_gap(&tree, 0x1000, 0x5000, 0x1900, 0x800, 1, &a) &&
                a == 0x3000);
    assert_false(bbtree_find_gap(&tree, 0x1000, 0x5000, 0, 0x2001, 1, &a));
    assert_true(bbtree_find_gap(&tree, 0x1000, 0x5000, UINTPTR_MAX - 10, 0x10,
                                1, &a) == false);
    /* aligned: the hole below the node holds no 0x2000-aligned fit */
    assert_true(bbtree_find_gap(&tree, 0x1000, 0x5000, 0, 0x800, 0x2000, &a) &&
                a == 0x4000);
    assert_true(bbtree_find_gap(&tree, 0x1000, 0x5000, 0, 0x1000, 0x1000, &a) &&
                a == 0x1000);
    assert_false(bbtree_find_gap(&tree, 0x1000, 0x5000, 0, 0x1800, 0x2000, &a));
    assert_false(bbtree_find_gap(&tree, 0x1000, 0x5000, UINTPTR_MAX - 10, 0x10,
                                 0x1000, &a));
    bbtree_remove(&tree, &n);
    assert_int_equal(bbtree_check(&tree), 0);
}

/* Sequential inserts and removals keep the height logarithmic. */
static void test_balance(void **state)
{
    (void)state;
    enum { N = 100000 };
    bbnode_t *v = calloc(N, sizeof(*v));
    bbtree_t tree = BBTREE_INIT;
    for (int i = 0; i < N; i++) {
        v[i].key = (uintptr_t)i * 0x2000;
        v[i].size = 0x1000;
        bbtree_insert_after(&tree, i ? &v[i - 1] : NULL, &v[i]);
    }
    assert_true(tree.root->height <= 25); /* 1.44 log2(1e5) ~ 24 */
    assert_true(tree.root->max_gap == 0x1000);
    bbtree_check(&tree);
    for (int i = 0; i < N; i += 2)
        bbtree_remove(&tree, &v[i]);
    bbtree_check(&tree);
    assert_true(tree.root->max_gap == 0x3000);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_against_model),
        cmocka_unit_test(test_empty_and_edges),
        cmocka_unit_test(test_balance),
    };
    return cmocka_run_group_tests_name("bbtree", tests, NULL, NULL);
}
