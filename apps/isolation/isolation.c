/*
 * apps/isolation - the isolation matrix: for each target {own code, own
 * data, own stack guard, NULL page, another task's private memory, memory
 * shared with another task, kernel text, direct map, kmap window} and each
 * access {read, write, execute}, a forked probe task makes the access and
 * the parent checks its fate against the rights: exit 0 where they allow
 * it, killed by SIGSEGV where they do not, the parent and the other task
 * going on either way.  Kernel data pages are all reachable through the
 * direct map, whose row stands for them.  One more row: sidt in ring 3 is
 * refused (SIGSEGV) where CPUID has UMIP, allowed where it does not.
 * Prints one "ok - isolation: TARGET ACCESS ..." line per cell, then
 * "isolation: matrix of N cells, N passed, N failed".
 */
#include <cpuid.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096ul
#define SECRET 0x5ec7e7
#define OTHER_PAGE 0x70000000ul /* where only the other task maps */

enum access { READ, WRITE, EXEC };
static const char *const access_names[] = {"read", "write", "execute"};

struct target {
    const char *name;
    uintptr_t addr;
    const char *allowed; /* of "rwx" */
};

static int passed, failed, cells_ok;
static unsigned char data_page[PAGE] __attribute__((aligned(4096)));

static int code_target(void)
{
    return 0;
}

/* The probe: makes the access and exits 0 if it survived. */
static void probe(uintptr_t addr, enum access how)
{
    volatile unsigned char *p = (volatile unsigned char *)addr;
    switch (how) {
    case READ:
        (void)*p;
        break;
    case WRITE:
        *p = 0xc3; /* also makes a 'ret' for a later execute probe */
        break;
    case EXEC:
        ((int (*)(void))addr)();
        break;
    }
    _exit(0);
}

/* Forks a probe and returns its wait status (-1: no fork). */
static int run_probe(uintptr_t addr, enum access how)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        probe(addr, how);
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return status;
}

static void cell(const struct target *t, enum access how)
{
    int allowed = strchr(t->allowed, "rwx"[how]) != NULL;
    int status = run_probe(t->addr, how);
    int lived = status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    int segv = status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
    int ok = allowed ? lived : segv;
    ok ? passed++ : failed++;
    cells_ok += ok;
    printf("%s - isolation: %s %s at 0x%lx: %s (%s)\n", ok ? "ok" : "not ok",
           t->name, access_names[how], (unsigned long)t->addr,
           lived ? "allowed" : segv ? "killed by SIGSEGV" : "other end",
           allowed ? "allowed by its rights" : "forbidden");
}

/* The page below the stack reservation, from /proc/self/maps. */
static uintptr_t stack_guard(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[256];
    unsigned long start = 0, end;
    while (f && fgets(line, sizeof(line), f))
        if (strstr(line, "[stack]"))
            sscanf(line, "%lx-%lx", &start, &end);
    if (f)
        fclose(f);
    return start ? start - PAGE : 0;
}

/* Another task with a private page at OTHER_PAGE: it maps it, writes
 * SECRET, sends the address up a pipe and waits for a byte on another
 * (*release); exits 0 if the page still holds SECRET then. */
static pid_t other_task(uintptr_t *where, int *release)
{
    int up[2], down[2];
    if (pipe(up) < 0 || pipe(down) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        int *p = mmap((void *)OTHER_PAGE, PAGE, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
                      0);
        uintptr_t a = p == MAP_FAILED ? 0 : (uintptr_t)p;
        if (a)
            *p = SECRET;
        write(up[1], &a, sizeof(a));
        char c;
        read(down[0], &c, 1);
        _exit(a && *p == SECRET ? 0 : 1);
    }
    *where = 0;
    read(up[0], where, sizeof(*where));
    close(up[0]);
    close(up[1]);
    close(down[0]);
    *release = down[1];
    return pid;
}

static int has_umip(void)
{
    unsigned a, b, c, d;
    return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (c & (1u << 2));
}

static void umip_row(void)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        unsigned char idtr[10];
        __asm__ volatile("sidt %0" : "=m"(idtr));
        _exit(0);
    }
    int status = -1, umip = has_umip();
    waitpid(pid, &status, 0);
    int segv = WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
    int lived = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    int ok = umip ? segv : lived;
    ok ? passed++ : failed++;
    cells_ok += ok;
    printf("%s - isolation: sidt in ring 3: %s (UMIP %s)\n",
           ok ? "ok" : "not ok", segv ? "killed by SIGSEGV" : "allowed",
           umip ? "on" : "absent");
}

int main(void)
{
    unsigned char *shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
                                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    uintptr_t other = 0;
    int release = -1;
    pid_t owner = other_task(&other, &release);
    /* this task (so every probe) has nothing where the other's page is */
    void *mine = mmap((void *)other, PAGE, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (shared == MAP_FAILED || owner < 0 || other != OTHER_PAGE ||
        mine != (void *)other || munmap(mine, PAGE) < 0) {
        printf("isolation: cannot set up (shared page, other task)\n");
        return 1;
    }
    data_page[0] = 0xc3;
    const struct target targets[] = {
        {"own code", (uintptr_t)&code_target, "rx"},
        {"own data", (uintptr_t)data_page, "rw"},
        {"own stack guard", stack_guard(), ""},
        {"NULL page", 0, ""},
        {"other task's private page", other, ""},
        {"page shared with another task", (uintptr_t)shared, "rw"},
        {"kernel text", 0xffffffff80100000ul, ""},
        {"direct map (all RAM, kernel data)", 0xffff800000100000ul, ""},
        {"kmap window", 0xffffc00000000000ul, ""},
    };
    size_t n = sizeof(targets) / sizeof(targets[0]);
    for (size_t i = 0; i < n; i++)
        for (int how = READ; how <= EXEC; how++)
            cell(&targets[i], (enum access)how);
    umip_row();

    /* the other task lived through it all, its page intact; a write of a
     * probe to the shared page is seen here */
    write(release, "x", 1);
    int status;
    int ok = waitpid(owner, &status, 0) == owner && WIFEXITED(status) &&
             WEXITSTATUS(status) == 0;
    ok ? passed++ : failed++;
    printf("%s - isolation: the other task lived on, its page intact\n",
           ok ? "ok" : "not ok");
    ok = shared[0] == 0xc3;
    ok ? passed++ : failed++;
    printf("%s - isolation: a probe's write to the shared page is seen by "
           "the others\n",
           ok ? "ok" : "not ok");
    printf("isolation: matrix of %zu cells, %d as the rights say; %d "
           "passed, %d failed\n",
           n * 3 + 1, cells_ok, passed, failed);
    return failed ? 1 : 0;
}
