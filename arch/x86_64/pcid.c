/*
 * pcid.c - process-context identifiers for user directories (see pcid.h).
 *
 * Exactness: the TLB may hold entries of PCID p only for owner[p] (a
 * load by another directory flushes p first), and only entries that are
 * still right unless stale[p] (every change to a directory not loaded
 * goes through mmu_flush, which marks it; a change to the loaded one is
 * flushed at once, as without PCIDs).  Kernel-half leaf entries are
 * global: invlpg and the CR4.PGE toggle of mmu_flush drop them in every
 * PCID; but the paging-structure caches of the kernel half are per PCID,
 * and invlpg drops only the loaded one's, so a kernel-half flush makes
 * every PCID stale (kgen): each space flushes once at its next load, what
 * every switch did before PCIDs.  Host-testable (tests/unit/test_pcid.c:
 * HOST leaves the CPU alone).
 */
#include "arch/x86_64/pcid.h"
#ifndef HOST
#include "arch/x86_64/x86.h"
#include "klog.h"
#endif

#define CR4_PCIDE (1ull << 17)
#define CPUID1_ECX_PCID (1u << 17)
#define CPUID7_EBX_INVPCID (1u << 10)
#define CR3_NOFLUSH (1ull << 63)
#define PCIDS 256 /* tags in use: a collision only costs a flush */

static bool on;
static phys_addr_t owner[PCIDS]; /* whose entries PCID i may hold; 0: none */
static bool stale[PCIDS];        /* owner[i]'s changed while not loaded */
static uint64_t gen[PCIDS];      /* kgen when PCID i was last flushed */
static uint64_t kgen;            /* kernel-half flushes so far */
static uint64_t flushes, reuses; /* loads that flushed, loads that kept */

static unsigned pcid_of(phys_addr_t pml4)
{
    return 1 + (unsigned)((pml4 >> 12) % (PCIDS - 1));
}

#ifdef HOST
void pcid_init(bool wanted)
{
    on = wanted;
}
#else
void pcid_init(bool wanted)
{
    uint32_t a, b, c, d, max;
    cpuid(1, &a, &b, &c, &d);
    if (!(c & CPUID1_ECX_PCID) || !wanted) {
        klog(KLOG_INFO, "mmu: PCID %s: a switch flushes the TLB\n",
             c & CPUID1_ECX_PCID ? "off (pcid=on to use it)" : "absent");
        return;
    }
    cpuid(0, &max, &b, &c, &d);
    bool invpcid = false;
    if (max >= 7) {
        cpuid(7, &a, &b, &c, &d); /* sub-leaf 0 */
        invpcid = b & CPUID7_EBX_INVPCID;
    }
    write_cr4(read_cr4() | CR4_PCIDE);
    on = true;
    klog(KLOG_INFO, "mmu: PCID on (INVPCID %s): a switch keeps the TLB\n",
         invpcid ? "present, unused" : "absent");
}
#endif

bool pcid_on(void)
{
    return on;
}

uint64_t pcid_cr3(phys_addr_t pml4)
{
    if (!on)
        return pml4;
    unsigned p = pcid_of(pml4);
    if (owner[p] == pml4 && !stale[p] && gen[p] == kgen) {
        reuses++;
        return pml4 | p | CR3_NOFLUSH;
    }
    owner[p] = pml4;
    stale[p] = false;
    gen[p] = kgen;
    flushes++;
    return pml4 | p; /* drops p's entries, the previous owner's included */
}

void pcid_counts(uint64_t *kept, uint64_t *flushed)
{
    *kept = reuses;
    *flushed = flushes;
}

void pcid_stale(phys_addr_t pml4)
{
    unsigned p = pcid_of(pml4);
    if (on && owner[p] == pml4)
        stale[p] = true;
}

void pcid_kernel_changed(void)
{
    kgen++; /* 64 bits: never wraps */
}

void pcid_forget(phys_addr_t pml4)
{
    unsigned p = pcid_of(pml4);
    if (on && owner[p] == pml4)
        owner[p] = 0;
}
