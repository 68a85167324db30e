# tests/bench/sqlite: speedtest1 (apps/sqlite's recipe) on the Linux guest
# and on this kernel under one QEMU machine (tests/bench/guest/targets.sh),
# the same binaries: with our malloc (the recipe's, libshim) and with
# musl's (the recipe's objects linked again without libshim).  targets.sh
# names our kernel after the binary: build/kernels/NAME.elf embeds
# build/bench/sqlite/NAME.elf.
SQLITE_BENCH := $(BUILD)/bench/sqlite
$(SQLITE_BENCH)/sqlite-speedtest1.elf: $(BUILD)/apps/sqlite/speedtest1
	@mkdir -p $(dir $@)
	$(Q)cp $< $@
$(SQLITE_BENCH)/sqlite-speedtest1-musl.elf: $(BUILD)/apps/sqlite/speedtest1
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(MUSLCC) -static -O2 -o $@ $(BUILD)/apps/sqlite/work/speedtest1.o \
	    $(BUILD)/apps/sqlite/work/sqlite3.o -lm
$(eval $(call test_kernel,sqlite-speedtest1-musl,$(SQLITE_BENCH)/sqlite-speedtest1-musl.elf))
BENCH_BUILD += $(SQLITE_BENCH)/sqlite-speedtest1.elf $(SQLITE_BENCH)/sqlite-speedtest1-musl.elf \
               $(BUILD)/kernels/sqlite-speedtest1.elf $(BUILD)/kernels/sqlite-speedtest1-musl.elf \
               $(BUILD)/bench/linux/vmlinuz
