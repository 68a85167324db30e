# The one entry point of the unikernel build.
#
#   make            kernel ELF + bootable ISO of $(APP)
#   make run        build and boot $(APP) in QEMU, exit with the app's status
#   make test       install deps, build everything, run every test suite
#   make bench      benchmarks (not part of make test)
#   make deps       install the Debian packages the build needs
#   make clean      remove build/
#   V=1             print every command in full (default: one line a step)
#
# Each directory has a build.mk beside its sources: it lists them once
# (ARCH_SRCS, LIB_SRCS, MM_SRCS, CORE_SRCS; KERNEL_SRCS joins them, below)
# and adds its own rules, tools and tests.

APP     ?= apps/hello
MEM     ?= 128M
SMP     ?= 1
CMDLINE ?=
# ACCEL empty: images/accel.sh checks that KVM really runs a guest (a usable
# /dev/kvm is not enough under nested virtualisation), else TCG.
ACCEL   ?=

BUILD   := build

# Quiet by default, as kbuild: `  CC      build/kernel/mm/page.o`; V=1
# prints each command instead.  A recipe says $(call say,TAG,TARGET) and
# puts $(Q) before its commands.
V ?= 0
ifeq ($(V),1)
Q   :=
say  = @:
else
Q   := @
say  = @printf '  %-7s %s\n' '$(1)' '$(2)'
endif

# A recipe that fails (or is interrupted) leaves no target behind for the
# next run to trust.
.DELETE_ON_ERROR:
APPNAME := $(notdir $(patsubst %/,%,$(APP)))

# ---- toolchains ---------------------------------------------------------
CC      := gcc
LD      := ld
OBJCOPY := objcopy
CLANG   := clang

WARN    := -Wall -Wextra -Werror

# The kernel: freestanding, higher half, no SSE, no red zone.
# (recursive, and the compiler asked at the first use: nothing may run a
# tool before `make deps` has installed it)
GCC_INCLUDE = $(eval GCC_INCLUDE := $$(shell $(CC) -print-file-name=include))$(GCC_INCLUDE)
KCFLAGS  = -std=gnu11 -O2 -g $(WARN) -ffreestanding -fno-pic -fno-pie \
           -mno-red-zone -mcmodel=kernel -mno-mmx -mno-sse -mno-sse2 \
           -mno-avx -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
           -fstack-protector-strong -mstack-protector-guard=global \
           -fno-builtin-printf \
           -nostdinc -isystem $(GCC_INCLUDE) \
           -Ilib/include -I. -DKERNEL -MMD -MP
KASFLAGS = $(KCFLAGS) -D__ASSEMBLY__

# Host builds of portable code (mm/, formatter, ELF checker) under sanitizers.
HOSTCC     := gcc
HOSTCFLAGS := -std=gnu11 -O1 -g $(WARN) -fno-omit-frame-pointer \
              -fsanitize=address,undefined -fno-sanitize-recover=undefined \
              -I. -DHOST -MMD -MP

# Targets appended by the build.mk fragments.
TEST_BUILD  :=
UNIT_BINS   :=
FUZZ_BINS   :=
KERNEL_LIBS :=

# Host objects: build/host/<path>.o from <path>.c, under sanitizers.
host_objs = $(patsubst %.c,$(BUILD)/host/%.o,$(1))
$(BUILD)/host/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(HOSTCC) $(HOSTCFLAGS) -c -o $@ $<

# $(eval $(call unit_test,NAME,SOURCES)) builds the host test build/unit/NAME
# (linked with cmocka); tests/unit/run.sh runs every binary in build/unit/.
define unit_test
UNIT_BINS += $(BUILD)/unit/$(1)
$(BUILD)/unit/$(1): $(call host_objs,$(2))
	@mkdir -p $$(dir $$@)
	$$(call say,HOSTLD,$$@)
	$$(Q)$(HOSTCC) $(HOSTCFLAGS) -o $$@ $$^ -lcmocka
endef

# libFuzzer targets: clang, ASan+UBSan+fuzzer; tests/fuzz/run.sh runs each
# binary in build/fuzz/ for FUZZ_SECONDS.  One clang command compiles and
# links a target, so no per-object .d files exist: a target depends on
# every header it can reach instead (a header-only change rebuilds it).
FUZZCFLAGS := -std=gnu11 -O1 -g $(WARN) -fsanitize=fuzzer,address,undefined \
              -fno-sanitize-recover=undefined -I. -DHOST -DFUZZ
FUZZ_HEADERS := $(wildcard mm/*.h arch/*.h abi/*.h lib/include/*.h tests/unit/*.h)
define fuzz_target
FUZZ_BINS += $(BUILD)/fuzz/$(1)
$(BUILD)/fuzz/$(1): $(2) $(FUZZ_HEADERS)
	@mkdir -p $$(dir $$@)
	$$(call say,FUZZ,$$@)
	$$(Q)$(CLANG) $(FUZZCFLAGS) -o $$@ $(2)
endef

.PHONY: all run test bench deps clean test-build
.SECONDEXPANSION:
all:

include apps/recipes.mk
include lib/build.mk
include arch/x86_64/build.mk
include mm/build.mk
include unikernel/build.mk
include drivers/build.mk
include net/build.mk
include libc-shim/build.mk
include apps/build.mk
include images/build.mk
include tests/unit/build.mk
include tests/fuzz/build.mk
include tests/boot/build.mk
include tests/bench/build.mk

# The kernel: each directory's build.mk lists its own sources, once.
KERNEL_SRCS := $(ARCH_SRCS) $(LIB_SRCS) $(MM_SRCS) $(CORE_SRCS) $(DRIVERS_SRCS) \
               $(NET_SRCS)
ifneq ($(words $(KERNEL_SRCS)),$(words $(sort $(KERNEL_SRCS))))
$(error a kernel source is listed twice: $(sort $(foreach s,$(KERNEL_SRCS),$(if $(filter 1,$(words $(filter $(s),$(KERNEL_SRCS)))),,$(s)))))
endif
$(foreach s,$(KERNEL_SRCS),$(if $(wildcard $(s)),,$(error $(s): listed as a kernel source, not found)))

# ---- Debian packages ----------------------------------------------------
# Every program the build, the tests and the benchmarks run comes from one
# of these packages (or a minimal Debian's own): `make test` and `make bench`
# run with PATH holding only their commands ($(DEPS_PATH), made by
# scripts/toolpath.py), so a missing one fails here, not on a new machine.
# Installed without recommendations: what is listed is what a fresh machine
# gets.  "name|why|packages", printed when something is missing.
DEPS_GROUPS := \
  "build|compile the kernel, the shim and the apps|gcc libc6-dev make binutils musl-tools musl-dev cpio python3" \
  "image|make the bootable images|grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools fdisk qemu-utils" \
  "boot|boot them under SeaBIOS and OVMF|qemu-system-x86 ovmf" \
  "test|host tests and fuzzers|libcmocka-dev clang libclang-rt-14-dev" \
  "tools|make debug and make bench (wrk: the HTTP client, gnuplot: the chart, redis-tools: redis-benchmark and redis-cli)|gdb libjemalloc-dev libmimalloc-dev wrk gnuplot-nox redis-tools" \
  "source|fetch lwIP and the apps' sources from Debian (scripts/fetch-source.sh)|dpkg-dev xz-utils" \
  "apps|build the apps of apps/*/recipe (tclsh: sqlite's amalgamation)|tcl"
# The same packages in one flat list, for a reader or a tool that wants
# them all; scripts/deps.sh refuses to run when it and DEPS_GROUPS differ.
DEPS := gcc libc6-dev make binutils musl-tools musl-dev cpio python3 \
        grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools fdisk \
        qemu-utils qemu-system-x86 ovmf libcmocka-dev clang \
        libclang-rt-14-dev gdb libjemalloc-dev libmimalloc-dev \
        dpkg-dev xz-utils tcl wrk gnuplot-nox redis-tools
DEPS_PATH := $(abspath $(BUILD))/deps-path

deps:
	@DEPS='$(DEPS)' scripts/deps.sh $(DEPS_PATH) $(DEPS_GROUPS)

test-build: all $(TEST_BUILD) $$(UNIT_BINS) $$(FUZZ_BINS)

test: deps
	@PATH=$(DEPS_PATH) $(MAKE) --no-print-directory test-build
	@PATH=$(DEPS_PATH) tests/run.sh $(BUILD)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -type f -name '*.d' 2>/dev/null)

# make fuzz (apps/sysfuzz/app.mk) also runs the hostile network longer:
# tests/netfuzz/run.sh, NETFUZZ_COUNT, NETFUZZ_SECONDS, NETFUZZ_SEED.
fuzz: fuzz-net
fuzz-net: $(BUILD)/kernels/httpd.elf
	PATH=$(DEPS_PATH) tests/netfuzz/run.sh $(BUILD) | tee $(BUILD)/fuzz-net.log
	@! grep -q '^not ok' $(BUILD)/fuzz-net.log
.PHONY: fuzz-net
