# tests/bench/sqlite: speedtest1 (apps/sqlite's recipe) on the Linux guest
# and on this kernel under one QEMU machine (tests/bench/guest/targets.sh),
# the same binary: build/kernels/sqlite-speedtest1.elf embeds it, and
# targets.sh names our kernel after the binary, so it gets a copy of that
# name.
$(BUILD)/bench/sqlite/sqlite-speedtest1.elf: $(BUILD)/apps/sqlite/speedtest1
	@mkdir -p $(dir $@)
	$(Q)cp $< $@
BENCH_BUILD += $(BUILD)/bench/sqlite/sqlite-speedtest1.elf \
               $(BUILD)/kernels/sqlite-speedtest1.elf $(BUILD)/bench/linux/vmlinuz
