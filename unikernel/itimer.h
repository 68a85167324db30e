/*
 * unikernel/itimer.h - the timers of a process that end in a signal:
 * alarm and setitimer (ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF) and the
 * POSIX timers (timer_create and the rest), as Linux keeps them: per
 * process, not inherited by fork, the POSIX ones deleted by execve, which
 * keeps the itimers.  They fire from the scheduler's tick, so their
 * resolution is the tick's (SCHED_TICK_US).
 */
#ifndef UNIKERNEL_ITIMER_H
#define UNIKERNEL_ITIMER_H

#include <stdbool.h>

struct thread_group;

/* The tick (interrupts masked): fires the timers that are due and charges
 * the running task's process one tick of CPU time (`user`: in ring 3). */
void itimer_tick(bool user);

/* A SI_TIMER signal of POSIX timer `timerid` of process `g` is being
 * taken: its overrun count (si_overrun), now timer_getoverrun's too. */
int itimer_signal_taken(struct thread_group *g, int timerid);

/* execve of the process `g`: its POSIX timers are deleted. */
void itimer_exec(struct thread_group *g);

/* The process `g` ended: every timer of it is disarmed and freed. */
void itimer_group_end(struct thread_group *g);

#endif
