/*
 * net/martian.c - frames from the NIC with a loopback address.  lwIP
 * takes an IPv4 packet from 127.0.0.0/8 off the Ethernet and answers it
 * through its loopback interface, where the answer is lost (or reaches a
 * local service: a forged 127.0.0.1 would make the guest talk to its own
 * loopback-only ports).  A SYN flood's forged sources include 127.x, and
 * each left a half-open connection retransmitting into lo for 20 s.  As
 * Linux (martian source or destination), such frames are dropped.
 */
#include <stdbool.h>
#include <string.h>

#include "lwip/def.h"
#include "lwip/prot/ethernet.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/ip6.h"
#include "net/stack.h"

static bool ip6_loopback(const uint8_t *a)
{
    static const uint8_t one[16] = {[15] = 1};
    return !memcmp(a, one, 16);
}

bool net_martian(const uint8_t *frame, size_t len)
{
    if (len < SIZEOF_ETH_HDR + IP_HLEN)
        return false;
    uint16_t type;
    memcpy(&type, frame + 12, 2);
    const uint8_t *ip = frame + SIZEOF_ETH_HDR;
    if (type == PP_HTONS(ETHTYPE_IP))
        return ip[12] == 127 || ip[16] == 127; /* 127.0.0.0/8 */
    if (type == PP_HTONS(ETHTYPE_IPV6) && len >= SIZEOF_ETH_HDR + IP6_HLEN)
        return ip6_loopback(ip + 8) || ip6_loopback(ip + 24);
    return false;
}
