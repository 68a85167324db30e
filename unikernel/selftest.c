/*
 * selftest.c - kernel self-tests (test=NAME).  The crash tests end in the
 * exception report and panic; tests/boot checks the report's contents.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "klog.h"
#include "selftest.h"

/* Canonical lower-half address that no boot table maps (above 4 GiB). */
#define UNMAPPED_ADDRESS 0x00007ffff0000000UL

static int __attribute__((noinline)) selftest_ud(void)
{
    __asm__ volatile("ud2");
    return -EINVAL; /* not reached: #UD panics */
}

static int __attribute__((noinline)) selftest_pf(void)
{
    volatile int *p = (volatile int *)UNMAPPED_ADDRESS;
    *p = 1;
    return -EINVAL; /* not reached: #PF panics */
}

static const struct {
    const char *name;
    int (*run)(void);
} selftests[] = {
    { "ud", selftest_ud }, /* invalid opcode -> exception report */
    { "pf", selftest_pf }, /* write to an unmapped page -> report */
};

int selftest_run(const char *name)
{
    for (size_t i = 0; i < sizeof(selftests) / sizeof(selftests[0]); i++) {
        if (strcmp(selftests[i].name, name) == 0) {
            kprintf("selftest %s: start\n", name);
            int err = selftests[i].run();
            kprintf("selftest %s: %s (%d)\n", name, err ? "FAILED" : "passed",
                    err);
            return err;
        }
    }
    return -ENOENT;
}
