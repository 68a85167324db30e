/* tests/unit/test_mm_model.c - 200,000 random operations on real address
 * spaces checked against the reference model after every step. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "tests/unit/mm_model.h"

static uint64_t xorshift(void *ctx)
{
    uint64_t *s = ctx;
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void run(uint64_t seed, unsigned long steps)
{
    uint64_t state = seed;
    model_init(xorshift, &state);
    for (unsigned long i = 0; i < steps; i++)
        model_step();
    model_finish();
}

static void test_model_200k(void **state)
{
    (void)state;
    const char *env = getenv("MM_MODEL_STEPS");
    unsigned long steps = env ? strtoul(env, NULL, 0) : 200000;
    run(0x9E3779B97F4A7C15ull, steps / 2);
    run(0xD1B54A32D192ED03ull, steps - steps / 2);
    printf("# model: %lu operations, %lu expected errors, %lu injected "
           "failures absorbed\n",
           model_ops, model_errors, model_injected);
    assert_true(model_ops == steps && model_errors > steps / 50 &&
                model_injected > steps / 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_200k),
    };
    return cmocka_run_group_tests_name("mm_model", tests, NULL, NULL);
}
