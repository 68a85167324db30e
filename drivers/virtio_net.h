/*
 * drivers/virtio_net.h - the virtio-net driver (virtio 1.x section 5.1)
 * over drivers/virtio_pci.h: one receive and one transmit queue, the
 * receive ring kept full of 2 KiB buffers, frames up to 1514 bytes; each
 * probed device becomes a struct netdev (net/netdev.h).
 *
 * Features taken when offered: MAC, STATUS, ANY_LAYOUT (legacy),
 * VERSION_1 (required of modern devices).  Not taken: MRG_RXBUF (one
 * buffer holds any frame without the offloads that make frames larger),
 * CSUM and GUEST_CSUM (the netdev interface carries no per-frame checksum
 * state, so neither could be honoured correctly).
 */
#ifndef DRIVERS_VIRTIO_NET_H
#define DRIVERS_VIRTIO_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/pci.h"
#include "net/netdev.h"

/* A virtio-net function (legacy/transitional 0x1000 with subsystem 1, or
 * modern 0x1041). */
bool virtio_net_match(const struct pci_dev *pci);

/* Brings the device up and registers its netdev; prints
 * "virtio-net: BDF MAC link up|down (modern|legacy, msi-x|polled)".
 * 0, or a negative errno (the device is left FAILED or untouched). */
int virtio_net_probe(struct pci_dev *pci);

/* Interrupts taken by the device behind `d` (a virtio-net netdev). */
uint64_t virtio_net_irqs(const struct netdev *d);

/* True when the device behind `d` interrupts (MSI-X), false when only
 * polling (the timer tick) takes its frames. */
bool virtio_net_interrupts(const struct netdev *d);

#endif
