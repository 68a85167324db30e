/*
 * apic.c - the local APIC (xAPIC, MMIO through kmap_phys) and its timer
 * (arch/timer.h): periodic, or one-shot for the tickless scheduler, in
 * TSC-deadline mode where CPUID.1:ECX.24 says so (the deadline is a TSC
 * value: no calibration error, no range limit), else a count-down of the
 * APIC's own clock (calibrated against the TSC, divided by 16, at most
 * 2^32 - 1 counts: a farther deadline fires early and is armed again);
 * the 8259 PICs remapped to 0xf0-0xff and masked, so that nothing they
 * raise lands on an exception vector.
 */
#include "arch/clock.h"
#include "arch/timer.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/arch.h"
#include "arch/x86_64/x86.h"
#include "klog.h"
#include "mm/kmap.h"

#define MSR_APIC_BASE 0x1B
#define APIC_BASE_ENABLE (1u << 11)
#define APIC_ID 0x20
#define APIC_TPR 0x80
#define APIC_EOI 0xB0
#define APIC_SVR 0xF0
#define APIC_LVT_TIMER 0x320
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_COUNT 0x390
#define APIC_TIMER_DIV 0x3E0
#define APIC_SVR_ENABLE 0x100
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define LVT_TSC_DEADLINE (2u << 17)
#define MSR_TSC_DEADLINE 0x6E0
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define TIMER_DIV_16 0x3

#define VECTOR_TIMER 0x20
#define VECTOR_PIC 0xF0 /* 0xf0-0xff: PIC lines, 0xff also APIC spurious */
#define VECTOR_SPURIOUS 0xFF
#define CALIBRATE_NS 1000000ull /* 1 ms: a busy wait on the boot path */

void irq_timer_entry(void);
void irq_spurious_entry(void);

static volatile uint32_t *apic;
static timer_tick_t *tick; /* the core's, given to timer_start */
static uint64_t interrupts; /* timer interrupts taken */
static uint64_t per_ms;     /* APIC timer counts (/16) per ms */
static const char *mode = "none";

static uint32_t apic_read(unsigned reg)
{
    return apic[reg / 4];
}

static void apic_write(unsigned reg, uint32_t v)
{
    apic[reg / 4] = v;
}

/* ICW1-4: cascade, vectors base/base+8, 8086 mode; then every line masked. */
static void pic_disable(void)
{
    outb(0x20, 0x11);
    outb(0xA0, 0x11);
    outb(0x21, VECTOR_PIC);
    outb(0xA1, VECTOR_PIC + 8);
    outb(0x21, 4);
    outb(0xA1, 2);
    outb(0x21, 1);
    outb(0xA1, 1);
    outb(0x21, 0xff);
    outb(0xA1, 0xff);
}

/* APIC timer ticks (divided by 16) per CALIBRATE_NS of the TSC clock,
 * over about that long.  Each count is read between two TSC reads (TSC,
 * count ... count, TSC): a vCPU descheduled inside a bracket makes the
 * rate lower, so a deadline comes early (and is armed again), never late. */
static uint32_t timer_calibrate(void)
{
    apic_write(APIC_TIMER_DIV, TIMER_DIV_16);
    apic_write(APIC_LVT_TIMER, LVT_MASKED | VECTOR_TIMER);
    apic_write(APIC_TIMER_INIT, 0xffffffffu);
    uint64_t t0 = rdtsc();
    uint32_t c0 = apic_read(APIC_TIMER_COUNT);
    clock_delay_ns(CALIBRATE_NS);
    uint32_t c1 = apic_read(APIC_TIMER_COUNT);
    uint64_t t1 = rdtsc();
    apic_write(APIC_TIMER_INIT, 0);
    uint64_t ns = (t1 - t0) * 1000000 / (clock_tsc_hz() / 1000);
    return ns ? (uint32_t)((uint64_t)(c0 - c1) * CALIBRATE_NS / ns) : c0 - c1;
}

bool apic_enable(void)
{
    static bool tried;
    if (tried)
        return apic != NULL;
    tried = true;
    pic_disable(); /* ring 3 runs with interrupts on, timer or not */
    for (int v = VECTOR_PIC; v <= VECTOR_SPURIOUS; v++)
        cpu_set_interrupt(v, (uintptr_t)irq_spurious_entry);
    uint32_t a, b, c, d;
    cpuid(1, &a, &b, &c, &d);
    if (!(d & (1u << 9)))
        return false; /* no local APIC */
    uint64_t base = rdmsr(MSR_APIC_BASE);
    wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
    apic = kmap_phys(base & ~0xfffull & 0xffffffffffull, 4096,
                     VMA_READ | VMA_WRITE);
    if (!apic)
        return false;
    apic_write(APIC_TPR, 0);
    apic_write(APIC_SVR, APIC_SVR_ENABLE | VECTOR_SPURIOUS);
    return true;
}

void apic_eoi(void)
{
    apic_write(APIC_EOI, 0);
}

unsigned apic_id(void)
{
    return apic_read(APIC_ID) >> 24;
}

bool timer_start(unsigned period_us, timer_tick_t *on_tick)
{
    tick = on_tick;
    if (!apic_enable())
        return false;
    cpu_set_interrupt(VECTOR_TIMER, (uintptr_t)irq_timer_entry);
    per_ms = timer_calibrate();
    uint32_t ticks = (uint32_t)(per_ms * period_us / 1000);
    if (!ticks)
        ticks = 1;
    apic_write(APIC_LVT_TIMER, LVT_PERIODIC | VECTOR_TIMER);
    apic_write(APIC_TIMER_INIT, ticks);
    mode = "periodic";
    klog(KLOG_INFO, "apic: timer %lu kHz (/16), tick every %u us\n",
         (unsigned long)per_ms, period_us);
    return true;
}

bool timer_start_oneshot(timer_tick_t *on_tick)
{
    tick = on_tick;
    if (!apic_enable())
        return false;
    cpu_set_interrupt(VECTOR_TIMER, (uintptr_t)irq_timer_entry);
    uint32_t a, b, c, d;
    cpuid(1, &a, &b, &c, &d);
    if (c & CPUID1_ECX_TSC_DEADLINE) {
        apic_write(APIC_LVT_TIMER, LVT_TSC_DEADLINE | VECTOR_TIMER);
        __asm__ volatile("mfence" ::: "memory"); /* the LVT before the MSR */
        wrmsr(MSR_TSC_DEADLINE, 0);
        mode = "tsc-deadline";
    } else {
        per_ms = timer_calibrate();
        if (!per_ms)
            per_ms = 1;
        apic_write(APIC_LVT_TIMER, VECTOR_TIMER); /* one-shot, disarmed */
        mode = "one-shot";
    }
    klog(KLOG_INFO, "apic: timer one-shot (%s), tickless\n", mode);
    if (per_ms)
        klog(KLOG_DEBUG, "apic: timer %lu kHz (/16)\n", (unsigned long)per_ms);
    return true;
}

void timer_arm(uint64_t deadline_ns)
{
    if (mode[0] == 't') { /* tsc-deadline */
        uint64_t tsc = deadline_ns ? clock_cycles_at(deadline_ns) : 0;
        wrmsr(MSR_TSC_DEADLINE, deadline_ns && !tsc ? 1 : tsc);
        return;
    }
    if (!deadline_ns) {
        apic_write(APIC_TIMER_INIT, 0); /* stops the count-down */
        return;
    }
    uint64_t now = clock_monotonic_ns();
    uint64_t ns = deadline_ns > now ? deadline_ns - now : 0;
    uint64_t counts = ns / 1000000 * per_ms + ns % 1000000 * per_ms / 1000000;
    if (counts > 0xffffffffull)
        counts = 0xffffffffull; /* early: the core arms the rest */
    apic_write(APIC_TIMER_INIT, counts ? (uint32_t)counts : 1);
}

uint64_t timer_interrupts(void)
{
    return interrupts;
}

const char *timer_mode(void)
{
    return mode;
}

void irq_timer(uint64_t cs)
{
    interrupts++;
    apic_write(APIC_EOI, 0);
    tick((cs & 3) == 3);
}
