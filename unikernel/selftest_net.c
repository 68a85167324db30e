/*
 * selftest_net.c - `test=netarp`: an ARP request for 10.0.2.2 from
 * 10.0.2.15 through the first NIC, and its reply counted as it arrives:
 * the driver's transmit and receive paths end to end under QEMU's user
 * network, no stack involved.  The wait runs with interrupts on: an
 * interrupting NIC delivers through its interrupt, a polled one through
 * the timer tick's netdev_poll_all (the scheduler's fallback, started
 * here since self-tests run before the scheduler); without a timer the
 * test polls itself.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "arch/clock.h"
#include "arch/cpu.h"
#include "arch/timer.h"
#include "drivers/virtio_net.h"
#include "klog.h"
#include "net/netdev.h"
#include "selftest.h"

#define ETH_ARP 0x0806
#define ARP_REQUEST 1
#define ARP_REPLY 2
#define TRIES 6
#define TRY_NS 500000000ull /* between two requests */
#define RFLAGS_IF (1ul << 9)

static const uint8_t our_ip[4] = { 10, 0, 2, 15 };
static const uint8_t gw_ip[4] = { 10, 0, 2, 2 };

#define BURST 600        /* past the 256 buffers of each ring: indexes wrap */
#define BURST_NS 10000000000ull

static volatile bool replied;
static volatile unsigned replies;
static uint8_t gw_mac[6];
static unsigned frames_seen;

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* The stack's receive callback, played here. */
static void arp_rx(struct netdev *d, const void *frame, size_t len)
{
    (void)d;
    const uint8_t *f = frame;
    frames_seen++;
    if (len < 42 || get16(f + 12) != ETH_ARP || get16(f + 20) != ARP_REPLY ||
        memcmp(f + 28, gw_ip, 4) || memcmp(f + 38, our_ip, 4))
        return;
    memcpy(gw_mac, f + 22, 6);
    replied = true;
    replies++;
}

/* Waits with interrupts on (the interrupt polls) or polling, until
 * `done()` or the deadline. */
static void wait_until(struct netdev *d, bool irq, uint64_t until,
                       bool (*done)(void))
{
    while (!done() && clock_monotonic_ns() < until) {
        if (irq) {
            irq_restore(RFLAGS_IF);
            cpu_relax();
            irq_save();
        } else {
            d->poll(d);
        }
    }
}

static bool got_reply(void)
{
    return replied;
}

static bool got_burst(void)
{
    return replies >= BURST + 1;
}

static unsigned ticks;

static void poll_tick(bool user)
{
    (void)user;
    ticks++;
    netdev_poll_all();
}

static int arp_send(struct netdev *d)
{
    uint8_t eth[14], arp[28];
    memset(eth, 0xff, 6);
    memcpy(eth + 6, d->mac, 6);
    put16(eth + 12, ETH_ARP);
    put16(arp, 1);      /* Ethernet */
    put16(arp + 2, 0x0800);
    arp[4] = 6;
    arp[5] = 4;
    put16(arp + 6, ARP_REQUEST);
    memcpy(arp + 8, d->mac, 6);
    memcpy(arp + 14, our_ip, 4);
    memset(arp + 18, 0, 6);
    memcpy(arp + 24, gw_ip, 4);
    struct netdev_seg segs[2] = { { eth, sizeof(eth) }, { arp, sizeof(arp) } };
    return d->xmit(d, segs, 2);
}

int selftest_netarp(void)
{
    struct netdev *d = netdev_get(0);
    if (!d) {
        kprintf("selftest netarp: no network interface\n");
        return -ENODEV;
    }
    clock_init(); /* self-tests run before the application's boot path */
    bool irq = virtio_net_interrupts(d);
    const char *how = "interrupt";
    if (!irq && timer_start(1000, poll_tick)) {
        irq = true; /* the tick polls */
        how = "timer tick";
    } else if (!irq) {
        how = "polling";
    }
    d->poll(d); /* frames before rx was set: dropped and counted */
    d->rx = arp_rx;
    uint64_t start = clock_monotonic_ns();
    for (int i = 0; i < TRIES && !replied; i++) {
        int err = arp_send(d);
        if (err)
            kprintf("selftest netarp: xmit: %d\n", err);
        wait_until(d, irq, clock_monotonic_ns() + TRY_NS, got_reply);
    }
    if (!replied)
        d->poll(d); /* a reply the interrupt did not announce */
    uint64_t ms = (clock_monotonic_ns() - start) / 1000000;
    /* then a burst: each request one reply, rings reused many times */
    unsigned sent = 0, full = 0;
    replies = replied ? 1 : 0;
    uint64_t until = clock_monotonic_ns() + BURST_NS;
    while (replied && sent < BURST && clock_monotonic_ns() < until) {
        if (arp_send(d) == 0) {
            sent++;
        } else {
            full++; /* ring full: let completions come back */
            wait_until(d, irq, clock_monotonic_ns() + 1000000, got_burst);
        }
        if (!irq)
            d->poll(d);
    }
    wait_until(d, irq, until, got_burst);
    if (replied)
        kprintf("selftest netarp: burst: %u requests sent (%u times the ring "
                "was full), %u replies\n", sent, full, replies - 1);
    d->rx = NULL;
    kprintf("selftest netarp: %s: rx %lu frames, %lu dropped, tx %lu, %lu "
            "interrupts, %u ticks (frames by %s)\n", d->name,
            (unsigned long)d->rx_frames, (unsigned long)d->rx_dropped,
            (unsigned long)d->tx_frames, (unsigned long)virtio_net_irqs(d),
            ticks, how);
    if (replied && replies < BURST + 1)
        return -ETIMEDOUT;
    if (!replied) {
        kprintf("selftest netarp: no ARP reply from 10.0.2.2 in %lu ms\n",
                (unsigned long)ms);
        return -ETIMEDOUT;
    }
    kprintf("selftest netarp: 10.0.2.2 is at %02x:%02x:%02x:%02x:%02x:%02x "
            "(reply after %lu ms, %u frames seen)\n", gw_mac[0], gw_mac[1],
            gw_mac[2], gw_mac[3], gw_mac[4], gw_mac[5], (unsigned long)ms,
            frames_seen);
    return 0;
}
