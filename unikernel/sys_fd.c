/*
 * sys_fd.c - pipe and pipe2, and fd_dup for fcntl(F_DUPFD,
 * F_DUPFD_CLOEXEC).  A duplicate shares the open file (and its position);
 * close-on-exec belongs to the descriptor (task->cloexec).
 */
#include <errno.h>

#include "unikernel/fd.h"
#include "unikernel/pipe.h"
#include "unikernel/syscall.h"
#include "unikernel/usercopy.h"

#define O_CLOEXEC 02000000

/* Sets or clears close-on-exec of descriptor `fd` of `t`. */
static void set_cloexec(task_t *t, int fd, bool on)
{
    if (on)
        t->cloexec |= 1ull << fd;
    else
        t->cloexec &= ~(1ull << fd);
}

long fd_dup(task_t *t, int fd, int min, bool cloexec)
{
    struct file *f = fd_get(t, fd);
    if (!f)
        return -EBADF;
    int limit = rlimit_nofile(t);
    if (min < 0 || min >= limit)
        return -EINVAL;
    for (int n = min; n < limit; n++)
        if (!t->fds[n]) {
            f->refs++;
            t->fds[n] = f;
            set_cloexec(t, n, cloexec);
            return n;
        }
    return -EMFILE;
}

long sys_pipe2(const long *a)
{
    task_t *t = task_current();
    if (a[1] & ~(long)O_CLOEXEC)
        return -EINVAL; /* O_NONBLOCK, O_DIRECT: not supported */
    struct file *rd, *wr;
    int rc = pipe_create(&rd, &wr);
    if (rc < 0)
        return rc;
    int fds[2] = {fd_install(t, rd), -1};
    if (fds[0] < 0) {
        file_put(wr);
        return fds[0];
    }
    fds[1] = fd_install(t, wr);
    if (fds[1] < 0) {
        fd_close(t, fds[0]);
        return fds[1];
    }
    if (copy_to_user((void *)a[0], fds, sizeof(fds)) < 0) {
        fd_close(t, fds[0]);
        fd_close(t, fds[1]);
        return -EFAULT;
    }
    set_cloexec(t, fds[0], a[1] & O_CLOEXEC);
    set_cloexec(t, fds[1], a[1] & O_CLOEXEC);
    return 0;
}

long sys_pipe(const long *a)
{
    const long b[2] = {a[0], 0};
    return sys_pipe2(b);
}
