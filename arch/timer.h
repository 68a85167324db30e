/*
 * arch/timer.h - the timer interrupt the port provides (x86_64: the local
 * APIC timer): periodic (the scheduler's old tick, `tickless=off`) or
 * one-shot, armed by the core for its earliest deadline (tickless).
 */
#ifndef ARCH_TIMER_H
#define ARCH_TIMER_H

#include <stdbool.h>
#include <stdint.h>

/* Called on each timer interrupt with interrupts masked; `user` when it
 * interrupted user mode (the only place a task may be preempted). */
typedef void timer_tick_t(bool user);

/* Starts the timer firing every `period_us` microseconds, each tick calling
 * `tick` (clock_init first: the timer is calibrated against the clock).
 * False when no timer can be started: the caller then runs without
 * preemption.  Once, at boot (or timer_start_oneshot instead). */
bool timer_start(unsigned period_us, timer_tick_t *tick);

/* Starts the timer in one-shot mode (TSC-deadline where the CPU has it,
 * else the APIC's count-down), disarmed: each interrupt calls `tick` once
 * and disarms it.  False when no timer can be started.  Once, at boot. */
bool timer_start_oneshot(timer_tick_t *tick);

/* One-shot mode: the next interrupt at monotonic `deadline_ns` (one
 * already past: at once; 0: none), replacing the one armed.  It may come
 * early (a count-down's range is bounded): the core re-arms then. */
void timer_arm(uint64_t deadline_ns);

/* Timer interrupts taken since boot (either mode). */
uint64_t timer_interrupts(void);

/* "periodic", "tsc-deadline" or "one-shot" ("none" before a start). */
const char *timer_mode(void);

#endif
