/*
 * unikernel/timerfd.h - the timerfd descriptors' clock: the scheduler's
 * tick counts their expirations (timerfd.c has the system calls).
 */
#ifndef UNIKERNEL_TIMERFD_H
#define UNIKERNEL_TIMERFD_H

/* The tick (interrupts masked): counts the expirations of the armed
 * timerfds that are due and wakes their readers and pollers. */
void timerfd_tick(void);

#endif
