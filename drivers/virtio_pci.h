/*
 * drivers/virtio_pci.h - the virtio-over-PCI transport (virtio 1.x section
 * 4.1): modern devices through their common/notify/ISR/device
 * configuration capabilities (memory BARs), legacy and transitional ones
 * through the registers of I/O BAR 0.  One MSI-X vector for the
 * configuration and every queue when the device and the port allow it.
 *
 * Context: probe time, then the driver's poll (one CPU).
 */
#ifndef DRIVERS_VIRTIO_PCI_H
#define DRIVERS_VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/pci.h"
#include "drivers/pci.h"
#include "drivers/virtqueue.h"

#define VIRTIO_PCI_VENDOR 0x1af4

/* Device status bits. */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER      2
#define VIRTIO_STATUS_DRIVER_OK   4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_FAILED      0x80

#define VIRTIO_F_ANY_LAYOUT 27
#define VIRTIO_F_VERSION_1  32

#define VIRTIO_ISR_QUEUE  1
#define VIRTIO_ISR_CONFIG 2

#define VIRTIO_MSI_NO_VECTOR 0xffff
#define VIRTIO_PCI_QUEUES 4 /* queues a driver may set up */

struct virtio_pci {
    struct pci_dev *pci;
    bool modern;
    bool msix;                  /* vector 0 serves config and queues */
    /* modern: mapped capability windows */
    volatile uint8_t *common, *isr, *device, *notify;
    uint32_t notify_multiplier;
    uint32_t device_len, notify_len;
    volatile uint16_t *queue_notify[VIRTIO_PCI_QUEUES];
    /* legacy: I/O BAR 0 */
    uint16_t iobase;
};

/* Finds the transport of `pci` (modern capabilities first, else a
 * legacy I/O BAR 0), maps it and enables the function; then resets the
 * device and sets ACKNOWLEDGE|DRIVER.  0, or -ENODEV / -ENOMEM. */
int virtio_pci_open(struct virtio_pci *vp, struct pci_dev *pci);

/* The device's feature bits (legacy: the low 32 only). */
uint64_t virtio_pci_features(struct virtio_pci *vp);

/* Writes the accepted features; modern devices must then accept them
 * (FEATURES_OK read back).  0, or -ENODEV when the device refuses. */
int virtio_pci_set_features(struct virtio_pci *vp, uint64_t features);

/* Asks for MSI-X (a vector with `handler(arg)`) before the queues are
 * set up: true when the device will interrupt through it. */
bool virtio_pci_msix(struct virtio_pci *vp, irq_handler_t *handler, void *arg);

/* Sets up queue `index` with at most `max` descriptors (modern devices
 * take fewer; legacy ones impose theirs): the ring block from kalloc,
 * given to the device, vector 0 when MSI-X.  0, or -ENODEV (no such
 * queue, or a size past VIRTQ_MAX_SIZE) / -ENOMEM. */
int virtio_pci_queue(struct virtio_pci *vp, unsigned index, unsigned max,
                     struct virtq *q);

/* Tells the device about new buffers of queue `index`. */
void virtio_pci_notify(struct virtio_pci *vp, unsigned index);

/* Sets DRIVER_OK: the device is live. */
void virtio_pci_ready(struct virtio_pci *vp);

/* Resets the device (it lets go of the queues' memory) and marks it
 * FAILED: the driver gives up on it. */
void virtio_pci_fail(struct virtio_pci *vp);

/* Reads (and so clears) the ISR status: VIRTIO_ISR_* bits. */
uint8_t virtio_pci_isr(struct virtio_pci *vp);

/* Byte `off` of the device-specific configuration (0xff past its end). */
uint8_t virtio_pci_config8(struct virtio_pci *vp, unsigned off);

/* Little-endian 16-bit field at `off` of it. */
uint16_t virtio_pci_config16(struct virtio_pci *vp, unsigned off);

#endif
