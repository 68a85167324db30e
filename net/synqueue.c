/*
 * net/synqueue.c - a SYN flood does not lock clients out.  lwIP counts a
 * listener's half-open connections (SYN-RCVD) in its backlog and drops
 * every SYN past it; a flood from spoofed addresses, which never answer
 * the SYN-ACK, fills the backlog for TCP_SYN_RCVD_TIMEOUT (20 s) at a
 * time, and a real client's SYNs are dropped all that while.  As Linux
 * before SYN cookies (the oldest request goes), a SYN for a listener
 * whose backlog is full ends the listener's oldest SYN-RCVD connection,
 * without a reset (its peer is likely forged), so the new SYN takes its
 * place.  What a flood holds stays bounded by the backlog: at most
 * listen's backlog + 1 (255) half-open connections of three blocks each
 * (pcb, SYN-ACK segment, its pbuf) per listener.
 */
#include <string.h>

#include "lwip/def.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/prot/ethernet.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/ip6.h"
#include "lwip/prot/tcp.h"
#include "lwip/tcp.h"
#include "net/stack.h"

/* The listener that takes a SYN to dst:port (dst: 4 or 16 bytes). */
static struct tcp_pcb_listen *listener_for(const uint8_t *dst, bool v6,
                                           uint16_t port)
{
    for (struct tcp_pcb_listen *l = tcp_listen_pcbs.listen_pcbs; l; l = l->next) {
        if (l->local_port != port)
            continue;
        if (ip_addr_isany(&l->local_ip))
            return l; /* lwIP prefers an exact address: close enough here */
        if (!v6 && IP_IS_V4(&l->local_ip) &&
            !memcmp(&ip_2_ip4(&l->local_ip)->addr, dst, 4))
            return l;
        if (v6 && IP_IS_V6(&l->local_ip) &&
            !memcmp(ip_2_ip6(&l->local_ip)->addr, dst, 16))
            return l;
    }
    return NULL;
}

void net_syn_room(const uint8_t *frame, size_t len)
{
    if (!tcp_listen_pcbs.listen_pcbs || len < SIZEOF_ETH_HDR + IP_HLEN + TCP_HLEN)
        return;
    uint16_t type;
    memcpy(&type, frame + 12, 2);
    const uint8_t *ip = frame + SIZEOF_ETH_HDR, *tcp, *dst;
    bool v6 = type == PP_HTONS(ETHTYPE_IPV6);
    if (type == PP_HTONS(ETHTYPE_IP)) {
        size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
        uint16_t frag;
        memcpy(&frag, ip + 6, 2);
        if ((ip[0] >> 4) != 4 || ihl < IP_HLEN || ip[9] != IP_PROTO_TCP ||
            len < SIZEOF_ETH_HDR + ihl + TCP_HLEN ||
            (lwip_ntohs(frag) & (IP_OFFMASK | IP_MF)))
            return; /* a fragment: lwIP reassembles it first */
        tcp = ip + ihl;
        dst = ip + 16;
    } else if (v6) {
        /* extension headers before TCP: rare in a SYN, left to lwIP */
        if (len < SIZEOF_ETH_HDR + IP6_HLEN + TCP_HLEN || (ip[0] >> 4) != 6 ||
            ip[6] != IP6_NEXTH_TCP)
            return;
        tcp = ip + IP6_HLEN;
        dst = ip + 24;
    } else {
        return;
    }
    if ((tcp[13] & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) != TCP_SYN)
        return;
    uint16_t port;
    memcpy(&port, tcp + 2, 2);
    struct tcp_pcb_listen *l = listener_for(dst, v6, lwip_ntohs(port));
    if (!l || l->accepts_pending < l->backlog)
        return;
    /* tcp_active_pcbs is newest first: the last match is the oldest */
    struct tcp_pcb *oldest = NULL;
    for (struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next)
        if (p->state == SYN_RCVD && p->listener == l)
            oldest = p;
    if (oldest)
        tcp_abandon(oldest, 0); /* frees it and its place in the backlog */
}
