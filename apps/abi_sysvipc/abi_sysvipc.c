/*
 * apps/abi_sysvipc - System V shared memory, semaphores and message
 * queues, checked against Linux (the same binary runs natively,
 * tests/native): a counter in a segment incremented under a semaphore by
 * four forked children, attachments kept across fork and dropped at exit,
 * SHM_RDONLY faulting, IPC_RMID with users; SEM_UNDO after a child dies,
 * blocking, timed and interrupted semop, wait-for-zero; messages by type
 * between tasks, a full queue blocking its sender; the errors of each.
 * Every object is IPC_PRIVATE (or a key from the pid) and removed, so that
 * runs on a host do not collide.  With the argument "leak" (guest only):
 * thousands of objects created and removed, then the free frames counted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHECK_FLUSH
#include "apps/include/check.h"
#include "apps/include/memprobe.h"

union semun_u {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* The child's exit status (-signal when killed). */
static int reap(pid_t pid)
{
    int st;
    if (waitpid(pid, &st, 0) != pid)
        return -1000;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
}

static void on_alarm(int sig)
{
    (void)sig;
}

/* A child that sends SIGALRM to this process every `ms` milliseconds (so
 * that a busy host cannot make the first one come before the wait), at
 * most 100 times; alarm_stop ends it. */
static pid_t alarm_in_ms(int ms)
{
    pid_t parent = getpid(), pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 100; i++) {
            sleep_ms(ms);
            kill(parent, SIGALRM);
        }
        _exit(0);
    }
    return pid;
}

static void alarm_stop(pid_t pid)
{
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

/* Polls semctl(id, num, cmd) every 5 ms until it says `want`, at most 2 s:
 * a child has got to its wait. */
static int sem_wait_count(int id, int num, int cmd, int want)
{
    int n = -1;
    for (int i = 0; i < 400 && (n = semctl(id, num, cmd)) != want; i++)
        sleep_ms(5);
    return n;
}

static int sem_op(int id, int num, int op, int flg)
{
    struct sembuf b = {(unsigned short)num, (short)op, (short)flg};
    return semop(id, &b, 1) < 0 ? -errno : 0;
}

static int semval(int id, int num)
{
    return semctl(id, num, GETVAL);
}

/* ---- shared memory ---- */

static int shm_nattch(int id)
{
    struct shmid_ds ds;
    return shmctl(id, IPC_STAT, &ds) < 0 ? -errno : (int)ds.shm_nattch;
}

static bool maps_has(const void *p, const char *what)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512], addr[32];
    bool found = false;
    if (!f)
        return false;
    snprintf(addr, sizeof(addr), "%08lx-", (unsigned long)p); /* as maps prints it */
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, addr, strlen(addr)) && strstr(line, what))
            found = true;
    fclose(f);
    return found;
}

static void check_shm_basic(void)
{
    int id = shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0600);
    check(id >= 0, "shmget IPC_PRIVATE 10000 bytes");
    struct shmid_ds ds;
    check(shmctl(id, IPC_STAT, &ds) == 0 && ds.shm_segsz == 10000 &&
              ds.shm_nattch == 0 && ds.shm_cpid == getpid() &&
              (ds.shm_perm.mode & 0777) == 0600 && ds.shm_perm.key == 0 &&
              ds.shm_ctime != 0 && ds.shm_atime == 0,
          "shm IPC_STAT of a new segment: size, nattch 0, cpid, mode");
    char *p = shmat(id, NULL, 0);
    check(p != (void *)-1, "shmat at a kernel-chosen address");
    check(((unsigned long)p & 4095) == 0, "shmat address is page aligned");
    int zero = 1;
    for (int i = 0; i < 12288; i++)
        zero &= p[i] == 0;
    check(zero, "shm a new segment reads zero to its last page");
    check(shmctl(id, IPC_STAT, &ds) == 0 && ds.shm_nattch == 1 &&
              ds.shm_lpid == getpid() && ds.shm_atime != 0,
          "shm IPC_STAT after shmat: nattch 1, lpid, atime");
    check(maps_has(p, "rw-s") && maps_has(p, "/SYSV00000000 (deleted)"),
          "shm /proc/self/maps names the segment /SYSV00000000 (deleted)");
    memset(p, 'x', 10000);
    char *q = shmat(id, NULL, 0);
    check(q != (void *)-1 && q != p && q[9999] == 'x' && shm_nattch(id) == 2,
          "shm a second attachment sees the same bytes, nattch 2");
    q[5] = 'y';
    check(p[5] == 'y', "shm a write through one attachment shows in the other");
    check(shmdt(q) == 0 && shm_nattch(id) == 1, "shmdt: nattch back to 1");
    check(shmdt(q) < 0 && errno == EINVAL, "shmdt twice: EINVAL");
    check(shmdt(p + 4096) < 0 && errno == EINVAL,
          "shmdt inside a segment, not its start: EINVAL");
    void *anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check(shmdt(anon) < 0 && errno == EINVAL, "shmdt of an anonymous map: EINVAL");
    check(shmdt((char *)anon + 1) < 0 && errno == EINVAL,
          "shmdt of an unaligned address: EINVAL");

    /* a given address: free it first; SHM_RND rounds down */
    char *hole = mmap(NULL, 5 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
                      -1, 0);
    munmap(hole, 5 * 4096);
    char *at = shmat(id, hole + 4096, 0);
    check(at == hole + 4096 && at[0] == 'x', "shmat at a given address");
    check(shmat(id, hole + 4096, 0) == (void *)-1 && errno == EINVAL,
          "shmat over an attachment without SHM_REMAP: EINVAL");
    check(shmat(id, hole + 4096, SHM_REMAP) == hole + 4096 && shm_nattch(id) == 2,
          "shmat SHM_REMAP replaces the attachment there");
    check(shmat(id, NULL, SHM_REMAP) == (void *)-1 && errno == EINVAL,
          "shmat SHM_REMAP without an address: EINVAL");
    check(shmat(id, hole + 5, 0) == (void *)-1 && errno == EINVAL,
          "shmat at an unaligned address without SHM_RND: EINVAL");
    check(shmdt(at) == 0, "shmdt of the given-address attachment");
    at = shmat(id, hole + 4096 + 100, SHM_RND);
    check(at == hole + 4096, "shmat with SHM_RND rounds the address down");
    check(shmat(id, anon, 0) == (void *)-1 && errno == EINVAL,
          "shmat over another mapping: EINVAL");
    shmdt(at);
    munmap(anon, 4096);

    /* SHM_RDONLY: reads work, a write is SIGSEGV */
    const char *ro = shmat(id, NULL, SHM_RDONLY);
    check(ro != (void *)-1 && ro[1] == 'x', "shmat SHM_RDONLY reads the bytes");
    pid_t pid = fork();
    if (pid == 0) {
        *(volatile char *)ro = 'z';
        _exit(0);
    }
    check(reap(pid) == -SIGSEGV, "shm a write to a SHM_RDONLY attachment: SIGSEGV");
    check(mprotect((void *)ro, 4096, PROT_READ | PROT_WRITE) < 0 &&
              errno == EACCES,
          "mprotect cannot make a SHM_RDONLY attachment writable: EACCES");
    shmdt(ro);

    /* fork keeps the attachment; the child's exit drops it */
    pid = fork();
    if (pid == 0) {
        int n = shm_nattch(id);
        p[100] = 'c';
        _exit(n == 2 && p[0] == 'x' ? 0 : 1);
    }
    check(reap(pid) == 0, "shm fork keeps the attachment: nattch 2 in the child");
    check(p[100] == 'c' && shm_nattch(id) == 1,
          "shm the child's write is seen, its exit detaches (nattch 1)");
    /* execve drops the attachment; SEM_UNDO stays until the exit */
    int usem = semget(IPC_PRIVATE, 1, 0600);
    pid = fork();
    if (pid == 0) {
        char exe[256], ids[16], sems[16];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        exe[n > 0 ? n : 0] = 0;
        snprintf(ids, sizeof(ids), "%d", id);
        snprintf(sems, sizeof(sems), "%d", usem);
        if (shmat(id, NULL, 0) == (void *)-1 || shm_nattch(id) != 3 ||
            sem_op(usem, 0, 1, SEM_UNDO) < 0)
            _exit(3);
        char *args[] = {exe, "exec-probe", ids, sems, NULL};
        execv(exe, args);
        _exit(4);
    }
    check(reap(pid) == 0, "shm execve drops the attachments (nattch 1 in the new image)");
    check(semval(usem, 0) == 0, "sem SEM_UNDO kept over execve, applied at exit");
    semctl(usem, 0, IPC_RMID);
    struct shmid_ds set = ds;
    set.shm_perm.mode = 0640;
    check(shmctl(id, IPC_SET, &set) == 0 && shmctl(id, IPC_STAT, &ds) == 0 &&
              (ds.shm_perm.mode & 0777) == 0640,
          "shm IPC_SET changes the mode");

    /* IPC_RMID while attached: the segment stays until the last detach */
    check(shmctl(id, IPC_RMID, NULL) == 0, "shm IPC_RMID with an attachment");
    check(shmctl(id, IPC_STAT, &ds) == 0 && ds.shm_nattch == 1 &&
              (ds.shm_perm.mode & SHM_DEST) && ds.shm_perm.key == 0,
          "shm IPC_STAT after IPC_RMID: still there, SHM_DEST");
    check(p[9999] == 'x', "shm the removed segment's bytes still readable");
    check(shmdt(p) == 0, "shmdt of the removed segment");
    check(shmctl(id, IPC_STAT, &ds) < 0 && errno == EINVAL,
          "shm after the last detach the id is gone: EINVAL");
}

static void check_shm_keys(void)
{
    key_t key = (key_t)(0x5e000000 | (getpid() & 0xffffff));
    check(shmget(key, 4096, 0600) < 0 && errno == ENOENT,
          "shmget of a missing key without IPC_CREAT: ENOENT");
    int id = shmget(key, 4096, IPC_CREAT | 0600);
    check(id >= 0, "shmget IPC_CREAT with a key");
    check(shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0600) < 0 && errno == EEXIST,
          "shmget IPC_CREAT|IPC_EXCL of an existing key: EEXIST");
    check(shmget(key, 100, 0) == id && shmget(key, 0, 0) == id,
          "shmget of the key again: the same id (a smaller size fits)");
    check(shmget(key, 8192, 0) < 0 && errno == EINVAL,
          "shmget bigger than the existing segment: EINVAL");
    struct shmid_ds ds;
    check(shmctl(id, IPC_STAT, &ds) == 0 && ds.shm_perm.key == key,
          "shm IPC_STAT shows the key");
    check(shmctl(id, IPC_RMID, NULL) == 0 && shmget(key, 4096, 0) < 0 &&
              errno == ENOENT,
          "shm IPC_RMID: the key names nothing after");
    check(shmget(IPC_PRIVATE, 0, 0600) < 0 && errno == EINVAL,
          "shmget of size 0: EINVAL");
    check(shmget(IPC_PRIVATE, (size_t)-1, 0600) < 0 && errno == EINVAL,
          "shmget past SHMMAX: EINVAL");
    check(shmat(-1, NULL, 0) == (void *)-1 && errno == EINVAL,
          "shmat of a bad id: EINVAL");
    check(shmctl(id, IPC_STAT, &ds) < 0 && errno == EINVAL,
          "shmctl of a removed id: EINVAL");
    check(shmctl(0x7ffffff, IPC_STAT, &ds) < 0 && errno == EINVAL,
          "shmctl of a never-made id: EINVAL");
    /* the host may hold segments of its own: shapes, not numbers */
    struct shminfo si;
    check(shmctl(0, IPC_INFO, (struct shmid_ds *)&si) >= 0 && si.shmmin == 1 &&
              si.shmmax >= (1ul << 32) && si.shmmni > 0,
          "shmctl IPC_INFO: the limits");
    int one = shmget(IPC_PRIVATE, 8192, 0600);
    char *t = shmat(one, NULL, 0);
    t[0] = t[4096] = 1;
    struct shm_info su;
    check(shmctl(0, SHM_INFO, (struct shmid_ds *)&su) >= 0 && su.used_ids >= 1 &&
              su.shm_tot >= 2 && su.shm_rss >= 2,
          "shmctl SHM_INFO: segments in use, their pages");
    shmdt(t);
    shmctl(one, IPC_RMID, NULL);
}

/* Four children add 1000 each to a counter in a segment, under a
 * semaphore: exactly 4000. */
static void check_shm_counter(void)
{
    int shm = shmget(IPC_PRIVATE, sizeof(long) * 2, 0600);
    int sem = semget(IPC_PRIVATE, 1, 0600);
    volatile long *c = shmat(shm, NULL, 0);
    check(shm >= 0 && sem >= 0 && c != (void *)-1, "counter: segment and semaphore");
    semctl(sem, 0, SETVAL, 1);
    pid_t kids[4];
    for (int k = 0; k < 4; k++) {
        kids[k] = fork();
        if (kids[k] == 0) {
            for (int i = 0; i < 1000; i++) {
                if (sem_op(sem, 0, -1, SEM_UNDO) < 0)
                    _exit(2);
                long v = c[0];
                if ((i & 63) == 0)
                    sched_yield(); /* lets the others try the semaphore */
                c[0] = v + 1;
                if (sem_op(sem, 0, 1, SEM_UNDO) < 0)
                    _exit(3);
            }
            _exit(0);
        }
    }
    int ok = 1;
    for (int k = 0; k < 4; k++)
        ok &= reap(kids[k]) == 0;
    check(ok && c[0] == 4000, "counter: 4 children x 1000 under a semaphore = 4000");
    check(semval(sem, 0) == 1 && shm_nattch(shm) == 1,
          "counter: semaphore back at 1, the children detached");
    shmdt((void *)c);
    shmctl(shm, IPC_RMID, NULL);
    semctl(sem, 0, IPC_RMID);
}

/* ---- semaphores ---- */

static void check_sem(void)
{
    int id = semget(IPC_PRIVATE, 3, 0600);
    check(id >= 0, "semget IPC_PRIVATE 3 semaphores");
    struct semid_ds ds;
    union semun_u u = {.buf = &ds};
    check(semctl(id, 0, IPC_STAT, u) == 0 && ds.sem_nsems == 3 &&
              (ds.sem_perm.mode & 0777) == 0600 && ds.sem_otime == 0,
          "sem IPC_STAT: nsems 3, mode, otime 0");
    check(semval(id, 0) == 0 && semval(id, 2) == 0, "sem new values are 0");
    check(semctl(id, 1, SETVAL, 5) == 0 && semval(id, 1) == 5, "sem SETVAL, GETVAL");
    check(semctl(id, 1, GETPID) == getpid(), "sem GETPID after SETVAL");
    unsigned short all[3] = {1, 2, 3}, got[3] = {0, 0, 0};
    u.array = all;
    check(semctl(id, 0, SETALL, u) == 0, "sem SETALL");
    u.array = got;
    check(semctl(id, 0, GETALL, u) == 0 && got[0] == 1 && got[1] == 2 &&
              got[2] == 3,
          "sem GETALL");
    check(semctl(id, 0, SETVAL, 32768) < 0 && errno == ERANGE,
          "sem SETVAL past SEMVMX: ERANGE");
    check(semctl(id, 0, SETVAL, -1) < 0 && errno == ERANGE,
          "sem SETVAL negative: ERANGE");
    check(semctl(id, 3, GETVAL) < 0 && errno == EINVAL,
          "sem GETVAL past the set: EINVAL");
    check(sem_op(id, 2, 32767, 0) == -ERANGE && semval(id, 2) == 3,
          "semop past SEMVMX: ERANGE, nothing changed");
    check(sem_op(id, 0, -2, IPC_NOWAIT) == -EAGAIN && semval(id, 0) == 1,
          "semop that would block with IPC_NOWAIT: EAGAIN");
    struct sembuf two[2] = {{1, -1, 0}, {0, -5, IPC_NOWAIT}};
    check(semop(id, two, 2) < 0 && errno == EAGAIN && semval(id, 1) == 2,
          "semop is atomic: a blocking second op leaves the first undone");
    struct sembuf dup[3] = {{2, -2, 0}, {2, -1, 0}, {2, 1, 0}};
    check(semop(id, dup, 3) == 0 && semval(id, 2) == 1,
          "semop several ops on one semaphore in order");
    check(semctl(id, 0, IPC_STAT, (union semun_u){.buf = &ds}) == 0 &&
              ds.sem_otime != 0,
          "sem otime set by semop");
    static struct sembuf many[501];
    check(semop(id, many, 501) < 0 && errno == E2BIG, "semop past SEMOPM: E2BIG");
    check(semop(id, many, 0) < 0 && errno == EINVAL, "semop of 0 ops: EINVAL");
    check(semop(id, many, 0x80000000u) < 0 && errno == E2BIG,
          "semop of 2^31 ops (unsigned): E2BIG");
    check(sem_op(id, 3, 1, 0) == -EFBIG, "semop sem_num past the set: EFBIG");
    check(sem_op(-1, 0, 1, 0) == -EINVAL, "semop of a bad id: EINVAL");

    /* timed wait */
    struct sembuf dn = {0, -5, 0};
    struct timespec to = {0, 50 * 1000000L};
    long long t0 = now_ms();
    check(semtimedop(id, &dn, 1, &to) < 0 && errno == EAGAIN &&
              now_ms() - t0 >= 40,
          "semtimedop times out after 50 ms: EAGAIN");
    struct timespec bad = {0, 1000000000L};
    check(semtimedop(id, &dn, 1, &bad) < 0 && errno == EINVAL,
          "semtimedop with tv_nsec 1e9: EINVAL");

    /* a waiter blocked in a child is woken by a post */
    semctl(id, 0, SETVAL, 0);
    pid_t pid = fork();
    if (pid == 0)
        _exit(sem_op(id, 0, -1, 0) == 0 ? 0 : 1);
    check(sem_wait_count(id, 0, GETNCNT, 1) == 1 && semctl(id, 0, GETZCNT) == 0,
          "sem GETNCNT counts the blocked child");
    sem_op(id, 0, 1, 0);
    check(reap(pid) == 0 && semval(id, 0) == 0, "sem a post wakes the blocked child");

    /* wait for zero */
    semctl(id, 1, SETVAL, 2);
    pid = fork();
    if (pid == 0)
        _exit(sem_op(id, 1, 0, 0) == 0 ? 0 : 1);
    check(sem_wait_count(id, 1, GETZCNT, 1) == 1,
          "sem GETZCNT counts the zero waiter");
    sem_op(id, 1, -1, 0);
    sleep_ms(20);
    check(semctl(id, 1, GETZCNT) == 1, "sem the zero waiter still waits at 1");
    sem_op(id, 1, -1, 0);
    check(reap(pid) == 0, "sem wait-for-zero returns when the value is 0");

    /* a signal handler ends the wait with EINTR, SA_RESTART or not */
    struct sigaction sa = {0};
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    pid_t al = alarm_in_ms(50);
    check(sem_op(id, 0, -1, 0) == -EINTR, "semop interrupted by a handler: EINTR");
    alarm_stop(al);

    /* a wait-for-zero with SEM_UNDO adjusts nothing: a process without
     * an undo record for the set gets none (the kernel once took a NULL
     * record here and panicked) */
    semctl(id, 1, SETVAL, 0);
    pid = fork();
    if (pid == 0)
        _exit(sem_op(id, 1, 0, SEM_UNDO | IPC_NOWAIT) == 0 ? 0 : 1);
    check(reap(pid) == 0 && semval(id, 1) == 0,
          "sem a zero op with SEM_UNDO in a new process: done, nothing to undo");

    /* SEM_UNDO: a child's adjustments are undone when it ends or dies */
    semctl(id, 2, SETVAL, 0);
    pid = fork();
    if (pid == 0) {
        sem_op(id, 2, 3, SEM_UNDO);
        sem_op(id, 2, 1, 0);
        _exit(0);
    }
    check(reap(pid) == 0 && semval(id, 2) == 1,
          "sem SEM_UNDO undone at exit (the plain op stays)");
    semctl(id, 0, SETVAL, 4);
    pid = fork();
    if (pid == 0) {
        sem_op(id, 0, -3, SEM_UNDO);
        pause();
        _exit(0);
    }
    for (int i = 0; i < 200 && semval(id, 0) != 1; i++)
        sleep_ms(5);
    check(semval(id, 0) == 1, "sem the child took 3 with SEM_UNDO");
    kill(pid, SIGKILL);
    check(reap(pid) == -SIGKILL && semval(id, 0) == 4,
          "sem SEM_UNDO applied when the child is killed");
    pid = fork();
    if (pid == 0) {
        sem_op(id, 0, -1, SEM_UNDO);
        semctl(id, 0, SETVAL, 7);
        _exit(0);
    }
    check(reap(pid) == 0 && semval(id, 0) == 7,
          "sem SETVAL clears the undo of that semaphore");

    /* IPC_SET, then IPC_RMID waking a waiter with EIDRM */
    ds.sem_perm.mode = 0640;
    check(semctl(id, 0, IPC_SET, (union semun_u){.buf = &ds}) == 0 &&
              semctl(id, 0, IPC_STAT, (union semun_u){.buf = &ds}) == 0 &&
              (ds.sem_perm.mode & 0777) == 0640,
          "sem IPC_SET changes the mode");
    semctl(id, 1, SETVAL, 0);
    pid = fork();
    if (pid == 0)
        _exit(sem_op(id, 1, -1, 0) == -EIDRM ? 0 : 1);
    sem_wait_count(id, 1, GETNCNT, 1);
    check(semctl(id, 0, IPC_RMID) == 0, "sem IPC_RMID");
    check(reap(pid) == 0, "sem a waiter gets EIDRM at IPC_RMID");
    check(semval(id, 0) < 0 && errno == EINVAL, "sem a removed id: EINVAL");

    key_t key = (key_t)(0x5f000000 | (getpid() & 0xffffff));
    check(semget(key, 2, 0600) < 0 && errno == ENOENT, "semget missing key: ENOENT");
    int k = semget(key, 2, IPC_CREAT | 0600);
    check(k >= 0 && semget(key, 1, 0) == k && semget(key, 0, 0) == k,
          "semget with a key: the same id again");
    check(semget(key, 3, 0) < 0 && errno == EINVAL,
          "semget more semaphores than the set: EINVAL");
    check(semget(key, 2, IPC_CREAT | IPC_EXCL | 0600) < 0 && errno == EEXIST,
          "semget IPC_EXCL: EEXIST");
    semctl(k, 0, IPC_RMID);
    check(semget(IPC_PRIVATE, 0, 0600) < 0 && errno == EINVAL,
          "semget of 0 semaphores: EINVAL");
    check(semget(IPC_PRIVATE, 40000, 0600) < 0 && errno == EINVAL,
          "semget past SEMMSL: EINVAL");
}

/* ---- message queues ---- */

struct m64 {
    long type;
    char text[200];
};

static int snd(int id, long type, const char *text, size_t n, int flg)
{
    struct m64 m = {type, {0}};
    memcpy(m.text, text, n);
    return msgsnd(id, &m, n, flg) < 0 ? -errno : 0;
}

/* Receives into *m: the length or -errno. */
static long rcv(int id, struct m64 *m, size_t n, long type, int flg)
{
    memset(m, 0, sizeof(*m));
    long r = msgrcv(id, m, n, type, flg);
    return r < 0 ? -errno : r;
}

static void check_msg(void)
{
    int id = msgget(IPC_PRIVATE, 0600);
    check(id >= 0, "msgget IPC_PRIVATE");
    struct msqid_ds ds;
    check(msgctl(id, IPC_STAT, &ds) == 0 && ds.msg_qbytes == 16384 &&
              ds.msg_qnum == 0 && ds.msg_cbytes == 0 &&
              (ds.msg_perm.mode & 0777) == 0600,
          "msg IPC_STAT: qbytes 16384, empty");
    int ok = snd(id, 3, "c", 1, 0) == 0 && snd(id, 1, "a", 1, 0) == 0 &&
             snd(id, 2, "bb", 2, 0) == 0 && snd(id, 1, "a2", 2, 0) == 0 &&
             snd(id, 5, "eeeee", 5, 0) == 0;
    check(ok, "msgsnd five messages");
    check(msgctl(id, IPC_STAT, &ds) == 0 && ds.msg_qnum == 5 &&
              ds.msg_cbytes == 11 && ds.msg_lspid == getpid() &&
              ds.msg_stime != 0,
          "msg IPC_STAT: qnum 5, cbytes 11, lspid");
    struct m64 m;
    check(rcv(id, &m, 200, 0, 0) == 1 && m.type == 3 && m.text[0] == 'c',
          "msgrcv type 0: the first message");
    check(rcv(id, &m, 200, 1, 0) == 1 && m.type == 1 && !strcmp(m.text, "a"),
          "msgrcv type 1: the first of type 1");
    check(rcv(id, &m, 200, -2, 0) == 2 && m.type == 1 && !strcmp(m.text, "a2"),
          "msgrcv type -2: the lowest type up to 2");
    check(rcv(id, &m, 200, 2, MSG_EXCEPT) == 5 && m.type == 5,
          "msgrcv MSG_EXCEPT 2: the first of another type");
    check(rcv(id, &m, 200, 4, IPC_NOWAIT) == -ENOMSG,
          "msgrcv IPC_NOWAIT without a match: ENOMSG");
    check(rcv(id, &m, 1, 0, 0) == -E2BIG, "msgrcv too small a buffer: E2BIG");
    check(msgctl(id, IPC_STAT, &ds) == 0 && ds.msg_qnum == 1,
          "msg after E2BIG the message stays");
    check(rcv(id, &m, 1, 0, MSG_NOERROR) == 1 && m.type == 2 &&
              m.text[0] == 'b' && m.text[1] == 0,
          "msgrcv MSG_NOERROR truncates");
    check(msgctl(id, IPC_STAT, &ds) == 0 && ds.msg_qnum == 0 &&
              ds.msg_cbytes == 0 && ds.msg_lrpid == getpid(),
          "msg the queue is empty, lrpid");
    check(snd(id, 0, "x", 1, 0) == -EINVAL, "msgsnd mtype 0: EINVAL");
    static struct {
        long type;
        char text[9000];
    } big = {1, {0}};
    check(msgsnd(id, &big, 8193, 0) < 0 && errno == EINVAL,
          "msgsnd past MSGMAX: EINVAL");
    check(msgsnd(id, &big, 8192, 0) == 0 && msgrcv(id, &big, 8192, 0, 0) == 8192,
          "msgsnd and msgrcv of MSGMAX bytes");
    check(msgsnd(-1, &big, 1, 0) < 0 && errno == EINVAL, "msgsnd bad id: EINVAL");

    /* a full queue blocks its sender until a receive */
    ds.msg_qbytes = 200;
    check(msgctl(id, IPC_SET, &ds) == 0 && msgctl(id, IPC_STAT, &ds) == 0 &&
              ds.msg_qbytes == 200,
          "msg IPC_SET msg_qbytes 200");
    char hundred[100];
    memset(hundred, 'h', sizeof(hundred));
    check(snd(id, 1, hundred, 100, 0) == 0 && snd(id, 2, hundred, 100, 0) == 0,
          "msgsnd fills the queue to msg_qbytes");
    check(snd(id, 3, hundred, 1, IPC_NOWAIT) == -EAGAIN,
          "msgsnd to a full queue with IPC_NOWAIT: EAGAIN");
    pid_t pid = fork();
    if (pid == 0)
        _exit(snd(id, 3, hundred, 50, 0) == 0 ? 0 : 1);
    sleep_ms(50);
    check(msgctl(id, IPC_STAT, &ds) == 0 && ds.msg_qnum == 2,
          "msg the child's send waits on the full queue");
    check(rcv(id, &m, 200, 1, 0) == 100, "msgrcv makes room");
    check(reap(pid) == 0 && msgctl(id, IPC_STAT, &ds) == 0 && ds.msg_qnum == 2 &&
              ds.msg_cbytes == 150,
          "msg the blocked sender completes");
    check(rcv(id, &m, 200, 2, 0) == 100 && rcv(id, &m, 200, 3, 0) == 50,
          "msg both messages received by type");

    /* a receiver blocked on a type: a message of another type does not
     * wake it for good */
    pid = fork();
    if (pid == 0) {
        struct m64 r;
        long n = rcv(id, &r, 200, 7, 0);
        _exit(n == 5 && r.type == 7 && !memcmp(r.text, "seven", 5) ? 0 : 1);
    }
    sleep_ms(30);
    snd(id, 6, "six", 3, 0);
    sleep_ms(30);
    snd(id, 7, "seven", 5, 0);
    check(reap(pid) == 0, "msgrcv blocked on type 7 gets type 7 only");
    check(rcv(id, &m, 200, -__LONG_MAX__ - 1, IPC_NOWAIT) == 3 && m.type == 6,
          "msg the type 6 message stayed queued (type LONG_MIN: any)");

    /* many messages each way between two tasks */
    int back = msgget(IPC_PRIVATE, 0600);
    ds.msg_qbytes = 16384;
    msgctl(id, IPC_SET, &ds);
    pid = fork();
    if (pid == 0) {
        long sum = 0;
        for (int i = 0; i < 500; i++) {
            struct m64 r;
            if (rcv(id, &r, 200, -3, 0) != 8)
                _exit(1);
            long v;
            memcpy(&v, r.text, 8);
            sum += v * r.type;
        }
        struct m64 s = {9, {0}};
        memcpy(s.text, &sum, 8);
        _exit(msgsnd(back, &s, 8, 0) == 0 ? 0 : 2);
    }
    long want = 0;
    for (long i = 0; i < 500; i++) {
        long type = i % 3 + 1;
        want += i * type;
        snd(id, type, (const char *)&i, 8, 0);
    }
    long sum = 0;
    check(rcv(back, &m, 200, 9, 0) == 8, "msg 500 messages to a child, a reply back");
    memcpy(&sum, m.text, 8);
    check(sum == want && reap(pid) == 0, "msg the child's sum is exact");
    msgctl(back, IPC_RMID, NULL);

    /* EINTR and EIDRM */
    pid_t al = alarm_in_ms(50);
    check(rcv(id, &m, 200, 0, 0) == -EINTR, "msgrcv interrupted by a handler: EINTR");
    alarm_stop(al);
    int ready = semget(IPC_PRIVATE, 1, 0600);
    pid = fork();
    if (pid == 0) {
        struct sembuf b = {0, 1, 0};
        semop(ready, &b, 1);
        _exit(rcv(id, &m, 200, 0, 0) == -EIDRM ? 0 : 1);
    }
    struct sembuf w1 = {0, -1, 0};
    semop(ready, &w1, 1);
    semctl(ready, 0, IPC_RMID);
    sleep_ms(100); /* from its semop to its msgrcv */
    check(msgctl(id, IPC_RMID, NULL) == 0, "msg IPC_RMID");
    check(reap(pid) == 0, "msg a waiting receiver gets EIDRM");
    check(msgctl(id, IPC_STAT, &ds) < 0 && errno == EINVAL,
          "msg a removed id: EINVAL");
    key_t key = (key_t)(0x5d000000 | (getpid() & 0xffffff));
    check(msgget(key, 0600) < 0 && errno == ENOENT, "msgget missing key: ENOENT");
    int k = msgget(key, IPC_CREAT | 0600);
    check(k >= 0 && msgget(key, 0) == k, "msgget with a key: the same id again");
    check(msgget(key, IPC_CREAT | IPC_EXCL) < 0 && errno == EEXIST,
          "msgget IPC_EXCL: EEXIST");
    msgctl(k, IPC_RMID, NULL);
}

/* ---- leak (guest) ---- */

static int leak_round(int n)
{
    int ok = 0;
    for (int i = 0; i < n; i++) {
        int shm = shmget(IPC_PRIVATE, 16384, 0600);
        char *p = shmat(shm, NULL, 0);
        if (p == (void *)-1)
            break;
        memset(p, 1, 16384);
        if (i % 2)
            shmctl(shm, IPC_RMID, NULL); /* removed while attached */
        shmdt(p);
        if (!(i % 2))
            shmctl(shm, IPC_RMID, NULL);
        int sem = semget(IPC_PRIVATE, 4, 0600);
        sem_op(sem, 1, 2, SEM_UNDO);
        semctl(sem, 0, IPC_RMID);
        int q = msgget(IPC_PRIVATE, 0600);
        snd(q, 1, "leak", 4, 0);
        snd(q, 2, "leak", 4, 0);
        msgctl(q, IPC_RMID, NULL);
        ok += shm >= 0 && sem >= 0 && q >= 0;
    }
    /* a segment removed while a child holds it goes at the child's exit */
    int shm = shmget(IPC_PRIVATE, 65536, 0600);
    char *p = shmat(shm, NULL, 0);
    memset(p, 2, 65536);
    pid_t pid = fork();
    if (pid == 0) {
        sleep_ms(30);
        _exit(p[65535] == 2 ? 0 : 1);
    }
    shmctl(shm, IPC_RMID, NULL);
    shmdt(p);
    ok -= reap(pid) != 0;
    return ok;
}

static void check_leak(void)
{
    stack_touch();
    leak_round(100); /* caches and tables warmed */
    long before = free_frames();
    int ok = leak_round(3000);
    long after = free_frames();
    printf("# free frames before %ld after %ld\n", before, after);
    check(ok == 3000, "leak 3000 segments, semaphore sets and queues made and removed");
    check(before > 0 && after == before, "leak no frame lost");
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 3 && !strcmp(argv[1], "exec-probe"))
        return shm_nattch(atoi(argv[2])) == 1 && semval(atoi(argv[3]), 0) == 1
                   ? 0
                   : 1;
    if (argc > 1 && !strcmp(argv[1], "leak")) {
        check_leak();
        printf("abi_sysvipc leak: %d failed\n", failures);
        return failures != 0;
    }
    check_shm_basic();
    check_shm_keys();
    check_shm_counter();
    check_sem();
    check_msg();
    printf("abi_sysvipc: %d failed\n", failures);
    return failures != 0;
}
