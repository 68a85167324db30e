# apps/kstackreap/app.mk (included by apps/build.mk): the kernel that boots
# kstackreap for tests/boot/kstack.cases.
$(eval $(call test_kernel,kstackreap,$(BUILD)/apps/kstackreap.elf))
