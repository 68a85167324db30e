/*
 * net/netif.c - a netdev (net/netdev.h) as an lwIP Ethernet interface:
 * received frames are copied into a pbuf and handed to lwIP's input;
 * lwIP's frames (pbuf chains) go to the driver as segments, which it
 * copies before returning; the driver's link state is followed.  The
 * driver counts frames; this file counts the drops of its own making.
 */
#include <errno.h>
#include <string.h>

#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "klog.h"
#include "lwip/ip6_addr.h"
#include "mm/kalloc.h"
#include "net/net.h"
#include "net/netdev.h"
#include "net/stack.h"
#include "netif/ethernet.h"

#define SEGS_MAX 16          /* pbufs of one frame sent as they are */
#define FRAME_MAX (1514 + 4) /* Ethernet header + 1500 + a VLAN tag */

/* One frame from the driver (valid during the call): into lwIP. */
static void netif_rx(struct netdev *d, const void *frame, size_t len)
{
    struct netif *netif = d->stack;
    if (!netif || len < SIZEOF_ETH_HDR || len > FRAME_MAX ||
        net_martian(frame, len)) {
        d->rx_dropped++;
        return;
    }
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_RAM);
    if (!p) {
        d->rx_dropped++;
        return;
    }
    memcpy(p->payload, frame, len);
    net_timewait_syn(frame, len);
    net_syn_room(frame, len);
    if (netif->input(p, netif) != ERR_OK)
        pbuf_free(p);
    net_timer_want(); /* a segment may have started lwIP's TCP timer */
}

/* lwIP's output of one frame: the chain's pieces as segments, flattened
 * into one buffer when the chain is longer than SEGS_MAX. */
static err_t netif_linkoutput(struct netif *netif, struct pbuf *p)
{
    struct netdev *d = netif->state;
    struct netdev_seg segs[SEGS_MAX];
    int n = 0;
    void *flat = NULL;
    for (struct pbuf *q = p; q && n < SEGS_MAX; q = q->next)
        segs[n++] = (struct netdev_seg){ q->payload, q->len };
    if (pbuf_clen(p) > SEGS_MAX) {
        flat = kalloc(p->tot_len);
        if (!flat) {
            d->tx_dropped++;
            return ERR_MEM;
        }
        pbuf_copy_partial(p, flat, p->tot_len, 0);
        segs[0] = (struct netdev_seg){ flat, p->tot_len };
        n = 1;
    }
    int rc = d->xmit(d, segs, n); /* counts its frames and drops */
    kfree(flat);
    return rc < 0 ? ERR_MEM : ERR_OK; /* TCP retransmits; a datagram is lost */
}

static err_t netif_eth_init(struct netif *netif)
{
    struct netdev *d = netif->state;
    netif->name[0] = 'e';
    netif->name[1] = 'n';
    netif->output = etharp_output;
    netif->output_ip6 = ethip6_output;
    netif->linkoutput = netif_linkoutput;
    netif->mtu = (u16_t)(d->mtu ? d->mtu : 1500);
    netif->hwaddr_len = ETH_HWADDR_LEN;
    memcpy(netif->hwaddr, d->mac, ETH_HWADDR_LEN);
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP |
                   NETIF_FLAG_ETHERNET | NETIF_FLAG_MLD6;
    /* The device vouches for the TCP and UDP checksums it delivers;
     * lwIP still checks IP headers and computes every checksum it sends
     * (netdev has no way to ask the device to fill them in). */
    if (d->rx_csum_ok)
        NETIF_SET_CHECKSUM_CTRL(netif, NETIF_CHECKSUM_GEN_IP |
                                           NETIF_CHECKSUM_GEN_UDP |
                                           NETIF_CHECKSUM_GEN_TCP |
                                           NETIF_CHECKSUM_GEN_ICMP |
                                           NETIF_CHECKSUM_GEN_ICMP6 |
                                           NETIF_CHECKSUM_CHECK_IP |
                                           NETIF_CHECKSUM_CHECK_ICMP |
                                           NETIF_CHECKSUM_CHECK_ICMP6);
    return ERR_OK;
}

/* The boot line of netif's IPv6 address `i` ("net: ipv6 ADDR (how)"),
 * in lower case as Linux writes them (lwIP's are upper case). */
static void print_ip6(struct netif *netif, int i, const char *how)
{
    char text[IP6ADDR_STRLEN_MAX];
    ip6addr_ntoa_r(netif_ip6_addr(netif, i), text, sizeof(text));
    for (char *c = text; *c; c++)
        if (*c >= 'A' && *c <= 'F')
            *c = (char)(*c - 'A' + 'a');
    klog(KLOG_INFO, "net: ipv6 %s (%s)\n", text, how);
}

static netif_ext_callback_t v6_callback;

/* lwIP's address events: a line for an address from a router's prefix
 * once it is valid (duplicate detection passed). */
static void v6_state(struct netif *netif, netif_nsc_reason_t reason,
                     const netif_ext_callback_args_t *args)
{
    if (!(reason & LWIP_NSC_IPV6_ADDR_STATE_CHANGED))
        return;
    int i = args->ipv6_addr_state_changed.addr_index;
    if (i > 0 && ip6_addr_isvalid(netif_ip6_addr_state(netif, i)) &&
        !ip6_addr_isvalid(args->ipv6_addr_state_changed.old_state))
        print_ip6(netif, i, "slaac");
}

struct netif *net_netif_attach(struct netdev *d)
{
    struct netif *netif = kalloc(sizeof(*netif));
    if (!netif)
        return NULL;
    if (!netif_add(netif, NULL, NULL, NULL, d, netif_eth_init,
                   ethernet_input)) {
        kfree(netif);
        return NULL;
    }
    d->stack = netif;
    d->rx = netif_rx;
    /* IPv6: fe80:: from the MAC (EUI-64), and addresses from the
     * router's prefixes (QEMU's user network: fec0::/64) */
    netif_create_ip6_linklocal_address(netif, 1);
    netif_set_ip6_autoconfig_enabled(netif, 1);
    print_ip6(netif, 0, "link-local");
    static bool registered;
    if (!registered) {
        netif_add_ext_callback(&v6_callback, v6_state);
        registered = true;
    }
    netif_set_up(netif);
    net_netif_link_sync(netif, d);
    return netif;
}

void net_netif_link_sync(struct netif *netif, struct netdev *d)
{
    if (d->link_up && !netif_is_link_up(netif))
        netif_set_link_up(netif);
    else if (!d->link_up && netif_is_link_up(netif))
        netif_set_link_down(netif);
}
