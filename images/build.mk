# images: bootable images, `make image`, `make run`, `make debug` (included
# by the top Makefile).  Every image boots under BIOS and UEFI; GRUB loads
# the kernel by Multiboot2 with $(CMDLINE) from images/grub.cfg.in.
#
#   make image APP=apps/NAME [FORMAT=iso|raw|qcow2|gce|all] [CMDLINE='...']
#     build/images/NAME.iso          hybrid ISO: CD-ROM or disk (make all)
#     build/images/NAME.raw          64 MiB GPT disk: BIOS boot + ESP
#     build/images/NAME.qcow2        the same disk as qcow2
#     build/images/NAME-gce.tar.gz   disk.raw (1 GiB, sparse) for GCE
#   make run [FORMAT=...] [FIRMWARE=bios|uefi] [BUS=cd|ide|virtio|scsi]
#            [MEM=128M] [SMP=1] [CMDLINE='...'] [ACCEL=kvm|tcg]
#            [NET=user|none] [PORTS='8080:80 ...']
#     boots the image with the serial console on the terminal; KVM when
#     /dev/kvm really runs a guest (images/accel.sh), else TCG.  Prints the
#     kernel's exit status and its meaning; make exits 0 only for status 0
#     (make cannot pass the status on: images/qemu.sh, which `make run`
#     calls, exits with it).  RUN_MODE=pvh boots build/kernel.elf directly.
#     MODFILES= (a recipe's `modfiles`): files in a boot module,
#     build/modules/NAME.cpio, that the images carry as /boot/NAME.cpio
#     (GRUB's module2) and a pvh run passes as -initrd.
#     NET=user (default): a virtio-net NIC on QEMU's user network, each
#     PORTS entry HOST:GUEST forwarding 127.0.0.1:HOST to the guest's TCP
#     port GUEST; NET=none: no NIC at all.  QEMU_EXTRA adds arguments.
#   make debug [GDB=no] [GDB_PORT=1234] [GDBFLAGS='...']
#     the same boot halted at the first instruction with QEMU's gdb stub,
#     and gdb attached with the kernel's and the app's symbols
#     (images/debug.sh; GDB=no prints the gdb commands instead).

IMAGE_BASE := $(BUILD)/images/$(APPNAME)
ISO        := $(IMAGE_BASE).iso
RAW        := $(IMAGE_BASE).raw
QCOW2      := $(IMAGE_BASE).qcow2
GCE        := $(IMAGE_BASE)-gce.tar.gz
GCE_DISK   := $(IMAGE_BASE)-gce/disk.raw
IMAGE_DEPS  = $(KERNEL_ELF) images/grub.cfg.in images/mkimage.sh \
              images/grubcfg.sh $(BUILD)/images/$(APPNAME).cmdline $(MODULE)

FORMAT     ?= iso
NET        ?= user
PORTS      ?=
FIRMWARE   ?= bios
GDB        ?= yes
GDB_PORT   ?= 1234
GDBFLAGS   ?=

image_of_iso   := $(ISO)
image_of_raw   := $(RAW)
image_of_qcow2 := $(QCOW2)
image_of_gce   := $(GCE)
image_of_all   := $(ISO) $(RAW) $(QCOW2) $(GCE)
IMAGES := $(image_of_$(FORMAT))

# `make run`/`make debug`: one format (all -> iso), its default bus.
RUN_FORMAT := $(if $(filter all,$(FORMAT)),iso,$(FORMAT))
bus_of_iso   := cd
bus_of_raw   := virtio
bus_of_qcow2 := virtio
bus_of_gce   := scsi
BUS        ?= $(bus_of_$(RUN_FORMAT))
RUN_MODE   ?= $(FIRMWARE)-$(RUN_FORMAT)-$(BUS)
RUN_IMAGE  := $(strip $(if $(filter pvh,$(RUN_MODE)),$(KERNEL_ELF), \
              $(if $(filter gce,$(RUN_FORMAT)),$(GCE_DISK),$(IMAGES))))
# The NIC of `make run`: virtio-net on the user network, or none at all
# (QEMU would otherwise add its default NIC).
comma := ,
empty :=
space := $(empty) $(empty)
RUN_NET_user = -netdev user,id=n0$(subst $(space),,$(foreach p,$(PORTS),$(comma)hostfwd=tcp:127.0.0.1:$(subst :,-:,$(p)))) \
               -device virtio-net-pci,netdev=n0
RUN_NET_none = -nic none
RUN_NET      = $(if $(filter user none,$(NET)),$(RUN_NET_$(NET)),$(error NET=$(NET)? (user, none)))

# Unless the user set ACCEL, ask images/accel.sh whether KVM really works.
RUN_ACCEL   = $(if $(filter file,$(origin ACCEL)),$(shell images/accel.sh $(BUILD)/accel $(KERNEL_ELF)),$(ACCEL) set by ACCEL=)

# Rebuild the images when CMDLINE changes: the stamp is rewritten only then.
$(BUILD)/images/$(APPNAME).cmdline: FORCE
	@mkdir -p $(dir $@)
	@echo '$(CMDLINE)' | cmp -s - $@ || echo '$(CMDLINE)' > $@

$(ISO): $(IMAGE_DEPS) images/mkiso.sh
	$(call say,IMAGE,$@)
	$(Q)images/mkimage.sh iso $(KERNEL_ELF) $@ '$(CMDLINE)' $(MODULE)
$(RAW): $(IMAGE_DEPS) images/mkdisk.sh
	$(call say,IMAGE,$@)
	$(Q)images/mkimage.sh raw $(KERNEL_ELF) $@ '$(CMDLINE)' $(MODULE)
$(QCOW2): $(IMAGE_DEPS) images/mkdisk.sh
	$(call say,IMAGE,$@)
	$(Q)images/mkimage.sh qcow2 $(KERNEL_ELF) $@ '$(CMDLINE)' $(MODULE)
$(GCE): $(IMAGE_DEPS) images/mkdisk.sh
	$(call say,IMAGE,$@)
	$(Q)images/mkimage.sh gce $(KERNEL_ELF) $@ '$(CMDLINE)' $(MODULE)
$(GCE_DISK): $(GCE)
	@mkdir -p $(dir $@)
	$(call say,UNTAR,$@)
	$(Q)tar -xSzf $< -C $(dir $@) disk.raw && touch $@

all: $(ISO)
TEST_BUILD += $(ISO) $(RAW) $(QCOW2) $(GCE)

image: deps
	@$(if $(IMAGES),,echo "image: FORMAT=$(FORMAT)? (iso, raw, qcow2, gce, all)" >&2; exit 2)
	@$(MAKE) --no-print-directory $(IMAGES)
	@ls -ls $(IMAGES)

run: deps
	@$(if $(RUN_IMAGE),,echo "run: FORMAT=$(FORMAT)? (iso, raw, qcow2, gce)" >&2; exit 2)
	@$(MAKE) --no-print-directory all $(RUN_IMAGE)
	@verdict='$(RUN_ACCEL)'; accel=$${verdict%% *}; \
	 echo "run: accelerator $$accel ($${verdict#* }), mode $(RUN_MODE), image $(RUN_IMAGE)"; \
	 MEM=$(MEM) SMP=$(SMP) ACCEL=$$accel VARS_DIR=$(BUILD) MODULE=$(MODULE) \
	 QEMU_EXTRA='$(RUN_NET) $(QEMU_EXTRA)' \
	 images/qemu.sh $(RUN_MODE) $(RUN_IMAGE) '$(CMDLINE)'; status=$$?; \
	 echo "run: exit status $$status: $$(images/status.sh $$status)" >&2; \
	 exit $$status

debug: deps
	@$(if $(RUN_IMAGE),,echo "debug: FORMAT=$(FORMAT)? (iso, raw, qcow2, gce)" >&2; exit 2)
	@$(MAKE) --no-print-directory all $(RUN_IMAGE) $(APP_ELF)
	@verdict='$(RUN_ACCEL)'; \
	 MEM=$(MEM) SMP=$(SMP) ACCEL=$${verdict%% *} VARS_DIR=$(BUILD) GDB=$(GDB) MODULE=$(MODULE) \
	 GDB_PORT=$(GDB_PORT) GDBFLAGS="$(GDBFLAGS)" \
	 images/debug.sh $(RUN_MODE) $(RUN_IMAGE) $(KERNEL_ELF) $(APP_ELF) '$(CMDLINE)'

.PHONY: FORCE image debug images-deps
FORCE:
