# net: the network stack's side of the NICs (included by the top Makefile).
# net/netdev.c: the table of registered interfaces (net/netdev.h).
NET_SRCS += net/netdev.c
