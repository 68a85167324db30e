/* usercopy.S - copies to and from user memory.  A page fault between
 * usercopy_start and usercopy_end is resolved by user_trap like a user
 * fault; when it cannot be, user_trap resumes at usercopy_fault, which
 * returns -EFAULT from the routine that faulted.  So every routine here is
 * a leaf that pushes nothing.  Under SMAP (protect.h) each opens user
 * memory with stac and closes it with clac, on every way out. */
#define EFAULT 14

/* stac / clac where SMAP is on (both are #UD on CPUs without it) */
.macro user_open
    testb $1, protect_smap(%rip)
    jz 9f
    stac
9:
.endm
.macro user_close
    testb $1, protect_smap(%rip)
    jz 9f
    clac
9:
.endm

    .text
    .globl usercopy_start, usercopy_end, usercopy_fault
usercopy_start:

/* long usercopy_bytes(void *dst, const void *src, uint64_t n): 0 or -EFAULT */
    .globl usercopy_bytes
usercopy_bytes:
    user_open
    movq %rdx, %rcx
    rep movsb
    user_close
    xorl %eax, %eax
    ret

/* long usercopy_string(char *dst, const char *src, uint64_t max):
 * length (< max) when the NUL was copied, max when there was none */
    .globl usercopy_string
usercopy_string:
    user_open
    xorl %eax, %eax
1:  cmpq %rdx, %rax
    jae 2f
    movb (%rsi,%rax), %cl
    movb %cl, (%rdi,%rax)
    testb %cl, %cl
    jz 2f
    incq %rax
    jmp 1b
2:  user_close
    ret

/* long usercopy_zero(void *dst, uint64_t n): 0 or -EFAULT */
    .globl usercopy_zero
usercopy_zero:
    user_open
    movq %rsi, %rcx
    xorl %eax, %eax
    rep stosb
    user_close
    ret

usercopy_end:

usercopy_fault:
    user_close
    movq $-EFAULT, %rax
    ret

    .section .note.GNU-stack, "", @progbits
