/*
 * arch/cpu.h - the few CPU services machine-independent code needs:
 * spinlocks, interrupt masking, idling and the names of the CPU's
 * exceptions.  Portable: built on GCC atomics, so the same header serves
 * the kernel and the host tests.
 */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <stdbool.h>

typedef struct splock {
    volatile int locked; /* (a) 1 while held */
} splock_t;

#define SPLOCK_INIT { 0 }

/* Hints the CPU that we spin (x86: pause). */
static inline void cpu_relax(void)
{
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
}

/* Takes `lock`, spinning while another CPU holds it. */
static inline void splock_lock(splock_t *lock)
{
    while (__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&lock->locked, __ATOMIC_RELAXED))
            cpu_relax();
}

/* Releases `lock`, which the caller holds. */
static inline void splock_unlock(splock_t *lock)
{
    __atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
}

/* True when `lock` is held (by anyone): for assertions. */
static inline bool splock_held(const splock_t *lock)
{
    return __atomic_load_n(&lock->locked, __ATOMIC_RELAXED) != 0;
}

/* Masks interrupts on this CPU; returns the previous state for irq_restore.
 * Implemented by the port (arch/x86_64/cpu.c; no-op on the host). */
unsigned long irq_save(void);

/* Restores the interrupt state returned by irq_save. */
void irq_restore(unsigned long state);

/* The names of CPU exception `vector`, for reports: *mnemonic ("#UD")
 * and *what ("invalid opcode").  Implemented by the port (x86_64:
 * trap.c). */
void cpu_exception_name(unsigned vector, const char **mnemonic,
                        const char **what);

/* Called with interrupts masked: waits for the next interrupt with them
 * enabled (it is taken), and returns with them masked again.  The idle
 * loop's; implemented by the port (x86_64: sti; hlt; cli). */
void cpu_idle(void);

#endif /* ARCH_CPU_H */
