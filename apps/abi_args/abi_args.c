/*
 * abi_args: the System V x86_64 start-up stack as the C library sees it:
 * argv, envp and the auxiliary vector.  Expectations come on the command
 * line, so the same binary checks any arguments the harness passes:
 *   argc=N            argc must be N
 *   env:NAME=VALUE    getenv(NAME) must be VALUE
 *   noenv:NAME        NAME must not be in the environment
 *   anything else     only counted (and echoed as a comment)
 * e.g.  ABI_GREETING=hello abi_args argc=4 env:ABI_GREETING=hello noenv:X
 * One "ok - name" line per check; exit status 0 only if all passed.
 */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

#include "apps/include/check.h"

extern char **environ;
extern char _start[]; /* the entry point of the C library's crt1 */

/* Checks one expectation argument; returns 0 if arg is a plain word. */
static int check_expectation(int argc, const char *arg)
{
    char name[96];
    const char *eq;

    if (strncmp(arg, "argc=", 5) == 0) {
        snprintf(name, sizeof(name), "args argc is %s", arg + 5);
        check(argc == atoi(arg + 5), name);
    } else if (strncmp(arg, "env:", 4) == 0 && (eq = strchr(arg, '='))) {
        char var[64];
        const char *val;

        snprintf(var, sizeof(var), "%.*s", (int)(eq - arg - 4), arg + 4);
        val = getenv(var);
        snprintf(name, sizeof(name), "args environment %s", arg + 4);
        check(val && strcmp(val, eq + 1) == 0, name);
    } else if (strncmp(arg, "noenv:", 6) == 0) {
        snprintf(name, sizeof(name), "args %s not in the environment", arg + 6);
        check(getenv(arg + 6) == NULL, name);
    } else {
        return 0;
    }
    return 1;
}

static void check_vectors(int argc, char **argv, char **envp)
{
    int envc = 0, well_formed = 1;
    volatile char *first = argv[0];
    char orig = first[0];

    check(argc >= 1 && argv[0] && argv[0][0], "args argv[0] is a name");
    check(argv[argc] == NULL, "args argv[argc] is NULL");
    check(envp == argv + argc + 1, "args envp follows argv");
    check(environ == envp, "args environ is envp");
    while (envp[envc])
        envc++;
    printf("# %d arguments, %d environment strings\n", argc, envc);
    for (int i = 0; i < envc; i++)
        if (!strchr(envp[i], '=')) {
            printf("# bad environment string \"%s\"\n", envp[i]);
            well_formed = 0;
        }
    check(well_formed, "args environment strings are NAME=VALUE");
    first[0] = orig ^ 1; /* programs may rewrite their arguments */
    check(first[0] == (orig ^ 1), "args argv strings writable");
    first[0] = orig;
}

/* AT_PHDR/AT_PHNUM: the program headers, with a PT_LOAD holding AT_ENTRY. */
static int entry_in_phdrs(void)
{
    const Elf64_Phdr *ph = (const Elf64_Phdr *)getauxval(AT_PHDR);
    unsigned long n = getauxval(AT_PHNUM), entry = getauxval(AT_ENTRY);
    uintptr_t bias = 0;

    if (!ph || n == 0 || n > 64)
        return 0;
    for (unsigned long i = 0; i < n; i++)
        if (ph[i].p_type == PT_PHDR)
            bias = (uintptr_t)ph - ph[i].p_vaddr;
    for (unsigned long i = 0; i < n; i++)
        if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_X) &&
            entry >= ph[i].p_vaddr + bias &&
            entry < ph[i].p_vaddr + bias + ph[i].p_memsz)
            return 1;
    return 0;
}

static void check_auxv(void)
{
    const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
    int nonzero = 0;

    check(getauxval(AT_PAGESZ) == 4096, "auxv AT_PAGESZ is 4096");
    check(getauxval(AT_PHENT) == sizeof(Elf64_Phdr), "auxv AT_PHENT is 56");
    check(getauxval(AT_ENTRY) == (uintptr_t)_start, "auxv AT_ENTRY is _start");
    check(entry_in_phdrs(), "auxv AT_PHDR/AT_PHNUM describe the program");
    for (int i = 0; rnd && i < 16; i++)
        nonzero |= rnd[i];
    check(rnd && nonzero, "auxv AT_RANDOM points to 16 random bytes");
    check(getauxval(AT_HWCAP) != 0, "auxv AT_HWCAP present");
}

int main(int argc, char **argv, char **envp)
{
    int expectations = 0;

    check_vectors(argc, argv, envp);
    check_auxv();
    for (int i = 1; i < argc; i++) {
        if (check_expectation(argc, argv[i]))
            expectations++;
        else
            printf("# argv[%d] = \"%s\"\n", i, argv[i]);
    }
    printf("# %d expectations from the command line\n", expectations);
    return failures != 0;
}
