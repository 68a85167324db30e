/*
 * sysv_sem.c - semget, semop, semtimedop and semctl.  A semop applies its
 * whole array or nothing: the operations are applied in order and undone
 * when one would block or overflow.  A caller that must wait sleeps on the
 * set's wait queue; every change to the set wakes all its waiters and each
 * tries again (so the counts of GETNCNT/GETZCNT are the waiters' blocking
 * operations).  SEM_UNDO keeps a per-process adjustment per set, applied
 * when the process ends (sysv_sem_exit).  IPC_RMID wakes the waiters with
 * EIDRM; the set is freed when the last of them has left.
 */
#include <errno.h>

#include "arch/clock.h"
#include "mm/kalloc.h"
#include "unikernel/syscall.h"
#include "unikernel/sysv_ipc.h"
#include "unikernel/usercopy.h"
#include "unikernel/waitq.h"

#define SEM_UNDO 0x1000
#define GETPID 11
#define GETVAL 12
#define GETALL 13
#define GETNCNT 14
#define GETZCNT 15
#define SETVAL 16
#define SETALL 17
#define SEMMSL 32000
#define SEMOPM 500
#define SEMVMX 32767
#define SEMAEM SEMVMX

struct sembuf_k {
    uint16_t num;
    int16_t op;
    int16_t flg;
};

struct sem {
    int val;
    int pid;
};

struct sem_set {
    struct ipc_obj o;
    int nsems;
    bool dead;
    int users; /* waiters inside a semop: the set stays while > 0 */
    long otime, ctime;
    struct waitq q;
    struct sem sems[];
};

/* A process's SEM_UNDO adjustments on one set. */
struct sem_undo {
    struct sem_undo *next;
    int pid;
    struct sem_set *set;
    int adj[];
};

/* Linux's struct semid64_ds (x86_64). */
struct semid64_ds_k {
    struct ipc64_perm_k perm;
    int64_t otime;
    uint64_t unused1;
    int64_t ctime;
    uint64_t unused2;
    uint64_t nsems;
    uint64_t unused3, unused4;
};

static struct ipc_ids sem_ids;
static struct sem_undo *undos;

static int sem_check(struct ipc_obj *o, long nsems)
{
    return nsems > ((struct sem_set *)o)->nsems ? -EINVAL : 0;
}

static struct ipc_obj *sem_make(long nsems)
{
    struct sem_set *s =
        kalloc(sizeof(*s) + (size_t)nsems * sizeof(struct sem));
    if (!s)
        return NULL;
    *s = (struct sem_set){0};
    for (long i = 0; i < nsems; i++)
        s->sems[i] = (struct sem){0, 0};
    s->nsems = (int)nsems;
    s->ctime = ipc_now();
    s->q = (struct waitq)WAITQ_INIT;
    return &s->o;
}

long sys_semget(const long *a)
{
    int32_t key = (int32_t)a[0];
    long nsems = (int)a[1];
    int flags = (int)a[2];
    if (nsems < 0 || nsems > SEMMSL)
        return -EINVAL;
    long id = ipc_get(&sem_ids, key, flags, nsems, sem_check,
                      nsems == 0 ? NULL : sem_make);
    return id;
}

/* Forgets every undo record of `set` (IPC_RMID), or only its entry
 * `num` (SETVAL; -1: all entries, SETALL). */
static void undo_clear(struct sem_set *set, int num, bool drop)
{
    for (struct sem_undo **p = &undos; *p;) {
        struct sem_undo *u = *p;
        if (u->set != set) {
            p = &u->next;
            continue;
        }
        if (drop) {
            *p = u->next;
            kfree(u);
            continue;
        }
        for (int i = 0; i < set->nsems; i++)
            if (num < 0 || i == num)
                u->adj[i] = 0;
        p = &u->next;
    }
}

static struct sem_undo *undo_of(struct sem_set *set, int pid, bool make)
{
    for (struct sem_undo *u = undos; u; u = u->next)
        if (u->set == set && u->pid == pid)
            return u;
    if (!make)
        return NULL;
    struct sem_undo *u = kalloc(sizeof(*u) + (size_t)set->nsems * sizeof(int));
    if (!u)
        return NULL;
    u->pid = pid;
    u->set = set;
    for (int i = 0; i < set->nsems; i++)
        u->adj[i] = 0;
    u->next = undos;
    undos = u;
    return u;
}

static void set_free_if_done(struct sem_set *s)
{
    if (s->dead && s->users == 0)
        kfree(s);
}

/* Applies the n operations or none: 0 done, 1 would block (*blocking:
 * the operation's index), -ERANGE, -ENOMEM. */
static int try_ops(struct sem_set *s, const struct sembuf_k *ops, int n,
                   int *blocking)
{
    int i, rc = 0;
    struct sem_undo *u = NULL;
    for (i = 0; i < n; i++)
        if (ops[i].flg & SEM_UNDO)
            u = undo_of(s, ipc_pid(), false);
    for (i = 0; i < n; i++) {
        struct sem *m = &s->sems[ops[i].num];
        int v = m->val + ops[i].op;
        if ((ops[i].op == 0 && m->val != 0) || v < 0) {
            *blocking = i;
            rc = 1;
            break;
        }
        if (v > SEMVMX) {
            rc = -ERANGE;
            break;
        }
        if ((ops[i].flg & SEM_UNDO) && u) {
            int adj = u->adj[ops[i].num] - ops[i].op;
            if (adj < -SEMAEM - 1 || adj > SEMAEM) {
                rc = -ERANGE;
                break;
            }
        }
        m->val = v;
    }
    if (rc == 0) {
        bool undo = false;
        for (int j = 0; j < n; j++)
            undo |= (ops[j].flg & SEM_UNDO) && ops[j].op;
        if (undo && !u && !(u = undo_of(s, ipc_pid(), true)))
            rc = -ENOMEM;
    }
    if (rc != 0) {
        while (i-- > 0)
            s->sems[ops[i].num].val -= ops[i].op;
        return rc;
    }
    int pid = ipc_pid();
    for (i = 0; i < n; i++) {
        s->sems[ops[i].num].pid = pid;
        if ((ops[i].flg & SEM_UNDO) && ops[i].op) /* u made above for it */
            u->adj[ops[i].num] -= ops[i].op;
    }
    s->otime = ipc_now();
    return 0;
}

/* semtimedop with `timeout` (user, relative; NULL: none). */
static long semop_common(int id, const void *usops, long nsops,
                         const void *utimeout)
{
    if (nsops < 1 || id < 0)
        return -EINVAL;
    if (nsops > SEMOPM)
        return -E2BIG;
    struct sembuf_k *ops = kalloc((size_t)nsops * sizeof(*ops));
    if (!ops)
        return -ENOMEM;
    long rc = 0;
    uint64_t deadline = 0;
    if (copy_from_user(ops, usops, (size_t)nsops * sizeof(*ops)) < 0) {
        rc = -EFAULT;
        goto out;
    }
    if (utimeout) {
        int64_t ts[2];
        if (copy_from_user(ts, utimeout, sizeof(ts)) < 0) {
            rc = -EFAULT;
            goto out;
        }
        if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000) {
            rc = -EINVAL;
            goto out;
        }
        deadline = clock_monotonic_ns() + (uint64_t)ts[0] * 1000000000ull +
                   (uint64_t)ts[1];
        if (!deadline)
            deadline = 1;
    }
    struct sem_set *s = (struct sem_set *)ipc_find(&sem_ids, id);
    if (!s) {
        rc = -EINVAL;
        goto out;
    }
    int max = 0;
    bool alter = false;
    for (long i = 0; i < nsops; i++) {
        if (ops[i].num > max)
            max = ops[i].num;
        alter |= ops[i].op != 0;
    }
    if (max >= s->nsems) {
        rc = -EFBIG;
        goto out;
    }
    for (;;) {
        int blocking = 0;
        rc = try_ops(s, ops, (int)nsops, &blocking);
        if (rc == 0 && alter)
            waitq_wake(&s->q, 1 << 30);
        if (rc != 1)
            break;
        if (ops[blocking].flg & IPC_NOWAIT) {
            rc = -EAGAIN;
            break;
        }
        struct waiter w = {0};
        w.key = (uintptr_t)&ops[blocking]; /* GETNCNT / GETZCNT read it */
        waitq_add(&s->q, &w);
        s->users++;
        int sl = waitq_sleep(&w, deadline);
        s->users--;
        if (s->dead) {
            set_free_if_done(s);
            rc = -EIDRM;
            break;
        }
        if (sl == -ETIMEDOUT) {
            rc = -EAGAIN;
            break;
        }
        if (sl == -EINTR) {
            rc = -EINTR;
            break;
        }
    }
out:
    kfree(ops);
    return rc;
}

long sys_semop(const long *a)
{
    return semop_common((int)a[0], (const void *)a[1], (unsigned)a[2], NULL);
}

long sys_semtimedop(const long *a)
{
    /* nsops is Linux's unsigned int */
    return semop_common((int)a[0], (const void *)a[1], (unsigned)a[2],
                        (const void *)a[3]);
}

/* How many waiters block on semaphore `num` wanting zero (`zero`) or an
 * increase. */
static int count_waiters(struct sem_set *s, int num, bool zero)
{
    int n = 0;
    for (struct waiter *w = s->q.head; w; w = w->next) {
        const struct sembuf_k *op = (const struct sembuf_k *)w->key;
        if (op->num == num && (zero ? op->op == 0 : op->op < 0))
            n++;
    }
    return n;
}

long sys_semctl(const long *a)
{
    int num = (int)a[1], cmd = (int)a[2] & ~IPC_64;
    long arg = a[3];
    struct sem_set *s = (struct sem_set *)ipc_find(&sem_ids, (int)a[0]);
    if (!s)
        return -EINVAL;
    switch (cmd) {
    case GETVAL:
    case GETPID:
    case GETNCNT:
    case GETZCNT:
    case SETVAL:
        if (num < 0 || num >= s->nsems)
            return -EINVAL;
        break;
    default:
        break;
    }
    switch (cmd) {
    case GETVAL:
        return s->sems[num].val;
    case GETPID:
        return s->sems[num].pid;
    case GETNCNT:
        return count_waiters(s, num, false);
    case GETZCNT:
        return count_waiters(s, num, true);
    case SETVAL: {
        int v = (int)arg;
        if (v < 0 || v > SEMVMX)
            return -ERANGE;
        s->sems[num].val = v;
        s->sems[num].pid = ipc_pid();
        undo_clear(s, num, false);
        s->ctime = ipc_now();
        waitq_wake(&s->q, 1 << 30);
        return 0;
    }
    case GETALL:
    case SETALL: {
        uint16_t *v = kalloc((size_t)s->nsems * sizeof(uint16_t));
        if (!v)
            return -ENOMEM;
        long rc = 0;
        if (cmd == GETALL) {
            for (int i = 0; i < s->nsems; i++)
                v[i] = (uint16_t)s->sems[i].val;
            if (copy_to_user((void *)arg, v, (size_t)s->nsems * 2) < 0)
                rc = -EFAULT;
        } else if (copy_from_user(v, (void *)arg, (size_t)s->nsems * 2) < 0) {
            rc = -EFAULT;
        } else {
            for (int i = 0; i < s->nsems && rc == 0; i++)
                if (v[i] > SEMVMX)
                    rc = -ERANGE;
            for (int i = 0; i < s->nsems && rc == 0; i++) {
                s->sems[i].val = v[i];
                s->sems[i].pid = ipc_pid();
            }
            if (rc == 0) {
                undo_clear(s, -1, false);
                s->ctime = ipc_now();
                waitq_wake(&s->q, 1 << 30);
            }
        }
        kfree(v);
        return rc;
    }
    case IPC_STAT: {
        struct semid64_ds_k ds = {0};
        ipc_fill_perm(&s->o, &ds.perm);
        ds.otime = s->otime;
        ds.ctime = s->ctime;
        ds.nsems = (uint64_t)s->nsems;
        return copy_to_user((void *)arg, &ds, sizeof(ds)) < 0 ? -EFAULT : 0;
    }
    case IPC_SET: {
        struct semid64_ds_k ds;
        if (copy_from_user(&ds, (void *)arg, sizeof(ds)) < 0)
            return -EFAULT;
        ipc_set_perm(&s->o, &ds.perm);
        s->ctime = ipc_now();
        return 0;
    }
    case IPC_RMID:
        ipc_unlink(&sem_ids, &s->o);
        undo_clear(s, -1, true);
        s->dead = true;
        waitq_wake(&s->q, 1 << 30);
        set_free_if_done(s);
        return 0;
    default:
        return -EINVAL;
    }
}

void sysv_sem_exit(int pid)
{
    for (struct sem_undo **p = &undos; *p;) {
        struct sem_undo *u = *p;
        if (u->pid != pid) {
            p = &u->next;
            continue;
        }
        struct sem_set *s = u->set;
        for (int i = 0; i < s->nsems; i++) {
            if (!u->adj[i])
                continue;
            int v = s->sems[i].val + u->adj[i];
            s->sems[i].val = v < 0 ? 0 : v > SEMVMX ? SEMVMX : v;
            s->sems[i].pid = pid;
        }
        waitq_wake(&s->q, 1 << 30);
        *p = u->next;
        kfree(u);
    }
}
