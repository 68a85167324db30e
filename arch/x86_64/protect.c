/*
 * protect.c - SMEP, SMAP, UMIP and the stack protector's guard (see
 * protect.h).  A smashed canary panics in __stack_chk_fail.
 */
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/protect.h"
#include "arch/x86_64/x86.h"
#include "klog.h"
#include "ksyms.h"

#define CR4_UMIP (1u << 11)
#define CR4_SMEP (1u << 20)
#define CR4_SMAP (1u << 21)
#define CPUID7_EBX_SMEP (1u << 7)
#define CPUID7_EBX_SMAP (1u << 20)
#define CPUID7_ECX_UMIP (1u << 2)
#define CPUID1_ECX_RDRAND (1u << 30)

uint8_t protect_smap;
uintptr_t __stack_chk_guard; /* -mstack-protector-guard=global */

static const char *on_off(bool on)
{
    return on ? "on" : "off (not in CPUID)";
}

void protect_init(void)
{
    uint32_t max, a, b = 0, c = 0, d;
    cpuid(0, &max, &a, &c, &d);
    if (max >= 7)
        cpuid(7, &a, &b, &c, &d);
    else
        c = 0;
    bool smep = b & CPUID7_EBX_SMEP, smap = b & CPUID7_EBX_SMAP,
         umip = c & CPUID7_ECX_UMIP;
    write_cr4(read_cr4() | (smep ? CR4_SMEP : 0) | (smap ? CR4_SMAP : 0) |
              (umip ? CR4_UMIP : 0));
    protect_smap = smap;
    klog(KLOG_INFO,
         "cpu: protections: SMEP %s, SMAP %s, UMIP %s, NX on, stack "
         "protector %s\n",
         on_off(smep), on_off(smap), on_off(umip),
         __stack_chk_guard ? "on" : "WITHOUT A GUARD (boot.S did not set it)");
}

__attribute__((no_stack_protector)) void stack_guard_init(void)
{
    uint32_t a, b, c, d;
    uint64_t v = 0;
    unsigned char ok = 0;
    cpuid(1, &a, &b, &c, &d);
    for (int i = 0; i < 10 && (c & CPUID1_ECX_RDRAND) && !ok; i++)
        __asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
    if (!ok) {
        uint32_t lo, hi;
        __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
        v = (((uint64_t)hi << 32) | lo) * 0x9e3779b97f4a7c15ull;
    }
    __stack_chk_guard = (uintptr_t)(v & ~(uint64_t)0xff); /* a NUL byte
                                              stops string overruns */
}

__attribute__((noreturn)) void __stack_chk_fail(void)
{
    uintptr_t at = (uintptr_t)__builtin_return_address(0), offset;
    const char *name = ksym_lookup(at, &offset);
    panic("stack protector: canary overwritten (smashed stack) in %s+0x%lx",
          name ? name : "?", name ? offset : 0);
}
