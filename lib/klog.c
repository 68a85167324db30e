/* klog.c - kprintf and klog on the console (see klog.h; the device is the
 * port's, arch/console.h). */
#include "arch/console.h"
#include "arch/cpu.h"
#include "klog.h"
#include "lib/format.h"

static splock_t console_lock = SPLOCK_INIT;
static int console_level = KLOG_DEFAULT_LEVEL;
static bool panic_mode;

static void console_out(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    serial_write(s, n);
}

int vkprintf(const char *fmt, va_list ap)
{
    bool locked = !panic_mode;
    unsigned long irq = irq_save();
    if (locked)
        splock_lock(&console_lock);
    int n = format_v(console_out, NULL, fmt, ap);
    if (locked)
        splock_unlock(&console_lock);
    irq_restore(irq);
    return n;
}

int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vkprintf(fmt, ap);
    va_end(ap);
    return n;
}

void klog(int level, const char *fmt, ...)
{
    if (level > console_level)
        return;
    va_list ap;
    va_start(ap, fmt);
    vkprintf(fmt, ap);
    va_end(ap);
}

void klog_set_level(int level)
{
    console_level = level;
}

void klog_panic_mode(void)
{
    panic_mode = true;
}
