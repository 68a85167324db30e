/*
 * itimer.c - alarm, getitimer/setitimer and the POSIX timers
 * (timer_create, timer_settime, timer_gettime, timer_getoverrun,
 * timer_delete).
 *
 * A process's timers hang off its thread group (struct proc_timers,
 * made on first use).  A timer on a clock (ITIMER_REAL, every POSIX
 * timer) is a struct ktimer with an expiry on the monotonic clock; the
 * armed ones are on one list the tick walks.  ITIMER_VIRTUAL and
 * ITIMER_PROF count the process's CPU time down, a tick at a time.  A
 * timer that fires while its last signal is still pending counts an
 * overrun instead, handed over when the signal is taken (si_overrun,
 * timer_getoverrun), as Linux does.
 */
#include <errno.h>
#include <stdint.h>

#include "arch/clock.h"
#include "mm/kalloc.h"
#include "unikernel/deadline.h"
#include "unikernel/itimer.h"
#include "unikernel/proc.h"
#include "unikernel/sched.h"
#include "unikernel/signal.h"
#include "unikernel/syscall.h"
#include "unikernel/task.h"
#include "unikernel/thread.h"
#include "unikernel/usercopy.h"

#define NSEC 1000000000ull
#define USEC 1000ull
#define TICK_NS ((uint64_t)SCHED_TICK_US * USEC)

#define ITIMER_REAL 0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF 2

#define SIGEV_SIGNAL 0
#define SIGEV_NONE 1
#define SIGEV_THREAD 2
#define SIGEV_THREAD_ID 4

#define CLOCK_REALTIME 0
#define CLOCK_TAI 11
#define TIMER_ABSTIME 1
#define TIMERS_MAX 8192 /* per process: more is EAGAIN */
#define OVERRUN_MAX 0x7fffffff /* DELAYTIMER_MAX */

struct ktimer {
    struct ktimer *next;                   /* the process's POSIX timers */
    struct thread_group *g;
    int id;          /* the timer id; -1: ITIMER_REAL */
    int notify;      /* SIGEV_* */
    int signo, tid;  /* the signal, SIGEV_THREAD_ID's thread */
    int clock;       /* CLOCK_*: REALTIME's absolute times are converted */
    uint64_t value;  /* si_value */
    struct deadline dl; /* on the armed list while armed */
    uint64_t overrun;      /* expirations while the signal was pending */
    int overrun_last;      /* timer_getoverrun: at the last signal taken */
};

struct proc_timers {
    struct ktimer real;     /* ITIMER_REAL */
    uint64_t cpu_left[2];   /* ITIMER_VIRTUAL, ITIMER_PROF: ns; 0: off */
    uint64_t cpu_interval[2];
    struct ktimer *posix;   /* by creation */
    int count;              /* POSIX timers */
    int next_id;
};

static struct deadline_list armed; /* every armed ktimer */

static void disarm(struct ktimer *k)
{
    deadline_disarm(&armed, &k->dl);
}

/* Arms `k` to fire at monotonic `expiry` (0: disarms), every `interval`. */
static void arm(struct ktimer *k, uint64_t expiry, uint64_t interval)
{
    k->overrun = 0;
    deadline_arm(&armed, &k->dl, expiry, interval);
}

/* The timers of the current process, made if `make`; NULL otherwise or
 * when out of memory. */
static struct proc_timers *timers_of(struct thread_group *g, bool make)
{
    if (!g->timers && make) {
        struct proc_timers *p = kalloc(sizeof(*p));
        if (!p)
            return NULL;
        p->real = (struct ktimer){.g = g, .id = -1, .signo = SIGALRM,
                                  .notify = SIGEV_SIGNAL};
        g->timers = p;
    }
    return g->timers;
}

/* Sends the signal of `k`, which expired `late` more intervals ago too. */
static void signal_timer(struct ktimer *k, uint64_t late)
{
    if (k->notify == SIGEV_NONE)
        return;
    task_t *t = k->g->leader;
    bool process = !(k->notify & SIGEV_THREAD_ID);
    if (!process) {
        t = proc_find(k->tid);
        if (!t || t->group != k->g)
            return; /* the thread has ended */
    }
    struct task_siginfo info = {.code = SI_KERNEL};
    if (k->id >= 0)
        info = (struct task_siginfo){.code = SI_TIMER, .timerid = k->id,
                                     .value = k->value};
    if (signal_send_async(t, process, k->signo, &info))
        k->overrun = late;
    else
        k->overrun += late + 1; /* the last one is still pending */
}

/* Fires the ktimer of `d`, which expired `n` times (the list moved it on
 * or disarmed it). */
static void fire(struct deadline *d, uint64_t n)
{
    signal_timer(deadline_owner(d, struct ktimer, dl), n - 1);
}

/* Charges `ns` of CPU time to the itimer `which` of `p` (VIRTUAL, PROF). */
static void charge(struct proc_timers *p, struct thread_group *g, int which,
                   uint64_t ns)
{
    int i = which - ITIMER_VIRTUAL;
    if (!p->cpu_left[i])
        return;
    if (p->cpu_left[i] > ns) {
        p->cpu_left[i] -= ns;
        return;
    }
    p->cpu_left[i] = p->cpu_interval[i];
    struct task_siginfo info = {.code = SI_KERNEL};
    signal_send_async(g->leader, true,
                      which == ITIMER_VIRTUAL ? SIGVTALRM : SIGPROF, &info);
}

void itimer_tick(bool user, uint64_t ran_ns)
{
    task_t *cur = task_current();
    if (cur && cur->group && cur->group->timers && ran_ns) {
        struct proc_timers *p = cur->group->timers;
        if (user)
            charge(p, cur->group, ITIMER_VIRTUAL, ran_ns);
        charge(p, cur->group, ITIMER_PROF, ran_ns);
    }
    if (armed.head)
        deadline_expire(&armed, clock_monotonic_ns(), fire);
}

uint64_t itimer_next(void)
{
    return deadline_earliest(&armed);
}

uint64_t itimer_cpu_left(struct task *t)
{
    struct proc_timers *p = t->group ? t->group->timers : NULL;
    if (!p)
        return 0;
    uint64_t v = p->cpu_left[0], prof = p->cpu_left[1];
    return !v || (prof && prof < v) ? prof : v;
}

int itimer_signal_taken(struct thread_group *g, int timerid)
{
    struct proc_timers *p = g ? g->timers : NULL;
    for (struct ktimer *k = p ? p->posix : NULL; k; k = k->next)
        if (k->id == timerid) {
            k->overrun_last = k->overrun > OVERRUN_MAX ? OVERRUN_MAX
                                                        : (int)k->overrun;
            k->overrun = 0;
            return k->overrun_last;
        }
    return 0;
}

/* Takes back a pending signal of POSIX timer `k` from its process. */
static void unqueue(struct ktimer *k)
{
    for (int i = 0; i < sched_slots(); i++) {
        task_t *t = sched_slot(i);
        if (!t || t->group != k->g || k->signo <= 0)
            continue;
        struct task_signal *s = &t->signal;
        const struct task_siginfo *in = &s->info[k->signo - 1];
        if ((s->pending & SIGBIT(k->signo)) && in->code == SI_TIMER &&
            in->timerid == k->id)
            s->pending &= ~SIGBIT(k->signo);
    }
}

static void delete_timer(struct proc_timers *p, struct ktimer *k)
{
    for (struct ktimer **pp = &p->posix; *pp; pp = &(*pp)->next)
        if (*pp == k) {
            *pp = k->next;
            break;
        }
    disarm(k);
    unqueue(k);
    p->count--;
    kfree(k);
}

void itimer_exec(struct thread_group *g)
{
    struct proc_timers *p = g->timers;
    while (p && p->posix)
        delete_timer(p, p->posix);
}

void itimer_group_end(struct thread_group *g)
{
    struct proc_timers *p = g->timers;
    if (!p)
        return;
    itimer_exec(g);
    disarm(&p->real);
    kfree(p);
    g->timers = NULL;
}

/* ---- time values ---- */

struct ktimeval {
    int64_t sec, usec;
};

struct kitimerval {
    struct ktimeval interval, value;
};

struct ktimespec {
    int64_t sec, nsec;
};

struct kitimerspec {
    struct ktimespec interval, value;
};

static uint64_t remaining(const struct ktimer *k, uint64_t now)
{
    return !k->dl.expiry ? 0 : k->dl.expiry > now ? k->dl.expiry - now : 1;
}

static struct ktimeval to_timeval(uint64_t ns)
{
    return (struct ktimeval){(int64_t)(ns / NSEC),
                             (int64_t)(ns % NSEC / USEC)};
}

static struct ktimespec to_timespec(uint64_t ns)
{
    return (struct ktimespec){(int64_t)(ns / NSEC), (int64_t)(ns % NSEC)};
}

/* ns of a user timeval, or -EINVAL (negative, usec out of range). */
static int64_t timeval_ns(const struct ktimeval *tv)
{
    if (tv->sec < 0 || tv->usec < 0 || tv->usec >= 1000000 ||
        tv->sec > (int64_t)(INT64_MAX / NSEC) - 1)
        return -EINVAL;
    return tv->sec * (int64_t)NSEC + tv->usec * (int64_t)USEC;
}

static int64_t timespec_ns(const struct ktimespec *ts)
{
    if (ts->sec < 0 || ts->nsec < 0 || ts->nsec >= (int64_t)NSEC ||
        ts->sec > (int64_t)(INT64_MAX / NSEC) - 1)
        return -EINVAL;
    return ts->sec * (int64_t)NSEC + ts->nsec;
}

/* ---- getitimer, setitimer, alarm ---- */

/* The itimer `which` of `p` now (p NULL: none set). */
static struct kitimerval itimer_get(const struct proc_timers *p, int which)
{
    struct kitimerval v = {0};
    if (!p)
        return v;
    if (which == ITIMER_REAL) {
        v.value = to_timeval(remaining(&p->real, clock_monotonic_ns()));
        if (p->real.dl.expiry && !v.value.sec && !v.value.usec)
            v.value.usec = 1; /* armed: never reads as off */
        v.interval = to_timeval(p->real.dl.interval);
    } else {
        int i = which - ITIMER_VIRTUAL;
        v.value = to_timeval(p->cpu_left[i]);
        v.interval = to_timeval(p->cpu_interval[i]);
    }
    return v;
}

/* Sets the itimer `which` of the current process to `value` and
 * `interval` (ns): 0 or -ENOMEM. */
static int itimer_set(int which, uint64_t value, uint64_t interval)
{
    struct thread_group *g = task_current()->group;
    struct proc_timers *p = timers_of(g, value != 0);
    if (!p)
        return value ? -ENOMEM : 0;
    if (which == ITIMER_REAL) {
        arm(&p->real, value ? clock_monotonic_ns() + value : 0, interval);
    } else {
        int i = which - ITIMER_VIRTUAL;
        /* CPU time is charged a tick at a time: round up to ticks */
        p->cpu_left[i] = (value + TICK_NS - 1) / TICK_NS * TICK_NS;
        p->cpu_interval[i] = (interval + TICK_NS - 1) / TICK_NS * TICK_NS;
        if (p->cpu_left[i]) /* running on: it runs out this late at most */
            sched_timer_want(clock_monotonic_ns() + p->cpu_left[i]);
    }
    return 0;
}

long sys_getitimer(const long *a)
{
    if (a[0] < ITIMER_REAL || a[0] > ITIMER_PROF)
        return -EINVAL;
    struct kitimerval v = itimer_get(task_current()->group->timers, (int)a[0]);
    return copy_to_user((void *)a[1], &v, sizeof(v)) < 0 ? -EFAULT : 0;
}

long sys_setitimer(const long *a)
{
    int which = (int)a[0];
    if (which < ITIMER_REAL || which > ITIMER_PROF)
        return -EINVAL;
    struct kitimerval nv = {0};
    if (a[1] && copy_from_user(&nv, (const void *)a[1], sizeof(nv)) < 0)
        return -EFAULT; /* NULL: disarm, as Linux still allows */
    int64_t value = timeval_ns(&nv.value), interval = timeval_ns(&nv.interval);
    if (value < 0 || interval < 0)
        return -EINVAL;
    struct kitimerval old = itimer_get(task_current()->group->timers, which);
    int rc = itimer_set(which, (uint64_t)value, (uint64_t)interval);
    if (rc < 0)
        return rc;
    if (a[2] && copy_to_user((void *)a[2], &old, sizeof(old)) < 0)
        return -EFAULT;
    return 0;
}

long sys_alarm(const long *a)
{
    unsigned secs = (unsigned)a[0];
    struct kitimerval old = itimer_get(task_current()->group->timers,
                                       ITIMER_REAL);
    if (itimer_set(ITIMER_REAL, (uint64_t)secs * NSEC, 0) < 0)
        return -ENOMEM;
    long left = (long)old.value.sec;
    if ((!left && old.value.usec) || old.value.usec >= 500000)
        left++; /* Linux rounds to the nearest second, never down to 0 */
    return left;
}

/* ---- POSIX timers ---- */

/* struct sigevent of the Linux ABI, the part the kernel reads. */
struct ksigevent {
    uint64_t value;
    int32_t signo, notify;
    int32_t tid;
    int32_t pad[11];
};

static bool clock_ok(long clock)
{
    switch (clock) {
    case 0: /* CLOCK_REALTIME */
    case 1: /* CLOCK_MONOTONIC */
    case 2: /* CLOCK_PROCESS_CPUTIME_ID: the task has the CPU all along */
    case 3: /* CLOCK_THREAD_CPUTIME_ID */
    case 7: /* CLOCK_BOOTTIME */
    case 8: /* CLOCK_REALTIME_ALARM */
    case 9: /* CLOCK_BOOTTIME_ALARM */
    case CLOCK_TAI:
        return true;
    default:
        return false;
    }
}

static struct ktimer *find_timer(long id)
{
    struct proc_timers *p = task_current()->group->timers;
    for (struct ktimer *k = p ? p->posix : NULL; k; k = k->next)
        if (k->id == id)
            return k;
    return NULL;
}

long sys_timer_create(const long *a)
{
    task_t *t = task_current();
    if (!clock_ok(a[0]))
        return -EINVAL;
    struct ksigevent ev = {.signo = SIGALRM, .notify = SIGEV_SIGNAL};
    if (a[1] && copy_from_user(&ev, (const void *)a[1], sizeof(ev)) < 0)
        return -EFAULT;
    switch (ev.notify) {
    case SIGEV_THREAD_ID | SIGEV_SIGNAL: {
        task_t *target = proc_find(ev.tid);
        if (!target || target->group != t->group)
            return -EINVAL;
    } /* fall through */
    case SIGEV_SIGNAL:
    case SIGEV_THREAD:
        if (ev.signo <= 0 || ev.signo > SIGNAL_MAX)
            return -EINVAL;
        break;
    case SIGEV_NONE:
        break;
    default:
        return -EINVAL;
    }
    struct proc_timers *p = timers_of(t->group, true);
    if (!p)
        return -ENOMEM;
    if (p->count >= TIMERS_MAX)
        return -EAGAIN;
    struct ktimer *k = kalloc(sizeof(*k));
    if (!k)
        return -ENOMEM;
    int id = p->next_id;
    while (find_timer(id)) /* ids wrap after INT_MAX; skip those in use */
        id = id == 0x7fffffff ? 0 : id + 1;
    *k = (struct ktimer){.g = t->group, .id = id, .notify = ev.notify,
                         .signo = ev.signo, .tid = ev.tid, .clock = (int)a[0],
                         .value = a[1] ? ev.value : (uint64_t)id};
    if (copy_to_user((void *)a[2], &id, sizeof(id)) < 0) {
        kfree(k);
        return -EFAULT;
    }
    p->next_id = id == 0x7fffffff ? 0 : id + 1;
    k->next = p->posix;
    p->posix = k;
    p->count++;
    return 0;
}

static struct kitimerspec timer_get(const struct ktimer *k)
{
    return (struct kitimerspec){
        .interval = to_timespec(k->dl.interval),
        .value = to_timespec(remaining(k, clock_monotonic_ns()))};
}

long sys_timer_settime(const long *a)
{
    struct ktimer *k = find_timer(a[0]);
    if (!k)
        return -EINVAL;
    if (!a[2])
        return -EINVAL;
    struct kitimerspec nv;
    if (copy_from_user(&nv, (const void *)a[2], sizeof(nv)) < 0)
        return -EFAULT;
    int64_t value = timespec_ns(&nv.value), interval = timespec_ns(&nv.interval);
    if (value < 0 || interval < 0)
        return -EINVAL;
    struct kitimerspec old = timer_get(k);
    uint64_t now = clock_monotonic_ns(), expiry = 0;
    if (value && !(a[1] & TIMER_ABSTIME)) {
        expiry = now + (uint64_t)value;
    } else if (value) {
        uint64_t clock_now = k->clock == CLOCK_REALTIME || k->clock == 8 ||
                                     k->clock == CLOCK_TAI
                                 ? clock_realtime_ns()
                                 : now;
        expiry = (uint64_t)value > clock_now ? now + ((uint64_t)value - clock_now)
                                             : now; /* past: fires now */
        if (!expiry)
            expiry = 1;
    }
    arm(k, expiry, expiry ? (uint64_t)interval : 0);
    unqueue(k);
    if (a[3] && copy_to_user((void *)a[3], &old, sizeof(old)) < 0)
        return -EFAULT;
    return 0;
}

long sys_timer_gettime(const long *a)
{
    struct ktimer *k = find_timer(a[0]);
    if (!k)
        return -EINVAL;
    struct kitimerspec v = timer_get(k);
    return copy_to_user((void *)a[1], &v, sizeof(v)) < 0 ? -EFAULT : 0;
}

long sys_timer_getoverrun(const long *a)
{
    struct ktimer *k = find_timer(a[0]);
    return k ? k->overrun_last : -EINVAL;
}

long sys_timer_delete(const long *a)
{
    struct ktimer *k = find_timer(a[0]);
    if (!k)
        return -EINVAL;
    delete_timer(task_current()->group->timers, k);
    return 0;
}
