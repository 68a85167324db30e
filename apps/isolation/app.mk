# apps/isolation/app.mk (included by apps/build.mk): the kernel that boots
# the isolation matrix for tests/boot/security.cases.
$(eval $(call test_kernel,isolation,$(BUILD)/apps/isolation.elf))
