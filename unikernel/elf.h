/*
 * unikernel/elf.h - validator and load planner for static x86_64 ELF
 * executables (ET_EXEC, and static PIE: ET_DYN without PT_INTERP).
 *
 * elf_check() reads an image already in memory, trusts nothing in it, and
 * either fills an elf_plan_t (what to map where, with which rights) or
 * returns a distinct ELF_E* code and a message naming what is wrong.  It
 * allocates nothing and maps nothing: the kernel turns the plan into
 * mspace_map calls, the host tool build/tools/elfcheck prints it.
 *
 * Every address in the plan lies in the user window and is final (the load
 * bias of a static PIE is already added):
 *
 *   0x0000_0000 .. 0x003F_FFFF  NULL guard: nothing is ever loaded there
 *   0x0040_0000 .. 0xBFFF_FFFF  user window: every segment, entry, phdrs
 *   0xC000_0000 ..              refused
 *
 * A static PIE is loaded with bias ELF_PIE_BASE (0x400000), rounded up to
 * the largest p_align of its PT_LOAD segments.
 *
 * Mapping one segment s (all of s.vaddr, s.length, s.offset page-aligned):
 *   [s.vaddr, s.vaddr + s.file_length)  file-backed from s.offset; bytes
 *       past s.offset + s.limit read as zero (the .data/.bss boundary inside
 *       one page); writable segments are private copy-on-write copies.
 *   [s.vaddr + s.file_length, s.vaddr + s.length)  anonymous zero pages
 *       (the rest of .bss).
 * file_length == 0 (and limit == 0) means the segment has no file bytes at
 * all: map it anonymous only (a limit of 0 would mean "no limit").
 *
 * Policy (refused with a message): PT_INTERP (dynamic binaries), writable
 * and executable segments (W^X), an executable stack (PT_GNU_STACK with
 * PF_X), program headers not inside a loaded segment (musl needs AT_PHDR),
 * PT_LOAD segments sharing a page or out of p_vaddr order.  Segments with
 * p_memsz == 0 are skipped.  "segment N" in a message is the index of the
 * program header (the order of `readelf -l`), not of seg[].
 */
#ifndef UNIKERNEL_ELF_H
#define UNIKERNEL_ELF_H

#include <stddef.h>
#include <stdint.h>

#define ELF_PAGE_SIZE 0x1000UL
/* The user window: mm's MSPACE_USER_LOWER/UPPER (asserted in exec.c). */
#define ELF_USER_BASE 0x400000UL   /* first byte of the user window */
#define ELF_USER_END 0xC0000000UL  /* first byte past the user window */
#define ELF_PIE_BASE 0x400000UL    /* load bias of a static PIE */
#define ELF_MAX_ALIGN 0x40000000UL /* largest p_align accepted (1 GiB) */
#define ELF_MAX_SEGMENTS 16        /* PT_LOAD segments a plan holds */

/* Segment rights: values equal Linux PROT_* and VMA_READ/WRITE/EXEC. */
#define ELF_PROT_READ 0x1
#define ELF_PROT_WRITE 0x2
#define ELF_PROT_EXEC 0x4

/* elf_check results: 0 or one of these distinct negative codes. */
enum elf_error {
    ELF_OK = 0,
    ELF_ETRUNCATED = -1,  /* file shorter than the ELF header */
    ELF_EMAGIC = -2,      /* no \177ELF magic */
    ELF_ECLASS = -3,      /* not ELFCLASS64 */
    ELF_EDATA = -4,       /* not little endian */
    ELF_EVERSION = -5,    /* EI_VERSION or e_version is not EV_CURRENT */
    ELF_EOSABI = -6,      /* OS ABI neither System V nor GNU/Linux */
    ELF_ETYPE = -7,       /* neither ET_EXEC nor ET_DYN */
    ELF_EMACHINE = -8,    /* not EM_X86_64 */
    ELF_EHEADER = -9,     /* e_ehsize or e_phentsize of the wrong size */
    ELF_EPHDRS = -10,     /* program header table empty or outside the file */
    ELF_EINTERP = -11,    /* PT_INTERP: a dynamically linked binary */
    ELF_EFILESZ = -12,    /* p_filesz > p_memsz */
    ELF_EFILERANGE = -13, /* segment file bytes outside the file */
    ELF_EALIGN = -14,     /* p_align not a power of two, too large, or
                             p_offset and p_vaddr not congruent */
    ELF_EWINDOW = -15,    /* segment outside the user window */
    ELF_EOVERLAP = -16,   /* segments share a page or are out of order */
    ELF_EOVERFLOW = -17,  /* an address or size computation overflows */
    ELF_EWX = -18,        /* segment both writable and executable */
    ELF_ENOLOAD = -19,    /* no PT_LOAD segment with memory */
    ELF_ETOOMANY = -20,   /* more than ELF_MAX_SEGMENTS PT_LOAD segments */
    ELF_EENTRY = -21,     /* entry point not in an executable segment */
    ELF_ETLS = -22,       /* bad or duplicate PT_TLS */
    ELF_ESTACK = -23,     /* PT_GNU_STACK asks for an executable stack */
    ELF_EPHDRMAP = -24,   /* program headers not in a loaded segment */
};

/* One PT_LOAD segment to map (see the header comment for how). */
typedef struct elf_segment {
    uint64_t vaddr;       /* page-aligned start, bias included */
    uint64_t length;      /* page-rounded bytes of memory, > 0 */
    uint64_t offset;      /* page-aligned file offset backing vaddr */
    uint64_t limit;       /* bytes of file after offset that are real */
    uint64_t file_length; /* limit rounded up to pages (<= length) */
    int prot;             /* ELF_PROT_* rights */
} elf_segment_t;

/* The PT_TLS template musl copies into each thread's TLS block. */
typedef struct elf_tls {
    uint64_t vaddr;  /* initialisation image (.tdata), bias included */
    uint64_t filesz; /* bytes of initialised data */
    uint64_t memsz;  /* total size (.tdata + .tbss); 0: no PT_TLS */
    uint64_t align;  /* required alignment (power of two, >= 1) */
} elf_tls_t;

/* Everything the kernel needs to map the image and build auxv. */
typedef struct elf_plan {
    uint64_t entry; /* AT_ENTRY: entry point, bias included */
    uint64_t phdr;  /* AT_PHDR: address of the mapped program headers */
    uint64_t phent; /* AT_PHENT: size of one program header (56) */
    uint64_t phnum; /* AT_PHNUM: number of program headers */
    uint64_t bias;  /* 0 for ET_EXEC, the load bias of a static PIE */
    uint64_t brk;   /* page-aligned end of the highest segment */
    int pie;        /* 1 for a static PIE (ET_DYN), 0 for ET_EXEC */
    unsigned nsegs; /* entries used in seg[], ascending addresses */
    elf_segment_t seg[ELF_MAX_SEGMENTS];
    elf_tls_t tls;
} elf_plan_t;

/* Validates the ELF image [image, image + size) and fills *plan.  On error
 * writes a one-line message starting "ELF: " into msg (if msgsize > 0,
 * always NUL-terminated) and returns a negative ELF_E* code; *plan is then
 * unspecified.  Returns ELF_OK (0) on success, msg then holds "".  Reads the
 * image only; safe on any bytes, any size, any alignment. */
int elf_check(const void *image, size_t size, elf_plan_t *plan, char *msg,
              size_t msgsize);

/* Returns the short name of an ELF_E* code ("ELF_EWINDOW"), or "unknown". */
const char *elf_error_name(int code);

#endif
