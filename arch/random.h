/* arch/random.h - random bytes from the port, for getrandom and AT_RANDOM
 * (x86_64: RDRAND when the CPU has it, else a generator seeded from the
 * TSC: not cryptographic then). */
#ifndef ARCH_RANDOM_H
#define ARCH_RANDOM_H

#include <stddef.h>

/* Fills buf with n random bytes (kernel memory). */
void random_fill(void *buf, size_t n);

#endif
