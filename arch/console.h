/*
 * arch/console.h - the kernel console the port provides (x86_64: COM1,
 * polled): what lib/klog.c prints through.
 */
#ifndef ARCH_CONSOLE_H
#define ARCH_CONSOLE_H

#include <stddef.h>

/* Programs the console (x86_64: COM1 for 115200 8N1).  Safe to call
 * again. */
void serial_init(void);

/* Writes `n` bytes to the console, turning "\n" into "\r\n". */
void serial_write(const char *s, size_t n);

/* Waits (bounded) until the console has sent its last bit: before the
 * machine stops, so that the last line is not cut off. */
void serial_drain(void);

#endif
