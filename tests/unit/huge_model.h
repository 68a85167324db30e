/*
 * tests/unit/huge_model.h - the random-operation model of superpages
 * (mm/huge.c): two spaces (a fork) over a window of four superpage spans;
 * map, unmap, mprotect, discard, advice, policy changes, reads, writes,
 * fork, close, MADV_COLLAPSE and (the fuzzer) mremap, some with an
 * injected allocation failure (the operation then fails with ENOMEM and
 * changes nothing).  After every step the content and rights of every
 * page agree with a plain array, mspace_check holds, no flush is pending,
 * the translations match phys_pg_count and the superpage counts match the
 * page tables; a failure prints what differs and aborts.  Shared by the unit test (xorshift from a seed) and
 * the fuzzer (fuzz input bytes).
 */
#ifndef HUGE_MODEL_H
#define HUGE_MODEL_H

#include <stdbool.h>
#include <stdint.h>

/* Starts a run drawing its choices from next(ctx): policy always, one
 * fresh space; takes the frame, descriptor and commit counts.  `remap`
 * adds mremap (fixed moves, resizing or not, DONTUNMAP; in-place shrink
 * and growth) to the operations: off in the unit test, whose seeded
 * stream predates them. */
void huge_model_init(uint64_t (*next)(void *ctx), void *ctx, bool remap);

/* Runs one random operation and checks both spaces. */
void huge_model_step(void);

/* Closes the spaces; checks that no frame, descriptor, commit, directory
 * or superpage is left over and resets the policy to never. */
void huge_model_finish(void);

/* Since the process started: injected failures an operation absorbed,
 * steps ending with a superpage mapped, steps losing one, and collapses
 * done, refused with EINVAL and with ENOMEM. */
extern unsigned long huge_model_absorbed, huge_model_huge_seen,
    huge_model_splits, huge_model_collapsed[3];

#endif /* HUGE_MODEL_H */
