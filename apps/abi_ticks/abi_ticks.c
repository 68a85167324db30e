/*
 * apps/abi_ticks - the timer as a program sees it (issue 21's tickless
 * timer): how many timer interrupts a task alone and busy for 1 s costs
 * (the LOC line of /proc/interrupts, Linux's format), that two busy tasks
 * both progress (round robin) while a third sleeps and wakes on time, and
 * that sleeps and an ITIMER_VIRTUAL keep their times while a task is busy.
 *
 *   abi_ticks        the checks that hold on any kernel, however loaded
 *                    ("ok - ticks: ..." lines, then "ticks: N passed, M
 *                    failed"; Linux is the oracle); the interrupt counts
 *                    as "# ..." lines
 *   abi_ticks max=N  also: the busy second took at most N interrupts, and
 *                    how late a sleep or an ITIMER_VIRTUAL may be
 *   abi_ticks min=N  also: it took at least N (the periodic tick), and the
 *                    same lateness bounds
 * Exit status 0 when all passed.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MS 1000000ull

static int passed, failed;
static int strict; /* max= or min= given: the upper bounds on lateness too */

static void report(int ok, const char *name)
{
    ok ? passed++ : failed++;
    printf("%s - ticks: %s\n", ok ? "ok" : "not ok", name);
    fflush(stdout);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The LOC figures of /proc/interrupts summed over the CPUs, -1 without. */
static long long timer_interrupts(void)
{
    FILE *f = fopen("/proc/interrupts", "r");
    if (!f)
        return -1;
    char line[4096];
    long long sum = -1;
    while (fgets(line, sizeof(line), f)) {
        char *p = line;
        while (*p == ' ')
            p++;
        if (strncmp(p, "LOC:", 4) != 0)
            continue;
        p += 4;
        sum = 0;
        for (;;) {
            char *end;
            long long v = strtoll(p, &end, 10);
            if (end == p)
                break;
            sum += v;
            p = end;
        }
    }
    fclose(f);
    return sum;
}

/* Spins without a system call until `ns` have passed (the clock is read
 * every few thousand iterations); the iterations done. */
static uint64_t spin(uint64_t ns)
{
    volatile uint64_t n = 0;
    uint64_t end = now_ns() + ns;
    do {
        for (int i = 0; i < 20000; i++)
            n++;
    } while (now_ns() < end);
    return n;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static void busy_alone(long long max, long long min)
{
    long long before = timer_interrupts();
    uint64_t t0 = now_ns();
    spin(1000 * MS);
    uint64_t took = now_ns() - t0;
    long long after = timer_interrupts();
    report(took >= 1000 * MS, "a task alone spins for 1 s");
    if (before < 0 || after < 0) {
        printf("# no /proc/interrupts\n");
        return;
    }
    long long n = after - before;
    printf("# one busy task: %lld timer interrupts in %llu ms\n", n,
           (unsigned long long)(took / MS));
    char name[128];
    if (max >= 0) {
        snprintf(name, sizeof(name), "one busy task: %lld timer interrupts in "
                 "1 s (at most %lld)", n, max);
        report(n <= max, name);
    }
    if (min >= 0) {
        snprintf(name, sizeof(name), "one busy task: %lld timer interrupts in "
                 "1 s (at least %lld)", n, min);
        report(n >= min, name);
    }
}

/* Sleeps of 20 ms while nothing else runs: none short, none very late. */
static void sleeps_alone(void)
{
    uint64_t worst = 0, took[5];
    int short_ = 0;
    for (int i = 0; i < 5; i++) {
        uint64_t t0 = now_ns();
        sleep_ms(20);
        uint64_t d = took[i] = now_ns() - t0;
        short_ |= d < 20 * MS;
        if (d > worst)
            worst = d;
    }
    report(!short_, "nanosleep 20 ms x5 alone: none short");
    printf("# nanosleep 20 ms alone took (us):");
    for (int i = 0; i < 5; i++)
        printf(" %llu", (unsigned long long)(took[i] / 1000));
    printf("\n");
    /* the bounds allow for a loaded host (TCG): a deadline the timer
     * missed would wait for lwIP's next timer, up to 500 ms */
    if (strict)
        report(worst < 120 * MS, "nanosleep 20 ms x5 alone: none 100 ms late");
}

/* Two children spin on shared counters; the parent sleeps 200 ms twice
 * and sees both advance each time, its sleeps on time. */
static void round_robin(void)
{
    volatile uint64_t *count = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                                    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (count == MAP_FAILED) {
        report(0, "round robin: shared page");
        return;
    }
    pid_t kids[2];
    fflush(stdout);
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        if (kids[k] == 0) {
            for (;;)
                count[k * 8]++;
        }
    }
    long long irq0 = timer_interrupts();
    uint64_t c[3][2], late = 0;
    int early = 0;
    for (int r = 0; r < 3; r++) {
        if (r) {
            uint64_t t0 = now_ns();
            sleep_ms(200);
            uint64_t d = now_ns() - t0;
            early |= d < 200 * MS;
            if (d - 200 * MS > late && d >= 200 * MS)
                late = d - 200 * MS;
        }
        c[r][0] = count[0];
        c[r][1] = count[8];
    }
    long long irq1 = timer_interrupts();
    for (int k = 0; k < 2; k++) {
        kill(kids[k], SIGKILL);
        waitpid(kids[k], NULL, 0);
    }
    int both = 1;
    for (int r = 1; r < 3; r++)
        both &= c[r][0] > c[r - 1][0] && c[r][1] > c[r - 1][1];
    report(both, "round robin: two busy tasks both progress in each 200 ms");
    report(!early, "round robin: the sleeper's 200 ms sleeps are not short");
    printf("# round robin: the sleeper woke at most %llu us late\n",
           (unsigned long long)(late / 1000));
    if (strict)
        report(late < 150 * MS, "round robin: the sleeper wakes within 150 ms");
    if (irq0 >= 0 && irq1 >= 0)
        printf("# two busy tasks and a sleeper: %lld timer interrupts in 400 ms\n",
               irq1 - irq0);
    munmap((void *)count, 4096);
}

static volatile sig_atomic_t vtalrm;
static void on_vtalrm(int sig)
{
    (void)sig;
    vtalrm = 1;
}

/* ITIMER_VIRTUAL of 50 ms while spinning: it fires after 50 ms of CPU
 * time (so not before 50 ms of wall time), not much later (strict). */
static void virtual_timer(void)
{
    signal(SIGVTALRM, on_vtalrm);
    struct itimerval v = {{0, 0}, {0, 50000}};
    uint64_t t0 = now_ns();
    setitimer(ITIMER_VIRTUAL, &v, NULL);
    while (!vtalrm && now_ns() - t0 < 10000 * MS) {
        volatile int n = 0;
        for (int i = 0; i < 20000; i++)
            n++;
    }
    uint64_t d = now_ns() - t0;
    printf("# ITIMER_VIRTUAL 50 ms: fired after %llu us\n",
           (unsigned long long)(d / 1000));
    report(vtalrm && d >= 45 * MS, "ITIMER_VIRTUAL 50 ms spinning: fires, not early");
    if (strict)
        report(vtalrm && d < 300 * MS, "ITIMER_VIRTUAL 50 ms spinning: within 300 ms");
    signal(SIGVTALRM, SIG_DFL);
}

int main(int argc, char **argv)
{
    long long max = -1, min = -1;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "max=", 4) == 0)
            max = atoll(argv[i] + 4);
        else if (strncmp(argv[i], "min=", 4) == 0)
            min = atoll(argv[i] + 4);
    }
    strict = max >= 0 || min >= 0;
    busy_alone(max, min);
    sleeps_alone();
    round_robin();
    virtual_timer();
    printf("ticks: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}
