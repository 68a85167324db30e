# unikernel/proc.mk: tasks as processes (scheduler, fork/wait, signals,
# pipes, memfd) and the boot-test kernels whose apps exercise them
# (included by unikernel/build.mk).
#
#   build/kernels/task_NAME.elf   apps/task_NAME embedded, with the
#                                 programs it executes in its ramfs

KERNEL_SRCS += unikernel/sched.c unikernel/proc.c unikernel/pipe.c \
               unikernel/signal.c unikernel/memfd.c unikernel/thread.c \
               unikernel/futex.c unikernel/waitq.c \
               arch/x86_64/switch.S arch/x86_64/context.c arch/x86_64/apic.c

$(eval $(call test_kernel,tasks,$(BUILD)/apps/tasks.elf,,$(BUILD)/apps/hello.elf))
TEST_BUILD += $(BUILD)/kernels/tasks.elf
$(eval $(call test_kernel,memtour,$(BUILD)/apps/memtour.elf))
TEST_BUILD += $(BUILD)/kernels/memtour.elf
