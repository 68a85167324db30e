/*
 * main.c - the boot sequence, from boot.S to shutdown.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "arch/mmu.h"
#include "arch/x86_64/arch.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/pcid.h"
#include "arch/x86_64/power.h"
#include "arch/x86_64/user.h"
#include "arch/boot_info.h"
#include "boottime.h"
#include "cmdline.h"
#include "drivers/drivers.h"
#include "abi/kernel_exit.h"
#include "arch/upcall.h"
#include "klog.h"
#include "mm/kalloc.h"
#include "mm/kmap.h"
#include "mm/memory.h"
#include "multiboot2.h"
#include "ram.h"
#include "selftest.h"
#include "arch/clock.h"
#include "unikernel/exec.h"
#include "unikernel/power.h"
#include "unikernel/sched.h"

#define KERNEL_NAME "unikernel"
#define KERNEL_VERSION "0.1"

struct cmdline boot_cmdline;

extern const char _kernel_phys_start[], _kernel_phys_end[];

/* Reads the loader's information, whatever the protocol. */
static void boot_info_read(uint32_t magic, uintptr_t info)
{
    boot_info.loader = "";
    boot_info.cmdline = "";
    int err;
    if (magic == MB2_BOOT_MAGIC)
        err = mb2_parse(mmu_kaddr(info), info, &boot_info);
    else if (magic == BOOT_MAGIC_PVH)
        err = pvh_parse(info, &boot_info);
    else
        panic("boot: unknown boot protocol (magic 0x%x)", magic);
    if (err)
        panic("boot: malformed %s information at 0x%lx (%d)",
              magic == MB2_BOOT_MAGIC ? "multiboot2" : "pvh", info, err);
    boot_reserve(&boot_info, (uintptr_t)_kernel_phys_start,
                 (uintptr_t)_kernel_phys_end);
}

/* Frames first from the RAM the boot tables reach, then the final tables,
 * then the rest of RAM (now in the direct map). */
static void memory_init(void)
{
    if (boot_cmdline.mem) {
        ram_set_limit(boot_cmdline.mem);
        klog(KLOG_INFO, "ram: at most %lu KiB for the frame allocator (mem=)\n",
             boot_cmdline.mem >> 10);
    }
    uint64_t low = ram_add(&boot_info, 0, BOOT_DIRECT_MAP_END);
    paging_init(&boot_info);
    pcid_init(boot_cmdline.pcid); /* CR3's PCID is 0: the kernel's tables */
    uint64_t high = ram_add(&boot_info, BOOT_DIRECT_MAP_END, UINT64_MAX);
    klog(KLOG_DEBUG, "ram: %lu KiB given to the frame allocator\n",
         (low + high) >> 10);
    ram_print_zones();
    mm_set_allocator(kalloc, kfree);
    /* superpages for user memory: on by default, as Debian's kernel */
    static const char *const policies[] = {"never", "madvise", "always"};
    int huge = boot_cmdline.hugepages >= 0 ? boot_cmdline.hugepages
                                           : MM_HUGE_ALWAYS;
    mm_set_huge_policy((enum mm_huge_policy)huge);
    klog(KLOG_INFO, "mm: superpages (2 MiB) for user memory: %s\n",
         policies[huge]);
    /* and for tmpfs/memfd files: within_size, as a tmpfs huge=within_size
     * (Linux's default is never; here a superpage never costs a file more
     * than its size rounded to 2 MiB, and the first touch saves 511
     * faults) */
    static const char *const shmem[] = {"never", "within_size", "advise",
                                        "always"};
    int sh = boot_cmdline.shmem_hugepages >= 0 ? boot_cmdline.shmem_hugepages
                                               : MM_SHMEM_HUGE_WITHIN_SIZE;
    mm_set_shmem_huge_policy((enum mm_shmem_huge_policy)sh);
    klog(KLOG_INFO, "mm: superpages (2 MiB) for tmpfs and memfd files: %s\n",
         shmem[sh]);
    int err = kmap_init(KMAP_BASE, KMAP_END);
    if (err)
        panic("kmap: cannot create kspace (%d)", err);
    klog(KLOG_DEBUG, "kspace: [0x%lx-0x%lx)\n", (uintptr_t)KMAP_BASE,
         (uintptr_t)KMAP_END);
}

/* Parses the command line and sets the console level from it; returns
 * the parse status, reported by cmdline_report once the banner is out. */
static int cmdline_apply(void)
{
    /* GRUB rebuilds the line from grub.cfg's words; undo its escaping */
    static char from_grub[CMDLINE_MAX];
    const char *text = boot_info.cmdline;
    if (strncmp(boot_info.loader, "GRUB", 4) == 0 &&
        cmdline_from_grub(from_grub, sizeof(from_grub), text) == 0)
        text = from_grub;
    int err = cmdline_parse(&boot_cmdline, text);
    if (boot_cmdline.quiet)
        klog_set_level(KLOG_WARN);
    if (boot_cmdline.loglevel >= 0)
        klog_set_level(boot_cmdline.loglevel);
    return err;
}

static void cmdline_report(int err)
{
    if (err)
        klog(KLOG_WARN, "cmdline: cannot parse '%s' (%d)\n", boot_info.cmdline,
             err);
    for (int i = 0; i < boot_cmdline.nunknown; i++) {
        const char *word = boot_cmdline.unknown[i];
        if (cmdline_is_env(word))
            klog(KLOG_INFO, "cmdline: '%s' goes to the environment\n", word);
        else
            klog(KLOG_WARN, "cmdline: unknown parameter '%s' ignored\n", word);
    }
    /* numbered as the application sees them: argv[0] is its name */
    for (int i = 0; i < boot_cmdline.argc; i++)
        klog(KLOG_INFO, "cmdline: argv[%d] = '%s'\n", i + 1,
             boot_cmdline.argv[i]);
}

/* Starts user mode, the clock and the scheduler, then the embedded
 * application: its kernel exit status. */
static int app_run(void)
{
    user_init();
    clock_init();
    sched_init(boot_cmdline.tick_periodic);
    int status = exec_start_app(&boot_cmdline);
    klog(KLOG_INFO, "timer: %lu interrupts in %lu ms (%s)\n",
         (unsigned long)sched_timer_interrupts(),
         (unsigned long)(clock_monotonic_ns() / 1000000), sched_timer_mode());
    if (pcid_on()) {
        uint64_t kept, flushed;
        pcid_counts(&kept, &flushed);
        klog(KLOG_INFO, "mmu: PCID loads: %lu kept the TLB, %lu flushed\n",
             (unsigned long)kept, (unsigned long)flushed);
    }
    return status;
}

void kernel_main(uint32_t magic, uintptr_t info, uint64_t entry_tsc)
{
    boot_entry_tsc = entry_tsc;
    serial_init();
    cpu_init();
    boot_info_read(magic, info);
    int err = cmdline_apply();
    klog(KLOG_NOTICE, "%s %s (x86_64) booting\n", KERNEL_NAME, KERNEL_VERSION);
    boot_info_print(&boot_info);
    cmdline_report(err);
    power_init(&boot_info); /* before memory_init: reads the BIOS areas */
    memory_init();
    drivers_probe(); /* the NICs, before a self-test that may use one */
    if (boot_cmdline.test) {
        err = selftest_run(boot_cmdline.test);
        if (err == -ENOENT)
            panic("selftest: no test named in '%s'", boot_cmdline.test);
        if (err)
            panic("selftest: %s failed (%d)", boot_cmdline.test, err);
    }
    int status = boot_cmdline.test ? KEXIT_OK : app_run();
    klog(KLOG_NOTICE, "%s: shutdown\n", KERNEL_NAME);
    kernel_exit(status);
}
