/* procfs.c - /proc/self/maps from mspace_display (see procfs.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mm/kalloc.h"
#include "unikernel/fd.h"
#include "unikernel/procfs.h"

bool procfs_owns(const char *path)
{
    return strncmp(path, "/proc/", 6) == 0 || strcmp(path, "/proc") == 0;
}

static long maps_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
    return file_read_buffer(f->text, f->text_len, buf, n, pos);
}

static void maps_stat(struct file *f, struct kstat *st)
{
    (void)f;
    st->st_mode = KS_IFREG | 0444; /* size 0, as Linux says of proc files */
    st->st_nlink = 1;
    st->st_blksize = 1024;
}

static const struct file_ops maps_ops = {
    .read = maps_read,
    .stat = maps_stat,
};

struct file *procfs_open(task_t *t, const char *path, int *err)
{
    char self[32];
    snprintf(self, sizeof(self), "/proc/%d/maps", t->id);
    if (strcmp(path, "/proc/self/maps") != 0 && strcmp(path, self) != 0) {
        *err = -ENOENT;
        return NULL;
    }
    struct file *f = file_new(&maps_ops, NULL);
    int len = mspace_display(t->mspace, NULL, 0);
    if (f)
        f->text = kalloc((size_t)len + 1);
    if (!f || !f->text) {
        if (f)
            file_put(f);
        *err = -ENOMEM;
        return NULL;
    }
    /* the space cannot change in between: only this task maps in it */
    f->text_len = (size_t)mspace_display(t->mspace, f->text, (size_t)len + 1);
    f->seekable = 1;
    return f;
}
