/*
 * unikernel/sched.h - the scheduler: a table of tasks, round-robin over
 * the runnable ones, preempted by the local APIC timer in ring 3 (the
 * kernel itself runs with interrupts masked and gives the CPU up only
 * here: blocking, sleeping, yielding, ending), and the idle loop (hlt) in
 * the boot context.  One CPU.
 */
#ifndef UNIKERNEL_SCHED_H
#define UNIKERNEL_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/context.h"

#define SCHED_TASKS 4096   /* tasks (threads) alive or not yet reaped */
#define SCHED_KILL_QUIET 0x100 /* kill_sig: end this thread, no report
                                  (exit_group, execve end the others) */
#define SCHED_TICK_US 1000 /* timer period */
#define SCHED_SLICE 4      /* ticks a task runs before the next one */

struct task;

enum sched_state {
    SCHED_RUNNABLE,
    SCHED_BLOCKED,  /* until sched_wakeup(wchan) */
    SCHED_SLEEPING, /* until wake_ns, or sched_wakeup(wchan) if set */
    SCHED_ZOMBIE,   /* ended, not yet reaped */
};

/* Lock legend: (s) changed with interrupts masked (one CPU). */
struct task_sched {
    struct cpu_context ctx; /* (s) saved while switched out */
    enum sched_state state; /* (s) */
    int slot;               /* (s) index in the table */
    int kill_sig;           /* (s) fatal signal pending, 0: none, or
                               SCHED_KILL_QUIET */
    const void *wchan;      /* (s) what a blocked task waits for */
    uint64_t wake_ns;       /* (s) when a sleeping task wakes */
    bool waiting;           /* (s) in sched_wait: a kill does not end it */
};

/* Starts the timer (clock_init first): one-shot, armed for the next
 * deadline (tickless), or `periodic` at SCHED_TICK_US (the old tick,
 * `tickless=off`).  Once, before sched_run. */
void sched_init(bool periodic);

/* Tickless: the timer fires at monotonic `ns` at the latest (0: no-op);
 * whoever makes a deadline earlier than any the scheduler knows calls it
 * (interrupts masked).  A no-op with the periodic tick. */
void sched_timer_want(uint64_t ns);

/* Timer interrupts taken since boot (/proc/interrupts' LOC line). */
uint64_t sched_timer_interrupts(void);

/* The timer's mode: "tsc-deadline", "one-shot", "periodic" or "none". */
const char *sched_timer_mode(void);

/* Enters `t` in the table, runnable; its context is ready (context_init_*).
 * 0, or -EAGAIN when the table is full. */
int sched_add(struct task *t);

/* Takes the zombie `t` out of the table (it is being reaped). */
void sched_remove(struct task *t);

/* Tasks alive (zombies aside). */
int sched_alive(void);

/* The task in slot `i` (0 .. sched_slots()-1), or NULL: for walks. */
struct task *sched_slot(int i);

/* One past the highest slot in use: walks stop there. */
int sched_slots(void);

/* Runs the tasks until none is alive (zombies aside); the boot context
 * idles here.  Calls proc_reap_orphans between switches. */
void sched_run(void);

/* The current task gives the CPU to the next runnable one, if any. */
void sched_yield(void);

/* The current task blocks until sched_wakeup(chan) or a kill; the caller
 * re-checks its condition. */
void sched_block(const void *chan);

/* Makes every task blocked on `chan` runnable. */
void sched_wakeup(const void *chan);

/* The current task blocks until sched_wakeup(chan), sched_wake, the time
 * clock_monotonic_ns() >= deadline (0: none) or a kill, which it does not
 * act on: the caller cleans up, then sched_check_kill.  -EINTR when a
 * kill is pending, else 0 (the caller re-checks its condition). */
int sched_wait(const void *chan, uint64_t deadline);

/* Makes `t` runnable if it is blocked or sleeping. */
void sched_wake(struct task *t);

/* Ends the current task if a kill is pending (see sched_kill). */
void sched_check_kill(void);

/* The current task sleeps until clock_monotonic_ns() >= ns (or a kill). */
void sched_sleep_until(uint64_t ns);

/* Wakes `t` from sched_block or sched_sleep_until early (a signal for
 * it): the blocking call sees signal_interrupted. */
void sched_interrupt(struct task *t);

/* Marks `t` to die of signal `sig` when it next runs (waking it). */
void sched_kill(struct task *t, int sig);

/* The current task, already released, becomes a zombie and leaves the CPU
 * for good. */
void sched_exit(void) __attribute__((noreturn));

#endif
