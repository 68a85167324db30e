/*
 * abi/mspace.h - the mspace system calls as both sides see them: the
 * kernel (unikernel/syscall.c, sys_mm.c) and the application's binding
 * (libc-shim/mspace.h) include this one header, so they cannot disagree.
 * Kernel-free: constants only.
 *
 * System call ABI (x86_64 `syscall`, numbers far above Linux's range, so
 * that Linux answers -ENOSYS):
 *
 *   nr    call                                     rdi   rsi  rdx   r10    r8
 *   1000  mspace_map(hint, len, prot, flags, align)  hint  len  prot  flags  align
 *   1001  mspace_unmap(addr, len)                    addr  len
 *   1002  mspace_protect(addr, len, prot)            addr  len  prot
 *   1003  mspace_release(addr, len)                  addr  len
 *
 *   Return value in rax: map returns the address of the new area, the
 *   others 0; every failure is a negated Linux errno (-EINVAL, -ENOMEM,
 *   -EEXIST, ...).
 *
 *   len     bytes, a non-zero multiple of 4096.
 *   addr    4096-aligned, inside the task's window.
 *   prot    PROT_READ|PROT_WRITE|PROT_EXEC bits (Linux values 1, 2, 4);
 *           PROT_NONE makes a reservation that commits no memory.
 *   align   0 (page) or a power of two >= 4096: the returned address is a
 *           multiple of it.
 *   flags   MSPACE_FIXED     the hint is mandatory; -EEXIST if any part of
 *                            [hint, hint+len) is taken (never replaces).
 *           MSPACE_HEAP      the area is malloc's (VMA type heap).
 *           MSPACE_STACK     the area is a stack (VMA type stack).
 *           MSPACE_POPULATE  resolve (allocate) every page now.
 *           Without FIXED the hint is only a preference.
 *
 *   Memory is private, anonymous and zero-filled.  mspace_protect making a
 *   range writable commits it (-ENOMEM if it cannot).  mspace_release frees
 *   the pages and the commitment of a range but keeps the range reserved
 *   with PROT_NONE; making it accessible again yields zero pages.
 *
 */
#ifndef ABI_MSPACE_H
#define ABI_MSPACE_H

#define MSPACE_SYS_MAP 1000
#define MSPACE_SYS_UNMAP 1001
#define MSPACE_SYS_PROTECT 1002
#define MSPACE_SYS_RELEASE 1003
#define MSPACE_SYS_FIRST MSPACE_SYS_MAP
#define MSPACE_SYS_COUNT 4

#define MSPACE_FIXED 0x1
#define MSPACE_HEAP 0x2
#define MSPACE_STACK 0x4
#define MSPACE_POPULATE 0x8
#define MSPACE_FLAGS 0xf /* every flag above */

#endif
