/* usercopy.S - copies to and from user memory.  A page fault between
 * usercopy_start and usercopy_end is resolved by user_trap like a user
 * fault; when it cannot be, user_trap resumes at usercopy_fault, which
 * returns -EFAULT from the routine that faulted.  So every routine here is
 * a leaf that pushes nothing.  Under SMAP (protect.h) each opens user
 * memory with stac and closes it with clac, on every way out. */
#include "arch/x86_64/smap.h"

#define EFAULT 14

    .text
    .globl usercopy_start, usercopy_end, usercopy_fault
usercopy_start:

/* long usercopy_bytes(void *dst, const void *src, uint64_t n): 0 or -EFAULT */
    .globl usercopy_bytes
usercopy_bytes:
    smap_open
    /* quadwords, then the 0-7 bytes left: QEMU TCG runs rep one element
     * at a time, so 8 bytes per step copy a page 8 times faster there
     * (and as fast on hardware) */
    movq %rdx, %rcx
    shrq $3, %rcx
    rep movsq
    movq %rdx, %rcx
    andq $7, %rcx
    rep movsb
    smap_close
    xorl %eax, %eax
    ret

/* long usercopy_string(char *dst, const char *src, uint64_t max):
 * length (< max) when the NUL was copied, max when there was none */
    .globl usercopy_string
usercopy_string:
    smap_open
    xorl %eax, %eax
1:  cmpq %rdx, %rax
    jae 2f
    movb (%rsi,%rax), %cl
    movb %cl, (%rdi,%rax)
    testb %cl, %cl
    jz 2f
    incq %rax
    jmp 1b
2:  smap_close
    ret

/* long usercopy_zero(void *dst, uint64_t n): 0 or -EFAULT */
    .globl usercopy_zero
usercopy_zero:
    smap_open
    movq %rsi, %rdx
    movq %rsi, %rcx
    shrq $3, %rcx
    xorl %eax, %eax
    rep stosq /* quadwords first, as usercopy_bytes */
    movq %rdx, %rcx
    andq $7, %rcx
    rep stosb
    smap_close
    ret

usercopy_end:

usercopy_fault:
    smap_close
    movq $-EFAULT, %rax
    ret

    .section .note.GNU-stack, "", @progbits
