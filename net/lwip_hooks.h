/*
 * net/lwip_hooks.h - the hooks lwIP calls into our code (LWIP_HOOK_FILENAME
 * in lwipopts.h): the DHCP options lwIP itself skips, so that the name
 * servers reach /etc/resolv.conf without lwIP's DNS client (net/config.c).
 */
#ifndef NET_LWIP_HOOKS_H
#define NET_LWIP_HOOKS_H

#include "lwip/netif.h"
#include "lwip/pbuf.h"

/* Option `op` of `len` bytes at `offset` in `p`, in a DHCP reply of type
 * `msg_type` received on `netif`. */
void net_dhcp_option(struct netif *netif, u8_t msg_type, u8_t op, u8_t len,
                     struct pbuf *p, u16_t offset);

#define LWIP_HOOK_DHCP_PARSE_OPTION(netif, dhcp, state, msg, msg_type, option, \
                                    len, pbuf, offset)                         \
    do {                                                                       \
        (void)(msg);                                                           \
        net_dhcp_option(netif, msg_type, option, len, pbuf, offset);           \
    } while (0)

#endif
