/*
 * fd.c - descriptor tables and the console file (descriptors 0-2: writes
 * go to the serial console, reads see end of file, TIOCGWINSZ answers).
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "arch/console.h"
#include "mm/kalloc.h"
#include "unikernel/fd.h"
#include "unikernel/usercopy.h"

#define TIOCGWINSZ 0x5413
#define TCGETS 0x5401
#define CONSOLE_CHUNK 256

struct file *file_new(const struct file_ops *ops, inode_t *ino)
{
    struct file *f = kalloc(sizeof(*f));
    if (!f)
        return NULL;
    f->ops = ops;
    f->refs = 1;
    f->ino = ino;
    if (ino)
        inode_open(ino);
    return f;
}

void file_put(struct file *f)
{
    if (--f->refs > 0)
        return;
    if (f->ops->release)
        f->ops->release(f);
    if (f->ino)
        inode_close(f->ino);
    kfree(f->text);
    kfree(f);
}

struct file *fd_get(task_t *t, int fd)
{
    if (fd < 0 || fd >= TASK_FDS)
        return NULL;
    return t->fds[fd];
}

int fd_install(task_t *t, struct file *f)
{
    int limit = rlimit_nofile(t);
    for (int fd = 0; fd < limit; fd++)
        if (!t->fds[fd]) {
            t->fds[fd] = f;
            t->cloexec &= ~(1ull << fd);
            return fd;
        }
    file_put(f);
    return -EMFILE;
}

int fd_install_at(task_t *t, int fd, struct file *f)
{
    assert(fd >= 0 && fd < TASK_FDS);
    f->refs++;
    struct file *old = t->fds[fd];
    t->fds[fd] = f;
    t->cloexec &= ~(1ull << fd);
    if (old)
        file_put(old);
    return fd;
}

int fd_close(task_t *t, int fd)
{
    struct file *f = fd_get(t, fd);
    if (!f)
        return -EBADF;
    t->fds[fd] = NULL;
    t->cloexec &= ~(1ull << fd);
    file_put(f);
    return 0;
}

void fd_close_all(task_t *t)
{
    for (int fd = 0; fd < TASK_FDS; fd++)
        if (t->fds[fd])
            fd_close(t, fd);
}

long file_read_buffer(const void *data, uint64_t size, void *ubuf, size_t n,
                      uint64_t *pos)
{
    if (*pos >= size)
        return 0;
    size_t left = (size_t)(size - *pos);
    if (n > left)
        n = left;
    if (copy_to_user(ubuf, (const char *)data + *pos, n) < 0)
        return -EFAULT;
    *pos += n;
    return (long)n;
}

/* The console: writes reach the serial port in chunks copied from the
 * task; nothing is ever typed in. */
static long console_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
    (void)f, (void)pos;
    return user_range_ok((uintptr_t)buf, n) ? 0 : -EFAULT;
}

static long console_write(struct file *f, const void *buf, size_t n)
{
    (void)f;
    char chunk[CONSOLE_CHUNK];
    if (!user_range_ok((uintptr_t)buf, n))
        return -EFAULT;
    for (size_t done = 0; done < n;) {
        size_t k = n - done < sizeof(chunk) ? n - done : sizeof(chunk);
        if (copy_from_user(chunk, (const char *)buf + done, k) < 0)
            return done ? (long)done : -EFAULT;
        serial_write(chunk, k);
        done += k;
    }
    return (long)n;
}

static void console_stat(struct file *f, struct kstat *st)
{
    (void)f;
    st->st_mode = KS_IFCHR | 0620;
    st->st_rdev = (4 << 8) | 64; /* ttyS0 */
    st->st_blksize = 1024;
}

static long console_ioctl(struct file *f, unsigned long cmd, uintptr_t arg)
{
    (void)f;
    if (cmd == TIOCGWINSZ) {
        unsigned short ws[4] = {24, 80, 0, 0}; /* rows, cols */
        return copy_to_user((void *)arg, ws, sizeof(ws));
    }
    if (cmd == TCGETS) {
        unsigned char termios[36] = {0}; /* the kernel's struct termios:
                                            4 flag words, c_line, c_cc[19] */
        return copy_to_user((void *)arg, termios, sizeof(termios));
    }
    return -ENOTTY;
}

static const struct file_ops console_ops = {
    .read = console_read,
    .write = console_write,
    .stat = console_stat,
    .ioctl = console_ioctl,
};

int fd_open_console(task_t *t)
{
    struct file *f = file_new(&console_ops, NULL);
    if (!f)
        return -ENOMEM;
    f->refs = 3;
    for (int fd = 0; fd < 3; fd++)
        t->fds[fd] = f;
    return 0;
}
