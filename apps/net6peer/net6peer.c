/*
 * net6peer - the guest's side of the IPv6 boot case (test.cases, with
 * host.py on the host through QEMU's user network, ipv6=on):
 *   1. listens on [::]:8080, dual stack, reached by an IPv4 hostfwd;
 *   2. connects out to [fec0::2]:PORT (argv[1]: QEMU's host, which is
 *      the host's [::1]) once SLAAC gave it an address (retried a while),
 *      checks its own address is fec0::5054:ff:fe12:3456 (the prefix and
 *      the MAC's EUI-64), sends BULK bytes, half-closes, checks the echo;
 *   3. accepts the host's IPv4 connection on the [::] listener: the peer
 *      is ::ffff:10.0.2.2; BULK bytes each way;
 *   4. sends UDP datagrams to [fec0::2]:PORT (argv[2]) and checks the
 *      echoes and their source.
 * One "ok - " / "not ok - " line per step; exit status 0 when all passed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#define CHECK_FLUSH
#include "apps/include/check.h"

#define BULK (256 * 1024)

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
                return -1;
        got += (size_t)r;
    }
}

static struct sockaddr_in6 host6(uint16_t port)
{
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
    inet_pton(AF_INET6, "fec0::2", &a.sin6_addr);
    return a;
}

static void timeouts(int fd, int sec)
{
    struct timeval tv = {sec, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Connects to [fec0::2]:port, retried while the address is not there
 * yet (router advertisement, duplicate detection: until then the
 * link-local one is the source): the socket or -1. */
static int connect_out(uint16_t port)
{
    struct sockaddr_in6 a = host6(port);
    for (int tries = 0; tries < 300; tries++) {
        int fd = socket(AF_INET6, SOCK_STREAM, 0);
        timeouts(fd, 20);
        struct sockaddr_in6 me;
        socklen_t ml = sizeof(me);
        if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
            getsockname(fd, (struct sockaddr *)&me, &ml) == 0 &&
            !IN6_IS_ADDR_LINKLOCAL(&me.sin6_addr))
            return fd;
        close(fd);
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        check(0, "arguments: the host's TCP and UDP ports");
        return 1;
    }
    int l = socket(AF_INET6, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in6 any = {.sin6_family = AF_INET6, .sin6_port = htons(8080)};
    check(l >= 0 && bind(l, (struct sockaddr *)&any, sizeof(any)) == 0 &&
              listen(l, 4) == 0, "listen [::]:8080");

    int fd = connect_out((uint16_t)atoi(argv[1]));
    check(fd >= 0, "tcp: connected to [fec0::2] (the host's ::1)");
    struct sockaddr_in6 me;
    socklen_t ml = sizeof(me);
    char text[INET6_ADDRSTRLEN] = "?";
    if (fd >= 0 && getsockname(fd, (struct sockaddr *)&me, &ml) == 0)
        inet_ntop(AF_INET6, &me.sin6_addr, text, sizeof(text));
    printf("# local address %s\n", text);
    check(strcmp(text, "fec0::5054:ff:fe12:3456") == 0,
          "tcp: the local address is SLAAC's fec0::5054:ff:fe12:3456");
    check(fd >= 0 && send_all(fd, 1, BULK) == 0 && shutdown(fd, SHUT_WR) == 0 &&
              recv_all(fd, 1) == BULK, "tcp: 256 KiB to the host and back over IPv6");
    close(fd);

    timeouts(l, 60);
    struct sockaddr_in6 peer;
    socklen_t pl = sizeof(peer);
    int s = accept(l, (struct sockaddr *)&peer, &pl);
    char ptext[INET6_ADDRSTRLEN] = "?";
    if (s >= 0)
        inet_ntop(AF_INET6, &peer.sin6_addr, ptext, sizeof(ptext));
    printf("# peer %s (accept: %s)\n", ptext, s >= 0 ? "ok" : strerror(errno));
    check(s >= 0 && pl == sizeof(peer) && strcmp(ptext, "::ffff:10.0.2.2") == 0,
          "tcp: the host's IPv4 connection on [::] comes from ::ffff:10.0.2.2");
    if (s >= 0)
        timeouts(s, 20);
    check(s >= 0 && recv_all(s, 2) == BULK && send_all(s, 3, BULK) == 0,
          "tcp: 256 KiB each way with the IPv4 client");
    close(s);
    close(l);

    int u = socket(AF_INET6, SOCK_DGRAM, 0);
    timeouts(u, 1);
    struct sockaddr_in6 to = host6((uint16_t)atoi(argv[2]));
    int echoed = 0;
    for (int i = 0; i < 10; i++) {
        char msg[64], back[64];
        int n = snprintf(msg, sizeof(msg), "datagram6 %d", i);
        for (int tries = 0; tries < 10; tries++) {
            struct sockaddr_in6 from;
            socklen_t fl = sizeof(from);
            sendto(u, msg, (size_t)n, 0, (struct sockaddr *)&to, sizeof(to));
            ssize_t r = recvfrom(u, back, sizeof(back), 0, (struct sockaddr *)&from, &fl);
            if (r < 0 && i == 0)
                printf("# udp: %s\n", strerror(errno));
            if (r == n && memcmp(back, msg, (size_t)n) == 0 &&
                memcmp(&from.sin6_addr, &to.sin6_addr, 16) == 0) {
                echoed++;
                break;
            }
        }
    }
    check(echoed == 10, "udp: 10 datagrams echoed by [fec0::2]");
    close(u);
    return failures != 0;
}
