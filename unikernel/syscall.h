/*
 * unikernel/syscall.h - the system call table: Linux x86_64 numbers
 * (abi/syscalls.h), plus the mspace_* calls of abi/mspace.h (1000-1003).
 * Each handler gets the six argument registers (rdi, rsi, rdx, r10, r8,
 * r9) and returns the result or a negated errno, as Linux does.
 * docs/syscalls.md lists them and says how to add one.
 */
#ifndef UNIKERNEL_SYSCALL_H
#define UNIKERNEL_SYSCALL_H

#include <stdint.h>

struct syscall_frame;

typedef long (*syscall_fn)(const long *args);

/* Called by syscall_entry: runs the call in frame->rax with the frame's
 * arguments and stores the result in frame->rax. */
void syscall_dispatch(struct syscall_frame *frame);

/* The Linux name of system call `nr`, or "?". */
const char *syscall_name(long nr);

/* The handlers, by the file that implements them. */

/* sys_file.c: files by path and by content */
long sys_read(const long *a);
long sys_write(const long *a);
long sys_open(const long *a);
long sys_openat(const long *a);
long sys_stat(const long *a);
long sys_fstat(const long *a);
long sys_lstat(const long *a);
long sys_newfstatat(const long *a);
long sys_lseek(const long *a);
long sys_pread64(const long *a);
long sys_readv(const long *a);
long sys_writev(const long *a);
long sys_preadv(const long *a);
long sys_pwritev(const long *a);
long sys_preadv2(const long *a);
long sys_pwritev2(const long *a);
long sys_access(const long *a);
long sys_ioctl(const long *a);
long sys_getcwd(const long *a);
long sys_readlink(const long *a);
long sys_readlinkat(const long *a);
long sys_umask(const long *a);

/* fd.c: descriptors */
long sys_close(const long *a);
long sys_dup(const long *a);
long sys_dup2(const long *a);
long sys_dup3(const long *a);
long sys_fcntl(const long *a);

/* pipe.c, memfd.c */
long sys_pipe(const long *a);
long sys_pipe2(const long *a);
/* sys_poll.c, epoll.c */
long sys_poll(const long *a);
long sys_select(const long *a);
long sys_epoll_create(const long *a);
long sys_epoll_wait(const long *a);
long sys_epoll_ctl(const long *a);
long sys_pselect6(const long *a);
long sys_ppoll(const long *a);
long sys_epoll_pwait(const long *a);
long sys_epoll_create1(const long *a);
long sys_memfd_create(const long *a);
/* itimer.c */
long sys_alarm(const long *a);
long sys_getitimer(const long *a);
long sys_setitimer(const long *a);
long sys_timer_create(const long *a);
long sys_timer_settime(const long *a);
long sys_timer_gettime(const long *a);
long sys_timer_getoverrun(const long *a);
long sys_timer_delete(const long *a);
/* signal.c */
long sys_rt_sigtimedwait(const long *a);
long sys_rt_sigqueueinfo(const long *a);
long sys_rt_tgsigqueueinfo(const long *a);
/* proc.c */
long sys_waitid(const long *a);
/* timerfd.c */
long sys_timerfd_create(const long *a);
long sys_timerfd_settime(const long *a);
long sys_timerfd_gettime(const long *a);
/* eventfd.c */
long sys_eventfd(const long *a);
long sys_eventfd2(const long *a);
long sys_ftruncate(const long *a);
long sys_creat(const long *a);
long sys_pwrite64(const long *a);
long sys_statx(const long *a);
long sys_faccessat(const long *a);
long sys_faccessat2(const long *a);
long sys_truncate(const long *a);
long sys_fsync(const long *a);
/* sync_file_range: checks as Linux, then 0 (files live in memory). */
long sys_sync_file_range(const long *a);
long sys_fchmod(const long *a);
long sys_fchown(const long *a);
long sys_chmod(const long *a);
long sys_fchmodat(const long *a);
long sys_chown(const long *a);
long sys_lchown(const long *a);
long sys_fchownat(const long *a);
long sys_utimensat(const long *a);
long sys_utimes(const long *a);
long sys_futimesat(const long *a);
long sys_utime(const long *a);
long sys_statfs(const long *a);
long sys_fstatfs(const long *a);
long sys_sync(const long *a);
long sys_syncfs(const long *a);
long sys_fallocate(const long *a);
long sys_symlink(const long *a);
long sys_symlinkat(const long *a);
long sys_mkdir(const long *a);
long sys_mkdirat(const long *a);
long sys_rmdir(const long *a);
long sys_unlink(const long *a);
long sys_unlinkat(const long *a);
long sys_rename(const long *a);
long sys_renameat(const long *a);
long sys_renameat2(const long *a);
long sys_link(const long *a);
long sys_linkat(const long *a);
long sys_getdents64(const long *a);
long sys_chdir(const long *a);
long sys_fchdir(const long *a);

/* socket.c: the socket calls */
long sys_socket(const long *a);
long sys_socketpair(const long *a);
long sys_bind(const long *a);
long sys_listen(const long *a);
long sys_accept(const long *a);
long sys_accept4(const long *a);
long sys_connect(const long *a);
long sys_sendto(const long *a);
long sys_recvfrom(const long *a);
long sys_sendmsg(const long *a);
long sys_recvmsg(const long *a);
long sys_shutdown(const long *a);
long sys_getsockname(const long *a);
long sys_getpeername(const long *a);
long sys_setsockopt(const long *a);
long sys_getsockopt(const long *a);

/* sys_mm.c: memory, and the mspace calls (abi/mspace.h) */
long sys_mmap(const long *a);
long sys_mprotect(const long *a);
long sys_munmap(const long *a);
long sys_brk(const long *a);
long sys_mremap(const long *a);
long sys_madvise(const long *a);
long sys_mspace_map(const long *a);
long sys_mspace_unmap(const long *a);
long sys_mspace_protect(const long *a);
long sys_mspace_release(const long *a);

/* proc.c: tasks as processes; exec.c: execve */
long sys_fork(const long *a);
long sys_vfork(const long *a);
long sys_clone(const long *a);
long sys_wait4(const long *a);
long sys_getppid(const long *a);
long sys_getpgid(const long *a);
long sys_getpgrp(const long *a);
long sys_getsid(const long *a);
long sys_setpgid(const long *a);
long sys_setsid(const long *a);
long sys_execve(const long *a);

/* signal.c */
long sys_rt_sigaction(const long *a);
long sys_rt_sigprocmask(const long *a);
long sys_sigaltstack(const long *a);
long sys_rt_sigreturn(const long *a);
long sys_rt_sigpending(const long *a);
long sys_rt_sigsuspend(const long *a);
long sys_pause(const long *a);
long sys_kill(const long *a);
long sys_tkill(const long *a);
long sys_tgkill(const long *a);

/* rlimit.c */
long sys_getrlimit(const long *a);
long sys_setrlimit(const long *a);
long sys_prlimit64(const long *a);

/* thread.c: thread identity and state */
long sys_getpid(const long *a);
long sys_gettid(const long *a);
long sys_set_tid_address(const long *a);
long sys_set_robust_list(const long *a);
long sys_get_robust_list(const long *a);
long sys_sched_getaffinity(const long *a);
long sys_sched_setaffinity(const long *a);
long sys_prctl(const long *a);

/* sendfile.c */
long sys_sendfile(const long *a);


/* futex.c */
long sys_futex(const long *a);

/* sys_misc.c: exit, identity, time, random, TLS, sysinfo */
long sys_exit(const long *a);
long sys_exit_group(const long *a);
long sys_getuid(const long *a);
long sys_setuid(const long *a);
long sys_setgroups(const long *a);
long sys_arch_prctl(const long *a);
long sys_uname(const long *a);
long sys_clock_gettime(const long *a);
long sys_clock_getres(const long *a);
long sys_gettimeofday(const long *a);
long sys_time(const long *a);
long sys_nanosleep(const long *a);
long sys_clock_nanosleep(const long *a);
long sys_restart_syscall(const long *a);
long sys_sched_yield(const long *a);
long sys_getrandom(const long *a);
long sys_sysinfo(const long *a);
/* sysv_shm.c, sysv_sem.c, sysv_msg.c */
long sys_shmget(const long *a);
long sys_shmat(const long *a);
long sys_shmdt(const long *a);
long sys_shmctl(const long *a);
long sys_semget(const long *a);
long sys_semop(const long *a);
long sys_semtimedop(const long *a);
long sys_semctl(const long *a);
long sys_msgget(const long *a);
long sys_msgsnd(const long *a);
long sys_msgrcv(const long *a);
long sys_msgctl(const long *a);
/* bsdlock.c: flock(fd, op): 0, or -EINVAL (op), -EBADF, -EWOULDBLOCK
 * (LOCK_NB and a conflict), -ENOLCK, -ERESTARTSYS (a signal: EINTR, or
 * restarted with SA_RESTART), -EINTR (a kill). */
long sys_flock(const long *a);

#endif
