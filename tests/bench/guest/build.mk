# tests/bench/guest: the same static bench apps on Linux and on this kernel
# under one QEMU machine (docs/benchmarks.md).  Builds the bench apps with
# musl into build/bench/bin/ and fetches Debian's kernel (cached).
BENCH_GUEST_APPS := bench_mm bench_boot
BENCH_GUEST_BIN  := $(BUILD)/bench/bin
BENCH_MUSLFLAGS  := -static -O2 -std=gnu11 $(WARN)

$(BENCH_GUEST_BIN)/%.elf: $$(wildcard apps/$$*/*.c apps/$$*/*.h) \
                          apps/bench_mm/bench.h
	@mkdir -p $(dir $@)
	musl-gcc $(BENCH_MUSLFLAGS) -o $@ $(wildcard apps/$*/*.c)

# The boot floor kernel (floor.S): 32-bit, loaded by QEMU's Multiboot 1
# loader, so the header must sit in the file's first 8 KiB.
$(BUILD)/bench/floor.elf: tests/bench/guest/floor.S
	@mkdir -p $(dir $@)
	$(CC) -m32 -c -o $(@:.elf=.o) $<
	$(LD) -m elf_i386 -Ttext=0x100000 -e _start -z noexecstack -o $@ $(@:.elf=.o)

# No prerequisites: the unpacked kernel is a cache, refreshed by deleting it.
$(BUILD)/bench/linux/vmlinuz:
	tests/bench/guest/fetch-linux.sh $(BUILD)/bench/linux

BENCH_BUILD += $(BENCH_GUEST_APPS:%=$(BENCH_GUEST_BIN)/%.elf) \
               $(BUILD)/bench/linux/vmlinuz $(BUILD)/bench/floor.elf
