/* Rounds of a timed operation and the one BENCH line that reports them. */
#ifndef STATS_H
#define STATS_H

#include <stdint.h>

#define STATS_MAX_ROUNDS 64

/* One measurement: per-operation cost of each round, in ns and TSC cycles,
 * plus a checksum of the work that is the same on every correct kernel. */
struct stats {
    const char *name;
    int rounds;
    int ops;          /* operations per round */
    double ns[STATS_MAX_ROUNDS];
    double cycles[STATS_MAX_ROUNDS];
    uint64_t sum;     /* deterministic checksum of the verified work */
    int failed;       /* a verification failed: the figures mean nothing */
};

/* Starts a measurement of rounds (<= STATS_MAX_ROUNDS) rounds of ops ops. */
void stats_init(struct stats *s, const char *name, int rounds, int ops);

/* Records round r, which took ns nanoseconds and cycles TSC ticks. */
void stats_round(struct stats *s, int r, uint64_t ns, uint64_t cycles);

/* Prints `BENCH name=... unit=ns median= p25= p75= min= max= cycles=
 * cycles_min= n= ops= sum= check=ok|FAIL`, per operation, over the rounds
 * (cycles: the median and the minimum in TSC ticks). */
void stats_print(struct stats *s);

/* Prints `BENCH name=... status=n/a reason=...` for a measurement the kernel
 * cannot run (a missing syscall, say). */
void stats_print_na(const char *name, const char *reason, int err);

#endif
