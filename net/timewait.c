/*
 * net/timewait.c - a ceiling on TCP connections in TIME-WAIT.  lwIP keeps
 * a closed connection in TIME-WAIT for 2 * TCP_MSL (two minutes) on one
 * list it walks for every segment that arrives; with its pools in kalloc
 * (MEMP_MEM_MALLOC) it never runs short and reclaims none early, so a
 * server closing a thousand connections a second walks a list of a
 * hundred thousand.  As Linux's tcp_max_tw_buckets, past the ceiling the
 * oldest are dropped (no RST: the connection is over for both ends).
 *
 * And as Linux (tcp_timewait_state_process), a new SYN for the address
 * and ports of a connection in TIME-WAIT, its sequence number past the
 * old one's, ends the TIME-WAIT and opens the new connection: lwIP would
 * answer it with an ACK of the old one, and the client would wait seconds
 * to try again (QEMU's user network reuses ports within the two minutes).
 */
#include <string.h>

#include "lwip/def.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/prot/ethernet.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/tcp.h"
#include "lwip/tcp.h"
#include "net/stack.h"

#define TIME_WAIT_MAX 512

void net_timewait_trim(void)
{
    /* tcp_tw_pcbs is newest first: what follows the MAXth is older */
    struct tcp_pcb *keep = tcp_tw_pcbs;
    for (int n = 1; keep && n < TIME_WAIT_MAX; n++)
        keep = keep->next;
    while (keep && keep->next)
        tcp_abort(keep->next);
}

void net_timewait_syn(const uint8_t *frame, size_t len)
{
    if (!tcp_tw_pcbs || len < SIZEOF_ETH_HDR + IP_HLEN + TCP_HLEN)
        return;
    uint16_t type;
    memcpy(&type, frame + 12, 2);
    const uint8_t *ip = frame + SIZEOF_ETH_HDR;
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
    if (type != PP_HTONS(ETHTYPE_IP) || (ip[0] >> 4) != 4 || ihl < IP_HLEN ||
        ip[9] != IP_PROTO_TCP || len < SIZEOF_ETH_HDR + ihl + TCP_HLEN)
        return;
    uint16_t frag;
    memcpy(&frag, ip + 6, 2);
    if (lwip_ntohs(frag) & (IP_OFFMASK | IP_MF))
        return; /* a fragment: lwIP reassembles it first */
    const uint8_t *tcp = ip + ihl;
    if ((tcp[13] & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) != TCP_SYN)
        return;
    uint32_t src, dst, seq;
    uint16_t sport, dport;
    memcpy(&src, ip + 12, 4);
    memcpy(&dst, ip + 16, 4);
    memcpy(&sport, tcp, 2);
    memcpy(&dport, tcp + 2, 2);
    memcpy(&seq, tcp + 4, 4);
    for (struct tcp_pcb *p = tcp_tw_pcbs; p; p = p->next)
        if (p->remote_port == lwip_ntohs(sport) &&
            p->local_port == lwip_ntohs(dport) && IP_IS_V4(&p->remote_ip) &&
            ip_2_ip4(&p->remote_ip)->addr == src &&
            ip_2_ip4(&p->local_ip)->addr == dst) {
            if (TCP_SEQ_GT(lwip_ntohl(seq), p->rcv_nxt))
                tcp_abort(p); /* no RST from TIME-WAIT: the listener answers */
            return;
        }
}
