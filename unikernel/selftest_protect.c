/*
 * selftest_protect.c - `test=smep`, `test=smap`, `test=stackprot`: each
 * breaks one rule the CPU or the compiler must catch, so the expected
 * outcome is the exception report or the panic (the boot case checks it);
 * when the protection is missing, the forbidden access works and the test
 * returns -ENODEV ("FAILED").  smep and smap need a CPU that has them
 * (QEMU -cpu max); they map one user page in a scratch task.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/user.h"
#include "klog.h"
#include "mm/memory.h"
#include "selftest.h"
#include "unikernel/task.h"
#include "unikernel/usercopy.h"

#define USER_PAGE 0x10000000ul /* inside the user window */

/* Makes a scratch task current with one user page holding `byte` and
 * rights `prot` (written through usercopy, as the kernel must); the page's
 * address, or 0. */
static uintptr_t user_page(unsigned char byte, int prot)
{
    user_init(); /* SSE on: a task has an FPU state */
    task_t *t = task_create("selftest-protect", NULL);
    if (!t)
        return 0;
    task_switch(t);
    void *at = mspace_map(t->mspace, USER_PAGE, PAGE_SIZE, NULL, 0, 0,
                          VMA_READ | VMA_WRITE | VMA_ANON | VMA_FIXED);
    if (mspace_error(at) || copy_to_user(at, &byte, 1) < 0 ||
        mspace_protect(t->mspace, USER_PAGE, PAGE_SIZE, prot) < 0)
        return 0;
    return USER_PAGE;
}

int selftest_smep(void)
{
    uintptr_t page = user_page(0xc3 /* ret */, VMA_READ | VMA_EXEC);
    if (!page)
        return -ENOMEM;
    kprintf("selftest smep: the kernel calls user code at 0x%lx\n", page);
    ((void (*)(void))page)(); /* SMEP: #PF, instruction fetch */
    kprintf("selftest smep: user code ran in kernel mode: no SMEP\n");
    return -ENODEV;
}

int selftest_smap(void)
{
    uintptr_t page = user_page(0x5a, VMA_READ);
    if (!page)
        return -ENOMEM;
    kprintf("selftest smap: the kernel reads user memory at 0x%lx without "
            "stac\n",
            page);
    unsigned char seen = *(volatile unsigned char *)page; /* SMAP: #PF */
    kprintf("selftest smap: read 0x%x: no SMAP\n", seen);
    return -ENODEV;
}

/* Writes `n` bytes past the end of a local array (n from the caller, so
 * the compiler cannot see the overrun): the canary goes. */
__attribute__((noinline)) static int smash(volatile size_t n)
{
    char local[16];
    memset(local, 'x', n);
    return local[0];
}

int selftest_stackprot(void)
{
    kprintf("selftest stackprot: overrunning a local array by 32 bytes\n");
    smash(48); /* __stack_chk_fail panics on return */
    kprintf("selftest stackprot: returned with a smashed canary\n");
    return -ENODEV;
}
