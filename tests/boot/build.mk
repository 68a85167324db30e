# tests/boot: the boot suite needs the kernel and the default ISO
# (tests/boot/run.sh builds its variant ISOs itself).
TEST_BUILD += $(KERNEL_ELF) $(ISO)
