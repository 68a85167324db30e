/*
 * unikernel/elfcheck.c - host tool: build/tools/elfcheck FILE...
 *
 * Runs the kernel's own ELF validator (unikernel/elf.c) on each FILE and
 * prints its load plan, or the error naming what is wrong.  The image
 * build runs it so that a malformed application is refused before boot.
 * Exit status: 0 all valid, 1 some file refused, 2 usage or I/O error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unikernel/elf.h"
#include "unikernel/readfile.h"

static void print_plan(const char *path, const elf_plan_t *p)
{
    printf("%s: static x86_64 %s, entry 0x%lx, bias 0x%lx\n", path,
           p->pie ? "PIE (ET_DYN)" : "ET_EXEC", p->entry, p->bias);
    for (unsigned i = 0; i < p->nsegs; i++) {
        const elf_segment_t *s = &p->seg[i];

        printf("  map [0x%08lx-0x%08lx) %c%c%c  file offset 0x%lx limit 0x%lx"
               " (file pages 0x%lx, anonymous 0x%lx)\n",
               s->vaddr, s->vaddr + s->length,
               s->prot & ELF_PROT_READ ? 'r' : '-',
               s->prot & ELF_PROT_WRITE ? 'w' : '-',
               s->prot & ELF_PROT_EXEC ? 'x' : '-', s->offset, s->limit,
               s->file_length, s->length - s->file_length);
    }
    printf("  phdr 0x%lx phnum %lu phent %lu, brk 0x%lx\n", p->phdr, p->phnum,
           p->phent, p->brk);
    if (p->tls.memsz)
        printf("  tls image 0x%lx filesz 0x%lx memsz 0x%lx align 0x%lx\n",
               p->tls.vaddr, p->tls.filesz, p->tls.memsz, p->tls.align);
}

int main(int argc, char **argv)
{
    int status = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        char msg[256];
        elf_plan_t plan;
        size_t size = 0;
        unsigned char *image = read_file(argv[i], &size);
        int err;

        if (!image) {
            fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
            return 2;
        }
        err = elf_check(image, size, &plan, msg, sizeof(msg));
        if (err) {
            fprintf(stderr, "%s: %s [%s]\n", argv[i], msg, elf_error_name(err));
            status = 1;
        } else {
            print_plan(argv[i], &plan);
        }
        free(image);
    }
    return status;
}
