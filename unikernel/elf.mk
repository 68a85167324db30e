# unikernel/elf.mk: the ELF validator's host tool, unit test, fuzz target
# and the sample binaries the unit test plans (included by unikernel/build.mk).

# build/tools/elfcheck FILE...: prints the load plan or refuses a bad ELF.
ELFCHECK := $(BUILD)/tools/elfcheck
$(ELFCHECK): $(call host_objs,unikernel/elfcheck.c unikernel/elf.c unikernel/readfile.c)
	@mkdir -p $(dir $@)
	$(call say,HOSTLD,$@)
	$(Q)$(HOSTCC) $(HOSTCFLAGS) -o $@ $^

# The validator must also build freestanding, exactly as the kernel builds it.
$(BUILD)/kcheck/unikernel/elf.o: unikernel/elf.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(KCFLAGS) -c -o $@ $<

# Real static binaries for tests/unit/test_elf.c (found in build/elf-samples/
# or $ELF_SAMPLES): musl static ET_EXEC, glibc static PIE (ET_DYN).
ELF_SAMPLES := $(BUILD)/elf-samples
$(ELF_SAMPLES)/musl-static.elf: apps/abi_tls/abi_tls.c
	@mkdir -p $(dir $@)
	$(call say,MUSLCC,$@)
	$(Q)$(MUSLCC) -static -O2 -o $@ $<
$(ELF_SAMPLES)/glibc-static-pie.elf: apps/abi_tls/abi_tls.c
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(HOSTCC) -static-pie -fPIE -O2 -o $@ $<

$(eval $(call unit_test,test_elf,tests/unit/test_elf.c unikernel/elf.c))
# The tool itself, run on the samples (it needs $(ELFCHECK), built below).
$(eval $(call unit_test,test_elfcheck,tests/unit/test_elfcheck.c))
$(eval $(call fuzz_target,fuzz_elf,tests/fuzz/fuzz_elf.c unikernel/elf.c))

TEST_BUILD += $(ELFCHECK) $(BUILD)/kcheck/unikernel/elf.o \
              $(ELF_SAMPLES)/musl-static.elf $(ELF_SAMPLES)/glibc-static-pie.elf
