# images: the bootable ISO and `make run` (included by the top Makefile).
#
#   build/images/$(APPNAME).iso   GRUB (BIOS + UEFI), hybrid: boots as a
#                                 CD-ROM and as a raw disk; the kernel gets
#                                 $(CMDLINE) through grub.cfg.
#   make run                      boots that ISO (SeaBIOS, CD-ROM) with the
#                                 serial console on stdio.  Exit status 0
#                                 when the kernel shut down cleanly; else
#                                 make fails with "Error N", N the kernel's
#                                 status (kernel_exit.h; make itself can only
#                                 exit 2: images/qemu.sh exits with N).
#   make run RUN_MODE=pvh         boots build/kernel.elf directly (no GRUB).

ISO      := $(BUILD)/images/$(APPNAME).iso
RUN_MODE ?= bios-cd

# Rebuild the ISO when CMDLINE changes: the stamp is rewritten only then.
$(BUILD)/images/$(APPNAME).cmdline: FORCE
	@mkdir -p $(dir $@)
	@echo '$(CMDLINE)' | cmp -s - $@ || echo '$(CMDLINE)' > $@

$(ISO): $(KERNEL_ELF) images/grub.cfg.in images/mkiso.sh \
        $(BUILD)/images/$(APPNAME).cmdline
	images/mkiso.sh $(KERNEL_ELF) $@ '$(CMDLINE)'

all: $(ISO)

run: deps
	@$(MAKE) --no-print-directory all
	@if [ '$(RUN_MODE)' = pvh ]; then image=$(KERNEL_ELF); else image=$(ISO); fi; \
	 MEM=$(MEM) SMP=$(SMP) ACCEL=$(ACCEL) VARS_DIR=$(BUILD) \
	 images/qemu.sh $(RUN_MODE) $$image '$(CMDLINE)'; status=$$?; \
	 [ $$status -eq 0 ] || echo "run: kernel exit status $$status" >&2; \
	 exit $$status

.PHONY: FORCE
FORCE:
