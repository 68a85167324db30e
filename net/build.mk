# net: the TCP/IP stack (included by the top Makefile).  lwIP comes from
# Debian's source package, fetched and unpacked into build/src by
# scripts/fetch-source.sh as a prerequisite of its objects (never
# committed), and is compiled freestanding with our net/lwipopts.h and
# net/arch/cc.h into build/net/liblwip.a, linked into every kernel.  Our
# glue (NET_SRCS) is an ordinary kernel source, built with -Werror;
# net/netdev.c is the table of registered NICs (net/netdev.h).

LWIP_VERSION := 2.1.3+dfsg1-2
LWIP_DIR     := $(BUILD)/src/lwip-$(LWIP_VERSION)
LWIP_STAMP   := $(LWIP_DIR)/.fetched
LWIP_LIB     := $(BUILD)/net/liblwip.a

# lwIP's core, IPv4, Ethernet (ARP is in core/ipv4).
LWIP_FILES := \
  core/init.c core/def.c core/inet_chksum.c core/ip.c core/mem.c \
  core/memp.c core/netif.c core/pbuf.c core/sys.c core/tcp.c \
  core/tcp_in.c core/tcp_out.c core/timeouts.c core/udp.c \
  core/ipv4/dhcp.c core/ipv4/etharp.c core/ipv4/icmp.c core/ipv4/ip4.c \
  core/ipv4/ip4_addr.c core/ipv4/ip4_frag.c \
  netif/ethernet.c
# IPv6 (dual stack): addresses, ND, ICMPv6, MLD, fragments.
LWIP_FILES += \
  core/ipv6/ethip6.c core/ipv6/icmp6.c core/ipv6/inet6.c core/ipv6/ip6.c \
  core/ipv6/ip6_addr.c core/ipv6/ip6_frag.c core/ipv6/mld6.c core/ipv6/nd6.c
LWIP_SRCS := $(addprefix $(LWIP_DIR)/src/,$(LWIP_FILES))
LWIP_OBJS := $(patsubst $(LWIP_DIR)/src/%.c,$(BUILD)/net/lwip/%.o,$(LWIP_SRCS))

NET_SRCS := net/netdev.c net/lwip_port.c net/stack.c net/timewait.c net/netif.c \
            net/config.c net/addr.c net/synqueue.c net/martian.c

# The AF_INET family, on the generic socket layer (unikernel/socket.c).
NET_SRCS += net/sock_inet.c net/sock_tcp.c net/sock_udp.c

# The address parser is portable: tested on the host.
$(eval $(call unit_test,test_net_addr,tests/unit/test_net_addr.c net/addr.c))

LWIP_CFLAGS = -Inet -I$(LWIP_DIR)/src/include

# The fetch: a second run finds the stamp and does nothing.
$(LWIP_STAMP): scripts/fetch-source.sh
	$(call say,FETCH,lwip $(LWIP_VERSION))
	$(Q)scripts/fetch-source.sh $(BUILD) lwip $(LWIP_VERSION) > /dev/null
	$(Q)touch $@
$(LWIP_SRCS): $(LWIP_STAMP) ;

# lwIP's own code: the kernel's flags; the warnings it cannot avoid are
# would be tolerated per file (none are: lwIP 2.1.3 builds clean with
# -Wall -Wextra -Werror here).
$(BUILD)/net/lwip/%.o: $(LWIP_DIR)/src/%.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(KCFLAGS) $(LWIP_CFLAGS) -Inet/lwip-libc -c -o $@ $<

$(LWIP_LIB): $(LWIP_OBJS)
	$(call say,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# Our objects that include lwIP's headers wait for the fetch.
$(call kernel_objs,$(NET_SRCS)): KCFLAGS += $(LWIP_CFLAGS)
$(call kernel_objs,$(NET_SRCS)): | $(LWIP_STAMP)

# Linked after the kernel's objects (arch/x86_64/build.mk, tests/boot).
KERNEL_LIBS += $(LWIP_LIB)
