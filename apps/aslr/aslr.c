/*
 * apps/aslr - the user layout the kernel gives each exec (ASLR).
 *
 *   aslr on|off   the boot's task: prints its layout (a stack variable, an
 *                 mmap'd page, a malloc'd block, the [stack] line of
 *                 /proc/self/maps), checks that every address is inside
 *                 [4 MiB, 3 GiB), that a forked child keeps the layout, and
 *                 that two execs of itself get layouts of their own ("on":
 *                 all different) or today's fixed one ("off": the stack at
 *                 bf800000-c0000000, mmap from the lowest hole, the same
 *                 addresses in every exec).
 *   aslr child    prints its layout as one line and exits (exec'd above).
 */
#define CHECK_FLUSH
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "apps/include/check.h"

#define WINDOW_LO 0x400000u
#define WINDOW_HI 0xC0000000u
#define MMAP_LOWEST 0x4000000u    /* unikernel/aslr.h: ASLR_MMAP_LOWEST */
#define STACK_RANGE 0x10000000u   /* the stack top's 256 MiB */
#define FIXED_STACK_LO 0xbf800000u /* noaslr: 8 MiB below 3 GiB */

struct layout {
    uintptr_t stack, map, heap, stack_lo, stack_hi;
};

/* The [stack] line of /proc/self/maps into l->stack_lo/hi: 0 or -1. */
static int stack_line(struct layout *l)
{
    static char buf[16384];
    int fd = open("/proc/self/maps", O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    for (char *line = buf; line && *line;) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (strstr(line, "[stack]")) {
            printf("aslr: maps: %s\n", line);
            l->stack_lo = strtoul(line, &line, 16);
            l->stack_hi = strtoul(line + 1, NULL, 16);
            return 0;
        }
        line = next;
    }
    return -1;
}

/* Measures this process's layout (same code path in every mode, so that
 * the same layout gives the same addresses). */
static int measure(struct layout *l)
{
    volatile int local = 0;
    l->stack = (uintptr_t)&local;
    void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    l->map = m == MAP_FAILED ? 0 : (uintptr_t)m;
    l->heap = (uintptr_t)malloc(100);
    return stack_line(l);
}

static void print_layout(const char *who, const struct layout *l)
{
    printf("aslr: %s: stack 0x%" PRIxPTR " mmap 0x%" PRIxPTR
           " malloc 0x%" PRIxPTR " [stack] %" PRIxPTR "-%" PRIxPTR "\n",
           who, l->stack, l->map, l->heap, l->stack_lo, l->stack_hi);
    fflush(stdout);
}

static int parse_layout(const char *s, struct layout *l)
{
    const char *p = strstr(s, ": stack ");
    return p && sscanf(p, ": stack %" SCNxPTR " mmap %" SCNxPTR
                          " malloc %" SCNxPTR " [stack] %" SCNxPTR "-%" SCNxPTR,
                       &l->stack, &l->map, &l->heap, &l->stack_lo,
                       &l->stack_hi) == 5
               ? 0
               : -1;
}

static int inside(uintptr_t a)
{
    return a >= WINDOW_LO && a < WINDOW_HI;
}

static int all_inside(const struct layout *l)
{
    return inside(l->stack) && inside(l->map) && inside(l->heap) &&
           inside(l->stack_lo) && l->stack_hi <= WINDOW_HI &&
           l->stack_lo < l->stack_hi && l->stack >= l->stack_lo &&
           l->stack < l->stack_hi;
}

/* Runs `argv` (exec'd, or in a fork when argv is NULL) with its stdout
 * into a pipe; reads the layout line it prints into *l: 0 or -1. */
static int child_layout(char *const argv[], struct layout *l)
{
    int fds[2];
    if (pipe(fds) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        if (argv) {
            execv(argv[0], argv);
            _exit(127);
        }
        struct layout c;
        measure(&c);
        print_layout("fork", &c);
        _exit(0);
    }
    close(fds[1]);
    char buf[512];
    size_t got = 0;
    ssize_t n;
    while (got < sizeof(buf) - 1 &&
           (n = read(fds[0], buf + got, sizeof(buf) - 1 - got)) > 0)
        got += (size_t)n;
    buf[got] = '\0';
    close(fds[0]);
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || status != 0)
        return -1;
    /* the child's own maps line first, then its layout */
    char *line = strstr(buf, "aslr: child:");
    if (!line)
        line = strstr(buf, "aslr: fork:");
    if (!line || parse_layout(line, l) < 0)
        return -1;
    printf("%s", line);
    return 0;
}

int main(int argc, char **argv)
{
    struct layout me, fork1, ex1, ex2;
    int ok = measure(&me) == 0;
    if (argc > 1 && strcmp(argv[1], "child") == 0) {
        print_layout("child", &me);
        return ok ? 0 : 1;
    }
    int on = !(argc > 1 && strcmp(argv[1], "off") == 0);
    print_layout("task", &me);
    check(ok && all_inside(&me),
          "aslr: every address inside [4 MiB, 3 GiB)");

    /* a fork is a copy: same stack, and its next mmap lands where ours
     * would (the copy kept the mmap base) */
    int forked = child_layout(NULL, &fork1) == 0;
    void *next = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check(forked && fork1.stack_lo == me.stack_lo &&
              fork1.stack_hi == me.stack_hi &&
              fork1.map == (uintptr_t)next,
          "aslr: a forked child keeps its parent's layout");

    char *child_argv[] = {"/bin/aslr", "child", NULL};
    int execd = child_layout(child_argv, &ex1) == 0 &&
                child_layout(child_argv, &ex2) == 0;
    check(execd && all_inside(&ex1) && all_inside(&ex2),
          "aslr: exec'd children: every address inside [4 MiB, 3 GiB)");
    if (on) {
        check(me.stack_hi > WINDOW_HI - STACK_RANGE &&
                  me.map >= MMAP_LOWEST,
              "aslr: stack top in the top 256 MiB, mmap above 64 MiB");
        check(execd && ex1.stack_hi != me.stack_hi &&
                  ex2.stack_hi != me.stack_hi &&
                  ex1.stack_hi != ex2.stack_hi && ex1.map != me.map &&
                  ex2.map != me.map && ex1.map != ex2.map,
              "aslr: each exec gets its own stack and mmap base");
    } else {
        check(me.stack_lo == FIXED_STACK_LO && me.stack_hi == WINDOW_HI &&
                  me.map < MMAP_LOWEST,
              "aslr: noaslr: stack at bf800000-c0000000, mmap from the "
              "lowest hole");
        check(execd && ex1.stack_hi == me.stack_hi &&
                  ex2.stack_hi == me.stack_hi && ex1.map == me.map &&
                  ex2.map == me.map && ex1.heap == me.heap &&
                  ex2.heap == me.heap,
              "aslr: noaslr: every exec gets the same layout");
    }
    printf("aslr: %d failed\n", failures);
    return failures != 0;
}
