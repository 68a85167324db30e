# apps: every folder apps/NAME with C files is one application, built into
# a static musl ELF linked with libshim (included by the top Makefile).
#
#   $(BUILD)/apps/NAME.elf   the static program (runs on Linux as is)
#   APP_ELF                  the one chosen by APP= (default apps/hello)
#   APP_ELFS                 all of them (built by make test)
#
# Objects go to $(BUILD)/apps/obj/NAME/; apps may include libc-shim/*.h.

APP_NAMES := $(sort $(notdir $(patsubst %/,%,$(dir $(wildcard apps/*/*.c)))))
APP_ELFS  := $(patsubst %,$(BUILD)/apps/%.elf,$(APP_NAMES))
APP_ELF   := $(BUILD)/apps/$(APPNAME).elf
app_objs   = $(patsubst apps/%.c,$(BUILD)/apps/obj/%.o,$(wildcard apps/$(1)/*.c))

$(BUILD)/apps/obj/%.o: apps/%.c
	@mkdir -p $(dir $@)
	$(call say,MUSLCC,$@)
	$(Q)$(MUSLCC) $(MUSLCFLAGS) -I. -c -o $@ $<

$(BUILD)/apps/%.elf: $$(call app_objs,$$*) $(SHIM_LIB)
	$(call shim_link,$@,$(call app_objs,$*))

all: $(APP_ELF)
TEST_BUILD += $(APP_ELFS)
.PRECIOUS: $(BUILD)/apps/obj/%.o

# Per-app rules (extra targets): apps/NAME/app.mk.
include $(wildcard apps/*/app.mk)
