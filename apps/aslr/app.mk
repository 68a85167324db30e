# apps/aslr/app.mk (included by apps/build.mk): the kernel that boots the
# ASLR checks for tests/boot/aslr.cases.
$(eval $(call test_kernel,aslr,$(BUILD)/apps/aslr.elf))
