/*
 * unikernel/usercopy.h - the only way the kernel touches user memory.
 * A user range must lie inside the user window (so a kernel pointer or a
 * non-canonical one is refused before any access); a page of it is
 * resolved on touch like a fault of the task, and one that cannot be makes
 * the copy return -EFAULT (never a panic).  The current task's address
 * space must be active.
 */
#ifndef UNIKERNEL_USERCOPY_H
#define UNIKERNEL_USERCOPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when [addr, addr+n) lies inside the user window (n may be 0).
 * Every range check of the kernel has this form: an address and a length
 * in bytes, a predicate true when valid, the errno the caller's (mm/:
 * mm_range_ok, mspace_window_ok; sys_mm.c: pages_ok). */
bool user_range_ok(uintptr_t addr, size_t n);

/* Copies n bytes from user `usrc` to kernel `dst`: 0 or -EFAULT. */
int copy_from_user(void *dst, const void *usrc, size_t n);

/* Copies n bytes from kernel `src` to user `udst`: 0 or -EFAULT. */
int copy_to_user(void *udst, const void *src, size_t n);

/* Zeroes n user bytes at `udst`: 0 or -EFAULT. */
int clear_user(void *udst, size_t n);

/* Copies the NUL-terminated user string `usrc` into dst (size `max`):
 * its length, -EFAULT, or -ENAMETOOLONG when it does not fit. */
long strncpy_from_user(char *dst, const char *usrc, size_t max);

#endif
