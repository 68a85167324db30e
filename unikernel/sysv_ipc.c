/*
 * sysv_ipc.c - what System V shared memory, semaphores and message queues
 * share: the key lookup and creation rules of *get, the id tables and the
 * perm record of IPC_STAT / IPC_SET.
 */
#include <errno.h>
#include <stddef.h>

#include "arch/clock.h"
#include "mm/kalloc.h"
#include "unikernel/sysv_ipc.h"
#include "unikernel/task.h"
#include "unikernel/thread.h"

static struct ipc_obj *by_key(struct ipc_ids *ids, int32_t key)
{
    for (int i = 0; ids->slot && i < IPC_SLOTS; i++)
        if (ids->slot[i] && ids->slot[i]->key == key)
            return ids->slot[i];
    return NULL;
}

long ipc_get(struct ipc_ids *ids, int32_t key, int flags, long arg,
             int (*check)(struct ipc_obj *obj, long arg),
             struct ipc_obj *(*make)(long arg))
{
    struct ipc_obj *o = key == IPC_PRIVATE ? NULL : by_key(ids, key);
    if (o) {
        if ((flags & (IPC_CREAT | IPC_EXCL)) == (IPC_CREAT | IPC_EXCL))
            return -EEXIST;
        int rc = check(o, arg);
        return rc < 0 ? rc : o->id;
    }
    if (key != IPC_PRIVATE && !(flags & IPC_CREAT))
        return -ENOENT;
    if (!make)
        return -EINVAL; /* nothing valid to create (semget of 0) */
    if (!ids->slot && !(ids->slot = kalloc(IPC_SLOTS * sizeof(*ids->slot))))
        return -ENOMEM;
    int i = 0;
    while (i < IPC_SLOTS && ids->slot[i])
        i++;
    if (i == IPC_SLOTS)
        return -ENOSPC;
    o = make(arg);
    if (!o)
        return -ENOMEM;
    o->key = key;
    o->uid = o->gid = o->cuid = o->cgid = 0;
    o->mode = (uint32_t)flags & 0777;
    o->seq = ids->seq++;
    o->id = i + IPC_SLOTS * (o->seq & 0x7fff);
    ids->slot[i] = o;
    ids->used++;
    return o->id;
}

struct ipc_obj *ipc_find(struct ipc_ids *ids, int id)
{
    if (id < 0 || !ids->slot)
        return NULL;
    struct ipc_obj *o = ids->slot[id % IPC_SLOTS];
    return o && o->id == id ? o : NULL;
}

void ipc_unlink(struct ipc_ids *ids, struct ipc_obj *obj)
{
    int i = obj->id % IPC_SLOTS;
    if (ids->slot && ids->slot[i] == obj) {
        ids->slot[i] = NULL;
        ids->used--;
    }
}

void ipc_fill_perm(const struct ipc_obj *obj, struct ipc64_perm_k *p)
{
    *p = (struct ipc64_perm_k){0};
    p->key = obj->key;
    p->uid = obj->uid;
    p->gid = obj->gid;
    p->cuid = obj->cuid;
    p->cgid = obj->cgid;
    p->mode = obj->mode;
    p->seq = obj->seq;
}

void ipc_set_perm(struct ipc_obj *obj, const struct ipc64_perm_k *p)
{
    obj->uid = p->uid;
    obj->gid = p->gid;
    obj->mode = (obj->mode & ~0777u) | (p->mode & 0777);
}

long ipc_now(void)
{
    return (long)(clock_realtime_ns() / 1000000000ull);
}

int ipc_pid(void)
{
    return thread_tgid(task_current());
}
