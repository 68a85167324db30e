/*
 * apps/sysfuzz/sysfuzz.h - the random system call generator shared by the
 * driver (main.c), the argument pools (pools.c) and the call table
 * (calls.c).
 *
 * Safety rule: a call may get any pointer except one into the fuzzer's own
 * live memory (its stack, data, heap, TLS); memory-management calls get
 * addresses only inside the play arena, in mappings the fuzzer made itself
 * (the `extra` ring), or outside the user window with lengths that cannot
 * reach back into it.  So whatever the kernel answers, only a kernel bug
 * can hurt the fuzzer.
 */
#ifndef SYSFUZZ_H
#define SYSFUZZ_H

#include <stddef.h>
#include <stdint.h>

#define PAGE 4096ul
#define ARENA_SIZE (8ul << 20)   /* play region of the mm calls */
#define SCRATCH_SIZE (64ul << 10) /* written by the kernel at will */
#define RO_SIZE (4 * PAGE)
#define EXTRA_MAX 16 /* mappings made outside the arena, kept at most */
#define FDS_MAX 64
#define CALLS_MAX 256 /* table entries, at most */

/* The fuzzer's memory, set up once by pools_init. */
struct pools {
    uint8_t *scratch; /* RW, a PROT_NONE guard page after it */
    uint8_t *guard;
    uint8_t *ro;      /* read-only pattern pages */
    uint8_t *arena;   /* PROT_NONE reservation: the mm calls' play region */
    uintptr_t extra[EXTRA_MAX];
    size_t extra_len[EXTRA_MAX];
    unsigned extra_next;
};

extern struct pools pools;

/* xorshift64* over a per-run state. */
void rng_seed(uint64_t seed);
uint64_t rng(void);
static inline uint64_t rng_below(uint64_t n)
{
    return n ? rng() % n : 0;
}

/* Maps scratch, guard, read-only and arena areas: 0 or -1. */
int pools_init(void);
/* Unmaps the arena and every extra mapping, closes descriptors >= 3. */
void pools_cleanup(void);
/* Records the file system's first tree (before any call), then removes
 * the files and directories the calls made besides it (the tmpfs keeps
 * them, with their pages, after the workers end). */
void fs_snapshot(void);
void fs_cleanup(void); /* and ipc_cleanup */
/* The 512-byte blocks held by the boot's files, wherever they are now:
 * frames a call may have given them (written, extended, mapped), which
 * stay after fs_cleanup and are no leak of the kernel. */
long fs_boot_blocks(void);
/* Prints what fs_cleanup left of the calls' files. */
void fs_show_left(void);
/* The System V objects the calls made (kind 0 shm, 1 sem, 2 msg), in a
 * ring the workers and the driver share: they outlive their process.
 * ipc_note records id (removing the object it overwrites), ipc_noted
 * gives one of them or -1, ipc_cleanup removes them all (fs_cleanup calls
 * it). */
void ipc_note(int kind, long id);
long ipc_noted(int kind);
void ipc_cleanup(void);
/* Records a mapping the kernel made for us outside the arena (evicting
 * and unmapping the oldest when the ring is full). */
void extra_add(uintptr_t addr, size_t len);
/* Moves an extra mapping whose base was `old` (mremap). */
void extra_moved(uintptr_t old, uintptr_t addr, size_t len);

/* Argument pools (see the safety rule above). */
uint64_t any_ptr(void);      /* readable, writable, read-only or bad */
uint64_t bad_ptr(void);      /* unmapped, PROT_NONE, guard, kernel, ... */
uint64_t unreadable_ptr(void); /* outside the window or the guard page */
uint64_t scratch_ptr(void);  /* inside scratch, maybe at its end */
uint64_t any_len(void);      /* 0, page edges, huge, random */
uint64_t any_int(void);      /* boundary integers and random ones */
uint64_t any_fd(void);       /* open, closed, stdio or absurd */
uint64_t file_fd(void);      /* like any_fd but never 0, 1 or 2 */
uint64_t path_ptr(void);     /* a path string or a bad pointer */
/* A page range for the mm calls: *addr and *len (see the safety rule). */
void mm_range(uint64_t *addr, uint64_t *len);

/* One random call: fills nr and args; returns its index in the table. */
int call_pick(long *nr, long args[6]);
/* Name and number of entry `i` of the table. */
const char *call_name(int i);
long call_nr(int i);
/* Called with the result of the call call_pick chose (bookkeeping). */
void call_done(long nr, const long args[6], long rc);
/* Numbers in the table. */
int calls_count(void);

#endif
