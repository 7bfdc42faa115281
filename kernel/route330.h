/* Routing table 330: a route for each of the peer's traffic selectors of a
 * tunnel-mode CHILD SA, and the rule that makes the table consulted, as
 * MyIKEv2 does (strongSwan's table 220 at priority 220).
 *
 * Why routes at all: the XFRM policy is looked up after routing, so a
 * remote TS needs a route before its packets can meet the `out` policy.
 * The route points where the peer's outer address is routed (its oif and
 * gateway, looked up), with the local TS as preferred source when that is
 * one address (remote access: the virtual IP), so that local sockets pick
 * the address the policy covers.  Messages are libnl-route requests. */
#ifndef IKESWARM_KERNEL_ROUTE330_H
#define IKESWARM_KERNEL_ROUTE330_H

#include <stdbool.h>

#include <linux/netlink.h>
#include <netlink/msg.h>

#include "lib/ipaddr.h"

#define ROUTE330_TABLE 330
#define ROUTE330_PRIO  330

enum route330_op { R330_ADD, R330_REPLACE, R330_DEL };

/* Where a route sends its packets: an interface and an optional gateway. */
struct route330_via {
	int ifindex;
	struct ip_addr gw; /* unset: on link */
};

/* dst in table 330 via `via`, preferred source src (NULL or unset: none). */
int route330_build(enum route330_op op, const struct ip_prefix *dst,
		   const struct route330_via *via, const struct ip_addr *src,
		   struct nl_msg **out);

/* `ip rule add priority 330 table 330` for family (R330_ADD fails with
 * -EEXIST when that rule is there: then it is not ours). */
int route330_rule_build(enum route330_op op, int family, struct nl_msg **out);

/* RTM_GETROUTE of dst (`ip route get`), and its answer's oif and gateway. */
int route330_build_lookup(const struct ip_addr *dst, struct nl_msg **out);
int route330_parse_lookup(const struct nlmsghdr *h, struct route330_via *out);

/* A dump of every route (type RTM_GETROUTE) or rule (RTM_GETRULE), and,
 * for one dumped entry of table 330, the request deleting it: 0 with *out
 * set, 1 when the entry is not in table 330, or -errno. */
int route330_build_dump(int type, struct nl_msg **out);
int route330_del_from_dump(const struct nlmsghdr *h, struct nl_msg **out);

#endif
