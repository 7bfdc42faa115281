/* XFRM policy messages with libnl's message helpers.
 *
 * libnl-xfrm 3.7 has policy/state objects but no XFRM_MSG_MIGRATE, and
 * each of its objects costs a handful of allocations (selector, template,
 * nl_addr per address): the kernel structures are filled here directly
 * and the messages go through kernel/nl_pack.h. */
#include "kernel/xfrm_policy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/udp.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/attr.h>

#ifndef UDP_ENCAP_ESPINUDP
#define UDP_ENCAP_ESPINUDP 2
#endif
#ifndef IP_XFRM_POLICY
#define IP_XFRM_POLICY 17
#endif
#ifndef IPV6_XFRM_POLICY
#define IPV6_XFRM_POLICY 35
#endif

#define PRIO_BASE 2048

static void addr_to_xfrm(const struct ip_addr *a, xfrm_address_t *x)
{
	memset(x, 0, sizeof(*x));
	memcpy(x, a->bytes, a->family == AF_INET6 ? 16 : 4);
}

static bool one_port(const struct fp_ts *ts)
{
	return ts->port_start == ts->port_end;
}

uint32_t xfrm_policy_priority(const struct fp_child *c, const struct fp_ts *lts,
			      const struct fp_ts *rts)
{
	struct ip_prefix l, r;
	uint32_t bits = 2 * ip_addr_bits(&lts->start);

	if (c->priority)
		return c->priority;
	fp_ts_prefix(lts, &l);
	fp_ts_prefix(rts, &r);
	/* prefix bits first, then protocol, then ports */
	return PRIO_BASE + (bits - l.len - r.len) * 4 + (lts->ip_proto ? 0 : 2) +
	       (one_port(lts) || one_port(rts) ? 0 : 1);
}

/* The selector of traffic src_ts -> dst_ts. */
static void selector(struct xfrm_selector *sel, const struct fp_ts *src_ts,
		     const struct fp_ts *dst_ts)
{
	struct ip_prefix s, d;

	fp_ts_prefix(src_ts, &s);
	fp_ts_prefix(dst_ts, &d);
	memset(sel, 0, sizeof(*sel));
	addr_to_xfrm(&s.addr, &sel->saddr);
	addr_to_xfrm(&d.addr, &sel->daddr);
	sel->prefixlen_s = s.len;
	sel->prefixlen_d = d.len;
	sel->family = s.addr.family;
	sel->proto = src_ts->ip_proto ? src_ts->ip_proto : dst_ts->ip_proto;
	if (one_port(src_ts)) {
		sel->sport = htons(src_ts->port_start);
		sel->sport_mask = 0xffff;
	}
	if (one_port(dst_ts)) {
		sel->dport = htons(dst_ts->port_start);
		sel->dport_mask = 0xffff;
	}
}

static void dir_selector(struct xfrm_selector *sel, int dir, const struct fp_ts *lts,
			 const struct fp_ts *rts)
{
	if (dir == XFRM_POLICY_OUT)
		selector(sel, lts, rts);
	else
		selector(sel, rts, lts);
}

void xfrm_policy_selector(int dir, const struct fp_ts *lts, const struct fp_ts *rts,
			  struct xfrm_selector *sel)
{
	dir_selector(sel, dir, lts, rts);
}

static void tmpl_fill(struct xfrm_user_tmpl *t, const struct fp_child *c, int dir)
{
	const struct ip_addr *src = dir == XFRM_POLICY_OUT ? &c->ep.local : &c->ep.remote;
	const struct ip_addr *dst = dir == XFRM_POLICY_OUT ? &c->ep.remote : &c->ep.local;

	memset(t, 0, sizeof(*t));
	addr_to_xfrm(dst, &t->id.daddr);
	addr_to_xfrm(src, &t->saddr);
	t->id.proto = IPPROTO_ESP;
	t->family = src->family;
	t->reqid = c->reqid;
	t->mode = c->mode;
	t->aalgos = ~0u;
	t->ealgos = ~0u;
	t->calgos = ~0u;
}

static int finish(struct nl_msg *m, int rc, struct nl_msg **out)
{
	if (rc < 0) {
		nlmsg_free(m);
		return -EMSGSIZE;
	}
	*out = m;
	return 0;
}

int xfrm_policy_build(const struct fp_child *c, enum xfrm_policy_op op, int dir,
		      const struct fp_ts *lts, const struct fp_ts *rts, struct nl_msg **out)
{
	struct nl_msg *m;
	int rc;

	if (op == XP_DEL) {
		struct xfrm_userpolicy_id id;
		m = nlmsg_alloc_simple(XFRM_MSG_DELPOLICY, 0);
		if (!m)
			return -ENOMEM;
		memset(&id, 0, sizeof(id));
		dir_selector(&id.sel, dir, lts, rts);
		id.dir = (uint8_t)dir;
		return finish(m, nlmsg_append(m, &id, sizeof(id), NLMSG_ALIGNTO), out);
	}
	struct xfrm_userpolicy_info p;
	struct xfrm_user_tmpl t;
	m = op == XP_ADD ? nlmsg_alloc_simple(XFRM_MSG_NEWPOLICY, NLM_F_CREATE | NLM_F_EXCL)
			 : nlmsg_alloc_simple(XFRM_MSG_UPDPOLICY, NLM_F_CREATE | NLM_F_REPLACE);
	if (!m)
		return -ENOMEM;
	memset(&p, 0, sizeof(p));
	dir_selector(&p.sel, dir, lts, rts);
	p.lft.soft_byte_limit = XFRM_INF;
	p.lft.hard_byte_limit = XFRM_INF;
	p.lft.soft_packet_limit = XFRM_INF;
	p.lft.hard_packet_limit = XFRM_INF;
	p.priority = xfrm_policy_priority(c, lts, rts);
	p.dir = (uint8_t)dir;
	p.action = XFRM_POLICY_ALLOW;
	tmpl_fill(&t, c, dir);
	rc = nlmsg_append(m, &p, sizeof(p), NLMSG_ALIGNTO);
	if (rc == 0)
		rc = nla_put(m, XFRMA_TMPL, sizeof(t), &t);
	return finish(m, rc, out);
}

int xfrm_policy_build_migrate(const struct fp_child *c, int dir, const struct fp_ts *lts,
			      const struct fp_ts *rts, const struct fp_endpoints *to,
			      struct nl_msg **out)
{
	struct nl_msg *m = nlmsg_alloc_simple(XFRM_MSG_MIGRATE, 0);
	struct xfrm_userpolicy_id id;
	struct xfrm_user_migrate mg;
	bool outbound = dir == XFRM_POLICY_OUT;
	int rc;

	if (!m)
		return -ENOMEM;
	memset(&id, 0, sizeof(id));
	dir_selector(&id.sel, dir, lts, rts);
	id.dir = (uint8_t)dir;
	memset(&mg, 0, sizeof(mg));
	addr_to_xfrm(outbound ? &c->ep.remote : &c->ep.local, &mg.old_daddr);
	addr_to_xfrm(outbound ? &c->ep.local : &c->ep.remote, &mg.old_saddr);
	addr_to_xfrm(outbound ? &to->remote : &to->local, &mg.new_daddr);
	addr_to_xfrm(outbound ? &to->local : &to->remote, &mg.new_saddr);
	mg.proto = IPPROTO_ESP;
	mg.mode = c->mode;
	mg.reqid = c->reqid;
	mg.old_family = c->ep.local.family;
	mg.new_family = to->local.family;
	rc = nlmsg_append(m, &id, sizeof(id), NLMSG_ALIGNTO);
	if (rc == 0)
		rc = nla_put(m, XFRMA_MIGRATE, sizeof(mg), &mg);
	if (rc == 0 && to->local_port) {
		struct xfrm_encap_tmpl e;
		memset(&e, 0, sizeof(e));
		e.encap_type = UDP_ENCAP_ESPINUDP;
		e.encap_sport = htons(outbound ? to->local_port : to->remote_port);
		e.encap_dport = htons(outbound ? to->remote_port : to->local_port);
		rc = nla_put(m, XFRMA_ENCAP, sizeof(e), &e);
	}
	return finish(m, rc, out);
}

int xfrm_policy_build_flush(struct nl_msg **out)
{
	struct nl_msg *m = nlmsg_alloc_simple(XFRM_MSG_FLUSHPOLICY, 0);

	if (!m)
		return -ENOMEM;
	*out = m;
	return 0;
}

int xfrm_policy_build_hthresh(int family, struct xfrm_hthresh t, struct nl_msg **out)
{
	struct nl_msg *m = nlmsg_alloc_simple(XFRM_MSG_NEWSPDINFO, 0);
	struct xfrmu_spdhthresh h = { .lbits = t.lbits, .rbits = t.rbits };
	uint32_t flags = 0;
	int rc;

	if (!m)
		return -ENOMEM;
	rc = nlmsg_append(m, &flags, sizeof(flags), NLMSG_ALIGNTO);
	if (rc == 0)
		rc = nla_put(m, family == AF_INET6 ? XFRMA_SPD_IPV6_HTHRESH : XFRMA_SPD_IPV4_HTHRESH,
			     sizeof(h), &h);
	return finish(m, rc, out);
}

int xfrm_policy_build_getspd(struct nl_msg **out)
{
	struct nl_msg *m = nlmsg_alloc_simple(XFRM_MSG_GETSPDINFO, 0);
	uint32_t flags = 0;

	if (!m)
		return -ENOMEM;
	return finish(m, nlmsg_append(m, &flags, sizeof(flags), NLMSG_ALIGNTO), out);
}

int xfrm_policy_parse_spd(const struct nlmsghdr *h, struct xfrm_hthresh out[2])
{
	struct nlattr *tb[XFRMA_SPD_MAX + 1];
	const int attr[2] = { XFRMA_SPD_IPV4_HTHRESH, XFRMA_SPD_IPV6_HTHRESH };

	if (h->nlmsg_type != XFRM_MSG_NEWSPDINFO ||
	    nlmsg_parse((struct nlmsghdr *)h, sizeof(uint32_t), tb, XFRMA_SPD_MAX, NULL) < 0)
		return -EBADMSG;
	for (int k = 0; k < 2; k++) {
		if (!tb[attr[k]] || nla_len(tb[attr[k]]) < (int)sizeof(struct xfrmu_spdhthresh))
			return -EBADMSG;
		const struct xfrmu_spdhthresh *t = nla_data(tb[attr[k]]);
		out[k].lbits = t->lbits;
		out[k].rbits = t->rbits;
	}
	return 0;
}

int xfrm_socket_bypass(int fd, int family)
{
	struct xfrm_userpolicy_info p;
	int level = family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
	int opt = family == AF_INET6 ? IPV6_XFRM_POLICY : IP_XFRM_POLICY;
	int dirs[] = { XFRM_POLICY_IN, XFRM_POLICY_OUT };

	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	for (size_t i = 0; i < 2; i++) {
		memset(&p, 0, sizeof(p));
		p.action = XFRM_POLICY_ALLOW;
		p.sel.family = (uint16_t)family;
		p.dir = (uint8_t)dirs[i];
		p.lft.soft_byte_limit = XFRM_INF;
		p.lft.hard_byte_limit = XFRM_INF;
		p.lft.soft_packet_limit = XFRM_INF;
		p.lft.hard_packet_limit = XFRM_INF;
		if (setsockopt(fd, level, opt, &p, sizeof(p)) < 0)
			return -errno;
	}
	return 0;
}
