/*
 * unikernel/unix_sock.h - the AF_UNIX address family (unix_sock.c): local
 * stream, datagram and seqpacket sockets in the kernel, connected in
 * pairs by socketpair or by name (tmpfs paths, the abstract namespace).
 */
#ifndef UNIKERNEL_UNIX_SOCK_H
#define UNIKERNEL_UNIX_SOCK_H

/* Makes AF_UNIX known to socket(2) and socketpair(2) (boot time). */
void unix_sock_register(void);

#endif
