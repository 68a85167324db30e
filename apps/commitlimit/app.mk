# apps/commitlimit/app.mk (included by apps/build.mk): the kernel that boots
# commitlimit for tests/boot/security.cases.
$(eval $(call test_kernel,commitlimit,$(BUILD)/apps/commitlimit.elf))
