# unikernel/task.mk: the application side of the kernel (tasks, ELF
# loading, syscalls, ramfs) and the embedding of the application into the
# kernel image (included by unikernel/build.mk).
#
#   make [APP=apps/NAME | ELF=path/to/static-elf] [FILES='a b ...']
#        embeds build/apps/NAME.elf (default apps/hello) or ELF= into
#        build/kernel.elf, after build/tools/elfcheck accepted it (a
#        malformed ELF fails the build with elfcheck's message; ELF_NOCHECK=1
#        skips the check, for the boot test of the kernel's own refusal).
#        FILES= are packed into a cpio (newc) archive: the guest's ramfs,
#        paths as given (relative ones are relative to "/").
#   build/kernels/NAME.elf
#        the same kernel with another embedded program, for tests/boot
#        (relinked from the same objects; see TASK_TEST_KERNELS below, and
#        apps/build.mk: one per app with a test.cases).

KERNEL_SRCS += unikernel/task.c unikernel/exec.c unikernel/fd.c \
               unikernel/console.c unikernel/ramfs.c unikernel/cpio.c \
               unikernel/procfs.c unikernel/usercopy.c unikernel/aslr.c \
               unikernel/syscall.c unikernel/sysnames.c unikernel/sys_file.c \
               unikernel/sys_mm.c unikernel/sys_misc.c unikernel/elf.c \
               unikernel/embed.S arch/x86_64/syscall.S arch/x86_64/user.c \
               arch/x86_64/usercopy.S arch/x86_64/clock.c arch/x86_64/random.c \
               arch/x86_64/protect.c unikernel/selftest_protect.c
KERNEL_SRCS += unikernel/rlimit.c

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

.PHONY: FORCE
FORCE:

# The kernel's generic object rule would build embed.o from embed.S alone.
$(BUILD)/kernel/unikernel/embed.o: $(EMBED_DIR)/embed.o
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

# ---- kernels for tests/boot: same objects, another embedded program ----
TASK_KERNEL_OBJS = $(call kernel_objs,$(filter-out unikernel/embed.S,$(KERNEL_SRCS)))

# $(call test_kernel,NAME,ELF,NOCHECK,FILES) -> $(BUILD)/kernels/NAME.elf
define test_kernel
$(eval $(call embed_rules,$(BUILD)/kernels/$(1),$(2),$(basename $(notdir $(2))),$(3),$(4)))
$(eval $(call test_kernel_link,$(1)))
endef

# $(call test_kernel_link,NAME): links BUILD/kernels/NAME/embed.o in.
define test_kernel_link
$(BUILD)/kernels/$(1).elf: $$$$(TASK_KERNEL_OBJS) $(BUILD)/kernels/$(1)/embed.o \
                           $(BUILD)/ksyms.o $(BUILD)/kernel.lds $(KERNEL_ELF)
	$$(call say,LD,$$@)
	$$(Q)$(LD) $(KLDFLAGS) -T $(BUILD)/kernel.lds -o $$@.tmp $$(TASK_KERNEL_OBJS) \
	    $(BUILD)/kernels/$(1)/embed.o $(BUILD)/ksyms.o
	@arch/x86_64/gen-ksyms.sh $$@.tmp | cmp -s - $(BUILD)/ksyms.S || \
	    { echo "kernels: $(1): text differs from build/kernel.elf" >&2; rm -f $$@.tmp; exit 1; }
	@arch/x86_64/check-image.sh $$@.tmp $(KERNEL_MAX_SIZE) || { rm -f $$@.tmp; exit 1; }
	@mv $$@.tmp $$@
TASK_TEST_KERNELS += $(BUILD)/kernels/$(1).elf
endef

# Malformed versions of hello, refused by elfcheck at build time and by
# the kernel at boot (embedded with the check skipped): e_machine says
# i386; the file cut in the middle of its text; its text segment moved onto
# the page of the first segment (p_vaddr of program header 1); linked
# below the user window.
$(BUILD)/elf-bad/bad-machine.elf: $(BUILD)/apps/hello.elf
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)
	$(Q)cp $< $@.tmp
	$(Q)printf '\003\000' | dd of=$@.tmp bs=1 seek=18 conv=notrunc status=none
	$(Q)mv $@.tmp $@
$(BUILD)/elf-bad/truncated.elf: $(BUILD)/apps/hello.elf
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)
	$(Q)head -c 12000 $< > $@.tmp && mv $@.tmp $@
$(BUILD)/elf-bad/overlap.elf: $(BUILD)/apps/hello.elf
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)
	$(Q)cp $< $@.tmp
	$(Q)printf '\000\000\100\000\000\000\000\000' | \
	    dd of=$@.tmp bs=1 seek=136 conv=notrunc status=none
	$(Q)mv $@.tmp $@
$(BUILD)/elf-bad/low-window.elf: apps/hello/hello.c
	@mkdir -p $(dir $@)
	$(call say,MUSLCC,$@)
	$(Q)$(MUSLCC) -static -O2 -Wl,-Ttext-segment=0x10000 -o $@ $<

# hello with an empty file archive, as a failed cpio once left behind:
# the kernel refuses it at boot (tests/boot/app.cases, app-empty-files).
$(BUILD)/kernels/empty-files/embed.o: unikernel/embed.S $(BUILD)/kernels/hello/app.elf
	@mkdir -p $(dir $@)
	@: > $(dir $@)empty.cpio
	$(call say,AS,$@)
	$(Q)$(CC) $(KASFLAGS) -DEMBED_APP='"$(BUILD)/kernels/hello/app.elf"' \
	    -DEMBED_NAME='"hello"' -DEMBED_FILES='"$(dir $@)empty.cpio"' -c -o $@ $<

# The kernels made here by hand; every app with a test.cases gets its own
# as well (apps/build.mk).  hello's is made here: empty-files embeds its
# checked copy.
TASK_TEST_KERNELS :=
$(eval $(call test_kernel_link,empty-files))
$(eval $(call test_kernel,hello,$(BUILD)/apps/hello.elf))
$(eval $(call test_kernel,bad-machine,$(BUILD)/elf-bad/bad-machine.elf,1))
$(eval $(call test_kernel,truncated,$(BUILD)/elf-bad/truncated.elf,1))
$(eval $(call test_kernel,overlap,$(BUILD)/elf-bad/overlap.elf,1))
$(eval $(call test_kernel,low-window,$(BUILD)/elf-bad/low-window.elf,1))
# any static binary, not only ours: glibc's static PIE (unikernel/elf.mk)
$(eval $(call test_kernel,glibc-static-pie,$(ELF_SAMPLES)/glibc-static-pie.elf))

# $$: expanded when test-build runs, since apps/build.mk (included later)
# adds kernels too
TEST_BUILD += $$(TASK_TEST_KERNELS)

# The archive reader is portable: tested and fuzzed on the host.
$(eval $(call unit_test,test_cpio,tests/unit/test_cpio.c unikernel/cpio.c))
$(eval $(call fuzz_target,fuzz_cpio,tests/fuzz/fuzz_cpio.c unikernel/cpio.c))
