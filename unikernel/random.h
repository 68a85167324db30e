/* unikernel/random.h - random bytes for getrandom and AT_RANDOM: RDRAND
 * when the CPU has it, else a generator seeded from the TSC and the CMOS
 * clock (not cryptographic then). */
#ifndef UNIKERNEL_RANDOM_H
#define UNIKERNEL_RANDOM_H

#include <stddef.h>

/* Fills buf with n random bytes (kernel memory). */
void random_fill(void *buf, size_t n);

#endif
