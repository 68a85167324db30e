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
#include "unikernel/memfd.h"
#include "unikernel/pagecache.h"
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

static long memfd_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
    if (*pos >= memfd_size(f))
        return 0;
    if (n > memfd_size(f) - *pos)
        n = (size_t)(memfd_size(f) - *pos);
    long rc = pagecache_copy(f->ino, buf, n, *pos, false);
    if (rc > 0)
        *pos += (uint64_t)rc;
    return rc;
}

/* pwrite64: `n` bytes at `pos`, the size grown to cover them. */
static long memfd_pwrite(struct file *f, const void *buf, size_t n,
                         uint64_t pos)
{
    if (pos > MEMFD_SIZE_MAX || n > MEMFD_SIZE_MAX - pos)
        return -EFBIG;
    long rc = pagecache_copy(f->ino, (void *)buf, n, pos, true);
    if (rc == -ENOMEM)
        rc = -ENOSPC; /* no page left under the commit limit: as tmpfs */
    if (rc > 0 && pos + (uint64_t)rc > memfd_size(f)) {
        ((struct memfd *)f->priv)->size = pos + (uint64_t)rc;
        inode_set_size(f->ino, pos + (uint64_t)rc);
    }
    return rc;
}

static long memfd_write(struct file *f, const void *buf, size_t n)
{
    long rc = memfd_pwrite(f, buf, n, f->pos);
    if (rc > 0)
        f->pos += (uint64_t)rc;
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

static long memfd_truncate(struct file *f, uint64_t size);

static const struct file_ops memfd_ops = {
    .read = memfd_read,
    .write = memfd_write,
    .pwrite = memfd_pwrite,
    .stat = memfd_stat,
    .truncate = memfd_truncate,
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
    return fd_install_new(f, a[1] & MFD_CLOEXEC);
}

/* ftruncate: the pages past the new size leave every mapping and the
 * cache. */
static long memfd_truncate(struct file *f, uint64_t size)
{
    if (size > MEMFD_SIZE_MAX)
        return -EINVAL;
    ((struct memfd *)f->priv)->size = size;
    inode_set_size(f->ino, size);
    pagecache_truncate(f->ino, size);
    return 0;
}

long memfd_fallocate(struct file *f, bool keep_size, bool punch, uint64_t off,
                     uint64_t len)
{
    if (f->ops != &memfd_ops)
        return -EOPNOTSUPP;
    if (off > MEMFD_SIZE_MAX || len > MEMFD_SIZE_MAX - off)
        return -EFBIG;
    if (punch) {
        pagecache_punch(f->ino, off, off + len);
        return 0;
    }
    uint64_t from = off & ~(uint64_t)PAGE_MASK;
    uint64_t to = (off + len + PAGE_MASK) & ~(uint64_t)PAGE_MASK;
    struct memfd *m = f->priv;
    bool grows = !keep_size && off + len > m->size;
    if (grows) /* the new size first: within_size's blocks for it */
        inode_set_size(f->ino, off + len);
    if (inode_prepare(f->ino, from, to) < 0) {
        inode_set_size(f->ino, m->size);
        return -ENOSPC; /* no page left under the commit limit */
    }
    if (grows)
        m->size = off + len;
    return 0;
}
