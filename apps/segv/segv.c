/*
 * apps/segv - faults on purpose, one kind per argument, so that the boot
 * suite checks the kernel's report of each and the application-fault
 * status (apps/segv/test.cases, app-segv-*):
 *   null (default)  read of NULL               no vma
 *   wtext           write to its own code      write to read-only
 *   xdata           call into a data array     exec of non-exec
 *   kernel          read of a kernel address   kernel address
 *   stack           unbounded recursion        stack guard
 *   ud              ud2                        #UD in ring 3
 *   abort           abort()                    SIGABRT to itself
 * On Linux each ends in a signal.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char data_code[16] = {0xc3}; /* "ret", in a rw- page */

static volatile int deeper = 1; /* GCC cannot prove the recursion endless */

static int recurse(int depth)
{
    volatile char frame[1024];
    frame[0] = (char)depth;
    if (!deeper)
        return 0;
    return recurse(depth + 1) + frame[0]; /* not a tail call */
}

int main(int argc, char **argv)
{
    const char *kind = argc > 1 ? argv[1] : "null";
    printf("segv: %s\n", kind);
    fflush(stdout);
    if (strcmp(kind, "wtext") == 0)
        *(volatile unsigned char *)(uintptr_t)main = 0xcc;
    else if (strcmp(kind, "xdata") == 0)
        ((void (*)(void))(uintptr_t)data_code)();
    else if (strcmp(kind, "kernel") == 0)
        return *(volatile int *)0xffffffff81000000ul;
    else if (strcmp(kind, "stack") == 0)
        return recurse(0);
    else if (strcmp(kind, "ud") == 0)
        __builtin_trap();
    else if (strcmp(kind, "abort") == 0)
        abort();
    volatile int *p = NULL;
    return *p;
}
