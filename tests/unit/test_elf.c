/*
 * tests/unit/test_elf.c - unikernel/elf.c on synthesized images (one per
 * malformation) and on real static binaries built at test-build time
 * (build/elf-samples/, or the directory in $ELF_SAMPLES).
 *
 * The images are written with glibc's <elf.h>, independently of elf.c.
 */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "unikernel/elf.h"

#define IMG_MAX 0x6000

/* A synthesized image: ELF header, program headers at 64, segment data. */
struct img {
    unsigned char buf[IMG_MAX];
    size_t size;
    Elf64_Ehdr *eh;
    Elf64_Phdr *ph;
};

static Elf64_Phdr phdr(uint32_t type, uint32_t flags, uint64_t off,
                       uint64_t vaddr, uint64_t filesz, uint64_t memsz,
                       uint64_t align)
{
    return (Elf64_Phdr){.p_type = type,
                        .p_flags = flags,
                        .p_offset = off,
                        .p_vaddr = vaddr,
                        .p_paddr = vaddr,
                        .p_filesz = filesz,
                        .p_memsz = memsz,
                        .p_align = align};
}

/* The reference image, shaped like a musl static binary:
 *   0 LOAD R   off 0x0    vaddr 0x400000 filesz 0x1000
 *   1 LOAD R X off 0x1000 vaddr 0x401000 filesz 0x1000   entry 0x401010
 *   2 LOAD RW  off 0x2010 vaddr 0x403010 filesz 0x100 memsz 0x3000 (.bss)
 *   3 TLS      off 0x2010 vaddr 0x403010 filesz 0x10  memsz 0x40 align 8
 *   4 GNU_STACK RW */
static void img_exec(struct img *m)
{
    memset(m, 0, sizeof(*m));
    m->size = 0x2110;
    m->eh = (Elf64_Ehdr *)m->buf;
    m->ph = (Elf64_Phdr *)(m->buf + sizeof(Elf64_Ehdr));
    memcpy(m->eh->e_ident, ELFMAG, SELFMAG);
    m->eh->e_ident[EI_CLASS] = ELFCLASS64;
    m->eh->e_ident[EI_DATA] = ELFDATA2LSB;
    m->eh->e_ident[EI_VERSION] = EV_CURRENT;
    m->eh->e_type = ET_EXEC;
    m->eh->e_machine = EM_X86_64;
    m->eh->e_version = EV_CURRENT;
    m->eh->e_entry = 0x401010;
    m->eh->e_phoff = sizeof(Elf64_Ehdr);
    m->eh->e_ehsize = sizeof(Elf64_Ehdr);
    m->eh->e_phentsize = sizeof(Elf64_Phdr);
    m->eh->e_phnum = 5;
    m->ph[0] = phdr(PT_LOAD, PF_R, 0, 0x400000, 0x1000, 0x1000, 0x1000);
    m->ph[1] =
        phdr(PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x1000, 0x1000, 0x1000);
    m->ph[2] =
        phdr(PT_LOAD, PF_R | PF_W, 0x2010, 0x403010, 0x100, 0x3000, 0x1000);
    m->ph[3] = phdr(PT_TLS, PF_R, 0x2010, 0x403010, 0x10, 0x40, 8);
    m->ph[4] = phdr(PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16);
}

/* The same layout as a static PIE linked at 0. */
static void img_pie(struct img *m)
{
    img_exec(m);
    m->eh->e_type = ET_DYN;
    m->eh->e_entry -= 0x400000;
    for (int i = 0; i < 4; i++)
        m->ph[i].p_vaddr -= 0x400000;
}

static char msg[256];

static int check(struct img *m, elf_plan_t *plan)
{
    int err = elf_check(m->buf, m->size, plan, msg, sizeof(msg));

    if (err)
        print_message("# refused: %s\n", msg);
    return err;
}

/* Asserts that m is refused with `code` and a message containing `what`. */
static void refused(struct img *m, int code, const char *what)
{
    elf_plan_t plan;
    int err = elf_check(m->buf, m->size, &plan, msg, sizeof(msg));

    if (err != code)
        fail_msg("expected %s, got %s: \"%s\"", elf_error_name(code),
                 elf_error_name(err), msg);
    assert_memory_equal(msg, "ELF: ", 5);
    if (!strstr(msg, what))
        fail_msg("message \"%s\" does not mention \"%s\"", msg, what);
}

static void assert_segment(const elf_segment_t *s, uint64_t vaddr,
                           uint64_t length, uint64_t offset, uint64_t limit,
                           uint64_t file_length, int prot)
{
    assert_int_equal(s->vaddr, vaddr);
    assert_int_equal(s->length, length);
    assert_int_equal(s->offset, offset);
    assert_int_equal(s->limit, limit);
    assert_int_equal(s->file_length, file_length);
    assert_int_equal(s->prot, prot);
}

static void test_exec_plan(void **state)
{
    struct img m;
    elf_plan_t p;

    (void)state;
    img_exec(&m);
    assert_int_equal(check(&m, &p), ELF_OK);
    assert_string_equal(msg, "");
    assert_int_equal(p.pie, 0);
    assert_int_equal(p.bias, 0);
    assert_int_equal(p.entry, 0x401010);
    assert_int_equal(p.phdr, 0x400040);
    assert_int_equal(p.phnum, 5);
    assert_int_equal(p.phent, 56);
    assert_int_equal(p.nsegs, 3);
    assert_segment(&p.seg[0], 0x400000, 0x1000, 0, 0x1000, 0x1000,
                   ELF_PROT_READ);
    assert_segment(&p.seg[1], 0x401000, 0x1000, 0x1000, 0x1000, 0x1000,
                   ELF_PROT_READ | ELF_PROT_EXEC);
    assert_segment(&p.seg[2], 0x403000, 0x4000, 0x2000, 0x110, 0x1000,
                   ELF_PROT_READ | ELF_PROT_WRITE);
    assert_int_equal(p.brk, 0x407000);
    assert_int_equal(p.tls.vaddr, 0x403010);
    assert_int_equal(p.tls.filesz, 0x10);
    assert_int_equal(p.tls.memsz, 0x40);
    assert_int_equal(p.tls.align, 8);
}

static void test_pie_plan(void **state)
{
    struct img m;
    elf_plan_t p;

    (void)state;
    img_pie(&m);
    assert_int_equal(check(&m, &p), ELF_OK);
    assert_int_equal(p.pie, 1);
    assert_int_equal(p.bias, ELF_PIE_BASE);
    assert_int_equal(p.entry, 0x401010);
    assert_int_equal(p.phdr, 0x400040);
    assert_segment(&p.seg[2], 0x403000, 0x4000, 0x2000, 0x110, 0x1000,
                   ELF_PROT_READ | ELF_PROT_WRITE);
    assert_int_equal(p.tls.vaddr, 0x403010);

    /* The bias honours the largest p_align. */
    m.ph[1].p_align = 0x800000;
    assert_int_equal(check(&m, &p), ELF_OK);
    assert_int_equal(p.bias, 0x800000);
    assert_int_equal(p.entry, 0x801010);
}

static void test_pure_bss_segment(void **state)
{
    struct img m;
    elf_plan_t p;

    (void)state;
    img_exec(&m);
    m.ph[4] = phdr(PT_LOAD, PF_R | PF_W, 0x2110, 0x408110, 0, 0x2000, 0x1000);
    assert_int_equal(check(&m, &p), ELF_OK);
    assert_int_equal(p.nsegs, 4);
    assert_segment(&p.seg[3], 0x408000, 0x3000, 0x2000, 0, 0,
                   ELF_PROT_READ | ELF_PROT_WRITE);
    assert_int_equal(p.brk, 0x40b000);

    /* An empty PT_LOAD maps nothing and is skipped. */
    m.ph[4] = phdr(PT_LOAD, PF_R, 0, 0x500000, 0, 0, 0x1000);
    assert_int_equal(check(&m, &p), ELF_OK);
    assert_int_equal(p.nsegs, 3);
}

static void test_truncated(void **state)
{
    struct img m;
    elf_plan_t p;

    (void)state;
    img_exec(&m);
    refused(&(struct img){.size = 0}, ELF_ETRUNCATED, "0 bytes");
    m.size = 63;
    refused(&m, ELF_ETRUNCATED, "63 bytes");
    m.size = 64 + 5 * 56 - 1;
    refused(&m, ELF_EPHDRS, "outside the file");
    m.size = 0x2100;
    refused(&m, ELF_EFILERANGE, "segment 2: file bytes [0x2010-0x2110)");
    /* No prefix of the image is accepted. */
    for (m.size = 0; m.size < 0x2110; m.size++)
        assert_int_not_equal(elf_check(m.buf, m.size, &p, NULL, 0), ELF_OK);
}

static void test_ident(void **state)
{
    struct img m;

    (void)state;
    img_exec(&m);
    m.eh->e_ident[1] = 'X';
    refused(&m, ELF_EMAGIC, "magic");
    img_exec(&m);
    m.eh->e_ident[EI_CLASS] = ELFCLASS32;
    refused(&m, ELF_ECLASS, "ELFCLASS64");
    img_exec(&m);
    m.eh->e_ident[EI_DATA] = ELFDATA2MSB;
    refused(&m, ELF_EDATA, "little endian");
    img_exec(&m);
    m.eh->e_ident[EI_VERSION] = 2;
    refused(&m, ELF_EVERSION, "EI_VERSION");
    img_exec(&m);
    m.eh->e_version = 0;
    refused(&m, ELF_EVERSION, "e_version");
    img_exec(&m);
    m.eh->e_ident[EI_OSABI] = ELFOSABI_FREEBSD;
    refused(&m, ELF_EOSABI, "OS ABI 9");
    img_exec(&m);
    m.eh->e_ident[EI_OSABI] = ELFOSABI_GNU;
    assert_int_equal(check(&m, &(elf_plan_t){0}), ELF_OK);
}

static void test_type_machine_sizes(void **state)
{
    struct img m;

    (void)state;
    img_exec(&m);
    m.eh->e_type = ET_REL;
    refused(&m, ELF_ETYPE, "type 1");
    img_exec(&m);
    m.eh->e_machine = EM_AARCH64;
    refused(&m, ELF_EMACHINE, "machine 183 is not x86_64");
    img_exec(&m);
    m.eh->e_machine = EM_386;
    refused(&m, ELF_EMACHINE, "machine 3");
    img_exec(&m);
    m.eh->e_phentsize = 32;
    refused(&m, ELF_EHEADER, "e_phentsize 32");
    img_exec(&m);
    m.eh->e_ehsize = 52;
    refused(&m, ELF_EHEADER, "e_ehsize 52");
}

static void test_phdr_table(void **state)
{
    struct img m;

    (void)state;
    img_exec(&m);
    m.eh->e_phnum = 0;
    refused(&m, ELF_EPHDRS, "e_phnum 0");
    img_exec(&m);
    m.eh->e_phnum = 0xffff;
    refused(&m, ELF_EPHDRS, "extended numbering");
    img_exec(&m);
    m.eh->e_phoff = 0x2100;
    refused(&m, ELF_EPHDRS, "program headers [0x2100-0x2218) are outside");
    img_exec(&m);
    m.eh->e_phoff = UINT64_MAX - 8;
    refused(&m, ELF_EPHDRS, "outside the file");

    /* A table in the file but in no segment: no AT_PHDR possible. */
    img_exec(&m);
    memcpy(m.buf + 0x2110, m.ph, 5 * sizeof(Elf64_Phdr));
    m.eh->e_phoff = 0x2110;
    m.size = 0x2110 + 5 * sizeof(Elf64_Phdr);
    refused(&m, ELF_EPHDRMAP, "file offset 0x2110");

    /* PT_PHDR must say where the table really is. */
    img_exec(&m);
    m.ph[4] = phdr(PT_PHDR, PF_R, 0x40, 0x400040, 5 * 56, 5 * 56, 8);
    assert_int_equal(check(&m, &(elf_plan_t){0}), ELF_OK);
    m.ph[4].p_vaddr = 0x400080;
    refused(&m, ELF_EPHDRMAP, "PT_PHDR says 0x400080");
}

static void test_interp(void **state)
{
    struct img m;

    (void)state;
    img_exec(&m);
    strcpy((char *)m.buf + 0x200, "/lib/ld-musl-x86_64.so.1");
    m.ph[4] = phdr(PT_INTERP, PF_R, 0x200, 0x400200, 25, 25, 1);
    refused(&m, ELF_EINTERP,
            "program header 4 is PT_INTERP (\"/lib/ld-musl-x86_64.so.1\"): "
            "dynamically linked binaries are not supported");
    /* An interpreter path outside the file is not read. */
    m.ph[4].p_offset = UINT64_MAX - 4;
    refused(&m, ELF_EINTERP, "PT_INTERP (\"\")");
}

static void test_window(void **state)
{
    struct img m;

    (void)state;
    img_exec(&m);
    m.ph[0].p_vaddr = 0x3ff000;
    refused(&m, ELF_EWINDOW,
            "segment 0 [0x3ff000-0x400000) leaves the user "
            "window [0x400000-0xc0000000)");
    img_exec(&m);
    m.ph[2].p_vaddr = 0xbfff0000;
    m.ph[2].p_offset = 0x2000;
    m.ph[2].p_memsz = 0x20000;
    m.ph[3].p_vaddr = 0xbfff0000;
    refused(&m, ELF_EWINDOW,
            "ELF: segment 2 [0xbfff0000-0xc0010000) leaves "
            "the user window [0x400000-0xc0000000)");
    /* The last page of the window is usable. */
    m.ph[2].p_memsz = 0x10000;
    assert_int_equal(check(&m, &(elf_plan_t){0}), ELF_OK);
    /* A PIE whose bias pushes it out of the window. */
    img_pie(&m);
    m.ph[2].p_vaddr = 0xbfc03010;
    m.ph[3].p_vaddr = 0xbfc03010;
    refused(&m, ELF_EWINDOW, "segment 2 [0xc0003000-0xc0007000)");
}

static void test_overlap_and_order(void **state)
{
    struct img m;

    (void)state;
    img_exec(&m);
    m.ph[2].p_vaddr = 0x401010; /* the last page of the text */
    m.ph[3].p_vaddr = 0x401010;
    refused(&m, ELF_EOVERLAP,
            "segment 2 [0x401000-0x405000) shares a page "
            "with segment 1 [0x401000-0x402000)");
    img_exec(&m);
    m.ph[1].p_memsz = 0x1100; /* reaches into the free page 0x402000 */
    assert_int_equal(check(&m, &(elf_plan_t){0}), ELF_OK);
    m.ph[1].p_memsz = 0x2100; /* now it reaches 0x403100 */
    refused(&m, ELF_EOVERLAP, "shares a page with segment 1");
    img_exec(&m);
    Elf64_Phdr t = m.ph[0];
    m.ph[0] = m.ph[1];
    m.ph[1] = t;
    refused(&m, ELF_EOVERLAP,
            "segment 1 (p_vaddr 0x400000) comes after "
            "segment 0 (p_vaddr 0x401000): PT_LOAD not sorted");
}

static void test_segment_sizes(void **state)
{
    struct img m;

    (void)state;
    img_exec(&m);
    m.ph[2].p_filesz = 0x3001;
    refused(&m, ELF_EFILESZ, "segment 2: p_filesz 0x3001 > p_memsz 0x3000");
    img_exec(&m);
    m.ph[1].p_offset = 0x1008;
    refused(&m, ELF_EALIGN, "p_offset 0x1008 and p_vaddr 0x401000 differ");
    img_exec(&m);
    m.ph[1].p_align = 0x3000;
    refused(&m, ELF_EALIGN, "p_align 0x3000");
    img_exec(&m);
    m.ph[1].p_align = 0x80000000;
    refused(&m, ELF_EALIGN, "p_align 0x80000000");
    img_exec(&m);
    m.ph[1].p_align = 0; /* 0 and 1 mean no constraint */
    m.ph[2].p_align = 1;
    assert_int_equal(check(&m, &(elf_plan_t){0}), ELF_OK);
}

static void test_overflow(void **state)
{
    struct img m;

    (void)state;
    img_exec(&m);
    m.ph[2].p_offset = UINT64_MAX - 0xfef;
    m.ph[2].p_vaddr = UINT64_MAX - 0xfef;
    m.ph[2].p_filesz = 0x1000;
    refused(&m, ELF_EOVERFLOW,
            "segment 2: p_offset 0xfffffffffffff010 + "
            "p_filesz 0x1000 overflows");
    img_exec(&m);
    m.ph[2].p_memsz = UINT64_MAX;
    refused(&m, ELF_EOVERFLOW, "p_memsz 0xffffffffffffffff");
    img_exec(&m);
    m.ph[2].p_vaddr = 0xffffffffffffc010;    /* ends in the last page: */
    refused(&m, ELF_EOVERFLOW, "segment 2"); /* rounding up overflows */
    m.ph[2].p_vaddr = 0xffffffffffffd010;    /* the end itself overflows */
    refused(&m, ELF_EOVERFLOW, "segment 2");
    img_pie(&m);
    m.ph[2].p_vaddr = 0xfffffffffff00010;
    refused(&m, ELF_EOVERFLOW, "bias 0x400000");
    img_pie(&m);
    m.eh->e_entry = UINT64_MAX - 0x10;
    refused(&m, ELF_EENTRY, "entry point");
    img_exec(&m);
    m.ph[3].p_vaddr = UINT64_MAX;
    refused(&m, ELF_ETLS, "PT_TLS image");
    img_exec(&m);
    m.ph[3].p_filesz = UINT64_MAX;
    m.ph[3].p_memsz = UINT64_MAX;
    refused(&m, ELF_ETLS, "inconsistent");
}

static void test_entry(void **state)
{
    struct img m;

    (void)state;
    img_exec(&m);
    m.eh->e_entry = 0x403020; /* data */
    refused(&m, ELF_EENTRY,
            "entry point 0x403020 (bias 0x0) is not inside "
            "an executable segment");
    m.eh->e_entry = 0;
    refused(&m, ELF_EENTRY, "entry point 0x0");
    m.eh->e_entry = 0x402000; /* one past the text */
    refused(&m, ELF_EENTRY, "0x402000");
    m.eh->e_entry = 0x401fff; /* last byte of the text */
    assert_int_equal(check(&m, &(elf_plan_t){0}), ELF_OK);
}

static void test_rights_and_stack(void **state)
{
    struct img m;
    elf_plan_t p;

    (void)state;
    img_exec(&m);
    m.ph[2].p_flags = PF_R | PF_W | PF_X;
    refused(&m, ELF_EWX, "segment 2 is both writable and executable");
    img_exec(&m);
    m.ph[4].p_flags = PF_R | PF_W | PF_X;
    refused(&m, ELF_ESTACK, "executable stack");
    /* No PT_GNU_STACK at all: the stack stays non-executable. */
    img_exec(&m);
    m.ph[4].p_type = PT_NOTE;
    assert_int_equal(check(&m, &p), ELF_OK);
    /* A segment with no rights is planned as such (a reservation). */
    m.ph[4] = phdr(PT_LOAD, 0, 0, 0x500000, 0, 0x1000, 0x1000);
    assert_int_equal(check(&m, &p), ELF_OK);
    assert_int_equal(p.seg[3].prot, 0);
}

static void test_tls(void **state)
{
    struct img m;
    elf_plan_t p;

    (void)state;
    img_exec(&m);
    m.ph[4] = m.ph[3];
    refused(&m, ELF_ETLS, "program header 4 is a second PT_TLS");
    img_exec(&m);
    m.ph[3].p_filesz = 0x41;
    refused(&m, ELF_ETLS, "p_filesz 0x41, p_memsz 0x40");
    img_exec(&m);
    m.ph[3].p_align = 12;
    refused(&m, ELF_ETLS, "p_align 0xc");
    img_exec(&m);
    m.ph[3].p_vaddr = 0x403110; /* .tdata would lie in .bss */
    refused(&m, ELF_ETLS, "[0x403110+0x10) is not inside a loaded segment");
    /* .tbss only: no image to check; align 0 means 1. */
    m.ph[3].p_filesz = 0;
    m.ph[3].p_align = 0;
    assert_int_equal(check(&m, &p), ELF_OK);
    assert_int_equal(p.tls.align, 1);
    assert_int_equal(p.tls.memsz, 0x40);
}

static void test_segment_count(void **state)
{
    struct img m;
    elf_plan_t p;

    (void)state;
    img_exec(&m);
    for (int i = 0; i < 5; i++)
        m.ph[i].p_type = PT_NOTE;
    refused(&m, ELF_ENOLOAD, "no PT_LOAD");

    /* ELF_MAX_SEGMENTS segments fit; one more does not. */
    img_exec(&m);
    m.eh->e_phnum = ELF_MAX_SEGMENTS;
    for (int i = 3; i < m.eh->e_phnum; i++)
        m.ph[i] =
            phdr(PT_LOAD, PF_R, 0, 0x500000 + 0x1000 * i, 0, 0x10, 0x1000);
    assert_int_equal(check(&m, &p), ELF_OK);
    assert_int_equal(p.nsegs, ELF_MAX_SEGMENTS);
    m.eh->e_phnum++;
    m.ph[m.eh->e_phnum - 1] = phdr(PT_LOAD, PF_R, 0, 0x600000, 0, 0x10, 0);
    refused(&m, ELF_ETOOMANY, "more than 16 PT_LOAD segments");
}

static void test_messages(void **state)
{
    struct img m;
    elf_plan_t p;
    char small[12];
    const char *seen[25];

    (void)state;
    img_exec(&m);
    m.eh->e_machine = EM_386;
    assert_int_equal(elf_check(m.buf, m.size, &p, small, sizeof(small)),
                     ELF_EMACHINE);
    assert_string_equal(small, "ELF: machin");
    assert_int_equal(elf_check(m.buf, m.size, &p, small, 3), ELF_EMACHINE);
    assert_string_equal(small, "EL");
    assert_int_equal(elf_check(m.buf, m.size, &p, NULL, 0), ELF_EMACHINE);
    /* Every code has its own name. */
    for (int code = 0; code >= ELF_EPHDRMAP; code--) {
        seen[-code] = elf_error_name(code);
        assert_string_not_equal(seen[-code], "unknown");
        for (int other = 0; other < -code; other++)
            assert_string_not_equal(seen[other], seen[-code]);
    }
    assert_string_equal(elf_error_name(ELF_EWINDOW), "ELF_EWINDOW");
    assert_string_equal(elf_error_name(ELF_EPHDRMAP - 1), "unknown");
    assert_string_equal(elf_error_name(1), "unknown");
}

/* ---- real binaries ---------------------------------------------------- */

static unsigned char *load_sample(const char *name, size_t *size)
{
    const char *dir = getenv("ELF_SAMPLES");
    char path[512];
    FILE *f;
    unsigned char *buf;
    long n;

    snprintf(path, sizeof(path), "%s/%s", dir ? dir : "build/elf-samples",
             name);
    f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s (built by make test-build)", path);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n > 0);
    rewind(f);
    buf = malloc(n);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, n, f), (size_t)n);
    fclose(f);
    *size = n;
    return buf;
}

/* The plan of a real binary agrees with its own headers. */
static void check_real(const char *name, int pie)
{
    size_t size;
    unsigned char *img = load_sample(name, &size);
    Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
    Elf64_Phdr *ph = (Elf64_Phdr *)(img + eh->e_phoff);
    elf_plan_t p;
    unsigned loads = 0, tls = 0;
    uint64_t file_end;

    assert_int_equal(elf_check(img, size, &p, msg, sizeof(msg)), ELF_OK);
    assert_int_equal(p.pie, pie);
    assert_int_equal(p.bias, pie ? ELF_PIE_BASE : 0);
    assert_int_equal(p.entry, eh->e_entry + p.bias);
    assert_int_equal(p.phnum, eh->e_phnum);
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_LOAD) {
            const elf_segment_t *s = &p.seg[loads++];
            assert_int_equal(s->vaddr, (ph[i].p_vaddr + p.bias) & ~0xfffUL);
            assert_int_equal(s->offset, ph[i].p_offset & ~0xfffUL);
            assert_int_equal(s->limit,
                             (ph[i].p_offset & 0xfff) + ph[i].p_filesz);
            assert_true(s->vaddr + s->length >=
                        ph[i].p_vaddr + p.bias + ph[i].p_memsz);
            assert_int_equal(s->prot & ELF_PROT_EXEC,
                             ph[i].p_flags & PF_X ? ELF_PROT_EXEC : 0);
        }
        if (ph[i].p_type == PT_TLS) {
            tls++;
            assert_int_equal(p.tls.vaddr, ph[i].p_vaddr + p.bias);
            assert_int_equal(p.tls.memsz, ph[i].p_memsz);
        }
    }
    assert_int_equal(p.nsegs, loads);
    assert_int_equal(tls, 1);
    /* The program headers are mapped from the first segment (offset 0). */
    assert_int_equal(p.phdr, p.seg[0].vaddr + eh->e_phoff);

    /* Cut anywhere inside the loaded bytes, it is refused. */
    file_end = p.seg[p.nsegs - 1].offset + p.seg[p.nsegs - 1].limit;
    for (size_t cut = 0; cut < file_end; cut += 1 + cut / 4)
        assert_int_not_equal(elf_check(img, cut, &p, NULL, 0), ELF_OK);
    /* Any single byte of the headers set to 0xff: a plan or a refusal,
     * never a crash (ASan/UBSan watch). */
    for (size_t i = 0; i < eh->e_phoff + eh->e_phnum * sizeof(*ph); i++) {
        unsigned char old = img[i];
        img[i] = 0xff;
        elf_check(img, size, &p, msg, sizeof(msg));
        img[i] = old;
    }
    free(img);
}

static void test_real_musl_static(void **state)
{
    (void)state;
    check_real("musl-static.elf", 0);
}

static void test_real_glibc_static_pie(void **state)
{
    (void)state;
    check_real("glibc-static-pie.elf", 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exec_plan),
        cmocka_unit_test(test_pie_plan),
        cmocka_unit_test(test_pure_bss_segment),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_ident),
        cmocka_unit_test(test_type_machine_sizes),
        cmocka_unit_test(test_phdr_table),
        cmocka_unit_test(test_interp),
        cmocka_unit_test(test_window),
        cmocka_unit_test(test_overlap_and_order),
        cmocka_unit_test(test_segment_sizes),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_entry),
        cmocka_unit_test(test_rights_and_stack),
        cmocka_unit_test(test_tls),
        cmocka_unit_test(test_segment_count),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_real_musl_static),
        cmocka_unit_test(test_real_glibc_static_pie),
    };

    return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
