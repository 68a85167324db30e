/* usercopy.c - range checks in front of the arch copy routines. */
#include <errno.h>

#include "arch/x86_64/user.h"
#include "mm/memory.h"
#include "unikernel/usercopy.h"

bool user_range_ok(uintptr_t addr, size_t n)
{
    return addr >= MSPACE_USER_LOWER && addr <= MSPACE_USER_UPPER &&
           n <= MSPACE_USER_UPPER - addr;
}

int copy_from_user(void *dst, const void *usrc, size_t n)
{
    if (!user_range_ok((uintptr_t)usrc, n))
        return -EFAULT;
    return n ? (int)usercopy_bytes(dst, usrc, n) : 0;
}

int copy_to_user(void *udst, const void *src, size_t n)
{
    if (!user_range_ok((uintptr_t)udst, n))
        return -EFAULT;
    return n ? (int)usercopy_bytes(udst, src, n) : 0;
}

int clear_user(void *udst, size_t n)
{
    if (!user_range_ok((uintptr_t)udst, n))
        return -EFAULT;
    return n ? (int)usercopy_zero(udst, n) : 0;
}

long strncpy_from_user(char *dst, const char *usrc, size_t max)
{
    uintptr_t a = (uintptr_t)usrc;
    if (max == 0 || !user_range_ok(a, 1))
        return -EFAULT;
    size_t room =
        MSPACE_USER_UPPER - a; /* the string may not leave the window */
    long len = usercopy_string(dst, usrc, max < room ? max : room);
    if (len < 0)
        return len;
    if ((size_t)len == max)
        return -ENAMETOOLONG;
    if ((size_t)len == room)
        return -EFAULT;
    return len;
}
