/*
 * abi_maps: /proc/self/maps as Linux prints it ("start-end rwxp ..."),
 * read back after mmap, mprotect and munmap; /proc/self/stat's pid, ppid,
 * thread count, vsize and rss (field 24: what redis's used_memory_rss
 * reads), rss growing by the pages a new mapping touches.  The mappings under test sit
 * between PROT_NONE guard pages so that no neighbour can merge with them.
 * One "ok - name" line per check; exit status 0 only if all passed.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "apps/include/check.h"

#define PAGE 4096UL

struct vma_line {
    uintptr_t start, end;
    char perms[5];
};

static struct vma_line maps[512];
static int nmaps;
static char text[1 << 16];

/* Reads and parses /proc/self/maps into maps[]; returns the line count. */
static int maps_load(void)
{
    int fd = open("/proc/self/maps", O_RDONLY);
    long len = 0, n;
    char *line;

    nmaps = 0;
    if (fd < 0)
        return 0;
    while ((n = read(fd, text + len, sizeof(text) - 1 - len)) > 0)
        len += n;
    close(fd);
    text[len] = '\0';
    for (line = text; *line && nmaps < 512; line = strchr(line, '\n') + 1) {
        struct vma_line *v = &maps[nmaps];
        if (sscanf(line, "%lx-%lx %4s", &v->start, &v->end, v->perms) == 3)
            nmaps++;
        if (!strchr(line, '\n'))
            break;
    }
    return nmaps;
}

/* The perms of the line containing addr, or "none". */
static const char *perms_at(uintptr_t addr)
{
    for (int i = 0; i < nmaps; i++)
        if (addr >= maps[i].start && addr < maps[i].end)
            return maps[i].perms;
    return "none";
}

/* True if a line is exactly [start, end) with these perms. */
static int has_line(uintptr_t start, uintptr_t end, const char *perms)
{
    for (int i = 0; i < nmaps; i++)
        if (maps[i].start == start && maps[i].end == end)
            return strcmp(maps[i].perms, perms) == 0;
    return 0;
}

/* Prints the lines overlapping [start, end) as comments. */
static void show(uintptr_t start, uintptr_t end)
{
    for (int i = 0; i < nmaps; i++)
        if (maps[i].end > start && maps[i].start < end)
            printf("#   %lx-%lx %s\n", maps[i].start, maps[i].end,
                   maps[i].perms);
}

static const char rodata_string[] = "read-only data";
int data_variable = 1;

static void test_image(void)
{
    int local = 0;

    check(maps_load() > 3, "maps /proc/self/maps readable and parsed");
    check(strcmp(perms_at((uintptr_t)test_image), "r-xp") == 0,
          "maps program text is r-xp");
    check(strcmp(perms_at((uintptr_t)rodata_string), "r--p") == 0,
          "maps read-only data is r--p");
    check(strcmp(perms_at((uintptr_t)&data_variable), "rw-p") == 0,
          "maps data is rw-p");
    check(strcmp(perms_at((uintptr_t)&local), "rw-p") == 0,
          "maps stack is rw-p");
}

static void test_changes(void)
{
    /* g: guard, then 3 pages under test at a, then a guard. */
    char *g =
        mmap(NULL, 5 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uintptr_t a = (uintptr_t)g + PAGE;
    char *p = mmap((void *)a, 3 * PAGE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

    if (g == MAP_FAILED || p != (char *)a) {
        check(0, "maps mmap of the test area");
        return;
    }
    memset(p, 1, 3 * PAGE);
    maps_load();
    check(has_line(a, a + 3 * PAGE, "rw-p") &&
              strcmp(perms_at((uintptr_t)g), "---p") == 0 &&
              strcmp(perms_at(a + 3 * PAGE), "---p") == 0,
          "maps mmap shows rw-p between ---p guards");
    show((uintptr_t)g, a + 4 * PAGE);

    mprotect(p + PAGE, PAGE, PROT_READ);
    maps_load();
    check(has_line(a, a + PAGE, "rw-p") &&
              has_line(a + PAGE, a + 2 * PAGE, "r--p") &&
              has_line(a + 2 * PAGE, a + 3 * PAGE, "rw-p"),
          "maps mprotect splits into rw-p r--p rw-p");

    mprotect(p + PAGE, PAGE, PROT_READ | PROT_EXEC);
    maps_load();
    check(has_line(a + PAGE, a + 2 * PAGE, "r-xp"), "maps mprotect to r-xp");

    mprotect(p + PAGE, PAGE, PROT_READ | PROT_WRITE);
    maps_load();
    check(has_line(a, a + 3 * PAGE, "rw-p"),
          "maps mprotect back merges into one rw-p line");
    show((uintptr_t)g, a + 4 * PAGE);

    munmap(p + PAGE, PAGE);
    maps_load();
    check(has_line(a, a + PAGE, "rw-p") &&
              has_line(a + 2 * PAGE, a + 3 * PAGE, "rw-p") &&
              strcmp(perms_at(a + PAGE), "none") == 0,
          "maps munmap leaves a hole");

    munmap(g, 5 * PAGE);
    maps_load();
    check(strcmp(perms_at((uintptr_t)g), "none") == 0 &&
              strcmp(perms_at(a), "none") == 0 &&
              strcmp(perms_at(a + 2 * PAGE), "none") == 0 &&
              strcmp(perms_at(a + 3 * PAGE), "none") == 0,
          "maps munmap over the area removes every line");
}

static void test_shared(void)
{
    char *s = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    maps_load();
    check(s != MAP_FAILED && strcmp(perms_at((uintptr_t)s), "rw-s") == 0,
          "maps shared mapping is rw-s");
    munmap(s, 2 * PAGE);
}

/* Fields 1-52 of /proc/self/stat into f[]: 0, or -1 when unreadable. */
static int stat_load(long long f[53])
{
    char buf[1024];
    int fd = open("/proc/self/stat", O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
    if (fd >= 0)
        close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    char *p = strrchr(buf, ')'); /* the name may hold spaces */
    if (!p || sscanf(buf, "%lld", &f[1]) != 1)
        return -1;
    int i = 3;
    for (p += 2; i <= 52 && *p; i++) {
        if (i == 3) {
            f[3] = *p; /* the state letter */
            p += 2;
            continue;
        }
        char *end;
        f[i] = (long long)strtoull(p, &end, 10);
        if (end == p)
            return -1;
        p = *end ? end + 1 : end;
    }
    return i == 53 ? 0 : -1;
}

static void test_stat(void)
{
    long long f[53], g[53];
    check(stat_load(f) == 0, "stat has 52 fields");
    check(f[1] == getpid() && f[4] == getppid(), "stat pid and ppid");
    check(f[3] == 'R', "stat state R while it reads");
    check(f[20] == 1, "stat one thread");
    /* Linux counts rss per thread and folds it in every 64 faults: a
     * small static program may read 0, and a new mapping's 256 pages may
     * show as 192 */
    check(f[23] > 0 && (unsigned long long)f[24] * PAGE <= (unsigned long long)f[23],
          "stat vsize, rss within it");
    size_t len = 256 * PAGE;
    char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (size_t i = 0; m != MAP_FAILED && i < len; i += PAGE)
        m[i] = 1;
    check(m != MAP_FAILED && stat_load(g) == 0 && g[23] - f[23] >= (long long)len &&
              g[24] - f[24] >= 192,
          "stat vsize and rss grow by a touched 1 MiB mapping");
    munmap(m, len);
}

int main(void)
{
    test_image();
    test_changes();
    test_shared();
    test_stat();
    return failures != 0;
}
