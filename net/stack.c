/*
 * net/stack.c - driving lwIP (NO_SYS=1): the loopback queues after each
 * socket operation, and from the timer tick the NICs, their links and
 * lwIP's timers.  Who may call lwIP when: net/README.md.
 */
#include <stdbool.h>

#include "lwip/netif.h"
#include "lwip/timeouts.h"
#include "net/net.h"
#include "net/netdev.h"
#include "net/stack.h"

bool net_started;
static bool flushing; /* net_flush is running: lwIP's callbacks may ask again */

void net_flush(void)
{
    if (!net_started || flushing)
        return;
    flushing = true;
    netif_poll_all(); /* drains packets queued while it runs too */
    flushing = false;
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
    static unsigned ticks;
    if (++ticks % 16 == 0)
        net_timewait_trim();
}
