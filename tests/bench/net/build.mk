# tests/bench/net: the network benchmarks (docs/benchmarks.md): apps/httpd
# on this kernel (build/kernels/httpd.elf, the boot tests' kernel) and on
# the Linux guest, whose /init is netinit (loads the NIC driver kept by
# tests/bench/guest/fetch-linux.sh, sets 10.0.2.15/24, execs the app).
$(BUILD)/bench/net/netinit: tests/bench/net/netinit.c
	@mkdir -p $(dir $@)
	$(call say,MUSLCC,$@)
	$(Q)$(MUSLCC) -static -O2 $(WARN) -o $@ $<
BENCH_BUILD += $(BUILD)/bench/net/netinit $(BUILD)/kernels/httpd.elf \
               $(BUILD)/apps/httpd.elf $(BUILD)/bench/linux/vmlinuz
# A kernel fetched before the NIC modules were kept has no modules/order:
# fetch-linux.sh fetches again then.
$(BUILD)/bench/linux/modules/order:
	tests/bench/guest/fetch-linux.sh $(BUILD)/bench/linux
BENCH_BUILD += $(BUILD)/bench/linux/modules/order
