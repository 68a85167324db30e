/*
 * tests/unit/test_virtio_net.c - drivers/virtio_net.c over a fake virtio
 * transport (the virtio_pci_* calls are played here) and a fake device
 * played by the test on the real virtqueues: probe and feature
 * negotiation, frames received (dropped until the stack sets rx), bad
 * lengths and ids from the device, transmit with its header, a full
 * transmit ring, the header apart on a legacy device without ANY_LAYOUT.
 * Physical addresses are the host's virtual ones.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/virtio_net.h"
#include "drivers/virtio_pci.h"
#include "mm/kalloc.h"

#define BIT(n) (1ull << (n))
#define F_MAC BIT(5)
#define F_STATUS BIT(16)

/* ---- the fake transport ---- */
static struct {
    bool modern;
    uint64_t offered, accepted;
    bool refuse_features;
    uint8_t config[8];
    unsigned queue_size;
    struct virtq *queues[2];
    void *rings[2];
    unsigned notified[2];
    bool ready, failed;
} dev;

void *kalloc(size_t size) { return calloc(1, size); }
void kfree(void *p) { free(p); }
phys_addr_t kalloc_paddr(const void *p) { return (uintptr_t)p; }
void klog(int level, const char *fmt, ...)
{
    (void)level;
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}
void pci_name(const struct pci_dev *d, char *buf, size_t size)
{
    (void)d;
    snprintf(buf, size, "0000:00:03.0");
}

int virtio_pci_open(struct virtio_pci *vp, struct pci_dev *pci)
{
    *vp = (struct virtio_pci){ .pci = pci, .modern = dev.modern };
    return 0;
}
uint64_t virtio_pci_features(struct virtio_pci *vp)
{
    (void)vp;
    return dev.offered;
}
int virtio_pci_set_features(struct virtio_pci *vp, uint64_t f)
{
    (void)vp;
    assert_int_equal(f & ~dev.offered, 0); /* only what was offered */
    dev.accepted = f;
    return dev.refuse_features ? -ENODEV : 0;
}
bool virtio_pci_msix(struct virtio_pci *vp, irq_handler_t *h, void *arg)
{
    (void)vp, (void)h, (void)arg;
    return false;
}
int virtio_pci_queue(struct virtio_pci *vp, unsigned index, unsigned max,
                     struct virtq *q)
{
    (void)vp;
    assert_true(index < 2);
    unsigned size = dev.queue_size < max ? dev.queue_size : max;
    void *ring = aligned_alloc(4096, virtq_ring_bytes(size));
    memset(ring, 0, virtq_ring_bytes(size));
    assert_int_equal(virtq_init(q, size, ring, (uintptr_t)ring), 0);
    dev.queues[index] = q;
    dev.rings[index] = ring;
    return 0;
}
void virtio_pci_notify(struct virtio_pci *vp, unsigned index)
{
    (void)vp;
    dev.notified[index]++;
}
void virtio_pci_ready(struct virtio_pci *vp) { (void)vp; dev.ready = true; }
void virtio_pci_fail(struct virtio_pci *vp) { (void)vp; dev.failed = true; }
uint8_t virtio_pci_isr(struct virtio_pci *vp) { (void)vp; return 0; }
uint8_t virtio_pci_config8(struct virtio_pci *vp, unsigned off)
{
    (void)vp;
    return off < sizeof(dev.config) ? dev.config[off] : 0xff;
}
uint16_t virtio_pci_config16(struct virtio_pci *vp, unsigned off)
{
    return (uint16_t)(virtio_pci_config8(vp, off) |
                      virtio_pci_config8(vp, off + 1) << 8);
}

/* The netdev table (net/netdev.c keeps 4; the tests probe more). */
static struct netdev *netdevs[16];
static int nnetdevs;
int netdev_register(struct netdev *d)
{
    assert_true(nnetdevs < 16);
    netdevs[nnetdevs++] = d;
    return 0;
}
struct netdev *netdev_get(int i)
{
    return i >= 0 && i < nnetdevs ? netdevs[i] : NULL;
}

/* ---- the fake device on the queues ---- */
static uint16_t dev_avail[2], dev_used[2];

struct chain {
    int head;
    unsigned n;
    struct virtq_desc d[4];
};

static bool dev_pop(unsigned qi, struct chain *c)
{
    struct virtq *q = dev.queues[qi];
    if (dev_avail[qi] == q->avail->idx)
        return false;
    c->head = q->avail->ring[dev_avail[qi]++ & (q->size - 1)];
    uint16_t i = (uint16_t)c->head;
    for (c->n = 0; c->n < 4; c->n++) {
        c->d[c->n] = q->desc[i];
        if (!(q->desc[i].flags & VIRTQ_DESC_F_NEXT)) {
            c->n++;
            return true;
        }
        i = q->desc[i].next;
    }
    fail_msg("chain too long");
    return false;
}

static void dev_push(unsigned qi, uint32_t id, uint32_t len)
{
    struct virtq *q = dev.queues[qi];
    q->used->ring[dev_used[qi] & (q->size - 1)] =
        (struct virtq_used_elem){ id, len };
    q->used->idx = ++dev_used[qi];
}

/* The device receives `frame` into the next rx buffer: header zeroed. */
static void dev_deliver(const void *frame, size_t len, unsigned hdr, bool split)
{
    struct chain c;
    assert_true(dev_pop(0, &c));
    assert_int_equal(c.n, split ? 2 : 1);
    for (unsigned i = 0; i < c.n; i++)
        assert_true(c.d[i].flags & VIRTQ_DESC_F_WRITE);
    uint8_t *h = (uint8_t *)(uintptr_t)c.d[0].addr;
    uint8_t *data = split ? (uint8_t *)(uintptr_t)c.d[1].addr : h + hdr;
    if (split)
        assert_int_equal(c.d[0].len, hdr);
    memset(h, 0, hdr);
    memcpy(data, frame, len);
    dev_push(0, (uint32_t)c.head, (uint32_t)(hdr + len));
}

static struct netdev *probe(bool modern, uint64_t offered, unsigned qsize)
{
    for (int i = 0; i < 2; i++)
        dev_avail[i] = dev_used[i] = 0, dev.notified[i] = 0;
    dev.modern = modern;
    dev.offered = offered;
    dev.refuse_features = false;
    dev.queue_size = qsize;
    dev.ready = dev.failed = false;
    memcpy(dev.config, (uint8_t[]){ 0x52, 0x54, 0, 0x12, 0x34, 0x56, 1, 0 }, 8);
    static struct pci_dev pci;
    int before = 0;
    while (netdev_get(before))
        before++;
    if (virtio_net_probe(&pci))
        return NULL;
    return netdev_get(before);
}

static unsigned rx_count;
static uint8_t rx_last[2048];
static size_t rx_len;

static void stack_rx(struct netdev *d, const void *frame, size_t len)
{
    (void)d;
    rx_count++;
    memcpy(rx_last, frame, len);
    rx_len = len;
}

static void test_probe_modern(void **state)
{
    (void)state;
    struct netdev *d = probe(true, BIT(VIRTIO_F_VERSION_1) | F_MAC | F_STATUS |
                                   BIT(0) | BIT(1) | BIT(15), 256);
    assert_non_null(d);
    assert_true(dev.ready);
    /* never the offloads or merged buffers this driver cannot honour */
    assert_int_equal(dev.accepted, BIT(VIRTIO_F_VERSION_1) | F_MAC | F_STATUS);
    assert_memory_equal(d->mac, ((uint8_t[]){ 0x52, 0x54, 0, 0x12, 0x34, 0x56 }), 6);
    assert_true(d->link_up);
    assert_int_equal(d->mtu, 1500);
    assert_false(d->tx_csum);
    assert_false(d->rx_csum_ok);
    assert_int_equal(virtq_in_flight(dev.queues[0]), 256); /* ring full */
    assert_true(dev.notified[0] > 0);
}

static void test_probe_refusals(void **state)
{
    (void)state;
    assert_null(probe(true, F_MAC, 256)); /* modern without VERSION_1 */
    dev.refuse_features = true;
    assert_int_equal(virtio_net_probe(&(struct pci_dev){ 0 }), -ENODEV);
    assert_true(dev.failed);
}

static void test_link_down_and_no_mac(void **state)
{
    (void)state;
    dev.config[6] = 0;
    struct netdev *d = probe(false, F_STATUS, 16);
    assert_non_null(d);
    /* probe() reset the config: status 1; set it down after */
    assert_true(d->link_up);
    dev.config[6] = 0;
    for (int i = 0; i < 64; i++)
        d->poll(d);
    assert_false(d->link_up); /* seen within LINK_POLLS polls */
    assert_int_equal(d->mac[0] & 3, 2); /* locally administered, unicast */
}

static void test_rx_frames(void **state)
{
    (void)state;
    struct netdev *d = probe(true, BIT(VIRTIO_F_VERSION_1) | F_MAC, 8);
    assert_non_null(d);
    uint8_t frame[60];
    for (unsigned i = 0; i < sizeof(frame); i++)
        frame[i] = (uint8_t)i;
    rx_count = 0;
    dev_deliver(frame, sizeof(frame), 12, false);
    d->poll(d); /* no stack yet: dropped */
    assert_int_equal(d->rx_dropped, 1);
    assert_int_equal(rx_count, 0);
    assert_int_equal(virtq_in_flight(dev.queues[0]), 8); /* given back */
    d->rx = stack_rx;
    for (int round = 0; round < 70000 / 8; round++) { /* indexes wrap */
        for (int i = 0; i < 8; i++) {
            frame[0] = (uint8_t)i;
            dev_deliver(frame, sizeof(frame), 12, false);
        }
        d->poll(d);
        assert_int_equal(virtq_in_flight(dev.queues[0]), 8);
    }
    assert_int_equal(rx_count, 70000 / 8 * 8);
    assert_int_equal(rx_len, 60);
    assert_int_equal(rx_last[0], 7);
    assert_memory_equal(rx_last + 1, frame + 1, 59);
    assert_int_equal(d->rx_frames, rx_count);
}

static void test_rx_bad_device(void **state)
{
    (void)state;
    struct netdev *d = probe(true, BIT(VIRTIO_F_VERSION_1), 8);
    d->rx = stack_rx;
    rx_count = 0;
    struct chain c;
    assert_true(dev_pop(0, &c));
    dev_push(0, (uint32_t)c.head, 12 + 5); /* a runt: header + 5 bytes */
    assert_true(dev_pop(0, &c));
    dev_push(0, (uint32_t)c.head, 4096); /* past the buffer */
    dev_push(0, 77, 60);                 /* no such buffer */
    assert_true(dev_pop(0, &c));
    dev_push(0, (uint32_t)c.head, 3);    /* shorter than the header */
    d->poll(d);
    assert_int_equal(rx_count, 0);
    assert_int_equal(d->rx_dropped, 3);
    assert_int_equal(dev.queues[0]->bad, 2);
    /* every buffer of ours is back on the ring, and it still works */
    assert_int_equal(virtq_in_flight(dev.queues[0]), 8);
    uint8_t frame[64] = { 1, 2, 3 };
    dev_avail[0] = dev.queues[0]->avail->idx - 3; /* the reposted ones */
    dev_deliver(frame, sizeof(frame), 12, false);
    d->poll(d);
    assert_int_equal(rx_count, 1);
    assert_int_equal(rx_len, 64);
}

/* Lengths at every edge of a buffer (2048 bytes, the header included). */
static void test_rx_bad_lengths(void **state)
{
    (void)state;
    struct netdev *d = probe(true, BIT(VIRTIO_F_VERSION_1), 8);
    d->rx = stack_rx;
    rx_count = 0;
    rx_len = 0;
    static const uint32_t lens[] = { 0, 12, 12 + 13, 12 + 14, 2048, 2049 };
    struct chain c;
    for (unsigned i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        assert_true(dev_pop(0, &c));
        dev_push(0, (uint32_t)c.head, lens[i]);
    }
    assert_true(dev_pop(0, &c));
    dev_push(0, (uint32_t)c.head, 60);
    d->poll(d);
    assert_int_equal(rx_count, 3);       /* 14 bytes, the whole buffer, 48 */
    assert_int_equal(rx_len, 48);
    assert_int_equal(d->rx_dropped, 4);  /* 0, the header alone, 13, 2049 */
    assert_int_equal(dev.queues[0]->bad, 1); /* 2049: past the buffer */
    assert_int_equal(virtq_in_flight(dev.queues[0]), 8);
}

static void test_tx(void **state)
{
    (void)state;
    struct netdev *d = probe(true, BIT(VIRTIO_F_VERSION_1), 8);
    uint8_t a[14], b[50];
    memset(a, 0xaa, sizeof(a));
    memset(b, 0xbb, sizeof(b));
    struct netdev_seg segs[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
    assert_int_equal(d->xmit(d, segs, 2), 0);
    struct chain c;
    assert_true(dev_pop(1, &c));
    assert_int_equal(c.n, 1);
    assert_int_equal(c.d[0].flags & VIRTQ_DESC_F_WRITE, 0);
    assert_int_equal(c.d[0].len, 12 + 64);
    const uint8_t *p = (const uint8_t *)(uintptr_t)c.d[0].addr;
    for (int i = 0; i < 12; i++)
        assert_int_equal(p[i], 0); /* no offload asked */
    assert_memory_equal(p + 12, a, 14);
    assert_memory_equal(p + 26, b, 50);
    assert_true(dev.notified[1] > 0);
    assert_true(dev.queues[1]->avail->flags & VIRTQ_AVAIL_F_NO_INTERRUPT);
    dev_push(1, (uint32_t)c.head, 0);
    /* fill the ring without completions: then -ENOBUFS */
    int sent = 0;
    while (d->xmit(d, segs, 2) == 0)
        sent++;
    assert_int_equal(sent, 8); /* the one completed came back by reaping */
    assert_int_equal(d->xmit(d, segs, 2), -ENOBUFS);
    assert_int_equal(d->tx_dropped, 2);
    assert_true(dev_pop(1, &c));
    dev_push(1, (uint32_t)c.head, 0);
    d->poll(d); /* reaps */
    assert_int_equal(d->xmit(d, segs, 2), 0);
    /* bad sizes */
    uint8_t big[1515] = { 0 };
    struct netdev_seg s_big = { big, sizeof(big) };
    assert_int_equal(d->xmit(d, &s_big, 1), -EINVAL);
    struct netdev_seg s_small = { big, 13 };
    assert_int_equal(d->xmit(d, &s_small, 1), -EINVAL);
    assert_int_equal(d->xmit(d, segs, 0), -EINVAL);
    /* a device completing an id twice or out of range changes nothing */
    dev_push(1, 99, 0);
    dev_push(1, (uint32_t)c.head, 0);
    d->poll(d);
    assert_true(dev.queues[1]->bad >= 1);
}

static void test_legacy_split_header(void **state)
{
    (void)state;
    struct netdev *d = probe(false, F_MAC, 16);
    assert_non_null(d);
    assert_int_equal(virtq_in_flight(dev.queues[0]), 16); /* 8 chains of 2 */
    d->rx = stack_rx;
    rx_count = 0;
    uint8_t frame[42] = { 9 };
    dev_deliver(frame, sizeof(frame), 10, true);
    d->poll(d);
    assert_int_equal(rx_count, 1);
    assert_int_equal(rx_len, 42);
    struct netdev_seg seg = { frame, sizeof(frame) };
    assert_int_equal(d->xmit(d, &seg, 1), 0);
    struct chain c;
    assert_true(dev_pop(1, &c));
    assert_int_equal(c.n, 2);
    assert_int_equal(c.d[0].len, 10);
    assert_int_equal(c.d[1].len, 42);
    assert_int_equal(dev.accepted, F_MAC); /* ANY_LAYOUT not offered */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe_modern),
        cmocka_unit_test(test_probe_refusals),
        cmocka_unit_test(test_link_down_and_no_mac),
        cmocka_unit_test(test_rx_frames),
        cmocka_unit_test(test_rx_bad_device),
        cmocka_unit_test(test_rx_bad_lengths),
        cmocka_unit_test(test_tx),
        cmocka_unit_test(test_legacy_split_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
