# tests/bench/alloc: the allocator workloads of bench.c, one binary per
# allocator (included by tests/bench/build.mk):
#   shim      static musl + libshim (the allocator under test)
#   musl      static musl with its own malloc (mallocng)
#   glibc     glibc, dynamic, glibc's malloc
#   jemalloc  glibc + Debian's libjemalloc (libjemalloc-dev)
#   mimalloc  glibc + Debian's libmimalloc (libmimalloc-dev)
ALLOC_BENCH_DIR   := $(BUILD)/bench/alloc
ALLOC_BENCH_SRC   := tests/bench/alloc/bench.c
ALLOC_BENCH_FLAGS := -std=gnu11 -O2 $(WARN)
ALLOC_BENCH_ELFS  := $(patsubst %,$(ALLOC_BENCH_DIR)/%.elf,shim musl glibc jemalloc mimalloc)

$(ALLOC_BENCH_DIR)/shim.o: $(ALLOC_BENCH_SRC)
	@mkdir -p $(dir $@)
	$(call say,MUSLCC,$@)
	$(Q)$(MUSLCC) $(ALLOC_BENCH_FLAGS) -c -o $@ $<

$(ALLOC_BENCH_DIR)/shim.elf: $(ALLOC_BENCH_DIR)/shim.o $(SHIM_LIB)
	$(call shim_link,$@,$<)

$(ALLOC_BENCH_DIR)/musl.elf: $(ALLOC_BENCH_SRC)
	@mkdir -p $(dir $@)
	$(call say,MUSLCC,$@)
	$(Q)$(MUSLCC) $(ALLOC_BENCH_FLAGS) -static -o $@ $<

$(ALLOC_BENCH_DIR)/glibc.elf: $(ALLOC_BENCH_SRC)
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(ALLOC_BENCH_FLAGS) -o $@ $<

$(ALLOC_BENCH_DIR)/jemalloc.elf: $(ALLOC_BENCH_SRC)
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(ALLOC_BENCH_FLAGS) -o $@ $< -ljemalloc

$(ALLOC_BENCH_DIR)/mimalloc.elf: $(ALLOC_BENCH_SRC)
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(ALLOC_BENCH_FLAGS) -o $@ $< -lmimalloc

BENCH_BUILD += $(ALLOC_BENCH_ELFS)
