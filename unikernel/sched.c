/*
 * sched.c - round-robin over a table of tasks (see sched.h).
 *
 * Switching: the leaving task's CPU state goes to its task_sched and task
 * (context_save), the next one's comes back (context_load, mmu_switch
 * through task_switch), then context_switch swaps kernel stacks.  The idle
 * context is the boot stack: it runs when nothing is runnable, halts until
 * the next interrupt and reaps orphans.  A task switched out blocked or
 * sleeping comes back in the same call; a pending kill ends it there.
 *
 * Tickless (the default; `tickless=off` keeps the periodic tick): the
 * one-shot timer holds the earliest deadline (next_deadline): a sleeper's
 * wake-up, an itimer, POSIX timer or timerfd expiry, lwIP's next timeout,
 * the end of the running task's slice when another one is runnable, and
 * the running process's ITIMER_VIRTUAL/PROF running out.  It is computed
 * whole after each timer interrupt (and armed as it is), at each switch
 * and before the idle halt (armed only if earlier than what the timer
 * holds); in between, whatever makes a deadline earlier asks for it
 * (sched_timer_want: a wake-up while a task runs asks for the slice end).
 * A deadline that went away costs one early interrupt, then a re-arm.
 */
#include <assert.h>
#include <errno.h>
#include <stddef.h>

#include "arch/clock.h"
#include "arch/cpu.h"
#include "arch/timer.h"
#include "klog.h"
#include "net/net.h"
#include "net/netdev.h"
#include "unikernel/poll.h"
#include "unikernel/proc.h"
#include "unikernel/itimer.h"
#include "unikernel/timerfd.h"
#include "unikernel/sched.h"
#include "unikernel/task.h"

static struct task *table[SCHED_TASKS];
static int alive;          /* tasks in the table that are not zombies */
static int top;            /* one past the highest slot in use */
static int sleepers;       /* tasks in SCHED_SLEEPING */
static uintptr_t idle_ksp; /* the boot context while a task runs */
static int last_slot;      /* where the round-robin scan starts */
static bool timer;         /* ticks arrive: idle may halt */
static unsigned ticks;     /* since the current task took the CPU */
static bool tickless;      /* one-shot timer, armed for next_deadline */
static uint64_t armed_ns;  /* tickless: the deadline the timer holds, 0 none */
static uint64_t slice_end; /* tickless: the current task's slice ends */
static uint64_t run_since; /* the current task's CPU time charged up to */

#define SLICE_NS ((uint64_t)SCHED_SLICE * SCHED_TICK_US * 1000)
#define TICK_NS ((uint64_t)SCHED_TICK_US * 1000)

static void sched_tick(bool user);
static void sched_timer(bool user);

void sched_init(bool periodic)
{
    if (periodic)
        timer = timer_start(SCHED_TICK_US, sched_tick);
    else
        timer = tickless = timer_start_oneshot(sched_timer);
    if (!timer)
        klog(KLOG_WARN, "sched: no APIC timer: tasks are not preempted\n");
}

/* The earlier of two deadlines, 0 being none. */
static uint64_t earliest(uint64_t a, uint64_t b)
{
    return !a || (b && b < a) ? b : a;
}

/* What the one-shot timer must fire for next (0: nothing): see above. */
static uint64_t next_deadline(void)
{
    task_t *cur = task_current();
    uint64_t next = 0;
    bool others = false;
    if (cur || sleepers)
        for (int i = 0; i < top; i++) {
            task_t *t = table[i];
            if (!t)
                continue;
            if (t->sched.state == SCHED_SLEEPING)
                next = earliest(next, t->sched.wake_ns);
            else if (t->sched.state == SCHED_RUNNABLE && t != cur)
                others = true;
        }
    if (cur && others)
        next = earliest(next, slice_end);
    uint64_t cpu_left = cur ? itimer_cpu_left(cur) : 0;
    if (cpu_left)
        next = earliest(next, run_since + cpu_left);
    next = earliest(next, itimer_next());
    next = earliest(next, timerfd_next());
    return earliest(next, net_next_ns());
}

/* Arms the one-shot timer for next_deadline if that is earlier than what
 * it holds (tickless only).  A later one is left for the timer interrupt
 * to find (armed_ns is 0 there: it arms exactly): reprogramming the timer
 * at each switch cost more than one early interrupt per slice does. */
static void rearm(void)
{
    if (tickless)
        sched_timer_want(next_deadline());
}

void sched_timer_want(uint64_t ns)
{
    if (tickless && ns && (!armed_ns || ns < armed_ns)) {
        armed_ns = ns;
        timer_arm(ns);
    }
}

/* `t` became runnable: the running task's slice matters again. */
static void made_runnable(task_t *t)
{
    task_t *cur = task_current();
    if (cur && cur != t)
        sched_timer_want(slice_end);
}

uint64_t sched_timer_interrupts(void)
{
    return timer_interrupts();
}

const char *sched_timer_mode(void)
{
    return timer ? timer_mode() : "none";
}

int sched_add(task_t *t)
{
    for (int i = 0; i < SCHED_TASKS; i++)
        if (!table[i]) {
            table[i] = t;
            t->sched.slot = i;
            if (i >= top)
                top = i + 1;
            t->sched.state = SCHED_RUNNABLE;
            alive++;
            made_runnable(t);
            return 0;
        }
    return -EAGAIN;
}

void sched_remove(task_t *t)
{
    assert(t->sched.state == SCHED_ZOMBIE && table[t->sched.slot] == t);
    table[t->sched.slot] = NULL;
    while (top > 0 && !table[top - 1])
        top--;
}

int sched_slots(void)
{
    return top;
}

int sched_alive(void)
{
    return alive;
}

task_t *sched_slot(int i)
{
    return table[i];
}

/* A sleeper whose time has come becomes runnable. */
static void wake_sleepers(void)
{
    uint64_t now = clock_monotonic_ns();
    for (int i = 0; i < top; i++) {
        task_t *t = table[i];
        if (t && t->sched.state == SCHED_SLEEPING && t->sched.wake_ns <= now) {
            t->sched.state = SCHED_RUNNABLE;
            sleepers--;
        }
    }
}

/* The first runnable task after slot `from`, round robin (from itself
 * last), or NULL. */
static task_t *pick(int from)
{
    if (sleepers)
        wake_sleepers();
    int n = top > from ? top : from + 1;
    for (int k = 1; k <= n; k++) {
        task_t *t = table[(from + k) % n];
        if (t && t->sched.state == SCHED_RUNNABLE)
            return t;
    }
    return NULL;
}

/* Gives the CPU to `next` (NULL: the idle context), saving the current
 * kernel stack pointer into *save. */
static void enter(task_t *next, uintptr_t *save)
{
    ticks = 0;
    run_since = clock_monotonic_ns();
    slice_end = run_since + SLICE_NS;
    if (!next) {
        task_switch(NULL);
        context_switch(save, idle_ksp);
        return;
    }
    last_slot = next->sched.slot;
    task_switch(next);
    context_load(&next->sched.ctx, &next->fpu, next->fs_base,
                 next->kstack_top);
    rearm();
    context_switch(save, next->sched.ctx.ksp);
}

/* The current task leaves the CPU in the state it has set; returns when
 * it runs again (at once if it is the only runnable one). */
static void reschedule(void)
{
    task_t *self = task_current();
    task_t *next = pick(self->sched.slot);
    if (next == self)
        return;
    if (self->sched.state != SCHED_ZOMBIE)
        context_save(&self->sched.ctx, &self->fpu, &self->fs_base);
    enter(next, &self->sched.ctx.ksp);
    assert(task_current() == self);
    if (self->sched.kill_sig && !self->sched.waiting)
        task_kill(self->sched.kill_sig);
}

/* Says once that every live task is blocked with no NIC to wake one:
 * only another task could, so they wait for ever, as on Linux; the log
 * line tells a hang from a slow run.  (With a NIC, a server waiting for
 * its first client is the normal case.) */
static void warn_stuck(void)
{
    static bool warned;
    if (!warned && !sleepers && !netdev_get(0))
        klog(KLOG_WARN, "sched: all %d tasks are blocked on each other\n",
             alive);
    warned = warned || !sleepers;
}

void sched_run(void)
{
    for (;;) {
        proc_reap_orphans();
        if (!alive)
            return;
        task_t *next = pick(last_slot);
        if (next) {
            enter(next, &idle_ksp);
            continue;
        }
        warn_stuck();
        rearm();
        if (timer)
            cpu_idle();
        else
            __builtin_ia32_pause();
    }
}

void sched_yield(void)
{
    reschedule();
}

void sched_block(const void *chan)
{
    task_t *self = task_current();
    if (self->sched.kill_sig)
        task_kill(self->sched.kill_sig);
    self->sched.state = SCHED_BLOCKED;
    self->sched.wchan = chan;
    reschedule();
}

void sched_wakeup(const void *chan)
{
    poll_notify(chan); /* pollers and epoll instances watching chan */
    for (int i = 0; i < top; i++) {
        task_t *t = table[i];
        if (t && t->sched.wchan == chan)
            sched_wake(t);
    }
}

void sched_wake(task_t *t)
{
    if (t->sched.state == SCHED_SLEEPING)
        sleepers--;
    else if (t->sched.state != SCHED_BLOCKED)
        return;
    t->sched.state = SCHED_RUNNABLE;
    t->sched.wchan = NULL;
    made_runnable(t);
}

int sched_wait(const void *chan, uint64_t deadline)
{
    task_t *self = task_current();
    if (self->sched.kill_sig)
        return -EINTR;
    self->sched.wchan = chan;
    if (deadline) {
        if (clock_monotonic_ns() >= deadline)
            return 0;
        self->sched.state = SCHED_SLEEPING;
        self->sched.wake_ns = deadline;
        sleepers++;
    } else {
        self->sched.state = SCHED_BLOCKED;
    }
    self->sched.waiting = true; /* reschedule leaves the kill to us */
    reschedule();
    self->sched.waiting = false;
    self->sched.wchan = NULL;
    return self->sched.kill_sig ? -EINTR : 0;
}

void sched_check_kill(void)
{
    task_t *self = task_current();
    if (self->sched.kill_sig)
        task_kill(self->sched.kill_sig);
}

void sched_sleep_until(uint64_t ns)
{
    task_t *self = task_current();
    if (self->sched.kill_sig)
        task_kill(self->sched.kill_sig);
    if (clock_monotonic_ns() >= ns)
        return;
    self->sched.state = SCHED_SLEEPING;
    self->sched.wake_ns = ns;
    self->sched.wchan = NULL;
    sleepers++;
    reschedule();
}

void sched_interrupt(task_t *t)
{
    if (t->sched.state == SCHED_SLEEPING)
        sleepers--;
    if (t->sched.state == SCHED_SLEEPING || t->sched.state == SCHED_BLOCKED) {
        t->sched.state = SCHED_RUNNABLE;
        made_runnable(t);
    }
}

void sched_kill(task_t *t, int sig)
{
    if (t->sched.state == SCHED_ZOMBIE || t->sched.kill_sig)
        return;
    t->sched.kill_sig = sig;
    sched_wake(t);
}

void sched_exit(void)
{
    task_t *self = task_current();
    if (self->sched.state == SCHED_SLEEPING)
        sleepers--;
    self->sched.state = SCHED_ZOMBIE;
    alive--;
    reschedule();
    assert(!"sched: a zombie ran again");
    __builtin_unreachable();
}

/* The timer's tick (arch/timer.h), interrupts masked: `user` when ring 3
 * was interrupted (then the task may be preempted). */
static void sched_tick(bool user)
{
    net_tick(); /* the NICs' fallback when an interrupt is lost, lwIP's timers */
    itimer_tick(user, TICK_NS);
    timerfd_tick();
    if (!user || ++ticks < SCHED_SLICE)
        return; /* idle, or the slice is not over */
    reschedule();
}

/* The one-shot timer's interrupt (tickless), interrupts masked: whatever
 * is due runs, the running task is charged the CPU time since its last
 * charge and preempted when its slice is over and another one waits
 * (pick wakes the sleepers that are due); then the next deadline. */
static void sched_timer(bool user)
{
    armed_ns = 0; /* the one-shot timer is spent */
    net_tick();
    task_t *cur = task_current();
    uint64_t now = clock_monotonic_ns();
    itimer_tick(user, cur ? now - run_since : 0);
    run_since = now;
    timerfd_tick();
    if (sleepers)
        wake_sleepers(); /* else their past deadline would fire again */
    if (user && cur && now >= slice_end)
        reschedule(); /* back at once when it is alone */
    rearm();
}
