/*
 * cpu.c - per-CPU tables of the boot CPU: GDT (kernel and user segments,
 * TSS with IST stacks for #DF, NMI and #MC) and the IDT of the 32
 * exception vectors; interrupt masking and halting.
 */
#include <stdint.h>
#include <string.h>

#include "arch/cpu.h"
#include "arch/x86_64/arch.h"
#include "arch/x86_64/protect.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/x86.h"

#define IST_STACK_SIZE 8192
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IST_MACHINE_CHECK 3

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));

struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
} __attribute__((packed));

struct table_ptr {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

static uint64_t gdt[8] = {
    [0] = 0,
    [GDT_KERNEL_CODE / 8] = 0x00AF9A000000FFFF, /* 64-bit, DPL 0 */
    [GDT_KERNEL_DATA / 8] = 0x00CF92000000FFFF,
    [GDT_USER_CODE32 / 8] = 0x00CFFA000000FFFF, /* sysret layout slot */
    [GDT_USER_DATA / 8] = 0x00CFF2000000FFFF,
    [GDT_USER_CODE / 8] = 0x00AFFA000000FFFF,   /* 64-bit, DPL 3 */
    /* [6], [7]: the TSS descriptor, filled at run time */
};

static struct tss tss;
static struct idt_gate idt[256]; /* exceptions, then interrupts */
static uint8_t ist_stacks[3][IST_STACK_SIZE] __attribute__((aligned(16)));

static void gdt_set_tss(void)
{
    uint64_t base = (uintptr_t)&tss;
    uint64_t limit = sizeof(tss) - 1;
    gdt[GDT_TSS / 8] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) |
                       (0x89ULL << 40) | (((limit >> 16) & 0xF) << 48) |
                       (((base >> 24) & 0xFF) << 56);
    gdt[GDT_TSS / 8 + 1] = base >> 32;
}

static void gdt_load(void)
{
    struct table_ptr ptr = { sizeof(gdt) - 1, (uintptr_t)gdt };
    __asm__ volatile("lgdt %0\n\t"
                     "pushq %1\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "movw %w2, %%ds\n\t"
                     "movw %w2, %%es\n\t"
                     "movw %w2, %%ss\n\t"
                     "ltr %w3"
                     :
                     : "m"(ptr), "i"(GDT_KERNEL_CODE), "r"(GDT_KERNEL_DATA),
                       "r"(GDT_TSS)
                     : "rax", "memory");
}

static void idt_set(int vector, uintptr_t handler, int ist)
{
    idt[vector] = (struct idt_gate){
        .offset_low = handler & 0xFFFF,
        .selector = GDT_KERNEL_CODE,
        .ist = (uint8_t)ist,
        .type = 0x8E, /* present, DPL 0, 64-bit interrupt gate */
        .offset_mid = (handler >> 16) & 0xFFFF,
        .offset_high = (uint32_t)(handler >> 32),
    };
}

static void idt_load(void)
{
    for (int v = 0; v < TRAP_VECTORS; v++)
        idt_set(v, trap_stubs[v], 0);
    idt_set(TRAP_DOUBLE_FAULT, trap_stubs[TRAP_DOUBLE_FAULT], IST_DOUBLE_FAULT);
    idt_set(TRAP_NMI, trap_stubs[TRAP_NMI], IST_NMI);
    idt_set(TRAP_MACHINE_CHECK, trap_stubs[TRAP_MACHINE_CHECK],
            IST_MACHINE_CHECK);
    struct table_ptr ptr = { sizeof(idt) - 1, (uintptr_t)idt };
    __asm__ volatile("lidt %0" : : "m"(ptr));
}

void cpu_init(void)
{
    for (int i = 0; i < 3; i++)
        tss.ist[i] = (uintptr_t)&ist_stacks[i][IST_STACK_SIZE];
    tss.iomap_base = sizeof(tss); /* no I/O bitmap */
    gdt_set_tss();
    gdt_load();
    idt_load();
    protect_init();
}

void cpu_set_interrupt(int vector, uintptr_t handler)
{
    idt_set(vector, handler, 0);
}

void cpu_set_kernel_stack(uintptr_t top)
{
    tss.rsp[0] = top;
}

bool cpu_hypervisor(void)
{
    uint32_t a, b, c, d;
    cpuid(1, &a, &b, &c, &d);
    return c & (1u << 31);
}

void cpu_describe(char vendor[13], char model[49], unsigned *family,
                  unsigned *modelno, unsigned *stepping)
{
    uint32_t r[4], max;
    cpuid(0, &max, &r[0], &r[2], &r[1]); /* ebx, edx, ecx: the vendor */
    memcpy(vendor, r, 12);
    vendor[12] = '\0';
    cpuid(1, &r[0], &r[1], &r[2], &r[3]);
    unsigned fam = (r[0] >> 8) & 0xf, mod = (r[0] >> 4) & 0xf;
    if (fam == 0xf)
        fam += (r[0] >> 20) & 0xff;
    if (fam >= 6)
        mod |= ((r[0] >> 16) & 0xf) << 4;
    *family = fam;
    *modelno = mod;
    *stepping = r[0] & 0xf;
    model[0] = '\0';
    cpuid(0x80000000, &max, &r[1], &r[2], &r[3]);
    if (max < 0x80000004)
        return;
    for (uint32_t leaf = 0; leaf < 3; leaf++) {
        cpuid(0x80000002 + leaf, &r[0], &r[1], &r[2], &r[3]);
        memcpy(model + 16 * leaf, r, 16);
    }
    model[48] = '\0';
}

void cpu_idle(void)
{
    __asm__ volatile("sti; hlt; cli" : : : "memory");
}

void cpu_halt(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

unsigned long irq_save(void)
{
    unsigned long flags;
    __asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
    return flags;
}

void irq_restore(unsigned long state)
{
    if (state & (1ul << 9)) /* RFLAGS.IF */
        __asm__ volatile("sti" : : : "memory");
}
