# apps/sysfuzz/app.mk (included by apps/build.mk): `make fuzz`, a longer
# run of build/kernels/sysfuzz.elf (apps/sysfuzz/test.cases has it built).
#
#   make fuzz [FUZZ_SEED=n] [FUZZ_CALLS=n] [FUZZ_WORKERS=n] [FUZZ_MEM=256M]

FUZZ_SEED    ?= $(shell date +%s)
FUZZ_CALLS   ?= 2000000
FUZZ_WORKERS ?= 2
FUZZ_MEM     ?= 256M

.PHONY: fuzz
fuzz: $(BUILD)/kernels/sysfuzz.elf
	@echo "fuzz: seed $(FUZZ_SEED), $(FUZZ_CALLS) calls (repeat with FUZZ_SEED=$(FUZZ_SEED))"
	MEM=$(FUZZ_MEM) images/qemu.sh -t 3600 pvh $< \
	    '-- $(FUZZ_SEED) $(FUZZ_CALLS) $(FUZZ_WORKERS)' < /dev/null 2>&1 | \
	    tr -d '\r' | tee $(BUILD)/fuzz-sysfuzz.log | grep -aE '^sysfuzz:|panic|killed|segfault'; \
	grep -aq 'app: sysfuzz exited with status 0' $(BUILD)/fuzz-sysfuzz.log && \
	    ! grep -aq panic $(BUILD)/fuzz-sysfuzz.log
