/*
 * protect.h - the CPU's protections of the kernel against its tasks, each
 * turned on when CPUID has it: SMEP (the kernel never executes a user
 * page), SMAP (the kernel reaches user pages only inside the copy
 * routines of usercopy.S, which open the way with stac and close it with
 * clac), UMIP (sgdt, sidt, sldt, smsw and str fault in ring 3); and the
 * guard of -fstack-protector-strong.  NX is on since boot.S (required).
 */
#ifndef ARCH_X86_64_PROTECT_H
#define ARCH_X86_64_PROTECT_H

#include <stdint.h>

/* Non-zero when SMAP is on: usercopy.S tests it before stac and clac,
 * which do not exist on CPUs without SMAP. */
extern uint8_t protect_smap;

/* Turns SMEP, SMAP and UMIP on where CPUID has them and logs which are
 * on.  Boot CPU, before any task exists. */
void protect_init(void);

/* Sets __stack_chk_guard from RDRAND (the TSC where there is none).
 * boot.S calls it before the first C function that has a canary. */
void stack_guard_init(void);

#endif
