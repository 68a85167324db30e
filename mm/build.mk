# mm: the machine-independent memory manager (included by the top Makefile).
#
# MM_SRCS is the portable code: the kernel links it (over arch/x86_64/mmu.c)
# and the host tests link the very same files (over tests/unit/fake_mmu.c).
MM_SRCS := mm/page.c mm/bbtree.c mm/glue.c mm/commit.c mm/vma.c mm/mspace.c \
           mm/mspace_display.c mm/mspace_check.c \
           mm/fault.c mm/inode.c mm/kalloc.c mm/kmap.c \
           mm/limit.c mm/remap.c mm/huge.c

# Freestanding compile check: every mm/ file must build with the kernel's
# flags and headers, even before the kernel links it.
MM_KCHECK_OBJS := $(patsubst %.c,$(BUILD)/kcheck/%.o,$(MM_SRCS))
$(BUILD)/kcheck/mm/%.o: mm/%.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(KCFLAGS) -c -o $@ $<
TEST_BUILD += $(MM_KCHECK_OBJS)
