/* trap.h - exception entry: the frame the stubs build, the dispatcher, and
 * the page-fault error code. */
#ifndef ARCH_X86_64_TRAP_H
#define ARCH_X86_64_TRAP_H

#include <stdint.h>

#define GDT_KERNEL_CODE 0x08
#define GDT_KERNEL_DATA 0x10
#define GDT_USER_CODE32 0x18
#define GDT_USER_DATA   0x20
#define GDT_USER_CODE   0x28
#define GDT_TSS         0x30

#define TRAP_VECTORS       32
#define TRAP_DIVIDE        0
#define TRAP_DEBUG         1
#define TRAP_NMI           2
#define TRAP_BREAKPOINT    3
#define TRAP_INVALID_OP    6
#define TRAP_DOUBLE_FAULT  8
#define TRAP_PAGE_FAULT    14
#define TRAP_X87           16
#define TRAP_MACHINE_CHECK 18
#define TRAP_SIMD          19

/* Bits of a page fault's error code. */
#define PF_PRESENT 0x01 /* the page was present: a protection violation */
#define PF_WRITE   0x02 /* a write */
#define PF_USER    0x04 /* taken in ring 3 */
#define PF_RSVD    0x08 /* a reserved bit set in a paging entry */
#define PF_FETCH   0x10 /* an instruction fetch */

/* Saved by traps.S, lowest address first. */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/* Entry stubs of the 32 exception vectors (traps.S). */
extern const uintptr_t trap_stubs[TRAP_VECTORS];

/* Called by traps.S with interrupts masked: reports the exception and
 * panics (no exception is recoverable yet). */
void trap_dispatch(struct trap_frame *frame);

/* The access a page fault's error code says was made: mm's FAULT_EXEC,
 * FAULT_WRITE or FAULT_READ (mm/memory.h). */
int trap_pf_access(uint64_t error);

/* Prints "  #n 0x... symbol+0xoff" for `rip`, then for each return address
 * found by following the frame-pointer chain from `rbp`. */
void backtrace_print(uintptr_t rip, uintptr_t rbp);

#endif
