/*
 * dev.c - the character devices of /dev (see dev.h): null reads nothing
 * and swallows writes; zero reads zeros; full reads zeros and is full;
 * random and urandom read the kernel's generator (arch/random.h) and take
 * writes as Linux does (discarded here).
 */
#include <errno.h>

#include "arch/random.h"
#include "unikernel/dev.h"
#include "unikernel/fd.h"
#include "unikernel/tmpfs.h"
#include "unikernel/usercopy.h"

static long null_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
    (void)f, (void)buf, (void)n, (void)pos;
    return 0;
}

static long sink_write(struct file *f, const void *buf, size_t n)
{
    (void)f, (void)buf;
    return (long)n;
}

static long zero_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
    (void)f, (void)pos;
    return clear_user(buf, n) < 0 ? -EFAULT : (long)n;
}

static long full_write(struct file *f, const void *buf, size_t n)
{
    (void)f, (void)buf, (void)n;
    return -ENOSPC;
}

static long random_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
    (void)f, (void)pos;
    unsigned char chunk[256];
    size_t done = 0;
    while (done < n) {
        size_t k = n - done < sizeof(chunk) ? n - done : sizeof(chunk);
        random_fill(chunk, k);
        if (copy_to_user((char *)buf + done, chunk, k) < 0)
            return done ? (long)done : -EFAULT;
        done += k;
    }
    return (long)done;
}

static const struct file_ops null_ops = {
    .read = null_read, .write = sink_write,
    .stat = tmpfs_file_stat, .release = tmpfs_file_release,
};
static const struct file_ops zero_ops = {
    .read = zero_read, .write = sink_write,
    .stat = tmpfs_file_stat, .release = tmpfs_file_release,
};
static const struct file_ops full_ops = {
    .read = zero_read, .write = full_write,
    .stat = tmpfs_file_stat, .release = tmpfs_file_release,
};
static const struct file_ops random_ops = {
    .read = random_read, .write = sink_write,
    .stat = tmpfs_file_stat, .release = tmpfs_file_release,
};

const struct dev_entry dev_table[] = {
    {"null", 1, 3, &null_ops},     {"zero", 1, 5, &zero_ops},
    {"full", 1, 7, &full_ops},     {"random", 1, 8, &random_ops},
    {"urandom", 1, 9, &random_ops},
};
const size_t dev_count = sizeof(dev_table) / sizeof(dev_table[0]);
