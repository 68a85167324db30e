/*
 * unix_sock.c - the AF_UNIX family (see unix_sock.h).  Not yet
 * implemented: socket and socketpair refuse every type, so the generic
 * layer (socket.c) can be built and used by the other families.
 */
#include <errno.h>

#include "abi/socket.h"
#include "unikernel/unix_sock.h"

static int unix_create(struct socket *s, int type, int protocol)
{
    (void)s;
    (void)protocol;
    return type == SOCK_STREAM || type == SOCK_DGRAM ||
                   type == SOCK_SEQPACKET
               ? -EPROTONOSUPPORT
               : -ESOCKTNOSUPPORT;
}

const struct sock_family unix_sock_family = {
    .family = AF_UNIX,
    .create = unix_create,
};
