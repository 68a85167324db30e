/* selftest.h - kernel self-test modes, chosen by `test=NAME` on the command
 * line so that tests/boot checks the very image users boot. */
#ifndef KERNEL_SELFTEST_H
#define KERNEL_SELFTEST_H

/* Runs self-test `name`.  Returns 0 when it passed, -ENOENT when there is
 * no such test; a test that expects a crash does not return. */
int selftest_run(const char *name);

#endif
