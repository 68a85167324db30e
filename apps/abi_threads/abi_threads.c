/*
 * abi_threads: musl's pthreads over clone(CLONE_THREAD...) and futexes:
 * create/join with results and return values, a mutex-protected counter,
 * a condition-variable producer/consumer and a broadcast, a barrier,
 * detached threads, gettid/getpid, __thread per thread, thread names,
 * tgkill, sched_getaffinity, raw futex calls (errors, timeouts, requeue),
 * and processes: exit_group from a thread, pthread_exit of the main
 * thread, fork from a threaded process, a fatal signal to a thread.  One
 * "ok - name" line per check, the same on Linux.
 *
 * With the argument "leak" (guest only): 1000 threads created and joined
 * leave the free-frame count as it was.
 */
#define _GNU_SOURCE
#define CHECK_FLUSH
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "abi/futex.h"
#include "apps/include/check.h"
#include "apps/include/memprobe.h"

#define NTHREADS 16

#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_CMP_REQUEUE_PRIVATE (FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_OP_PRIVATE (FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_BITSET_PRIVATE (FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_OP_ADD 1
#define FUTEX_OP_CMP_EQ 0
#define FUTEX_OP(op, oparg, cmp, cmparg)                                       \
    ((((op) & 0xf) << 28) | (((cmp) & 0xf) << 24) | (((oparg) & 0xfff) << 12) | \
     ((cmparg) & 0xfff))

static long futex(void *uaddr, int op, uint32_t val, const void *ts,
                  void *uaddr2, uint32_t val3)
{
    long r = syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
    return r == -1 ? -errno : r;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* ---- create, join, results ---- */

static long results[NTHREADS];

static void *square(void *arg)
{
    long i = (long)arg;
    results[i] = i * i;
    return (void *)(i + 100);
}

static void check_create_join(void)
{
    pthread_t t[NTHREADS];
    int created = 0, joined = 0, values = 0, written = 0;
    for (long i = 0; i < NTHREADS; i++)
        created += pthread_create(&t[i], NULL, square, (void *)i) == 0;
    for (long i = 0; i < NTHREADS; i++) {
        void *ret = NULL;
        joined += pthread_join(t[i], &ret) == 0;
        values += ret == (void *)(i + 100);
        written += results[i] == i * i;
    }
    check(created == NTHREADS, "threads 16 created");
    check(joined == NTHREADS, "threads 16 joined");
    check(values == NTHREADS, "threads join returns each thread's value");
    check(written == NTHREADS, "threads each wrote its result");
}

/* ---- mutex ---- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

#define MUTEX_THREADS 64
#define MUTEX_ROUNDS 5000

static void *increment(void *arg)
{
    (void)arg;
    for (int i = 0; i < MUTEX_ROUNDS; i++) {
        pthread_mutex_lock(&lock);
        long v = counter;
        if ((i & 1023) == 0)
            sched_yield(); /* another thread tries the lock meanwhile */
        counter = v + 1;
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

static void check_mutex(void)
{
    pthread_t t[MUTEX_THREADS];
    int created = 0;
    while (created < MUTEX_THREADS &&
           pthread_create(&t[created], NULL, increment, NULL) == 0)
        created++;
    for (int i = 0; i < created; i++)
        pthread_join(t[i], NULL);
    check(created == MUTEX_THREADS && counter == MUTEX_THREADS * MUTEX_ROUNDS,
          "mutex 64 threads x 5000 increments");
}

/* ---- condition variables ---- */

#define QSIZE 4
#define ITEMS 2000
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static int queue[QSIZE], qhead, qcount;

static void *producer(void *arg)
{
    (void)arg;
    for (int i = 1; i <= ITEMS; i++) {
        pthread_mutex_lock(&lock);
        while (qcount == QSIZE)
            pthread_cond_wait(&not_full, &lock);
        queue[(qhead + qcount++) % QSIZE] = i;
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

static void *consumer(void *arg)
{
    long sum = 0;
    (void)arg;
    for (int i = 0; i < ITEMS; i++) {
        pthread_mutex_lock(&lock);
        while (qcount == 0)
            pthread_cond_wait(&not_empty, &lock);
        sum += queue[qhead];
        qhead = (qhead + 1) % QSIZE;
        qcount--;
        pthread_cond_signal(&not_full);
        pthread_mutex_unlock(&lock);
    }
    return (void *)sum;
}

static pthread_cond_t go_cond = PTHREAD_COND_INITIALIZER;
static int go, waiting, woke;

static void *wait_go(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    waiting++;
    while (!go)
        pthread_cond_wait(&go_cond, &lock);
    woke++;
    pthread_mutex_unlock(&lock);
    return NULL;
}

static void check_cond(void)
{
    pthread_t p, c, w[5];
    void *sum = NULL;
    pthread_create(&c, NULL, consumer, NULL);
    pthread_create(&p, NULL, producer, NULL);
    pthread_join(p, NULL);
    pthread_join(c, &sum);
    check((long)sum == (long)ITEMS * (ITEMS + 1) / 2,
          "cond producer/consumer through a 4-slot queue, every item once");

    for (int i = 0; i < 5; i++)
        pthread_create(&w[i], NULL, wait_go, NULL);
    for (int n = 0; n < 1000; n++) {
        pthread_mutex_lock(&lock);
        int all = waiting == 5;
        pthread_mutex_unlock(&lock);
        if (all)
            break;
        sleep_ms(1);
    }
    pthread_mutex_lock(&lock);
    go = 1;
    pthread_cond_broadcast(&go_cond);
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < 5; i++)
        pthread_join(w[i], NULL);
    check(woke == 5, "cond broadcast wakes all 5 waiters");
}

/* ---- barrier, detach ---- */

static pthread_barrier_t barrier;
static int before, after_ok;

static void *at_barrier(void *arg)
{
    (void)arg;
    __atomic_add_fetch(&before, 1, __ATOMIC_SEQ_CST);
    pthread_barrier_wait(&barrier);
    if (__atomic_load_n(&before, __ATOMIC_SEQ_CST) == 4)
        __atomic_add_fetch(&after_ok, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static sem_t detached_done;
static int detached_ran;

static void *detached(void *arg)
{
    (void)arg;
    __atomic_add_fetch(&detached_ran, 1, __ATOMIC_SEQ_CST);
    sem_post(&detached_done);
    return NULL;
}

static void check_barrier_detach(void)
{
    pthread_t t[4];
    pthread_barrier_init(&barrier, NULL, 4);
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, at_barrier, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    check(after_ok == 4, "barrier none passes before all 4 arrive");

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    sem_init(&detached_done, 0, 0);
    int ok = 1;
    for (int i = 0; i < 3; i++) {
        pthread_t d;
        ok &= pthread_create(&d, &attr, detached, NULL) == 0;
    }
    for (int i = 0; i < 3; i++)
        sem_wait(&detached_done);
    check(ok && detached_ran == 3, "detach 3 detached threads ran, semaphore");
    pthread_t d;
    pthread_create(&d, NULL, detached, NULL);
    check(pthread_detach(d) == 0, "detach pthread_detach of a running thread");
    sem_wait(&detached_done);
}

/* ---- identity, TLS, names, signals to threads ---- */

static __thread long tls_value = 7;
static __thread char tls_buf[64];
static pid_t main_pid;

struct ident {
    pid_t pid, tid;
    long *tls_addr;
    int tls_kept, name_ok, tgkill_ok;
};

static pthread_barrier_t ident_barrier;

static void *identify(void *arg)
{
    struct ident *id = arg;
    id->pid = getpid();
    id->tid = (pid_t)syscall(SYS_gettid);
    id->tls_addr = &tls_value;
    int init = tls_value == 7 && tls_buf[0] == 0;
    tls_value = id->tid;
    snprintf(tls_buf, sizeof(tls_buf), "thread %d", (int)id->tid);
    pthread_barrier_wait(&ident_barrier); /* all have written theirs */
    char want[64];
    snprintf(want, sizeof(want), "thread %d", (int)id->tid);
    id->tls_kept = init && tls_value == id->tid && !strcmp(tls_buf, want);
    char name[16] = {0}, got[16] = {0};
    snprintf(name, sizeof(name), "worker-%d", (int)(id - (struct ident *)0));
    id->name_ok = prctl(PR_SET_NAME, "a-very-long-thread-name") == 0 &&
                  prctl(PR_GET_NAME, got) == 0 &&
                  !strcmp(got, "a-very-long-thr");
    id->tgkill_ok = syscall(SYS_tgkill, getpid(), id->tid, 0) == 0;
    pthread_barrier_wait(&ident_barrier); /* alive while main checks */
    return NULL;
}

static void check_identity(void)
{
    struct ident id[4];
    pthread_t t[4];
    main_pid = getpid();
    memset(id, 0, sizeof(id));
    pthread_barrier_init(&ident_barrier, NULL, 4);
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, identify, &id[i]);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    int same_pid = 1, tid_distinct = 1, tls_distinct = 1, kept = 1, name = 1,
        tgk = 1;
    for (int i = 0; i < 4; i++) {
        same_pid &= id[i].pid == main_pid;
        tid_distinct &= id[i].tid != main_pid && id[i].tid > 0;
        kept &= id[i].tls_kept;
        name &= id[i].name_ok;
        tgk &= id[i].tgkill_ok;
        for (int j = 0; j < i; j++) {
            tid_distinct &= id[i].tid != id[j].tid;
            tls_distinct &= id[i].tls_addr != id[j].tls_addr;
        }
        tls_distinct &= id[i].tls_addr != &tls_value;
    }
    check(same_pid, "identity getpid in a thread is the process's");
    check(tid_distinct, "identity gettid distinct per thread and from getpid");
    check(syscall(SYS_gettid) == main_pid, "identity main thread tid is the pid");
    check(tls_distinct, "tls __thread variables at distinct addresses");
    check(kept, "tls __thread initialised, then each thread's own value");
    check(tls_value == 7, "tls main thread's value untouched");
    check(name, "prctl PR_SET_NAME truncates to 15, PR_GET_NAME reads it");
    check(tgk, "tgkill signal 0 to a live thread");
    check(sys(SYS_tgkill, main_pid + 100000, main_pid, 0, 0) == -ESRCH,
          "tgkill wrong tgid ESRCH");
    check(sys(SYS_tgkill, 0, main_pid, 0, 0) == -EINVAL, "tgkill tgid 0 EINVAL");
    check(sysconf(_SC_NPROCESSORS_ONLN) >= 1,
          "sched_getaffinity sysconf NPROCESSORS_ONLN at least 1");
    check(sys(SYS_set_robust_list, 0, 23, 0, 0) == -EINVAL,
          "set_robust_list wrong size EINVAL");
}

/* ---- raw futexes ---- */

static uint32_t fw1, fw2;
static int requeue_ready;

static void *requeue_waiter(void *arg)
{
    (void)arg;
    __atomic_add_fetch(&requeue_ready, 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&fw1, __ATOMIC_SEQ_CST) == 0)
        futex(&fw1, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    return NULL;
}

static uint32_t wake_word;

static void *waker(void *arg)
{
    (void)arg;
    sleep_ms(20);
    __atomic_store_n(&wake_word, 1, __ATOMIC_SEQ_CST);
    futex(&wake_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    return NULL;
}

static void check_futex(void)
{
    uint32_t w = 5;
    struct timespec ten_ms = {0, 10000000}, bad = {0, 1000000000};
    check(futex(&w, FUTEX_WAIT_PRIVATE, 4, NULL, NULL, 0) == -EAGAIN,
          "futex WAIT on a changed value EAGAIN");
    check(futex(&w, FUTEX_WAIT_PRIVATE, 5, &ten_ms, NULL, 0) == -ETIMEDOUT,
          "futex WAIT relative timeout ETIMEDOUT");
    check(futex(&w, FUTEX_WAIT, 5, &ten_ms, NULL, 0) == -ETIMEDOUT,
          "futex WAIT shared timeout ETIMEDOUT");
    check(futex(&w, FUTEX_WAIT_PRIVATE, 5, &bad, NULL, 0) == -EINVAL,
          "futex WAIT bad timespec EINVAL");
    check(futex((char *)&w + 1, FUTEX_WAIT_PRIVATE, 5, NULL, NULL, 0) == -EINVAL,
          "futex WAIT misaligned EINVAL");
    check(futex((void *)16, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0) == -EFAULT,
          "futex WAIT unmapped EFAULT");
    check(futex(&w, FUTEX_WAIT_BITSET_PRIVATE, 5, NULL, NULL, 0) == -EINVAL,
          "futex WAIT_BITSET bitset 0 EINVAL");
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    now.tv_nsec = (now.tv_nsec + 10000000) % 1000000000;
    if (now.tv_nsec < 10000000)
        now.tv_sec++;
    check(futex(&w, FUTEX_WAIT_BITSET_PRIVATE, 5, &now, NULL,
                FUTEX_BITSET_MATCH_ANY) == -ETIMEDOUT,
          "futex WAIT_BITSET absolute monotonic deadline ETIMEDOUT");
    clock_gettime(CLOCK_REALTIME, &now);
    now.tv_sec -= 1;
    check(futex(&w, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 5, &now,
                NULL, FUTEX_BITSET_MATCH_ANY) == -ETIMEDOUT,
          "futex WAIT_BITSET realtime deadline past ETIMEDOUT");
    check(futex(&w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) == 0,
          "futex WAKE with no waiter 0");
    check(futex(&w, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 0) == -EINVAL,
          "futex WAKE_BITSET bitset 0 EINVAL");
    check(futex(&w, 99, 0, NULL, NULL, 0) == -ENOSYS, "futex unknown op ENOSYS");
    check(futex(&w, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, &fw2, 4) ==
              -EAGAIN,
          "futex CMP_REQUEUE on a changed value EAGAIN");

    pthread_t t;
    pthread_create(&t, NULL, waker, NULL);
    long r = futex(&wake_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    pthread_join(t, NULL);
    check((r == 0 || r == -EAGAIN) && wake_word == 1,
          "futex WAIT woken by another thread's WAKE");

    pthread_t q[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&q[i], NULL, requeue_waiter, NULL);
    long moved = 0;
    for (int n = 0; n < 2000 && moved < 3; n++) {
        long m = futex(&fw1, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)INT_MAX,
                       &fw2, 0);
        if (m > 0)
            moved += m;
        else
            sleep_ms(1);
    }
    check(moved == 3, "futex CMP_REQUEUE moves 3 waiters to another word");
    __atomic_store_n(&fw1, 1, __ATOMIC_SEQ_CST);
    check(futex(&fw2, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0) == 3,
          "futex WAKE on the second word wakes the 3 requeued");
    for (int i = 0; i < 3; i++)
        pthread_join(q[i], NULL);
    uint32_t op1 = 0, op2 = 1;
    check(futex(&op1, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &op2,
                FUTEX_OP(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_EQ, 1)) == 0 &&
              op2 == 6,
          "futex WAKE_OP adds to the second word");
}

/* ---- processes ---- */

/* Runs fn in a forked child; its wait status, or -1. */
static int in_child(void (*fn)(void))
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        fn();
        _exit(99);
    }
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return status;
}

static void *call_exit_group(void *arg)
{
    (void)arg;
    sleep_ms(10);
    syscall(SYS_exit_group, 7);
    return NULL;
}

static void child_exit_group(void)
{
    pthread_t t;
    pthread_create(&t, NULL, call_exit_group, NULL);
    for (;;)
        sleep_ms(1000); /* ended by the thread's exit_group */
}

static void *exit_later(void *arg)
{
    (void)arg;
    sleep_ms(20);
    exit(5);
}

static void child_main_exits_first(void)
{
    pthread_t t;
    pthread_create(&t, NULL, exit_later, NULL);
    pthread_exit(NULL);
}

static void *kill_self(void *arg)
{
    (void)arg;
    syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGTERM);
    return NULL;
}

static void child_thread_killed(void)
{
    pthread_t t;
    pthread_create(&t, NULL, kill_self, NULL);
    for (;;)
        sleep_ms(1000);
}

static void *block_forever(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    while (!go)
        pthread_cond_wait(&go_cond, &lock);
    pthread_mutex_unlock(&lock);
    return NULL;
}

static void *add_one(void *arg)
{
    return (void *)((long)arg + 1);
}

static void child_after_fork(void)
{
    pthread_t t;
    void *r = NULL;
    /* the copy has one thread, the caller; it can make its own */
    if (pthread_create(&t, NULL, add_one, (void *)41) == 0 &&
        pthread_join(t, &r) == 0 && r == (void *)42)
        _exit(0);
    _exit(1);
}

static char exe[256];

static void *exec_from_thread(void *arg)
{
    char pid[16];
    (void)arg;
    snprintf(pid, sizeof(pid), "%d", (int)getpid());
    char *argv[] = {"abi_threads", "exec-child", pid, NULL}, *envp[] = {NULL};
    sleep_ms(10);
    execve(exe, argv, envp);
    _exit(2);
}

static void child_exec(void)
{
    pthread_t t, b;
    go = 0;
    pthread_create(&b, NULL, block_forever, NULL);
    pthread_create(&t, NULL, exec_from_thread, NULL);
    for (;;)
        sleep_ms(1000); /* ended by the other thread's execve */
}

static int orphan_pipe[2];

static void *orphan_thread(void *arg)
{
    (void)arg;
    sleep_ms(30); /* the main thread has ended meanwhile */
    int pid = getpid();
    write(orphan_pipe[1], &pid, sizeof(pid));
    /* exit, not return: musl's fork does not give the child's main thread
     * a clear-child-tid word, so the last pthread_exit would wait for ever
     * on the thread-list lock the ended main thread held (on Linux too) */
    exit(0);
}

/* An orphan process whose main thread ends first: its other thread goes
 * on with the same pid. */
static void check_orphan(void)
{
    int pids[2] = {0, -1};
    pipe(orphan_pipe);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        if (fork() == 0) {
            pthread_t t;
            int pid = getpid();
            sleep_ms(10); /* its parent has ended: an orphan */
            write(orphan_pipe[1], &pid, sizeof(pid));
            pthread_create(&t, NULL, orphan_thread, NULL);
            pthread_exit(NULL);
        }
        _exit(0);
    }
    waitpid(child, NULL, 0);
    close(orphan_pipe[1]);
    int got = read(orphan_pipe[0], &pids[0], sizeof(int)) == sizeof(int) &&
              read(orphan_pipe[0], &pids[1], sizeof(int)) == sizeof(int);
    close(orphan_pipe[0]);
    check(got && pids[0] == pids[1],
          "process an orphan's thread outliving its main thread keeps the pid");
}

static void check_processes(void)
{
    check_orphan();
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    exe[n > 0 ? n : 0] = 0;
    int st = in_child(child_exec);
    check(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 42,
          "process execve from a thread ends the others, keeps the pid");
    int s = in_child(child_exit_group);
    check(s >= 0 && WIFEXITED(s) && WEXITSTATUS(s) == 7,
          "process exit_group from a thread ends it with that status");
    s = in_child(child_main_exits_first);
    check(s >= 0 && WIFEXITED(s) && WEXITSTATUS(s) == 5,
          "process main thread exits first, the last thread's exit is the status");
    s = in_child(child_thread_killed);
    check(s >= 0 && WIFSIGNALED(s) && WTERMSIG(s) == SIGTERM,
          "process a fatal signal to a thread ends the process");
    go = 0;
    pthread_t t;
    pthread_create(&t, NULL, block_forever, NULL);
    s = in_child(child_after_fork);
    check(s >= 0 && WIFEXITED(s) && WEXITSTATUS(s) == 0,
          "process fork from a threaded process copies only the caller");
}

/* ---- the kernel's robust list ---- */

struct robust_entry {
    struct robust_entry *next;
    uint32_t word;
};

static struct {
    struct robust_entry *list;
    long futex_offset;
    struct robust_entry *pending;
} robust_head;
static struct robust_entry robust_one;

static void *die_holding(void *arg)
{
    (void)arg;
    robust_head.list = &robust_one;
    robust_head.futex_offset = (long)offsetof(struct robust_entry, word);
    robust_one.next = (struct robust_entry *)&robust_head;
    robust_one.word = (uint32_t)syscall(SYS_gettid); /* held */
    syscall(SYS_set_robust_list, &robust_head, sizeof(robust_head));
    syscall(SYS_exit, 0); /* no pthread_exit: the kernel walks the list */
    return NULL;
}

static void check_robust(void)
{
    pthread_t t;
    pthread_create(&t, NULL, die_holding, NULL);
    /* no join: musl's pthread_join waits for pthread_exit's own wake */
    for (int n = 0; n < 2000; n++) {
        if (__atomic_load_n(&robust_one.word, __ATOMIC_SEQ_CST) == 0x40000000)
            break;
        sleep_ms(1);
    }
    check(robust_one.word == 0x40000000,
          "robust a futex word held by a thread that ends becomes OWNER_DIED");
}

/* ---- futexes and mutexes shared between processes ---- */

struct shared {
    uint32_t word;
    pthread_mutex_t mutex;
    long counter;
};

static struct shared *shm;

static void child_shared_wait(void)
{
    struct timespec two_s = {2, 0};
    long r = 0;
    while (__atomic_load_n(&shm->word, __ATOMIC_SEQ_CST) == 0 && r != -ETIMEDOUT)
        r = futex(&shm->word, FUTEX_WAIT, 0, &two_s, NULL, 0);
    _exit(r == -ETIMEDOUT ? 1 : 0);
}

static void add_shared(void)
{
    for (int i = 0; i < 10000; i++) {
        pthread_mutex_lock(&shm->mutex);
        long v = shm->counter;
        if ((i & 511) == 0)
            sched_yield();
        shm->counter = v + 1;
        pthread_mutex_unlock(&shm->mutex);
    }
}

static void child_add_shared(void)
{
    add_shared();
    _exit(0);
}

static void check_shared(void)
{
    shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE,
               MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    check(shm != MAP_FAILED, "shared MAP_SHARED page for the futex");
    if (shm == MAP_FAILED)
        return;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        child_shared_wait();
    long woke = 0;
    for (int n = 0; n < 2000 && woke == 0; n++) {
        sleep_ms(1);
        woke = futex(&shm->word, FUTEX_WAKE, 1, NULL, NULL, 0);
    }
    __atomic_store_n(&shm->word, 1, __ATOMIC_SEQ_CST);
    futex(&shm->word, FUTEX_WAKE, 1, NULL, NULL, 0);
    int st = -1;
    waitpid(pid, &st, 0);
    check(woke == 1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "shared futex WAKE reaches a waiter in another process");

    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&shm->mutex, &ma);
    shm->counter = 0;
    fflush(stdout);
    pid = fork();
    if (pid == 0)
        child_add_shared();
    add_shared();
    waitpid(pid, &st, 0);
    check(shm->counter == 20000 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "shared process-shared mutex between two processes");
}

/* ---- a descriptor closed while another thread blocks on it ---- */

/* The file stays open until the blocked call ends (Linux's fdget): the
 * read gets what is written after the close, and only then does the end
 * go away, so the next write finds no reader. */
struct blocked_read {
    int fd;
    bool sock;
    char buf[16];
    long n;
};

static void *read_blocked(void *arg)
{
    struct blocked_read *r = arg;
    r->n = r->sock ? recv(r->fd, r->buf, sizeof(r->buf), 0)
                   : read(r->fd, r->buf, sizeof(r->buf));
    return NULL;
}

static void check_close_while_blocked(bool sock)
{
    int p[2];
    int rc = sock ? socketpair(AF_UNIX, SOCK_STREAM, 0, p) : pipe(p);
    if (rc < 0) {
        check(0, sock ? "close while blocked: socketpair" : "close while blocked: pipe");
        return;
    }
    struct blocked_read r = {.fd = p[0], .sock = sock, .n = -2};
    pthread_t th;
    pthread_create(&th, NULL, read_blocked, &r);
    sleep_ms(200); /* the reader is blocked by now */
    close(p[0]);
    long w = write(p[1], "hello", 5);
    pthread_join(th, NULL);
    check(w == 5 && r.n == 5 && !memcmp(r.buf, "hello", 5),
          sock ? "close while blocked: recv still gets the data"
               : "close while blocked: read still gets the data");
    signal(SIGPIPE, SIG_IGN);
    errno = 0;
    w = write(p[1], "x", 1);
    check(w == -1 && errno == EPIPE,
          sock ? "close while blocked: the end goes when recv returns"
               : "close while blocked: the end goes when read returns");
    signal(SIGPIPE, SIG_DFL);
    close(p[1]);
}

/* ---- pthread_cancel (musl's SIGCANCEL and its cancellable calls) ---- */

static volatile int cleanup_ran;

static void on_cleanup(void *arg)
{
    (void)arg;
    cleanup_ran = 1;
}

static void *read_until_cancelled(void *arg)
{
    int fd = *(int *)arg;
    char c;
    pthread_cleanup_push(on_cleanup, NULL);
    read(fd, &c, 1); /* a cancellation point, blocked */
    pthread_cleanup_pop(0);
    return (void *)1;
}

static void *spin_until_cancelled(void *arg)
{
    (void)arg;
    pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, NULL);
    for (volatile unsigned long n = 0;; n++)
        ;
    return NULL;
}

static void *cancel_disabled(void *arg)
{
    (void)arg;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
    sleep_ms(200); /* a cancellation point, but cancellation is off */
    pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
    pthread_testcancel(); /* ends here */
    return (void *)2;
}

static void check_cancel(void)
{
    int p[2];
    pipe(p);
    pthread_t th;
    void *ret = NULL;
    cleanup_ran = 0;
    pthread_create(&th, NULL, read_until_cancelled, &p[0]);
    sleep_ms(100);
    check(pthread_cancel(th) == 0, "cancel a thread blocked in read");
    pthread_join(th, &ret);
    check(ret == PTHREAD_CANCELED && cleanup_ran, "cancel: PTHREAD_CANCELED, cleanup handler ran");
    close(p[0]);
    close(p[1]);
    pthread_create(&th, NULL, spin_until_cancelled, NULL);
    sleep_ms(50);
    pthread_cancel(th);
    pthread_join(th, &ret);
    check(ret == PTHREAD_CANCELED, "cancel: asynchronous, a spinning thread");
    pthread_create(&th, NULL, cancel_disabled, NULL);
    sleep_ms(50);
    pthread_cancel(th);
    pthread_join(th, &ret);
    check(ret == PTHREAD_CANCELED, "cancel: deferred while disabled, taken at testcancel");
}

/* ---- leak (guest) ---- */

static void *nothing(void *arg)
{
    return arg;
}

/* Creates and joins `n` threads, 100 at a time: how many worked. */
static int round_of(int n)
{
    pthread_t t[100];
    int ok = 0;
    for (int done = 0; done < n; done += 100) {
        int k = 0;
        for (; k < 100 && done + k < n; k++)
            if (pthread_create(&t[k], NULL, nothing, NULL) != 0)
                break;
        for (int i = 0; i < k; i++)
            ok += pthread_join(t[i], NULL) == 0;
    }
    sleep_ms(20); /* the kernel reaps the ended threads while idle */
    return ok;
}

static void check_leak(void)
{
    stack_touch();
    round_of(100); /* page tables and caches warmed */
    long before = free_frames();
    int ok = round_of(1000);
    long after = free_frames();
    printf("# free frames before %ld after %ld\n", before, after);
    check(ok == 1000, "leak 1000 threads created and joined");
    check(before > 0 && after == before, "leak no frame lost");
    static pthread_t many[300];
    int n = 0;
    for (; n < 300; n++)
        if (pthread_create(&many[n], NULL, block_forever, NULL) != 0)
            break;
    check(n == 300, "leak 300 threads alive at once");
}

int main(int argc, char **argv)
{
    if (argc > 2 && !strcmp(argv[1], "exec-child"))
        return atoi(argv[2]) == getpid() ? 42 : 1;
    if (argc > 1 && !strcmp(argv[1], "leak")) {
        check_leak();
        printf("abi_threads leak: %d failed\n", failures);
        return failures != 0;
    }
    check_create_join();
    check_mutex();
    check_cond();
    check_barrier_detach();
    check_identity();
    check_futex();
    check_processes();
    check_robust();
    check_shared();
    check_close_while_blocked(false);
    check_close_while_blocked(true);
    check_cancel();
    printf("abi_threads: %d failed\n", failures);
    return failures != 0; /* exit_group: the blocked thread ends too */
}
