/*
 * apps/abi_unix - AF_UNIX socket pairs checked against Linux (the same
 * binary runs natively, tests/native): a stream between forked tasks both
 * ways with a checksum, datagram and seqpacket boundaries, MSG_PEEK,
 * MSG_TRUNC, MSG_WAITALL, MSG_DONTWAIT, shutdown and close, SIGPIPE and
 * MSG_NOSIGNAL, FIONREAD, poll bits, addresses, bad arguments, many
 * pairs made and closed, and descriptors passed (SCM_RIGHTS: the cmsg's
 * layout, MSG_CTRUNC when the buffer is short, a stream read ending with
 * the message that carries them, a descriptor across fork), and sockets
 * in flight: those a live socket's queue holds survive the collector of
 * unreachable ones and work when received; with "leak" (guest only),
 * cycles of sockets sent over each other and closed give every frame
 * back.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "apps/include/check.h"
#include "apps/include/memprobe.h"

#define BULK (4u << 20)

static uint8_t pat(uint32_t i, int seed)
{
    return (uint8_t)(i * 131 + seed * 7 + (i >> 9));
}

/* Writes BULK bytes of pattern `seed` to fd, then reads BULK bytes of
 * pattern `seed ^ 1` back: 1 when every byte was right. */
static int exchange(int fd, int seed, bool first_write)
{
    static uint8_t buf[65536];
    uint32_t sum_ok = 1;
    for (int phase = 0; phase < 2; phase++) {
        bool writing = (phase == 0) == first_write;
        uint32_t done = 0;
        while (done < BULK) {
            uint32_t n = BULK - done < sizeof(buf) ? BULK - done : sizeof(buf);
            if (writing) {
                for (uint32_t i = 0; i < n; i++)
                    buf[i] = pat(done + i, seed);
                ssize_t k = write(fd, buf, n);
                if (k <= 0)
                    return 0;
                done += (uint32_t)k;
            } else {
                ssize_t k = read(fd, buf, n);
                if (k <= 0)
                    return 0;
                for (ssize_t i = 0; i < k; i++)
                    if (buf[i] != pat(done + (uint32_t)i, seed ^ 1))
                        sum_ok = 0;
                done += (uint32_t)k;
            }
        }
    }
    return (int)sum_ok;
}

static void test_stream_fork(void)
{
    int sv[2];
    check(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair stream");
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        _exit(exchange(sv[1], 1, false) ? 0 : 1);
    }
    close(sv[1]);
    int ok = exchange(sv[0], 0, true);
    int st;
    waitpid(pid, &st, 0);
    check(ok && WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "stream: 4 MiB each way between forked tasks, every byte right");
    char c;
    check(read(sv[0], &c, 1) == 0, "stream: the child's end closed, read gives 0");
    close(sv[0]);
}

static void test_stream_flags(void)
{
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    char buf[64];
    errno = 0;
    check(recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT) == -1 && errno == EAGAIN,
          "stream: MSG_DONTWAIT on nothing: EAGAIN");
    send(sv[1], "hello", 5, 0);
    send(sv[1], "world", 5, 0);
    int n = -1;
    check(ioctl(sv[0], FIONREAD, &n) == 0 && n == 10, "stream: FIONREAD counts 10 bytes");
    check(recv(sv[0], buf, 3, MSG_PEEK) == 3 && memcmp(buf, "hel", 3) == 0,
          "stream: MSG_PEEK sees the start");
    check(recv(sv[0], buf, 7, 0) == 7 && memcmp(buf, "hellowo", 7) == 0,
          "stream: a read across two sends");
    check(recv(sv[0], buf, sizeof(buf), 0) == 3, "stream: the rest");
    struct pollfd p = {sv[0], POLLIN | POLLOUT | POLLRDHUP, 0};
    check(poll(&p, 1, 0) == 1 && p.revents == POLLOUT, "stream idle: POLLOUT");
    pid_t pid = fork();
    if (pid == 0) {
        usleep(50000);
        send(sv[1], "abc", 3, 0);
        usleep(50000);
        send(sv[1], "def", 3, 0);
        _exit(0);
    }
    check(recv(sv[0], buf, 6, MSG_WAITALL) == 6 && memcmp(buf, "abcdef", 6) == 0,
          "stream: MSG_WAITALL waits for both sends");
    waitpid(pid, NULL, 0);
    check(shutdown(sv[1], SHUT_WR) == 0, "shutdown SHUT_WR");
    check(recv(sv[0], buf, sizeof(buf), 0) == 0, "stream: the peer shut writing: 0");
    p.revents = 0;
    poll(&p, 1, 0);
    check(p.revents == (POLLIN | POLLOUT | POLLRDHUP), "after SHUT_WR: POLLIN|POLLOUT|POLLRDHUP");
    errno = 0;
    check(send(sv[1], "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE,
          "send after own SHUT_WR: EPIPE");
    errno = 0;
    check(shutdown(sv[0], 7) == -1 && errno == EINVAL, "shutdown bad how: EINVAL");
    close(sv[1]);
    p.revents = 0;
    poll(&p, 1, 0);
    check(p.revents == (POLLIN | POLLOUT | POLLRDHUP | POLLHUP),
          "the peer closed: POLLIN|POLLOUT|POLLRDHUP|POLLHUP");
    errno = 0;
    check(send(sv[0], "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE,
          "send to a closed peer, MSG_NOSIGNAL: EPIPE");
    signal(SIGPIPE, SIG_IGN);
    errno = 0;
    check(write(sv[0], "x", 1) == -1 && errno == EPIPE, "write to a closed peer, SIGPIPE ignored: EPIPE");
    signal(SIGPIPE, SIG_DFL);
    pid = fork();
    if (pid == 0) {
        write(sv[0], "x", 1);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    check(WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE, "write to a closed peer: SIGPIPE kills");
    close(sv[0]);
}

static void test_dgram(int type, const char *name)
{
    int sv[2];
    char label[96], buf[64];
    snprintf(label, sizeof(label), "socketpair %s", name);
    check(socketpair(AF_UNIX, type, 0, sv) == 0, label);
    send(sv[0], "one", 3, 0);
    send(sv[0], "second", 6, 0);
    send(sv[0], "", 0, 0);
    int n = -1;
    ioctl(sv[1], FIONREAD, &n);
    /* Linux: the first message's size (dgram), all of them (seqpacket) */
    snprintf(label, sizeof(label), "%s: FIONREAD", name);
    check(n == (type == SOCK_DGRAM ? 3 : 9), label);
    snprintf(label, sizeof(label), "%s: one message a read", name);
    check(recv(sv[1], buf, sizeof(buf), 0) == 3, label);
    struct iovec iov = {buf, 3};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    ssize_t k = recvmsg(sv[1], &mh, MSG_PEEK);
    snprintf(label, sizeof(label), "%s: a short buffer truncates (MSG_TRUNC in msg_flags)", name);
    check(k == 3 && (mh.msg_flags & MSG_TRUNC) && memcmp(buf, "sec", 3) == 0, label);
    snprintf(label, sizeof(label), "%s: MSG_TRUNC returns the whole length", name);
    check(recv(sv[1], buf, 2, MSG_TRUNC) == 6, label);
    snprintf(label, sizeof(label), "%s: an empty message is one", name);
    check(recv(sv[1], buf, sizeof(buf), 0) == 0, label);
    errno = 0;
    snprintf(label, sizeof(label), "%s: nothing left, MSG_DONTWAIT: EAGAIN", name);
    check(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT) == -1 && errno == EAGAIN, label);
    static char big[300000];
    errno = 0;
    snprintf(label, sizeof(label), "%s: larger than the buffer: EMSGSIZE", name);
    check(send(sv[0], big, sizeof(big), 0) == -1 && errno == EMSGSIZE, label);
    close(sv[0]);
    close(sv[1]);
}

static void test_misc(void)
{
    int sv[2];
    check(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0,
          "socketpair SOCK_NONBLOCK|SOCK_CLOEXEC");
    check((fcntl(sv[0], F_GETFL) & O_NONBLOCK) && (fcntl(sv[0], F_GETFD) & FD_CLOEXEC),
          "both flags set");
    static char big[65536];
    long total = 0;
    for (int i = 0; i < 100; i++) {
        ssize_t k = send(sv[0], big, sizeof(big), 0);
        if (k < 0)
            break;
        total += k;
    }
    errno = 0;
    check(total > 0 && send(sv[0], big, sizeof(big), 0) == -1 && errno == EAGAIN,
          "nonblocking: a full peer gives EAGAIN");
    struct sockaddr_un sa;
    socklen_t len = sizeof(sa);
    memset(&sa, 0x55, sizeof(sa));
    check(getsockname(sv[0], (struct sockaddr *)&sa, &len) == 0 && len == 2 &&
              sa.sun_family == AF_UNIX,
          "getsockname of a pair: the family alone (length 2)");
    len = sizeof(sa);
    check(getpeername(sv[0], (struct sockaddr *)&sa, &len) == 0 && len == 2,
          "getpeername of a pair: length 2");
    int type = 0;
    len = sizeof(type);
    check(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM,
          "SO_TYPE is SOCK_STREAM");
    close(sv[0]);
    close(sv[1]);
    errno = 0;
    check(socketpair(AF_INET, SOCK_STREAM, 0, sv) == -1 && errno == EOPNOTSUPP,
          "socketpair AF_INET: EOPNOTSUPP");
    check(sys(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, 8) == -EFAULT,
          "socketpair bad pointer: EFAULT");
    errno = 0;
    check(socketpair(AF_UNIX, SOCK_STREAM, 5, sv) == -1 && errno == EPROTONOSUPPORT,
          "socketpair protocol 5: EPROTONOSUPPORT");
    errno = 0;
    check(socketpair(AF_UNIX, 99, 0, sv) == -1 && errno == EINVAL,
          "socketpair type 99: EINVAL");
    errno = 0;
    check(socketpair(AF_UNIX, SOCK_RDM, 0, sv) == -1 && errno == ESOCKTNOSUPPORT,
          "socketpair SOCK_RDM: ESOCKTNOSUPPORT");
    int p[2];
    pipe(p);
    errno = 0;
    check(send(p[1], "x", 1, 0) == -1 && errno == ENOTSOCK, "send on a pipe: ENOTSOCK");
    close(p[0]);
    close(p[1]);
}

static void test_churn(void)
{
    int ok = 1;
    for (int i = 0; i < 2000; i++) {
        int sv[2];
        if (socketpair(AF_UNIX, i % 2 ? SOCK_DGRAM : SOCK_STREAM, 0, sv) < 0) {
            ok = 0;
            break;
        }
        send(sv[0], "data", 4, 0); /* left unread: freed with the socket */
        close(sv[1]);
        close(sv[0]);
    }
    check(ok, "2000 pairs made, used and closed");
}

/* Sends `n` descriptors of fds with one byte `c` on sock: sendmsg's result. */
static ssize_t send_fds(int sock, const int *fds, int n, char c)
{
    union {
        char buf[CMSG_SPACE(8 * sizeof(int))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof(u));
    struct iovec iov = {&c, 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1,
                       .msg_control = u.buf, .msg_controllen = CMSG_SPACE(n * sizeof(int))};
    struct cmsghdr *h = CMSG_FIRSTHDR(&m);
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_RIGHTS;
    h->cmsg_len = CMSG_LEN(n * sizeof(int));
    memcpy(CMSG_DATA(h), fds, n * sizeof(int));
    return sendmsg(sock, &m, 0);
}

static void test_rights(void)
{
    int sv[2], p[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pipe(p);
    int two[2] = {p[0], p[1]};
    check(send_fds(sv[0], two, 2, 'a') == 1, "SCM_RIGHTS: two descriptors sent");
    char c = 0;
    union {
        char buf[CMSG_SPACE(8 * sizeof(int))];
        struct cmsghdr align;
    } u;
    struct iovec iov = {&c, 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1,
                       .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
    ssize_t k = recvmsg(sv[1], &m, 0);
    struct cmsghdr *h = CMSG_FIRSTHDR(&m);
    check(k == 1 && c == 'a' && h && h->cmsg_level == SOL_SOCKET &&
              h->cmsg_type == SCM_RIGHTS && h->cmsg_len == CMSG_LEN(2 * sizeof(int)),
          "SCM_RIGHTS: one cmsg of CMSG_LEN(2 ints)");
    check(m.msg_controllen == CMSG_SPACE(2 * sizeof(int)) && !(m.msg_flags & MSG_CTRUNC),
          "SCM_RIGHTS: msg_controllen is CMSG_SPACE, no MSG_CTRUNC");
    int got[2] = {-1, -1};
    if (h)
        memcpy(got, CMSG_DATA(h), sizeof(got));
    check(got[0] >= 0 && got[1] >= 0 && got[0] != p[0] && got[1] != p[1],
          "SCM_RIGHTS: new descriptors");
    char x = 0;
    check(write(got[1], "z", 1) == 1 && read(p[0], &x, 1) == 1 && x == 'z',
          "SCM_RIGHTS: the passed write end writes into the same pipe");
    close(got[0]);
    close(got[1]);

    /* a buffer of CMSG_LEN(one int) (CMSG_SPACE would hold two: its
     * padding counts): the second is closed, MSG_CTRUNC */
    check(send_fds(sv[0], two, 2, 'b') == 1, "SCM_RIGHTS: sent again");
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } small;
    m.msg_control = small.buf;
    m.msg_controllen = CMSG_LEN(sizeof(int));
    m.msg_flags = 0;
    k = recvmsg(sv[1], &m, 0);
    h = CMSG_FIRSTHDR(&m);
    check(k == 1 && c == 'b' && (m.msg_flags & MSG_CTRUNC) && h &&
              h->cmsg_len == CMSG_LEN(sizeof(int)) &&
              m.msg_controllen == CMSG_LEN(sizeof(int)),
          "SCM_RIGHTS: a short buffer gets one descriptor and MSG_CTRUNC");
    if (h) {
        memcpy(got, CMSG_DATA(h), sizeof(int));
        close(got[0]);
    }

    /* no control buffer at all: MSG_CTRUNC, the byte still read */
    check(send_fds(sv[0], two, 1, 'c') == 1, "SCM_RIGHTS: sent a third time");
    m.msg_control = NULL;
    m.msg_controllen = 0;
    m.msg_flags = 0;
    k = recvmsg(sv[1], &m, 0);
    check(k == 1 && c == 'c' && (m.msg_flags & MSG_CTRUNC) && m.msg_controllen == 0,
          "SCM_RIGHTS: no buffer: MSG_CTRUNC, controllen 0");

    /* a stream read takes the bytes before, and stops after, the message
     * carrying descriptors */
    send(sv[0], "12", 2, 0);
    send_fds(sv[0], two, 1, '3');
    send(sv[0], "45", 2, 0);
    char buf[8] = {0};
    m.msg_control = u.buf;
    m.msg_controllen = sizeof(u.buf);
    m.msg_flags = 0;
    iov.iov_base = buf;
    iov.iov_len = sizeof(buf);
    k = recvmsg(sv[1], &m, 0);
    h = CMSG_FIRSTHDR(&m);
    check(k == 3 && memcmp(buf, "123", 3) == 0 && h && h->cmsg_type == SCM_RIGHTS,
          "SCM_RIGHTS: a stream read ends with the descriptors' message");
    if (h) {
        memcpy(got, CMSG_DATA(h), sizeof(int));
        close(got[0]);
    }
    k = read(sv[1], buf, sizeof(buf));
    check(k == 2 && memcmp(buf, "45", 2) == 0, "SCM_RIGHTS: then the rest");

    /* bad input */
    int bad = 999;
    errno = 0;
    check(send_fds(sv[0], &bad, 1, 'x') == -1 && errno == EBADF,
          "SCM_RIGHTS: a closed descriptor: EBADF");

    /* to a forked child: it writes through the received pipe end */
    int cs[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, cs);
    pid_t pid = fork();
    if (pid == 0) {
        m.msg_control = u.buf;
        m.msg_controllen = sizeof(u.buf);
        iov.iov_base = &c;
        iov.iov_len = 1;
        if (recvmsg(cs[1], &m, 0) != 1 || !CMSG_FIRSTHDR(&m))
            _exit(2);
        int fd;
        memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof(fd));
        _exit(write(fd, "k", 1) == 1 ? 0 : 3);
    }
    int fd1[1] = {p[1]};
    send_fds(cs[0], fd1, 1, 'f');
    int st = -1;
    waitpid(pid, &st, 0);
    x = 0;
    check(WIFEXITED(st) && WEXITSTATUS(st) == 0 && read(p[0], &x, 1) == 1 && x == 'k',
          "SCM_RIGHTS: a descriptor passed to a forked child works there");
    close(cs[0]);
    close(cs[1]);
    close(p[0]);
    close(p[1]);
    close(sv[0]);
    close(sv[1]);
}

/* The one descriptor of a message on sock, or -1. */
static int recv_fd(int sock)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    char c;
    struct iovec iov = {&c, 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1,
                       .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
    struct cmsghdr *h;
    int fd = -1;
    if (recvmsg(sock, &m, 0) == 1 && (h = CMSG_FIRSTHDR(&m)) &&
        h->cmsg_type == SCM_RIGHTS)
        memcpy(&fd, CMSG_DATA(h), sizeof(fd));
    return fd;
}

/* Closes a pair nobody uses: the collector of sockets in flight runs at
 * a unix socket's close. */
static void churn_one(void)
{
    int t[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, t);
    close(t[0]);
    close(t[1]);
}

/* Sockets in flight that a live socket's queue holds are not garbage. */
static void test_in_flight(void)
{
    int a[2], b[2], c[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, a);
    socketpair(AF_UNIX, SOCK_STREAM, 0, b);
    socketpair(AF_UNIX, SOCK_DGRAM, 0, c);
    /* a[0] rides in b[1]'s queue, closed everywhere else */
    check(send_fds(b[0], &a[0], 1, 'a') == 1, "in flight: a socket sent over another");
    close(a[0]);
    churn_one();
    int got = recv_fd(b[1]);
    char x = 0;
    check(got >= 0 && write(got, "h", 1) == 1 && read(a[1], &x, 1) == 1 && x == 'h',
          "in flight: closed by its sender, received later, it still works");
    /* two deep: a's end rides in b[1]'s queue, b[1] in c[1]'s */
    check(send_fds(b[0], &got, 1, 'b') == 1 && send_fds(c[0], &b[1], 1, 'c') == 1,
          "in flight: a socket in a socket in flight");
    close(got);
    close(b[1]);
    close(b[0]);
    churn_one();
    int outer = recv_fd(c[1]), inner = outer >= 0 ? recv_fd(outer) : -1;
    x = 0;
    check(inner >= 0 && write(inner, "i", 1) == 1 && read(a[1], &x, 1) == 1 && x == 'i',
          "in flight: both levels received and working after closes");
    close(inner);
    close(outer);
    close(a[1]);
    close(c[0]);
    close(c[1]);
}

/* Cycles nobody can reach: each socket of a pair sent over itself; a pair
 * sent over each other; a listener sent into its own accepted connection;
 * then closed. */
static void make_cycles(void)
{
    int s[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, s);
    send_fds(s[0], &s[0], 1, 's');
    send_fds(s[1], &s[1], 1, 's');
    close(s[0]);
    close(s[1]);
    int p[2], q[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, p);
    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, q);
    send_fds(p[0], &q[0], 1, 'p');
    send_fds(q[0], &p[0], 1, 'q');
    close(p[0]);
    close(p[1]);
    close(q[0]);
    close(q[1]);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (bind(l, (struct sockaddr *)&a, sizeof(sa_family_t)) == 0 && listen(l, 4) == 0) {
        socklen_t n = sizeof(a);
        getsockname(l, (struct sockaddr *)&a, &n);
        int cl = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(cl, (struct sockaddr *)&a, n) == 0)
            send_fds(cl, &l, 1, 'l'); /* into the connection not accepted */
        close(cl);
    }
    close(l);
}

static int check_leak(void)
{
    make_cycles();
    churn_one();
    long before = free_frames();
    for (int i = 0; i < 500; i++)
        make_cycles();
    churn_one();
    long after = free_frames();
    check(before > 0 && after == before,
          "leak 500 rounds of socket cycles in flight: no frame lost");
    printf("abi_unix leak: %d failed\n", failures);
    return failures != 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "leak") == 0)
        return check_leak();
    test_stream_fork();
    test_stream_flags();
    test_dgram(SOCK_DGRAM, "dgram");
    test_dgram(SOCK_SEQPACKET, "seqpacket");
    test_misc();
    test_churn();
    test_rights();
    test_in_flight();
    return failures != 0;
}
