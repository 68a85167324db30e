/*
 * tests/fuzz/fuzz_elf.c - libFuzzer target for unikernel/elf.c.
 *
 * Any input must give either a refusal (a known code, a message "ELF: ...")
 * or a plan that keeps every promise of elf.h; a broken promise aborts.
 * Seeds: tests/fuzz/corpus/fuzz_elf/ (small valid static ELFs).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unikernel/elf.h"

#define PAGE ELF_PAGE_SIZE

static void require(int cond)
{
    if (!cond)
        abort();
}

/* [addr, addr + len) lies in the file-backed part of a segment with prot. */
static int mapped_from_file(const elf_plan_t *p, uint64_t addr, uint64_t len,
                            int prot)
{
    for (unsigned i = 0; i < p->nsegs; i++) {
        const elf_segment_t *s = &p->seg[i];
        if ((s->prot & prot) == prot && addr >= s->vaddr &&
            addr + len <= s->vaddr + s->limit)
            return 1;
    }
    return 0;
}

static void check_plan(const elf_plan_t *p, size_t size)
{
    require(p->nsegs >= 1 && p->nsegs <= ELF_MAX_SEGMENTS);
    for (unsigned i = 0; i < p->nsegs; i++) {
        const elf_segment_t *s = &p->seg[i];

        require(s->vaddr % PAGE == 0 && s->length % PAGE == 0);
        require(s->offset % PAGE == 0 && s->file_length % PAGE == 0);
        require(s->length > 0 && s->vaddr >= ELF_USER_BASE);
        require(s->vaddr + s->length <= ELF_USER_END);
        require(s->limit <= s->file_length && s->file_length <= s->length);
        require(s->file_length - s->limit < PAGE);
        require(s->offset + s->limit <= size);
        require(!(s->prot & ELF_PROT_WRITE) || !(s->prot & ELF_PROT_EXEC));
        require((s->prot & ~7) == 0);
        if (i > 0)
            require(p->seg[i - 1].vaddr + p->seg[i - 1].length <= s->vaddr);
    }
    require(p->brk == p->seg[p->nsegs - 1].vaddr + p->seg[p->nsegs - 1].length);
    require(mapped_from_file(p, p->entry, 1, ELF_PROT_EXEC));
    require(p->phent == 56 && p->phnum > 0);
    require(mapped_from_file(p, p->phdr, p->phnum * p->phent, 0));
    require(p->pie ? p->bias >= ELF_PIE_BASE && p->bias % PAGE == 0
                   : p->bias == 0);
    if (p->tls.memsz) {
        require(p->tls.filesz <= p->tls.memsz);
        require(p->tls.align && (p->tls.align & (p->tls.align - 1)) == 0);
        require(!p->tls.filesz ||
                mapped_from_file(p, p->tls.vaddr, p->tls.filesz, 0));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char msg[160];
    elf_plan_t plan;
    int err = elf_check(data, size, &plan, msg, sizeof(msg));

    if (err == ELF_OK) {
        require(msg[0] == '\0');
        check_plan(&plan, size);
    } else {
        require(err < 0 && strcmp(elf_error_name(err), "unknown") != 0);
        require(strncmp(msg, "ELF: ", 5) == 0 && strlen(msg) > 5);
    }
    return 0;
}
