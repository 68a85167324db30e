# tests/bench/guest: the same static bench apps on Linux and on this kernel
# under one QEMU machine (docs/benchmarks.md).  The apps are the ones
# apps/build.mk links with libshim (build/apps/bench_*.elf): the very
# binaries our kernel runs.  Also fetches Debian's kernel (cached), builds
# the empty kernel that measures the boot floor and this kernel with each
# app embedded.
BENCH_GUEST_APPS := bench_mm bench_boot

# The boot floor kernel (floor.S): 32-bit, loaded by QEMU's Multiboot 1
# loader, so the header must sit in the file's first 8 KiB.
$(BUILD)/bench/floor.elf: tests/bench/guest/floor.S
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) -m32 -c -o $(@:.elf=.o) $<
	$(Q)$(LD) -m elf_i386 -Ttext=0x100000 -e _start -z noexecstack -o $@ $(@:.elf=.o)

# No prerequisites: the unpacked kernel is a cache, refreshed by deleting it.
$(BUILD)/bench/linux/vmlinuz:
	tests/bench/guest/fetch-linux.sh $(BUILD)/bench/linux

BENCH_BUILD += $(BENCH_GUEST_APPS:%=$(BUILD)/apps/%.elf) \
               $(BUILD)/bench/linux/vmlinuz $(BUILD)/bench/floor.elf

# This kernel with each bench app embedded (tests/boot/build.mk's
# test_kernel: the objects of build/kernel.elf, another program), booted by
# targets.sh with -kernel (PVH); hello's (build/kernels/hello.elf) already
# exists for tests/boot and serves the footprint.
$(foreach a,$(BENCH_GUEST_APPS),$(eval $(call test_kernel,$(a),$(BUILD)/apps/$(a).elf)))
BENCH_BUILD += $(BENCH_GUEST_APPS:%=$(BUILD)/kernels/%.elf) \
               $(BUILD)/kernels/hello.elf $(BUILD)/apps/hello.elf
# The sizes table: the default image formats of $(APP) (hello by default).
BENCH_BUILD += $(ISO) $(QCOW2)
