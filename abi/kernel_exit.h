/*
 * abi/kernel_exit.h - how the kernel ends a QEMU run (isa-debug-exit, port
 * 0xf4): the statuses the host side (images/qemu.sh, tests) reads back.
 * Assembly-safe.  The kernel writes status + 1 to the port; QEMU exits with
 * (value << 1) | 1, so status s becomes QEMU status 2s + 3.  QEMU's own
 * failures (status 1) and a run that ends without a status (0) can thus never
 * pass for a success.  images/qemu.sh maps it back (s = (q >> 1) - 1), so
 * `make run` and tests/boot see these statuses (0..126):
 *
 *   0    KEXIT_OK           clean shutdown (the kernel or the app finished)
 *   1-100                   the application's own exit status (100: 100 or more)
 *   101  KEXIT_PANIC        panic(): exception report, failed assert, ...
 *   102  KEXIT_UNSUPPORTED  CPU without long mode or NX (from boot.S)
 *   103  KEXIT_NO_STATUS    (host side) QEMU stopped without a kernel status:
 *                           triple fault, reset, or Ctrl-A X
 *   104  KEXIT_QEMU_FAILED  (host side) QEMU itself failed (bad option, ...)
 *   105  KEXIT_APP_FAULT    the application was killed: segfault, CPU
 *                           exception in ring 3, fatal signal to itself
 *   106  KEXIT_BAD_ELF      the embedded ELF was refused at boot
 *   107  KEXIT_APP_LOAD     the application could not be started (no memory,
 *                           malformed file archive)
 *   124                     (host side) timeout
 */
#ifndef ABI_KERNEL_EXIT_H
#define ABI_KERNEL_EXIT_H

#define KEXIT_PORT        0xf4
#define KEXIT_OK          0
#define KEXIT_PANIC       101
#define KEXIT_UNSUPPORTED 102
#define KEXIT_NO_STATUS   103
#define KEXIT_QEMU_FAILED 104
#define KEXIT_APP_FAULT   105
#define KEXIT_BAD_ELF     106
#define KEXIT_APP_LOAD    107

#endif
