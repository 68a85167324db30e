# unikernel: the core's sources (included by the top Makefile).
KERNEL_SRCS += unikernel/main.c unikernel/panic.c unikernel/power.c \
               unikernel/multiboot2.c unikernel/bootinfo.c \
               unikernel/cmdline.c unikernel/selftest.c unikernel/ram.c \
               unikernel/acpi.c unikernel/boottime.c
KERNEL_SRCS += unikernel/selftest_fault.c unikernel/selftest_clock.c
# mm/: the kernel links the very files the host tests test
KERNEL_SRCS += $(MM_SRCS)

# The core's own headers (unikernel/include: boot_info.h, cmdline.h, ...)
# are on the include path of the core's objects only: mm/, arch/ and lib/
# reach none of them by a bare name.
$(BUILD)/kernel/unikernel/%.o: KCFLAGS += -Iunikernel/include

# Host builds of unikernel/ sources reach the kernel's own headers
# ("cmdline.h", "boot_info.h") through the quote path only, so that
# <string.h> and <errno.h> stay the host's.
$(BUILD)/host/unikernel/%.o: HOSTCFLAGS += -iquote unikernel/include
$(eval $(call unit_test,test_cmdline,tests/unit/test_cmdline.c unikernel/cmdline.c))
$(eval $(call unit_test,test_acpi,tests/unit/test_acpi.c unikernel/acpi.c))
$(BUILD)/host/tests/unit/test_mb2.o: HOSTCFLAGS += -iquote unikernel/include
$(eval $(call unit_test,test_mb2,tests/unit/test_mb2.c unikernel/multiboot2.c))
include unikernel/elf.mk
include unikernel/task.mk
include unikernel/proc.mk
