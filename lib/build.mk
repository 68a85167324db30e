# lib: the kernel's own freestanding C library, beneath everything else
# (included by the top Makefile): <string.h>, <stdio.h> (snprintf),
# <errno.h>, <assert.h>, the console printer (klog.h) and the symbol table
# lookup (ksyms.h).  lib/include is on every kernel object's <...> path;
# lib/ itself calls only panic() (the core) and arch/console.h, arch/cpu.h.
LIB_SRCS := lib/string.c lib/format.c lib/snprintf.c lib/klog.c lib/ksyms.c

# The formatter core is portable: tested on the host under sanitizers.
$(eval $(call unit_test,test_format,tests/unit/test_format.c lib/format.c))
