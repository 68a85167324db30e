/*
 * net/arch/cc.h - lwIP's port header for this kernel: the compiler and
 * C library facts lwIP asks about (freestanding GCC, lib/include), its
 * diagnostics on the console, its asserts as panics, byte swaps as GCC
 * builtins, and random numbers from the port (arch/random.h).
 */
#ifndef NET_ARCH_CC_H
#define NET_ARCH_CC_H

#include <stdint.h>

/* The kernel has no <inttypes.h>, <limits.h>, <unistd.h> or <ctype.h>:
 * lwIP uses its own ctype, the limit and the printf formats below. */
#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_LIMITS_H 1
#define INT_MAX __INT_MAX__
#define LWIP_NO_UNISTD_H 1
#define LWIP_NO_CTYPE_H 1
#define X8_F "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"

#define BYTE_ORDER LITTLE_ENDIAN
#define lwip_htons(x) ((u16_t)__builtin_bswap16(x))
#define lwip_htonl(x) ((u32_t)__builtin_bswap32(x))

#define PACK_STRUCT_STRUCT __attribute__((packed))

#include <assert.h> /* panic */
#include <klog.h>   /* kprintf */

#define LWIP_PLATFORM_DIAG(x) do { kprintf x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) \
    panic("lwip: assertion \"%s\" failed at %s:%d", x, __FILE__, __LINE__)

/* A random 32-bit number (net/lwip_port.c): TCP ports and sequence
 * numbers, DHCP transaction ids. */
uint32_t lwip_port_rand(void);
#define LWIP_RAND() lwip_port_rand()

#endif
