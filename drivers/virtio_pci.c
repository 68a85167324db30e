/*
 * virtio_pci.c - the virtio PCI transport, modern and legacy
 * (drivers/virtio_pci.h).  Register layouts from virtio 1.x 4.1.4
 * (modern common configuration) and 4.1.4.10 (legacy interface).
 */
#include <errno.h>
#include <stddef.h>

#include "arch/mmu.h"
#include "drivers/virtio_pci.h"
#include "mm/kalloc.h"

/* Modern: the vendor capability (struct virtio_pci_cap). */
#define CAP_CFG_TYPE 3
#define CAP_BAR      4
#define CAP_OFFSET   8
#define CAP_LENGTH   12
#define CAP_NOTIFY_MULTIPLIER 16
#define CFG_COMMON 1
#define CFG_NOTIFY 2
#define CFG_ISR    3
#define CFG_DEVICE 4

/* Modern: struct virtio_pci_common_cfg. */
#define COMMON_DFSELECT     0
#define COMMON_DF           4
#define COMMON_GFSELECT     8
#define COMMON_GF           12
#define COMMON_MSIX         16
#define COMMON_NUMQ         18
#define COMMON_STATUS       20
#define COMMON_Q_SELECT     22
#define COMMON_Q_SIZE       24
#define COMMON_Q_MSIX       26
#define COMMON_Q_ENABLE     28
#define COMMON_Q_NOFF       30
#define COMMON_Q_DESCLO     32
#define COMMON_Q_DESCHI     36
#define COMMON_Q_AVAILLO    40
#define COMMON_Q_AVAILHI    44
#define COMMON_Q_USEDLO     48
#define COMMON_Q_USEDHI     52
#define COMMON_LEN          56

/* Legacy: registers of I/O BAR 0. */
#define LEGACY_HOST_FEATURES  0
#define LEGACY_GUEST_FEATURES 4
#define LEGACY_QUEUE_PFN      8
#define LEGACY_QUEUE_SIZE     12
#define LEGACY_QUEUE_SELECT   14
#define LEGACY_QUEUE_NOTIFY   16
#define LEGACY_STATUS         18
#define LEGACY_ISR            19
#define LEGACY_CONFIG_VECTOR  20
#define LEGACY_QUEUE_VECTOR   22
#define LEGACY_CONFIG         20 /* 24 with MSI-X enabled */
#define LEGACY_CONFIG_MSIX    24

static uint8_t rd8(volatile uint8_t *b, unsigned off) { return b[off]; }
static uint16_t rd16(volatile uint8_t *b, unsigned off)
{
    return *(volatile uint16_t *)(b + off);
}
static uint32_t rd32(volatile uint8_t *b, unsigned off)
{
    return *(volatile uint32_t *)(b + off);
}
static void wr8(volatile uint8_t *b, unsigned off, uint8_t v) { b[off] = v; }
static void wr16(volatile uint8_t *b, unsigned off, uint16_t v)
{
    *(volatile uint16_t *)(b + off) = v;
}
static void wr32(volatile uint8_t *b, unsigned off, uint32_t v)
{
    *(volatile uint32_t *)(b + off) = v;
}

static uint8_t status_get(struct virtio_pci *vp)
{
    return vp->modern ? rd8(vp->common, COMMON_STATUS)
                      : pio_read8(vp->iobase + LEGACY_STATUS);
}

static void status_set(struct virtio_pci *vp, uint8_t s)
{
    if (vp->modern)
        wr8(vp->common, COMMON_STATUS, s);
    else
        pio_write8(vp->iobase + LEGACY_STATUS, s);
}

/* Maps the window a modern capability at `cap` describes, at least
 * `need` bytes long: NULL when it is short or not mappable. */
static volatile uint8_t *cap_map(struct pci_dev *pci, unsigned cap,
                                 uint32_t need, uint32_t *len)
{
    uint8_t bar = pci_config_read8(pci->bdf, cap + CAP_BAR);
    uint32_t off = pci_config_read32(pci->bdf, cap + CAP_OFFSET);
    *len = pci_config_read32(pci->bdf, cap + CAP_LENGTH);
    if (*len < need)
        return NULL;
    return (volatile uint8_t *)pci_map_bar(pci, bar, off, *len);
}

static int modern_open(struct virtio_pci *vp)
{
    struct pci_dev *pci = vp->pci;
    uint32_t len;
    for (unsigned cap = pci_cap_find(pci, PCI_CAP_VENDOR, 0); cap;
         cap = pci_cap_find(pci, PCI_CAP_VENDOR, cap)) {
        uint8_t type = pci_config_read8(pci->bdf, cap + CAP_CFG_TYPE);
        if (type == CFG_COMMON && !vp->common)
            vp->common = cap_map(pci, cap, COMMON_LEN, &len);
        else if (type == CFG_ISR && !vp->isr)
            vp->isr = cap_map(pci, cap, 1, &len);
        else if (type == CFG_DEVICE && !vp->device)
            vp->device = cap_map(pci, cap, 1, &vp->device_len);
        else if (type == CFG_NOTIFY && !vp->notify) {
            vp->notify = cap_map(pci, cap, 2, &vp->notify_len);
            vp->notify_multiplier =
                pci_config_read32(pci->bdf, cap + CAP_NOTIFY_MULTIPLIER);
        }
    }
    return vp->common && vp->isr && vp->notify ? 0 : -ENODEV;
}

int virtio_pci_open(struct virtio_pci *vp, struct pci_dev *pci)
{
    *vp = (struct virtio_pci){ .pci = pci };
    if (modern_open(vp) == 0) {
        vp->modern = true;
    } else if (pci->bar[0].io && pci->bar[0].size >= LEGACY_CONFIG_MSIX) {
        vp->iobase = (uint16_t)pci->bar[0].base;
    } else {
        return -ENODEV;
    }
    pci_enable(pci, false);
    status_set(vp, 0); /* reset */
    for (int i = 0; i < 1000 && status_get(vp) != 0; i++)
        ;              /* modern: reads 0 once the reset is done */
    status_set(vp, VIRTIO_STATUS_ACKNOWLEDGE);
    status_set(vp, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    return 0;
}

uint64_t virtio_pci_features(struct virtio_pci *vp)
{
    if (!vp->modern)
        return pio_read32(vp->iobase + LEGACY_HOST_FEATURES);
    wr32(vp->common, COMMON_DFSELECT, 0);
    uint64_t lo = rd32(vp->common, COMMON_DF);
    wr32(vp->common, COMMON_DFSELECT, 1);
    uint64_t hi = rd32(vp->common, COMMON_DF);
    return hi << 32 | lo;
}

int virtio_pci_set_features(struct virtio_pci *vp, uint64_t features)
{
    if (!vp->modern) {
        pio_write32(vp->iobase + LEGACY_GUEST_FEATURES, (uint32_t)features);
        return 0;
    }
    wr32(vp->common, COMMON_GFSELECT, 0);
    wr32(vp->common, COMMON_GF, (uint32_t)features);
    wr32(vp->common, COMMON_GFSELECT, 1);
    wr32(vp->common, COMMON_GF, (uint32_t)(features >> 32));
    uint8_t s = status_get(vp);
    status_set(vp, s | VIRTIO_STATUS_FEATURES_OK);
    return status_get(vp) & VIRTIO_STATUS_FEATURES_OK ? 0 : -ENODEV;
}

bool virtio_pci_msix(struct virtio_pci *vp, irq_handler_t *handler, void *arg)
{
    uint64_t addr;
    uint32_t data;
    if (!pci_cap_find(vp->pci, PCI_CAP_MSIX, 0) ||
        irq_msi_alloc(handler, arg, &addr, &data) ||
        pci_msix_enable(vp->pci, addr, data))
        return false;
    uint16_t got;
    if (vp->modern) {
        wr16(vp->common, COMMON_MSIX, 0);
        got = rd16(vp->common, COMMON_MSIX);
    } else {
        pio_write16(vp->iobase + LEGACY_CONFIG_VECTOR, 0);
        got = pio_read16(vp->iobase + LEGACY_CONFIG_VECTOR);
    }
    vp->msix = got == 0;
    return vp->msix;
}

int virtio_pci_queue(struct virtio_pci *vp, unsigned index, unsigned max,
                     struct virtq *q)
{
    if (index >= VIRTIO_PCI_QUEUES)
        return -ENODEV;
    unsigned size;
    if (vp->modern) {
        if (index >= rd16(vp->common, COMMON_NUMQ))
            return -ENODEV;
        wr16(vp->common, COMMON_Q_SELECT, (uint16_t)index);
        size = rd16(vp->common, COMMON_Q_SIZE);
        if (size > max)
            size = max;
        while (size & (size - 1))
            size &= size - 1; /* the largest power of two below */
    } else {
        pio_write16(vp->iobase + LEGACY_QUEUE_SELECT, (uint16_t)index);
        size = pio_read16(vp->iobase + LEGACY_QUEUE_SIZE);
    }
    if (!size || size > VIRTQ_MAX_SIZE || (size & (size - 1)))
        return -ENODEV;
    /* above 2 KiB kalloc gives whole contiguous frames, page aligned */
    void *ring = kalloc(virtq_ring_bytes(size));
    if (!ring)
        return -ENOMEM;
    phys_addr_t pa = kalloc_paddr(ring);
    virtq_init(q, size, ring, pa);
    if (!vp->modern) {
        if (vp->msix) {
            pio_write16(vp->iobase + LEGACY_QUEUE_VECTOR, 0);
            if (pio_read16(vp->iobase + LEGACY_QUEUE_VECTOR) != 0)
                vp->msix = false;
        }
        pio_write32(vp->iobase + LEGACY_QUEUE_PFN, (uint32_t)(pa >> 12));
        return 0;
    }
    uint32_t noff = rd16(vp->common, COMMON_Q_NOFF) * vp->notify_multiplier;
    if (noff > vp->notify_len - 2) {
        kfree(ring);
        return -ENODEV;
    }
    vp->queue_notify[index] = (volatile uint16_t *)(vp->notify + noff);
    wr16(vp->common, COMMON_Q_SIZE, (uint16_t)size);
    if (vp->msix) {
        wr16(vp->common, COMMON_Q_MSIX, 0);
        if (rd16(vp->common, COMMON_Q_MSIX) != 0)
            vp->msix = false;
    }
    wr32(vp->common, COMMON_Q_DESCLO, (uint32_t)q->desc_pa);
    wr32(vp->common, COMMON_Q_DESCHI, (uint32_t)(q->desc_pa >> 32));
    wr32(vp->common, COMMON_Q_AVAILLO, (uint32_t)q->avail_pa);
    wr32(vp->common, COMMON_Q_AVAILHI, (uint32_t)(q->avail_pa >> 32));
    wr32(vp->common, COMMON_Q_USEDLO, (uint32_t)q->used_pa);
    wr32(vp->common, COMMON_Q_USEDHI, (uint32_t)(q->used_pa >> 32));
    wr16(vp->common, COMMON_Q_ENABLE, 1);
    return 0;
}

void virtio_pci_notify(struct virtio_pci *vp, unsigned index)
{
    if (vp->modern) {
        if (index < VIRTIO_PCI_QUEUES && vp->queue_notify[index])
            *vp->queue_notify[index] = (uint16_t)index;
    } else {
        pio_write16(vp->iobase + LEGACY_QUEUE_NOTIFY, (uint16_t)index);
    }
}

void virtio_pci_ready(struct virtio_pci *vp)
{
    status_set(vp, status_get(vp) | VIRTIO_STATUS_DRIVER_OK);
}

void virtio_pci_fail(struct virtio_pci *vp)
{
    status_set(vp, 0); /* a reset: the device lets go of every queue */
    status_set(vp, VIRTIO_STATUS_FAILED);
}

uint8_t virtio_pci_isr(struct virtio_pci *vp)
{
    return vp->modern ? rd8(vp->isr, 0) : pio_read8(vp->iobase + LEGACY_ISR);
}

uint8_t virtio_pci_config8(struct virtio_pci *vp, unsigned off)
{
    if (vp->modern)
        return vp->device && off < vp->device_len ? rd8(vp->device, off) : 0xff;
    unsigned base = vp->pci->msix_table ? LEGACY_CONFIG_MSIX : LEGACY_CONFIG;
    if (base + off >= vp->pci->bar[0].size)
        return 0xff;
    return pio_read8((uint16_t)(vp->iobase + base + off));
}

uint16_t virtio_pci_config16(struct virtio_pci *vp, unsigned off)
{
    return (uint16_t)(virtio_pci_config8(vp, off) |
                      virtio_pci_config8(vp, off + 1) << 8);
}
