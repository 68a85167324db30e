/*
 * tests/bench/net/netinit.c - /init of the Linux guest in the network
 * benchmarks: loads the NIC driver, configures the network the way QEMU's
 * user network expects it, then becomes the application.
 *
 *   /init [ARGS...]   (Linux hands /init the words after "--" on its
 *                      command line)
 *
 * Loads each module named in /m/order (files in /m/, dependencies first)
 * with finit_module, brings lo up, gives eth0 10.0.2.15/24 with the
 * default route through 10.0.2.2 (QEMU's user-net defaults, so no DHCP
 * client is needed), then execs /app ARGS.  Static, no libc beyond
 * syscalls: the same musl toolchain as the apps.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
    fprintf(stderr, "netinit: %s: %s\n", what, strerror(errno));
    _exit(1);
}

static void load_modules(void)
{
    FILE *order = fopen("/m/order", "r");
    char name[256], path[300];
    if (!order)
        die("/m/order");
    while (fscanf(order, "%255s", name) == 1) {
        snprintf(path, sizeof path, "/m/%s", name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            die(path);
        if (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST)
            die(path);
        close(fd);
    }
    fclose(order);
}

static void set_addr(int s, const char *ifname, unsigned long req,
                     const char *addr)
{
    struct ifreq ifr = {0};
    struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
    strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
    sin->sin_family = AF_INET;
    inet_pton(AF_INET, addr, &sin->sin_addr);
    if (ioctl(s, req, &ifr) != 0)
        die(ifname);
}

/* Brings ifname up; the driver's probe may still be registering it, so
 * retry for up to 2 s. */
static void up(int s, const char *ifname)
{
    struct ifreq ifr = {0};
    strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
    for (int i = 0; ioctl(s, SIOCGIFFLAGS, &ifr) != 0; i++) {
        if (i == 200)
            die(ifname);
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    }
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0)
        die(ifname);
}

static void default_route(int s, const char *gw)
{
    struct rtentry rt = {0};
    struct sockaddr_in *g = (struct sockaddr_in *)&rt.rt_gateway;
    ((struct sockaddr_in *)&rt.rt_dst)->sin_family = AF_INET;
    ((struct sockaddr_in *)&rt.rt_genmask)->sin_family = AF_INET;
    g->sin_family = AF_INET;
    inet_pton(AF_INET, gw, &g->sin_addr);
    rt.rt_flags = RTF_UP | RTF_GATEWAY;
    if (ioctl(s, SIOCADDRT, &rt) != 0)
        die("default route");
}

int main(int argc, char **argv)
{
    (void)argc;
    load_modules();
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        die("socket");
    up(s, "lo");
    up(s, "eth0");
    set_addr(s, "eth0", SIOCSIFADDR, "10.0.2.15");
    set_addr(s, "eth0", SIOCSIFNETMASK, "255.255.255.0");
    default_route(s, "10.0.2.2");
    close(s);
    printf("netinit: eth0 10.0.2.15/24 gw 10.0.2.2\n");
    fflush(stdout);
    argv[0] = "/app";
    execv("/app", argv);
    die("/app");
}
