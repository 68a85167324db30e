/* assert.h - kernel assertions: a broken invariant panics with file:line.
 * Always on: the checks are cheap and a silent corruption is not.  panic()
 * is the one call of the library into the core (unikernel/panic.c). */
#ifndef KERNEL_ASSERT_H
#define KERNEL_ASSERT_H

void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#define assert(cond)                                                        \
    ((cond) ? (void)0                                                       \
            : panic("assertion '%s' failed at %s:%d in %s", #cond,          \
                    __FILE__, __LINE__, __func__))

#define static_assert _Static_assert

#endif
