/*
 * sysnames.c - names of the Linux x86_64 system call numbers, for the log
 * line of an unimplemented call: generated from abi/syscalls.h's list.
 */
#include <stddef.h>

#include "abi/syscalls.h"
#include "unikernel/syscall.h"

static const char *const names[] = {
#define SYSCALL_NAME(nr, name) [NR_##name] = #name,
    SYSCALL_LIST(SYSCALL_NAME)
#undef SYSCALL_NAME
};

const char *syscall_name(long nr)
{
    if (nr >= 0 && (size_t)nr < sizeof(names) / sizeof(names[0]) && names[nr])
        return names[nr];
    return "?";
}
