# tests/unit: host tests of mm/ over the fake MMU (included by the top
# Makefile).  Each binary links the shipped mm/ sources unchanged.
UNIT_FAKE := tests/unit/fake_mmu.c

$(eval $(call unit_test,test_page,tests/unit/test_page.c $(UNIT_FAKE) $(MM_SRCS)))
$(eval $(call unit_test,test_mm_bbtree,tests/unit/test_mm_bbtree.c mm/bbtree.c))
$(eval $(call unit_test,test_mmu_next,tests/unit/test_mmu_next.c $(UNIT_FAKE) $(MM_SRCS)))
$(eval $(call unit_test,test_mm_model,tests/unit/test_mm_model.c tests/unit/mm_model.c $(UNIT_FAKE) $(MM_SRCS)))
$(eval $(call unit_test,test_mm_mspace,tests/unit/test_mm_mspace.c $(UNIT_FAKE) $(MM_SRCS)))
$(eval $(call unit_test,test_mm_limit,tests/unit/test_mm_limit.c $(UNIT_FAKE) $(MM_SRCS)))
$(eval $(call unit_test,test_mm_remap,tests/unit/test_mm_remap.c $(UNIT_FAKE) $(MM_SRCS)))
$(eval $(call unit_test,test_fault,tests/unit/test_fault.c $(UNIT_FAKE) $(MM_SRCS)))
$(eval $(call unit_test,test_mm_huge,tests/unit/test_mm_huge.c tests/unit/huge_model.c $(UNIT_FAKE) $(MM_SRCS)))
$(eval $(call unit_test,test_mm_shmem_huge,tests/unit/test_mm_shmem_huge.c $(UNIT_FAKE) $(MM_SRCS)))
$(eval $(call unit_test,test_commit,tests/unit/test_commit.c $(UNIT_FAKE) $(MM_SRCS)))
$(eval $(call unit_test,test_kalloc,tests/unit/test_kalloc.c $(UNIT_FAKE) $(MM_SRCS)))
$(eval $(call unit_test,test_kmap,tests/unit/test_kmap.c $(UNIT_FAKE) $(MM_SRCS)))
$(eval $(call unit_test,test_pcid,tests/unit/test_pcid.c arch/x86_64/pcid.c))
