/*
 * boot.S - from the boot loader to C in the higher half.
 *
 * Two ways in, both in 32-bit protected mode with paging off:
 *   Multiboot2 (GRUB, BIOS or UEFI): EAX = MB2 magic, EBX = MB2 info.
 *   PVH (qemu -kernel, microVMs): EBX = hvm_start_info (Xen ELF note 18).
 * Both check the CPU, build the early page tables, enter long mode and
 * call kernel_main(boot magic, physical address of the boot information,
 * TSC at entry).
 *
 * The early tables (2 MiB pages) map the first 4 GiB three times over:
 * identity (only to survive the switch; dropped by the final tables),
 * at the direct map base and, for the first 1 GiB, at KERNEL_VMA.
 */
#include "arch/x86_64/layout.h"

#define MB2_MAGIC       0xE85250D6
#define MB2_ARCH_I386   0
#define MB2_BOOT_MAGIC  0x36d76289

#define CR0_PE   (1 << 0)
#define CR0_WP   (1 << 16)
#define CR0_PG   (1 << 31)
#define CR4_PAE  (1 << 5)
#define MSR_EFER 0xC0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

#define PTE_P    0x1
#define PTE_W    0x2
#define PTE_PS   0x80

#define COM1     0x3F8
#define LOW(sym) ((sym) - KERNEL_VMA)

/* ---- Multiboot2 header: first thing in the image (within 32 KiB). ---- */
    .section .multiboot2, "a"
    .balign 8
mb2_header:
    .long MB2_MAGIC
    .long MB2_ARCH_I386
    .long mb2_header_end - mb2_header
    .long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
    /* information request: cmdline, loader name, modules, memory map */
    .balign 8
1:  .short 1, 0
    .long 2f - 1b
    .long 1, 2, 3, 6
2:
    /* entry address: the 32-bit entry (a physical address) */
    .balign 8
1:  .short 3, 0
    .long 2f - 1b
    .long boot_entry_mb2
2:
    /* end tag */
    .balign 8
    .short 0, 0
    .long 8
mb2_header_end:

/* ---- PVH entry note: lets qemu -kernel start the ELF directly. ---- */
    .section .note.pvh, "a", @note
    .balign 4
    .long 4                     /* name size: "Xen\0" */
    .long 4                     /* descriptor size */
    .long 18                    /* XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .long boot_entry_pvh

/* ---- 32-bit code, linked where it is loaded (VMA = LMA). ---- */
    .section .boot.text, "ax"
    .code32
    .globl boot_entry_mb2
boot_entry_mb2:
    cli
    cld
    movl %eax, %edi             /* boot magic, passed on to kernel_main */
    movl %ebx, %esi             /* boot information */
    jmp boot_common

    .globl boot_entry_pvh
boot_entry_pvh:
    cli
    cld
    movl $BOOT_MAGIC_PVH, %edi
    movl %ebx, %esi

boot_common:
    movl $boot_stack_top32, %esp
    call cpu_check
    rdtsc                       /* the boot time starts here */
    movl %eax, boot_tsc
    movl %edx, boot_tsc + 4
    pushl %edi                  /* early_tables uses every register */
    pushl %esi
    call early_tables
    popl %esi
    popl %edi
    /* long mode: PAE, page tables, EFER.LME+NXE, then paging on */
    movl %cr4, %eax
    orl $CR4_PAE, %eax
    movl %eax, %cr4
    movl $boot_pml4, %eax
    movl %eax, %cr3
    movl $MSR_EFER, %ecx
    rdmsr
    orl $(EFER_LME | EFER_NXE), %eax
    wrmsr
    movl %cr0, %eax
    orl $(CR0_PG | CR0_WP | CR0_PE), %eax
    movl %eax, %cr0
    lgdt boot_gdt_ptr
    ljmp $0x08, $boot_long

/* Stops with a message when the CPU lacks long mode or NX. */
cpu_check:
    pushfl                      /* CPUID present: EFLAGS.ID toggles */
    popl %eax
    movl %eax, %ecx
    xorl $(1 << 21), %eax
    pushl %eax
    popfl
    pushfl
    popl %eax
    pushl %ecx
    popfl
    cmpl %eax, %ecx
    je no_cpuid
    movl $0x80000000, %eax
    cpuid
    cmpl $0x80000001, %eax
    jb no_long_mode
    movl $0x80000001, %eax
    cpuid
    testl $(1 << 29), %edx
    jz no_long_mode
    testl $(1 << 20), %edx
    jz no_nx
    ret
no_cpuid:
    movl $msg_no_cpuid, %esi
    jmp boot_fail
no_long_mode:
    movl $msg_no_lm, %esi
    jmp boot_fail
no_nx:
    movl $msg_no_nx, %esi

/* Prints the string at ESI on COM1 (polled), then exits QEMU with
 * KEXIT_UNSUPPORTED through isa-debug-exit, or halts. */
boot_fail:
    movw $(COM1 + 3), %dx       /* 8N1, 115200 baud */
    movb $0x80, %al
    outb %al, %dx
    movw $COM1, %dx
    movb $1, %al
    outb %al, %dx
    movw $(COM1 + 1), %dx
    xorb %al, %al
    outb %al, %dx
    movw $(COM1 + 3), %dx
    movb $3, %al
    outb %al, %dx
1:  lodsb
    testb %al, %al
    jz 3f
    movb %al, %ah
    movw $(COM1 + 5), %dx
2:  inb %dx, %al
    testb $0x20, %al
    jz 2b
    movw $COM1, %dx
    movb %ah, %al
    outb %al, %dx
    jmp 1b
3:  movw $0xf4, %dx
    movl $(KEXIT_UNSUPPORTED + 1), %eax
    outl %eax, %dx
4:  hlt
    jmp 4b

/* Fills the early tables (see the header comment). */
early_tables:
    movl $boot_pd, %edi         /* 4 PDs: 2048 x 2 MiB = 4 GiB */
    xorl %eax, %eax
    movl $(PTE_P | PTE_W | PTE_PS), %ebx
    xorl %edx, %edx
1:  movl %ebx, (%edi, %edx, 8)
    movl %eax, 4(%edi, %edx, 8)
    addl $0x200000, %ebx
    adcl $0, %eax
    incl %edx
    cmpl $2048, %edx
    jne 1b
    movl $boot_pdpt_low, %edi   /* PDPT: the 4 PDs */
    movl $(boot_pd + PTE_P + PTE_W), %eax
    xorl %edx, %edx
2:  movl %eax, (%edi, %edx, 8)
    addl $4096, %eax
    incl %edx
    cmpl $4, %edx
    jne 2b
    /* PDPT high: entry 510 (-2 GiB) = the first PD (physical 0..1 GiB) */
    movl $(boot_pd + PTE_P + PTE_W), boot_pdpt_high + 510 * 8
    /* PML4: 0 identity, 256 direct map, 511 kernel image */
    movl $(boot_pdpt_low + PTE_P + PTE_W), boot_pml4
    movl $(boot_pdpt_low + PTE_P + PTE_W), boot_pml4 + 256 * 8
    movl $(boot_pdpt_high + PTE_P + PTE_W), boot_pml4 + 511 * 8
    ret

    .code64
boot_long:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorw %ax, %ax
    movw %ax, %fs
    movw %ax, %gs
    movabsq $boot_high, %rax
    jmp *%rax

/* ---- boot-time data in low memory ---- */
    .section .boot.data, "a"
    .balign 8
boot_gdt:
    .quad 0
    /* accessed bits set: the CPU never writes this (read-only) segment */
    .quad 0x00AF9B000000FFFF    /* 0x08: 64-bit code */
    .quad 0x00CF93000000FFFF    /* 0x10: data */
boot_gdt_end:
boot_gdt_ptr:
    .short boot_gdt_end - boot_gdt - 1
    .long boot_gdt
msg_no_cpuid:
    .asciz "boot: this CPU has no CPUID; an x86_64 CPU with long mode and NX is required\r\n"
msg_no_lm:
    .asciz "boot: this CPU has no long mode (x86_64); cannot boot\r\n"
msg_no_nx:
    .asciz "boot: this CPU has no NX (no-execute) bit; cannot boot\r\n"

    .section .boot.bss, "aw", @nobits
    .balign 4096
    .globl boot_pml4
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4 * 4096
boot_tsc:       .skip 8     /* TSC at entry, for kernel_main */
boot_stack32:   .skip 256
boot_stack_top32:

/* ---- 64-bit, higher half ---- */
    .text
boot_high:
    /* The .bss is zeroed here, not trusted to the loader: a PVH loader
     * copies the image into RAM that the firmware may have used since
     * (SeaBIOS's temporary high zone in a small guest), so its zeroes
     * can be gone by now. */
    movq %rdi, %r8
    movq %rsi, %r9
    movabsq $_bss, %rdi
    movabsq $_ebss, %rcx
    subq %rdi, %rcx
    xorl %eax, %eax
    cld
    rep stosb
    movq %r8, %rdi
    movq %r9, %rsi
    movabsq $boot_stack_top, %rsp
    xorl %ebp, %ebp
    movl %edi, %edi             /* zero-extend magic and info address */
    movl %esi, %esi
    movl $boot_tsc, %eax        /* still identity-mapped */
    movq (%rax), %rdx
    movq %rdi, %rbx             /* kept across the guard's set-up */
    movq %rsi, %r12
    movq %rdx, %r13
    call stack_guard_init       /* before any function with a canary */
    movq %rbx, %rdi
    movq %r12, %rsi
    movq %r13, %rdx
    call kernel_main
1:  cli
    hlt
    jmp 1b

    .bss
    .balign 16
boot_stack:
    .skip BOOT_STACK_SIZE
boot_stack_top:
    .section .note.GNU-stack, "", @progbits
