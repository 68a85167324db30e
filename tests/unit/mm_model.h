/*
 * tests/unit/mm_model.h - the reference model of the mm core: random
 * map/protect/unmap/touch/clone/close/sweep operations run on real
 * mspaces (over the fake MMU) and on a trivially correct array of page
 * states; after every step the VMA tree, the accounting, the page tables
 * and the page contents must agree with the model (assert otherwise).
 * Some operations run with an allocation failure injected: they must
 * then either succeed or fail with ENOMEM and change nothing.
 * Shared by the unit test (xorshift) and the fuzzer (fuzz input bytes).
 */
#ifndef MM_MODEL_H
#define MM_MODEL_H

#include <stdbool.h>
#include <stdint.h>

/* Starts a run drawing its choices from next(ctx). */
void model_init(uint64_t (*next)(void *ctx), void *ctx);

/* Runs one random operation and checks everything. */
void model_step(void);

/* Closes every space; checks that no frame, descriptor or commit leaked. */
void model_finish(void);

/* Operations run, expected errors seen, and injected allocation failures
 * that an operation absorbed (changing nothing) so far. */
extern unsigned long model_ops, model_errors, model_injected;

#endif /* MM_MODEL_H */
