# apps/mempressure/app.mk (included by apps/build.mk): the kernel that boots
# mempressure for tests/boot/security.cases.
$(eval $(call test_kernel,mempressure,$(BUILD)/apps/mempressure.elf))
