/* serial.c - 16550 UART on COM1, polled: the kernel console. */
#include "arch/x86_64/arch.h"
#include "arch/x86_64/x86.h"

#define COM1 0x3F8
#define UART_DATA 0
#define UART_IER  1
#define UART_FCR  2
#define UART_LCR  3
#define UART_MCR  4
#define UART_LSR  5
#define LSR_THRE  0x20
#define LSR_TEMT  0x40 /* FIFO and shift register empty */
#define LCR_DLAB  0x80
#define DRAIN_SPINS 1000000 /* 16 bytes at 115200 baud take 1.4 ms */

void serial_init(void)
{
    outb(COM1 + UART_IER, 0x00);      /* no interrupts: we poll */
    outb(COM1 + UART_LCR, LCR_DLAB);
    outb(COM1 + UART_DATA, 1);        /* divisor 1: 115200 baud */
    outb(COM1 + UART_IER, 0);
    outb(COM1 + UART_LCR, 0x03);      /* 8N1 */
    outb(COM1 + UART_FCR, 0xC7);      /* FIFOs on, cleared */
    outb(COM1 + UART_MCR, 0x03);      /* DTR, RTS */
}

static void serial_putc(char c)
{
    /* bounded wait: a missing UART must not hang the kernel */
    for (int spins = 0; spins < 100000; spins++)
        if (inb(COM1 + UART_LSR) & LSR_THRE)
            break;
    outb(COM1 + UART_DATA, (uint8_t)c);
}

void serial_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            serial_putc('\r');
        serial_putc(s[i]);
    }
}

void serial_drain(void)
{
    for (int spins = 0; spins < DRAIN_SPINS; spins++)
        if (inb(COM1 + UART_LSR) & LSR_TEMT)
            return;
}
