/* ramfs.c - read-only files from the image (see ramfs.h). */
#include <errno.h>
#include <string.h>

#include "unikernel/cpio.h"
#include "unikernel/fd.h"
#include "unikernel/ramfs.h"

struct ramfs_file {
    const char *path; /* without leading "/" or "./" */
    inode_t *ino;     /* one reference held here */
};

static struct ramfs_file files[RAMFS_MAX_FILES];
static int nfiles;

/* Skips the leading "/" and "./" of a path. */
static const char *path_strip(const char *p)
{
    for (;;) {
        if (p[0] == '/')
            p++;
        else if (p[0] == '.' && p[1] == '/')
            p += 2;
        else
            return p;
    }
}

inode_t *ramfs_add(const char *path, const void *data, size_t size)
{
    if (nfiles == RAMFS_MAX_FILES)
        return NULL;
    const char *name = path_strip(path);
    inode_t *ino = inode_create(path, data, size, VMA_READ | VMA_EXEC);
    if (!ino)
        return NULL;
    files[nfiles++] = (struct ramfs_file){name, ino};
    return ino;
}

/* Adds one member of the archive when it is a regular file. */
static int add_member(const char *name, const void *data, size_t size,
                      unsigned mode, void *arg)
{
    int *added = arg;
    if ((mode & CPIO_MODE_TYPE) != CPIO_MODE_REG)
        return 0; /* directories are implied by the paths */
    if (nfiles == RAMFS_MAX_FILES)
        return -ENOSPC;
    if (!ramfs_add(name, data, size))
        return -ENOMEM;
    ++*added;
    return 0;
}

int ramfs_load_cpio(const void *data, size_t size)
{
    int added = 0;
    int rc = cpio_walk(data, size, add_member, &added);
    return rc < 0 ? rc : added;
}

/* True when `path` (stripped) names the root directory. */
static bool is_root(const char *p)
{
    return p[0] == '\0' || strcmp(p, ".") == 0;
}

int ramfs_lookup(const char *path, inode_t **ino)
{
    if (path[0] == '\0')
        return -ENOENT;
    const char *p = path_strip(path);
    if (is_root(p))
        return 1;
    for (int i = 0; i < nfiles; i++)
        if (strcmp(files[i].path, p) == 0) {
            *ino = files[i].ino;
            return 0;
        }
    return -ENOENT;
}

static long ramfs_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
    if (!f->ino)
        return -EISDIR;
    return file_read_buffer(f->ino->data, f->ino->size, buf, n, pos);
}

static void ramfs_stat(struct file *f, struct kstat *st)
{
    if (!f->ino) {
        st->st_mode = 0040555; /* the root directory */
        st->st_ino = 1;
        st->st_nlink = 2;
        return;
    }
    st->st_mode = KS_IFREG | 0444;
    st->st_ino = f->ino->number + 1; /* 1 is the root */
    st->st_nlink = 1;
    st->st_size = (int64_t)f->ino->size;
    st->st_blksize = PAGE_SIZE;
    st->st_blocks = (int64_t)((f->ino->size + 511) / 512);
}

static const struct file_ops ramfs_ops = {
    .read = ramfs_read,
    .stat = ramfs_stat,
};

struct file *ramfs_open(const char *path, int *err)
{
    inode_t *ino = NULL;
    int rc = ramfs_lookup(path, &ino);
    if (rc < 0) {
        *err = rc;
        return NULL;
    }
    struct file *f = file_new(&ramfs_ops, ino);
    if (!f) {
        *err = -ENOMEM;
        return NULL;
    }
    f->seekable = 1;
    return f;
}
