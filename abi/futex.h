/*
 * abi/futex.h - the futex operations and flags of Linux's x86_64 ABI
 * (linux/futex.h's numbers; musl brings no kernel headers): the kernel's
 * futex.c and the test programs that call futex directly share them.
 */
#ifndef ABI_FUTEX_H
#define ABI_FUTEX_H

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu /* WAIT_BITSET / WAKE_BITSET: any */

#endif
