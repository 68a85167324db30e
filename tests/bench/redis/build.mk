# tests/bench/redis: redis-benchmark against apps/redis's redis-server on
# this kernel (build/kernels/redis.elf, the boot test's kernel, redis.conf
# in its tmpfs) and on the Linux guest (netinit as /init, the same binary
# build/apps/redis.elf as /app); tests/bench/net's pieces for the guest.
BENCH_BUILD += $(BUILD)/kernels/redis.elf $(BUILD)/apps/redis.elf \
               $(BUILD)/bench/net/netinit $(BUILD)/bench/linux/vmlinuz \
               $(BUILD)/bench/linux/modules/order
