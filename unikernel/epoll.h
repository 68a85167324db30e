/*
 * unikernel/epoll.h - epoll instances (epoll.c); the system calls are in
 * syscall.h.
 */
#ifndef UNIKERNEL_EPOLL_H
#define UNIKERNEL_EPOLL_H

struct file;

/* Takes the open file `f`, whose last reference goes, out of every epoll
 * set that watches it (file_put). */
void epoll_file_gone(struct file *f);

#endif
