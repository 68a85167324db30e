/*
 * apps/memtour - a walk through the memory API as an application sees it:
 * reserve, protect, unmap and map memory with mmap/mprotect/munmap,
 * printing /proc/self/maps after each step and checking that the areas it
 * shows are the ones the step must leave (`ok - memtour: step`).
 * Still to come once tasks exist: a segfault in a child task.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE 4096ul
#define WINDOW 16 /* pages */

static int failures;

static void report(int ok, const char *name)
{
    failures += !ok;
    printf("%s - memtour: %s\n", ok ? "ok" : "not ok", name);
}

/* Page-by-page rights of the window as /proc/self/maps tells them ("rw-p",
 * "---p", or "" where nothing is mapped); prints the whole file.  Returns
 * 0, or -1 if the file cannot be read. */
static int window_rights(uint8_t *base, char rights[WINDOW][5])
{
    memset(rights, 0, WINDOW * 5);
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return -1;
    char line[256];
    while (fgets(line, sizeof(line), f)) {
        printf("    %s", line);
        unsigned long start, end;
        char perms[5];
        if (sscanf(line, "%lx-%lx %4s", &start, &end, perms) != 3)
            continue;
        for (int i = 0; i < WINDOW; i++) {
            uintptr_t page = (uintptr_t)base + i * PAGE;
            if (page >= start && page < end)
                memcpy(rights[i], perms, 5);
        }
    }
    fclose(f);
    return 0;
}

/* Prints the maps and checks the window against `want`, one
 * character per page: 'n' PROT_NONE, 'r' read-only, 'w' read-write,
 * '.' unmapped. */
static void step(const char *name, uint8_t *base, const char *want)
{
    char rights[WINDOW][5];
    printf("== %s\n", name);
    int ok = window_rights(base, rights) == 0;
    for (int i = 0; ok && i < WINDOW; i++) {
        const char *expect = want[i] == 'n'   ? "---p"
                             : want[i] == 'r' ? "r--p"
                             : want[i] == 'w' ? "rw-p"
                                              : "";
        ok = !strcmp(rights[i], expect);
    }
    report(ok, name);
}

int main(void)
{
    uint8_t *base = mmap(NULL, WINDOW * PAGE, PROT_NONE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    report(base != MAP_FAILED, "mmap a 16-page PROT_NONE reservation");
    if (base == MAP_FAILED)
        return 1;
    step("the reservation", base, "nnnnnnnnnnnnnnnn");

    report(mprotect(base + 4 * PAGE, 8 * PAGE, PROT_READ | PROT_WRITE) == 0,
           "mprotect pages 4-11 read-write");
    memset(base + 4 * PAGE, 0x5a, 8 * PAGE);
    step("the reservation split in three", base, "nnnnwwwwwwwwnnnn");

    report(mprotect(base + 6 * PAGE, 2 * PAGE, PROT_READ) == 0,
           "mprotect pages 6-7 read-only");
    step("a read-only island", base, "nnnnwwrrwwwwnnnn");

    report(mprotect(base + 6 * PAGE, 2 * PAGE, PROT_READ | PROT_WRITE) == 0,
           "mprotect pages 6-7 back to read-write");
    step("the island merged back", base, "nnnnwwwwwwwwnnnn");

    report(munmap(base + 8 * PAGE, 2 * PAGE) == 0, "munmap pages 8-9");
    step("a hole", base, "nnnnwwww..wwnnnn");

    uint8_t *fixed = mmap(base + 8 * PAGE, 2 * PAGE, PROT_READ,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    report(fixed == base + 8 * PAGE, "mmap MAP_FIXED into the hole");
    step("the hole filled read-only", base, "nnnnwwwwrrwwnnnn");
    report(fixed[0] == 0 && fixed[2 * PAGE - 1] == 0 &&
               base[4 * PAGE] == 0x5a && base[12 * PAGE - 1] == 0x5a,
           "new pages read zero, old pages keep their bytes");

    report(munmap(base, WINDOW * PAGE) == 0, "munmap the whole window");
    step("nothing left", base, "................");
    printf("memtour: %d failed\n", failures);
    return failures != 0;
}
