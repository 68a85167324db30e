/* The file measurements of bench_mm (issue 18): a small file made and
 * removed, 1 MiB written and read back in order, a 1,000-entry directory
 * listed.  All in a fresh directory under /tmp, a tmpfs in both guests:
 * ours is tmpfs throughout; Linux's initramfs root is rootfs (tmpfs), and
 * as pid 1 the program mounts a tmpfs on /tmp if it finds none there.
 * Natively, /dev/shm when /tmp is not a tmpfs. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "apps/include/bench.h"
#include "measure.h"
#include "stats.h"

#define TMPFS_MAGIC 0x01021994
#define SMALL 4096     /* bytes written to each created file */
#define CHUNK 65536    /* bytes per read/write of the 1 MiB file */
#define BIG (1u << 20)
#define DIR_ENTRIES 1000

static char dir[64];
static unsigned char buf[CHUNK];

/* Makes the fresh directory (dir) the measurements work in; returns 0 or
 * an errno.  Prints the file system type of /tmp for the record. */
static int files_dir(void)
{
    struct statfs sf;
    const char *base = "/tmp";
    if (mkdir("/tmp", 01777) != 0 && errno != EEXIST)
        return errno;
    int tmp_is_tmpfs = statfs("/tmp", &sf) == 0 && sf.f_type == TMPFS_MAGIC;
    if (!tmp_is_tmpfs && getpid() == 1)
        mount("tmpfs", "/tmp", "tmpfs", 0, "mode=1777");
    else if (!tmp_is_tmpfs && statfs("/dev/shm", &sf) == 0 &&
             sf.f_type == TMPFS_MAGIC)
        base = "/dev/shm"; /* natively: the host's tmpfs */
    snprintf(dir, sizeof(dir), "%s/bench_files.XXXXXX", base);
    if (mkdtemp(dir) == NULL)
        return errno;
    long type = statfs(dir, &sf) == 0 ? (long)sf.f_type : -1;
    printf("BENCH_FS dir=%s f_type=0x%lx tmpfs=%s\n", dir, type,
           type == TMPFS_MAGIC ? "yes" : "no");
    return 0;
}

static void path_of(char *out, size_t len, const char *name, int k)
{
    snprintf(out, len, "%s/%s%d", dir, name, k);
}

void measure_file_create_unlink(int rounds, int ops)
{
    struct stats s;
    char path[96];
    memset(buf, 'c', SMALL);
    stats_init(&s, "file_create_unlink", rounds, ops);
    for (int r = 0; r < s.rounds; r++) {
        int good = 0;
        uint64_t t0 = bench_now_ns(), c0 = bench_rdtsc();
        for (int k = 0; k < ops; k++) {
            path_of(path, sizeof(path), "f", k);
            int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
            if (fd < 0)
                continue;
            int ok = write(fd, buf, SMALL) == SMALL;
            ok &= close(fd) == 0;
            good += ok && unlink(path) == 0;
        }
        uint64_t c1 = bench_rdtsc(), t1 = bench_now_ns();
        stats_round(&s, r, t1 - t0, c1 - c0);
        s.failed |= good != ops;
        s.sum += (uint64_t)good;
    }
    /* Every file is gone: the next create of the first name succeeds. */
    path_of(path, sizeof(path), "f", 0);
    s.failed |= access(path, F_OK) == 0 || errno != ENOENT;
    stats_print(&s);
}

/* Writes BIG bytes to fd from offset 0 in CHUNK writes, each chunk filled
 * with its index plus seed; returns whether every write was whole. */
static int write_big(int fd, int seed)
{
    for (unsigned off = 0; off < BIG; off += CHUNK) {
        memset(buf, (int)(off / CHUNK + (unsigned)seed) & 0xff, CHUNK);
        if (write(fd, buf, CHUNK) != CHUNK)
            return 0;
    }
    return 1;
}

/* The 1 MiB file: each op truncates it to 0 and writes it again (the page
 * cache gives up its frames and takes them back), then fsyncs (0 on a
 * tmpfs) and checks the size. */
void measure_file_write_1m(int rounds, int ops)
{
    struct stats s;
    char path[96];
    struct stat st;
    path_of(path, sizeof(path), "big", 0);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        stats_print_na("file_write_1m", "open", errno);
        return;
    }
    stats_init(&s, "file_write_1m", rounds, ops);
    for (int r = 0; r < s.rounds; r++) {
        int good = 0;
        uint64_t t0 = bench_now_ns(), c0 = bench_rdtsc();
        for (int k = 0; k < ops; k++) {
            int ok = ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0;
            ok = ok && write_big(fd, k);
            good += ok && fstat(fd, &st) == 0 && st.st_size == BIG;
        }
        uint64_t c1 = bench_rdtsc(), t1 = bench_now_ns();
        stats_round(&s, r, t1 - t0, c1 - c0);
        s.failed |= good != ops;
        s.sum += (uint64_t)good;
    }
    close(fd);
    stats_print(&s);
}

/* Reads the 1 MiB file (written again here, seed 7) from the start in
 * CHUNK reads and adds up the bytes read and two bytes of each chunk. */
void measure_file_read_1m(int rounds, int ops)
{
    struct stats s;
    char path[96];
    path_of(path, sizeof(path), "big", 0);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || !write_big(fd, 7)) {
        stats_print_na("file_read_1m", "open+write", errno);
        if (fd >= 0)
            close(fd);
        return;
    }
    stats_init(&s, "file_read_1m", rounds, ops);
    for (int r = 0; r < s.rounds; r++) {
        uint64_t sum = 0;
        uint64_t t0 = bench_now_ns(), c0 = bench_rdtsc();
        for (int k = 0; k < ops; k++) {
            if (lseek(fd, 0, SEEK_SET) != 0)
                break;
            ssize_t n;
            while ((n = read(fd, buf, CHUNK)) > 0)
                sum += (uint64_t)n + buf[0] + buf[n - 1];
        }
        uint64_t c1 = bench_rdtsc(), t1 = bench_now_ns();
        stats_round(&s, r, t1 - t0, c1 - c0);
        uint64_t want = 0;
        for (unsigned c = 0; c < BIG / CHUNK; c++)
            want += CHUNK + 2 * ((c + 7) & 0xff);
        s.failed |= sum != want * (uint64_t)ops;
        s.sum += sum;
    }
    close(fd);
    unlink(path);
    stats_print(&s);
}

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

/* Lists dfd from the start with getdents64; returns the entries seen and
 * adds the number in each "eN" name to *names. */
static int list_dir(int dfd, uint64_t *names)
{
    static char dbuf[32768];
    int count = 0;
    long n;
    if (lseek(dfd, 0, SEEK_SET) != 0)
        return -1;
    while ((n = syscall(SYS_getdents64, dfd, dbuf, sizeof(dbuf))) > 0) {
        for (long off = 0; off < n;) {
            struct linux_dirent64 *d = (void *)(dbuf + off);
            if (d->d_name[0] == 'e')
                *names += (uint64_t)atoi(d->d_name + 1);
            count++;
            off += d->d_reclen;
        }
    }
    return n < 0 ? -1 : count;
}

/* getdents64 of a directory of DIR_ENTRIES empty files (and . and ..),
 * from lseek(0) to the end: one op is the whole listing. */
void measure_getdents_1000(int rounds, int ops)
{
    struct stats s;
    char path[96];
    snprintf(path, sizeof(path), "%s/d", dir);
    if (mkdir(path, 0755) != 0) {
        stats_print_na("getdents_1000", "mkdir", errno);
        return;
    }
    for (int k = 0; k < DIR_ENTRIES; k++) {
        char f[128];
        snprintf(f, sizeof(f), "%s/e%d", path, k);
        int fd = open(f, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) {
            stats_print_na("getdents_1000", "create", errno);
            return;
        }
        close(fd);
    }
    int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        stats_print_na("getdents_1000", "open", errno);
        return;
    }
    stats_init(&s, "getdents_1000", rounds, ops);
    uint64_t want = (uint64_t)DIR_ENTRIES * (DIR_ENTRIES - 1) / 2;
    for (int r = 0; r < s.rounds; r++) {
        int good = 0;
        uint64_t t0 = bench_now_ns(), c0 = bench_rdtsc();
        for (int k = 0; k < ops; k++) {
            uint64_t names = 0;
            good += list_dir(dfd, &names) == DIR_ENTRIES + 2 && names == want;
        }
        uint64_t c1 = bench_rdtsc(), t1 = bench_now_ns();
        stats_round(&s, r, t1 - t0, c1 - c0);
        s.failed |= good != ops;
        s.sum += (uint64_t)good;
    }
    close(dfd);
    for (int k = 0; k < DIR_ENTRIES; k++) {
        char f[128];
        snprintf(f, sizeof(f), "%s/e%d", path, k);
        unlink(f);
    }
    rmdir(path);
    stats_print(&s);
}

void measure_files(int rounds)
{
    int err = files_dir();
    if (err) {
        const char *names[] = {"file_create_unlink", "file_write_1m",
                               "file_read_1m", "getdents_1000"};
        for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            stats_print_na(names[i], "mkdtemp", err);
        return;
    }
    measure_file_create_unlink(rounds, 50);
    measure_file_write_1m(rounds, 2);
    measure_file_read_1m(rounds, 4);
    measure_getdents_1000(rounds, 5);
    rmdir(dir);
}
