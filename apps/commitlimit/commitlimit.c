/*
 * apps/commitlimit - no route around the commit limit (mm/commit.c).
 *
 * For each way a task can make frames exist besides private memory, a
 * victim task (fork) first maps and commits VICTIM_MIB of private memory,
 * untouched; then the attacker takes memory by that route
 * (a forked task too) until a call refuses it:
 *   shared-anon   mmap(MAP_SHARED|MAP_ANONYMOUS) of 1 MiB at a time: ENOMEM
 *   memfd-write   write() of 64 KiB at a time to a memfd: ENOSPC
 *   memfd-fault   ftruncate + mmap(MAP_SHARED) of a memfd 1 MiB at a time,
 *                 every page written: ENOMEM at mmap
 *   page-tables   children each mapping 2 GiB PROT_READ and reading one
 *                 byte per 2 MiB (a page table each, no frame of data):
 *                 ENOMEM at mmap or fork
 * The attacker stops early, without the error, if free memory falls below
 * STOP_MIB (sysinfo): then the route went around the limit, and the victim
 * (which then touches every committed page) dies for lack of frames.
 * The attacker is a task of its own, so that its end gives back all it
 * took.  Expected: every route refused at the call, every victim exits 0,
 * and Committed_AS of /proc/meminfo back at its start figure after each.
 * Prints "ok - commitlimit: ..." per check, then "commitlimit: N passed,
 * N failed"; exit status 1 on any failure.  Boot it with -m 64M.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

#include "apps/include/memprobe.h"

#define PAGE 4096ul
#define MIB (1ul << 20)
#define VICTIM_MIB 8
#define STOP_MIB 4
#define CHUNKS_MAX 1024
#define TABLE_SPAN (2ul * MIB)
#define TABLE_REGION (2048ul * MIB)
#define TABLE_KIDS_MAX 100

static int passed, failed;
static void *chunks[CHUNKS_MAX];
static int nchunks;
static char wbuf[64 << 10];

static void report(int ok, const char *fmt, const char *route, long v)
{
    char what[160];
    snprintf(what, sizeof(what), fmt, route, v);
    ok ? passed++ : failed++;
    printf("%s - commitlimit: %s\n", ok ? "ok" : "not ok", what);
    fflush(stdout);
}

static long free_mib(void)
{
    struct sysinfo si;
    if (sysinfo(&si) < 0)
        return -1;
    return (long)((uint64_t)si.freeram * si.mem_unit / MIB);
}

/* The figure of `name` in /proc/meminfo (kB), or -1. */
static long meminfo(const char *name)
{
    char buf[1024];
    int fd = open("/proc/meminfo", O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    size_t len = strlen(name);
    for (char *line = buf; line && *line; line = strchr(line, '\n')) {
        if (*line == '\n')
            line++;
        if (strncmp(line, name, len) == 0 && line[len] == ':')
            return strtol(line + len + 1, NULL, 10);
    }
    return -1;
}

static int low_memory(void)
{
    long f = free_mib();
    return f >= 0 && f < STOP_MIB;
}

/* The victim: commits VICTIM_MIB, says so on `ready`, waits for `go`,
 * then writes every page and checks them all. */
static void victim(int ready, int go)
{
    size_t len = VICTIM_MIB * MIB;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char c = p == MAP_FAILED ? 'E' : 'R';
    if (write(ready, &c, 1) != 1 || c == 'E')
        _exit(2);
    if (read(go, &c, 1) != 1)
        _exit(3);
    for (size_t off = 0; off < len; off += PAGE)
        p[off] = (char)(off / PAGE) | 1;
    for (size_t off = 0; off < len; off += PAGE)
        if (p[off] != ((char)(off / PAGE) | 1))
            _exit(4);
    _exit(0);
}

/* Attack by shared anonymous memory: the errno that stopped it, 0 if
 * memory ran low first. */
static int attack_shared_anon(void)
{
    while (nchunks < CHUNKS_MAX && !low_memory()) {
        void *p = mmap(NULL, MIB, PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return errno;
        chunks[nchunks++] = p;
    }
    return 0;
}

static int memfd = -1;

static int attack_memfd_write(void)
{
    memfd = memfd_create("commitlimit", 0);
    if (memfd < 0)
        return -errno;
    memset(wbuf, 0x5a, sizeof(wbuf));
    for (long i = 0; i < CHUNKS_MAX * 16 && !low_memory(); i++)
        if (write(memfd, wbuf, sizeof(wbuf)) < 0)
            return errno;
    return 0;
}

static int attack_memfd_fault(void)
{
    memfd = memfd_create("commitlimit", 0);
    if (memfd < 0)
        return -errno;
    while (nchunks < CHUNKS_MAX && !low_memory()) {
        off_t at = (off_t)nchunks * (off_t)MIB;
        if (ftruncate(memfd, at + (off_t)MIB) < 0)
            return -errno;
        char *p = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_SHARED, memfd,
                       at);
        if (p == MAP_FAILED)
            return errno;
        chunks[nchunks++] = p;
        for (size_t off = 0; off < MIB; off += PAGE)
            p[off] = 1;
    }
    return 0;
}

static pid_t table_kids[TABLE_KIDS_MAX];
static int ntable_kids, hold[2] = {-1, -1};

/* One page-table child: maps TABLE_REGION read-only, reads one byte per
 * table span; says 'K' (done) or 'E' + errno on `say`, then holds its
 * tables until `hold` closes. */
static void table_kid(int say)
{
    char msg[2] = {'K', 0};
    volatile char *p = mmap(NULL, TABLE_REGION, PROT_READ,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        msg[0] = 'E';
        msg[1] = (char)errno;
    } else {
        char sum = 0;
        for (size_t off = 0; off < TABLE_REGION; off += TABLE_SPAN) {
            if ((off / TABLE_SPAN) % 64 == 0 && low_memory())
                break;
            sum += p[off];
        }
        msg[1] = sum; /* zero: anonymous memory reads as zero */
    }
    if (write(say, msg, 2) != 2)
        _exit(2);
    char c;
    (void)!read(hold[0], &c, 1); /* until the attacker closes it */
    _exit(0);
}

static int attack_page_tables(void)
{
    if (pipe(hold) < 0)
        return -errno;
    while (ntable_kids < TABLE_KIDS_MAX && !low_memory()) {
        int say[2];
        if (pipe(say) < 0)
            return -errno;
        pid_t pid = fork();
        if (pid < 0) {
            int e = errno;
            close(say[0]);
            close(say[1]);
            return e;
        }
        if (pid == 0) {
            close(hold[1]);
            close(say[0]);
            table_kid(say[1]);
        }
        table_kids[ntable_kids++] = pid;
        close(say[1]);
        char msg[2] = {0, 0};
        ssize_t n = read(say[0], msg, 2);
        close(say[0]);
        if (n != 2)
            return -1000; /* the child died: around the limit */
        if (msg[0] == 'E')
            return msg[1];
    }
    return 0;
}

/* Gives back everything the attack took. */
static void release(void)
{
    for (int i = 0; i < nchunks; i++)
        munmap(chunks[i], MIB);
    nchunks = 0;
    if (memfd >= 0)
        close(memfd);
    memfd = -1;
    if (hold[1] >= 0) {
        close(hold[1]);
        close(hold[0]);
        hold[0] = hold[1] = -1;
    }
    for (int i = 0; i < ntable_kids; i++)
        waitpid(table_kids[i], NULL, 0);
    ntable_kids = 0;
}

static const struct route {
    const char *name;
    int (*attack)(void);
    int want; /* the errno of the refusing call */
} routes[] = {
    {"shared-anon", attack_shared_anon, ENOMEM},
    {"memfd-write", attack_memfd_write, ENOSPC},
    {"memfd-fault", attack_memfd_fault, ENOMEM},
    {"page-tables", attack_page_tables, ENOMEM},
};

/* The attacker: runs the attack of `r`, sends its result on `res`, holds
 * what it took until `release` closes, then gives it back and exits (so
 * that the whole of it, page tables included, is freed). */
static void attacker(const struct route *r, int res, int release_fd)
{
    int got = r->attack();
    if (write(res, &got, sizeof(got)) != sizeof(got))
        _exit(2);
    char c;
    (void)!read(release_fd, &c, 1);
    release();
    _exit(0);
}

static void run_route(const struct route *r, long committed_before)
{
    int ready[2], go[2], res[2], rel[2];
    if (pipe(ready) < 0 || pipe(go) < 0 || pipe(res) < 0 || pipe(rel) < 0) {
        report(0, "%s: pipes (%ld)", r->name, errno);
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(ready[0]);
        close(go[1]);
        victim(ready[1], go[0]);
    }
    close(ready[1]);
    close(go[0]);
    char c = 0;
    if (pid < 0 || read(ready[0], &c, 1) != 1 || c != 'R') {
        report(0, "%s: the victim committed its memory (%ld)", r->name, c);
        return;
    }
    long mib_free = free_mib();
    pid_t att = fork();
    if (att == 0) {
        close(ready[0]);
        close(go[1]);
        close(res[0]);
        close(rel[1]);
        attacker(r, res[1], rel[0]);
    }
    close(res[1]);
    close(rel[0]);
    int got = -1;
    if (att < 0 || read(res[0], &got, sizeof(got)) != sizeof(got))
        got = -2000; /* the attacker died */
    long taken = mib_free - free_mib();
    char msg[160];
    snprintf(msg, sizeof(msg), "%%s: refused at the call with %s after %%ld MiB",
             r->want == ENOSPC ? "ENOSPC" : "ENOMEM");
    if (got == r->want)
        report(1, msg, r->name, taken);
    else
        report(0, got ? "%s: stopped by error %ld, not the expected one"
                      : "%s: memory ran out without an error (%ld MiB taken)",
               r->name, got ? got : taken);
    c = 'G';
    int status = -1;
    if (write(go[1], &c, 1) != 1 || waitpid(pid, &status, 0) != pid)
        status = -1;
    report(WIFEXITED(status) && WEXITSTATUS(status) == 0,
           "%s: the victim touched its %ld MiB and exited normally", r->name,
           VICTIM_MIB);
    close(rel[1]); /* the attacker gives everything back and ends */
    status = -1;
    if (att > 0)
        waitpid(att, &status, 0);
    close(ready[0]);
    close(go[1]);
    close(res[0]);
    long after = meminfo("Committed_AS");
    report(after == committed_before && WIFEXITED(status) &&
               WEXITSTATUS(status) == 0,
           "%s: the attacker exited, Committed_AS back to %ld kB", r->name,
           after);
}

int main(void)
{
    stack_touch();
    long total = meminfo("MemTotal"), limit = meminfo("CommitLimit");
    long before = meminfo("Committed_AS");
    printf("commitlimit: MemTotal %ld kB, MemFree %ld kB, CommitLimit %ld kB, "
           "Committed_AS %ld kB, Shmem %ld kB\n",
           total, meminfo("MemFree"), limit, before, meminfo("Shmem"));
    report(total > 0 && limit > 0 && limit < total && before > 0 &&
               meminfo("Shmem") >= 0,
           "%s/proc/meminfo has MemTotal, MemFree, Shmem, CommitLimit, "
           "Committed_AS (%ld kB)",
           "", before);
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
        run_route(&routes[i], before);
    printf("commitlimit: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
