/*
 * klog.h - the kernel console: kprintf (always printed) and klog (printed
 * when its level is at or below the console level, as in Linux).
 * Levels: `loglevel=N` on the command line sets it, `quiet` means 4.
 */
#ifndef KERNEL_KLOG_H
#define KERNEL_KLOG_H

#include <stdarg.h>

#define KLOG_ERR    3
#define KLOG_WARN   4
#define KLOG_NOTICE 5
#define KLOG_INFO   6
#define KLOG_DEBUG  7
#define KLOG_DEFAULT_LEVEL KLOG_INFO

/* Prints to the console whatever the level.  Returns bytes printed. */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* va_list form of kprintf. */
int vkprintf(const char *fmt, va_list ap);

/* Prints when `level` <= the console level. */
void klog(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sets the console level (messages above it are dropped). */
void klog_set_level(int level);

/* Stops taking the console lock: the caller is dying and must print even
 * if it interrupted a holder.  Irreversible. */
void klog_panic_mode(void);

#endif
