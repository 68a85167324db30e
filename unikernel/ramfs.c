/*
 * ramfs.c - read-only files from the image (see ramfs.h).  A cpio newc
 * member is a 110-byte ASCII header ("070701" and 13 fields of 8 hex
 * digits), the NUL-terminated name, padding to 4 bytes, the data, padding
 * to 4 bytes; "TRAILER!!!" ends the archive.
 */
#include <errno.h>
#include <string.h>

#include "unikernel/fd.h"
#include "unikernel/ramfs.h"

#define CPIO_HEADER 110
#define CPIO_MODE_TYPE 0170000
#define CPIO_MODE_REG 0100000

struct ramfs_file {
    const char *path; /* without leading "/" or "./" */
    inode_t *ino;     /* one reference held here */
};

static struct ramfs_file files[RAMFS_MAX_FILES];
static int nfiles;

/* Field `i` (0 = c_ino) of a newc header: its value, or -1 if not hex. */
static long cpio_field(const char *h, int i)
{
    long v = 0;
    for (const char *p = h + 6 + 8 * i; p < h + 14 + 8 * i; p++) {
        int d = *p >= '0' && *p <= '9'   ? *p - '0'
                : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
                : *p >= 'A' && *p <= 'F' ? *p - 'A' + 10
                                         : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

static size_t align4(size_t n)
{
    return (n + 3) & ~(size_t)3;
}

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

int ramfs_load_cpio(const void *data, size_t size)
{
    const char *base = data;
    size_t at = 0;
    while (size - at >= CPIO_HEADER) {
        const char *h = base + at;
        if (memcmp(h, "070701", 6) != 0)
            return -EINVAL;
        long mode = cpio_field(h, 1), fsize = cpio_field(h, 6);
        long nsize = cpio_field(h, 11);
        if (mode < 0 || fsize < 0 || nsize < 1)
            return -EINVAL;
        size_t name_at = at + CPIO_HEADER;
        if ((size_t)nsize > size - name_at)
            return -EINVAL;
        const char *name = base + name_at;
        if (name[nsize - 1] != '\0')
            return -EINVAL;
        size_t data_at = align4(name_at + (size_t)nsize);
        if (strcmp(name, "TRAILER!!!") == 0)
            return 0;
        if (data_at > size || (size_t)fsize > size - data_at)
            return -EINVAL;
        if ((mode & CPIO_MODE_TYPE) == CPIO_MODE_REG) {
            if (nfiles == RAMFS_MAX_FILES)
                return -ENOSPC;
            if (!ramfs_add(name, base + data_at, (size_t)fsize))
                return -ENOMEM;
        }
        at = align4(data_at + (size_t)fsize);
    }
    return at == size ? 0 : -EINVAL;
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
