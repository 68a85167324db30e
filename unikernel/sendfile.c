/*
 * sendfile.c - sendfile(2) (sendfile64 is the same call on x86_64): bytes
 * of a seekable file to any writable file (a socket, a pipe, another
 * file), from *offset (left in the file's position alone) or from the
 * file's position (advanced).
 *
 * The kinds' read and write take user buffers, so the bytes pass through
 * a bounce buffer mapped in the calling task for the call (anonymous,
 * private, unmapped before return): one copy out of the file, one into
 * the destination, as read(2) then write(2) would do, without the two
 * system calls.  A short or refused write ends the transfer: the bytes
 * sent so far are the result (a non-blocking socket full: -EAGAIN only
 * when none went).
 */
#include <errno.h>
#include <stdint.h>

#include "unikernel/fd.h"
#include "unikernel/syscall.h"
#include "unikernel/task.h"
#include "unikernel/usercopy.h"

#define SENDFILE_MAX 0x7ffff000L /* Linux's largest transfer */
#define BOUNCE (64 * 1024)

static long bounce_map(void)
{
    /* PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS */
    const long a[6] = {0, BOUNCE, 0x3, 0x22, -1, 0};
    return sys_mmap(a);
}

static void bounce_unmap(long at)
{
    const long a[2] = {at, BOUNCE};
    sys_munmap(a);
}

/* Moves up to `count` bytes from `in` at *pos to `out`: bytes moved, *pos
 * advanced by them, or -errno when none moved. */
static long transfer(struct file *out, struct file *in, uint64_t *pos,
                     size_t count)
{
    long buf = bounce_map();
    if (buf < 0 && buf > -4096)
        return buf;
    long total = 0, rc = 0;
    while ((size_t)total < count) {
        size_t chunk = count - (size_t)total > BOUNCE ? BOUNCE : count - (size_t)total;
        uint64_t at = *pos;
        long r = in->ops->read(in, (void *)buf, chunk, &at);
        if (r <= 0) {
            rc = r;
            break;
        }
        long w = out->ops->write(out, (const void *)buf, (size_t)r);
        if (w <= 0) {
            rc = w;
            break;
        }
        *pos += (uint64_t)w;
        total += w;
        if (w < r)
            break;
    }
    bounce_unmap(buf);
    return total ? total : rc;
}

long sys_sendfile(const long *a)
{
    struct file *out = fd_get_held((int)a[0]);
    struct file *in = fd_get_held((int)a[1]);
    if (!out || !in)
        return -EBADF;
    /* the access modes first, as Linux: before any byte is read */
    if (!in->ops->read || !out->ops->write ||
        (in->flags >= 0 && (in->flags & O_ACCMODE) == O_WRONLY) ||
        (out->flags >= 0 && (out->flags & O_ACCMODE) == O_RDONLY))
        return -EBADF;
    if (!in->seekable)
        return -EINVAL; /* Linux reads a page cache: not a pipe or socket */
    if (out->flags >= 0 && (out->flags & O_APPEND))
        return -EINVAL;
    int64_t *uoff = (int64_t *)a[2];
    uint64_t pos = in->pos;
    if (uoff) {
        int64_t off;
        if (copy_from_user(&off, uoff, sizeof(off)) < 0)
            return -EFAULT;
        if (off < 0)
            return -EINVAL;
        pos = (uint64_t)off;
    }
    size_t count = (size_t)a[3] > SENDFILE_MAX ? SENDFILE_MAX : (size_t)a[3];
    if (count == 0)
        return 0;
    long rc = transfer(out, in, &pos, count);
    if (uoff) {
        int64_t off = (int64_t)pos;
        if (copy_to_user(uoff, &off, sizeof(off)) < 0)
            return -EFAULT;
    } else {
        in->pos = pos;
    }
    return rc;
}
