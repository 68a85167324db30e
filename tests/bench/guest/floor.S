/* The boot floor: a Multiboot 1 kernel that ends QEMU at its first
 * instruction through isa-debug-exit (QEMU exit status 2*0x10+1 = 33).
 * Booted with -kernel on the benchmark machine, its wall time is what QEMU
 * start-up, SeaBIOS and the -kernel loader cost before any kernel runs. */
#define MB1_MAGIC 0x1BADB002
#define DEBUG_EXIT_PORT 0xf4

    .text
    .align 4
    .long MB1_MAGIC
    .long 0
    .long -MB1_MAGIC
    .globl _start
_start:
    mov $0x10, %al
    out %al, $DEBUG_EXIT_PORT
1:  hlt
    jmp 1b
