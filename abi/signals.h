/*
 * abi/signals.h - the Linux x86_64 signal numbers, kernel-free: the core's
 * signal code (unikernel/signal.h) and the port's trap code (which signal
 * an exception raises, as Linux chooses it) share them.  Not for apps:
 * they have <signal.h>.
 */
#ifndef ABI_SIGNALS_H
#define ABI_SIGNALS_H

#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGSTKFLT 16
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG 23
#define SIGXCPU 24
#define SIGXFSZ 25
#define SIGVTALRM 26
#define SIGPROF 27
#define SIGWINCH 28
#define SIGIO 29
#define SIGPWR 30
#define SIGSYS 31

/* si_code values the kernel sends. */
#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_TKILL (-6)
#define SI_QUEUE (-1)  /* rt_sigqueueinfo */
#define SI_TIMER (-2)  /* a POSIX timer (itimer.c) */
#define CLD_EXITED 1 /* SIGCHLD: the child called exit */
#define CLD_KILLED 2 /* SIGCHLD: a signal ended it */
#define CLD_STOPPED 5 /* SIGCHLD: a stop signal stopped it */
#define CLD_CONTINUED 6 /* SIGCHLD: SIGCONT made it run again */

#endif
