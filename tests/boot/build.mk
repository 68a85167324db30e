# tests/boot: the boot suite needs the kernel and the default ISO
# (tests/boot/run.sh builds its variant ISOs itself).
TEST_BUILD += $(KERNEL_ELF) $(ISO)

# ---- boot-test kernels: the kernel's objects, another embedded program ----
#   build/kernels/NAME.elf   relinked from build/kernel.elf's objects with
#                            build/kernels/NAME/embed.o (unikernel's
#                            embed_rules); the link fails if its text differs
TASK_KERNEL_OBJS = $(call kernel_objs,$(filter-out unikernel/embed.S,$(KERNEL_SRCS)))

# $(call test_kernel,NAME,ELF,NOCHECK,FILES,MODFILES) -> $(BUILD)/kernels/NAME.elf,
# and $(BUILD)/kernels/NAME.cpio (MODFILES: a case's `module kernels/NAME.cpio`)
define test_kernel
$(eval $(call embed_rules,$(BUILD)/kernels/$(1),$(2),$(basename $(notdir $(2))),$(3),$(4)))
$(eval $(call test_kernel_link,$(1)))
$(if $(strip $(5)),$(eval $(call module_rules,$(BUILD)/kernels/$(1).cpio,$(5)))\
  $(eval TASK_TEST_KERNELS += $(BUILD)/kernels/$(1).cpio))
endef

# $(call test_kernel_link,NAME): links BUILD/kernels/NAME/embed.o in.
define test_kernel_link
$(BUILD)/kernels/$(1).elf: $$$$(TASK_KERNEL_OBJS) $$$$(KERNEL_LIBS) $(BUILD)/kernels/$(1)/embed.o \
                           $(BUILD)/ksyms.o $(BUILD)/kernel.lds $(KERNEL_ELF)
	$$(call say,LD,$$@)
	$$(Q)$(LD) $(KLDFLAGS) -T $(BUILD)/kernel.lds -o $$@.tmp $$(TASK_KERNEL_OBJS) \
	    $(BUILD)/kernels/$(1)/embed.o $$(KERNEL_LIBS) $(BUILD)/ksyms.o
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
# any static binary, not only ours: glibc's static PIE (unikernel/build.mk)
$(eval $(call test_kernel,glibc-static-pie,$(ELF_SAMPLES)/glibc-static-pie.elf))
# tasks executes hello: hello is in its ramfs.
$(eval $(call test_kernel,tasks,$(BUILD)/apps/tasks.elf,,$(BUILD)/apps/hello.elf))
# nginx_reload fork+execs nginx (apps/nginx's recipe) from its tmpfs.
$(eval $(call test_kernel,nginx_reload,$(BUILD)/apps/nginx_reload.elf,,$(BUILD)/apps/nginx/nginx))

# Boot modules of apps/modfiles/test.cases: good.cpio holds a pattern file
# of 3 MiB and 123 bytes (a partial last page) and a small text; cut.cpio
# is it cut in the middle of the pattern's data, junk.cpio no archive,
# dup.cpio one path twice.
MODTEST := $(BUILD)/modtest
$(MODTEST)/pattern.bin:
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)
	$(Q)python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 7 + (i >> 11)) & 0xff for i in range(3 * 1048576 + 123)))' > $@.tmp && mv $@.tmp $@
$(MODTEST)/dir/other.txt:
	@mkdir -p $(dir $@)
	$(Q)echo 'a second file of the module, in a directory' > $@
$(eval $(call module_rules,$(MODTEST)/good.cpio,$(MODTEST)/pattern.bin $(MODTEST)/dir/other.txt))
$(MODTEST)/cut.cpio: $(MODTEST)/good.cpio
	$(Q)head -c 1000000 $< > $@
$(MODTEST)/junk.cpio:
	@mkdir -p $(dir $@)
	$(Q)echo 'this is not a cpio archive' > $@
# a well-formed archive holding one path twice
$(MODTEST)/dup.cpio:
	@mkdir -p $(MODTEST)/dup/etc
	$(Q)echo 'twice' > $(MODTEST)/dup/etc/twice
	$(Q)cd $(MODTEST)/dup && printf 'etc/twice\netc/twice\n' | cpio -o -H newc --quiet > ../dup.cpio
TEST_BUILD += $(MODTEST)/good.cpio $(MODTEST)/cut.cpio $(MODTEST)/junk.cpio \
              $(MODTEST)/dup.cpio

# Third-party applications (apps/recipes.mk): NAME.elf and NAME-PROG.elf.
$(foreach r,$(RECIPE_TEST_APPS),$(call recipe_test_kernels,$(r)))

# Boot-test kernels: an app with a test.cases (its boot cases, read by
# tests/boot/run.sh) gets $(BUILD)/kernels/NAME.elf, NAME embedded with
# apps/NAME/*.txt in its ramfs, unless a kernel of that name is made by
# hand (above: bad ELFs, other programs in the ramfs).
TEST_CASE_APPS := $(patsubst apps/%/test.cases,%,$(wildcard apps/*/test.cases))
$(foreach a,$(filter-out $(patsubst $(BUILD)/kernels/%.elf,%,$(TASK_TEST_KERNELS)),$(TEST_CASE_APPS)),\
  $(eval $(call test_kernel,$(a),$(BUILD)/apps/$(a).elf,,$(wildcard apps/$(a)/*.txt))))

# $$: expanded when test-build runs, since tests/bench (included later)
# adds kernels too
TEST_BUILD += $$(TASK_TEST_KERNELS)
