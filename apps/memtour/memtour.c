/*
 * apps/memtour - a walk through the memory API as an application sees it:
 * reserve, protect, unmap and map memory with mmap/mprotect/munmap,
 * printing /proc/self/maps after each step and checking that the areas it
 * shows are the ones the step must leave (`ok - memtour: step`).  Last,
 * child tasks that dereference NULL, write to their code and overflow
 * their stack: each is killed by SIGSEGV (the kernel reports why) and the
 * parent goes on.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

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

int main(void);

static volatile int deeper = 1; /* GCC cannot prove the recursion endless */

static int recurse(volatile char *prev)
{
    volatile char frame[1024];
    frame[0] = prev ? prev[0] + 1 : 0;
    return (deeper ? recurse(frame) : 0) + frame[1];
}

/* The child's fault: 0 NULL, 1 its own code, 2 its stack. */
static int fault(int kind)
{
    if (kind == 0)
        return *(volatile int *)0;
    if (kind == 1)
        *(volatile uint8_t *)(uintptr_t)main = 0xc3;
    return recurse(NULL);
}

/* A child faults with `kind`; the parent checks it died of SIGSEGV. */
static void crash_child(int kind, const char *name)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(fault(kind));
    int status = 0;
    int ok = pid > 0 && waitpid(pid, &status, 0) == pid &&
             WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
    printf("== a child that %s: %s\n", name,
           ok ? "killed by SIGSEGV, the parent runs on" : "not killed");
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

    crash_child(0, "dereferences NULL");
    crash_child(1, "writes to its code");
    crash_child(2, "overflows its stack");
    printf("memtour: %d failed\n", failures);
    return failures != 0;
}
