# drivers: PCI and the device drivers (included by the top Makefile).
# DRIVERS_SRCS is linked into the kernel; the portable parts (the
# virtqueue, virtio-net's data path) are tested on the host against fake
# devices.
DRIVERS_SRCS := drivers/drivers.c drivers/pci.c drivers/virtqueue.c \
                drivers/virtio_pci.c drivers/virtio_net.c

$(eval $(call unit_test,test_virtqueue,tests/unit/test_virtqueue.c drivers/virtqueue.c))
# virtio-net over a fake transport played by the test (no PCI, no kalloc)
$(BUILD)/host/drivers/virtio_net.o: HOSTCFLAGS += -iquote lib/include
$(eval $(call unit_test,test_virtio_net,tests/unit/test_virtio_net.c drivers/virtio_net.c drivers/virtqueue.c))
# PCI enumeration over a fake configuration space (kmap_phys faked too)
$(eval $(call unit_test,test_pci,tests/unit/test_pci.c drivers/pci.c))
