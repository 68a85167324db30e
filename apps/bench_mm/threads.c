/* The thread and signal measurements of bench_mm (issue 17): a thread
 * made and joined, a futex wake-up between two threads, a signal handled
 * by the thread that sends it. */
#define _GNU_SOURCE
#include "abi/futex.h"

#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "apps/include/bench.h"
#include "measure.h"
#include "stats.h"

static void *return_arg(void *arg)
{
    return arg;
}

void measure_thread_create_join(int rounds, int ops)
{
    struct stats s;
    stats_init(&s, "thread_create_join", rounds, ops);
    for (int r = 0; r < s.rounds; r++) {
        int good = 0;
        uint64_t t0 = bench_now_ns(), c0 = bench_rdtsc();
        for (int k = 0; k < ops; k++) {
            pthread_t th;
            void *ret = NULL;
            if (pthread_create(&th, NULL, return_arg, (void *)(uintptr_t)(k + 1)) == 0 &&
                pthread_join(th, &ret) == 0)
                good += ret == (void *)(uintptr_t)(k + 1);
        }
        uint64_t c1 = bench_rdtsc(), t1 = bench_now_ns();
        stats_round(&s, r, t1 - t0, c1 - c0);
        s.failed |= good != ops;
        s.sum += (uint64_t)good;
    }
    stats_print(&s);
}

static long futex(uint32_t *word, int op, uint32_t val)
{
    return syscall(SYS_futex, word, op, val, NULL, NULL, 0);
}

/* The word's owner alternates: the main thread waits while it is 1, the
 * partner while it is 0; each hands it over and wakes the other. */
static uint32_t turn;
static int pingpong_ops;

static void *partner(void *arg)
{
    (void)arg;
    for (int k = 0; k < pingpong_ops; k++) {
        while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != 1)
            futex(&turn, FUTEX_WAIT_PRIVATE, 0);
        __atomic_store_n(&turn, 0, __ATOMIC_RELEASE);
        futex(&turn, FUTEX_WAKE_PRIVATE, 1);
    }
    return NULL;
}

void measure_futex_roundtrip(int rounds, int ops)
{
    struct stats s;
    stats_init(&s, "futex_roundtrip", rounds, ops);
    for (int r = 0; r < s.rounds; r++) {
        turn = 0;
        pingpong_ops = ops;
        pthread_t th;
        if (pthread_create(&th, NULL, partner, NULL) != 0) {
            s.failed = 1;
            break;
        }
        uint64_t t0 = bench_now_ns(), c0 = bench_rdtsc();
        for (int k = 0; k < ops; k++) {
            __atomic_store_n(&turn, 1, __ATOMIC_RELEASE);
            futex(&turn, FUTEX_WAKE_PRIVATE, 1);
            while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != 0)
                futex(&turn, FUTEX_WAIT_PRIVATE, 1);
        }
        uint64_t c1 = bench_rdtsc(), t1 = bench_now_ns();
        pthread_join(th, NULL);
        stats_round(&s, r, t1 - t0, c1 - c0);
        s.sum += (uint64_t)ops;
    }
    stats_print(&s);
}

static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
    (void)sig;
    handled++;
}

void measure_signal_roundtrip(int rounds, int ops)
{
    struct stats s;
    struct sigaction sa = {.sa_handler = on_usr1};
    sigaction(SIGUSR1, &sa, NULL);
    pid_t tid = (pid_t)syscall(SYS_gettid), pid = getpid();
    stats_init(&s, "signal_roundtrip", rounds, ops);
    for (int r = 0; r < s.rounds; r++) {
        handled = 0;
        uint64_t t0 = bench_now_ns(), c0 = bench_rdtsc();
        for (int k = 0; k < ops; k++)
            syscall(SYS_tgkill, pid, tid, SIGUSR1);
        uint64_t c1 = bench_rdtsc(), t1 = bench_now_ns();
        stats_round(&s, r, t1 - t0, c1 - c0);
        s.failed |= handled != ops;
        s.sum += (uint64_t)handled;
    }
    signal(SIGUSR1, SIG_DFL);
    stats_print(&s);
}
