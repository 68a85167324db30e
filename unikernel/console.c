/*
 * console.c - the console file (see console.h): writes go to the serial
 * console, reads see end of file, TIOCGWINSZ and TCGETS answer.
 */
#include <errno.h>

#include "arch/console.h"
#include "unikernel/console.h"
#include "unikernel/fd.h"
#include "unikernel/usercopy.h"

#define TIOCGWINSZ 0x5413
#define TCGETS 0x5401
#define CONSOLE_CHUNK 256

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

int console_open_fds(task_t *t)
{
    struct file *f = file_new(&console_ops, NULL);
    if (!f)
        return -ENOMEM;
    f->refs = 3;
    for (int fd = 0; fd < 3; fd++)
        t->files->fd[fd] = f;
    return 0;
}
