/*
 * apps/sysfuzz/calls.h - what the call table (calls.c) shares with the
 * generators of its families (calls_fs.c, calls_ipc.c, calls_net.c,
 * calls_proc.c): each generator fills a call's six arguments under the
 * safety rule of sysfuzz.h and the family's own rules, written at the top
 * of its file.
 */
#ifndef SYSFUZZ_CALLS_H
#define SYSFUZZ_CALLS_H

#include <stddef.h>

#include "sysfuzz.h"

typedef void gen_fn(long *a);

static inline long r(void) { return (long)rng(); }
static inline long ptr(void) { return (long)any_ptr(); }
static inline long len(void) { return (long)any_len(); }
static inline long num(void) { return (long)any_int(); }

/* A buffer for descriptor `fd`: unreadable when fd is the console. */
long buf_for(long fd);
/* A struct of `words` random words in scratch for the kernel to read, or
 * a bad pointer. */
long struct_arg(size_t words);
/* An iovec array in scratch for descriptor a[0] (a[1], a[2]). */
void g_iov(long *a);
/* A timespec of at most a microsecond, an invalid one or a bad pointer. */
long short_time(void);
/* A zero timespec (or timeval): never NULL, so nothing waits forever. */
long zero_time(void);
/* The timeout of a wait: zero, at most a microsecond, invalid or
 * unreadable, never NULL. */
long wait_time(void);
/* A pid that is not ours unless *sig is 0 or invalid. */
long target_pid(long *sig);
/* A path the calls create (never one of the boot's), or a bad pointer;
 * slot 0 or 1 for two in one call. */
long fresh_path(size_t slot);

/* The signals whose default would end a worker but that the calls may
 * raise on their own (SIGPIPE, SIGALRM, SIGXFSZ, SIGVTALRM, SIGPROF,
 * SIGIO): every worker ignores them and rt_sigaction keeps them ignored. */
#define SIGNALS_IGNORED ((1ul << 13) | (1ul << 14) | (1ul << 25) | \
                         (1ul << 26) | (1ul << 27) | (1ul << 29))
/* Sets them to SIG_IGN (each worker, at its start). */
void signals_ignore(void);

/* calls_fs.c */
gen_fn g_chmod, g_fchmod, g_fchmodat, g_chown, g_fchown, g_fchownat;
gen_fn g_utime, g_utimensat, g_futimesat, g_statfs, g_fstatfs, g_symlink;
gen_fn g_symlinkat, g_sync_file_range, g_fallocate, g_flock, g_preadv;
gen_fn g_preadv2, g_sendfile;
/* calls_ipc.c */
gen_fn g_shmget, g_shmat, g_shmdt, g_shmctl, g_semget, g_semop;
gen_fn g_semtimedop, g_semctl, g_msgget, g_msgsnd, g_msgrcv, g_msgctl;
gen_fn g_eventfd, g_eventfd2, g_timerfd_create, g_timerfd_settime;
gen_fn g_timerfd_gettime, g_epoll_create, g_epoll_ctl, g_epoll_wait;
gen_fn g_epoll_pwait, g_poll, g_ppoll, g_select, g_pselect6, g_futex;
/* calls_net.c */
gen_fn g_socket, g_socketpair, g_bind, g_connect, g_listen, g_accept;
gen_fn g_accept4, g_sendto, g_recvfrom, g_sendmsg, g_recvmsg, g_shutdown;
gen_fn g_sockname, g_getsockopt, g_setsockopt;
/* calls_proc.c */
gen_fn g_setpgid, g_pid_only, g_waitid, g_affinity, g_prctl, g_setid;
gen_fn g_setgroups, g_robust_list, g_get_robust_list, g_sigqueueinfo;
gen_fn g_tgsigqueueinfo, g_sigtimedwait, g_sigpending, g_alarm;
gen_fn g_getitimer, g_setitimer, g_timer_create, g_timer_settime;
gen_fn g_timer_id, g_timer_gettime;

/* Bookkeeping after a call of these families (call_done's share). */
void calls_ipc_done(long nr, const long a[6], long rc);
void calls_net_done(long nr, const long a[6], long rc);

#endif
