/*
 * unikernel/timerfd.h - the timerfd descriptors' clock: the scheduler's
 * timer interrupt counts their expirations (timerfd.c has the system calls).
 */
#ifndef UNIKERNEL_TIMERFD_H
#define UNIKERNEL_TIMERFD_H

#include <stdint.h>

/* The timer interrupt (interrupts masked): counts the expirations of the
 * armed timerfds that are due and wakes their readers and pollers. */
void timerfd_tick(void);

/* The earliest expiry of an armed timerfd (monotonic ns; 0: none): the
 * tickless timer's deadline (arming one asks sched_timer_want). */
uint64_t timerfd_next(void);

#endif
