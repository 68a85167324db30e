# unikernel/proc.mk: tasks as processes (scheduler, fork/wait, signals,
# pipes, memfd) and the boot-test kernels whose apps exercise them
# (included by unikernel/build.mk).
#
#   build/kernels/tasks.elf   apps/tasks embedded, with the program it
#                             executes (hello) in its ramfs

KERNEL_SRCS += unikernel/sched.c unikernel/proc.c unikernel/pipe.c \
               unikernel/signal.c unikernel/memfd.c \
               arch/x86_64/switch.S arch/x86_64/context.c arch/x86_64/apic.c \
               arch/x86_64/sigframe.c

$(eval $(call test_kernel,tasks,$(BUILD)/apps/tasks.elf,,$(BUILD)/apps/hello.elf))
TEST_BUILD += $(BUILD)/kernels/tasks.elf
