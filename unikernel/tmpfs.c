/* tmpfs.c - the root file system in memory (see tmpfs.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "arch/clock.h"
#include "mm/kalloc.h"
#include "mm/page.h"
#include "unikernel/cpio.h"
#include "unikernel/dev.h"
#include "unikernel/fd.h"
#include "unikernel/pagecache.h"
#include "unikernel/sched.h"
#include "unikernel/task.h"
#include "unikernel/tmpfs.h"
#include "unikernel/usercopy.h"

#define O_CREAT 0100
#define O_EXCL 0200
#define O_TRUNC 01000
#define O_DIRECTORY 0200000
#define O_NOFOLLOW 0400000
#define O_PATH 010000000
#define O_TMPFILE_BIT 020000000 /* __O_TMPFILE; O_TMPFILE adds O_DIRECTORY */
#define RENAME_NOREPLACE 1
#define FILE_SIZE_MAX ((uint64_t)1 << 32) /* as memfd */
#define LINKS_MAX 40 /* Linux's MAXSYMLINKS */
#define FIRST_SEQ 3 /* getdents positions 1 and 2 are "." and ".." */

typedef struct dentry {
    struct dentry *next, *prev; /* in the directory, by seq */
    tnode_t *node;              /* a reference */
    uint64_t seq;               /* getdents position, grows */
    char name[];
} dentry_t;

struct tnode {
    long refs;
    unsigned mode;   /* KS_IF* type and permission bits */
    unsigned nlink;  /* entries naming it (a directory: 2 + subdirs) */
    uint64_t number; /* st_ino */
    uint64_t atime, mtime, ctime; /* ns since the epoch */
    unsigned uid, gid; /* owner (fchown); every task is root's: 0 at birth */
    /* a regular file */
    inode_t *ino;  /* a reference */
    uint64_t size; /* bytes */
    /* a directory */
    tnode_t *parent; /* "..", a reference (the root: itself, none) */
    dentry_t *first, *last;
    uint64_t next_seq;
    bool mount; /* /proc: procfs answers below it; no name comes or goes */
    /* a symbolic link */
    char *target; /* kalloc, NUL-terminated; its length is `size` */
    /* a device */
    const struct file_ops *dev;
    unsigned rdev;
    /* an O_TMPFILE file without O_EXCL, never named yet: linkat may give
     * it a name while nlink is 0 (Linux's I_LINKABLE) */
    bool linkable;
    /* a socket (AF_UNIX bind) */
    void *sock; /* the bound socket's, NULL once it closed */
};

static tnode_t *root;
static inode_quota_t quota;
static uint64_t next_number = 2; /* 1: the root */
static size_t node_count; /* nodes alive: statfs's f_files - f_ffree */

static const struct file_ops reg_ops, dir_ops;

static bool is_dir(const tnode_t *n)
{
    return (n->mode & KS_IFMT) == KS_IFDIR;
}

static bool is_reg(const tnode_t *n)
{
    return (n->mode & KS_IFMT) == KS_IFREG;
}

bool tmpfs_is_dir(const tnode_t *n)
{
    return is_dir(n);
}

void tmpfs_get(tnode_t *n)
{
    if (n)
        n->refs++;
}

void tmpfs_put(tnode_t *n)
{
    if (!n || --n->refs > 0)
        return;
    if (n->ino)
        inode_close(n->ino);
    kfree(n->target);
    if (is_dir(n) && n->parent != n)
        tmpfs_put(n->parent);
    node_count--;
    kfree(n);
}

/* A new node of `mode` with one reference (the caller's), or NULL. */
static tnode_t *node_new(unsigned mode)
{
    tnode_t *n = kalloc(sizeof(*n));
    if (!n)
        return NULL;
    n->refs = 1;
    n->mode = mode;
    n->number = next_number++;
    n->atime = n->mtime = n->ctime = clock_realtime_ns();
    n->next_seq = FIRST_SEQ;
    node_count++;
    return n;
}

/* The entry `name` (len bytes) of directory `d`, or NULL. */
static dentry_t *dir_find(tnode_t *d, const char *name, size_t len)
{
    for (dentry_t *e = d->first; e; e = e->next)
        if (strncmp(e->name, name, len) == 0 && e->name[len] == '\0')
            return e;
    return NULL;
}

/* A new entry for `node` named `name` (len bytes), not yet linked. */
static dentry_t *dentry_new(const char *name, size_t len)
{
    dentry_t *e = kalloc(sizeof(*e) + len + 1);
    if (e)
        memcpy(e->name, name, len);
    return e;
}

/* Links entry `e` naming `node` (its reference moves to the entry) last
 * in `d`. */
static void dir_link(tnode_t *d, dentry_t *e, tnode_t *node)
{
    e->node = node;
    e->seq = d->next_seq++;
    e->next = NULL;
    e->prev = d->last;
    if (d->last)
        d->last->next = e;
    else
        d->first = e;
    d->last = e;
    d->mtime = d->ctime = clock_realtime_ns();
}

/* Unlinks entry `e` from `d` and frees it: its node reference is the
 * caller's to drop. */
static tnode_t *dir_unlink(tnode_t *d, dentry_t *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        d->first = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        d->last = e->prev;
    tnode_t *n = e->node;
    kfree(e);
    d->mtime = d->ctime = clock_realtime_ns();
    return n;
}

/* ---- path walk ---- */

struct walk {
    tnode_t *dir;     /* the directory holding the last component */
    const char *name; /* the last component ("" for "/"), in the path */
    size_t len;
    tnode_t *node;   /* what it names, or NULL */
    bool trailing;   /* a "/" after the last component: a directory */
};

/* The node `name` (len bytes) names in directory `d`: ".", "..", an
 * entry, or NULL. */
static tnode_t *step(tnode_t *d, const char *name, size_t len)
{
    if (len == 1 && name[0] == '.')
        return d;
    if (len == 2 && name[0] == '.' && name[1] == '.')
        return d->parent;
    dentry_t *e = dir_find(d, name, len);
    return e ? e->node : NULL;
}

static bool is_link(const tnode_t *n)
{
    return (n->mode & KS_IFMT) == KS_IFLNK;
}

static int walk_at(tnode_t *base, const char *path, struct walk *w,
                   bool follow, int *links);

/* What the symbolic link `link` in directory `d` leads to (a relative
 * target from `d`, so ".." after it is the target's parent, as Linux),
 * its last component followed too: 0 and *w, or -ELOOP past LINKS_MAX
 * links in one walk, or walk's errors. */
static int follow_link(tnode_t *d, tnode_t *link, struct walk *w, int *links)
{
    if (++*links > LINKS_MAX)
        return -ELOOP;
    return walk_at(d, link->target, w, true, links);
}

/* Resolves `path` from `base` (NULL: the root) up to its last component,
 * following the symbolic links on the way, and the last component's when
 * `follow` or a "/" comes after it: 0 and *w (no references taken), or
 * -ENOENT (an empty path or a missing directory on the way), -ENOTDIR,
 * -ENAMETOOLONG, -ELOOP. */
static int walk_at(tnode_t *base, const char *path, struct walk *w,
                   bool follow, int *links)
{
    if (path[0] == '\0')
        return -ENOENT;
    tnode_t *cur = path[0] == '/' || !base ? root : base;
    *w = (struct walk){.dir = cur, .name = "", .node = cur};
    const char *p = path;
    for (;;) {
        while (*p == '/')
            p++;
        if (*p == '\0')
            return 0;
        const char *name = p;
        while (*p && *p != '/')
            p++;
        size_t len = (size_t)(p - name);
        if (len > TMPFS_NAME_MAX)
            return -ENAMETOOLONG;
        const char *rest = p;
        while (*rest == '/')
            rest++;
        if (!is_dir(cur))
            return -ENOTDIR;
        tnode_t *next = step(cur, name, len);
        if (*rest == '\0') { /* the last component */
            *w = (struct walk){cur, name, len, next, *p == '/'};
            if (next && is_link(next) && (follow || w->trailing)) {
                bool trailing = w->trailing;
                int rc = follow_link(cur, next, w, links);
                if (rc < 0)
                    return rc;
                w->trailing |= trailing;
                next = w->node;
            }
            if (next && w->trailing && !is_dir(next))
                return -ENOTDIR;
            return 0;
        }
        if (!next)
            return -ENOENT;
        if (is_link(next)) {
            struct walk lw;
            int rc = follow_link(cur, next, &lw, links);
            if (rc < 0)
                return rc;
            if (!lw.node)
                return -ENOENT; /* a dangling link on the way */
            next = lw.node;
        }
        cur = next;
    }
}

/* The walk of `path` from `base`, its last symbolic link followed. */
static int walk(tnode_t *base, const char *path, struct walk *w)
{
    int links = 0;
    return walk_at(base, path, w, true, &links);
}

/* The walk of `path`, a symbolic link as the last component not
 * followed (unlink, rename, lstat, ...). */
static int walk_nf(tnode_t *base, const char *path, struct walk *w)
{
    int links = 0;
    return walk_at(base, path, w, false, &links);
}

/* walk, and the node must exist. */
static int walk_existing(tnode_t *base, const char *path, struct walk *w)
{
    int rc = walk(base, path, w);
    return rc < 0 ? rc : w->node ? 0 : -ENOENT;
}

/* walk_nf, and the node must exist. */
static int walk_existing_nf(tnode_t *base, const char *path, struct walk *w)
{
    int rc = walk_nf(base, path, w);
    return rc < 0 ? rc : w->node ? 0 : -ENOENT;
}

/* True when the last component is "." or "..". */
static bool is_dot(const struct walk *w)
{
    return (w->len == 1 && w->name[0] == '.') ||
           (w->len == 2 && w->name[0] == '.' && w->name[1] == '.');
}

/* Creates `node` (its reference moves to the tree) as the missing last
 * component of `w`: 0, -ENOENT (a removed directory), -ENOMEM. */
static int create_at(struct walk *w, tnode_t *node)
{
    if (w->dir->nlink == 0)
        return -ENOENT;
    if (w->dir->mount)
        return -EACCES;
    dentry_t *e = dentry_new(w->name, w->len);
    if (!e)
        return -ENOMEM;
    node->nlink = is_dir(node) ? 2 : 1;
    dir_link(w->dir, e, node);
    if (is_dir(node)) {
        node->parent = w->dir;
        tmpfs_get(w->dir);
        w->dir->nlink++;
    }
    w->node = node;
    return 0;
}

/* ---- regular files ---- */

/* A new regular file node over [data, data+size) (its pages in place in
 * the pinned frames from `frames` unless 0), or NULL. */
static tnode_t *reg_new(unsigned perm, const void *data, size_t size,
                        phys_addr_t frames)
{
    tnode_t *n = node_new(KS_IFREG | (perm & 07777));
    inode_t *ino = NULL;
    if (n && frames)
        ino = inode_create_pinned(NULL, data, frames, size, VMA_RIGHTS);
    else if (n)
        ino = inode_create(NULL, data, size, VMA_RIGHTS);
    if (!ino) {
        kfree(n);
        return NULL;
    }
    ino->quota = &quota;
    n->ino = ino;
    n->size = size;
    return n;
}

static tnode_t *node_of(struct file *f)
{
    return f->priv;
}

/* Makes the data of `n` writable (the image's data copied into its
 * cache): 0, -ENOSPC, -ENOMEM. */
static int reg_own(tnode_t *n)
{
    if (n->ino->frames) { /* mappings of the pages in place go first */
        for (int i = 0; i < sched_slots(); i++) {
            task_t *t = sched_slot(i);
            if (t && t->mspace) /* a shared space is visited again: harmless */
                mspace_unmap_pinned(t->mspace, n->ino);
        }
    }
    int rc = inode_own_data(n->ino);
    if (rc == 0)
        inode_set_size(n->ino, n->size); /* within_size's bound from now */
    return rc == -ENOMEM ? -ENOSPC : rc;
}

/* True when a task runs the program in `ino`: its file may not be written
 * (Linux: ETXTBSY), since the text maps the cache's frames. */
static bool text_busy(const inode_t *ino)
{
    for (int i = 0; i < sched_slots(); i++) {
        task_t *t = sched_slot(i);
        if (t && t->image == ino)
            return true;
    }
    return false;
}

/* Sets the size of the regular file `n` (its data owned). */
static int reg_resize(tnode_t *n, uint64_t size)
{
    if (size > FILE_SIZE_MAX)
        return -EFBIG;
    if (text_busy(n->ino))
        return -ETXTBSY;
    int rc = reg_own(n);
    if (rc < 0)
        return rc;
    inode_set_size(n->ino, size);
    if (size < n->size)
        pagecache_truncate(n->ino, size);
    n->size = size;
    n->mtime = n->ctime = clock_realtime_ns();
    return 0;
}

static long reg_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
    tnode_t *t = node_of(f);
    if ((f->flags & O_ACCMODE) == O_WRONLY)
        return -EBADF;
    if (f->ino->data) /* the image's bytes, unchanged: no cache needed */
        return file_read_buffer(f->ino->data, t->size, buf, n, pos);
    if (*pos >= t->size)
        return 0;
    if (t->atime <= t->mtime || t->atime <= t->ctime) /* relatime */
        t->atime = clock_realtime_ns();
    if (n > t->size - *pos)
        n = (size_t)(t->size - *pos);
    long rc = pagecache_copy(f->ino, buf, n, *pos, false);
    if (rc > 0)
        *pos += (uint64_t)rc;
    return rc;
}

static long reg_pwrite(struct file *f, const void *buf, size_t n, uint64_t pos)
{
    tnode_t *t = node_of(f);
    if ((f->flags & O_ACCMODE) == O_RDONLY)
        return -EBADF;
    if (pos >= FILE_SIZE_MAX || n > FILE_SIZE_MAX - pos)
        return -EFBIG;
    int own = reg_own(t);
    if (own < 0)
        return own;
    long rc = pagecache_copy(f->ino, (void *)buf, n, pos, true);
    if (rc == -ENOMEM)
        rc = -ENOSPC; /* no page under the commit limit: as Linux's tmpfs */
    if (rc > 0) {
        if (pos + (uint64_t)rc > t->size) {
            t->size = pos + (uint64_t)rc;
            inode_set_size(f->ino, t->size);
        }
        t->mtime = t->ctime = clock_realtime_ns();
    }
    return rc;
}

static long reg_write(struct file *f, const void *buf, size_t n)
{
    if (f->flags & O_APPEND)
        f->pos = node_of(f)->size;
    long rc = reg_pwrite(f, buf, n, f->pos);
    if (rc > 0)
        f->pos += (uint64_t)rc;
    return rc;
}

static long reg_truncate(struct file *f, uint64_t size)
{
    if ((f->flags & O_ACCMODE) == O_RDONLY)
        return -EINVAL; /* Linux: EINVAL for a descriptor not open to write */
    return reg_resize(node_of(f), size);
}

static long dir_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
    (void)f, (void)buf, (void)n, (void)pos;
    return -EISDIR;
}

static const struct file_ops reg_ops = {
    .read = reg_read,
    .write = reg_write,
    .pwrite = reg_pwrite,
    .truncate = reg_truncate,
    .stat = tmpfs_file_stat,
    .release = tmpfs_file_release,
};

static const struct file_ops dir_ops = {
    .read = dir_read,
    .stat = tmpfs_file_stat,
    .release = tmpfs_file_release,
};

/* A symbolic link opened with O_PATH|O_NOFOLLOW: fstat and readlinkat
 * of "" only. */
static long link_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
    (void)f, (void)buf, (void)n, (void)pos;
    return -EBADF;
}

static const struct file_ops link_ops = {
    .read = link_read,
    .stat = tmpfs_file_stat,
    .release = tmpfs_file_release,
};

/* ---- stat ---- */

static void node_stat(tnode_t *n, struct kstat *st)
{
    st->st_dev = 0x10; /* one device for the whole tree */
    st->st_ino = n->number;
    st->st_mode = n->mode;
    st->st_uid = n->uid;
    st->st_gid = n->gid;
    st->st_nlink = n->nlink;
    st->st_blksize = PAGE_SIZE;
    st->st_rdev = n->rdev;
    if (is_reg(n)) {
        st->st_size = (int64_t)n->size;
        size_t pages = inode_cached(n->ino);
        st->st_blocks = (int64_t)pages * (PAGE_SIZE / 512);
    } else if (is_dir(n)) {
        st->st_size = 4096;
    } else if (is_link(n)) {
        st->st_size = (int64_t)n->size;
    }
    st->st_atime = n->atime / 1000000000u;
    st->st_atime_nsec = n->atime % 1000000000u;
    st->st_mtime = n->mtime / 1000000000u;
    st->st_mtime_nsec = n->mtime % 1000000000u;
    st->st_ctime = n->ctime / 1000000000u;
    st->st_ctime_nsec = n->ctime % 1000000000u;
}

void tmpfs_file_stat(struct file *f, struct kstat *st)
{
    node_stat(node_of(f), st);
}

void tmpfs_file_release(struct file *f)
{
    tmpfs_put(node_of(f));
}

/* The node of `f` when it is a file of the tree, else NULL. */
static tnode_t *tree_node(struct file *f)
{
    return f->ops->release == tmpfs_file_release ? node_of(f) : NULL;
}

void tmpfs_node_chmod(tnode_t *n, unsigned mode)
{
    n->mode = (n->mode & KS_IFMT) | (mode & 07777);
    n->ctime = clock_realtime_ns();
}

void tmpfs_node_chown(tnode_t *n, uint32_t uid, uint32_t gid)
{
    if (uid != (uint32_t)-1)
        n->uid = uid;
    if (gid != (uint32_t)-1)
        n->gid = gid;
    /* Linux clears set-user-ID (and set-group-ID with group execute) of
     * anything but a directory on every chown, even root's, even -1 -1 */
    if (!is_dir(n)) {
        n->mode &= ~04000u;
        if (n->mode & 010)
            n->mode &= ~02000u;
    }
    n->ctime = clock_realtime_ns();
}

void tmpfs_node_utimes(tnode_t *n, const int64_t atime, const int64_t mtime)
{
    uint64_t now = clock_realtime_ns();
    if (atime != TMPFS_TIME_OMIT)
        n->atime = atime == TMPFS_TIME_NOW ? now : (uint64_t)atime;
    if (mtime != TMPFS_TIME_OMIT)
        n->mtime = mtime == TMPFS_TIME_NOW ? now : (uint64_t)mtime;
    n->ctime = now;
}

int tmpfs_lookup(tnode_t *base, const char *path, bool follow,
                 tnode_t **node)
{
    struct walk w;
    int rc = follow ? walk_existing(base, path, &w)
                    : walk_existing_nf(base, path, &w);
    *node = rc == 0 ? w.node : NULL;
    return rc;
}

bool tmpfs_file_chmod(struct file *f, unsigned mode)
{
    tnode_t *n = tree_node(f);
    if (n)
        tmpfs_node_chmod(n, mode);
    return n != NULL;
}

bool tmpfs_file_chown(struct file *f, uint32_t uid, uint32_t gid)
{
    tnode_t *n = tree_node(f);
    if (n)
        tmpfs_node_chown(n, uid, gid);
    return n != NULL;
}

tnode_t *tmpfs_node_of(struct file *f)
{
    return f->ops->release == tmpfs_file_release ? node_of(f) : NULL;
}

int tmpfs_stat(tnode_t *base, const char *path, struct kstat *st,
               bool follow)
{
    struct walk w;
    int rc = follow ? walk_existing(base, path, &w)
                    : walk_existing_nf(base, path, &w);
    if (rc == 0)
        node_stat(w.node, st);
    return rc;
}

int tmpfs_access(tnode_t *base, const char *path, int mode)
{
    struct walk w;
    int rc = walk_existing(base, path, &w);
    if (rc < 0)
        return rc;
    if ((mode & 1) && !is_dir(w.node) && !(w.node->mode & 0111))
        return -EACCES; /* root may execute a file with an execute bit */
    return 0;
}

/* ---- open ---- */

/* A new open file of node `n` (a reference taken) with `flags`. */
static int file_of_node(tnode_t *n, int flags, struct file **out)
{
    const struct file_ops *ops = is_reg(n)    ? &reg_ops
                                 : is_dir(n)  ? &dir_ops
                                 : is_link(n) ? &link_ops
                                              : n->dev;
    struct file *f = file_new(ops, is_reg(n) ? n->ino : NULL);
    if (!f)
        return -ENOMEM;
    tmpfs_get(n);
    f->priv = n;
    f->flags = flags & (O_ACCMODE | O_APPEND);
    f->seekable = 1;
    *out = f;
    return 0;
}

/* O_TMPFILE: a regular file of no name (nlink 0) on the file system of
 * directory `path`, freed with its last descriptor unless linkat names it
 * (never with O_EXCL).  Linux's checks: O_TMPFILE without O_DIRECTORY or
 * with O_CREAT, or without write access, EINVAL. */
static int open_tmpfile(tnode_t *base, const char *path, int flags,
                        unsigned mode, struct file **out)
{
    if ((flags & (O_TMPFILE_BIT | O_DIRECTORY | O_CREAT)) !=
            (O_TMPFILE_BIT | O_DIRECTORY) ||
        (flags & O_ACCMODE) == O_RDONLY)
        return -EINVAL;
    struct walk w;
    int rc = walk_existing(base, path, &w);
    if (rc < 0)
        return rc;
    if (!is_dir(w.node))
        return -ENOTDIR;
    if (w.node->nlink == 0)
        return -ENOENT; /* a removed directory */
    if (w.node->mount)
        return -EOPNOTSUPP;
    tnode_t *n = reg_new(mode, NULL, 0, 0);
    if (!n)
        return -ENOMEM;
    n->nlink = 0;
    n->linkable = !(flags & O_EXCL);
    rc = file_of_node(n, flags & ~O_DIRECTORY, out);
    tmpfs_put(n); /* the file holds it */
    return rc;
}

static int open_existing(tnode_t *n, int flags, struct file **out);

int tmpfs_open(tnode_t *base, const char *path, int flags, unsigned mode,
               struct file **out)
{
    if (flags & O_TMPFILE_BIT)
        return open_tmpfile(base, path, flags, mode, out);
    struct walk w;
    /* O_NOFOLLOW, and O_CREAT|O_EXCL, keep a last link as it is */
    bool nf = (flags & O_NOFOLLOW) ||
              (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL);
    int rc = nf ? walk_nf(base, path, &w) : walk(base, path, &w);
    if (rc < 0)
        return rc;
    tnode_t *n = w.node;
    if (!n) {
        if (!(flags & O_CREAT))
            return -ENOENT;
        if (w.trailing)
            return -EISDIR;
        n = reg_new(mode, NULL, 0, 0);
        if (!n)
            return -ENOMEM;
        if ((rc = create_at(&w, n)) < 0) {
            tmpfs_put(n);
            return rc;
        }
        return file_of_node(n, flags, out);
    } else if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
        return -EEXIST;
    }
    return open_existing(n, flags, out);
}

/* tmpfs_open once the node `n` is found (and tmpfs_reopen). */
static int open_existing(tnode_t *n, int flags, struct file **out)
{
    bool writing = (flags & O_ACCMODE) != O_RDONLY;
    int rc;
    if ((n->mode & KS_IFMT) == KS_IFSOCK) {
        return -ENXIO; /* Linux: a socket is not opened */
    } else if (is_link(n)) {
        if ((flags & O_PATH) && (flags & O_NOFOLLOW))
            return file_of_node(n, flags, out); /* the link itself */
        return -ELOOP; /* O_NOFOLLOW on a link */
    } else if (is_dir(n) && (writing || (flags & O_CREAT))) {
        return -EISDIR;
    } else if ((flags & O_DIRECTORY) && !is_dir(n)) {
        return -ENOTDIR;
    } else if (is_reg(n)) {
        if (writing && text_busy(n->ino))
            return -ETXTBSY;
        if (writing && (rc = reg_own(n)) < 0)
            return rc;
        if (writing && (flags & O_TRUNC) && (rc = reg_resize(n, 0)) < 0)
            return rc;
    }
    return file_of_node(n, flags, out);
}

int tmpfs_reopen(tnode_t *n, int flags, struct file **out)
{
    if (is_link(n))
        return -ELOOP; /* an O_PATH link: nothing to follow to */
    return open_existing(n, flags, out);
}

int tmpfs_exec_lookup(tnode_t *base, const char *path, inode_t **ino)
{
    struct walk w;
    int rc = walk_existing(base, path, &w);
    if (rc < 0)
        return rc;
    if (!is_reg(w.node) || !w.node->ino->data)
        return -EACCES; /* a file written since boot: not yet */
    *ino = w.node->ino;
    return 0;
}

int tmpfs_truncate(tnode_t *base, const char *path, uint64_t size)
{
    struct walk w;
    int rc = walk_existing(base, path, &w);
    if (rc < 0)
        return rc;
    if (is_dir(w.node))
        return -EISDIR;
    if (!is_reg(w.node))
        return -EINVAL;
    return reg_resize(w.node, size);
}

int tmpfs_lookup_dir(tnode_t *base, const char *path, tnode_t **dir)
{
    struct walk w;
    int rc = walk_existing(base, path, &w);
    if (rc < 0)
        return rc;
    if (!is_dir(w.node))
        return -ENOTDIR;
    tmpfs_get(w.node);
    *dir = w.node;
    return 0;
}

/* ---- symbolic links ---- */

int tmpfs_symlink(const char *target, tnode_t *base, const char *path)
{
    size_t len = strlen(target);
    if (len == 0)
        return -ENOENT; /* Linux refuses an empty target */
    struct walk w;
    int rc = walk_nf(base, path, &w);
    if (rc < 0)
        return rc;
    if (w.node)
        return -EEXIST;
    if (w.trailing)
        return -ENOENT;
    tnode_t *n = node_new(KS_IFLNK | 0777);
    char *copy = n ? kalloc(len + 1) : NULL;
    if (!copy) {
        kfree(n);
        if (n)
            node_count--;
        return -ENOMEM;
    }
    memcpy(copy, target, len + 1);
    n->target = copy;
    n->size = len;
    if ((rc = create_at(&w, n)) < 0)
        tmpfs_put(n);
    return rc;
}

int tmpfs_link_target(tnode_t *n, const char **target)
{
    if (!is_link(n))
        return -ENOENT; /* readlinkat of "" on another file, as Linux */
    *target = n->target;
    return (int)n->size;
}

int tmpfs_readlink(tnode_t *base, const char *path, const char **target)
{
    struct walk w;
    int rc = walk_existing_nf(base, path, &w);
    if (rc < 0)
        return rc;
    if (!is_link(w.node))
        return -EINVAL;
    *target = w.node->target;
    return (int)w.node->size;
}

/* ---- sockets ---- */

int tmpfs_mksock(tnode_t *base, const char *path, unsigned mode, void *sock,
                 tnode_t **node)
{
    struct walk w;
    int rc = walk_nf(base, path, &w);
    if (rc < 0)
        return rc;
    if (w.node)
        return -EEXIST;
    if (w.trailing)
        return -ENOENT;
    tnode_t *n = node_new(KS_IFSOCK | (mode & 07777));
    if (!n)
        return -ENOMEM;
    n->sock = sock;
    tmpfs_get(n); /* the caller's */
    if ((rc = create_at(&w, n)) < 0) {
        n->refs--;
        tmpfs_put(n);
        return rc;
    }
    *node = n;
    return 0;
}

int tmpfs_sock_lookup(tnode_t *base, const char *path, void **sock)
{
    struct walk w;
    int rc = walk_existing(base, path, &w);
    if (rc < 0)
        return rc;
    if ((w.node->mode & KS_IFMT) != KS_IFSOCK)
        return -ECONNREFUSED;
    *sock = w.node->sock;
    return 0;
}

void tmpfs_sock_unbind(tnode_t *node)
{
    node->sock = NULL;
    tmpfs_put(node);
}

/* ---- directories ---- */

int tmpfs_mkdir(tnode_t *base, const char *path, unsigned mode)
{
    struct walk w;
    int rc = walk_nf(base, path, &w);
    if (rc < 0)
        return rc;
    if (w.node)
        return -EEXIST;
    tnode_t *n = node_new(KS_IFDIR | (mode & 07777));
    if (!n)
        return -ENOMEM;
    if ((rc = create_at(&w, n)) < 0)
        tmpfs_put(n);
    return rc;
}

/* Removes the entry of `w` (its node's link count drops). */
/* True when the entry of `w` may not be removed or replaced: a mount point
 * or a name in one. */
static bool pinned(const struct walk *w)
{
    return w->dir->mount || (w->node && w->node->mount);
}

static void remove_entry(struct walk *w)
{
    dentry_t *e = dir_find(w->dir, w->name, w->len);
    tnode_t *n = dir_unlink(w->dir, e);
    if (is_dir(n)) {
        n->nlink = 0;
        w->dir->nlink--;
    } else {
        n->nlink--;
    }
    n->ctime = clock_realtime_ns();
    tmpfs_put(n);
}

int tmpfs_unlink(tnode_t *base, const char *path)
{
    struct walk w;
    int rc = walk_existing_nf(base, path, &w);
    if (rc < 0)
        return rc;
    if (is_dir(w.node))
        return -EISDIR;
    if (pinned(&w))
        return -EBUSY;
    remove_entry(&w);
    return 0;
}

int tmpfs_rmdir(tnode_t *base, const char *path)
{
    struct walk w;
    int rc = walk_existing_nf(base, path, &w);
    if (rc < 0)
        return rc;
    if (!is_dir(w.node))
        return -ENOTDIR;
    if (w.len == 1 && w.name[0] == '.')
        return -EINVAL;
    if (w.node == root || pinned(&w))
        return -EBUSY;
    if (is_dot(&w) || w.node->first)
        return -ENOTEMPTY;
    remove_entry(&w);
    return 0;
}

/* True when `d` is `n` or below it. */
static bool is_under(tnode_t *d, tnode_t *n)
{
    for (;; d = d->parent) {
        if (d == n)
            return true;
        if (d == root || !d->parent || d->parent == d)
            return false;
    }
}

int tmpfs_rename(tnode_t *from_base, const char *from, tnode_t *to_base,
                 const char *to, unsigned flags)
{
    if (flags & ~(unsigned)RENAME_NOREPLACE)
        return -EINVAL; /* RENAME_EXCHANGE and WHITEOUT: not yet */
    struct walk a, b;
    int rc = walk_existing_nf(from_base, from, &a);
    if (rc == 0)
        rc = walk_nf(to_base, to, &b);
    if (rc < 0)
        return rc;
    tnode_t *n = a.node;
    if (is_dot(&a) || is_dot(&b) || n == root || pinned(&a) || pinned(&b))
        return -EBUSY;
    if (b.node == n)
        return 0; /* the same file: nothing happens */
    if (b.node && (flags & RENAME_NOREPLACE))
        return -EEXIST;
    if (!b.node && b.trailing && !is_dir(n))
        return -ENOTDIR;
    if (b.node) {
        if (is_dir(n) && !is_dir(b.node))
            return -ENOTDIR;
        if (!is_dir(n) && is_dir(b.node))
            return -EISDIR;
        if (is_dir(b.node) && b.node->first)
            return -ENOTEMPTY;
    }
    if (is_dir(n) && is_under(b.dir, n))
        return -EINVAL;
    if (b.dir->nlink == 0)
        return -ENOENT;
    dentry_t *e = dentry_new(b.name, b.len);
    if (!e)
        return -ENOMEM;
    /* nothing can fail from here */
    if (b.node)
        remove_entry(&b);
    tnode_t *moved = dir_unlink(a.dir, dir_find(a.dir, a.name, a.len));
    dir_link(b.dir, e, moved); /* the reference of the old entry moves */
    if (is_dir(moved) && a.dir != b.dir) {
        a.dir->nlink--;
        b.dir->nlink++;
        tmpfs_get(b.dir);
        tnode_t *old = moved->parent;
        moved->parent = b.dir;
        tmpfs_put(old);
    }
    moved->ctime = clock_realtime_ns();
    return 0;
}

int tmpfs_link_node(tnode_t *n, tnode_t *to_base, const char *to)
{
    struct walk b;
    int rc = walk_nf(to_base, to, &b);
    if (rc < 0)
        return rc;
    if (is_dir(n))
        return -EPERM;
    if (b.node)
        return -EEXIST;
    if (b.dir->mount)
        return -EACCES;
    if (b.trailing)
        return -ENOENT;
    if (b.dir->nlink == 0)
        return -ENOENT;
    if (n->nlink == 0 && !n->linkable)
        return -ENOENT; /* removed, or O_TMPFILE|O_EXCL */
    dentry_t *e = dentry_new(b.name, b.len);
    if (!e)
        return -ENOMEM;
    tmpfs_get(n);
    n->nlink++;
    n->linkable = false;
    n->ctime = clock_realtime_ns();
    dir_link(b.dir, e, n);
    return 0;
}

int tmpfs_link(tnode_t *from_base, const char *from, tnode_t *to_base,
               const char *to, bool follow)
{
    struct walk a;
    int rc = follow ? walk_existing(from_base, from, &a)
                    : walk_existing_nf(from_base, from, &a);
    return rc < 0 ? rc : tmpfs_link_node(a.node, to_base, to);
}

long tmpfs_path_of(tnode_t *dir, char *buf, size_t cap)
{
    if (!dir)
        dir = root;
    if (dir->nlink == 0)
        return -ENOENT;
    /* built from the end: each name found in its parent's entries */
    size_t at = cap;
    if (at < 1)
        return -ERANGE;
    buf[--at] = '\0';
    for (tnode_t *d = dir; d != root; d = d->parent) {
        dentry_t *e;
        for (e = d->parent->first; e && e->node != d; e = e->next)
            ;
        size_t len = e ? strlen(e->name) : 0;
        if (at < len + 1)
            return -ERANGE;
        at -= len;
        memcpy(buf + at, e->name, len);
        buf[--at] = '/';
    }
    if (dir == root) {
        if (at < 1)
            return -ERANGE;
        buf[--at] = '/';
    }
    size_t len = cap - at;
    memmove(buf, buf + at, len);
    return (long)len;
}

/* The entry naming the node `n` (not a directory) somewhere in the
 * tree, and in *dir its directory: a walk of the whole tree, /proc
 * aside, without recursion (the parents lead back up). */
static dentry_t *find_name(const tnode_t *n, tnode_t **dir)
{
    tnode_t *d = root;
    dentry_t *e = d->first;
    for (;;) {
        if (!e) {
            if (d == root)
                return NULL;
            tnode_t *up = d->parent;
            dentry_t *x = up->first;
            while (x && x->node != d)
                x = x->next;
            d = up;
            e = x ? x->next : NULL;
            continue;
        }
        if (e->node == n) {
            *dir = d;
            return e;
        }
        if (is_dir(e->node) && !e->node->mount && e->node->first) {
            d = e->node;
            e = d->first;
            continue;
        }
        e = e->next;
    }
}

long tmpfs_name_of(tnode_t *n, char *buf, size_t cap)
{
    if (is_dir(n))
        return tmpfs_path_of(n, buf, cap);
    tnode_t *dir;
    dentry_t *e = n->nlink ? find_name(n, &dir) : NULL;
    if (!e)
        return -ENOENT;
    long len = tmpfs_path_of(dir, buf, cap);
    if (len < 0)
        return len;
    size_t at = (size_t)len - 1; /* at the NUL */
    if (at > 1)
        buf[at++] = '/';
    size_t nl = strlen(e->name);
    if (at + nl + 1 > cap)
        return -ERANGE;
    memcpy(buf + at, e->name, nl + 1);
    return (long)(at + nl + 1);
}

/* d_type of a node (DT_*). */
static unsigned char dtype(const tnode_t *n)
{
    return (unsigned char)((n->mode & KS_IFMT) >> 12);
}

/* Puts one linux_dirent64 at `at` of the user buffer: its length, 0 when
 * it does not fit, -EFAULT. */
long tmpfs_put_dirent(char *ubuf, size_t room, uint64_t ino, uint64_t off,
                      unsigned char type, const char *name)
{
    struct {
        uint64_t d_ino;
        int64_t d_off;
        uint16_t d_reclen;
        unsigned char d_type;
        char d_name[TMPFS_NAME_MAX + 1];
    } __attribute__((packed, aligned(8))) d;
    size_t len = strlen(name);
    size_t reclen = (19 + len + 1 + 7) & ~(size_t)7;
    if (reclen > room)
        return 0;
    memset(&d, 0, reclen); /* what goes out: quadwords (string.c) */
    d.d_ino = ino;
    d.d_off = (int64_t)off;
    d.d_reclen = (uint16_t)reclen;
    d.d_type = type;
    memcpy(d.d_name, name, len);
    return copy_to_user(ubuf, &d, reclen) < 0 ? -EFAULT : (long)reclen;
}

long tmpfs_getdents(struct file *f, void *ubuf, size_t n)
{
    tnode_t *d = tmpfs_node_of(f);
    if (!d || !is_dir(d))
        return -ENOTDIR;
    size_t done = 0;
    long rc = 1; /* 0 once an entry did not fit */
    while (rc > 0 && f->pos < FIRST_SEQ - 1) {
        bool dot = f->pos == 0;
        rc = tmpfs_put_dirent((char *)ubuf + done, n - done, d->number, f->pos + 1,
                        4 /* DT_DIR */, dot ? "." : "..");
        if (rc > 0) {
            done += (size_t)rc;
            f->pos++;
        }
    }
    for (dentry_t *e = d->first; e && rc > 0; e = e->next) {
        if (e->seq <= f->pos)
            continue;
        rc = tmpfs_put_dirent((char *)ubuf + done, n - done, e->node->number,
                        e->seq, dtype(e->node), e->name);
        if (rc > 0) {
            done += (size_t)rc;
            f->pos = e->seq;
        }
    }
    if (rc < 0 && !done)
        return rc;
    if (rc == 0 && !done)
        return -EINVAL; /* not even one entry fits */
    return (long)done;
}

/* ---- the first contents ---- */

/* The directory `path` names from the root, created with its parents
 * (0755) as needed: the directory, or NULL. */
static tnode_t *make_dirs(const char *path, size_t len)
{
    tnode_t *cur = root;
    size_t i = 0;
    while (i < len) {
        while (i < len && path[i] == '/')
            i++;
        size_t s = i;
        while (i < len && path[i] != '/')
            i++;
        if (i == s)
            break;
        tnode_t *next = step(cur, path + s, i - s);
        if (!next) {
            struct walk w = {cur, path + s, i - s, NULL, false};
            next = node_new(KS_IFDIR | 0755);
            if (!next || create_at(&w, next) < 0) {
                tmpfs_put(next);
                return NULL;
            }
        }
        if (!is_dir(next))
            return NULL;
        cur = next;
    }
    return cur;
}

/* Adds node `n` (its reference moves) at `path` from the root, replacing
 * nothing: 0, -EEXIST, -ENOMEM. */
static int add_node(const char *path, tnode_t *n)
{
    const char *slash = NULL;
    for (const char *p = path; *p; p++)
        if (*p == '/')
            slash = p;
    size_t dirlen = slash ? (size_t)(slash - path) : 0;
    const char *name = slash ? slash + 1 : path;
    tnode_t *d = make_dirs(path, dirlen);
    if (!d || strlen(name) > TMPFS_NAME_MAX || !name[0]) {
        tmpfs_put(n);
        return -ENOMEM;
    }
    struct walk w = {d, name, strlen(name), step(d, name, strlen(name)), 0};
    if (w.node) {
        tmpfs_put(n);
        return -EEXIST;
    }
    int rc = create_at(&w, n);
    if (rc < 0)
        tmpfs_put(n);
    return rc;
}

/* tmpfs_add, the pages in place in the pinned frames from `frames`
 * unless 0. */
static inode_t *add_file(const char *path, const void *data, size_t size,
                         unsigned mode, phys_addr_t frames)
{
    tnode_t *n = reg_new(mode, data, size, frames);
    if (!n)
        return NULL;
    n->ino->name = path;
    inode_t *ino = n->ino;
    return add_node(path, n) < 0 ? NULL : ino;
}

inode_t *tmpfs_add(const char *path, const void *data, size_t size,
                   unsigned mode)
{
    return add_file(path, data, size, mode, 0);
}

struct load {
    const char *base; /* the archive */
    phys_addr_t pa;   /* its first byte's frame address, or 0 */
    int added;
};

/* Adds one member of the archive when it is a regular file or a
 * directory: in place when the archive is pinned and the data start a
 * page (cpio's 4-byte alignment leaves the others to the copy). */
static int add_member(const char *name, const void *data, size_t size,
                      unsigned mode, void *arg)
{
    struct load *l = arg;
    int *added = &l->added;
    size_t off = (size_t)((const char *)data - l->base);
    phys_addr_t at = l->pa ? l->pa + off : 0;
    phys_addr_t frames =
        at && !(at & PAGE_MASK) && size >= PAGE_SIZE ? at : 0;
    while (name[0] == '.' && name[1] == '/')
        name += 2;
    if ((mode & CPIO_MODE_TYPE) == CPIO_MODE_DIR)
        return make_dirs(name, strlen(name)) ? 0 : -ENOMEM;
    if ((mode & CPIO_MODE_TYPE) != CPIO_MODE_REG)
        return 0;
    /* the name lives in the archive: it outlives the inode (maps show it) */
    if (!add_file(name, data, size, mode & 07777, frames))
        return -ENOMEM;
    ++*added;
    return 0;
}

int tmpfs_load_cpio(const void *data, size_t size, phys_addr_t pa)
{
    struct load l = {data, pa, 0};
    int rc = cpio_walk(data, size, add_member, &l);
    return rc < 0 ? rc : l.added;
}

int tmpfs_init(uint64_t size)
{
    if (root)
        return 0;
    quota.limit = size ? (size_t)((size + PAGE_MASK) / PAGE_SIZE)
                       : page_total_count() / 2;
    root = node_new(KS_IFDIR | 0755);
    if (!root)
        return -ENOMEM;
    root->number = 1;
    root->nlink = 2;
    root->parent = root;
    tnode_t *tmp = make_dirs("tmp", 3), *proc = make_dirs("proc", 4);
    if (!tmp || !proc)
        return -ENOMEM;
    tmp->mode |= 01777; /* sticky, everyone writes */
    tnode_t *shm = make_dirs("dev/shm", 7); /* shm_open's directory */
    if (!shm)
        return -ENOMEM;
    shm->mode |= 01777;
    proc->mount = true;
    proc->mode = KS_IFDIR | 0555;
    for (size_t i = 0; i < dev_count; i++) {
        char path[32];
        snprintf(path, sizeof(path), "dev/%s", dev_table[i].name);
        tnode_t *n = node_new(KS_IFCHR | 0666);
        if (!n)
            return -ENOMEM;
        n->dev = dev_table[i].ops;
        n->rdev = dev_table[i].major << 8 | dev_table[i].minor;
        if (add_node(path, n) < 0)
            return -ENOMEM;
    }
    return 0;
}

size_t tmpfs_pages_used(void)
{
    return quota.used;
}

size_t tmpfs_pages_limit(void)
{
    return quota.limit;
}

void tmpfs_statfs_counts(uint64_t *files, uint64_t *ffree)
{
    /* Linux's tmpfs allows as many inodes as half the RAM has pages */
    uint64_t max = page_total_count() / 2;
    *files = max;
    *ffree = max > node_count ? max - node_count : 0;
}

/* Zeroes [a, b) (within one page) of the cache of `ino` if the page is
 * cached: a hole reads as zero already. */
static void zero_cached(inode_t *ino, uint64_t a, uint64_t b)
{
    if (a >= b)
        return;
    uint64_t p = a & ~(uint64_t)PAGE_MASK;
    phys_addr_t pa;
    if (inode_pages_cached(ino, p, 1, &pa) == 0)
        return;
    memset((char *)mmu_kaddr(pa) + (a - p), 0, (size_t)(b - a));
    page_unref(pa);
}

int tmpfs_fallocate(struct file *f, int mode, uint64_t off, uint64_t len)
{
    tnode_t *t = node_of(f);
    if (f->ops != &reg_ops)
        return is_dir(t) ? -EISDIR : -ENODEV;
    if (off + len > FILE_SIZE_MAX)
        return -EFBIG;
    if (text_busy(t->ino))
        return -ETXTBSY;
    int rc = reg_own(t);
    if (rc < 0)
        return rc;
    uint64_t from = off & ~(uint64_t)PAGE_MASK;
    uint64_t to = (off + len + PAGE_MASK) & ~(uint64_t)PAGE_MASK;
    if (mode & TMPFS_FALLOC_PUNCH) {
        /* whole pages are freed, the partial ones zeroed in the range;
         * past the size every byte is zero, so the range may round up */
        uint64_t end = off + len >= t->size ? to : off + len;
        uint64_t first = (off + PAGE_MASK) & ~(uint64_t)PAGE_MASK;
        uint64_t last = end & ~(uint64_t)PAGE_MASK;
        if (first > last) {
            zero_cached(f->ino, off, end);
        } else {
            zero_cached(f->ino, off, first);
            zero_cached(f->ino, last, end);
            if (last > first)
                pagecache_punch(f->ino, first, last);
        }
        t->mtime = t->ctime = clock_realtime_ns();
        return 0;
    }
    /* count the pages missing first: all of them, or nothing done */
    size_t missing = 0;
    for (uint64_t p = from; p < to; p += PAGE_SIZE) {
        phys_addr_t pa;
        if (inode_pages_cached(f->ino, p, 1, &pa))
            page_unref(pa);
        else
            missing++;
    }
    if (quota.used > quota.limit || missing > quota.limit - quota.used)
        return -ENOSPC;
    bool grows = !(mode & TMPFS_FALLOC_KEEP_SIZE) && off + len > t->size;
    if (grows) /* the new size first: within_size's blocks for it */
        inode_set_size(f->ino, off + len);
    if (inode_prepare(f->ino, from, to) < 0) {
        inode_set_size(f->ino, t->size);
        return -ENOSPC;
    }
    if (grows)
        t->size = off + len;
    t->ctime = clock_realtime_ns();
    return 0;
}
