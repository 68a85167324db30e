/*
 * unikernel/itimer.h - the timers of a process that end in a signal:
 * alarm and setitimer (ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF) and the
 * POSIX timers (timer_create and the rest), as Linux keeps them: per
 * process, not inherited by fork, the POSIX ones deleted by execve, which
 * keeps the itimers.  They fire from the scheduler's timer interrupt:
 * tickless, the timer is armed for the earliest expiry (itimer_next) and,
 * while a process with ITIMER_VIRTUAL/PROF armed runs, for the moment its
 * CPU time would run out (itimer_cpu_left); periodic, at each tick.
 */
#ifndef UNIKERNEL_ITIMER_H
#define UNIKERNEL_ITIMER_H

#include <stdbool.h>
#include <stdint.h>

struct thread_group;
struct task;

/* The timer interrupt (interrupts masked): fires the timers that are due
 * and charges the running task's process `ran_ns` of CPU time, the time
 * it ran since the last charge (`user`: in ring 3; the periodic tick
 * charges one tick). */
void itimer_tick(bool user, uint64_t ran_ns);

/* The earliest expiry of an armed timer on a clock (monotonic ns; 0: none). */
uint64_t itimer_next(void);

/* CPU time (ns) before the first of the ITIMER_VIRTUAL/PROF timers of
 * `t`'s process runs out; 0: neither is armed. */
uint64_t itimer_cpu_left(struct task *t);

/* A SI_TIMER signal of POSIX timer `timerid` of process `g` is being
 * taken: its overrun count (si_overrun), now timer_getoverrun's too. */
int itimer_signal_taken(struct thread_group *g, int timerid);

/* execve of the process `g`: its POSIX timers are deleted. */
void itimer_exec(struct thread_group *g);

/* The process `g` ended: every timer of it is disarmed and freed. */
void itimer_group_end(struct thread_group *g);

#endif
