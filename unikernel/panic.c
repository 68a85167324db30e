/* panic.c - the end of the road: say what and where, then stop. */
#include <assert.h>
#include <stdbool.h>

#include "arch/cpu.h"
#include "arch/x86_64/arch.h"
#include "arch/x86_64/trap.h"
#include "abi/kernel_exit.h"
#include "arch/upcall.h"
#include "klog.h"
#include "ksyms.h"

void panic(const char *fmt, ...)
{
    static bool panicking;
    irq_save();
    klog_panic_mode();
    if (panicking) { /* panic inside panic: just stop */
        kprintf("panic: nested panic\n");
        kernel_exit(KEXIT_PANIC);
    }
    panicking = true;
    va_list ap;
    va_start(ap, fmt);
    kprintf("panic: ");
    vkprintf(fmt, ap);
    va_end(ap);
    uintptr_t from = (uintptr_t)__builtin_return_address(0);
    uintptr_t offset;
    const char *caller = ksym_lookup(from, &offset);
    kprintf("\npanic called from %s+0x%lx (0x%lx)\n", caller ? caller : "?",
            caller ? offset : 0, from);
    /* our frame's saved rbp is the caller's frame */
    backtrace_print(from, *(uintptr_t *)__builtin_frame_address(0));
    kprintf("panic: stopping (exit code %d)\n", KEXIT_PANIC);
    kernel_exit(KEXIT_PANIC);
}
