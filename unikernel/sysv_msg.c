/*
 * sysv_msg.c - msgget, msgsnd, msgrcv and msgctl.  A queue is a list of
 * kalloc'd messages in sending order, bounded by msg_qbytes (bytes, and
 * messages: Linux's rule); a sender past it or a receiver finding no
 * message of its type sleeps on the queue's wait queue.  Every change
 * wakes all the waiters, each tries again; IPC_RMID wakes them with EIDRM
 * and the queue is freed when the last has left.
 */
#include <errno.h>
#include <string.h>

#include "mm/kalloc.h"
#include "unikernel/syscall.h"
#include "unikernel/sysv_ipc.h"
#include "unikernel/usercopy.h"
#include "unikernel/waitq.h"

#define MSG_NOERROR 010000
#define MSG_EXCEPT 020000
#define MSG_COPY 040000
#define MSGMAX 8192
#define MSGMNB 16384

struct msg {
    struct msg *next;
    long type;
    size_t len;
    char text[];
};

struct msg_queue {
    struct ipc_obj o;
    struct msg *head, *tail;
    uint64_t cbytes, qnum, qbytes;
    int lspid, lrpid;
    long stime, rtime, ctime;
    bool dead;
    int users; /* waiters: the queue stays while > 0 */
    struct waitq q;
};

/* Linux's struct msqid64_ds (x86_64). */
struct msqid64_ds_k {
    struct ipc64_perm_k perm;
    int64_t stime, rtime, ctime;
    uint64_t cbytes, qnum, qbytes;
    int32_t lspid, lrpid;
    uint64_t unused4, unused5;
};

static struct ipc_ids msg_ids;

static int msq_check(struct ipc_obj *o, long arg)
{
    (void)o;
    (void)arg;
    return 0;
}

static struct ipc_obj *msq_make(long arg)
{
    (void)arg;
    struct msg_queue *m = kalloc(sizeof(*m));
    if (!m)
        return NULL;
    *m = (struct msg_queue){0};
    m->qbytes = MSGMNB;
    m->ctime = ipc_now();
    m->q = (struct waitq)WAITQ_INIT;
    return &m->o;
}

long sys_msgget(const long *a)
{
    return ipc_get(&msg_ids, (int32_t)a[0], (int)a[1], 0, msq_check,
                   msq_make);
}

static void msq_free_if_done(struct msg_queue *m)
{
    if (!m->dead || m->users)
        return;
    while (m->head) {
        struct msg *x = m->head;
        m->head = x->next;
        kfree(x);
    }
    kfree(m);
}

/* Sleeps on `m` until a change: 0, -EIDRM, -EINTR. */
static int msq_wait(struct msg_queue *m)
{
    struct waiter w = {0};
    waitq_add(&m->q, &w);
    m->users++;
    int rc = waitq_sleep(&w, 0);
    m->users--;
    if (m->dead) {
        msq_free_if_done(m);
        return -EIDRM;
    }
    return rc;
}

long sys_msgsnd(const long *a)
{
    const char *up = (const char *)a[1];
    long size = a[2];
    int flags = (int)a[3];
    struct msg_queue *m = (struct msg_queue *)ipc_find(&msg_ids, (int)a[0]);
    if (!m)
        return -EINVAL;
    if (size < 0 || size > MSGMAX)
        return -EINVAL;
    long type;
    if (copy_from_user(&type, up, sizeof(type)) < 0)
        return -EFAULT;
    if (type < 1)
        return -EINVAL;
    struct msg *x = kalloc(sizeof(*x) + (size_t)size);
    if (!x)
        return -ENOMEM;
    if (copy_from_user(x->text, up + sizeof(long), (size_t)size) < 0) {
        kfree(x);
        return -EFAULT;
    }
    x->type = type;
    x->len = (size_t)size;
    x->next = NULL;
    while (m->cbytes + (uint64_t)size > m->qbytes || m->qnum + 1 > m->qbytes) {
        int rc = (flags & IPC_NOWAIT) ? -EAGAIN : msq_wait(m);
        if (rc < 0) {
            kfree(x);
            return rc;
        }
    }
    if (m->tail)
        m->tail->next = x;
    else
        m->head = x;
    m->tail = x;
    m->cbytes += (uint64_t)size;
    m->qnum++;
    m->lspid = ipc_pid();
    m->stime = ipc_now();
    waitq_wake(&m->q, 1 << 30);
    return 0;
}

/* The message msgrcv with `type` and `flags` takes, and its predecessor. */
static struct msg *pick(struct msg_queue *m, long type, int flags,
                        struct msg **prev)
{
    struct msg *best = NULL, *bprev = NULL, *p = NULL;
    /* -LONG_MIN overflows: Linux takes LONG_MAX */
    long lim = type == -__LONG_MAX__ - 1 ? __LONG_MAX__ : -type;
    for (struct msg *x = m->head; x; p = x, x = x->next) {
        bool fit = type == 0                 ? true
                   : type < 0                ? x->type <= lim
                   : (flags & MSG_EXCEPT) ? x->type != type
                                             : x->type == type;
        if (!fit)
            continue;
        if (type >= 0) {
            *prev = p;
            return x;
        }
        if (!best || x->type < best->type) {
            best = x;
            bprev = p;
        }
    }
    *prev = bprev;
    return best;
}

long sys_msgrcv(const long *a)
{
    char *up = (char *)a[1];
    long size = a[2], type = a[3];
    int flags = (int)a[4];
    struct msg_queue *m = (struct msg_queue *)ipc_find(&msg_ids, (int)a[0]);
    if (flags & MSG_COPY)
        return -ENOSYS; /* as a Linux without checkpoint/restore */
    if (!m || size < 0)
        return -EINVAL;
    struct msg *x, *prev;
    for (;;) {
        x = pick(m, type, flags, &prev);
        if (x && x->len > (size_t)size && !(flags & MSG_NOERROR))
            return -E2BIG;
        if (x)
            break;
        int rc = (flags & IPC_NOWAIT) ? -ENOMSG : msq_wait(m);
        if (rc < 0)
            return rc;
    }
    if (prev)
        prev->next = x->next;
    else
        m->head = x->next;
    if (m->tail == x)
        m->tail = prev;
    m->cbytes -= x->len;
    m->qnum--;
    m->lrpid = ipc_pid();
    m->rtime = ipc_now();
    waitq_wake(&m->q, 1 << 30);
    size_t n = x->len < (size_t)size ? x->len : (size_t)size;
    long rc = (long)n;
    if (copy_to_user(up, &x->type, sizeof(long)) < 0 ||
        copy_to_user(up + sizeof(long), x->text, n) < 0)
        rc = -EFAULT; /* the message is lost, as on Linux */
    kfree(x);
    return rc;
}

long sys_msgctl(const long *a)
{
    int cmd = (int)a[1] & ~IPC_64;
    void *ubuf = (void *)a[2];
    struct msg_queue *m = (struct msg_queue *)ipc_find(&msg_ids, (int)a[0]);
    if (!m)
        return -EINVAL;
    struct msqid64_ds_k ds;
    switch (cmd) {
    case IPC_STAT:
        ds = (struct msqid64_ds_k){0};
        ipc_fill_perm(&m->o, &ds.perm);
        ds.stime = m->stime;
        ds.rtime = m->rtime;
        ds.ctime = m->ctime;
        ds.cbytes = m->cbytes;
        ds.qnum = m->qnum;
        ds.qbytes = m->qbytes;
        ds.lspid = m->lspid;
        ds.lrpid = m->lrpid;
        return copy_to_user(ubuf, &ds, sizeof(ds)) < 0 ? -EFAULT : 0;
    case IPC_SET:
        if (copy_from_user(&ds, ubuf, sizeof(ds)) < 0)
            return -EFAULT;
        ipc_set_perm(&m->o, &ds.perm);
        m->qbytes = ds.qbytes;
        m->ctime = ipc_now();
        waitq_wake(&m->q, 1 << 30);
        return 0;
    case IPC_RMID:
        ipc_unlink(&msg_ids, &m->o);
        m->dead = true;
        waitq_wake(&m->q, 1 << 30);
        msq_free_if_done(m);
        return 0;
    default:
        return -EINVAL;
    }
}
