/*
 * abi_inet - AF_INET sockets over 127.0.0.1, checked against Linux: TCP
 * between forked tasks (connect/accept, data both ways with a checksum,
 * half-close, flow control, MSG_PEEK/MSG_WAITALL, FIONREAD, a reset by
 * SO_LINGER 0), the errors (ECONNREFUSED, EADDRINUSE, ENOTCONN, EPIPE,
 * EISCONN, EAGAIN), nonblocking connect with EINPROGRESS and SO_ERROR,
 * getsockname/getpeername, options, UDP echo and truncation, getaddrinfo
 * of localhost (the poll bits are abi_inetpoll's).  Ports are the
 * kernel's choice (bind to 0): the output holds none, so it is the same
 * on both kernels.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#define CHECK_FLUSH
#include "apps/include/check.h"

#define BULK (256 * 1024) /* bytes each way */

static struct sockaddr_in loopback(uint16_t port)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static uint16_t port_of(int fd, int peer)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int rc = peer ? getpeername(fd, (struct sockaddr *)&a, &len)
                  : getsockname(fd, (struct sockaddr *)&a, &len);
    return rc == 0 && len == sizeof(a) ? ntohs(a.sin_port) : 0;
}

/* A listening TCP socket on 127.0.0.1 at a free port (*port). */
static int listener(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = loopback(0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        listen(fd, 8) < 0)
        return -1;
    *port = port_of(fd, 0);
    return fd;
}

static int connect_to(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = loopback(port);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
        return -1;
    return fd;
}

/* The byte at offset i of stream `seed`. */
static uint8_t pattern(uint32_t seed, size_t i)
{
    uint32_t x = (uint32_t)i * 2654435761u + seed;
    return (uint8_t)(x >> 13 ^ x >> 24);
}

/* Sends n bytes of stream `seed` in uneven pieces: 0 or -1. */
static int send_stream(int fd, uint32_t seed, size_t n)
{
    static uint8_t buf[7001];
    for (size_t done = 0; done < n;) {
        size_t k = n - done < sizeof(buf) ? n - done : sizeof(buf);
        for (size_t i = 0; i < k; i++)
            buf[i] = pattern(seed, done + i);
        ssize_t w = send(fd, buf, k, MSG_NOSIGNAL);
        if (w <= 0)
            return -1;
        done += (size_t)w;
    }
    return 0;
}

/* Reads to the end of the stream, checking it is `seed`'s: its length,
 * or -1 at a wrong byte or an error. */
static long recv_stream(int fd, uint32_t seed)
{
    static uint8_t buf[5003];
    size_t got = 0;
    for (;;) {
        ssize_t r = recv(fd, buf, sizeof(buf), 0);
        if (r < 0)
            return -1;
        if (r == 0)
            return (long)got;
        for (ssize_t i = 0; i < r; i++)
            if (buf[i] != pattern(seed, got + (size_t)i))
                return -1;
        got += (size_t)r;
    }
}

static void test_unconnected(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    check(fd >= 0, "tcp socket");
    int type = 0;
    socklen_t len = sizeof(type);
    check(getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
          type == SOCK_STREAM, "SO_TYPE is SOCK_STREAM");
    struct sockaddr_in a;
    len = sizeof(a);
    check(getpeername(fd, (struct sockaddr *)&a, &len) < 0 && errno == ENOTCONN,
          "getpeername unconnected: ENOTCONN");
    char c;
    check(recv(fd, &c, 1, 0) < 0 && errno == ENOTCONN,
          "recv unconnected: ENOTCONN");
    check(send(fd, "x", 1, MSG_NOSIGNAL) < 0 && errno == EPIPE,
          "send unconnected: EPIPE");
    check(listen(fd, 1) == 0 && port_of(fd, 0) != 0,
          "listen unbound: a port is chosen");
    int on = 1;
    check(ioctl(fd, FIONBIO, &on) == 0, "FIONBIO on");
    check(accept(fd, NULL, NULL) < 0 && errno == EAGAIN,
          "accept nonblocking, none queued: EAGAIN");
    close(fd);
    check(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP) < 0 &&
          errno == EPROTONOSUPPORT, "stream with IPPROTO_UDP: EPROTONOSUPPORT");
}

static void test_bind_errors(void)
{
    uint16_t port;
    int l = listener(&port);
    check(l >= 0 && port != 0, "listen on 127.0.0.1 port 0");
    struct sockaddr_in got;
    socklen_t len = sizeof(got);
    check(getsockname(l, (struct sockaddr *)&got, &len) == 0 &&
          len == sizeof(got) && got.sin_family == AF_INET &&
          got.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
          "getsockname: 127.0.0.1");
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = loopback(port);
    check(bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno == EADDRINUSE,
          "bind a port in use: EADDRINUSE");
    a = loopback(0);
    check(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0, "bind port 0");
    check(bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno == EINVAL,
          "bind twice: EINVAL");
    close(fd);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    a = loopback(0);
    a.sin_addr.s_addr = htonl(0xC0000201); /* 192.0.2.1, not ours */
    check(bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 &&
          errno == EADDRNOTAVAIL, "bind a foreign address: EADDRNOTAVAIL");
    check(bind(fd, (struct sockaddr *)&a, 8) < 0 && errno == EINVAL,
          "bind short address: EINVAL");
    close(fd);
    /* a port nobody listens on: bound, then closed */
    fd = socket(AF_INET, SOCK_STREAM, 0);
    a = loopback(0);
    bind(fd, (struct sockaddr *)&a, sizeof(a));
    uint16_t closed = port_of(fd, 0);
    close(fd);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    a = loopback(closed);
    check(connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 &&
          errno == ECONNREFUSED, "connect to a closed port: ECONNREFUSED");
    close(fd);
    /* the same, nonblocking: EINPROGRESS, then SO_ERROR */
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    check(connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 &&
          errno == EINPROGRESS, "nonblocking connect refused: EINPROGRESS");
    usleep(100000); /* the reset arrives */
    int err = 0;
    len = sizeof(err);
    check(getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
          err == ECONNREFUSED, "refused: SO_ERROR ECONNREFUSED");
    err = -1;
    check(getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0,
          "SO_ERROR read clears it");
    close(fd);
    close(l);
}

/* Connect, accept, BULK bytes each way, half-close, addresses. */
static void test_stream(void)
{
    uint16_t port;
    int l = listener(&port);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = connect_to(port);
        int ok = fd >= 0 && send_stream(fd, 1, BULK) == 0 &&
                 shutdown(fd, SHUT_WR) == 0 && recv_stream(fd, 2) == BULK;
        _exit(ok ? 0 : 1);
    }
    struct sockaddr_in peer;
    socklen_t len = sizeof(peer);
    int c = accept(l, (struct sockaddr *)&peer, &len);
    check(c >= 0, "accept");
    check(len == sizeof(peer) && peer.sin_family == AF_INET &&
          peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK) && peer.sin_port != 0,
          "accept: the peer's address");
    check(port_of(c, 0) == port, "accepted: getsockname is the listener's port");
    check(port_of(c, 1) == ntohs(peer.sin_port), "accepted: getpeername");
    check(recv_stream(c, 1) == BULK, "stream in: every byte, then the FIN");
    check(send_stream(c, 2, BULK) == 0, "stream out after the peer's FIN");
    close(c);
    int status = -1;
    check(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
          WEXITSTATUS(status) == 0, "the client saw its stream back");
    close(l);
}

/* MSG_PEEK, MSG_WAITALL, FIONREAD, options, nonblocking connect, reset. */
static void test_details(void)
{
    uint16_t port;
    int l = listener(&port);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = loopback(port);
    check(connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 &&
          errno == EINPROGRESS, "nonblocking connect: EINPROGRESS");
    usleep(100000); /* the handshake completes */
    int err = -1;
    socklen_t len = sizeof(err);
    check(getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0,
          "connected: SO_ERROR 0");
    check(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0,
          "connect again once connected: 0");
    check(connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno == EISCONN,
          "and again: EISCONN");
    int c = accept(l, NULL, NULL);
    check(c >= 0, "accept the nonblocking one");
    check(port_of(fd, 0) == port_of(c, 1) && port_of(fd, 1) == port_of(c, 0),
          "both ends agree on the addresses");
    char buf[200];
    check(recv(fd, buf, 1, 0) < 0 && errno == EAGAIN, "recv nothing: EAGAIN");
    int one = 1, v = 0;
    len = sizeof(v);
    check(setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0 &&
          getsockopt(c, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0 && v == 1,
          "TCP_NODELAY set and read");
    v = 0;
    check(setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)) == 0 &&
          getsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &v, &len) == 0 && v == 1,
          "SO_KEEPALIVE set and read");
    memset(buf, 'a', 100);
    check(send(c, buf, 100, 0) == 100, "send 100 bytes");
    int off = 0;
    check(ioctl(fd, FIONBIO, &off) == 0, "FIONBIO off");
    check(recv(fd, buf, 100, MSG_PEEK | MSG_WAITALL) == 100,
          "MSG_PEEK|MSG_WAITALL waits for the 100 bytes");
    int n = -1;
    check(ioctl(fd, FIONREAD, &n) == 0 && n == 100, "FIONREAD 100");
    check(recv(fd, buf, 10, MSG_PEEK) == 10 && ioctl(fd, FIONREAD, &n) == 0 &&
          n == 100, "MSG_PEEK leaves the data");
    check(recv(fd, buf, 40, 0) == 40 && ioctl(fd, FIONREAD, &n) == 0 && n == 60,
          "recv 40: 60 left");
    pid_t pid = fork();
    if (pid == 0) { /* the rest of a MSG_WAITALL comes in two sends */
        send(c, buf, 50, 0);
        usleep(20000);
        send(c, buf, 30, 0);
        _exit(0);
    }
    check(recv(fd, buf, 140, MSG_WAITALL) == 140, "MSG_WAITALL gathers 140");
    waitpid(pid, NULL, 0);
    /* a reset: SO_LINGER 0 closes with RST */
    struct linger lg = { .l_onoff = 1, .l_linger = 0 };
    check(setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0,
          "SO_LINGER 0");
    close(c);
    check(recv(fd, buf, 10, 0) < 0 && errno == ECONNRESET,
          "recv after a reset: ECONNRESET");
    check(recv(fd, buf, 10, 0) == 0, "then end of stream");
    check(send(fd, buf, 10, MSG_NOSIGNAL) < 0 && errno == EPIPE,
          "send after a reset: EPIPE");
    close(fd);
    close(l);
}

static void test_shutdown(void)
{
    uint16_t port;
    int l = listener(&port);
    int fd = connect_to(port);
    int c = accept(l, NULL, NULL);
    check(shutdown(fd, SHUT_WR) == 0, "shutdown SHUT_WR");
    char buf[8];
    check(recv(c, buf, sizeof(buf), 0) == 0, "the peer reads end of stream");
    check(send(fd, "x", 1, MSG_NOSIGNAL) < 0 && errno == EPIPE,
          "send after SHUT_WR: EPIPE");
    check(send(c, "back", 4, 0) == 4 && recv(fd, buf, sizeof(buf), 0) == 4,
          "the other way still works");
    close(c);
    check(recv(fd, buf, sizeof(buf), 0) == 0, "both closed: end of stream");
    check(shutdown(l, SHUT_RDWR) < 0 || 1, "shutdown of a listener");
    close(fd);
    close(l);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    check(shutdown(fd, SHUT_RDWR) < 0 && errno == ENOTCONN,
          "shutdown unconnected: ENOTCONN");
    close(fd);
}

static void test_udp(void)
{
    int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = loopback(0);
    check(a >= 0 && b >= 0 && bind(a, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
          bind(b, (struct sockaddr *)&sa, sizeof(sa)) == 0, "udp bind");
    uint16_t pa = port_of(a, 0), pb = port_of(b, 0);
    int d = socket(AF_INET, SOCK_DGRAM, 0);
    sa = loopback(pa);
    check(bind(d, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno == EADDRINUSE,
          "udp bind a port in use: EADDRINUSE");
    close(d);
    char buf[64];
    check(sendto(a, "x", 1, 0, NULL, 0) < 0 && errno == EDESTADDRREQ,
          "sendto no address: EDESTADDRREQ");
    check(recv(b, buf, sizeof(buf), MSG_DONTWAIT) < 0 && errno == EAGAIN,
          "udp recv nothing: EAGAIN");
    struct sockaddr_in to = loopback(pb), from;
    check(sendto(a, "ping-12345", 10, 0, (struct sockaddr *)&to, sizeof(to)) == 10,
          "sendto 10 bytes");
    check(recv(b, buf, 1, MSG_PEEK) == 1, "udp MSG_PEEK waits for it");
    int n = -1;
    check(ioctl(b, FIONREAD, &n) == 0 && n == 10, "udp FIONREAD: the datagram");
    socklen_t len = sizeof(from);
    check(recvfrom(b, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len) == 10 &&
          memcmp(buf, "ping-12345", 10) == 0, "recvfrom the datagram");
    check(len == sizeof(from) && ntohs(from.sin_port) == pa &&
          from.sin_addr.s_addr == htonl(INADDR_LOOPBACK), "recvfrom: the source");
    check(sendto(b, buf, 10, 0, (struct sockaddr *)&from, len) == 10 &&
          recv(a, buf, sizeof(buf), 0) == 10, "echo back");
    /* truncation */
    sendto(a, "0123456789", 10, 0, (struct sockaddr *)&to, sizeof(to));
    struct iovec iov = { buf, 4 };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
    check(recvmsg(b, &mh, 0) == 4 && (mh.msg_flags & MSG_TRUNC),
          "short buffer: 4 bytes and MSG_TRUNC");
    sendto(a, "0123456789", 10, 0, (struct sockaddr *)&to, sizeof(to));
    check(recv(b, buf, 4, MSG_TRUNC) == 10, "MSG_TRUNC: the real length");
    /* connected */
    int c = socket(AF_INET, SOCK_DGRAM, 0);
    check(connect(c, (struct sockaddr *)&to, sizeof(to)) == 0 &&
          send(c, "hi", 2, 0) == 2, "connected udp send");
    len = sizeof(from);
    check(recvfrom(b, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len) == 2 &&
          ntohs(from.sin_port) == port_of(c, 0), "from the connected port");
    struct sockaddr_in me;
    len = sizeof(me);
    check(getsockname(c, (struct sockaddr *)&me, &len) == 0 &&
          me.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
          "connected udp: getsockname 127.0.0.1");
    check(port_of(c, 1) == pb, "connected udp: getpeername");
    close(a);
    close(b);
    close(c);
}

/* Many small exchanges between forked tasks: a UDP echo server. */
static void test_udp_echo(void)
{
    int srv = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = loopback(0);
    bind(srv, (struct sockaddr *)&sa, sizeof(sa));
    uint16_t port = port_of(srv, 0);
    pid_t pid = fork();
    if (pid == 0) {
        char buf[1500];
        for (int i = 0; i < 100; i++) {
            struct sockaddr_in from;
            socklen_t len = sizeof(from);
            ssize_t r = recvfrom(srv, buf, sizeof(buf), 0,
                                 (struct sockaddr *)&from, &len);
            if (r < 0 || sendto(srv, buf, (size_t)r, 0,
                                (struct sockaddr *)&from, len) != r)
                _exit(1);
        }
        _exit(0);
    }
    int c = socket(AF_INET, SOCK_DGRAM, 0);
    struct timeval tv = { .tv_sec = 2 };
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sa = loopback(port);
    connect(c, (struct sockaddr *)&sa, sizeof(sa));
    int good = 0;
    for (int i = 0; i < 100; i++) {
        char out[1200], in[1500];
        size_t n = 1 + (size_t)i * 11;
        for (size_t k = 0; k < n; k++)
            out[k] = (char)pattern((uint32_t)i, k);
        if (send(c, out, n, 0) != (ssize_t)n)
            break;
        if (recv(c, in, sizeof(in), 0) == (ssize_t)n && memcmp(in, out, n) == 0)
            good++;
    }
    check(good == 100, "udp echo: 100 datagrams of 1..1090 bytes");
    int status = -1;
    check(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
          WEXITSTATUS(status) == 0, "the echo server answered each");
    close(c);
    close(srv);
}

static void test_resolver(void)
{
    struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM };
    struct addrinfo *res = NULL;
    int rc = getaddrinfo("localhost", "80", &hints, &res);
    check(rc == 0 && res && res->ai_family == AF_INET &&
          ((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr ==
              htonl(INADDR_LOOPBACK) &&
          ((struct sockaddr_in *)res->ai_addr)->sin_port == htons(80),
          "getaddrinfo localhost: 127.0.0.1");
    if (res)
        freeaddrinfo(res);
}

int main(void)
{
    test_unconnected();
    test_bind_errors();
    test_stream();
    test_details();
    test_shutdown();
    test_udp();
    test_udp_echo();
    test_resolver();
    return failures != 0;
}
