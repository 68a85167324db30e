# libc-shim: the malloc family over mspace_map, as build/libshim.a for
# static musl programs (included by the top Makefile).
#
#   $(SHIM_LIB)          build/libshim.a
#   $(call shim_link,OUT,OBJS)
#                        links a static musl program with libshim and fails
#                        if any of musl's own malloc objects got linked
#   build/unit/test_malloc
#                        the allocator, built with the shim_ name prefix,
#                        under ASan+UBSan with cmocka

MUSLCC     := musl-gcc
SHIM_LIB   := $(BUILD)/libshim.a
SHIM_SRCS  := $(wildcard libc-shim/*.c)
# No builtin knowledge of the malloc family: GCC must not turn the
# allocator's own code into calls to itself (malloc+memset -> calloc).
SHIM_NOBUILTIN := -fno-builtin-malloc -fno-builtin-calloc \
                  -fno-builtin-realloc -fno-builtin-free
MUSLCFLAGS := -std=gnu11 -O2 -g $(WARN) -MMD -MP -I.
SHIM_OBJS  := $(patsubst libc-shim/%.c,$(BUILD)/shim/%.o,$(SHIM_SRCS))

$(BUILD)/shim/%.o: libc-shim/%.c
	@mkdir -p $(dir $@)
	$(call say,MUSLCC,$@)
	$(Q)$(MUSLCC) $(MUSLCFLAGS) $(SHIM_NOBUILTIN) -c -o $@ $<

$(SHIM_LIB): $(SHIM_OBJS)
	@rm -f $@ $@.tmp
	$(call say,AR,$@)
	$(Q)ar rcs $@.tmp $^ && mv $@.tmp $@

# musl's malloc objects (mallocng and the lite/bump fallback): none may
# appear in a program linked with libshim.
SHIM_MUSL_MALLOC := (malloc|free|calloc|realloc|aligned_alloc|posix_memalign|memalign|valloc|malloc_usable_size|lite_malloc|libc_calloc|donate|replaced)\.lo

# -u malloc pulls the shim in even when the program itself never calls
# malloc, so that musl's internal callers (locale, atexit) use it too.
define shim_link
	@mkdir -p $(dir $(1))
	$(call say,LD,$(1))
	$(Q)$(MUSLCC) -static -O2 -Wl,-Map=$(1).map -Wl,-u,malloc -o $(1) $(2) $(SHIM_LIB)
	@if grep -Eq 'libc\.a\($(SHIM_MUSL_MALLOC)\)' $(1).map; then \
	    echo "$(1): musl's malloc got linked:"; \
	    grep -Eo 'libc\.a\($(SHIM_MUSL_MALLOC)\)' $(1).map | sort -u; \
	    rm -f $(1); exit 1; fi
endef

all: $(SHIM_LIB)
TEST_BUILD += $(SHIM_LIB)

# Host unit tests: the shipped sources with the shim_ prefix, beside the
# sanitizers' malloc.
SHIM_HOST_OBJS := $(patsubst libc-shim/%.c,$(BUILD)/host-shim/%.o,$(SHIM_SRCS))
$(BUILD)/host-shim/%.o: libc-shim/%.c
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(HOSTCC) $(HOSTCFLAGS) $(SHIM_NOBUILTIN) -DSHIM_PREFIX -c -o $@ $<

UNIT_BINS += $(BUILD)/unit/test_malloc
$(BUILD)/unit/test_malloc: $(call host_objs,tests/unit/test_malloc.c) $(SHIM_HOST_OBJS)
	@mkdir -p $(dir $@)
	$(call say,HOSTLD,$@)
	$(Q)$(HOSTCC) $(HOSTCFLAGS) -pthread -o $@ $^ -lcmocka
