/*
 * net/addr.h - IPv4 addresses as the kernel command line writes them
 * (ip=10.0.2.15/24 gw=10.0.2.2 dns=10.0.2.3) and as the boot line prints
 * them.  Portable: tested on the host (tests/unit/test_net_addr.c).
 */
#ifndef NET_ADDR_H
#define NET_ADDR_H

#include <stddef.h>
#include <stdint.h>

/* Parses a dotted quad of four decimal parts 0..255 ("10.0.2.15") into
 * *addr (host byte order, 10.0.2.15 = 0x0a00020f): 0 or -EINVAL. */
int net_parse_ipv4(const char *s, uint32_t *addr);

/* Parses ADDR/PREFIX (prefix 0..32, required) into *addr and *prefix:
 * 0 or -EINVAL. */
int net_parse_cidr(const char *s, uint32_t *addr, int *prefix);

/* The netmask of `prefix` (0..32), host byte order. */
uint32_t net_prefix_mask(int prefix);

/* The prefix length of a contiguous netmask, or -1 for another. */
int net_mask_prefix(uint32_t mask);

/* Writes "a.b.c.d" of `addr` (host order) into buf (at least 16 bytes). */
void net_format_ipv4(char *buf, size_t cap, uint32_t addr);

#endif
