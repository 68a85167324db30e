/*
 * unikernel/sysv_ipc.h - System V IPC: shared memory segments
 * (sysv_shm.c), semaphore sets (sysv_sem.c) and message queues
 * (sysv_msg.c), with the key, id and permission code they share here
 * (sysv_ipc.c).  Each kind has a table of IPC_SLOTS objects; an id is
 * slot + IPC_SLOTS * sequence, so a removed id is not reused at once.
 * Every caller is root: permissions are recorded, never refused.
 *
 * A segment's pages are a memfd-like inode's page cache (pagecache.h),
 * committed as memfd pages are; an attachment is a VMA_SHARED file VMA of
 * that inode made through the mm API, so fork copies it and exit or
 * execve drop it with the address space; shm_nattch is the inode's VMA
 * references.  Blocking semop and msgsnd/msgrcv sleep on the object's
 * wait queue (waitq.h): every change wakes them all and each retries.
 * One CPU, one system call at a time: no lock.
 */
#ifndef UNIKERNEL_SYSV_IPC_H
#define UNIKERNEL_SYSV_IPC_H

#include <stdbool.h>
#include <stdint.h>

#define IPC_SLOTS 1024
#define IPC_PRIVATE 0
#define IPC_CREAT 01000
#define IPC_EXCL 02000
#define IPC_NOWAIT 04000
#define IPC_RMID 0
#define IPC_SET 1
#define IPC_STAT 2
#define IPC_64 0x100

/* What every IPC object starts with. */
struct ipc_obj {
    int32_t key;      /* IPC_PRIVATE after IPC_RMID */
    int id;           /* slot + IPC_SLOTS * seq */
    uint32_t uid, gid, cuid, cgid;
    uint32_t mode;    /* permission bits (and SHM_DEST) */
    uint16_t seq;
};

/* Linux's struct ipc64_perm (x86_64). */
struct ipc64_perm_k {
    int32_t key;
    uint32_t uid, gid, cuid, cgid, mode;
    uint16_t seq, pad2;
    uint32_t pad3;
    uint64_t unused1, unused2;
};

struct ipc_ids {
    struct ipc_obj **slot; /* IPC_SLOTS, kalloc'd at the first creation:
                              a program without System V IPC pays nothing */
    uint16_t seq;
    int used;
};

/* The object named `key` (IPC_PRIVATE: none) or a new one as shmget,
 * semget and msgget decide with `flags`: existing and IPC_CREAT|IPC_EXCL
 * -EEXIST; missing without IPC_CREAT -ENOENT; else `check(obj, arg)` says
 * whether an existing one fits (0 or -errno) and `make(arg)` makes a new
 * one (NULL: -ENOMEM; `make` NULL: -EINVAL), which gets a slot (-ENOSPC when full), the key,
 * root's ids and flags & 0777.  Returns the id or -errno. */
long ipc_get(struct ipc_ids *ids, int32_t key, int flags, long arg,
             int (*check)(struct ipc_obj *obj, long arg),
             struct ipc_obj *(*make)(long arg));

/* The object in slot `i` of `ids`, or NULL. */
static inline struct ipc_obj *ipc_at(const struct ipc_ids *ids, int i)
{
    return ids->slot ? ids->slot[i] : NULL;
}

/* The live object with `id`, or NULL (the caller says EINVAL). */
struct ipc_obj *ipc_find(struct ipc_ids *ids, int id);

/* Takes `obj` out of its table: its id and key name nothing after. */
void ipc_unlink(struct ipc_ids *ids, struct ipc_obj *obj);

/* Fills Linux's perm record from `obj`. */
void ipc_fill_perm(const struct ipc_obj *obj, struct ipc64_perm_k *p);

/* IPC_SET's part: uid, gid and the low 9 mode bits from `p`. */
void ipc_set_perm(struct ipc_obj *obj, const struct ipc64_perm_k *p);

/* Seconds since the epoch, for the *_time fields. */
long ipc_now(void);

/* The calling process's id (what getpid says). */
int ipc_pid(void);

/* Process `pid` has ended: its SEM_UNDO adjustments are applied. */
void sysv_sem_exit(int pid);

/* Frees each removed segment that no mapping uses any more (after an
 * address space closed). */
void sysv_shm_reap(void);

#endif
