/*
 * cmdline.h - the kernel command line: `quiet`, `loglevel=N`, `test=NAME`
 * (kernel self-test mode), `mem=SIZE` (K, M or G suffix: at most that much
 * RAM for the frame allocator), `tmpfs=SIZE` (the same suffixes: the size
 * of the root file system), `seed=N` (decimal: the ASLR generator's
 * seed, a repeatable layout), `noaslr` (fixed user layout), `tickless=off`
 * (the periodic 1 kHz timer tick instead of the one-shot), `pcid=on` (PCIDs
 * where the CPU has them), `hugepages=always|madvise|never` (the superpage
 * policy, mm/huge.c), `shmem_hugepages=never|within_size|advise|always`
 * (the page cache's superpage policy, mm/inode.c), `ip=ADDR/PREFIX`
 * (or `ip=dhcp`), `gw=ADDR`, `dns=ADDR`, `ip2=ADDR/PREFIX` (the second
 * NIC's static address; the network, checked by net/config.c), and everything
 * after `--` kept as the application's argv.  Words are split at blanks;
 * double quotes group blanks into a word and are removed, as on Linux's
 * command line (`""` is an empty word, `"a b"` one word).  Portable
 * (host-testable).
 */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CMDLINE_MAX      1024
#define CMDLINE_MAX_ARGS 32

struct cmdline {
    bool quiet;
    int loglevel;            /* -1 when not given */
    const char *test;        /* NULL when not given */
    uint64_t mem;            /* bytes; 0 when not given */
    uint64_t tmpfs;          /* tmpfs= bytes; 0 when not given */
    bool noaslr;             /* user layout fixed (exec.c, aslr.c) */
    bool tick_periodic;      /* tickless=off: the periodic 1 kHz tick */
    bool pcid;               /* pcid=on: tagged TLB entries where the CPU has them */
    int hugepages;           /* hugepages=: 0 never, 1 madvise, 2 always
                                (mm's enum mm_huge_policy); -1 not given */
    int shmem_hugepages;     /* shmem_hugepages=: 0 never, 1 within_size,
                                2 advise, 3 always (enum
                                mm_shmem_huge_policy); -1 not given */
    bool has_seed;           /* seed= given */
    uint64_t seed;           /* the ASLR generator's seed when has_seed */
    const char *ip, *gw, *dns; /* ip=, gw=, dns=: NULL when not given */
    const char *ip2;         /* ip2=: NULL when not given */
    int argc;                /* words after "--" */
    char *argv[CMDLINE_MAX_ARGS + 1];
    int nunknown;            /* parameters we did not recognize */
    char *unknown[CMDLINE_MAX_ARGS];
    char buf[CMDLINE_MAX];
};

/* Parses `text` into `cl` (which owns copies of the words).  Returns 0,
 * -E2BIG when the text or the argv is too long, -EINVAL on a bad value;
 * on error `cl` holds what was parsed before the problem. */
int cmdline_parse(struct cmdline *cl, const char *text);

/* Undoes GRUB's rebuilding of a command line from its words (it escapes
 * `"` and `\` with a backslash and wraps a word with blanks in quotes):
 * writes the words, as grub.cfg gave them, joined by one blank, into out
 * (capacity cap, NUL-terminated); a word with blanks and no quote of its
 * own is quoted again, so that it stays one word.  images/grubcfg.sh writes
 * grub.cfg so that this gives back the make CMDLINE.  Returns 0, or -E2BIG
 * when out is too small (out then holds what fitted). */
int cmdline_from_grub(char *out, size_t cap, const char *text);

/* True when an unrecognized word is NAME=VALUE: it goes to the application's
 * environment instead of being ignored. */
bool cmdline_is_env(const char *word);

/* The command line of this boot (kernel_main parses it early): the
 * application's argv is boot_cmdline.argv. */
extern struct cmdline boot_cmdline;

#endif
