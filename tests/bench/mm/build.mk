# tests/bench/mm: host benchmark of the mm core (VMA operations at 10 to
# 100,000 VMAs, fault costs, page_new, kalloc against glibc malloc), built
# -O2 without sanitizers over the fake MMU; NDEBUG (no junk fill, no
# asserts, so some checking variables go unused).
MM_BENCH_BIN  := $(BUILD)/bench/mm/bench_mm
MM_BENCH_SRCS := tests/bench/mm/bench_mm.c tests/unit/fake_mmu.c $(MM_SRCS)

$(MM_BENCH_BIN): $(MM_BENCH_SRCS)
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(HOSTCC) -std=gnu11 -O2 $(WARN) -Wno-unused -I. -DHOST -DNDEBUG -o $@ $(MM_BENCH_SRCS)

BENCH_BUILD += $(MM_BENCH_BIN)
