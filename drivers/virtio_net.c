/*
 * virtio_net.c - the virtio-net driver (drivers/virtio_net.h).
 *
 * Receive: every buffer of the receive queue is a 2 KiB kalloc block
 * holding the virtio_net_hdr then the frame (two descriptors, header
 * apart, on a legacy device without ANY_LAYOUT).  poll takes each used
 * buffer, checks the length the device claims, hands the frame to the
 * stack (or drops and counts it while the stack has set no rx) and
 * posts the same buffer again, so the ring stays full.
 * Transmit: xmit copies the frame behind a zeroed header into a free
 * buffer of its own (no offloads); finished buffers are reaped by poll
 * and by xmit itself, and the device is asked not to interrupt for them.
 *
 * Context: net/netdev.h (one CPU; poll from the interrupt or the tick).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "arch/mmu.h"
#include "drivers/virtio_net.h"
#include "drivers/virtio_pci.h"
#include "klog.h"
#include "mm/kalloc.h"

#define VIRTIO_NET_DEVICE_LEGACY 0x1000
#define VIRTIO_NET_DEVICE_MODERN 0x1041
#define VIRTIO_NET_SUBSYSTEM     1 /* legacy: the device type */

#define VIRTIO_NET_F_MAC    5
#define VIRTIO_NET_F_STATUS 16
#define NET_CONFIG_MAC      0
#define NET_CONFIG_STATUS   6
#define NET_S_LINK_UP       1

#define RX_QUEUE 0
#define TX_QUEUE 1
#define QUEUE_MAX 256
#define BUF_SIZE 2048
#define FRAME_MIN 14   /* an Ethernet header */
#define FRAME_MAX 1514 /* header + MTU, no FCS */
#define MTU 1500
#define HDR_LEGACY 10  /* struct virtio_net_hdr */
#define HDR_MODERN 12  /* with num_buffers, as VERSION_1 has it */
#define LINK_POLLS 64  /* polls between two looks at the link status */

#define BIT(n) (1ull << (n))

struct vnet {
    struct netdev nd;
    struct virtio_pci vp;
    struct virtq rx, tx;
    unsigned hdr_len;
    bool split_hdr;      /* header in a descriptor of its own */
    bool has_status;
    unsigned nrx, ntx;   /* buffers */
    uint8_t *rx_buf[QUEUE_MAX];
    uint8_t *tx_buf[QUEUE_MAX];
    uint8_t *tx_free[QUEUE_MAX];
    unsigned ntx_free;
    unsigned polls;
    uint64_t irqs;
};

static int vnet_count;

bool virtio_net_match(const struct pci_dev *pci)
{
    return pci->vendor == VIRTIO_PCI_VENDOR &&
           (pci->device == VIRTIO_NET_DEVICE_MODERN ||
            (pci->device == VIRTIO_NET_DEVICE_LEGACY &&
             pci->subsystem == VIRTIO_NET_SUBSYSTEM));
}

/* Gives receive buffer `buf` to the device (not yet published). */
static int rx_post(struct vnet *v, uint8_t *buf)
{
    uint64_t pa = kalloc_paddr(buf);
    struct virtq_buf b[2];
    if (v->split_hdr) {
        b[0] = (struct virtq_buf){ pa, v->hdr_len };
        b[1] = (struct virtq_buf){ pa + v->hdr_len, BUF_SIZE - v->hdr_len };
        return virtq_add(&v->rx, b, 0, 2, buf);
    }
    b[0] = (struct virtq_buf){ pa, BUF_SIZE };
    return virtq_add(&v->rx, b, 0, 1, buf);
}

static void tx_reap(struct vnet *v)
{
    void *token;
    uint32_t len;
    int r;
    for (unsigned n = 0; n < v->tx.size &&
                         (r = virtq_get(&v->tx, &token, &len)) != 0; n++)
        if (token && v->ntx_free < v->ntx)
            v->tx_free[v->ntx_free++] = token;
}

static void link_update(struct vnet *v)
{
    if (v->has_status)
        v->nd.link_up = virtio_pci_config16(&v->vp, NET_CONFIG_STATUS) &
                        NET_S_LINK_UP;
}

static void vnet_poll(struct netdev *d)
{
    struct vnet *v = d->driver;
    tx_reap(v);
    bool posted = false;
    void *token;
    uint32_t len;
    for (unsigned n = 0; n < v->rx.size; n++) {
        int r = virtq_get(&v->rx, &token, &len);
        if (r == 0)
            break;
        if (!token)
            continue; /* a bad id: nothing of ours to take back */
        uint8_t *buf = token;
        if (r == 1 && len >= v->hdr_len + FRAME_MIN && d->rx) {
            d->rx_frames++;
            d->rx(d, buf + v->hdr_len, len - v->hdr_len);
        } else {
            d->rx_dropped++; /* bad length, a runt, or no stack yet */
        }
        if (rx_post(v, buf) == 0)
            posted = true;
    }
    if (posted && virtq_kick_prepare(&v->rx))
        virtio_pci_notify(&v->vp, RX_QUEUE);
    if (++v->polls % LINK_POLLS == 0)
        link_update(v);
}

static int vnet_xmit(struct netdev *d, const struct netdev_seg *segs, int n)
{
    struct vnet *v = d->driver;
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        if (segs[i].len > FRAME_MAX)
            total = FRAME_MAX + 1;
        total += segs[i].len;
    }
    if (n < 1 || total < FRAME_MIN || total > FRAME_MAX) {
        d->tx_dropped++;
        return -EINVAL;
    }
    if (!v->ntx_free)
        tx_reap(v);
    if (!v->ntx_free) {
        d->tx_dropped++;
        return -ENOBUFS;
    }
    uint8_t *buf = v->tx_free[--v->ntx_free];
    memset(buf, 0, v->hdr_len);
    size_t at = v->hdr_len;
    for (int i = 0; i < n; i++) {
        memcpy(buf + at, segs[i].data, segs[i].len);
        at += segs[i].len;
    }
    uint64_t pa = kalloc_paddr(buf);
    struct virtq_buf b[2];
    int err;
    if (v->split_hdr) {
        b[0] = (struct virtq_buf){ pa, v->hdr_len };
        b[1] = (struct virtq_buf){ pa + v->hdr_len, (uint32_t)total };
        err = virtq_add(&v->tx, b, 2, 0, buf);
    } else {
        b[0] = (struct virtq_buf){ pa, (uint32_t)at };
        err = virtq_add(&v->tx, b, 1, 0, buf);
    }
    if (err) {
        v->tx_free[v->ntx_free++] = buf;
        d->tx_dropped++;
        return -ENOBUFS;
    }
    d->tx_frames++;
    if (virtq_kick_prepare(&v->tx))
        virtio_pci_notify(&v->vp, TX_QUEUE);
    return 0;
}

static void vnet_irq(void *arg)
{
    struct vnet *v = arg;
    v->irqs++;
    vnet_poll(&v->nd);
}

uint64_t virtio_net_irqs(const struct netdev *d)
{
    return ((const struct vnet *)d->driver)->irqs;
}

bool virtio_net_interrupts(const struct netdev *d)
{
    return ((const struct vnet *)d->driver)->vp.msix;
}

/* Allocates `n` buffers into `bufs`: 0 or -ENOMEM (the caller frees). */
static int buffers_alloc(uint8_t **bufs, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (!(bufs[i] = kalloc(BUF_SIZE)))
            return -ENOMEM;
    return 0;
}

static void vnet_free(struct vnet *v)
{
    for (unsigned i = 0; i < QUEUE_MAX; i++) {
        kfree(v->rx_buf[i]);
        kfree(v->tx_buf[i]);
    }
    kfree(v->rx.desc);
    kfree(v->tx.desc);
    kfree(v);
}

/* Everything after the transport is open: features, queues, buffers. */
static int vnet_setup(struct vnet *v)
{
    uint64_t offered = virtio_pci_features(&v->vp);
    uint64_t want = BIT(VIRTIO_NET_F_MAC) | BIT(VIRTIO_NET_F_STATUS);
    if (v->vp.modern) {
        if (!(offered & BIT(VIRTIO_F_VERSION_1)))
            return -ENODEV;
        want |= BIT(VIRTIO_F_VERSION_1);
    } else {
        want |= BIT(VIRTIO_F_ANY_LAYOUT);
    }
    uint64_t features = offered & want;
    int err = virtio_pci_set_features(&v->vp, features);
    if (err)
        return err;
    v->hdr_len = v->vp.modern ? HDR_MODERN : HDR_LEGACY;
    v->split_hdr = !(features & (BIT(VIRTIO_F_ANY_LAYOUT) |
                                 BIT(VIRTIO_F_VERSION_1)));
    v->has_status = features & BIT(VIRTIO_NET_F_STATUS);
    virtio_pci_msix(&v->vp, vnet_irq, v);
    if ((err = virtio_pci_queue(&v->vp, RX_QUEUE, QUEUE_MAX, &v->rx)) ||
        (err = virtio_pci_queue(&v->vp, TX_QUEUE, QUEUE_MAX, &v->tx)))
        return err;
    unsigned per = v->split_hdr ? 2 : 1;
    v->nrx = v->rx.size / per;
    v->ntx = v->tx.size / per;
    if (v->nrx > QUEUE_MAX || v->ntx > QUEUE_MAX)
        return -ENODEV; /* a legacy queue larger than we keep buffers for */
    if (buffers_alloc(v->rx_buf, v->nrx) || buffers_alloc(v->tx_buf, v->ntx))
        return -ENOMEM;
    for (unsigned i = 0; i < v->nrx; i++)
        rx_post(v, v->rx_buf[i]);
    for (unsigned i = 0; i < v->ntx; i++)
        v->tx_free[i] = v->tx_buf[i];
    v->ntx_free = v->ntx;
    virtq_disable_interrupts(&v->tx);
    if (features & BIT(VIRTIO_NET_F_MAC)) {
        for (int i = 0; i < 6; i++)
            v->nd.mac[i] = virtio_pci_config8(&v->vp, NET_CONFIG_MAC + i);
    } else { /* locally administered, unique per device here */
        const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, (uint8_t)(vnet_count + 1) };
        memcpy(v->nd.mac, mac, 6);
    }
    v->nd.link_up = true;
    link_update(v);
    virtio_pci_ready(&v->vp);
    virtq_kick_prepare(&v->rx);
    virtio_pci_notify(&v->vp, RX_QUEUE);
    return 0;
}

int virtio_net_probe(struct pci_dev *pci)
{
    struct vnet *v = kalloc(sizeof(*v));
    if (!v)
        return -ENOMEM;
    int err = virtio_pci_open(&v->vp, pci);
    if (err) {
        kfree(v);
        return err;
    }
    err = vnet_setup(v);
    if (!err) {
        snprintf(v->nd.name, sizeof(v->nd.name), "eth%d", vnet_count);
        v->nd.model = "virtio-net";
        v->nd.mtu = MTU;
        v->nd.xmit = vnet_xmit;
        v->nd.poll = vnet_poll;
        v->nd.polled = !v->vp.msix; /* no INTx handler: the timer polls */
        v->nd.driver = v;
        err = netdev_register(&v->nd);
    }
    char where[16];
    pci_name(pci, where, sizeof(where));
    if (err) {
        virtio_pci_fail(&v->vp); /* the device stops using our memory */
        vnet_free(v);
        klog(KLOG_WARN, "virtio-net: %s: cannot bring it up (%d)\n", where,
             err);
        return err;
    }
    vnet_count++;
    const uint8_t *m = v->nd.mac;
    klog(KLOG_NOTICE, "virtio-net: %s %02x:%02x:%02x:%02x:%02x:%02x link %s "
         "(%s, %s, %u+%u buffers)\n", where, m[0], m[1], m[2], m[3], m[4], m[5],
         v->nd.link_up ? "up" : "down", v->vp.modern ? "modern" : "legacy",
         v->vp.msix ? "msi-x" : "polled", v->nrx, v->ntx);
    return 0;
}
