/*
 * unikernel/dev.h - the device files of /dev: null, zero, full, random and
 * urandom, with Linux's numbers.  tmpfs_init makes one node of each.
 */
#ifndef UNIKERNEL_DEV_H
#define UNIKERNEL_DEV_H

#include <stddef.h>

struct file_ops;

struct dev_entry {
    const char *name;           /* under /dev */
    unsigned major, minor;      /* st_rdev */
    const struct file_ops *ops; /* the open file's operations */
};

extern const struct dev_entry dev_table[];
extern const size_t dev_count;

#endif
