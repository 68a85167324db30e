/*
 * tests/fuzz/fuzz_mm_huge.c - libFuzzer target for superpages: the input
 * bytes choose the operations of the superpage model
 * (tests/unit/huge_model.c), which checks contents, rights, invariants
 * and the flush log after each one, and leaks at the end of each input.
 */
#include <stddef.h>
#include <stdint.h>

#include "tests/unit/huge_model.h"

typedef struct input {
    const uint8_t *data;
    size_t size, pos;
} input_t;

/* Two input bytes per choice; zeros once the input is used up. */
static uint64_t next(void *ctx)
{
    input_t *in = ctx;
    uint64_t v = 0;
    for (int i = 0; i < 2; i++)
        v = v << 8 | (in->pos < in->size ? in->data[in->pos++] : 0);
    return v * 0x9E3779B97F4A7C15ull >> 16;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    input_t in = {data, size, 0};
    huge_model_init(next, &in, true);
    while (in.pos < in.size)
        huge_model_step();
    huge_model_finish();
    return 0;
}
