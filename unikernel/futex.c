/*
 * futex.c - futexes (see futex.h) and the futex system call: WAIT, WAKE,
 * REQUEUE, CMP_REQUEUE, WAKE_OP, WAIT_BITSET, WAKE_BITSET, private
 * (FUTEX_PRIVATE_FLAG) or shared across processes (a word in a MAP_SHARED
 * page, keyed by its frame), relative
 * timeouts (WAIT, CLOCK_MONOTONIC) and absolute ones (WAIT_BITSET, on
 * CLOCK_MONOTONIC or, with FUTEX_CLOCK_REALTIME, CLOCK_REALTIME).
 *
 * Waiters are kept in a hash of wait queues by key.  One CPU with the
 * kernel never preempted: reading the word and queueing the waiter is
 * atomic with respect to every waker, as FUTEX_WAIT requires.
 */
#include <errno.h>

#include "abi/futex.h"
#include "arch/mmu.h"
#include "mm/vma.h"

#include "arch/clock.h"
#include "unikernel/futex.h"
#include "unikernel/sched.h"
#include "unikernel/syscall.h"
#include "unikernel/task.h"
#include "unikernel/usercopy.h"
#include "unikernel/waitq.h"

#define NSEC 1000000000ll
#define BUCKETS 256

#define KEY_SHARED 1 /* key.space of a futex in shared memory */

/* What identifies a futex: (mspace, address) for private memory;
 * (KEY_SHARED, physical address) for a word in a MAP_SHARED page, the
 * same in every task that maps the page. */
struct futex_key {
    uintptr_t space, addr;
};

static struct waitq buckets[BUCKETS];

static struct waitq *bucket(struct futex_key k)
{
    uint64_t h = (k.space >> 4) ^ (k.addr >> 2);
    h *= 0x9E3779B97F4A7C15ull;
    return &buckets[h >> 56];
}

/* The key of the word at `uaddr` of `ms` (present: the caller read it),
 * shared when not `private` and the page is a MAP_SHARED one. */
static struct futex_key key_of(mspace_t *ms, uintptr_t uaddr, bool private)
{
    struct futex_key k = {(uintptr_t)ms, uaddr};
    if (private)
        return k;
    splock_lock(&ms->lock);
    vma_t *v = mspace_search_vma(ms, uaddr);
    bool shared = v && (v->flags & VMA_SHARED);
    splock_unlock(&ms->lock);
    phys_addr_t pa;
    if (shared && (mmu_query(ms->directory, uaddr & ~(uintptr_t)PAGE_MASK,
                             &pa) & MMU_PRESENT))
        k = (struct futex_key){KEY_SHARED, (uintptr_t)pa + (uaddr & PAGE_MASK)};
    return k;
}

static bool key_is(const struct waiter *w, struct futex_key k)
{
    return w->key == k.space && w->key2 == k.addr;
}

/* Wakes up to `n` waiters on `k` whose bits meet `bits`. */
static int wake_bits(struct futex_key k, int n, uint32_t bits)
{
    struct waitq *q = bucket(k);
    int done = 0;
    for (struct waiter *w = q->head, *next; w && done < n; w = next) {
        next = w->next;
        if (key_is(w, k) && (w->bits & bits)) {
            waitq_wake_one(w);
            done++;
        }
    }
    return done;
}

int futex_wake(mspace_t *ms, uintptr_t uaddr, int n)
{
    /* Linux wakes a clear-child-tid or robust word as a shared futex */
    return wake_bits(key_of(ms, uaddr, false), n, FUTEX_BITSET_MATCH_ANY);
}

/* Reads the futex word: 0, -EINVAL (misaligned) or -EFAULT. */
static int get_word(uintptr_t uaddr, uint32_t *v)
{
    if (uaddr & 3)
        return -EINVAL;
    return copy_from_user(v, (const void *)uaddr, 4) < 0 ? -EFAULT : 0;
}

/* The monotonic deadline of a wait's timeout `uts` (0: none): relative
 * for FUTEX_WAIT, absolute on the chosen clock for WAIT_BITSET.  Stores
 * it in *deadline; 0, -EFAULT or -EINVAL. */
static int deadline_of(uintptr_t uts, bool absolute, bool realtime,
                       uint64_t *deadline)
{
    *deadline = 0;
    if (!uts)
        return 0;
    int64_t ts[2];
    if (copy_from_user(ts, (const void *)uts, sizeof(ts)) < 0)
        return -EFAULT;
    if (ts[0] < 0 || ts[1] < 0 || ts[1] >= NSEC)
        return -EINVAL;
    uint64_t ns = ts[0] > INT64_MAX / NSEC - 1
                      ? (uint64_t)INT64_MAX
                      : (uint64_t)(ts[0] * NSEC + ts[1]);
    uint64_t now = clock_monotonic_ns();
    if (absolute && realtime) {
        uint64_t real = clock_realtime_ns();
        ns = ns > real ? ns - real : 0; /* what is left, from now */
    } else if (absolute) {
        ns = ns > now ? ns - now : 0;
    }
    *deadline = now + (ns > UINT64_MAX - now - 1 ? UINT64_MAX - now - 1 : ns);
    if (*deadline == 0)
        *deadline = 1; /* 0 means none */
    return 0;
}

static long futex_wait(uintptr_t uaddr, bool private, uint32_t val,
                       uintptr_t uts, bool absolute, bool realtime,
                       uint32_t bits)
{
    task_t *t = task_current();
    uint32_t cur;
    uint64_t deadline;
    int rc = get_word(uaddr, &cur);
    if (rc == 0)
        rc = deadline_of(uts, absolute, realtime, &deadline);
    if (rc < 0)
        return rc;
    if (bits == 0)
        return -EINVAL;
    if (cur != val)
        return -EAGAIN;
    struct futex_key k = key_of(t->mspace, uaddr, private);
    struct waiter w = {.key = k.space, .key2 = k.addr, .bits = bits};
    waitq_add(bucket(k), &w);
    rc = waitq_sleep(&w, deadline);
    if (rc == -EINTR) {
        sched_check_kill(); /* a kill ends the task here */
        if (!deadline)
            rc = -ERESTARTSYS; /* restarted under SA_RESTART, as Linux */
    }
    return rc;
}

/* FUTEX_REQUEUE / CMP_REQUEUE: wakes `nwake` waiters of uaddr and moves up
 * to `nmove` others to uaddr2. */
static long futex_requeue(uintptr_t uaddr, uintptr_t uaddr2, bool private,
                          long nwake, long nmove, bool cmp, uint32_t val3)
{
    mspace_t *ms = task_current()->mspace;
    uint32_t cur, cur2;
    int rc = get_word(uaddr, &cur);
    if (rc == 0)
        rc = get_word(uaddr2, &cur2);
    if (rc < 0)
        return rc;
    if ((int)nwake < 0 || (int)nmove < 0)
        return -EINVAL;
    if (cmp && cur != val3)
        return -EAGAIN;
    struct futex_key k = key_of(ms, uaddr, private);
    struct futex_key k2 = key_of(ms, uaddr2, private);
    struct waitq *q = bucket(k), *to = bucket(k2);
    long woken = 0, moved = 0;
    for (struct waiter *w = q->head, *next; w; w = next) {
        next = w->next;
        if (!key_is(w, k))
            continue;
        if (woken < (int)nwake) {
            waitq_wake_one(w);
            woken++;
        } else if (moved < (int)nmove) {
            w->key = k2.space;
            w->key2 = k2.addr;
            if (to != q)
                waitq_move(w, to);
            moved++;
        } else {
            break;
        }
    }
    return woken + moved;
}

/* A 12-bit field of FUTEX_WAKE_OP's encoding, sign-extended. */
static int32_t field12(uint32_t v)
{
    return (int32_t)(v << 20) >> 20;
}

/* FUTEX_WAKE_OP: *uaddr2 = old OP oparg; wakes nwake on uaddr and, when
 * old CMP cmparg, nwake2 on uaddr2. */
static long futex_wake_op(uintptr_t uaddr, uintptr_t uaddr2, bool private,
                          long nwake, long nwake2, uint32_t enc)
{
    mspace_t *ms = task_current()->mspace;
    uint32_t old, dummy;
    int rc = get_word(uaddr, &dummy);
    if (rc == 0)
        rc = get_word(uaddr2, &old);
    if (rc < 0)
        return rc;
    int op = (enc >> 28) & 7, cmp = (enc >> 24) & 15;
    int32_t oparg = field12(enc >> 12), cmparg = field12(enc);
    if (enc & (8u << 28)) {
        if (oparg < 0 || oparg > 31)
            return -EINVAL;
        oparg = (int32_t)(1u << oparg);
    }
    uint32_t new;
    switch (op) {
    case 0: new = (uint32_t)oparg; break;          /* SET */
    case 1: new = old + (uint32_t)oparg; break;    /* ADD */
    case 2: new = old | (uint32_t)oparg; break;    /* OR */
    case 3: new = old & ~(uint32_t)oparg; break;   /* ANDN */
    case 4: new = old ^ (uint32_t)oparg; break;    /* XOR */
    default: return -ENOSYS;
    }
    bool hit;
    switch (cmp) {
    case 0: hit = (int32_t)old == cmparg; break;
    case 1: hit = (int32_t)old != cmparg; break;
    case 2: hit = (int32_t)old < cmparg; break;
    case 3: hit = (int32_t)old <= cmparg; break;
    case 4: hit = (int32_t)old > cmparg; break;
    case 5: hit = (int32_t)old >= cmparg; break;
    default: return -ENOSYS;
    }
    if (copy_to_user((void *)uaddr2, &new, 4) < 0)
        return -EFAULT;
    long n = wake_bits(key_of(ms, uaddr, private),
                       (int)nwake < 0 ? 0 : (int)nwake, FUTEX_BITSET_MATCH_ANY);
    if (hit)
        n += wake_bits(key_of(ms, uaddr2, private),
                       (int)nwake2 < 0 ? 0 : (int)nwake2,
                       FUTEX_BITSET_MATCH_ANY);
    return n;
}

long sys_futex(const long *a)
{
    uintptr_t uaddr = (uintptr_t)a[0], uaddr2 = (uintptr_t)a[4];
    int op = (int)a[1], cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    bool realtime = op & FUTEX_CLOCK_REALTIME;
    bool private = op & FUTEX_PRIVATE_FLAG;
    uint32_t val = (uint32_t)a[2], val3 = (uint32_t)a[5];
    uint32_t ignored;
    if (realtime && cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET)
        return -ENOSYS;
    switch (cmd) {
    case FUTEX_WAIT:
        return futex_wait(uaddr, private, val, (uintptr_t)a[3], false,
                          realtime, FUTEX_BITSET_MATCH_ANY);
    case FUTEX_WAIT_BITSET:
        return futex_wait(uaddr, private, val, (uintptr_t)a[3], true,
                          realtime, val3);
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET: {
        uint32_t bits = cmd == FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY : val3;
        int rc = get_word(uaddr, &ignored);
        if (rc < 0)
            return rc;
        if (bits == 0)
            return -EINVAL;
        return wake_bits(key_of(task_current()->mspace, uaddr, private),
                         (int)val < 0 ? 0 : (int)val, bits);
    }
    case FUTEX_REQUEUE:
        return futex_requeue(uaddr, uaddr2, private, (long)val, a[3], false,
                             0);
    case FUTEX_CMP_REQUEUE:
        return futex_requeue(uaddr, uaddr2, private, (long)val, a[3], true,
                             val3);
    case FUTEX_WAKE_OP:
        return futex_wake_op(uaddr, uaddr2, private, (long)val, a[3], val3);
    default:
        return -ENOSYS;
    }
}
