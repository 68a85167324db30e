/*
 * abi_unixname - named AF_UNIX sockets, checked against Linux: bind,
 * listen, connect and accept on tmpfs paths (socket nodes, EADDRINUSE,
 * unlink, ECONNREFUSED, ENOENT, EPROTOTYPE) and in the abstract
 * namespace (freed on close, autobind), getsockname/getpeername and
 * their lengths, datagrams with sendto/recvfrom addresses, connected
 * datagram ends (EPERM, ECONNREFUSED once the peer closed), seqpacket,
 * SO_PEERCRED, poll, and hostile addresses (bad lengths, families, an
 * unterminated sun_path).  Names printed are none: the output is the
 * same on both kernels.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "apps/include/check.h"
#include "apps/include/memprobe.h"

#define OFF offsetof(struct sockaddr_un, sun_path)

/* A path address of `path` and its length as programs pass it. */
static socklen_t path_addr(struct sockaddr_un *a, const char *path)
{
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    strcpy(a->sun_path, path);
    return (socklen_t)(OFF + strlen(path) + 1);
}

/* An abstract address of `name` (without the leading NUL). */
static socklen_t abs_addr(struct sockaddr_un *a, const char *name)
{
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    memcpy(a->sun_path + 1, name, strlen(name));
    return (socklen_t)(OFF + 1 + strlen(name));
}

static int sock_bound(int type, const struct sockaddr_un *a, socklen_t len)
{
    int fd = socket(AF_UNIX, type, 0);
    if (fd < 0 || bind(fd, (const struct sockaddr *)a, len) < 0)
        return -1;
    return fd;
}

static int err_of(int rc)
{
    return rc < 0 ? errno : 0;
}

/* getsockname (peer 0) or getpeername equals `want` of `wlen` bytes. */
static int name_is(int fd, int peer, const struct sockaddr_un *want,
                   socklen_t wlen)
{
    struct sockaddr_un a;
    socklen_t len = sizeof(a);
    memset(&a, 0x55, sizeof(a));
    int rc = peer ? getpeername(fd, (struct sockaddr *)&a, &len)
                  : getsockname(fd, (struct sockaddr *)&a, &len);
    return rc == 0 && len == wlen && memcmp(&a, want, wlen) == 0;
}

static void paths(void)
{
    struct sockaddr_un a, b;
    socklen_t la = path_addr(&a, "s1");
    int l = sock_bound(SOCK_STREAM, &a, la);
    check(l >= 0, "bind path: 0");
    struct stat st;
    check(stat("s1", &st) == 0 && S_ISSOCK(st.st_mode), "bind path: S_IFSOCK node");
    check(name_is(l, 0, &a, la), "getsockname path: name and length");
    check(sock_bound(SOCK_STREAM, &a, la) < 0 && errno == EADDRINUSE,
          "bind existing path: EADDRINUSE");
    socklen_t lb = path_addr(&b, "s2");
    check(bind(l, (struct sockaddr *)&b, lb) < 0 && errno == EINVAL,
          "bind bound socket: EINVAL");
    check(stat("s2", &st) < 0 && errno == ENOENT, "bind bound socket: no node left");
    check(open("s1", O_RDONLY) < 0 && errno == ENXIO, "open socket node: ENXIO");

    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    check(err_of(connect(c, (struct sockaddr *)&a, la)) == ECONNREFUSED,
          "connect before listen: ECONNREFUSED");
    path_addr(&b, "nosuch");
    check(err_of(connect(c, (struct sockaddr *)&b, la + 4)) == ENOENT,
          "connect missing path: ENOENT");
    close(open("plain", O_CREAT | O_WRONLY, 0644));
    socklen_t lp = path_addr(&b, "plain");
    check(err_of(connect(c, (struct sockaddr *)&b, lp)) == ECONNREFUSED,
          "connect regular file: ECONNREFUSED");
    struct pollfd pc = {c, POLLIN | POLLOUT, 0};
    check(poll(&pc, 1, 0) == 1 && pc.revents == (POLLOUT | POLLHUP),
          "poll unconnected stream: POLLOUT|POLLHUP");
    char buf[64];
    check(err_of(recv(c, buf, sizeof(buf), MSG_DONTWAIT)) == EINVAL,
          "recv unconnected stream: EINVAL");
    check(err_of(send(c, "x", 1, 0)) == ENOTCONN, "send unconnected stream: ENOTCONN");
    check(err_of(sendto(c, "x", 1, 0, (struct sockaddr *)&a, la)) == EOPNOTSUPP,
          "sendto unconnected stream: EOPNOTSUPP");

    check(listen(l, 4) == 0, "listen path: 0");
    struct pollfd pl = {l, POLLIN | POLLOUT, 0};
    check(poll(&pl, 1, 0) == 0, "poll idle listener: nothing");
    check(err_of(recv(l, buf, sizeof(buf), MSG_DONTWAIT)) == EINVAL,
          "recv listener: EINVAL");
    check(connect(c, (struct sockaddr *)&a, la) == 0, "connect path: 0");
    check(err_of(connect(c, (struct sockaddr *)&a, la)) == EISCONN,
          "connect again: EISCONN");
    check(poll(&pl, 1, 0) == 1 && pl.revents == POLLIN, "poll listener: POLLIN");
    check(write(c, "hello", 5) == 5, "write before accept: 5");
    struct sockaddr_un pa;
    socklen_t plen = sizeof(pa);
    memset(&pa, 0x55, sizeof(pa));
    int s = accept(l, (struct sockaddr *)&pa, &plen);
    check(s >= 0 && plen == OFF && pa.sun_family == AF_UNIX,
          "accept unbound client: family alone");
    check(name_is(s, 0, &a, la), "accepted getsockname: the listener's path");
    check(name_is(c, 1, &a, la), "client getpeername: the listener's path");
    struct sockaddr_un fam = {.sun_family = AF_UNIX};
    check(name_is(c, 0, &fam, OFF), "client getsockname: family alone");
    check(name_is(s, 1, &fam, OFF), "accepted getpeername: family alone");
    check(read(s, buf, sizeof(buf)) == 5 && memcmp(buf, "hello", 5) == 0,
          "read what came before accept");
    check(write(s, "back", 4) == 4, "write accepted: 4");
    struct sockaddr_un from;
    socklen_t flen = sizeof(from);
    check(recvfrom(c, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen) == 4 &&
              flen == la && memcmp(&from, &a, la) == 0,
          "stream recvfrom: the sender's name (the listener's)");
    struct ucred cr;
    socklen_t crl = sizeof(cr);
    check(getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &crl) == 0 &&
              crl == sizeof(cr) && cr.pid == getpid() && cr.uid == getuid(),
          "SO_PEERCRED accepted: the connecting process");
    int lone = socket(AF_UNIX, SOCK_STREAM, 0);
    crl = sizeof(cr);
    check(getsockopt(lone, SOL_SOCKET, SO_PEERCRED, &cr, &crl) == 0 &&
              cr.pid == 0 && cr.uid == (uid_t)-1 && cr.gid == (gid_t)-1,
          "SO_PEERCRED unconnected: 0, -1, -1");
    close(lone);

    /* a child connects; its credentials and the listener's */
    pid_t pid = fork();
    if (pid == 0) {
        int k = socket(AF_UNIX, SOCK_STREAM, 0);
        struct ucred pc2;
        socklen_t pl2 = sizeof(pc2);
        int ok = connect(k, (struct sockaddr *)&a, la) == 0 &&
                 getsockopt(k, SOL_SOCKET, SO_PEERCRED, &pc2, &pl2) == 0 &&
                 pc2.pid == getppid() && write(k, "kid", 3) == 3;
        _exit(ok ? 0 : 1);
    }
    int s2 = accept(l, NULL, NULL);
    crl = sizeof(cr);
    check(s2 >= 0 && getsockopt(s2, SOL_SOCKET, SO_PEERCRED, &cr, &crl) == 0 &&
              cr.pid == pid, "SO_PEERCRED: the child's pid");
    check(read(s2, buf, sizeof(buf)) == 3, "read from child: 3");
    int status;
    check(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
              WEXITSTATUS(status) == 0, "child saw the listener's pid");
    check(read(s2, buf, sizeof(buf)) == 0, "child gone: end of stream");
    close(s2);

    check(unlink("s1") == 0, "unlink socket node: 0");
    int c2 = socket(AF_UNIX, SOCK_STREAM, 0);
    check(err_of(connect(c2, (struct sockaddr *)&a, la)) == ENOENT,
          "connect unlinked path: ENOENT");
    check(name_is(l, 0, &a, la), "getsockname after unlink: still the path");
    check(write(c, "still", 5) == 5 && read(s, buf, sizeof(buf)) == 5,
          "connection outlives unlink");
    close(s);
    close(c);
    close(l);
    close(c2);

    /* a closed listener's node is refused, then taken again after unlink */
    la = path_addr(&a, "s3");
    l = sock_bound(SOCK_STREAM, &a, la);
    listen(l, 1);
    close(l);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    check(err_of(connect(c, (struct sockaddr *)&a, la)) == ECONNREFUSED,
          "connect closed listener's path: ECONNREFUSED");
    check(sock_bound(SOCK_STREAM, &a, la) < 0 && errno == EADDRINUSE,
          "bind over a stale node: EADDRINUSE");
    unlink("s3");
    l = sock_bound(SOCK_DGRAM, &a, la);
    check(l >= 0, "bind after unlink: 0");
    check(err_of(connect(c, (struct sockaddr *)&a, la)) == EPROTOTYPE,
          "stream connect to a datagram name: EPROTOTYPE");
    check(err_of(listen(l, 1)) == EOPNOTSUPP, "listen datagram: EOPNOTSUPP");
    check(err_of(accept(l, NULL, NULL)) == EOPNOTSUPP, "accept datagram: EOPNOTSUPP");
    close(l);
    close(c);
    unlink("s3");
    unlink("plain");

    /* a full backlog: nonblocking connect is EAGAIN */
    la = path_addr(&a, "s4");
    l = sock_bound(SOCK_STREAM, &a, la);
    listen(l, 0);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    check(connect(c, (struct sockaddr *)&a, la) == 0, "backlog 0: one connect queues");
    c2 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    check(err_of(connect(c2, (struct sockaddr *)&a, la)) == EAGAIN,
          "backlog full, nonblocking: EAGAIN");
    int cs = socket(AF_UNIX, SOCK_STREAM, 0);
    check(err_of(accept(cs, NULL, NULL)) == EINVAL, "accept not listening: EINVAL");
    check(err_of(listen(cs, 1)) == EINVAL, "listen unbound: EINVAL");
    close(cs);
    close(l); /* the queued connection is dropped */
    struct pollfd pr = {c, POLLIN, 0};
    check(poll(&pr, 1, 0) == 1 && (pr.revents & (POLLERR | POLLHUP | POLLIN)) ==
              (POLLERR | POLLHUP | POLLIN), "listener closed: POLLERR|POLLHUP|POLLIN");
    check(err_of(recv(c, buf, sizeof(buf), MSG_DONTWAIT)) == ECONNRESET,
          "listener closed: the queued client reads ECONNRESET");
    check(recv(c, buf, sizeof(buf), MSG_DONTWAIT) == 0, "then end of stream");
    close(c);
    close(c2);
    unlink("s4");
}

static void abstract(void)
{
    char name[64];
    snprintf(name, sizeof(name), "abi_unixname.%d", (int)getpid());
    struct sockaddr_un a;
    socklen_t la = abs_addr(&a, name);
    int l = sock_bound(SOCK_STREAM, &a, la);
    check(l >= 0, "bind abstract: 0");
    check(name_is(l, 0, &a, la), "getsockname abstract: name and exact length");
    check(sock_bound(SOCK_STREAM, &a, la) < 0 && errno == EADDRINUSE,
          "bind abstract in use: EADDRINUSE");
    struct sockaddr_un shorter;
    socklen_t ls = abs_addr(&shorter, name);
    int other = sock_bound(SOCK_STREAM, &shorter, ls - 1);
    check(other >= 0, "bind abstract prefix: another name");
    close(other);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    check(err_of(connect(c, (struct sockaddr *)&a, la)) == ECONNREFUSED,
          "connect abstract not listening: ECONNREFUSED");
    listen(l, 2);
    check(connect(c, (struct sockaddr *)&a, la) == 0, "connect abstract: 0");
    int s = accept(l, NULL, NULL);
    check(s >= 0 && name_is(c, 1, &a, la), "getpeername abstract");
    check(write(c, "ab", 2) == 2 && read(s, name, 2) == 2, "abstract data");
    close(s);
    close(c);
    close(l);
    snprintf(name, sizeof(name), "abi_unixname.%d", (int)getpid());
    l = sock_bound(SOCK_STREAM, &a, la);
    check(l >= 0, "abstract name freed on close: bind again");
    close(l);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    check(err_of(connect(c, (struct sockaddr *)&a, la)) == ECONNREFUSED,
          "connect abstract nobody: ECONNREFUSED");
    close(c);

    /* autobind: the family alone */
    int d = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un fam = {.sun_family = AF_UNIX};
    check(bind(d, (struct sockaddr *)&fam, OFF) == 0, "autobind: 0");
    struct sockaddr_un got;
    socklen_t gl = sizeof(got);
    check(getsockname(d, (struct sockaddr *)&got, &gl) == 0 && gl == OFF + 6 &&
              got.sun_path[0] == 0, "autobind: an abstract name of 5 digits");
    check(bind(d, (struct sockaddr *)&fam, OFF) == 0, "autobind when bound: 0");
    int e = socket(AF_UNIX, SOCK_DGRAM, 0);
    check(sendto(e, "q", 1, 0, (struct sockaddr *)&got, gl) == 1 &&
              recv(d, name, sizeof(name), 0) == 1, "send to an autobound name");
    close(e);
    close(d);
}

static void datagrams(void)
{
    struct sockaddr_un a, b, c3, from;
    socklen_t la = path_addr(&a, "d1"), lb = path_addr(&b, "d2");
    socklen_t lc = path_addr(&c3, "d3");
    int srv = sock_bound(SOCK_DGRAM, &a, la);
    int u = socket(AF_UNIX, SOCK_DGRAM, 0);
    char buf[64];
    check(srv >= 0 && sendto(u, "one", 3, 0, (struct sockaddr *)&a, la) == 3,
          "sendto path from unbound: 3");
    socklen_t fl = sizeof(from);
    memset(&from, 0x55, sizeof(from));
    check(recvfrom(srv, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl) == 3 &&
              fl == 0, "recvfrom unbound sender: length 0");
    check(err_of(send(u, "x", 1, 0)) == ENOTCONN, "send unconnected datagram: ENOTCONN");
    check(err_of(sendto(u, "x", 1, 0, (struct sockaddr *)&a, OFF)) == EINVAL,
          "sendto family alone: EINVAL");
    struct sockaddr_un miss;
    socklen_t lm = path_addr(&miss, "nosuch");
    check(err_of(sendto(u, "x", 1, 0, (struct sockaddr *)&miss, lm)) == ENOENT,
          "sendto missing path: ENOENT");
    close(u);

    int cl = sock_bound(SOCK_DGRAM, &b, lb);
    check(sendto(cl, "two", 3, 0, (struct sockaddr *)&a, la) == 3, "sendto from bound: 3");
    fl = sizeof(from);
    check(recvfrom(srv, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl) == 3 &&
              fl == lb && memcmp(&from, &b, lb) == 0, "recvfrom: the sender's path");
    check(sendto(srv, "back", 4, 0, (struct sockaddr *)&from, fl) == 4 &&
              recv(cl, buf, sizeof(buf), 0) == 4, "reply to recvfrom's address");
    struct msghdr mh = {0};
    struct iovec iov = {buf, sizeof(buf)};
    mh.msg_name = &from;
    mh.msg_namelen = 3; /* too small: cut, full length reported */
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    sendto(cl, "cut", 3, 0, (struct sockaddr *)&a, la);
    memset(&from, 0, sizeof(from));
    check(recvmsg(srv, &mh, 0) == 3 && mh.msg_namelen == lb &&
              from.sun_path[0] == 'd' && from.sun_path[1] == 0,
          "recvmsg short name buffer: cut, full length");

    check(connect(cl, (struct sockaddr *)&a, la) == 0, "connect datagram: 0");
    check(name_is(cl, 1, &a, la), "getpeername connected datagram");
    check(send(cl, "three", 5, 0) == 5 && recv(srv, buf, sizeof(buf), 0) == 5,
          "send on connected datagram");
    int third = sock_bound(SOCK_DGRAM, &c3, lc);
    check(err_of(sendto(third, "x", 1, 0, (struct sockaddr *)&b, lb)) == EPERM,
          "sendto an end connected elsewhere: EPERM");
    check(sendto(srv, "ok", 2, 0, (struct sockaddr *)&b, lb) == 2,
          "sendto from its peer: allowed");
    struct pollfd p = {cl, POLLIN | POLLOUT, 0};
    check(poll(&p, 1, 0) == 1 && p.revents == (POLLIN | POLLOUT),
          "poll connected datagram: POLLIN|POLLOUT");
    recv(cl, buf, sizeof(buf), 0);
    int st = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa;
    socklen_t lsa = path_addr(&sa, "st");
    bind(st, (struct sockaddr *)&sa, lsa);
    check(err_of(sendto(third, "x", 1, 0, (struct sockaddr *)&sa, lsa)) == EPROTOTYPE,
          "sendto a stream name: EPROTOTYPE");
    close(st);
    unlink("st");
    close(srv);
    check(err_of(send(cl, "x", 1, 0)) == ECONNREFUSED, "peer closed: ECONNREFUSED");
    check(err_of(send(cl, "x", 1, 0)) == ENOTCONN, "then: ENOTCONN");
    struct sockaddr_un uns = {.sun_family = AF_UNSPEC};
    check(connect(third, (struct sockaddr *)&b, lb) == 0 &&
              connect(third, (struct sockaddr *)&uns, sizeof(uns)) == 0,
          "connect AF_UNSPEC: 0");
    check(err_of(getpeername(third, (struct sockaddr *)&from, &fl)) == ENOTCONN,
          "disconnected: getpeername ENOTCONN");
    close(third);
    close(cl);
    unlink("d1");
    unlink("d2");
    unlink("d3");
}

/* A socketpair end closed with data unread: the survivor reads what it
 * has, then ECONNRESET once, then end of stream (Linux's sk_err). */
static void resets(void)
{
    int sv[2];
    char buf[16];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    write(sv[0], "unread", 6);
    write(sv[1], "mine", 4);
    close(sv[1]);
    check(read(sv[0], buf, sizeof(buf)) == 4, "closed with unread data: ours read first");
    check(err_of(read(sv[0], buf, sizeof(buf))) == ECONNRESET, "then ECONNRESET");
    check(read(sv[0], buf, sizeof(buf)) == 0, "then end of stream");
    int e = -1;
    socklen_t el = sizeof(e);
    check(getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &e, &el) == 0 && e == 0,
          "SO_ERROR cleared by the read");
    close(sv[0]);
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    close(sv[1]);
    check(read(sv[0], buf, sizeof(buf)) == 0, "closed with nothing unread: end of stream");
    close(sv[0]);
}

static void seqpacket(void)
{
    struct sockaddr_un a;
    socklen_t la = path_addr(&a, "q1");
    int l = sock_bound(SOCK_SEQPACKET, &a, la);
    check(l >= 0 && listen(l, 2) == 0, "seqpacket listen: 0");
    int c = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    char buf[16];
    check(err_of(recv(c, buf, sizeof(buf), MSG_DONTWAIT)) == ENOTCONN,
          "seqpacket recv unconnected: ENOTCONN");
    check(connect(c, (struct sockaddr *)&a, la) == 0, "seqpacket connect: 0");
    int s = accept(l, NULL, NULL);
    check(s >= 0 && send(c, "abc", 3, 0) == 3 && send(c, "defg", 4, 0) == 4,
          "seqpacket send two records");
    check(recv(s, buf, sizeof(buf), 0) == 3 && recv(s, buf, 2, 0) == 2 &&
              recv(s, buf, sizeof(buf), MSG_DONTWAIT) < 0 && errno == EAGAIN,
          "seqpacket records kept, the rest of a cut one dropped");
    close(s);
    close(c);
    close(l);
    unlink("q1");
}

static void hostile(void)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a;
    path_addr(&a, "h1");
    check(err_of(bind(fd, (struct sockaddr *)&a, 0)) == EINVAL, "bind length 0: EINVAL");
    check(err_of(bind(fd, (struct sockaddr *)&a, 1)) == EINVAL, "bind length 1: EINVAL");
    check(err_of(bind(fd, (struct sockaddr *)&a, sizeof(a) + 1)) == EINVAL,
          "bind length 111: EINVAL");
    char big[256] = {0};
    check(err_of(bind(fd, (struct sockaddr *)big, sizeof(big))) == EINVAL,
          "bind length 256: EINVAL");
    check(err_of(connect(fd, (struct sockaddr *)&a, (socklen_t)-1)) == EINVAL,
          "connect length -1: EINVAL");
    check(err_of(connect(fd, (struct sockaddr *)&a, OFF)) == EINVAL,
          "connect family alone: EINVAL");
    a.sun_family = AF_INET;
    check(err_of(bind(fd, (struct sockaddr *)&a, OFF + 3)) == EINVAL,
          "bind AF_INET address: EINVAL");
    check(err_of(connect(fd, (struct sockaddr *)&a, OFF + 3)) == EINVAL,
          "connect AF_INET address: EINVAL");
    check(err_of(bind(fd, (struct sockaddr *)8, OFF + 3)) == EFAULT,
          "bind bad pointer: EFAULT");
    path_addr(&a, "nodir/h1");
    check(err_of(bind(fd, (struct sockaddr *)&a, OFF + 9)) == ENOENT,
          "bind in a missing directory: ENOENT");
    socklen_t bad = (socklen_t)-1;
    check(err_of(getsockname(fd, (struct sockaddr *)&a, &bad)) == EINVAL,
          "getsockname negative length: EINVAL");
    /* sun_path filled without a NUL: Linux ends it at the address's end */
    memset(&a, 0, sizeof(a));
    a.sun_family = AF_UNIX;
    memset(a.sun_path, 'p', sizeof(a.sun_path));
    check(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0,
          "bind unterminated 108-byte path: 0");
    char name[sizeof(a.sun_path) + 1];
    memset(name, 'p', sizeof(a.sun_path));
    name[sizeof(a.sun_path)] = 0;
    struct stat st;
    check(stat(name, &st) == 0 && S_ISSOCK(st.st_mode), "its node is the 108 bytes");
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    check(getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 && sl == sizeof(a) + 1,
          "getsockname unterminated: length 111");
    sl = 5;
    memset(&ss, 0, sizeof(ss));
    check(getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 && sl == sizeof(a) + 1 &&
              ((char *)&ss)[2] == 'p' && ((char *)&ss)[5] == 0,
          "getsockname short buffer: cut, full length");
    close(fd);
    unlink(name);
    /* an abstract name with bytes after a NUL is all of it */
    int d1 = socket(AF_UNIX, SOCK_DGRAM, 0), d2 = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un x = {.sun_family = AF_UNIX};
    memcpy(x.sun_path, "\0z\0y", 4);
    char nm[32];
    snprintf(nm, sizeof(nm), "%d", (int)getpid() % 100000);
    memcpy(x.sun_path + 4, nm, strlen(nm));
    socklen_t xl = (socklen_t)(OFF + 4 + strlen(nm));
    check(bind(d1, (struct sockaddr *)&x, xl) == 0 &&
              bind(d2, (struct sockaddr *)&x, xl - 1) == 0,
          "abstract names differ by length");
    check(name_is(d1, 0, &x, xl), "abstract name with NULs: exact bytes");
    close(d1);
    close(d2);
}

/* ---- leak (guest) ---- */

/* Named sockets made, connected, used and closed `n` times: how many
 * rounds behaved. */
static int leak_round(int n)
{
    int ok = 0;
    for (int i = 0; i < n; i++) {
        struct sockaddr_un a, d, x;
        socklen_t la = path_addr(&a, "lk"), ld = path_addr(&d, "ld");
        socklen_t lx = abs_addr(&x, "abi_unixname.leak");
        int l = sock_bound(SOCK_STREAM, &a, la);
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        int q = socket(AF_UNIX, SOCK_STREAM, 0); /* left queued */
        int ab = sock_bound(SOCK_SEQPACKET, &x, lx);
        int ds = sock_bound(SOCK_DGRAM, &d, ld);
        int dc = socket(AF_UNIX, SOCK_DGRAM, 0);
        char buf[8];
        int good = l >= 0 && ab >= 0 && ds >= 0 && listen(l, 4) == 0 &&
                   connect(c, (struct sockaddr *)&a, la) == 0 &&
                   connect(q, (struct sockaddr *)&a, la) == 0 &&
                   write(q, "lost", 4) == 4 &&
                   connect(dc, (struct sockaddr *)&d, ld) == 0 &&
                   send(dc, "dg", 2, 0) == 2 &&
                   sendto(dc, "unread", 6, 0, (struct sockaddr *)&d, ld) == 6;
        int s = good ? accept(l, NULL, NULL) : -1;
        if (s >= 0 && write(c, "abc", 3) == 3 && read(s, buf, sizeof(buf)) == 3 &&
            recv(ds, buf, sizeof(buf), 0) == 2)
            ok++;
        close(s);
        close(c);
        close(q);
        close(l);
        close(ab);
        close(ds); /* before dc: dc holds it */
        close(dc);
        unlink("lk");
        unlink("ld");
    }
    return ok;
}

static int check_leak(void)
{
    stack_touch();
    leak_round(50); /* the kernel's caches warmed */
    long before = free_frames();
    int ok = leak_round(2000);
    long after = free_frames();
    printf("# free frames before %ld after %ld\n", before, after);
    check(ok == 2000, "leak 2000 rounds of named sockets made, used and closed");
    check(before > 0 && after == before, "leak no frame lost");
    printf("abi_unixname leak: %d failed\n", failures);
    return failures != 0;
}

int main(int argc, char **argv)
{
    char dir[] = "/tmp/abi_unixname.XXXXXX";
    if (!mkdtemp(dir) || chdir(dir) < 0) {
        check(0, "a scratch directory");
        return 1;
    }
    if (argc > 1 && !strcmp(argv[1], "leak")) {
        int rc = check_leak();
        chdir("/");
        rmdir(dir);
        return rc;
    }
    paths();
    abstract();
    datagrams();
    seqpacket();
    resets();
    hostile();
    chdir("/");
    check(rmdir(dir) == 0, "scratch directory left empty");
    return failures != 0;
}
