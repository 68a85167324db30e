/*
 * net/netdev.h - a network interface as the stack sees it: what a NIC
 * driver (drivers/virtio_net.c) fills in and registers, and the one
 * callback through which it hands received frames to the stack (net/).
 *
 * Context: one CPU; the driver's poll runs from its interrupt or the
 * timer with interrupts masked, never inside another netdev call.
 */
#ifndef NET_NETDEV_H
#define NET_NETDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One piece of a frame to send, in kernel memory (kalloc or a mapping
 * with a physical address the driver can find). */
struct netdev_seg {
    const void *data;
    size_t len;
};

struct netdev {
    char name[8];        /* "eth0" */
    const char *model;   /* "virtio-net": the boot line's; NULL: name */
    uint8_t mac[6];
    unsigned mtu;        /* payload bytes, 1500 */
    bool link_up;        /* (t) the driver's view, kept current */
    bool rx_csum_ok;     /* the device checks received checksums */
    bool tx_csum;        /* the device fills in checksums on transmit */
    bool polled;         /* no interrupt: the timer polls it every 1 ms */
    /* Sends one Ethernet frame (without FCS) made of `n` segments, copying
     * what it needs before returning: 0, or -ENOBUFS when the transmit
     * ring is full (the stack drops or retries). */
    int (*xmit)(struct netdev *d, const struct netdev_seg *segs, int n);
    /* Takes received frames (calling rx for each) and reaps finished
     * transmissions; called from the driver's interrupt and the timer. */
    void (*poll)(struct netdev *d);
    /* Set by the stack before the first poll: one received frame, valid
     * only during the call (the stack copies it). */
    void (*rx)(struct netdev *d, const void *frame, size_t len);
    void *driver;        /* the driver's own */
    void *stack;         /* the stack's own (lwIP's struct netif) */
    uint64_t rx_frames, tx_frames, rx_dropped, tx_dropped;
};

/* Adds `d` to the interfaces (driver probe, boot time): 0 or -ENOSPC. */
int netdev_register(struct netdev *d);

/* The i-th registered interface, or NULL past the last. */
struct netdev *netdev_get(int i);

/* Polls every interface (the timer tick's fallback, interrupts masked). */
void netdev_poll_all(void);

#endif
