/*
 * unikernel/elf.c - validates a static x86_64 ELF executable and plans its
 * loading (see elf.h).  Portable: builds in the kernel and on the host.
 *
 * The image is untrusted: headers are copied out with memcpy (any
 * alignment), every sum is checked for overflow, and every range is checked
 * against the file before it is used.  Facts from the System V ABI (ELF
 * gABI and its x86_64 supplement).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "unikernel/elf.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "elf.c reads little-endian headers in place");

/* The on-disk headers (ELF-64 gABI). */
struct elf64_ehdr {
    uint8_t ident[16];
    uint16_t type;
    uint16_t machine;
    uint32_t version;
    uint64_t entry;
    uint64_t phoff;
    uint64_t shoff;
    uint32_t flags;
    uint16_t ehsize;
    uint16_t phentsize;
    uint16_t phnum;
    uint16_t shentsize;
    uint16_t shnum;
    uint16_t shstrndx;
};
_Static_assert(sizeof(struct elf64_ehdr) == 64, "Elf64_Ehdr is 64 bytes");

struct elf64_phdr {
    uint32_t type;
    uint32_t flags;
    uint64_t offset;
    uint64_t vaddr;
    uint64_t paddr;
    uint64_t filesz;
    uint64_t memsz;
    uint64_t align;
};
_Static_assert(sizeof(struct elf64_phdr) == 56, "Elf64_Phdr is 56 bytes");

enum {
    EI_CLASS = 4,
    EI_DATA = 5,
    EI_VERSION = 6,
    EI_OSABI = 7,
    ELFCLASS64 = 2,
    ELFDATA2LSB = 1,
    EV_CURRENT = 1,
    ELFOSABI_SYSV = 0,
    ELFOSABI_GNU = 3,
    ET_EXEC = 2,
    ET_DYN = 3,
    EM_X86_64 = 62,
    PN_XNUM = 0xffff,
    PT_LOAD = 1,
    PT_INTERP = 3,
    PT_PHDR = 6,
    PT_TLS = 7,
    PT_GNU_STACK = 0x6474e551,
    PF_X = 1,
    PF_W = 2,
    PF_R = 4,
};

#define PAGE_OFF(x) ((x) & (ELF_PAGE_SIZE - 1))
#define PAGE_DOWN(x) ((x) & ~(ELF_PAGE_SIZE - 1))

/* One validation: the image, the plan being filled, where errors go. */
struct elf_ctx {
    const unsigned char *image;
    size_t size;
    elf_plan_t *plan;
    char *msg;
    size_t msgsize;
    struct elf64_ehdr eh;
    uint64_t max_align;  /* largest p_align of the PT_LOAD segments */
    uint64_t phdr_vaddr; /* PT_PHDR's p_vaddr, or UINT64_MAX */
    int have_tls;
    struct elf64_phdr tls;
};

/* Writes "ELF: <formatted>" into the message buffer; returns code. */
__attribute__((format(printf, 3, 4))) static int
elf_fail(struct elf_ctx *c, int code, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (c->msgsize == 0)
        return code;
    n = snprintf(c->msg, c->msgsize, "ELF: ");
    if (n >= 0 && (size_t)n < c->msgsize) {
        va_start(ap, fmt);
        vsnprintf(c->msg + n, c->msgsize - n, fmt, ap);
        va_end(ap);
    }
    return code;
}

static int is_pow2_or_zero(uint64_t x)
{
    return (x & (x - 1)) == 0;
}

/* Rounds x up to a multiple of the power of two a; 0 on overflow. */
static int round_up(uint64_t x, uint64_t a, uint64_t *out)
{
    if (__builtin_add_overflow(x, a - 1, out))
        return 0;
    *out &= ~(a - 1);
    return 1;
}

static struct elf64_phdr elf_phdr(const struct elf_ctx *c, unsigned i)
{
    struct elf64_phdr ph;

    memcpy(&ph, c->image + c->eh.phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
    return ph;
}

/* e_ident: magic, class, data, version, OS ABI. */
static int elf_check_ident(struct elf_ctx *c)
{
    const uint8_t *id = c->eh.ident;

    if (memcmp(id, "\177ELF", 4) != 0)
        return elf_fail(c, ELF_EMAGIC, "not an ELF file (no \\177ELF magic)");
    if (id[EI_CLASS] != ELFCLASS64)
        return elf_fail(c, ELF_ECLASS, "class %u is not ELFCLASS64 (%u)",
                        id[EI_CLASS], ELFCLASS64);
    if (id[EI_DATA] != ELFDATA2LSB)
        return elf_fail(c, ELF_EDATA, "data encoding %u is not little endian",
                        id[EI_DATA]);
    if (id[EI_VERSION] != EV_CURRENT)
        return elf_fail(c, ELF_EVERSION, "EI_VERSION %u is not 1",
                        id[EI_VERSION]);
    if (id[EI_OSABI] != ELFOSABI_SYSV && id[EI_OSABI] != ELFOSABI_GNU)
        return elf_fail(c, ELF_EOSABI,
                        "OS ABI %u is neither System V nor "
                        "GNU/Linux",
                        id[EI_OSABI]);
    return ELF_OK;
}

/* The rest of the ELF header and where the program header table lies. */
static int elf_check_header(struct elf_ctx *c)
{
    const struct elf64_ehdr *eh = &c->eh;
    uint64_t end;

    if (eh->type != ET_EXEC && eh->type != ET_DYN)
        return elf_fail(c, ELF_ETYPE,
                        "type %u is neither ET_EXEC nor ET_DYN "
                        "(static PIE)",
                        eh->type);
    if (eh->machine != EM_X86_64)
        return elf_fail(c, ELF_EMACHINE, "machine %u is not x86_64 (%u)",
                        eh->machine, EM_X86_64);
    if (eh->version != EV_CURRENT)
        return elf_fail(c, ELF_EVERSION, "e_version %u is not 1", eh->version);
    if (eh->ehsize != sizeof(struct elf64_ehdr) ||
        eh->phentsize != sizeof(struct elf64_phdr))
        return elf_fail(c, ELF_EHEADER,
                        "e_ehsize %u / e_phentsize %u are not "
                        "64 / 56",
                        eh->ehsize, eh->phentsize);
    if (eh->phnum == 0 || eh->phnum == PN_XNUM)
        return elf_fail(c, ELF_EPHDRS, "e_phnum %u: no program headers%s",
                        eh->phnum, eh->phnum ? " (extended numbering)" : "");
    if (__builtin_add_overflow(eh->phoff, (uint64_t)eh->phnum * 56, &end) ||
        end > c->size)
        return elf_fail(c, ELF_EPHDRS,
                        "program headers [0x%lx-0x%lx) are "
                        "outside the file (0x%zx bytes)",
                        eh->phoff, eh->phoff + (uint64_t)eh->phnum * 56,
                        c->size);
    return ELF_OK;
}

/* Copies the interpreter path of a PT_INTERP, printable bytes only. */
static void elf_interp_name(const struct elf_ctx *c,
                            const struct elf64_phdr *ph, char *buf, size_t n)
{
    uint64_t len = ph->filesz < n - 1 ? ph->filesz : n - 1;
    uint64_t i = 0;

    if (ph->offset <= c->size && len <= c->size - ph->offset)
        for (; i < len && c->image[ph->offset + i]; i++) {
            unsigned char ch = c->image[ph->offset + i];
            buf[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
        }
    buf[i] = '\0';
}

/* First pass over every program header: what refuses the binary outright
 * (PT_INTERP, executable stack), PT_TLS, PT_PHDR and the largest p_align. */
static int elf_scan(struct elf_ctx *c)
{
    char interp[64];

    for (unsigned i = 0; i < c->eh.phnum; i++) {
        struct elf64_phdr ph = elf_phdr(c, i);

        switch (ph.type) {
        case PT_INTERP:
            elf_interp_name(c, &ph, interp, sizeof(interp));
            return elf_fail(c, ELF_EINTERP,
                            "program header %u is PT_INTERP "
                            "(\"%s\"): dynamically linked binaries are not "
                            "supported, link with -static",
                            i, interp);
        case PT_GNU_STACK:
            if (ph.flags & PF_X)
                return elf_fail(c, ELF_ESTACK,
                                "PT_GNU_STACK asks for an "
                                "executable stack: refused (link with "
                                "-z noexecstack)");
            break;
        case PT_TLS:
            if (c->have_tls)
                return elf_fail(c, ELF_ETLS,
                                "program header %u is a second "
                                "PT_TLS",
                                i);
            c->have_tls = 1;
            c->tls = ph;
            break;
        case PT_PHDR:
            c->phdr_vaddr = ph.vaddr;
            break;
        case PT_LOAD:
            if (!is_pow2_or_zero(ph.align) || ph.align > ELF_MAX_ALIGN)
                return elf_fail(c, ELF_EALIGN,
                                "segment %u: p_align 0x%lx is "
                                "not a power of two <= 0x%lx",
                                i, ph.align, ELF_MAX_ALIGN);
            if (ph.align > c->max_align)
                c->max_align = ph.align;
            break;
        }
    }
    return ELF_OK;
}

/* The checks of one PT_LOAD that need neither addresses nor neighbours. */
static int elf_check_load(struct elf_ctx *c, unsigned i,
                          const struct elf64_phdr *ph)
{
    uint64_t end;

    if (ph->filesz > ph->memsz)
        return elf_fail(c, ELF_EFILESZ,
                        "segment %u: p_filesz 0x%lx > "
                        "p_memsz 0x%lx",
                        i, ph->filesz, ph->memsz);
    if (PAGE_OFF(ph->offset) != PAGE_OFF(ph->vaddr))
        return elf_fail(c, ELF_EALIGN,
                        "segment %u: p_offset 0x%lx and "
                        "p_vaddr 0x%lx differ modulo the page size",
                        i, ph->offset, ph->vaddr);
    if (__builtin_add_overflow(ph->offset, ph->filesz, &end))
        return elf_fail(c, ELF_EOVERFLOW,
                        "segment %u: p_offset 0x%lx + "
                        "p_filesz 0x%lx overflows",
                        i, ph->offset, ph->filesz);
    if (end > c->size)
        return elf_fail(c, ELF_EFILERANGE,
                        "segment %u: file bytes "
                        "[0x%lx-0x%lx) are outside the file (0x%zx bytes)",
                        i, ph->offset, end, c->size);
    if ((ph->flags & PF_W) && (ph->flags & PF_X))
        return elf_fail(c, ELF_EWX,
                        "segment %u is both writable and "
                        "executable (W^X)",
                        i);
    return ELF_OK;
}

/* Computes the page range of one PT_LOAD, checks it against the window and
 * the previous segment, and appends it to the plan. */
static int elf_add_load(struct elf_ctx *c, unsigned i,
                        const struct elf64_phdr *ph, uint64_t *prev_vaddr,
                        unsigned *prev_i)
{
    elf_plan_t *p = c->plan;
    elf_segment_t *s;
    uint64_t start, end, page_end;

    if (__builtin_add_overflow(ph->vaddr, p->bias, &start) ||
        __builtin_add_overflow(start, ph->memsz, &end) ||
        !round_up(end, ELF_PAGE_SIZE, &page_end))
        return elf_fail(c, ELF_EOVERFLOW,
                        "segment %u: p_vaddr 0x%lx + "
                        "p_memsz 0x%lx (bias 0x%lx) overflows",
                        i, ph->vaddr, ph->memsz, p->bias);
    if (PAGE_DOWN(start) < ELF_USER_BASE || page_end > ELF_USER_END)
        return elf_fail(c, ELF_EWINDOW,
                        "segment %u [0x%lx-0x%lx) leaves the "
                        "user window [0x%lx-0x%lx)",
                        i, PAGE_DOWN(start), page_end, ELF_USER_BASE,
                        ELF_USER_END);
    if (p->nsegs > 0) {
        const elf_segment_t *prev = &p->seg[p->nsegs - 1];

        if (ph->vaddr < *prev_vaddr)
            return elf_fail(c, ELF_EOVERLAP,
                            "segment %u (p_vaddr 0x%lx) "
                            "comes after segment %u (p_vaddr 0x%lx): PT_LOAD "
                            "not sorted",
                            i, ph->vaddr, *prev_i, *prev_vaddr);
        if (PAGE_DOWN(start) < prev->vaddr + prev->length)
            return elf_fail(c, ELF_EOVERLAP,
                            "segment %u [0x%lx-0x%lx) "
                            "shares a page with segment %u [0x%lx-0x%lx)",
                            i, PAGE_DOWN(start), page_end, *prev_i, prev->vaddr,
                            prev->vaddr + prev->length);
    }
    if (p->nsegs == ELF_MAX_SEGMENTS)
        return elf_fail(c, ELF_ETOOMANY, "more than %u PT_LOAD segments",
                        ELF_MAX_SEGMENTS);
    s = &p->seg[p->nsegs++];
    s->vaddr = PAGE_DOWN(start);
    s->length = page_end - s->vaddr;
    s->offset = PAGE_DOWN(ph->offset);
    s->limit = ph->filesz ? PAGE_OFF(ph->offset) + ph->filesz : 0;
    round_up(s->limit, ELF_PAGE_SIZE, &s->file_length); /* limit <= size+4K */
    s->prot = (ph->flags & PF_R ? ELF_PROT_READ : 0) |
              (ph->flags & PF_W ? ELF_PROT_WRITE : 0) |
              (ph->flags & PF_X ? ELF_PROT_EXEC : 0);
    *prev_vaddr = ph->vaddr;
    *prev_i = i;
    return ELF_OK;
}

/* Second pass: every PT_LOAD, in table order, into the plan. */
static int elf_plan_loads(struct elf_ctx *c)
{
    uint64_t prev_vaddr = 0;
    unsigned prev_i = 0;
    int err;

    for (unsigned i = 0; i < c->eh.phnum; i++) {
        struct elf64_phdr ph = elf_phdr(c, i);

        if (ph.type != PT_LOAD)
            continue;
        err = elf_check_load(c, i, &ph);
        if (err)
            return err;
        if (ph.memsz == 0)
            continue;
        err = elf_add_load(c, i, &ph, &prev_vaddr, &prev_i);
        if (err)
            return err;
    }
    if (c->plan->nsegs == 0)
        return elf_fail(c, ELF_ENOLOAD, "no PT_LOAD segment with memory");
    return ELF_OK;
}

/* Returns the segment whose file-backed bytes [vaddr, vaddr + limit) hold
 * [addr, addr + len) with all of `prot`, or NULL. */
static const elf_segment_t *elf_find(const elf_plan_t *p, uint64_t addr,
                                     uint64_t len, int prot)
{
    for (unsigned i = 0; i < p->nsegs; i++) {
        const elf_segment_t *s = &p->seg[i];

        if ((s->prot & prot) == prot && addr >= s->vaddr &&
            addr - s->vaddr <= s->limit && len <= s->limit - (addr - s->vaddr))
            return s;
    }
    return NULL;
}

/* AT_PHDR: the table must be mapped (musl's start-up reads it for TLS). */
static int elf_plan_phdr(struct elf_ctx *c)
{
    elf_plan_t *p = c->plan;
    uint64_t len = (uint64_t)c->eh.phnum * sizeof(struct elf64_phdr);

    p->phent = sizeof(struct elf64_phdr);
    p->phnum = c->eh.phnum;
    for (unsigned i = 0; i < p->nsegs; i++) {
        const elf_segment_t *s = &p->seg[i];

        if (c->eh.phoff >= s->offset && c->eh.phoff - s->offset <= s->limit &&
            len <= s->limit - (c->eh.phoff - s->offset)) {
            p->phdr = s->vaddr + (c->eh.phoff - s->offset);
            break;
        }
    }
    if (p->phdr == 0)
        return elf_fail(c, ELF_EPHDRMAP,
                        "program headers at file offset "
                        "0x%lx are not inside a loaded segment (no AT_PHDR)",
                        c->eh.phoff);
    if (c->phdr_vaddr != UINT64_MAX && c->phdr_vaddr + p->bias != p->phdr)
        return elf_fail(c, ELF_EPHDRMAP,
                        "PT_PHDR says 0x%lx but the program "
                        "headers are loaded at 0x%lx",
                        c->phdr_vaddr + p->bias, p->phdr);
    return ELF_OK;
}

/* The entry point must be in the file bytes of an executable segment. */
static int elf_plan_entry(struct elf_ctx *c)
{
    elf_plan_t *p = c->plan;

    if (__builtin_add_overflow(c->eh.entry, p->bias, &p->entry) ||
        !elf_find(p, p->entry, 1, ELF_PROT_EXEC))
        return elf_fail(c, ELF_EENTRY,
                        "entry point 0x%lx (bias 0x%lx) is not "
                        "inside an executable segment",
                        c->eh.entry, p->bias);
    return ELF_OK;
}

/* PT_TLS: a sane template whose initialised image is loaded from the file. */
static int elf_plan_tls(struct elf_ctx *c)
{
    const struct elf64_phdr *t = &c->tls;
    elf_tls_t *tls = &c->plan->tls;

    if (!c->have_tls)
        return ELF_OK;
    if (t->filesz > t->memsz || t->memsz > ELF_USER_END - ELF_USER_BASE ||
        !is_pow2_or_zero(t->align) || t->align > ELF_MAX_ALIGN)
        return elf_fail(c, ELF_ETLS,
                        "PT_TLS: p_filesz 0x%lx, p_memsz 0x%lx, "
                        "p_align 0x%lx are inconsistent",
                        t->filesz, t->memsz, t->align);
    if (__builtin_add_overflow(t->vaddr, c->plan->bias, &tls->vaddr) ||
        (t->filesz && !elf_find(c->plan, tls->vaddr, t->filesz, 0)))
        return elf_fail(c, ELF_ETLS,
                        "PT_TLS image [0x%lx+0x%lx) is not inside "
                        "a loaded segment",
                        t->vaddr, t->filesz);
    tls->filesz = t->filesz;
    tls->memsz = t->memsz;
    tls->align = t->align ? t->align : 1;
    return ELF_OK;
}

int elf_check(const void *image, size_t size, elf_plan_t *plan, char *msg,
              size_t msgsize)
{
    struct elf_ctx c = {
        .image = image,
        .size = size,
        .plan = plan,
        .msg = msg,
        .msgsize = msgsize,
        .max_align = ELF_PAGE_SIZE,
        .phdr_vaddr = UINT64_MAX,
    };
    int err;

    if (msgsize > 0)
        msg[0] = '\0';
    memset(plan, 0, sizeof(*plan));
    if (size < sizeof(c.eh))
        return elf_fail(&c, ELF_ETRUNCATED,
                        "file of %zu bytes is shorter "
                        "than an ELF header (64)",
                        size);
    memcpy(&c.eh, image, sizeof(c.eh));
    if ((err = elf_check_ident(&c)) || (err = elf_check_header(&c)) ||
        (err = elf_scan(&c)))
        return err;
    plan->pie = c.eh.type == ET_DYN;
    if (plan->pie)
        round_up(ELF_PIE_BASE, c.max_align, &plan->bias); /* <= 1 GiB */
    if ((err = elf_plan_loads(&c)) || (err = elf_plan_phdr(&c)) ||
        (err = elf_plan_entry(&c)) || (err = elf_plan_tls(&c)))
        return err;
    plan->brk =
        plan->seg[plan->nsegs - 1].vaddr + plan->seg[plan->nsegs - 1].length;
    return ELF_OK;
}

const char *elf_error_name(int code)
{
    static const char *const names[] = {
        "ELF_OK",       "ELF_ETRUNCATED", "ELF_EMAGIC", "ELF_ECLASS",
        "ELF_EDATA",    "ELF_EVERSION",   "ELF_EOSABI", "ELF_ETYPE",
        "ELF_EMACHINE", "ELF_EHEADER",    "ELF_EPHDRS", "ELF_EINTERP",
        "ELF_EFILESZ",  "ELF_EFILERANGE", "ELF_EALIGN", "ELF_EWINDOW",
        "ELF_EOVERLAP", "ELF_EOVERFLOW",  "ELF_EWX",    "ELF_ENOLOAD",
        "ELF_ETOOMANY", "ELF_EENTRY",     "ELF_ETLS",   "ELF_ESTACK",
        "ELF_EPHDRMAP",
    };

    if (code > 0 || -code >= (int)(sizeof(names) / sizeof(names[0])))
        return "unknown";
    return names[-code];
}
