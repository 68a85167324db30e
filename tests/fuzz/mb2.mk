# tests/fuzz/mb2.mk: libFuzzer target on the Multiboot2 parser (included by
# tests/fuzz/build.mk).  Its own rule rather than fuzz_target: the parser's
# header reaches boot_info.h through the kernel's quote include path.
FUZZ_BINS += $(BUILD)/fuzz/fuzz_mb2
$(BUILD)/fuzz/fuzz_mb2: tests/fuzz/fuzz_mb2.c unikernel/multiboot2.c \
                        unikernel/multiboot2.h arch/boot_info.h
	@mkdir -p $(dir $@)
	$(call say,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZCFLAGS) -iquote unikernel/include -o $@ $(filter %.c,$^)
