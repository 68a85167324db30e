/*
 * arch/timer.h - the periodic timer interrupt the port provides (x86_64:
 * the local APIC timer): the scheduler's tick.
 */
#ifndef ARCH_TIMER_H
#define ARCH_TIMER_H

#include <stdbool.h>

/* Called on each tick with interrupts masked; `user` when the tick
 * interrupted user mode (the only place a task may be preempted). */
typedef void timer_tick_t(bool user);

/* Starts the timer firing every `period_us` microseconds, each tick calling
 * `tick` (clock_init first: the timer is calibrated against the clock).
 * False when no timer can be started: the caller then runs without
 * preemption.  Once, at boot. */
bool timer_start(unsigned period_us, timer_tick_t *tick);

#endif
