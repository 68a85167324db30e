/*
 * tests/unit/test_virtqueue.c - drivers/virtqueue.c against a fake device
 * played by the test: it reads the available ring, walks and checks each
 * chain in the descriptor table, and writes used entries, good or bad.
 * Physical addresses are the host's virtual ones.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/virtqueue.h"

struct fake {
    struct virtq q;
    void *mem;
    uint16_t dev_avail; /* next avail entry the device reads */
    uint16_t dev_used;  /* the device's used index */
};

static struct fake *fake_new(unsigned size)
{
    struct fake *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    size_t bytes = virtq_ring_bytes(size);
    f->mem = aligned_alloc(4096, bytes);
    assert_non_null(f->mem);
    memset(f->mem, 0, bytes);
    assert_int_equal(virtq_init(&f->q, size, f->mem, (uintptr_t)f->mem), 0);
    return f;
}

static void fake_free(struct fake *f)
{
    free(f->mem);
    free(f);
}

/* The device takes the next available chain: its head, its out and in
 * piece counts and writable bytes, checking the links stay in the table
 * and no chain is longer than the queue.  -1 when none is available. */
static int dev_pop(struct fake *f, unsigned *out, unsigned *in,
                   uint32_t *writable, uint64_t *first_pa)
{
    struct virtq *q = &f->q;
    if (f->dev_avail == q->avail->idx)
        return -1;
    uint16_t head = q->avail->ring[f->dev_avail++ & (q->size - 1)];
    assert_true(head < q->size);
    *out = *in = 0;
    *writable = 0;
    uint16_t d = head;
    *first_pa = q->desc[d].addr;
    for (unsigned n = 0;; n++) {
        assert_true(n < q->size);
        const struct virtq_desc *desc = &q->desc[d];
        assert_true(desc->len > 0);
        if (desc->flags & VIRTQ_DESC_F_WRITE) {
            (*in)++;
            *writable += desc->len;
        } else {
            assert_int_equal(*in, 0); /* readable parts come first */
            (*out)++;
        }
        if (!(desc->flags & VIRTQ_DESC_F_NEXT))
            break;
        d = desc->next;
        assert_true(d < q->size);
    }
    return head;
}

static void dev_push(struct fake *f, uint32_t id, uint32_t len)
{
    struct virtq *q = &f->q;
    q->used->ring[f->dev_used & (q->size - 1)].id = id;
    q->used->ring[f->dev_used & (q->size - 1)].len = len;
    f->dev_used++;
    q->used->idx = f->dev_used;
}

static void test_init_rejects_bad_sizes(void **state)
{
    (void)state;
    static struct virtq q;
    static char mem[4096 * 4] __attribute__((aligned(4096)));
    assert_int_equal(virtq_init(&q, 0, mem, 0), -EINVAL);
    assert_int_equal(virtq_init(&q, 3, mem, 0), -EINVAL);
    assert_int_equal(virtq_init(&q, 2048, mem, 0), -EINVAL);
    assert_int_equal(virtq_init(&q, 8, mem, 0x10000), 0);
    assert_int_equal(q.avail_pa - q.desc_pa, 8 * 16);
    assert_int_equal(q.used_pa % 4096, 0);
    assert_true(virtq_ring_bytes(256) >= 256 * 16 + 6 + 512 + 6 + 256 * 8);
}

/* One chain of 2 readable + 1 writable pieces, there and back. */
static void test_chain_round_trip(void **state)
{
    (void)state;
    struct fake *f = fake_new(8);
    struct virtq_buf b[3] = { { 0x1000, 10 }, { 0x2000, 20 }, { 0x3000, 300 } };
    int token;
    assert_int_equal(virtq_add(&f->q, b, 2, 1, &token), 0);
    assert_int_equal(virtq_in_flight(&f->q), 3);
    assert_int_equal(dev_pop(f, &(unsigned){0}, &(unsigned){0}, &(uint32_t){0},
                             &(uint64_t){0}), -1); /* not published yet */
    assert_true(virtq_kick_prepare(&f->q));
    assert_false(virtq_kick_prepare(&f->q)); /* nothing new */
    unsigned out, in;
    uint32_t writable;
    uint64_t pa;
    int head = dev_pop(f, &out, &in, &writable, &pa);
    assert_true(head >= 0);
    assert_int_equal(out, 2);
    assert_int_equal(in, 1);
    assert_int_equal(writable, 300);
    assert_int_equal(pa, 0x1000);
    void *got;
    uint32_t len;
    assert_int_equal(virtq_get(&f->q, &got, &len), 0);
    dev_push(f, (uint32_t)head, 123);
    assert_int_equal(virtq_get(&f->q, &got, &len), 1);
    assert_ptr_equal(got, &token);
    assert_int_equal(len, 123);
    assert_int_equal(virtq_in_flight(&f->q), 0);
    assert_int_equal(f->q.bad, 0);
    fake_free(f);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    struct fake *f = fake_new(4);
    struct virtq_buf b[5] = { { 1, 1 }, { 2, 1 }, { 3, 1 }, { 4, 1 }, { 5, 0 } };
    int t;
    assert_int_equal(virtq_add(&f->q, b, 0, 0, &t), -EINVAL);
    assert_int_equal(virtq_add(&f->q, b, 1, 0, NULL), -EINVAL);
    assert_int_equal(virtq_add(&f->q, b + 3, 2, 0, &t), -EINVAL); /* len 0 */
    assert_int_equal(virtq_add(&f->q, b, 5, 0, &t), -EINVAL);
    assert_int_equal(virtq_add(&f->q, b, 4, 1, &t), -EINVAL);
    assert_int_equal(virtq_in_flight(&f->q), 0);
    fake_free(f);
}

/* Full ring: -ENOSPC until the device gives something back. */
static void test_ring_full(void **state)
{
    (void)state;
    struct fake *f = fake_new(8);
    int tokens[8];
    struct virtq_buf b[3] = { { 0x1000, 64 }, { 0x2000, 64 }, { 0x3000, 64 } };
    for (int i = 0; i < 4; i++)
        assert_int_equal(virtq_add(&f->q, b, 1, 1, &tokens[i]), 0);
    assert_int_equal(virtq_add(&f->q, b, 1, 0, &tokens[4]), -ENOSPC);
    assert_true(virtq_kick_prepare(&f->q));
    unsigned out, in;
    uint32_t w;
    uint64_t pa;
    int head = dev_pop(f, &out, &in, &w, &pa);
    dev_push(f, (uint32_t)head, 0);
    void *got;
    uint32_t len;
    assert_int_equal(virtq_get(&f->q, &got, &len), 1);
    assert_ptr_equal(got, &tokens[0]);
    assert_int_equal(virtq_add(&f->q, b, 3, 0, &tokens[4]), -ENOSPC);
    assert_int_equal(virtq_add(&f->q, b, 2, 0, &tokens[4]), 0);
    fake_free(f);
}

/* Many rounds of random chains completed out of order: 16-bit indexes
 * wrap many times; every token comes back exactly once, with its length. */
static void test_wraparound_many_rounds(void **state)
{
    (void)state;
    enum { SIZE = 16, ROUNDS = 600000 };
    struct fake *f = fake_new(SIZE);
    static int tokens[SIZE];
    int outstanding[SIZE] = { 0 }; /* by token index: 1 when in flight */
    int heads[SIZE], nheads = 0;   /* popped by the device, not used yet */
    uint32_t want_len[SIZE];
    srand(19);
    unsigned completed = 0;
    for (int r = 0; r < ROUNDS; r++) {
        int action = rand() % 3;
        if (action == 0) {
            int t = rand() % SIZE;
            if (outstanding[t])
                continue;
            unsigned out = (unsigned)(rand() % 3), in = (unsigned)(rand() % 3);
            if (!out && !in)
                in = 1;
            struct virtq_buf b[4];
            for (unsigned i = 0; i < out + in; i++)
                b[i] = (struct virtq_buf){ 0x100000u * (unsigned)t + i, 100 };
            int err = virtq_add(&f->q, b, out, in, &tokens[t]);
            if (err == -ENOSPC) {
                assert_true(f->q.num_free < out + in);
                continue;
            }
            assert_int_equal(err, 0);
            outstanding[t] = 1;
            virtq_kick_prepare(&f->q);
        } else if (action == 1) {
            unsigned out, in;
            uint32_t w;
            uint64_t pa;
            int head = dev_pop(f, &out, &in, &w, &pa);
            if (head < 0)
                continue;
            int t = (int)(pa / 0x100000u);
            assert_ptr_equal(f->q.token[head], &tokens[t]);
            want_len[t] = w ? (uint32_t)rand() % (w + 1) : 0;
            heads[nheads++] = head;
        } else if (nheads) {
            int i = rand() % nheads; /* out of order */
            int head = heads[i];
            heads[i] = heads[--nheads];
            int t = (int)((int *)f->q.token[head] - tokens);
            dev_push(f, (uint32_t)head, want_len[t]);
            void *got;
            uint32_t len;
            assert_int_equal(virtq_get(&f->q, &got, &len), 1);
            assert_ptr_equal(got, &tokens[t]);
            assert_int_equal(len, want_len[t]);
            assert_int_equal(outstanding[t], 1);
            outstanding[t] = 0;
            completed++;
        }
    }
    assert_true(completed > 65536); /* the 16-bit indexes wrapped */
    assert_int_equal(f->q.bad, 0);
    fake_free(f);
}

/* A device returning a wrong id, an id twice, too long a length, or a used
 * index far ahead is refused and counted, and the queue keeps working. */
static void test_bad_device_refused(void **state)
{
    (void)state;
    struct fake *f = fake_new(8);
    int t1, t2;
    struct virtq_buf b[2] = { { 0x1000, 16 }, { 0x2000, 100 } };
    assert_int_equal(virtq_add(&f->q, b, 1, 1, &t1), 0);
    assert_int_equal(virtq_add(&f->q, b, 1, 1, &t2), 0);
    virtq_kick_prepare(&f->q);
    unsigned out, in;
    uint32_t w;
    uint64_t pa;
    int h1 = dev_pop(f, &out, &in, &w, &pa);
    int h2 = dev_pop(f, &out, &in, &w, &pa);
    void *got;
    uint32_t len;

    dev_push(f, 99, 0); /* out of the table */
    assert_int_equal(virtq_get(&f->q, &got, &len), -EIO);
    assert_null(got);
    dev_push(f, (uint32_t)h1 + 1, 0); /* inside h1's chain, not a head */
    assert_int_equal(virtq_get(&f->q, &got, &len), -EIO);
    assert_null(got);
    assert_int_equal(virtq_in_flight(&f->q), 4);

    dev_push(f, (uint32_t)h1, 101); /* more than it may write */
    assert_int_equal(virtq_get(&f->q, &got, &len), -EIO);
    assert_ptr_equal(got, &t1); /* freed: the caller reuses its memory */
    assert_int_equal(len, 0);
    dev_push(f, (uint32_t)h1, 1); /* the same id again */
    assert_int_equal(virtq_get(&f->q, &got, &len), -EIO);
    assert_null(got);

    dev_push(f, (uint32_t)h2, 100);
    assert_int_equal(virtq_get(&f->q, &got, &len), 1);
    assert_ptr_equal(got, &t2);
    assert_int_equal(virtq_in_flight(&f->q), 0);
    assert_int_equal(f->q.bad, 4);

    f->q.used->idx = (uint16_t)(f->q.last_used + 9); /* more than size */
    assert_int_equal(virtq_get(&f->q, &got, &len), -EIO);
    assert_int_equal(f->q.bad, 5);
    f->q.used->idx = f->q.last_used;
    assert_int_equal(virtq_get(&f->q, &got, &len), 0);
    /* still usable */
    assert_int_equal(virtq_add(&f->q, b, 2, 0, &t1), 0);
    fake_free(f);
}

static void test_notify_suppression(void **state)
{
    (void)state;
    struct fake *f = fake_new(4);
    int t;
    struct virtq_buf b = { 0x1000, 8 };
    f->q.used->flags = VIRTQ_USED_F_NO_NOTIFY;
    assert_int_equal(virtq_add(&f->q, &b, 1, 0, &t), 0);
    assert_false(virtq_kick_prepare(&f->q));
    assert_int_equal(f->q.avail->idx, 1); /* published all the same */
    virtq_disable_interrupts(&f->q);
    assert_true(f->q.avail->flags & VIRTQ_AVAIL_F_NO_INTERRUPT);
    fake_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_rejects_bad_sizes),
        cmocka_unit_test(test_chain_round_trip),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_ring_full),
        cmocka_unit_test(test_wraparound_many_rounds),
        cmocka_unit_test(test_bad_device_refused),
        cmocka_unit_test(test_notify_suppression),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
