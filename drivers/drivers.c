/*
 * drivers.c - the table of PCI drivers (drivers/drivers.h).  A new
 * driver adds one line here.
 */
#include "drivers/drivers.h"
#include "drivers/pci.h"
#include "drivers/virtio_net.h"

static const struct pci_driver pci_drivers[] = {
    { "virtio-net", virtio_net_match, virtio_net_probe },
};

int drivers_probe(void)
{
    return pci_probe(pci_drivers,
                     (int)(sizeof(pci_drivers) / sizeof(pci_drivers[0])));
}
