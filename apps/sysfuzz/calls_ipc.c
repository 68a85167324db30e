/*
 * apps/sysfuzz/calls_ipc.c - generators of the IPC and waiting calls:
 * System V shared memory, semaphores and message queues; eventfd, timerfd
 * and epoll; poll and select; futex.  Their rules, so that no worker waits
 * forever and nothing outlives the run:
 * - every wait has a zero or sub-microsecond timeout, never NULL (poll,
 *   select, epoll, semtimedop, futex's waits); semop and msgsnd/msgrcv
 *   always IPC_NOWAIT, their sembufs built here (a sembuf read from
 *   random memory could ask to wait);
 * - eventfds and timerfds are non-blocking (eventfd(2) has no flag:
 *   call_done sets O_NONBLOCK on its descriptor);
 * - the System V objects the calls make are noted in a shared ring and
 *   removed by the driver's cleanup (or when the ring wraps), since they
 *   outlive their process;
 * - a segment is at most 4 MiB and attached at an address of our own only
 *   inside the first half of the arena, so that it cannot reach past it.
 */
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "calls.h"

#define SEG_MAX (4ul << 20)

/* A key: mostly private, else one of a few shared ones. */
static long ipc_key(void)
{
    static const long keys[] = {0 /* IPC_PRIVATE */, 1, 2, 3, 0x5f5f};
    return rng_below(8) ? keys[rng_below(5)] : num();
}

static long ipc_flags(void)
{
    static const long flags[] = {01000 | 0600, 01000 | 02000 | 0600, 0600, 0,
                                 01000};
    return rng_below(4) ? flags[rng_below(5)] : num();
}

/* An id the calls made (kind 0 shm, 1 sem, 2 msg), or a random one. */
static long ipc_id(int kind)
{
    long id = rng_below(4) ? ipc_noted(kind) : -1;
    return id >= 0 ? id : (rng_below(2) ? (long)rng_below(64) : num());
}

void g_shmget(long *a)
{
    static const long sizes[] = {1, PAGE, 2 * PAGE, 2ul << 20, SEG_MAX,
                                 0, (long)(1ull << 47), -1};
    a[0] = ipc_key();
    a[1] = rng_below(2) ? (long)(1 + rng_below(SEG_MAX)) : sizes[rng_below(8)];
    a[2] = ipc_flags();
}

void g_shmat(long *a)
{
    a[0] = ipc_id(0);
    switch (rng_below(4)) {
    case 0:
    case 1:
        a[1] = 0; /* the kernel chooses: noted as an extra mapping */
        break;
    case 2: /* ours, in the arena's first half: SEG_MAX fits after it */
        a[1] = (long)(pools.arena + rng_below(ARENA_SIZE / 2 / PAGE) * PAGE +
                      (rng_below(4) ? 0 : rng_below(PAGE)));
        break;
    default:
        a[1] = (long)unreadable_ptr();
    }
    /* SHM_RDONLY, SHM_RND, SHM_REMAP, SHM_EXEC */
    a[2] = rng_below(4) ? (long)(rng_below(16) << 12) : num();
    if (a[1] == 0 || (uint64_t)a[1] < (uint64_t)pools.arena ||
        (uint64_t)a[1] >= (uint64_t)pools.arena + ARENA_SIZE / 2)
        a[2] &= ~(long)040000; /* SHM_REMAP only over our arena */
}

void g_shmdt(long *a)
{
    uint64_t addr, size;
    mm_range(&addr, &size);
    a[0] = (long)addr;
}

void g_shmctl(long *a)
{
    static const long cmds[] = {0, 1, 2, 3, 11, 12, 13, 14, 15};
    a[0] = ipc_id(0);
    a[1] = rng_below(4) ? cmds[rng_below(9)] : num();
    a[2] = rng_below(2) ? struct_arg(14) : ptr();
}

void g_semget(long *a)
{
    a[0] = ipc_key();
    a[1] = rng_below(4) ? (long)rng_below(40) : num();
    a[2] = ipc_flags();
}

/* nsops sembufs built in scratch, every one IPC_NOWAIT, or a pointer the
 * kernel cannot read. */
static long sembufs(long *nsops)
{
    struct sembuf *s = (struct sembuf *)(pools.scratch + SCRATCH_SIZE * 5 / 8);
    *nsops = rng_below(4) ? (long)rng_below(9) : num();
    if (rng_below(6) == 0)
        return (long)unreadable_ptr();
    for (int i = 0; i < 8; i++) {
        s[i].sem_num = (unsigned short)(rng_below(4) ? rng_below(8) : rng());
        s[i].sem_op = (short)(rng_below(4) ? (long)rng_below(7) - 3 : (long)rng());
        s[i].sem_flg = (short)(IPC_NOWAIT | (rng_below(2) ? SEM_UNDO : 0));
    }
    return (long)s;
}

void g_semop(long *a)
{
    a[0] = ipc_id(1);
    a[1] = sembufs(&a[2]);
    if (a[2] > 8 && a[2] < 64)
        a[2] = 8; /* the sembufs written */
}

void g_semtimedop(long *a)
{
    g_semop(a);
    a[3] = rng_below(2) ? zero_time() : short_time();
}

void g_semctl(long *a)
{
    static const long cmds[] = {0, 1, 2, 3, 11, 12, 13, 14, 15, 16, 17, 18, 19};
    a[0] = ipc_id(1);
    a[1] = rng_below(4) ? (long)rng_below(8) : num();
    a[2] = rng_below(4) ? cmds[rng_below(13)] : num();
    a[3] = rng_below(2) ? (long)rng_below(40000) : (rng_below(2) ? struct_arg(16) : ptr());
}

void g_msgget(long *a) { a[0] = ipc_key(); a[1] = ipc_flags(); }

void g_msgsnd(long *a)
{
    long *m = (long *)(pools.scratch + SCRATCH_SIZE * 3 / 4);
    m[0] = rng_below(4) ? (long)(1 + rng_below(4)) : num(); /* mtype */
    a[0] = ipc_id(2);
    a[1] = rng_below(4) ? (long)m : ptr();
    a[2] = rng_below(4) ? (long)rng_below(9000) : len();
    a[3] = (rng_below(4) ? 0 : num()) | IPC_NOWAIT;
}

void g_msgrcv(long *a)
{
    a[0] = ipc_id(2);
    a[1] = rng_below(4) ? (long)(pools.scratch + SCRATCH_SIZE * 3 / 4) : ptr();
    a[2] = rng_below(4) ? (long)rng_below(9000) : len();
    a[3] = rng_below(4) ? (long)rng_below(9) - 4 : num(); /* msgtyp */
    a[4] = (rng_below(4) ? (long)(rng_below(8) << 12) : num()) | IPC_NOWAIT;
}

void g_msgctl(long *a)
{
    static const long cmds[] = {0, 1, 2, 3, 11, 12, 13};
    a[0] = ipc_id(2);
    a[1] = rng_below(4) ? cmds[rng_below(7)] : num();
    a[2] = rng_below(2) ? struct_arg(15) : ptr();
}

void g_eventfd(long *a) { a[0] = num(); }
void g_eventfd2(long *a) { a[0] = num(); a[1] = num() | O_NONBLOCK; }

void g_timerfd_create(long *a)
{
    a[0] = rng_below(4) ? (long)rng_below(12) : num();
    a[1] = (rng_below(2) ? O_CLOEXEC : num()) | O_NONBLOCK;
}

void g_timerfd_settime(long *a)
{
    a[0] = (long)any_fd();
    a[1] = rng_below(4) ? (long)rng_below(4) : num(); /* ABSTIME, CANCEL_ON_SET */
    a[2] = rng_below(4) ? struct_arg(4) : 0;
    int64_t *its = (int64_t *)(pools.scratch + SCRATCH_SIZE / 2);
    if (a[2] == (long)its && rng_below(2)) { /* a small valid value */
        its[0] = 0;
        its[1] = (int64_t)rng_below(2000000);
        its[2] = 0;
        its[3] = (int64_t)(1 + rng_below(2000000));
    }
    a[3] = ptr();
}

void g_timerfd_gettime(long *a) { a[0] = (long)any_fd(); a[1] = ptr(); }
void g_epoll_create(long *a) { a[0] = rng_below(2) ? (long)rng_below(4) : num(); }

void g_epoll_ctl(long *a)
{
    a[0] = (long)any_fd();
    a[1] = rng_below(4) ? (long)(1 + rng_below(3)) : num();
    a[2] = (long)any_fd();
    a[3] = rng_below(4) ? struct_arg(2) : ptr();
}

void g_epoll_wait(long *a)
{
    a[0] = (long)any_fd();
    a[1] = ptr();
    a[2] = rng_below(4) ? (long)rng_below(16) : num();
    a[3] = 0; /* never waits */
}

void g_epoll_pwait(long *a)
{
    g_epoll_wait(a);
    a[4] = rng_below(2) ? 0 : struct_arg(1);
    a[5] = rng_below(4) ? 8 : num();
}

/* nfds pollfds of any descriptors, or a bad pointer. */
static long pollfds(long *nfds)
{
    int *p = (int *)(pools.scratch + SCRATCH_SIZE * 7 / 8);
    *nfds = rng_below(4) ? (long)rng_below(17) : num();
    for (int i = 0; i < 16; i++) {
        p[2 * i] = (int)any_fd();
        p[2 * i + 1] = (int)(rng_below(2) ? rng_below(0x40) : rng());
    }
    if (*nfds > 16 && *nfds < 4096)
        *nfds = 16;
    return rng_below(6) ? (long)p : (long)bad_ptr();
}

void g_poll(long *a) { a[0] = pollfds(&a[1]); a[2] = 0; }

void g_ppoll(long *a)
{
    a[0] = pollfds(&a[1]);
    a[2] = zero_time();
    a[3] = rng_below(2) ? 0 : struct_arg(1);
    a[4] = rng_below(4) ? 8 : num();
}

void g_select(long *a)
{
    a[0] = rng_below(4) ? (long)rng_below(70) : num();
    for (int i = 1; i <= 3; i++)
        a[i] = rng_below(3) ? 0 : (rng_below(2) ? struct_arg(16) : ptr());
    a[4] = zero_time(); /* a zero timeval too */
}

void g_pselect6(long *a)
{
    g_select(a);
    long *sig = (long *)(pools.scratch + SCRATCH_SIZE * 15 / 16);
    sig[0] = rng_below(2) ? 0 : struct_arg(1);
    sig[1] = rng_below(4) ? 8 : num();
    a[5] = rng_below(3) ? 0 : (rng_below(2) ? (long)sig : (long)bad_ptr());
}

void g_futex(long *a)
{
    /* WAIT, WAKE, REQUEUE, CMP_REQUEUE, WAKE_OP, WAIT_BITSET, WAKE_BITSET;
     * the PI operations (6-8, 11-13) could wait on an owner: not made */
    static const long ops[] = {0, 1, 3, 4, 5, 9, 10};
    uint64_t word = rng_below(2) ? scratch_ptr() & ~3ul : any_ptr();
    a[0] = (long)word;
    long op = rng_below(8) ? ops[rng_below(7)] : (long)(14 + rng_below(100));
    a[1] = op | (rng_below(2) ? 128 : 0) | (rng_below(4) ? 0 : 256);
    a[2] = rng_below(2) ? (long)rng_below(3) : num();
    if (op == 0 || op == 9) /* a wait: a timeout, never none */
        a[3] = rng_below(2) ? zero_time() : short_time();
    else
        a[3] = rng_below(2) ? (long)rng_below(4) : num();
    a[4] = rng_below(2) ? (long)(scratch_ptr() & ~3ul) : ptr();
    a[5] = rng_below(2) ? -1 : num();
}

void calls_ipc_done(long nr, const long a[6], long rc)
{
    switch (nr) {
    case 29: /* shmget */
        ipc_note(0, rc);
        break;
    case 64: /* semget */
        ipc_note(1, rc);
        break;
    case 68: /* msgget */
        ipc_note(2, rc);
        break;
    case 30: { /* shmat: the kernel's choice is a mapping to keep track of */
        struct shmid_ds ds;
        if (a[1] == 0 && shmctl((int)a[0], IPC_STAT, &ds) == 0)
            extra_add((uintptr_t)rc, ds.shm_segsz);
        break;
    }
    case 284: /* eventfd: no flag for it */
        fcntl((int)rc, F_SETFL, O_NONBLOCK);
        break;
    }
}
