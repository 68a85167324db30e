/*
 * memfd.c - memfd_create and ftruncate: an anonymous in-memory file whose
 * pages live in its inode's page cache, so every MAP_SHARED mapping of it,
 * in any task, sees the same frames; read, write and fstat reach the same
 * pages.  ftruncate drops the pages past the new size from the cache and
 * from every task's mappings; the last partial page is zeroed past it.
 */
#include <errno.h>
#include <string.h>

#include "mm/kalloc.h"
#include "mm/page.h"
#include "unikernel/fd.h"
#include "unikernel/syscall.h"
#include "unikernel/task.h"
#include "unikernel/usercopy.h"

#define MFD_CLOEXEC 1
#define MFD_ALLOW_SEALING 2
#define MEMFD_NAME_MAX 249 /* Linux: 255 with the "memfd:" prefix */
#define MEMFD_SIZE_MAX ((uint64_t)1 << 32)

struct memfd {
    uint64_t size; /* bytes, as ftruncate and write set it */
};

static uint64_t memfd_size(const struct file *f)
{
    return ((const struct memfd *)f->priv)->size;
}

/* Copies between the file at `pos` and user `buf`, page by page through
 * the page cache: bytes copied or -EFAULT / -ENOMEM. */
static long memfd_copy(struct file *f, void *buf, size_t n, uint64_t pos,
                       bool write)
{
    size_t done = 0;
    while (done < n) {
        uint64_t at = pos + done, page = at & ~(uint64_t)PAGE_MASK;
        size_t off = (size_t)(at - page), k = PAGE_SIZE - off;
        if (k > n - done)
            k = n - done;
        phys_addr_t pa = inode_page(f->ino, page);
        if (!pa)
            return done ? (long)done : -ENOMEM;
        char *kaddr = (char *)mmu_kaddr(pa) + off;
        int rc = write ? copy_from_user(kaddr, (const char *)buf + done, k)
                       : copy_to_user((char *)buf + done, kaddr, k);
        page_unref(pa);
        if (rc < 0)
            return done ? (long)done : -EFAULT;
        done += k;
    }
    return (long)done;
}

static long memfd_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
    if (*pos >= memfd_size(f))
        return 0;
    if (n > memfd_size(f) - *pos)
        n = (size_t)(memfd_size(f) - *pos);
    long rc = memfd_copy(f, buf, n, *pos, false);
    if (rc > 0)
        *pos += (uint64_t)rc;
    return rc;
}

static long memfd_write(struct file *f, const void *buf, size_t n)
{
    if (f->pos > MEMFD_SIZE_MAX || n > MEMFD_SIZE_MAX - f->pos)
        return -EFBIG;
    long rc = memfd_copy(f, (void *)buf, n, f->pos, true);
    if (rc == -ENOMEM)
        rc = -ENOSPC; /* no page left under the commit limit: as tmpfs */
    if (rc > 0) {
        f->pos += (uint64_t)rc;
        if (f->pos > memfd_size(f))
            ((struct memfd *)f->priv)->size = f->pos;
    }
    return rc;
}

static void memfd_stat(struct file *f, struct kstat *st)
{
    st->st_mode = KS_IFREG | 0777;
    st->st_size = (int64_t)memfd_size(f);
    st->st_blksize = PAGE_SIZE;
    st->st_blocks = (int64_t)inode_cached(f->ino) * (PAGE_SIZE / 512);
    st->st_ino = f->ino->number;
}

static void memfd_release(struct file *f)
{
    kfree(f->priv);
}

static const struct file_ops memfd_ops = {
    .read = memfd_read,
    .write = memfd_write,
    .stat = memfd_stat,
    .release = memfd_release,
};

long sys_memfd_create(const long *a)
{
    char name[MEMFD_NAME_MAX + 1];
    long len = strncpy_from_user(name, (const char *)a[0], sizeof(name));
    if (len < 0)
        return len;
    if (len > MEMFD_NAME_MAX || (a[1] & ~(long)(MFD_CLOEXEC | MFD_ALLOW_SEALING)))
        return -EINVAL;
    struct memfd *m = kalloc(sizeof(*m));
    /* shared mappings may have any right, exec too: a JIT maps one memfd
     * twice, RW and RX */
    inode_t *ino = m ? inode_create("/memfd", NULL, 0, VMA_RIGHTS)
                     : NULL;
    struct file *f = ino ? file_new(&memfd_ops, ino) : NULL;
    if (ino)
        inode_close(ino); /* the file holds its own reference */
    if (!f) {
        kfree(m);
        return -ENOMEM;
    }
    f->priv = m;
    f->seekable = 1;
    task_t *t = task_current();
    int fd = fd_install(t, f);
    if (fd >= 0 && (a[1] & MFD_CLOEXEC))
        t->files->cloexec |= 1ull << fd;
    return fd;
}

/* Truncates `ino` to `size`: every task's entries past it go first (none
 * may outlive its cache page), then the cache pages themselves. */
static void memfd_truncate(inode_t *ino, uint64_t size)
{
    uint64_t from = (size + PAGE_MASK) & ~(uint64_t)PAGE_MASK;
    for (int i = 0; i < sched_slots(); i++) {
        task_t *t = sched_slot(i);
        if (t && t->mspace) /* a vfork pair is visited twice: harmless */
            mspace_unmap_inode(t->mspace, ino, from);
    }
    inode_truncate(ino, size);
}

long sys_ftruncate(const long *a)
{
    struct file *f = fd_get(task_current(), (int)a[0]);
    if (!f)
        return -EBADF;
    if (f->ops != &memfd_ops)
        return -EINVAL; /* the ramfs is read-only */
    if (a[1] < 0 || (uint64_t)a[1] > MEMFD_SIZE_MAX)
        return -EINVAL;
    ((struct memfd *)f->priv)->size = (uint64_t)a[1];
    memfd_truncate(f->ino, (uint64_t)a[1]);
    return 0;
}
