# apps/recipes.mk: third-party applications, built from a recipe
# (apps/NAME/recipe, docs/recipes.md) instead of C files of ours; included
# by the top Makefile before the core's build.mk, so that APP=apps/NAME
# gives the embedding its program, files and command line.
#
#   $(BUILD)/apps/NAME.elf        the recipe's first program (make run APP=)
#   $(BUILD)/apps/NAME/PROG       every program of the recipe
#   $(BUILD)/kernels/NAME.elf     boot-test kernels when apps/NAME/test.cases
#   $(BUILD)/kernels/NAME-PROG.elf  exists: each program with the recipe's files
#   $(BUILD)/kernels/NAME.cpio    (and NAME-PROG.cpio) its boot module, when
#                                 the recipe has `modfiles`
#
# The recipe's settings reach make as RECIPE_NAME_KEY (package, version,
# programs, files, modfiles, cmdline, mem, ports) through $(BUILD)/recipes/NAME.mk,
# made by scripts/recipe.sh make-vars (make re-reads it when it changes).

RECIPE_NAMES := $(patsubst apps/%/recipe,%,$(wildcard apps/*/recipe))

$(BUILD)/recipes/%.mk: apps/%/recipe scripts/recipe.sh
	@mkdir -p $(dir $@)
	$(Q)scripts/recipe.sh make-vars apps/$* > $@.tmp && mv $@.tmp $@
include $(patsubst %,$(BUILD)/recipes/%.mk,$(RECIPE_NAMES))

# One build per recipe (it makes every program); the stamp is its target.
$(BUILD)/apps/%/.built: apps/%/recipe scripts/recipe.sh scripts/fetch-source.sh $$(SHIM_LIB)
	$(call say,RECIPE,apps/$*)
	$(Q)SHIM_MUSL_MALLOC='$(SHIM_MUSL_MALLOC)' MUSLCC=$(MUSLCC) \
	    scripts/recipe.sh build apps/$* $(BUILD)
	@touch $@
# Explicit rules: apps/build.mk's pattern rule for NAME.elf must not apply.
# A file of `files` or `modfiles` under build/apps/NAME/ is made by the
# recipe's build.
define recipe_rules
$(patsubst %,$(BUILD)/apps/$(1)/%,$(RECIPE_$(1)_programs)): $(BUILD)/apps/$(1)/.built
$(filter $(BUILD)/apps/$(1)/%,$(RECIPE_$(1)_files) $(RECIPE_$(1)_modfiles)): $(BUILD)/apps/$(1)/.built
$(BUILD)/apps/$(1).elf: $(BUILD)/apps/$(1)/.built
	$$(Q)cp $(BUILD)/apps/$(1)/$(firstword $(RECIPE_$(1)_programs)) $$@
endef
$(foreach r,$(RECIPE_NAMES),$(eval $(call recipe_rules,$(r))))
.PRECIOUS: $(BUILD)/apps/%/.built

RECIPE_ELFS := $(patsubst %,$(BUILD)/apps/%.elf,$(RECIPE_NAMES))
TEST_BUILD  += $(RECIPE_ELFS)

# APP=apps/NAME of a recipe: its files, module files, command line and
# memory unless given.
ifneq ($(filter $(APPNAME),$(RECIPE_NAMES)),)
ifeq ($(origin FILES),undefined)
FILES := $(RECIPE_$(APPNAME)_files)
endif
ifeq ($(origin MODFILES),undefined)
MODFILES := $(RECIPE_$(APPNAME)_modfiles)
endif
ifeq ($(origin CMDLINE),file)
CMDLINE := $(RECIPE_$(APPNAME)_cmdline)
endif
ifeq ($(origin MEM),file)
MEM := $(or $(RECIPE_$(APPNAME)_mem),$(MEM))
endif
endif

# Boot-test kernels of the recipes with a test.cases: called by
# tests/boot/build.mk, where test_kernel is defined.
define recipe_test_kernels
$(call test_kernel,$(1),$(BUILD)/apps/$(1).elf,,$(RECIPE_$(1)_files),$(RECIPE_$(1)_modfiles))
$(foreach p,$(wordlist 2,99,$(RECIPE_$(1)_programs)),\
  $(call test_kernel,$(1)-$(p),$(BUILD)/apps/$(1)/$(p),,$(RECIPE_$(1)_files),$(RECIPE_$(1)_modfiles)))
endef
RECIPE_TEST_APPS := $(filter $(RECIPE_NAMES),$(patsubst apps/%/test.cases,%,$(wildcard apps/*/test.cases)))
