/* unikernel/memfd.h - what memfd.c offers besides memfd_create (the
 * syscall table's): fallocate of a memfd. */
#ifndef UNIKERNEL_MEMFD_H
#define UNIKERNEL_MEMFD_H

#include <stdbool.h>
#include <stdint.h>

#include "unikernel/fd.h"

/* fallocate of memfd `f` (sys_fallocate checked the mode and access):
 * the cache of the range filled and the size grown to cover it (unless
 * keep_size), or with `punch` the range zeroed and its whole pages freed:
 * 0, -EFBIG, -ENOSPC, or -EOPNOTSUPP when `f` is no memfd. */
long memfd_fallocate(struct file *f, bool keep_size, bool punch, uint64_t off,
                     uint64_t len);

#endif
