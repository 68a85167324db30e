/*
 * unikernel/console.h - the console as a file: a task's descriptors 0, 1
 * and 2.  Writes reach the serial console; nothing is ever typed in, so
 * reads see end of file; a terminal of 80x24 to ioctl.
 */
#ifndef UNIKERNEL_CONSOLE_H
#define UNIKERNEL_CONSOLE_H

struct task;

/* Opens the console as descriptors 0, 1 and 2 of `task` (one open file):
 * 0 or -ENOMEM. */
int console_open_fds(struct task *task);

#endif
