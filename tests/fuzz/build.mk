# tests/fuzz: libFuzzer targets (included by the top Makefile).
$(eval $(call fuzz_target,fuzz_mm,tests/fuzz/fuzz_mm.c tests/unit/mm_model.c tests/unit/fake_mmu.c $(MM_SRCS)))
include tests/fuzz/mb2.mk
$(eval $(call fuzz_target,fuzz_mm_huge,tests/fuzz/fuzz_mm_huge.c tests/unit/huge_model.c tests/unit/fake_mmu.c $(MM_SRCS)))
