/*
 * apps/sysfuzz/pools.c - the fuzzer's memory areas and the pools its
 * random arguments come from.
 */
#include <dirent.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysfuzz.h"

#define WINDOW_LOWER 0x400000ul     /* the unikernel's user window */
#define WINDOW_UPPER 0xc0000000ul

struct pools pools;
static uint64_t state = 1;

void rng_seed(uint64_t seed)
{
    state = seed * 0x9e3779b97f4a7c15ull + 1;
}

uint64_t rng(void)
{
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545f4914f6cdd1dull;
}

#define IPC_RING 64
struct ipc_ring {
    long id[3][IPC_RING]; /* -1: none */
    unsigned next[3];
};
static struct ipc_ring *ipc; /* MAP_SHARED: every worker's and ours */

static void ipc_remove(int kind, long id)
{
    if (kind == 0)
        shmctl((int)id, IPC_RMID, NULL);
    else if (kind == 1)
        semctl((int)id, 0, IPC_RMID);
    else
        msgctl((int)id, IPC_RMID, NULL);
}

void ipc_note(int kind, long id)
{
    unsigned i = __atomic_fetch_add(&ipc->next[kind], 1, __ATOMIC_RELAXED);
    long old = __atomic_exchange_n(&ipc->id[kind][i % IPC_RING], id,
                                   __ATOMIC_RELAXED);
    if (old >= 0 && old != id)
        ipc_remove(kind, old);
}

long ipc_noted(int kind)
{
    return __atomic_load_n(&ipc->id[kind][rng_below(IPC_RING)], __ATOMIC_RELAXED);
}

void ipc_cleanup(void)
{
    for (int kind = 0; kind < 3; kind++)
        for (int i = 0; i < IPC_RING; i++) {
            long id = __atomic_exchange_n(&ipc->id[kind][i], -1, __ATOMIC_RELAXED);
            if (id >= 0)
                ipc_remove(kind, id);
        }
}

int pools_init(void)
{
    ipc = mmap(NULL, sizeof(*ipc), PROT_READ | PROT_WRITE,
               MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (ipc == MAP_FAILED)
        return -1;
    memset(ipc->id, 0xff, sizeof(ipc->id));
    uint8_t *s = mmap(NULL, SCRATCH_SIZE + PAGE, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uint8_t *ro = mmap(NULL, RO_SIZE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uint8_t *arena =
        mmap(NULL, ARENA_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (s == MAP_FAILED || ro == MAP_FAILED || arena == MAP_FAILED)
        return -1;
    for (size_t i = 0; i < RO_SIZE; i++)
        ro[i] = (uint8_t)(i * 7 + 1); /* no NUL: strings run to the end */
    if (mprotect(s + SCRATCH_SIZE, PAGE, PROT_NONE) < 0 ||
        mprotect(ro, RO_SIZE, PROT_READ) < 0)
        return -1;
    pools.scratch = s;
    pools.guard = s + SCRATCH_SIZE;
    pools.ro = ro;
    pools.arena = arena;
    return 0;
}

void pools_cleanup(void)
{
    munmap(pools.arena, ARENA_SIZE);
    for (unsigned i = 0; i < EXTRA_MAX; i++)
        if (pools.extra_len[i])
            munmap((void *)pools.extra[i], pools.extra_len[i]);
    memset(pools.extra_len, 0, sizeof(pools.extra_len));
    for (int fd = 3; fd < FDS_MAX; fd++)
        close(fd);
}

/* The file system walks read directories with getdents64 into these
 * buffers, one per depth, touched once at the start: no malloc, no new
 * page between the two frame counts. */
#define WALK_DEPTH 16
static char walk_buf[WALK_DEPTH + 1][2048];

struct dent64 {
    unsigned long ino;
    long off;
    unsigned short reclen;
    unsigned char type;
    char name[];
};

/* Calls fn(dirfd, entry, depth) for each entry of the directory open at
 * `dirfd` but . and .. (names can be 255 bytes at any depth: everything is
 * relative to a descriptor, no path is built).  Closes dirfd. */
static void walk_dir(int dirfd, int depth,
                     void (*fn)(int, const struct dent64 *, int))
{
    long n;
    while (depth <= WALK_DEPTH && dirfd >= 0 &&
           (n = syscall(SYS_getdents64, dirfd, walk_buf[depth], 2048)) > 0)
        for (long at = 0; at < n;) {
            const struct dent64 *e = (const void *)(walk_buf[depth] + at);
            at += e->reclen;
            if (strcmp(e->name, ".") != 0 && strcmp(e->name, "..") != 0)
                fn(dirfd, e, depth);
        }
    if (dirfd >= 0)
        close(dirfd);
}

static int open_sub(int dirfd, const char *name)
{
    return openat(dirfd, name, O_RDONLY | O_DIRECTORY);
}

/* A directory deeper than the walk's buffers reach (mkdir and chdir
 * nest them as deep as they like) moves to the root, and fs_cleanup walks
 * again: nothing stays out of its reach. */
static int root_fd = -1;
static unsigned moved_up;

static bool move_up(int dirfd, const struct dent64 *e, int depth)
{
    if (depth < WALK_DEPTH || e->type != DT_DIR || root_fd < 0)
        return false;
    char name[32];
    snprintf(name, sizeof(name), "sysfuzz-deep-%u", moved_up);
    if (renameat(dirfd, e->name, root_fd, name) != 0)
        return false;
    moved_up++;
    return true;
}

/* Removes entry `e` of `dirfd` and, a directory, what is below it. */
static void remove_one(int dirfd, const struct dent64 *e, int depth)
{
    if (unlinkat(dirfd, e->name, 0) == 0 || move_up(dirfd, e, depth))
        return;
    walk_dir(open_sub(dirfd, e->name), depth + 1, remove_one);
    unlinkat(dirfd, e->name, AT_REMOVEDIR);
}

/* The inode numbers of the boot's tree (fs_snapshot), which fs_cleanup
 * keeps wherever they are now. */
static unsigned long boot_inos[64];
static int boot_count;

static bool is_boot(unsigned long ino)
{
    for (int i = 0; i < boot_count; i++)
        if (boot_inos[i] == ino)
            return true;
    return false;
}

static void record(int dirfd, const struct dent64 *e, int depth)
{
    if (boot_count < 64)
        boot_inos[boot_count++] = e->ino;
    if (e->type == DT_DIR)
        walk_dir(open_sub(dirfd, e->name), depth + 1, record);
}

void fs_snapshot(void)
{
    memset(walk_buf, 0, sizeof(walk_buf));
    walk_dir(open("/", O_RDONLY | O_DIRECTORY), 0, record);
}

/* Removes what the boot did not make, descending into what it did. */
static void clean(int dirfd, const struct dent64 *e, int depth)
{
    if (!is_boot(e->ino))
        remove_one(dirfd, e, depth);
    else if (e->type == DT_DIR && !move_up(dirfd, e, depth))
        walk_dir(open_sub(dirfd, e->name), depth + 1, clean);
}

static long boot_blocks;

static void count_blocks(int dirfd, const struct dent64 *e, int depth)
{
    struct stat st;
    if (is_boot(e->ino) &&
        fstatat(dirfd, e->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISREG(st.st_mode))
        boot_blocks += st.st_blocks;
    if (e->type == DT_DIR)
        walk_dir(open_sub(dirfd, e->name), depth + 1, count_blocks);
}

static void show_left(int dirfd, const struct dent64 *e, int depth)
{
    if (!is_boot(e->ino))
        printf("sysfuzz: left at depth %d: %.40s (ino %lu, type %d)\n", depth,
               e->name, e->ino, e->type);
    if (e->type == DT_DIR)
        walk_dir(open_sub(dirfd, e->name), depth + 1, show_left);
}

void fs_show_left(void)
{
    walk_dir(open("/", O_RDONLY | O_DIRECTORY), 0, show_left);
}

long fs_boot_blocks(void)
{
    boot_blocks = 0;
    walk_dir(open("/", O_RDONLY | O_DIRECTORY), 0, count_blocks);
    return boot_blocks;
}

void fs_cleanup(void)
{
    /* a worker's prlimit64 reaches the driver too (any pid): descriptors
     * again, as root may */
    struct rlimit nofile = {FDS_MAX, FDS_MAX};
    setrlimit(RLIMIT_NOFILE, &nofile);
    ipc_cleanup(); /* a segment's pages go at its removal */
    /* the calls create files with any name their paths give, and the
     * tmpfs keeps them and their pages: what the boot did not make goes */
    root_fd = open("/", O_RDONLY | O_DIRECTORY);
    for (int pass = 0; pass < 1000; pass++) {
        unsigned moved = moved_up;
        walk_dir(open("/", O_RDONLY | O_DIRECTORY), 0, clean);
        if (moved_up == moved)
            break;
    }
    close(root_fd);
    root_fd = -1;
}

void extra_add(uintptr_t addr, size_t len)
{
    unsigned i = pools.extra_next++ % EXTRA_MAX;
    if (pools.extra_len[i])
        munmap((void *)pools.extra[i], pools.extra_len[i]);
    pools.extra[i] = addr;
    pools.extra_len[i] = (len + PAGE - 1) & ~(PAGE - 1);
}

void extra_moved(uintptr_t old, uintptr_t addr, size_t len)
{
    for (unsigned i = 0; i < EXTRA_MAX; i++)
        if (pools.extra_len[i] && pools.extra[i] == old) {
            pools.extra[i] = addr;
            pools.extra_len[i] = (len + PAGE - 1) & ~(PAGE - 1);
            return;
        }
    extra_add(addr, len);
}

/* Addresses outside the user window: nothing there is the task's. */
static const uint64_t outside_ptrs[] = {
    0,
    1,
    0xfff,                 /* the NULL page */
    WINDOW_LOWER - 8,      /* just below the window */
    WINDOW_UPPER,          /* just above it */
    0x00007ffffffff000ull, /* Linux's last user page */
    0x0000800000000000ull, /* the first non-canonical address */
    0x8000000000000000ull,
    0xffff800000000000ull, /* the direct map */
    0xffff800000100000ull,
    0xffffc00000000000ull, /* the kmap window */
    0xffffffff80000000ull, /* the kernel image */
    0xffffffff80100000ull,
    0xffffffff80200000ull,
    0xfffffffffffff000ull,
    0xffffffffffffffffull,
};

static uint64_t outside_ptr(void)
{
    if (rng_below(4) == 0)
        return rng() | 0xffff800000000000ull; /* anywhere in the kernel */
    return outside_ptrs[rng_below(sizeof(outside_ptrs) /
                                  sizeof(outside_ptrs[0]))];
}

uint64_t unreadable_ptr(void)
{
    return rng_below(4) ? outside_ptr() : (uint64_t)pools.guard + rng_below(PAGE);
}

uint64_t bad_ptr(void)
{
    switch (rng_below(4)) {
    case 0:
        return (uint64_t)pools.guard + rng_below(PAGE);
    case 1: /* PROT_NONE arena, maybe mapped by then: the kernel may write */
        return (uint64_t)pools.arena + rng_below(ARENA_SIZE);
    default:
        return outside_ptr();
    }
}

uint64_t scratch_ptr(void)
{
    uint64_t end = (uint64_t)pools.scratch + SCRATCH_SIZE;
    switch (rng_below(4)) {
    case 0:
        return end - rng_below(64); /* runs into the guard page */
    case 1:
        return (uint64_t)pools.scratch;
    default:
        return (uint64_t)pools.scratch + rng_below(SCRATCH_SIZE);
    }
}

uint64_t any_ptr(void)
{
    switch (rng_below(8)) {
    case 0:
    case 1:
    case 2:
        return scratch_ptr();
    case 3:
        return (uint64_t)pools.ro + rng_below(RO_SIZE);
    case 4:
        return (uint64_t)(uintptr_t)&pools_init; /* own code: not writable */
    default:
        return bad_ptr();
    }
}

uint64_t any_len(void)
{
    static const uint64_t lens[] = {
        0, 1, 7, 8, 16, 64, 4095, 4096, 4097, 8192, 65536, 1ul << 20,
        0x7ffff000ul, 0x80000000ul, 0xc0000000ul, 0x100000000ul,
        1ull << 47, (uint64_t)-PAGE, (uint64_t)-1, 0x7fffffffffffffffull,
    };
    if (rng_below(3) == 0)
        return rng_below(1024);
    if (rng_below(8) == 0)
        return rng();
    return lens[rng_below(sizeof(lens) / sizeof(lens[0]))];
}

uint64_t any_int(void)
{
    static const uint64_t ints[] = {
        0, 1, 2, 3, 4, 8, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0xffff,
        0x7fffffff, 0x80000000, 0xffffffff, 0x7fffffffffffffffull,
        0x8000000000000000ull, (uint64_t)-1, (uint64_t)-2, (uint64_t)-4096,
    };
    switch (rng_below(4)) {
    case 0:
        return rng_below(64);
    case 1:
        return rng();
    default:
        return ints[rng_below(sizeof(ints) / sizeof(ints[0]))];
    }
}

uint64_t file_fd(void)
{
    static const int64_t fds[] = {-1, -100, 63, 64, 65, 1000, 0x7fffffff,
                                  (int64_t)0x80000000ll, -0x7fffffffll};
    if (rng_below(2))
        return 3 + rng_below(8); /* what open, dup and memfd gave */
    return (uint64_t)fds[rng_below(sizeof(fds) / sizeof(fds[0]))];
}

uint64_t any_fd(void)
{
    return rng_below(4) == 0 ? rng_below(3) : file_fd();
}

static const char *const paths[] = {
    "/", "/proc/self/maps", "/proc/self", "/proc", "/bin", "/bin/sysfuzz",
    "/nonexistent", "", ".", "..", "/proc/self/maps/x", "//bin//sysfuzz",
    "/bin/../bin/sysfuzz", "/dev/null", "/tmp", "relative/path",
};

uint64_t path_ptr(void)
{
    size_t n = sizeof(paths) / sizeof(paths[0]);
    char *s = (char *)pools.scratch;
    switch (rng_below(8)) {
    case 0: { /* a long path, maybe without its NUL before the guard */
        size_t len = rng_below(2) ? SCRATCH_SIZE : 200 + rng_below(5000);
        char *p = (char *)pools.guard - len;
        memset(p, 'a', len);
        p[0] = '/';
        if (len < SCRATCH_SIZE)
            p[len - 1] = '\0';
        return (uint64_t)p;
    }
    case 1:
        return (uint64_t)pools.ro; /* no NUL up to the end of the pages */
    case 2:
        return bad_ptr();
    default:
        strcpy(s, paths[rng_below(n)]);
        return (uint64_t)s;
    }
}

void mm_range(uint64_t *addr, uint64_t *len)
{
    uint64_t pages = ARENA_SIZE / PAGE;
    unsigned k = (unsigned)rng_below(EXTRA_MAX);
    switch (rng_below(10)) {
    case 0: /* outside the window, never reaching into it */
        *addr = rng_below(2) ? rng_below(WINDOW_LOWER) & ~(PAGE - 1)
                             : outside_ptr();
        *len = *addr < WINDOW_LOWER ? rng_below(WINDOW_LOWER - *addr + 1)
                                    : any_len();
        return;
    case 1: /* a mapping of ours outside the arena */
        if (pools.extra_len[k]) {
            *addr = pools.extra[k];
            *len = rng_below(2) ? pools.extra_len[k] : PAGE;
            return;
        }
        break;
    case 2: /* an absurd length: must be refused whole (Linux: EINVAL) */
        *addr = (uint64_t)pools.arena + rng_below(pages) * PAGE;
        *len = rng_below(2) ? (uint64_t)-PAGE : (1ull << 47) + rng();
        return;
    default:
        break;
    }
    uint64_t first = rng_below(pages);
    *addr = (uint64_t)pools.arena + first * PAGE + (rng_below(16) ? 0 : 1);
    *len = (1 + rng_below(pages - first)) * PAGE - (rng_below(8) ? 0 : 1);
    if (rng_below(16) == 0)
        *len = 0;
}
