/*
 * abi_inet6 - AF_INET6 sockets over ::1 and the dual stack, checked
 * against Linux: TCP and UDP over ::1 between forked tasks, sockaddr_in6
 * from accept/getsockname/getpeername/recvfrom (length 28), an [::]
 * listener taking IPv4 clients seen as ::ffff:127.0.0.1, connecting to
 * ::ffff:127.0.0.1, IPV6_V6ONLY (default off, refused once bound, IPv4
 * refused with it), hostile lengths and families, getaddrinfo with
 * AF_UNSPEC and AF_INET6.  Ports are the kernel's choice: the output
 * holds none, so it is the same on both kernels.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define CHECK_FLUSH
#include "apps/include/check.h"
#include "apps/include/memprobe.h"

static struct sockaddr_in6 six(const struct in6_addr *a, uint16_t port)
{
    struct sockaddr_in6 s = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
    s.sin6_addr = *a;
    return s;
}

static struct in6_addr mapped_loopback(void)
{
    struct in6_addr a;
    inet_pton(AF_INET6, "::ffff:127.0.0.1", &a);
    return a;
}

static int err_of(long rc)
{
    return rc < 0 ? errno : 0;
}

static uint16_t port6(int fd)
{
    struct sockaddr_in6 a;
    socklen_t len = sizeof(a);
    return getsockname(fd, (struct sockaddr *)&a, &len) == 0 ? ntohs(a.sin6_port) : 0;
}

/* An AF_INET6 socket of `type` bound to a:0 (v6only when asked). */
static int bound6(int type, const struct in6_addr *a, int v6only)
{
    int fd = socket(AF_INET6, type, 0);
    struct sockaddr_in6 s = six(a, 0);
    if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) < 0 ||
        bind(fd, (struct sockaddr *)&s, sizeof(s)) < 0)
        return -1;
    return fd;
}

/* The sockaddr_in6 of fd (peer or own) is `a` (port checked when nonzero). */
static int name6_is(int fd, int peer, const struct in6_addr *a, uint16_t port)
{
    struct sockaddr_in6 s;
    socklen_t len = sizeof(s);
    memset(&s, 0x55, sizeof(s));
    int rc = peer ? getpeername(fd, (struct sockaddr *)&s, &len)
                  : getsockname(fd, (struct sockaddr *)&s, &len);
    return rc == 0 && len == sizeof(s) && s.sin6_family == AF_INET6 &&
           memcmp(&s.sin6_addr, a, sizeof(*a)) == 0 &&
           (!port || ntohs(s.sin6_port) == port) && s.sin6_flowinfo == 0 &&
           s.sin6_scope_id == 0;
}

static uint32_t sum(const unsigned char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static void basics(void)
{
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    check(fd >= 0, "socket AF_INET6 stream");
    check(name6_is(fd, 0, &in6addr_any, 0) && port6(fd) == 0,
          "getsockname unbound: [::]:0, length 28");
    int v = -1;
    socklen_t vl = sizeof(v);
    check(getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, &vl) == 0 && v == 0 &&
              vl == sizeof(v), "IPV6_V6ONLY default: 0");
    struct sockaddr_in6 s = six(&in6addr_loopback, 0);
    check(err_of(bind(fd, (struct sockaddr *)&s, 23)) == EINVAL, "bind length 23: EINVAL");
    check(err_of(bind(fd, (struct sockaddr *)&s, 0)) == EINVAL, "bind length 0: EINVAL");
    struct sockaddr_in s4 = {.sin_family = AF_INET};
    check(err_of(bind(fd, (struct sockaddr *)&s4, sizeof(s4))) == EINVAL,
          "bind a sockaddr_in (16 bytes): EINVAL");
    struct sockaddr_in6 bad = s;
    bad.sin6_family = AF_INET;
    check(err_of(bind(fd, (struct sockaddr *)&bad, sizeof(bad))) == EAFNOSUPPORT,
          "bind family AF_INET in 28 bytes: EAFNOSUPPORT");
    check(err_of(connect(fd, (struct sockaddr *)&s, 20)) == EINVAL, "connect length 20: EINVAL");
    struct in6_addr doc;
    inet_pton(AF_INET6, "2001:db8::1", &doc);
    struct sockaddr_in6 far = six(&doc, 0);
    check(err_of(bind(fd, (struct sockaddr *)&far, sizeof(far))) == EADDRNOTAVAIL,
          "bind a foreign address: EADDRNOTAVAIL");
    struct in6_addr ll;
    inet_pton(AF_INET6, "fe80::1", &ll);
    struct sockaddr_in6 lls = six(&ll, 0);
    int t = socket(AF_INET6, SOCK_STREAM, 0); /* Linux keeps the scope of a failed bind */
    check(err_of(bind(t, (struct sockaddr *)&lls, sizeof(lls))) == EINVAL,
          "bind link-local without a scope: EINVAL");
    lls.sin6_scope_id = 250;
    check(err_of(bind(t, (struct sockaddr *)&lls, sizeof(lls))) == ENODEV,
          "bind link-local, no such link: ENODEV");
    close(t);
    t = socket(AF_INET6, SOCK_STREAM, 0);
    lls.sin6_scope_id = 0;
    lls.sin6_port = htons(9);
    check(err_of(connect(t, (struct sockaddr *)&lls, sizeof(lls))) == EINVAL,
          "tcp connect link-local without a scope: EINVAL");
    lls.sin6_scope_id = 250;
    check(err_of(connect(t, (struct sockaddr *)&lls, sizeof(lls))) == ENETUNREACH,
          "tcp connect link-local, no such link: ENETUNREACH");
    close(t);
    check(bind(fd, (struct sockaddr *)&s, 24) == 0, "bind [::1]:0 with length 24: 0");
    check(name6_is(fd, 0, &in6addr_loopback, 0) && port6(fd) != 0,
          "getsockname: ::1 and a port");
    v = 1;
    check(err_of(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v))) == EINVAL,
          "IPV6_V6ONLY once bound: EINVAL");
    struct sockaddr_in6 small;
    socklen_t sl = 8;
    memset(&small, 0, sizeof(small));
    check(getsockname(fd, (struct sockaddr *)&small, &sl) == 0 && sl == 28 &&
              small.sin6_family == AF_INET6 && small.sin6_flowinfo == 0,
          "getsockname short buffer: cut, length 28");
    close(fd);
    int f4 = socket(AF_INET, SOCK_STREAM, 0);
    check(err_of(setsockopt(f4, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v))) == ENOPROTOOPT,
          "IPV6_V6ONLY on AF_INET: ENOPROTOOPT");
    close(f4);
}

/* TCP over `a` (an AF_INET6 listener), the client of family `cfam`
 * connecting to `to` in a child; `seen` is the peer the server sees. */
static void tcp_case(const char *what, const struct in6_addr *listen_at, int cfam,
                     const struct in6_addr *seen)
{
    char name[128];
    int l = bound6(SOCK_STREAM, listen_at, 0);
    uint16_t port = port6(l);
    check(l >= 0 && listen(l, 4) == 0 && port, (snprintf(name, sizeof(name), "%s: listen", what), name));
    static unsigned char buf[65536];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (unsigned char)(i * 7 + 3);
    pid_t pid = fork();
    if (pid == 0) {
        int c = socket(cfam, SOCK_STREAM, 0);
        int rc;
        if (cfam == AF_INET) {
            struct sockaddr_in s = {.sin_family = AF_INET, .sin_port = htons(port)};
            s.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            rc = connect(c, (struct sockaddr *)&s, sizeof(s));
        } else {
            struct sockaddr_in6 s = six(seen, port);
            rc = connect(c, (struct sockaddr *)&s, sizeof(s));
        }
        if (rc < 0)
            _exit(2);
        size_t done = 0;
        while (done < sizeof(buf)) {
            long n = write(c, buf + done, sizeof(buf) - done);
            if (n <= 0)
                _exit(3);
            done += (size_t)n;
        }
        shutdown(c, SHUT_WR);
        uint32_t back;
        _exit(read(c, &back, sizeof(back)) == sizeof(back) && back == sum(buf, sizeof(buf)) ? 0 : 4);
    }
    struct sockaddr_in6 pa;
    socklen_t plen = sizeof(pa);
    int s = accept(l, (struct sockaddr *)&pa, &plen);
    check(s >= 0 && plen == sizeof(pa) && pa.sin6_family == AF_INET6 &&
              memcmp(&pa.sin6_addr, seen, sizeof(*seen)) == 0,
          (snprintf(name, sizeof(name), "%s: accept's sockaddr_in6", what), name));
    check(name6_is(s, 0, seen, port), (snprintf(name, sizeof(name), "%s: accepted getsockname", what), name));
    check(name6_is(s, 1, seen, ntohs(pa.sin6_port)),
          (snprintf(name, sizeof(name), "%s: accepted getpeername", what), name));
    static unsigned char got[65536];
    size_t n = 0;
    long k;
    while ((k = read(s, got + n, sizeof(got) - n)) > 0)
        n += (size_t)k;
    check(n == sizeof(got) && memcmp(got, buf, n) == 0,
          (snprintf(name, sizeof(name), "%s: 64 KiB intact", what), name));
    uint32_t h = sum(got, n);
    write(s, &h, sizeof(h));
    int status;
    check(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
          (snprintf(name, sizeof(name), "%s: the client's checks", what), name));
    close(s);
    close(l);
}

static void dual(void)
{
    struct in6_addr m = mapped_loopback();
    /* an AF_INET6 client to ::ffff:127.0.0.1 of an AF_INET listener */
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in s4 = {.sin_family = AF_INET};
    s4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(l, (struct sockaddr *)&s4, sizeof(s4));
    listen(l, 2);
    socklen_t sl = sizeof(s4);
    getsockname(l, (struct sockaddr *)&s4, &sl);
    int c = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 to = six(&m, ntohs(s4.sin_port));
    check(connect(c, (struct sockaddr *)&to, sizeof(to)) == 0,
          "connect AF_INET6 to ::ffff:127.0.0.1: 0");
    check(name6_is(c, 1, &m, ntohs(s4.sin_port)), "its getpeername: ::ffff:127.0.0.1");
    check(name6_is(c, 0, &m, 0), "its getsockname: ::ffff:127.0.0.1");
    struct sockaddr_in pa;
    socklen_t pl = sizeof(pa);
    int s = accept(l, (struct sockaddr *)&pa, &pl);
    check(s >= 0 && pl == sizeof(pa) && pa.sin_family == AF_INET &&
              pa.sin_addr.s_addr == htonl(INADDR_LOOPBACK), "the AF_INET side sees 127.0.0.1");
    close(s);
    close(c);
    close(l);

    /* IPV6_V6ONLY: an [::] listener takes no IPv4 client */
    l = bound6(SOCK_STREAM, &in6addr_any, 1);
    listen(l, 2);
    int v = 0;
    socklen_t vl = sizeof(v);
    check(getsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &v, &vl) == 0 && v == 1, "IPV6_V6ONLY set: 1");
    c = socket(AF_INET, SOCK_STREAM, 0);
    s4.sin_port = htons(port6(l));
    check(err_of(connect(c, (struct sockaddr *)&s4, sizeof(s4))) == ECONNREFUSED,
          "v6only listener, IPv4 client: ECONNREFUSED");
    close(c);
    c = socket(AF_INET6, SOCK_STREAM, 0);
    to = six(&in6addr_loopback, port6(l));
    check(connect(c, (struct sockaddr *)&to, sizeof(to)) == 0, "v6only listener, ::1 client: 0");
    close(c);
    close(l);
    c = socket(AF_INET6, SOCK_STREAM, 0);
    v = 1;
    setsockopt(c, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v));
    struct sockaddr_in6 mb = six(&m, 0);
    check(err_of(bind(c, (struct sockaddr *)&mb, sizeof(mb))) == EINVAL,
          "v6only bind ::ffff:127.0.0.1: EINVAL");
    mb.sin6_port = htons(9);
    check(err_of(connect(c, (struct sockaddr *)&mb, sizeof(mb))) == ENETUNREACH,
          "v6only connect ::ffff:127.0.0.1: ENETUNREACH");
    close(c);
}

/* Port sharing between the families, as Linux: an IPv6-only [::] beside
 * an IPv4 socket on one port, a dual-stack [::] overlapping both. */
static void ports(void)
{
    int l4 = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a4 = {.sin_family = AF_INET};
    bind(l4, (struct sockaddr *)&a4, sizeof(a4));
    listen(l4, 2);
    socklen_t al = sizeof(a4);
    getsockname(l4, (struct sockaddr *)&a4, &al);
    uint16_t port = ntohs(a4.sin_port);
    int d = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 any = six(&in6addr_any, port);
    check(err_of(bind(d, (struct sockaddr *)&any, sizeof(any))) == EADDRINUSE,
          "tcp dual [::]:P beside 0.0.0.0:P: EADDRINUSE");
    close(d);
    int l6 = socket(AF_INET6, SOCK_STREAM, 0);
    int on = 1;
    setsockopt(l6, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
    check(bind(l6, (struct sockaddr *)&any, sizeof(any)) == 0 && listen(l6, 2) == 0,
          "tcp v6only [::]:P beside 0.0.0.0:P: 0");
    int c4 = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in to4 = {.sin_family = AF_INET, .sin_port = htons(port)};
    to4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int c6 = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 to6 = six(&in6addr_loopback, port);
    check(connect(c4, (struct sockaddr *)&to4, sizeof(to4)) == 0 &&
              connect(c6, (struct sockaddr *)&to6, sizeof(to6)) == 0,
          "tcp connect 127.0.0.1:P and [::1]:P");
    struct sockaddr_in p4;
    socklen_t p4l = sizeof(p4);
    struct sockaddr_in6 p6;
    socklen_t p6l = sizeof(p6);
    int s4 = accept(l4, (struct sockaddr *)&p4, &p4l);
    int s6 = accept(l6, (struct sockaddr *)&p6, &p6l);
    check(s4 >= 0 && p4l == sizeof(p4) && s6 >= 0 && p6l == sizeof(p6) &&
              memcmp(&p6.sin6_addr, &in6addr_loopback, 16) == 0,
          "each family's client on its own listener");
    close(s4);
    close(s6);
    close(c4);
    close(c6);
    close(l6);
    close(l4);

    /* a dual [::]:P and an IPv6 socket on P overlap, whichever is first */
    d = bound6(SOCK_STREAM, &in6addr_any, 0);
    port = port6(d);
    int x = socket(AF_INET6, SOCK_STREAM, 0);
    setsockopt(x, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
    any = six(&in6addr_any, port);
    check(err_of(bind(x, (struct sockaddr *)&any, sizeof(any))) == EADDRINUSE,
          "tcp v6only [::]:P beside a dual [::]:P: EADDRINUSE");
    close(x);
    x = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 lo = six(&in6addr_loopback, port);
    check(err_of(bind(x, (struct sockaddr *)&lo, sizeof(lo))) == EADDRINUSE,
          "tcp [::1]:P beside a dual [::]:P: EADDRINUSE");
    close(x);
    close(d);
    x = bound6(SOCK_STREAM, &in6addr_loopback, 0);
    port = port6(x);
    d = socket(AF_INET6, SOCK_STREAM, 0);
    any = six(&in6addr_any, port);
    check(err_of(bind(d, (struct sockaddr *)&any, sizeof(any))) == EADDRINUSE,
          "tcp dual [::]:P beside [::1]:P: EADDRINUSE");
    close(d);
    close(x);

    /* UDP the same way */
    int u4 = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in b4 = {.sin_family = AF_INET};
    bind(u4, (struct sockaddr *)&b4, sizeof(b4));
    al = sizeof(b4);
    getsockname(u4, (struct sockaddr *)&b4, &al);
    port = ntohs(b4.sin_port);
    any = six(&in6addr_any, port);
    d = socket(AF_INET6, SOCK_DGRAM, 0);
    check(err_of(bind(d, (struct sockaddr *)&any, sizeof(any))) == EADDRINUSE,
          "udp dual [::]:P beside 0.0.0.0:P: EADDRINUSE");
    close(d);
    d = socket(AF_INET6, SOCK_DGRAM, 0);
    setsockopt(d, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
    check(bind(d, (struct sockaddr *)&any, sizeof(any)) == 0,
          "udp v6only [::]:P beside 0.0.0.0:P: 0");
    close(d);
    close(u4);
}

static void udp(void)
{
    struct in6_addr m = mapped_loopback();
    int a = bound6(SOCK_DGRAM, &in6addr_loopback, 0);
    int b = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 to = six(&in6addr_loopback, port6(a));
    check(a >= 0 && sendto(b, "ping6", 5, 0, (struct sockaddr *)&to, sizeof(to)) == 5,
          "udp sendto [::1]: 5");
    char buf[64];
    struct sockaddr_in6 from;
    socklen_t fl = sizeof(from);
    check(recvfrom(a, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl) == 5 &&
              fl == sizeof(from) && from.sin6_family == AF_INET6 &&
              memcmp(&from.sin6_addr, &in6addr_loopback, 16) == 0 &&
              ntohs(from.sin6_port) == port6(b), "udp recvfrom: [::1] and the sender's port");
    check(sendto(a, "pong6", 5, 0, (struct sockaddr *)&from, fl) == 5 &&
              recv(b, buf, sizeof(buf), 0) == 5, "udp reply to recvfrom's address");
    check(connect(b, (struct sockaddr *)&to, sizeof(to)) == 0 &&
              name6_is(b, 1, &in6addr_loopback, port6(a)) &&
              name6_is(b, 0, &in6addr_loopback, 0), "udp connect: both names ::1");
    close(a);
    close(b);

    /* dual: an [::] socket hears an AF_INET sender as ::ffff:127.0.0.1 */
    a = bound6(SOCK_DGRAM, &in6addr_any, 0);
    int c4 = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in s4 = {.sin_family = AF_INET, .sin_port = htons(port6(a))};
    s4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    check(sendto(c4, "v4", 2, 0, (struct sockaddr *)&s4, sizeof(s4)) == 2, "udp AF_INET to [::]'s port: 2");
    fl = sizeof(from);
    check(recvfrom(a, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl) == 2 &&
              fl == sizeof(from) && memcmp(&from.sin6_addr, &m, 16) == 0,
          "udp [::] hears ::ffff:127.0.0.1");
    check(sendto(a, "back", 4, 0, (struct sockaddr *)&from, fl) == 4, "udp reply to a mapped address");
    struct sockaddr_in f4;
    socklen_t f4l = sizeof(f4);
    check(recvfrom(c4, buf, sizeof(buf), 0, (struct sockaddr *)&f4, &f4l) == 4 &&
              f4l == sizeof(f4) && f4.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
          "udp AF_INET side hears 127.0.0.1");
    close(a);
    close(c4);
    a = socket(AF_INET6, SOCK_DGRAM, 0);
    check(err_of(sendto(a, "x", 1, 0, (struct sockaddr *)&to, 10)) == EINVAL,
          "udp sendto length 10: EINVAL");
    struct in6_addr ll;
    inet_pton(AF_INET6, "fe80::1", &ll);
    struct sockaddr_in6 lls = six(&ll, 9);
    check(err_of(connect(a, (struct sockaddr *)&lls, sizeof(lls))) == EINVAL,
          "udp connect link-local without a scope: EINVAL");
    close(a);

    /* a sockaddr_in to an AF_INET6 datagram socket: IPv4, as Linux */
    int r4 = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in b4 = {.sin_family = AF_INET};
    b4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(r4, (struct sockaddr *)&b4, sizeof(b4));
    socklen_t b4l = sizeof(b4);
    getsockname(r4, (struct sockaddr *)&b4, &b4l);
    a = socket(AF_INET6, SOCK_DGRAM, 0);
    check(sendto(a, "via4", 4, 0, (struct sockaddr *)&b4, sizeof(b4)) == 4 &&
              recv(r4, buf, sizeof(buf), 0) == 4, "udp6 sendto a sockaddr_in: sent over IPv4");
    check(err_of(sendto(a, "x", 1, 0, (struct sockaddr *)&b4, 8)) == EINVAL,
          "udp6 sendto a sockaddr_in of 8 bytes: EINVAL");
    check(connect(a, (struct sockaddr *)&b4, sizeof(b4)) == 0 &&
              name6_is(a, 1, &m, ntohs(b4.sin_port)),
          "udp6 connect a sockaddr_in: peer ::ffff:127.0.0.1");
    close(a);
    a = socket(AF_INET6, SOCK_DGRAM, 0);
    int on = 1;
    setsockopt(a, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
    check(err_of(sendto(a, "x", 1, 0, (struct sockaddr *)&b4, sizeof(b4))) == ENETUNREACH,
          "v6only udp sendto a sockaddr_in: ENETUNREACH");
    check(err_of(connect(a, (struct sockaddr *)&b4, sizeof(b4))) == EAFNOSUPPORT,
          "v6only udp connect a sockaddr_in: EAFNOSUPPORT");
    close(a);
    close(r4);
}

static void resolve(void)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res, *r;
    int rc = getaddrinfo("localhost", "80", &hints, &res);
    int v4 = 0;
    for (r = rc == 0 ? res : NULL; r; r = r->ai_next)
        if (r->ai_family == AF_INET &&
            ((struct sockaddr_in *)r->ai_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK))
            v4 = 1;
    check(rc == 0 && v4, "getaddrinfo localhost AF_UNSPEC: 127.0.0.1 among them");
    if (rc == 0)
        freeaddrinfo(res);
    hints.ai_family = AF_INET6;
    hints.ai_flags = AI_NUMERICHOST;
    rc = getaddrinfo("::1", "8080", &hints, &res);
    check(rc == 0 && res->ai_family == AF_INET6 && res->ai_addrlen == sizeof(struct sockaddr_in6) &&
              memcmp(&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr, &in6addr_loopback, 16) == 0,
          "getaddrinfo ::1 AF_INET6: sockaddr_in6");
    if (rc == 0)
        freeaddrinfo(res);
    hints.ai_family = AF_UNSPEC;
    hints.ai_flags = AI_NUMERICHOST;
    rc = getaddrinfo("127.0.0.1", NULL, &hints, &res);
    check(rc == 0 && res->ai_family == AF_INET, "getaddrinfo 127.0.0.1 AF_UNSPEC: AF_INET");
    if (rc == 0)
        freeaddrinfo(res);
}

/* ---- leak (guest) ---- */

static int leak_round(int n)
{
    int ok = 0;
    for (int i = 0; i < n; i++) {
        int l = bound6(SOCK_STREAM, &in6addr_any, 0);
        int c = socket(AF_INET6, SOCK_STREAM, 0);
        int c4 = socket(AF_INET, SOCK_STREAM, 0);
        int u = bound6(SOCK_DGRAM, &in6addr_loopback, 0);
        struct sockaddr_in6 to = six(&in6addr_loopback, port6(l));
        struct sockaddr_in s4 = {.sin_family = AF_INET, .sin_port = htons(port6(l))};
        s4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        struct sockaddr_in6 ut = six(&in6addr_loopback, port6(u));
        char b[4];
        if (l >= 0 && listen(l, 4) == 0 &&
            connect(c, (struct sockaddr *)&to, sizeof(to)) == 0 &&
            connect(c4, (struct sockaddr *)&s4, sizeof(s4)) == 0 &&
            sendto(u, "x", 1, 0, (struct sockaddr *)&ut, sizeof(ut)) == 1 &&
            recv(u, b, sizeof(b), 0) == 1) {
            int s1 = accept(l, NULL, NULL), s2 = accept(l, NULL, NULL);
            if (s1 >= 0 && s2 >= 0 && write(c, "ab", 2) == 2 && read(s1, b, 2) == 2)
                ok++;
            /* resets: no TIME-WAIT left to hold memory after the round */
            struct linger lg = {1, 0};
            setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
            setsockopt(c4, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
            close(c);
            close(c4);
            c = c4 = -1;
            close(s1);
            close(s2);
        }
        close(c);
        close(c4);
        close(l);
        close(u);
    }
    return ok;
}

static int check_leak(void)
{
    stack_touch();
    leak_round(50);
    long before = free_frames();
    int ok = leak_round(500);
    long after = free_frames();
    leak_round(0);
    printf("# free frames before %ld after %ld\n", before, after);
    check(ok == 500, "leak 500 rounds of IPv6 and dual-stack sockets");
    check(before > 0 && after == before, "leak no frame lost");
    printf("abi_inet6 leak: %d failed\n", failures);
    return failures != 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "leak"))
        return check_leak();
    basics();
    tcp_case("tcp ::1", &in6addr_loopback, AF_INET6, &in6addr_loopback);
    struct in6_addr m = mapped_loopback();
    tcp_case("tcp [::] with an IPv4 client", &in6addr_any, AF_INET, &m);
    tcp_case("tcp [::] with a ::1 client", &in6addr_any, AF_INET6, &in6addr_loopback);
    dual();
    ports();
    udp();
    resolve();
    return failures != 0;
}
