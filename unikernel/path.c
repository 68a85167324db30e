/* path.c - path arguments of the file system calls (see path.h). */
#include <errno.h>
#include <string.h>

#include "mm/kalloc.h"
#include "unikernel/fd.h"
#include "unikernel/path.h"
#include "unikernel/usercopy.h"

char *path_get(long upath, long *err)
{
    char *path = kalloc(TMPFS_PATH_MAX);
    if (!path) {
        *err = -ENOMEM;
        return NULL;
    }
    long len = strncpy_from_user(path, (const char *)upath, TMPFS_PATH_MAX);
    if (len < 0) {
        kfree(path);
        *err = len;
        return NULL;
    }
    return path;
}

void path_free(char *path)
{
    kfree(path);
}

tnode_t *path_cwd(void)
{
    return task_current()->cwd;
}

long path_base(long dirfd, const char *path, tnode_t **base)
{
    *base = NULL;
    if (path[0] == '/')
        return 0;
    if ((int)dirfd == AT_FDCWD) {
        *base = path_cwd();
        return 0;
    }
    struct file *f = fd_get(task_current(), (int)dirfd);
    if (!f)
        return -EBADF;
    tnode_t *n = tmpfs_node_of(f);
    if (!n || !tmpfs_is_dir(n))
        return -ENOTDIR;
    *base = n;
    return 0;
}

bool path_is_proc(const char *path)
{
    return strncmp(path, "/proc/", 6) == 0 && path[6] != '\0';
}
