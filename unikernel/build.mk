# unikernel: the machine-independent core (included by the top Makefile):
# its sources, its host tools and tests, and the embedding of the
# application into the kernel image.
#
#   make [APP=apps/NAME | ELF=path/to/static-elf] [FILES='a b ...']
#        embeds build/apps/NAME.elf (default apps/hello) or ELF= into
#        build/kernel.elf, after build/tools/elfcheck accepted it (a
#        malformed ELF fails the build with elfcheck's message; ELF_NOCHECK=1
#        skips the check, for the boot test of the kernel's own refusal).
#        FILES= are packed into a cpio (newc) archive: the guest's tmpfs,
#        paths as given (relative ones are relative to "/").
#        MODFILES= go into build/modules/NAME.cpio instead, a boot module
#        the images and `make run` pass beside the kernel (large data:
#        the image stays under KERNEL_MAX_SIZE).
#   build/kernels/NAME.elf
#        the same kernel with another embedded program, for tests/boot
#        (relinked from the same objects: tests/boot/build.mk).

# Every source of the core, boot first, then tasks and their system calls.
CORE_SRCS := \
  unikernel/main.c unikernel/panic.c unikernel/power.c unikernel/bootinfo.c \
  unikernel/multiboot2.c unikernel/cmdline.c unikernel/ram.c \
  unikernel/acpi.c unikernel/boottime.c \
  unikernel/selftest.c unikernel/selftest_fault.c unikernel/selftest_clock.c \
  unikernel/selftest_protect.c unikernel/selftest_net.c \
  unikernel/task.c unikernel/sched.c unikernel/proc.c unikernel/thread.c \
  unikernel/futex.c unikernel/waitq.c unikernel/exec.c \
  unikernel/elf.c unikernel/aslr.c unikernel/rlimit.c unikernel/signal.c \
  unikernel/fd.c unikernel/flock.c unikernel/bsdlock.c unikernel/console.c unikernel/pipe.c \
  unikernel/memfd.c unikernel/poll.c unikernel/sys_poll.c unikernel/epoll.c \
  unikernel/eventfd.c unikernel/itimer.c unikernel/timerfd.c unikernel/deadline.c unikernel/pgrp.c \
  unikernel/socket.c unikernel/unix_sock.c unikernel/unix_gc.c unikernel/userdb.c unikernel/sendfile.c \
  unikernel/tmpfs.c unikernel/modfiles.c unikernel/dev.c unikernel/pagecache.c \
  unikernel/path.c unikernel/sys_dir.c unikernel/sys_fsmeta.c unikernel/cpio.c unikernel/procfs.c unikernel/procfs_info.c unikernel/procfd.c unikernel/usercopy.c \
  unikernel/syscall.c unikernel/sysnames.c unikernel/sys_file.c \
  unikernel/sys_mm.c unikernel/sys_misc.c \
  unikernel/sysv_ipc.c unikernel/sysv_shm.c unikernel/sysv_sem.c \
  unikernel/sysv_msg.c \
  unikernel/embed.S

# The core's own headers (unikernel/include: cmdline.h, ram.h, ...)
# are on the include path of the core's objects only: mm/, arch/ and lib/
# reach none of them by a bare name.
$(BUILD)/kernel/unikernel/%.o: KCFLAGS += -Iunikernel/include

# Host builds of unikernel/ sources reach the kernel's own headers
# ("cmdline.h", "ram.h") through the quote path only, so that
# <string.h> and <errno.h> stay the host's.
$(BUILD)/host/unikernel/%.o: HOSTCFLAGS += -iquote unikernel/include
$(eval $(call unit_test,test_cmdline,tests/unit/test_cmdline.c unikernel/cmdline.c))
$(eval $(call unit_test,test_acpi,tests/unit/test_acpi.c unikernel/acpi.c))
$(BUILD)/host/tests/unit/test_mb2.o: HOSTCFLAGS += -iquote unikernel/include
$(eval $(call unit_test,test_mb2,tests/unit/test_mb2.c unikernel/multiboot2.c))

# ---- the ELF validator: host tool, unit tests, fuzz target, samples ----
# build/tools/elfcheck FILE...: prints the load plan or refuses a bad ELF.
ELFCHECK := $(BUILD)/tools/elfcheck
$(ELFCHECK): $(call host_objs,unikernel/elfcheck.c unikernel/elf.c unikernel/readfile.c)
	@mkdir -p $(dir $@)
	$(call say,HOSTLD,$@)
	$(Q)$(HOSTCC) $(HOSTCFLAGS) -o $@ $^

# The validator must also build freestanding, exactly as the kernel builds it.
$(BUILD)/kcheck/unikernel/elf.o: unikernel/elf.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(KCFLAGS) -c -o $@ $<

# Real static binaries for tests/unit/test_elf.c (found in build/elf-samples/
# or $ELF_SAMPLES): musl static ET_EXEC, glibc static PIE (ET_DYN).
ELF_SAMPLES := $(BUILD)/elf-samples
$(ELF_SAMPLES)/musl-static.elf: apps/abi_tls/abi_tls.c
	@mkdir -p $(dir $@)
	$(call say,MUSLCC,$@)
	$(Q)$(MUSLCC) -static -O2 -o $@ $<
$(ELF_SAMPLES)/glibc-static-pie.elf: apps/abi_tls/abi_tls.c
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(HOSTCC) -static-pie -fPIE -O2 -o $@ $<

$(eval $(call unit_test,test_elf,tests/unit/test_elf.c unikernel/elf.c))
# The tool itself, run on the samples (it needs $(ELFCHECK), built below).
$(eval $(call unit_test,test_elfcheck,tests/unit/test_elfcheck.c))
$(eval $(call fuzz_target,fuzz_elf,tests/fuzz/fuzz_elf.c unikernel/elf.c))

TEST_BUILD += $(ELFCHECK) $(BUILD)/kcheck/unikernel/elf.o \
              $(ELF_SAMPLES)/musl-static.elf $(ELF_SAMPLES)/glibc-static-pie.elf

# The archive reader is portable: tested and fuzzed on the host.
$(eval $(call unit_test,test_cpio,tests/unit/test_cpio.c unikernel/cpio.c))
$(eval $(call fuzz_target,fuzz_cpio,tests/fuzz/fuzz_cpio.c unikernel/cpio.c))

# ---- the embedded application ----
EMBED_ELF  := $(if $(ELF),$(ELF),$(BUILD)/apps/$(APPNAME).elf)
EMBED_NAME := $(if $(ELF),$(basename $(notdir $(ELF))),$(APPNAME))
EMBED_DIR  := $(BUILD)/embed

# build/tools/cpiocheck ARCHIVE FILE...: the archive holds exactly FILEs.
CPIOCHECK := $(BUILD)/tools/cpiocheck
$(CPIOCHECK): $(call host_objs,unikernel/cpiocheck.c unikernel/cpio.c unikernel/readfile.c)
	@mkdir -p $(dir $@)
	$(call say,HOSTLD,$@)
	$(Q)$(HOSTCC) $(HOSTCFLAGS) -o $@ $^

# $(call embed_rules,DIR,ELF,NAME,NOCHECK,FILES): DIR/embed.o from ELF
# (checked unless NOCHECK) named NAME, with FILES as DIR/files.cpio.  A
# stamp holds the choice, so that changing it rebuilds the object.
define embed_rules
$(1)/choice: FORCE
	@mkdir -p $(1)
	@echo '$(2) $(3) $(4) $(5)' | cmp -s - $$@ || echo '$(2) $(3) $(4) $(5)' > $$@

# The embedded copy drops DWARF (gdb reads the app's own ELF); an unchecked,
# possibly malformed ELF (ELF_NOCHECK) is embedded byte for byte.
$(1)/app.elf: $(2) $(ELFCHECK) $(1)/choice
	@mkdir -p $(1)
	$(if $(4),@echo "  EMBED   $(2): embedded unchecked (ELF_NOCHECK)",@$(ELFCHECK) $(2) > $(1)/plan.txt || { cat $(1)/plan.txt >&2; echo "embed: $(2) refused" >&2; exit 1; })
	$$(call say,EMBED,$$@)
	$$(Q)$(if $(4),cp $(2) $$@,$(OBJCOPY) --strip-debug $(2) $$@)

# Written to a temporary name and checked (build/tools/cpiocheck: exactly
# FILES, with their sizes) before it takes the real one.
$(1)/files.cpio: $(5) $(1)/choice $(CPIOCHECK)
	@mkdir -p $(1)
	$$(call say,CPIO,$$@)
	$$(Q)printf '%s\n' $(5) | cpio -o -H newc --quiet > $$@.tmp
	@$(CPIOCHECK) $$@.tmp $(5) || { rm -f $$@.tmp; echo "embed: $$@: bad archive" >&2; exit 1; }
	@mv $$@.tmp $$@

$(1)/embed.o: unikernel/embed.S $(1)/app.elf $(if $(5),$(1)/files.cpio)
	$$(call say,AS,$$@)
	$$(Q)$(CC) $$(KASFLAGS) -DEMBED_APP='"$(1)/app.elf"' -DEMBED_NAME='"$(3)"' \
	    $(if $(5),-DEMBED_FILES='"$(1)/files.cpio"') -c -o $$@ $$<
endef

$(eval $(call embed_rules,$(EMBED_DIR),$(EMBED_ELF),$(EMBED_NAME),$(ELF_NOCHECK),$(FILES)))

# $(call module_rules,ARCHIVE,FILES): ARCHIVE, the cpio (newc) of FILES
# for a boot module (unikernel/modfiles.h: the loader passes it beside the
# kernel, which maps its files' pages in place; they cost the kernel image
# nothing), made by scripts/mkcpio.py (each file's data page aligned) and
# checked as files.cpio is.  ARCHIVE.list holds the choice.
define module_rules
$(1).list: FORCE
	@mkdir -p $$(dir $$@)
	@echo '$(2)' | cmp -s - $$@ || echo '$(2)' > $$@
$(1): $(2) $(1).list $(CPIOCHECK) scripts/mkcpio.py
	$$(call say,CPIO,$$@)
	$$(Q)scripts/mkcpio.py $$@.tmp $(2)
	@$(CPIOCHECK) $$@.tmp $(2) || { rm -f $$@.tmp; echo "module: $$@: bad archive" >&2; exit 1; }
	@mv $$@.tmp $$@
endef

# MODFILES= (a recipe's `modfiles`): the boot module of `make`, `make
# image` and `make run` (MODULE, empty when there is none).
MODULE := $(if $(strip $(MODFILES)),$(BUILD)/modules/$(APPNAME).cpio)
ifneq ($(MODULE),)
$(eval $(call module_rules,$(MODULE),$(MODFILES)))
all: $(MODULE)
endif

.PHONY: FORCE
FORCE:

# The kernel's generic object rule would build embed.o from embed.S alone.
$(BUILD)/kernel/unikernel/embed.o: $(EMBED_DIR)/embed.o
	@mkdir -p $(dir $@)
	$(Q)cp $< $@
