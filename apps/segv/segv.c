/*
 * apps/segv - dereferences NULL on purpose: in the guest the kernel must
 * print the segfault line and end the run with the application-fault
 * status (tests/boot case app-segv); on Linux it dies of SIGSEGV.
 */
#include <stdio.h>

int main(void)
{
    printf("segv: reading NULL\n");
    fflush(stdout);
    volatile int *p = NULL;
    return *p;
}
