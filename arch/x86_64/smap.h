/* smap.h - assembler macros around SMAP (arch/x86_64/protect.h):
 * smap_open (stac) lets the kernel reach user pages, smap_close (clac)
 * forbids it again.  Both test protect_smap first: stac and clac are #UD
 * on CPUs without SMAP.  Every entry from an interrupt or exception
 * closes, because RFLAGS.AC survives interrupt delivery (an interrupt
 * taken inside a copy routine would run its handler opened). */
#ifndef ARCH_X86_64_SMAP_H
#define ARCH_X86_64_SMAP_H

.macro smap_open
    testb $1, protect_smap(%rip)
    jz 9f
    stac
9:
.endm

.macro smap_close
    testb $1, protect_smap(%rip)
    jz 9f
    clac
9:
.endm

#endif
