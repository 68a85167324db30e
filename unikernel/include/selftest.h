/* selftest.h - kernel self-test modes, chosen by `test=NAME` on the command
 * line so that tests/boot checks the very image users boot. */
#ifndef KERNEL_SELFTEST_H
#define KERNEL_SELFTEST_H

/* Runs the self-tests named in `names` (comma-separated), in order, up to
 * the first failure.  Returns 0 when all passed, -ENOENT when one does
 * not exist, else the failing test's error; a crash test does not return. */
int selftest_run(const char *names);

/* test=faults (selftest_fault.c): anonymous, COW, file, physical and
 * populated mappings touched through real page faults; 0 or -EINVAL. */
int selftest_faults(void);

/* test=smep, smap, stackprot (selftest_protect.c): break the rule, so do
 * not return where the protection works; -ENODEV when it let it pass. */
int selftest_smep(void);
int selftest_smap(void);
int selftest_stackprot(void);

/* test=clock (selftest_clock.c): CLOCK_MONOTONIC within 2 % of the PIT
 * over 200 ms (3 tries); 0 or -EINVAL. */
int selftest_clock(void);

/* test=netarp (selftest_net.c): the first NIC sends ARP requests for
 * 10.0.2.2 (QEMU's user network gateway) as 10.0.2.15 and waits up to 3 s
 * for the reply: the driver's rx and tx end to end, without a stack.
 * 0, -ENODEV (no NIC) or -ETIMEDOUT. */
int selftest_netarp(void);

#endif
