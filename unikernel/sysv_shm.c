/*
 * sysv_shm.c - shmget, shmat, shmdt and shmctl.  A segment is an inode
 * without data (as a memfd's) whose page cache holds its pages; shmat maps
 * it VMA_SHARED through mspace_map, so each attachment is a file VMA with
 * a reference to the inode: fork copies it, munmap, exit and execve drop
 * it, and shm_nattch is the inode's references less the segment's own.
 * IPC_RMID takes the key away (IPC_PRIVATE, SHM_DEST) and the segment
 * goes with its last attachment (sysv_shm_reap, also run at exit).
 */
#include <errno.h>
#include <stdio.h>

#include "mm/inode.h"
#include "mm/kalloc.h"
#include "mm/memory.h"
#include "mm/vma.h"
#include "unikernel/syscall.h"
#include "unikernel/sysv_ipc.h"
#include "unikernel/task.h"
#include "unikernel/usercopy.h"

#define SHM_RDONLY 010000
#define SHM_RND 020000
#define SHM_REMAP 040000
#define SHM_EXEC 0100000
#define SHM_DEST 01000
#define SHMLBA PAGE_SIZE
#define SHMMAX (~0ul - (1ul << 24)) /* Linux's default */
#define SHMALL SHMMAX                /* pages; Linux's default too */
#define IPC_INFO 3
#define SHM_INFO 14

struct shm_seg {
    struct ipc_obj o;
    inode_t *ino;   /* one reference of the segment's own */
    uint64_t size;  /* bytes asked for (shm_segsz) */
    bool dead;      /* IPC_RMID done: goes with the last attachment */
    int cpid, lpid;
    long atime, dtime, ctime;
    char name[32];  /* what maps shows: Linux's "/SYSV%08x (deleted)" */
};

/* Linux's struct shmid64_ds (x86_64). */
struct shmid64_ds_k {
    struct ipc64_perm_k perm;
    uint64_t segsz;
    int64_t atime, dtime, ctime;
    int32_t cpid, lpid;
    uint64_t nattch, unused4, unused5;
};

/* Linux's struct shminfo64 (IPC_INFO) and struct shm_info (SHM_INFO). */
struct shminfo64_k {
    uint64_t shmmax, shmmin, shmmni, shmseg, shmall, unused[4];
};
struct shm_info_k {
    int32_t used_ids, pad;
    uint64_t shm_tot, shm_rss, shm_swp, swap_attempts, swap_successes;
};

static struct ipc_ids shm_ids;

static unsigned long nattch(const struct shm_seg *s)
{
    return (unsigned long)(s->ino->refs - 1);
}

static void seg_free(struct shm_seg *s)
{
    ipc_unlink(&shm_ids, &s->o);
    inode_close(s->ino);
    kfree(s);
}

void sysv_shm_reap(void)
{
    for (int i = 0; shm_ids.used && i < IPC_SLOTS; i++) {
        struct shm_seg *s = (struct shm_seg *)ipc_at(&shm_ids, i);
        if (s && s->dead && nattch(s) == 0)
            seg_free(s);
    }
}

static int shm_check(struct ipc_obj *o, long size)
{
    return (uint64_t)size > ((struct shm_seg *)o)->size ? -EINVAL : 0;
}

static struct ipc_obj *shm_make(long size)
{
    struct shm_seg *s = kalloc(sizeof(*s));
    if (!s)
        return NULL;
    *s = (struct shm_seg){0};
    s->size = (uint64_t)size;
    s->cpid = ipc_pid();
    s->ctime = ipc_now();
    /* the name is filled in by shmget once the key is known */
    s->ino = inode_create(s->name, NULL, 0, VMA_RIGHTS);
    if (s->ino) /* shmem: within_size blocks for the segment */
        inode_set_size(s->ino, s->size);
    if (!s->ino) {
        kfree(s);
        return NULL;
    }
    return &s->o;
}

long sys_shmget(const long *a)
{
    int32_t key = (int32_t)a[0];
    size_t size = (size_t)a[1];
    int flags = (int)a[2];
    sysv_shm_reap();
    bool creating = key == IPC_PRIVATE;
    if ((creating || (flags & IPC_CREAT)) && (size < 1 || size > SHMMAX)) {
        /* a too big size for an existing key is the check's EINVAL */
        struct ipc_obj *o = NULL;
        for (int i = 0; !creating && i < IPC_SLOTS && !o; i++)
            if (ipc_at(&shm_ids, i) && ipc_at(&shm_ids, i)->key == key)
                o = ipc_at(&shm_ids, i);
        if (!o)
            return -EINVAL;
    }
    long id = ipc_get(&shm_ids, key, flags, (long)size, shm_check, shm_make);
    if (id >= 0) {
        struct shm_seg *s = (struct shm_seg *)ipc_find(&shm_ids, (int)id);
        if (!s->name[0])
            snprintf(s->name, sizeof(s->name), "/SYSV%08x (deleted)",
                     (unsigned)key);
    }
    return id;
}

long sys_shmat(const long *a)
{
    int flags = (int)a[2];
    uintptr_t addr = (uintptr_t)a[1];
    sysv_shm_reap();
    struct shm_seg *s = (struct shm_seg *)ipc_find(&shm_ids, (int)a[0]);
    if (!s)
        return -EINVAL;
    if ((flags & SHM_REMAP) && !addr)
        return -EINVAL;
    if (addr & (SHMLBA - 1)) {
        if (!(flags & SHM_RND))
            return -EINVAL;
        addr &= ~(uintptr_t)(SHMLBA - 1);
    }
    size_t len = (s->size + PAGE_MASK) & ~(uint64_t)PAGE_MASK;
    int vflags = VMA_SHARED | VMA_READ;
    if (flags & SHM_RDONLY)
        vflags |= VMA_MAXREAD | VMA_MAXEXEC;
    else
        vflags |= VMA_WRITE;
    if (flags & SHM_EXEC)
        vflags |= VMA_EXEC;
    mspace_t *ms = task_current()->mspace;
    if (addr) {
        if (addr < MSPACE_USER_LOWER || !user_range_ok(addr, len))
            return -EINVAL;
        if (flags & SHM_REMAP) {
            int rc = mspace_unmap(ms, addr, len);
            if (rc < 0)
                return rc;
        }
        vflags |= VMA_FIXED;
    }
    void *at = mspace_map(ms, addr ? addr : ms->mmap_base, len, s->ino, 0, 0,
                          vflags);
    int err = mspace_error(at);
    if (err)
        return err == -EEXIST ? -EINVAL : err;
    s->lpid = ipc_pid();
    s->atime = ipc_now();
    return (long)(uintptr_t)at;
}

/* The segment whose inode is `ino`, or NULL. */
static struct shm_seg *seg_of(const inode_t *ino)
{
    for (int i = 0; ino && i < IPC_SLOTS; i++) {
        struct shm_seg *s = (struct shm_seg *)ipc_at(&shm_ids, i);
        if (s && s->ino == ino)
            return s;
    }
    return NULL;
}

/* shmdt: the attachment starting at `addr` (a VMA of a segment at its
 * offset 0) and the VMAs of the same segment after it within its size. */
long sys_shmdt(const long *a)
{
    uintptr_t addr = (uintptr_t)a[0];
    mspace_t *ms = task_current()->mspace;
    if (addr & PAGE_MASK)
        return -EINVAL;
    splock_lock(&ms->lock);
    vma_t *v = mspace_search_vma(ms, addr);
    struct shm_seg *s = v && vma_base(v) == addr && v->offset == 0
                            ? seg_of(v->ino)
                            : NULL;
    splock_unlock(&ms->lock);
    if (!s)
        return -EINVAL;
    uintptr_t end = addr + ((s->size + PAGE_MASK) & ~(uint64_t)PAGE_MASK);
    for (uintptr_t at = addr; at < end;) {
        splock_lock(&ms->lock);
        v = mspace_search_vma(ms, at);
        uintptr_t vb = 0, ve = 0;
        if (v && v->ino == s->ino &&
            v->offset == (uint64_t)(vma_base(v) - addr)) {
            vb = vma_base(v);
            ve = vma_end(v) < end ? vma_end(v) : end;
        }
        splock_unlock(&ms->lock);
        if (ve) {
            mspace_unmap(ms, vb, ve - vb);
            at = ve;
        } else {
            at += PAGE_SIZE;
        }
    }
    s->lpid = ipc_pid();
    s->dtime = ipc_now();
    sysv_shm_reap();
    return 0;
}

/* IPC_INFO (the limits) and SHM_INFO (the usage): the highest slot in
 * use, 0 when none. */
static long shm_info(int cmd, void *ubuf)
{
    int top = 0, used = 0;
    uint64_t pages = 0, rss = 0;
    for (int i = 0; i < IPC_SLOTS; i++) {
        struct shm_seg *s = (struct shm_seg *)ipc_at(&shm_ids, i);
        if (!s)
            continue;
        top = i;
        used++;
        pages += (s->size + PAGE_MASK) / PAGE_SIZE;
        rss += inode_cached(s->ino);
    }
    int rc;
    if (cmd == IPC_INFO) {
        struct shminfo64_k in = {SHMMAX, 1, IPC_SLOTS, IPC_SLOTS, SHMALL,
                                 {0, 0, 0, 0}};
        rc = copy_to_user(ubuf, &in, sizeof(in));
    } else {
        struct shm_info_k in = {used, 0, pages, rss, 0, 0, 0};
        rc = copy_to_user(ubuf, &in, sizeof(in));
    }
    return rc < 0 ? -EFAULT : top;
}

long sys_shmctl(const long *a)
{
    int cmd = (int)a[1] & ~IPC_64;
    void *ubuf = (void *)a[2];
    sysv_shm_reap();
    if (cmd == IPC_INFO || cmd == SHM_INFO)
        return shm_info(cmd, ubuf);
    struct shm_seg *s = (struct shm_seg *)ipc_find(&shm_ids, (int)a[0]);
    if (!s)
        return -EINVAL;
    struct shmid64_ds_k ds;
    switch (cmd) {
    case IPC_STAT:
        ds = (struct shmid64_ds_k){0};
        ipc_fill_perm(&s->o, &ds.perm);
        ds.segsz = s->size;
        ds.atime = s->atime;
        ds.dtime = s->dtime;
        ds.ctime = s->ctime;
        ds.cpid = s->cpid;
        ds.lpid = s->lpid;
        ds.nattch = nattch(s);
        return copy_to_user(ubuf, &ds, sizeof(ds)) < 0 ? -EFAULT : 0;
    case IPC_SET:
        if (copy_from_user(&ds, ubuf, sizeof(ds)) < 0)
            return -EFAULT;
        ipc_set_perm(&s->o, &ds.perm);
        s->ctime = ipc_now();
        return 0;
    case IPC_RMID:
        s->dead = true;
        s->o.key = IPC_PRIVATE;
        s->o.mode |= SHM_DEST;
        sysv_shm_reap();
        return 0;
    default:
        return -EINVAL;
    }
}
