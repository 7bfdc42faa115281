/* Table 330 routes and rule through libnl-route; lookups and flushes by
 * hand (libnl's caches would read every route of the host). */
#include "kernel/route330.h"

#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/addr.h>
#include <netlink/attr.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>

static struct nl_addr *to_nl_addr(const struct ip_addr *a, unsigned plen)
{
	struct nl_addr *x = nl_addr_build(a->family, a->bytes, a->family == AF_INET6 ? 16 : 4);

	if (x)
		nl_addr_set_prefixlen(x, (int)plen);
	return x;
}

static int nle_to_errno(int nle)
{
	return nle == -NLE_NOMEM ? -ENOMEM : -EINVAL;
}

int route330_build(enum route330_op op, const struct ip_prefix *dst,
		   const struct route330_via *via, const struct ip_addr *src,
		   struct nl_msg **out)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *d = to_nl_addr(&dst->addr, dst->len), *g = NULL, *s = NULL;
	int rc = -ENOMEM;

	if (!r || !nh || !d)
		goto out;
	rtnl_route_set_family(r, dst->addr.family);
	rtnl_route_set_table(r, ROUTE330_TABLE);
	rtnl_route_set_protocol(r, RTPROT_STATIC);
	rtnl_route_set_scope(r, RT_SCOPE_UNIVERSE);
	rtnl_route_set_type(r, RTN_UNICAST);
	if ((rc = rtnl_route_set_dst(r, d)) < 0)
		goto nle;
	if (op != R330_DEL) {
		rtnl_route_nh_set_ifindex(nh, via->ifindex);
		if (!ip_addr_is_unset(&via->gw)) {
			if (!(g = to_nl_addr(&via->gw, ip_addr_bits(&via->gw)))) {
				rc = -ENOMEM;
				goto out;
			}
			rtnl_route_nh_set_gateway(nh, g);
		}
		rtnl_route_add_nexthop(r, nh);
		nh = NULL; /* the route owns it */
		if (src && !ip_addr_is_unset(src)) {
			if (!(s = to_nl_addr(src, ip_addr_bits(src)))) {
				rc = -ENOMEM;
				goto out;
			}
			if ((rc = rtnl_route_set_pref_src(r, s)) < 0)
				goto nle;
		}
	}
	if (op == R330_DEL)
		rc = rtnl_route_build_del_request(r, 0, out);
	else
		rc = rtnl_route_build_add_request(r, op == R330_ADD ? NLM_F_EXCL : NLM_F_REPLACE,
						  out);
nle:
	if (rc < 0)
		rc = nle_to_errno(rc);
out:
	if (nh)
		rtnl_route_nh_free(nh);
	nl_addr_put(d);
	nl_addr_put(g);
	nl_addr_put(s);
	rtnl_route_put(r);
	return rc;
}

int route330_rule_build(enum route330_op op, int family, struct nl_msg **out)
{
	struct rtnl_rule *r = rtnl_rule_alloc();
	int rc;

	if (!r)
		return -ENOMEM;
	rtnl_rule_set_family(r, family);
	rtnl_rule_set_prio(r, ROUTE330_PRIO);
	rtnl_rule_set_table(r, ROUTE330_TABLE);
	rtnl_rule_set_action(r, FR_ACT_TO_TBL);
	if (op == R330_DEL)
		rc = rtnl_rule_build_delete_request(r, 0, out);
	else
		rc = rtnl_rule_build_add_request(r, NLM_F_EXCL, out);
	rtnl_rule_put(r);
	return rc < 0 ? nle_to_errno(rc) : 0;
}

int route330_build_lookup(const struct ip_addr *dst, struct nl_msg **out)
{
	struct nl_msg *m = nlmsg_alloc_simple(RTM_GETROUTE, 0);
	struct rtmsg rt;

	if (!m)
		return -ENOMEM;
	memset(&rt, 0, sizeof(rt));
	rt.rtm_family = dst->family;
	rt.rtm_dst_len = (unsigned char)ip_addr_bits(dst);
	if (nlmsg_append(m, &rt, sizeof(rt), NLMSG_ALIGNTO) < 0 ||
	    nla_put(m, RTA_DST, dst->family == AF_INET6 ? 16 : 4, dst->bytes) < 0) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	*out = m;
	return 0;
}

int route330_parse_lookup(const struct nlmsghdr *h, struct route330_via *out)
{
	struct nlattr *tb[RTA_MAX + 1];
	const struct rtmsg *rt = nlmsg_data(h);

	if (h->nlmsg_type != RTM_NEWROUTE ||
	    nlmsg_parse((struct nlmsghdr *)h, sizeof(*rt), tb, RTA_MAX, NULL) < 0)
		return -EBADMSG;
	memset(out, 0, sizeof(*out));
	if (!tb[RTA_OIF])
		return -ENETUNREACH;
	out->ifindex = (int)nla_get_u32(tb[RTA_OIF]);
	if (tb[RTA_GATEWAY]) {
		int len = nla_len(tb[RTA_GATEWAY]);
		if (len != 4 && len != 16)
			return -EBADMSG;
		out->gw.family = len == 16 ? AF_INET6 : AF_INET;
		memcpy(out->gw.bytes, nla_data(tb[RTA_GATEWAY]), (size_t)len);
	}
	return 0;
}

int route330_build_dump(int type, struct nl_msg **out)
{
	struct nl_msg *m = nlmsg_alloc_simple(type, NLM_F_DUMP);
	struct rtmsg rt;

	if (!m)
		return -ENOMEM;
	memset(&rt, 0, sizeof(rt)); /* the same layout as fib_rule_hdr */
	if (nlmsg_append(m, &rt, sizeof(rt), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	*out = m;
	return 0;
}

int route330_del_from_dump(const struct nlmsghdr *h, struct nl_msg **out)
{
	/* rtmsg and fib_rule_hdr both have the 8-bit table at the same place
	 * and carry a 32-bit table attribute of the same number (RTA_TABLE =
	 * FRA_TABLE = 15) */
	struct nlattr *tb[RTA_MAX + 1];
	const struct rtmsg *rt = nlmsg_data(h);
	uint32_t table;
	struct nl_msg *m;

	if ((h->nlmsg_type != RTM_NEWROUTE && h->nlmsg_type != RTM_NEWRULE) ||
	    nlmsg_parse((struct nlmsghdr *)h, sizeof(*rt), tb, RTA_MAX, NULL) < 0)
		return -EBADMSG;
	table = tb[RTA_TABLE] ? nla_get_u32(tb[RTA_TABLE]) : rt->rtm_table;
	if (table != ROUTE330_TABLE)
		return 1;
	m = nlmsg_alloc_simple(h->nlmsg_type == RTM_NEWROUTE ? RTM_DELROUTE : RTM_DELRULE, 0);
	if (!m)
		return -ENOMEM;
	if (nlmsg_append(m, (void *)rt, (size_t)nlmsg_datalen(h), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	*out = m;
	return 0;
}
