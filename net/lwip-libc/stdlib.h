/*
 * net/lwip-libc/stdlib.h - the one <stdlib.h> function lwIP's core uses
 * (netif.c: atoi, for interface names like "en0"), on lwIP's include path
 * only; implemented in net/lwip_port.c.  lwIP's malloc goes through
 * mem_clib_malloc (lwipopts.h), not here.
 */
#ifndef NET_LWIP_LIBC_STDLIB_H
#define NET_LWIP_LIBC_STDLIB_H

/* The decimal number at the start of `s` (digits only, no sign). */
int atoi(const char *s);

#endif
