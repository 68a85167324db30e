# arch/x86_64: the port's sources and the kernel link (included by the top
# Makefile).
#
# The link runs twice so that the kernel carries its own symbol table:
#   pass 1: every object + an empty table      -> build/kernel.pass1.elf
#   nm pass 1 (text symbols) -> build/ksyms.S  (.ksyms sits after .text, so
#   pass 2: every object + the real table      -> build/kernel.elf
# text addresses cannot move between passes; the check below proves it).
# Then check-image.sh rejects a broken Multiboot2 header or an image larger
# than KERNEL_MAX_SIZE, so such a build fails instead of hanging at boot.

# Every source of the port: boot and CPU set-up, traps, the MMU, the
# console, power; user mode (syscall entry, usercopy, protections); the
# clock, randomness, the timer and the context switch.
ARCH_SRCS := \
  arch/x86_64/boot.S arch/x86_64/pvh.c arch/x86_64/cpu.c arch/x86_64/serial.c \
  arch/x86_64/traps.S arch/x86_64/trap.c arch/x86_64/mmu.c \
  arch/x86_64/paging.c arch/x86_64/power.c arch/x86_64/string.c \
  arch/x86_64/syscall.S arch/x86_64/user.c arch/x86_64/usercopy.S \
  arch/x86_64/protect.c arch/x86_64/clock.c arch/x86_64/random.c \
  arch/x86_64/apic.c arch/x86_64/switch.S arch/x86_64/context.c \
  arch/x86_64/sigframe.c arch/x86_64/pci.c arch/x86_64/irq.c \
  arch/x86_64/irq_entry.S arch/x86_64/pcid.c

KERNEL_ELF      := $(BUILD)/kernel.elf
KERNEL_MAX_SIZE ?= 16777216
KLDFLAGS        := -nostdlib -static -z max-page-size=4096 \
                   --no-warn-rwx-segments
kernel_objs      = $(patsubst %,$(BUILD)/kernel/%.o,$(basename $(1)))

$(BUILD)/kernel/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(KCFLAGS) -c -o $@ $<

$(BUILD)/kernel/%.o: %.S
	@mkdir -p $(dir $@)
	$(call say,AS,$@)
	$(Q)$(CC) $(KASFLAGS) -c -o $@ $<

$(BUILD)/kernel.lds: arch/x86_64/kernel.ld arch/x86_64/layout.h \
                     abi/kernel_exit.h
	@mkdir -p $(dir $@)
	$(call say,CPP,$@)
	$(Q)$(CC) -E -P -x c -D__ASSEMBLY__ -I. $< -o $@

$(BUILD)/ksyms-empty.S: arch/x86_64/gen-ksyms.sh
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)
	$(Q)arch/x86_64/gen-ksyms.sh /dev/null > $@.tmp && mv $@.tmp $@

$(BUILD)/ksyms.o $(BUILD)/ksyms-empty.o: $(BUILD)/%.o: $(BUILD)/%.S
	$(call say,AS,$@)
	$(Q)$(CC) $(KASFLAGS) -c -o $@ $<

$(BUILD)/kernel.pass1.elf: $$(call kernel_objs,$$(KERNEL_SRCS)) $$(KERNEL_LIBS) \
                           $(BUILD)/ksyms-empty.o $(BUILD)/kernel.lds
	$(call say,LD,$@)
	$(Q)$(LD) $(KLDFLAGS) -T $(BUILD)/kernel.lds -o $@ \
	    $(call kernel_objs,$(KERNEL_SRCS)) $(KERNEL_LIBS) $(BUILD)/ksyms-empty.o

$(BUILD)/ksyms.S: $(BUILD)/kernel.pass1.elf arch/x86_64/gen-ksyms.sh
	$(call say,GEN,$@)
	$(Q)arch/x86_64/gen-ksyms.sh $< > $@.tmp && mv $@.tmp $@

$(KERNEL_ELF): $(BUILD)/kernel.pass1.elf $(BUILD)/ksyms.o \
               arch/x86_64/check-image.sh
	$(call say,LD,$@)
	$(Q)$(LD) $(KLDFLAGS) -T $(BUILD)/kernel.lds -o $@.tmp \
	    $(call kernel_objs,$(KERNEL_SRCS)) $(KERNEL_LIBS) $(BUILD)/ksyms.o
	@arch/x86_64/gen-ksyms.sh $@.tmp | cmp -s - $(BUILD)/ksyms.S || \
	    { echo "kernel: text moved between link passes; symbol table stale" >&2; \
	      rm -f $@.tmp; exit 1; }
	@arch/x86_64/check-image.sh $@.tmp $(KERNEL_MAX_SIZE) || { rm -f $@.tmp; exit 1; }
	@mv $@.tmp $@

all: $(KERNEL_ELF)
