/*
 * netpeer - the guest's side of the network boot cases (test.cases, with
 * host.py on the host through QEMU's user network):
 *   1. listens on TCP port 8080 and UDP port 8081 (reached by hostfwd);
 *   2. connects out to the host's server at 10.0.2.2:PORT (argv[1]),
 *      sends BULK bytes of a pattern, half-closes, and checks that the
 *      host echoes them all back;
 *   3. accepts the host's connection on 8080: reads the host's BULK bytes
 *      to its FIN, checks them, answers BULK bytes of its own pattern;
 *   4. echoes UDP datagrams on 8081 until it has echoed 10;
 *   5. resolves its own hostname and localhost through /etc/hosts.
 * One "ok - " / "not ok - " line per step; exit status 0 when all passed.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#define CHECK_FLUSH
#include "apps/include/check.h"

#define BULK (1024 * 1024)
#define HOST_ADDR 0x0a000202u /* 10.0.2.2: QEMU's user net's host */

/* Byte i of stream `seed` (host.py computes the same). */
static uint8_t pattern(uint32_t seed, uint32_t i)
{
    return (uint8_t)((i * 7u + seed * 13u + (i >> 8)) & 0xff);
}

static int send_all(int fd, uint32_t seed, size_t n)
{
    static uint8_t buf[8192];
    for (size_t done = 0; done < n;) {
        size_t k = n - done < sizeof(buf) ? n - done : sizeof(buf);
        for (size_t i = 0; i < k; i++)
            buf[i] = pattern(seed, (uint32_t)(done + i));
        ssize_t w = send(fd, buf, k, MSG_NOSIGNAL);
        if (w <= 0)
            return -1;
        done += (size_t)w;
    }
    return 0;
}

/* Reads to the FIN: the length when every byte is stream `seed`'s. */
static long recv_all(int fd, uint32_t seed)
{
    static uint8_t buf[8192];
    size_t got = 0;
    for (;;) {
        ssize_t r = recv(fd, buf, sizeof(buf), 0);
        if (r < 0)
            return -1;
        if (r == 0)
            return (long)got;
        for (ssize_t i = 0; i < r; i++)
            if (buf[i] != pattern(seed, (uint32_t)(got + (size_t)i)))
                return -2;
        got += (size_t)r;
    }
}

static void timeouts(int fd, int seconds)
{
    struct timeval tv = { .tv_sec = seconds };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int bound(int type, uint16_t port)
{
    int fd = socket(AF_INET, type, 0), one = 1;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
        return -1;
    return fd;
}

static void connect_out(uint16_t port)
{
    int fd = -1;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
    a.sin_addr.s_addr = htonl(HOST_ADDR);
    for (int tries = 0; tries < 20; tries++) { /* the host may be starting */
        fd = socket(AF_INET, SOCK_STREAM, 0);
        timeouts(fd, 20);
        if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
            break;
        close(fd);
        fd = -1;
        usleep(250000);
    }
    check(fd >= 0, "connect to the host at 10.0.2.2");
    if (fd < 0)
        return;
    struct sockaddr_in me;
    socklen_t len = sizeof(me);
    check(getsockname(fd, (struct sockaddr *)&me, &len) == 0 &&
          me.sin_addr.s_addr == htonl(0x0a00020f), "our address is 10.0.2.15");
    check(send_all(fd, 1, BULK) == 0 && shutdown(fd, SHUT_WR) == 0,
          "1 MiB out, then our FIN");
    check(recv_all(fd, 1) == BULK, "the host echoed every byte, then its FIN");
    close(fd);
}

static void serve_tcp(int l)
{
    struct sockaddr_in peer;
    socklen_t len = sizeof(peer);
    int fd = accept(l, (struct sockaddr *)&peer, &len);
    check(fd >= 0, "accept the host's connection (hostfwd)");
    if (fd < 0)
        return;
    timeouts(fd, 20);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    check(recv_all(fd, 2) == BULK, "1 MiB in from the host, to its FIN");
    check(send_all(fd, 3, BULK) == 0, "1 MiB back");
    close(fd);
}

static void serve_udp(int u)
{
    timeouts(u, 20);
    int echoed = 0;
    while (echoed < 10) {
        char buf[2048];
        struct sockaddr_in from;
        socklen_t len = sizeof(from);
        ssize_t r = recvfrom(u, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);
        if (r < 0 || sendto(u, buf, (size_t)r, 0, (struct sockaddr *)&from, len) != r)
            break;
        echoed++;
    }
    check(echoed == 10, "udp: 10 datagrams echoed");
}

static void resolve(const char *name, uint32_t want)
{
    struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM };
    struct addrinfo *res = NULL;
    int ok = getaddrinfo(name, NULL, &hints, &res) == 0 && res &&
             ((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr == htonl(want);
    char what[80];
    snprintf(what, sizeof(what), "getaddrinfo %s from /etc/hosts", name);
    check(ok, what);
    if (res)
        freeaddrinfo(res);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        printf("usage: netpeer HOST-PORT\n");
        return 2;
    }
    int l = bound(SOCK_STREAM, 8080), u = bound(SOCK_DGRAM, 8081);
    check(l >= 0 && listen(l, 4) == 0 && u >= 0, "listen on 8080, udp 8081");
    connect_out((uint16_t)atoi(argv[1]));
    serve_tcp(l);
    serve_udp(u);
    resolve("localhost", 0x7f000001);
    resolve("unikernel", 0x0a00020f);
    return failures != 0;
}
