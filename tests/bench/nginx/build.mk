# tests/bench/nginx: wrk against apps/nginx on this kernel (build/kernels/
# nginx.elf, the boot tests' kernel, its files in the tmpfs) and on the
# Linux guest (netinit as /init, the same binary build/apps/nginx.elf).
BENCH_BUILD += $(BUILD)/kernels/nginx.elf $(BUILD)/apps/nginx.elf \
               $(BUILD)/bench/net/netinit $(BUILD)/bench/linux/vmlinuz \
               $(BUILD)/bench/linux/modules/order
