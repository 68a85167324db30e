/*
 * net/config.c - bringing the network up at boot: lwIP and its loopback
 * interface, every registered NIC attached, the first configured from the
 * command line (ip= gw= dns=) or by DHCP with a bounded wait, the second
 * from ip2= (a network of its own between machines), the boot
 * line, and the resolver's files for musl (/etc/resolv.conf, /etc/hosts)
 * in the tmpfs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "arch/clock.h"
#include "klog.h"
#include "lwip/dhcp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/prot/dhcp.h"
#include "net/addr.h"
#include "net/lwip_hooks.h"
#include "net/net.h"
#include "net/netdev.h"
#include "net/stack.h"
#include "unikernel/tmpfs.h"

#define HOSTNAME "unikernel"        /* uname's nodename (sys_misc.c) */
#define DHCP_WAIT_NS 3000000000ull  /* boot goes on without an answer */
#define POLL_PAUSE_NS 200000ull     /* between polls of that wait */
#define DNS_MAX 2

static struct netif *primary;       /* the first NIC's interface, or NULL */
static struct netdev *primary_dev;
static struct netif *second;        /* the second NIC's, or NULL */
static struct netdev *second_dev;
static bool dhcp_mode;
static uint32_t dns[DNS_MAX];       /* host byte order, 0: none */
static bool dns_given;              /* dns= on the command line: DHCP's
                                       servers are not taken */
static bool files_written;
static uint32_t printed_addr;       /* the address of the last boot line */
/* The files' data, read in place by the tmpfs until written. */
static char resolv_conf[128], hosts[256];

static uint32_t host_order(const ip4_addr_t *a)
{
    return lwip_ntohl(ip4_addr_get_u32(a));
}

void net_dhcp_option(struct netif *netif, u8_t msg_type, u8_t op, u8_t len,
                     struct pbuf *p, u16_t offset)
{
    if (netif != primary || msg_type != DHCP_ACK ||
        op != DHCP_OPTION_DNS_SERVER || dns_given)
        return;
    for (int i = 0; i < DNS_MAX && (i + 1) * 4 <= len; i++) {
        uint8_t b[4];
        if (pbuf_copy_partial(p, b, 4, (u16_t)(offset + 4 * i)) != 4)
            return;
        dns[i] = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
                 (uint32_t)b[2] << 8 | b[3];
    }
}

/* The boot line of the primary interface, as it is configured now. */
static void print_line(void)
{
    const uint8_t *m = primary_dev->mac;
    char addr[16], gw[16];
    uint32_t a = host_order(netif_ip4_addr(primary));
    net_format_ipv4(addr, sizeof(addr), a);
    net_format_ipv4(gw, sizeof(gw), host_order(netif_ip4_gw(primary)));
    int prefix = net_mask_prefix(host_order(netif_ip4_netmask(primary)));
    kprintf("net: %s %02x:%02x:%02x:%02x:%02x:%02x %s/%d gw %s (%s)\n",
            primary_dev->model ? primary_dev->model : primary_dev->name,
            m[0], m[1], m[2], m[3], m[4], m[5], addr, prefix, gw,
            dhcp_mode ? "dhcp" : "static");
    printed_addr = a;
}

/* /etc/resolv.conf (when a name server is known) and /etc/hosts, unless
 * the image brought its own. */
static void write_files(void)
{
    files_written = true;
    size_t n = 0;
    for (int i = 0; i < DNS_MAX && dns[i]; i++) {
        char a[16];
        net_format_ipv4(a, sizeof(a), dns[i]);
        n += (size_t)snprintf(resolv_conf + n, sizeof(resolv_conf) - n,
                              "nameserver %s\n", a);
    }
    if (n)
        tmpfs_add("/etc/resolv.conf", resolv_conf, n, 0644);
    char self[16] = "127.0.1.1";
    if (primary && !ip4_addr_isany(netif_ip4_addr(primary)))
        net_format_ipv4(self, sizeof(self), host_order(netif_ip4_addr(primary)));
    n = (size_t)snprintf(hosts, sizeof(hosts),
                         "127.0.0.1\tlocalhost\n"
                         "::1\tlocalhost ip6-localhost ip6-loopback\n"
                         "%s\t%s\n", self, HOSTNAME);
    tmpfs_add("/etc/hosts", hosts, n, 0644);
}

/* lwIP's status callback: a new address (DHCP bound, or renewed with
 * another) is announced; the files wait for the first one. */
static void status_changed(struct netif *netif)
{
    if (netif != primary || ip4_addr_isany(netif_ip4_addr(netif)) ||
        host_order(netif_ip4_addr(netif)) == printed_addr)
        return;
    print_line();
    if (!files_written)
        write_files();
}

/* Takes dns= when given and valid. */
static void configure_dns(const struct net_boot_config *cfg)
{
    if (!cfg->dns)
        return;
    if (net_parse_ipv4(cfg->dns, &dns[0]) < 0) {
        klog(KLOG_WARN, "net: dns=%s: not an address, ignored\n", cfg->dns);
        dns[0] = 0;
        return;
    }
    dns_given = true;
}

/* Applies ip= gw=: 0, or -EINVAL (said on the console). */
static int configure_static(const struct net_boot_config *cfg)
{
    uint32_t a, gw = 0;
    int prefix;
    if (net_parse_cidr(cfg->ip, &a, &prefix) < 0 ||
        (cfg->gw && net_parse_ipv4(cfg->gw, &gw) < 0)) {
        klog(KLOG_WARN, "net: ip=%s gw=%s: not ADDR/PREFIX and an address: "
             "using DHCP\n", cfg->ip, cfg->gw ? cfg->gw : "");
        return -EINVAL;
    }
    ip4_addr_t ip, mask, gateway;
    ip4_addr_set_u32(&ip, lwip_htonl(a));
    ip4_addr_set_u32(&mask, lwip_htonl(net_prefix_mask(prefix)));
    ip4_addr_set_u32(&gateway, lwip_htonl(gw));
    netif_set_addr(primary, &ip, &mask, &gateway);
    return 0;
}

/* Applies ip2= to the second NIC (an on-link network: no gateway, the
 * first NIC keeps the default route) and says so on the console. */
static void configure_second(const char *ip2)
{
    uint32_t a;
    int prefix;
    if (!second) {
        klog(KLOG_WARN, "net: ip2=%s: no second network device\n", ip2);
        return;
    }
    if (net_parse_cidr(ip2, &a, &prefix) < 0) {
        klog(KLOG_WARN, "net: ip2=%s: not ADDR/PREFIX: ignored\n", ip2);
        return;
    }
    ip4_addr_t ip, mask;
    ip4_addr_set_u32(&ip, lwip_htonl(a));
    ip4_addr_set_u32(&mask, lwip_htonl(net_prefix_mask(prefix)));
    netif_set_addr(second, &ip, &mask, IP4_ADDR_ANY4);
    const uint8_t *m = second_dev->mac;
    char addr[16];
    net_format_ipv4(addr, sizeof(addr), a);
    kprintf("net: %s %02x:%02x:%02x:%02x:%02x:%02x %s/%d (static, second)\n",
            second_dev->model ? second_dev->model : second_dev->name,
            m[0], m[1], m[2], m[3], m[4], m[5], addr, prefix);
}

/* Starts DHCP and waits for an address, polling the NIC, at most
 * DHCP_WAIT_NS: true when bound. */
static bool configure_dhcp(void)
{
    dhcp_mode = true;
    if (dhcp_start(primary) != ERR_OK)
        return false;
    uint64_t deadline = clock_monotonic_ns() + DHCP_WAIT_NS;
    while (!dhcp_supplied_address(primary) &&
           clock_monotonic_ns() < deadline) {
        net_tick();
        clock_delay_ns(POLL_PAUSE_NS);
    }
    return dhcp_supplied_address(primary);
}

void net_start(const struct net_boot_config *cfg)
{
    lwip_init(); /* lo, 127.0.0.1/8, comes up with it */
    net_started = true;
    inet_register();
    configure_dns(cfg);
    struct netdev *d;
    for (int i = 0; (d = netdev_get(i)); i++) {
        struct netif *netif = net_netif_attach(d);
        if (!netif) {
            klog(KLOG_WARN, "net: %s: out of memory\n", d->name);
            continue;
        }
        netif_set_hostname(netif, HOSTNAME);
        if (!primary) {
            primary = netif;
            primary_dev = d;
        } else if (!second) {
            second = netif;
            second_dev = d;
        }
    }
    if (!primary) {
        kprintf("net: no network device: loopback only\n");
        write_files();
        return;
    }
    netif_set_default(primary);
    netif_set_status_callback(primary, status_changed);
    if (cfg->ip && strcmp(cfg->ip, "dhcp") != 0 &&
        configure_static(cfg) == 0) {
        if (!printed_addr) /* the callback printed it, unless 0.0.0.0 */
            print_line();
    } else if (!configure_dhcp()) {
        const uint8_t *m = primary_dev->mac;
        kprintf("net: %s %02x:%02x:%02x:%02x:%02x:%02x no DHCP answer in "
                "%llu s: going on without an address (DHCP keeps asking)\n",
                primary_dev->model ? primary_dev->model : primary_dev->name,
                m[0], m[1], m[2], m[3], m[4], m[5],
                DHCP_WAIT_NS / 1000000000ull);
    }
    if (cfg->ip2)
        configure_second(cfg->ip2);
    if (!files_written)
        write_files();
}
