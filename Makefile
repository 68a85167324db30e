# The one entry point of the unikernel build.
#
#   make            kernel ELF + bootable ISO of $(APP)
#   make run        build and boot $(APP) in QEMU, exit with the app's status
#   make test       install deps, build everything, run every test suite
#   make bench      benchmarks (not part of make test)
#   make deps       install the Debian packages the build needs
#   make clean      remove build/
#
# Each subsystem adds its own rules in a build.mk beside its sources.

APP     ?= apps/hello
MEM     ?= 128M
SMP     ?= 1
CMDLINE ?=
# ACCEL empty: images/accel.sh checks that KVM really runs a guest (a usable
# /dev/kvm is not enough under nested virtualisation), else TCG.
ACCEL   ?=

BUILD   := build
APPNAME := $(notdir $(patsubst %/,%,$(APP)))

# ---- toolchains ---------------------------------------------------------
CC      := gcc
LD      := ld
OBJCOPY := objcopy
CLANG   := clang

WARN    := -Wall -Wextra -Werror

# The kernel: freestanding, higher half, no SSE, no red zone.
KCFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -fno-pic -fno-pie \
           -mno-red-zone -mcmodel=kernel -mno-mmx -mno-sse -mno-sse2 \
           -mno-avx -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
           -fstack-protector-strong -mstack-protector-guard=global \
           -fno-builtin-printf \
           -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
           -Iunikernel/include -I. -DKERNEL -MMD -MP
KASFLAGS := $(KCFLAGS) -D__ASSEMBLY__

# Host builds of portable code (mm/, formatter, ELF checker) under sanitizers.
HOSTCC     := gcc
HOSTCFLAGS := -std=gnu11 -O1 -g $(WARN) -fno-omit-frame-pointer \
              -fsanitize=address,undefined -fno-sanitize-recover=undefined \
              -I. -DHOST -MMD -MP

# Sources and targets appended by the build.mk fragments.
KERNEL_SRCS :=
TEST_BUILD  :=
UNIT_BINS   :=
FUZZ_BINS   :=

# Host objects: build/host/<path>.o from <path>.c, under sanitizers.
host_objs = $(patsubst %.c,$(BUILD)/host/%.o,$(1))
$(BUILD)/host/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOSTCFLAGS) -c -o $@ $<

# $(eval $(call unit_test,NAME,SOURCES)) builds the host test build/unit/NAME
# (linked with cmocka); tests/unit/run.sh runs every binary in build/unit/.
define unit_test
UNIT_BINS += $(BUILD)/unit/$(1)
$(BUILD)/unit/$(1): $(call host_objs,$(2))
	@mkdir -p $$(dir $$@)
	$(HOSTCC) $(HOSTCFLAGS) -o $$@ $$^ -lcmocka
endef

# libFuzzer targets: clang, ASan+UBSan+fuzzer; tests/fuzz/run.sh runs each
# binary in build/fuzz/ for FUZZ_SECONDS.
FUZZCFLAGS := -std=gnu11 -O1 -g $(WARN) -fsanitize=fuzzer,address,undefined \
              -fno-sanitize-recover=undefined -I. -DHOST -DFUZZ
define fuzz_target
FUZZ_BINS += $(BUILD)/fuzz/$(1)
$(BUILD)/fuzz/$(1): $(2)
	@mkdir -p $$(dir $$@)
	$(CLANG) $(FUZZCFLAGS) -o $$@ $(2)
endef

.PHONY: all run test bench deps clean test-build
.SECONDEXPANSION:
all:

include arch/x86_64/build.mk
include mm/build.mk
include unikernel/build.mk
include libc-shim/build.mk
include apps/build.mk
include images/build.mk
include tests/unit/build.mk
include tests/fuzz/build.mk
include tests/boot/build.mk
include tests/bench/build.mk

# ---- Debian packages ----------------------------------------------------
DEPS := gcc make binutils qemu-system-x86 qemu-utils grub-pc-bin \
        grub-efi-amd64-bin grub-common xorriso mtools ovmf musl-tools \
        musl-dev libcmocka-dev clang libclang-rt-14-dev gdb \
        libjemalloc-dev libmimalloc-dev fdisk python3

deps:
	@missing=$$(for p in $(DEPS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing:" $$missing; \
	  if [ "$$(id -u)" != 0 ]; then \
	    echo "deps: missing packages ($$missing); run 'make deps' as root or install them"; exit 1; \
	  fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null \
	    || { echo "deps: apt-get could not install: $$missing"; exit 1; }; \
	fi

test-build: all $(TEST_BUILD) $$(UNIT_BINS) $$(FUZZ_BINS)

test: deps
	@$(MAKE) --no-print-directory test-build
	@tests/run.sh $(BUILD)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
