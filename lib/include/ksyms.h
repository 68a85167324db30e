/* ksyms.h - the kernel's own symbol table, embedded at build time (text
 * symbols only; generated from the first link, see arch/x86_64/build.mk). */
#ifndef KERNEL_KSYMS_H
#define KERNEL_KSYMS_H

#include <stdint.h>

/* The name of the function containing `addr`, storing addr - start in
 * *offset; NULL when `addr` is outside the kernel text. */
const char *ksym_lookup(uintptr_t addr, uintptr_t *offset);

#endif
