/*
 * net/stack.c - driving lwIP (NO_SYS=1): the loopback queues after each
 * socket operation, and from the timer interrupt the NICs, their links and
 * lwIP's timers; what lwIP's next timeout is, for the tickless timer (each
 * socket operation and received frame asks for it: either may start one).
 * Who may call lwIP when: net/README.md.
 */
#include <stdbool.h>

#include "arch/clock.h"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/timeouts.h"
#include "net/net.h"
#include "net/netdev.h"
#include "net/stack.h"
#include "unikernel/sched.h"

#define POLL_NS 1000000ull       /* a NIC without interrupts: polled every 1 ms */
#define TRIM_NS 16000000ull      /* TIME-WAIT ceiling enforced every 16 ms */

bool net_started;
static bool flushing; /* net_flush is running: lwIP's callbacks may ask again */
static uint64_t trimmed_ns; /* the last net_timewait_trim */

/* The TIME-WAIT ceiling, at most every TRIM_NS (it walks 512 pcbs). */
static void trim_now_and_then(void)
{
    uint64_t now = clock_monotonic_ns();
    if (now - trimmed_ns < TRIM_NS)
        return;
    trimmed_ns = now;
    net_timewait_trim();
}

void net_flush(void)
{
    if (!net_started || flushing)
        return;
    flushing = true;
    netif_poll_all(); /* drains packets queued while it runs too */
    flushing = false;
    trim_now_and_then();
    net_timer_want(); /* a socket operation may have started a timer */
}

/* True when lwIP's timers have work: a NIC (ARP, DHCP, ND, MLD...), or a
 * TCP connection (over loopback: delayed ACKs, retransmissions).  Without
 * either, its cyclic timers (MLD's every 100 ms among them) would only
 * wake a task that runs alone; they catch up at the next wake-up. */
static bool timers_matter(void)
{
    return netdev_get(0) || tcp_active_pcbs || tcp_tw_pcbs;
}

uint64_t net_next_ns(void)
{
    uint64_t next = 0;
    struct netdev *d;
    for (int i = 0; (d = netdev_get(i)); i++)
        if (d->polled)
            next = clock_monotonic_ns() + POLL_NS;
    if (!net_started || !timers_matter())
        return next;
    u32_t ms = sys_timeouts_sleeptime();
    if (ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE)
        return next;
    /* sys_now is the monotonic clock in ms: due once it reaches this */
    uint64_t due = (clock_monotonic_ns() / 1000000 + ms) * 1000000;
    return next && next < due ? next : due;
}

void net_timer_want(void)
{
    sched_timer_want(net_next_ns());
}

void net_tick(void)
{
    netdev_poll_all(); /* a lost interrupt costs a tick at most */
    if (!net_started)
        return; /* no stack (test=netarp): the NICs alone */
    struct netdev *d;
    for (int i = 0; (d = netdev_get(i)); i++)
        if (d->stack)
            net_netif_link_sync(d->stack, d);
    net_flush();
    sys_check_timeouts();
    net_flush(); /* what the timers sent (retransmissions, ACKs) */
}
