/*
 * abi_inetpoll - the poll(2) bits of AF_INET sockets over 127.0.0.1,
 * checked against Linux: a fresh socket, a listener with a connection
 * queued, data, the peer's FIN, half and full close, a refused and a
 * completed nonblocking connect, a reset, UDP.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#define CHECK_FLUSH
#include "apps/include/check.h"

static struct sockaddr_in loopback(uint16_t port)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static uint16_t port_of(int fd)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    return getsockname(fd, (struct sockaddr *)&a, &len) == 0 ? ntohs(a.sin_port) : 0;
}

/* The revents of `fd` for `events` within timeout_ms (0: now). */
static short poll_one(int fd, short events, int timeout_ms)
{
    struct pollfd p = { .fd = fd, .events = events };
    return poll(&p, 1, timeout_ms) == 1 ? p.revents : 0;
}

#define ALL (POLLIN | POLLOUT | POLLRDHUP)

int main(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    check(poll_one(fd, ALL, 0) == (POLLOUT | POLLHUP),
          "fresh socket: POLLOUT|POLLHUP");
    close(fd);

    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = loopback(0);
    bind(l, (struct sockaddr *)&a, sizeof(a));
    listen(l, 4);
    a = loopback(port_of(l));
    check(poll_one(l, ALL, 0) == 0, "listener, none queued: nothing");
    int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    check(connect(c, (struct sockaddr *)&a, sizeof(a)) < 0 && errno == EINPROGRESS,
          "nonblocking connect: EINPROGRESS");
    check(poll_one(c, ALL, 2000) == POLLOUT, "connected: POLLOUT");
    check(poll_one(l, ALL, 2000) == POLLIN, "listener, one queued: POLLIN");
    int s = accept(l, NULL, NULL);
    check(poll_one(s, ALL, 0) == POLLOUT, "accepted, idle: POLLOUT");
    send(c, "hello", 5, 0);
    check(poll_one(s, ALL, 2000) == (POLLIN | POLLOUT), "data: POLLIN|POLLOUT");
    check(poll_one(s, POLLOUT, 0) == POLLOUT, "only what was asked: POLLOUT");
    shutdown(c, SHUT_WR);
    check(poll_one(s, ALL, 2000) == (POLLIN | POLLOUT | POLLRDHUP),
          "the peer's FIN: POLLIN|POLLOUT|POLLRDHUP");
    check(poll_one(s, POLLOUT, 0) == POLLOUT, "POLLRDHUP only when asked");
    check(poll_one(c, ALL, 0) == POLLOUT, "our own SHUT_WR: POLLOUT");
    char buf[16];
    recv(s, buf, sizeof(buf), 0);
    close(s);
    check(poll_one(c, ALL, 2000) == (POLLIN | POLLOUT | POLLRDHUP | POLLHUP),
          "both directions closed: POLLIN|POLLOUT|POLLRDHUP|POLLHUP");
    close(c);

    /* a reset */
    c = socket(AF_INET, SOCK_STREAM, 0);
    connect(c, (struct sockaddr *)&a, sizeof(a));
    s = accept(l, NULL, NULL);
    struct linger lg = { 1, 0 };
    setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(s);
    check(poll_one(c, ALL, 2000) == (POLLIN | POLLOUT | POLLRDHUP | POLLHUP | POLLERR),
          "reset: POLLIN|POLLOUT|POLLRDHUP|POLLHUP|POLLERR");
    close(c);

    /* refused */
    uint16_t closed_port = port_of(l);
    close(l);
    a = loopback(closed_port);
    c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    connect(c, (struct sockaddr *)&a, sizeof(a));
    check(poll_one(c, POLLOUT, 2000) == (POLLOUT | POLLERR | POLLHUP),
          "refused: POLLOUT|POLLERR|POLLHUP");
    close(c);

    /* udp */
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    a = loopback(0);
    bind(u, (struct sockaddr *)&a, sizeof(a));
    check(poll_one(u, ALL, 0) == POLLOUT, "udp idle: POLLOUT");
    a = loopback(port_of(u));
    sendto(u, "x", 1, 0, (struct sockaddr *)&a, sizeof(a));
    check(poll_one(u, ALL, 2000) == (POLLIN | POLLOUT), "udp datagram: POLLIN|POLLOUT");
    close(u);
    return failures != 0;
}
