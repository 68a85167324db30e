/*
 * net/net.h - the TCP/IP stack as the core sees it: started once at boot,
 * driven by the timer tick.  The rules of who runs lwIP when are in
 * net/README.md.
 */
#ifndef NET_NET_H
#define NET_NET_H

/* The kernel command line's network words, NULL when absent:
 * ip=ADDR/PREFIX (or ip=dhcp), gw=ADDR, dns=ADDR (the first NIC),
 * ip2=ADDR/PREFIX (the second NIC: static, on-link, no gateway). */
struct net_boot_config {
    const char *ip, *gw, *dns;
    const char *ip2;
};

/* Starts lwIP and the loopback interface, attaches every registered
 * netdev, configures the first (static from `cfg`, else DHCP with a
 * bounded wait) and the second when `cfg->ip2` says so, prints the boot line and writes /etc/resolv.conf and
 * /etc/hosts into the tmpfs (unless the image has its own).  Once, after
 * tmpfs_init, before the application starts. */
void net_start(const struct net_boot_config *cfg);

/* The timer's interrupt (interrupts masked, never inside lwIP): polls the
 * NICs and their links, delivers looped-back packets, runs lwIP's timers
 * that are due. */
void net_tick(void);

/* When the timer must next run net_tick (monotonic ns; 0: never): lwIP's
 * next timeout, or within 1 ms while a NIC has no interrupt (polled). */
uint64_t net_next_ns(void);

/* Asks the scheduler's timer for net_next_ns (sched_timer_want). */
void net_timer_want(void);

/* lwIP's heap blocks in use now (every pbuf, pcb and segment is one):
 * what a leak check compares once the sockets are closed. */
unsigned long net_mem_live(void);

#endif
