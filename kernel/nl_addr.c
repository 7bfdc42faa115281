/* Interface addresses and local prefix routes, with a record for cleanup. */
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/route/addr.h>
#include <netlink/route/route.h>

#include "kernel/nl_addr.h"
#include "kernel/nl_batch.h"
#include "kernel/nl_link.h"

#define DUMP_BUF 65536

enum rec_kind { REC_GONE, REC_ADDR, REC_ROUTE };

struct rec {
	uint8_t kind;
	int ifindex;
	struct ip_prefix p;
};

/* promote_secondaries as found on an interface we added IPv4 to. */
struct promo {
	char ifname[IF_NAMESIZE];
	int old;
};

struct nladdr {
	struct nl_sock *sk;
	struct rec *rec;
	size_t nrec, caprec, live;
	struct promo *promo;
	size_t npromo;
	struct nladdr_route *routes; /* nladdr_route_add, oldest first */
	size_t nroutes;
	struct rec *flushed;         /* nladdr_flush, in dump order */
	size_t nflushed;
};

/* ---- record ---- */

static int rec_push(struct nladdr *n, enum rec_kind kind, int ifindex, const struct ip_prefix *p)
{
	if (n->nrec == n->caprec) {
		size_t cap = n->caprec ? n->caprec * 2 : 256;
		struct rec *r = realloc(n->rec, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		n->rec = r;
		n->caprec = cap;
	}
	n->rec[n->nrec++] = (struct rec){ .kind = (uint8_t)kind, .ifindex = ifindex, .p = *p };
	n->live++;
	return 0;
}

static bool rec_match(const struct rec *r, enum rec_kind kind, int ifindex,
		      const struct ip_prefix *p)
{
	return r->kind == kind && r->ifindex == ifindex && r->p.len == p->len &&
	       ip_addr_cmp(&r->p.addr, &p->addr) == 0;
}

/* Forget one entry (newest match).  O(record): removals are rare. */
static void rec_forget(struct nladdr *n, enum rec_kind kind, int ifindex,
		       const struct ip_prefix *p)
{
	for (size_t i = n->nrec; i-- > 0;) {
		if (rec_match(&n->rec[i], kind, ifindex, p)) {
			n->rec[i].kind = REC_GONE;
			n->live--;
			return;
		}
	}
}

size_t nladdr_recorded(const struct nladdr *n)
{
	return n->live + n->nroutes;
}

/* ---- promote_secondaries ---- */

static int sysctl_path(char *buf, size_t size, const char *ifname)
{
	int len = snprintf(buf, size, "/proc/sys/net/ipv4/conf/%s/promote_secondaries", ifname);
	return len < 0 || (size_t)len >= size ? -ENAMETOOLONG : 0;
}

static int read_promote(const char *ifname)
{
	char path[128];
	int v = -1;
	if (sysctl_path(path, sizeof(path), ifname))
		return -1;
	FILE *f = fopen(path, "re");
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int write_promote(const char *ifname, int v)
{
	char path[128];
	int err = sysctl_path(path, sizeof(path), ifname);
	if (err)
		return err;
	FILE *f = fopen(path, "we");
	if (!f)
		return -errno;
	fprintf(f, "%d\n", v);
	return fclose(f) == 0 ? 0 : -errno;
}

/* Deleting a primary IPv4 address must not take its secondaries along. */
static void ensure_promote(struct nladdr *n, const char *ifname)
{
	for (size_t i = 0; i < n->npromo; i++)
		if (strcmp(n->promo[i].ifname, ifname) == 0)
			return;
	int old = read_promote(ifname);
	if (old < 0)
		return;
	struct promo *p = realloc(n->promo, (n->npromo + 1) * sizeof(*p));
	if (!p)
		return;
	n->promo = p;
	snprintf(p[n->npromo].ifname, sizeof(p->ifname), "%s", ifname);
	p[n->npromo].old = old;
	n->npromo++;
	if (old != 1)
		write_promote(ifname, 1);
}

/* ---- open / close ---- */

int nladdr_open(struct nladdr **out)
{
	struct nladdr *n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->sk = nlb_socket();
	if (!n->sk) {
		int e = -errno;
		free(n);
		return e;
	}
	*out = n;
	return 0;
}

void nladdr_close(struct nladdr *n)
{
	if (!n)
		return;
	nl_socket_free(n->sk);
	free(n->rec);
	free(n->promo);
	free(n->routes);
	free(n->flushed);
	free(n);
}

/* ---- addresses ---- */

static struct nl_addr *to_nl(const struct ip_addr *a, unsigned plen)
{
	struct nl_addr *x = nl_addr_build(a->family, a->bytes, a->family == AF_INET ? 4 : 16);
	if (x)
		nl_addr_set_prefixlen(x, (int)plen);
	return x;
}

struct addr_batch {
	int ifindex;
	const struct ip_prefix *p;
	bool add;
};

static int build_addr(void *ctx, size_t i, struct nl_msg **msg)
{
	struct addr_batch *b = ctx;
	const struct ip_prefix *p = &b->p[i];
	if (p->addr.family != AF_INET && p->addr.family != AF_INET6)
		return -EAFNOSUPPORT;
	if (p->len > ip_addr_bits(&p->addr))
		return -EINVAL;
	int err = -ENOMEM;
	struct rtnl_addr *ra = rtnl_addr_alloc();
	struct nl_addr *local = to_nl(&p->addr, p->len);
	if (!ra || !local)
		goto out;
	rtnl_addr_set_ifindex(ra, b->ifindex);
	rtnl_addr_set_family(ra, p->addr.family);
	rtnl_addr_set_prefixlen(ra, p->len);
	if (rtnl_addr_set_local(ra, local) < 0) {
		err = -EINVAL;
		goto out;
	}
	if (p->addr.family == AF_INET6)
		rtnl_addr_set_flags(ra, IFA_F_NODAD);
	int rc = b->add ? rtnl_addr_build_add_request(ra, NLM_F_EXCL, msg)
			: rtnl_addr_build_delete_request(ra, 0, msg);
	err = rc < 0 ? -ENOMEM : 0;
out:
	nl_addr_put(local);
	rtnl_addr_put(ra);
	return err;
}

/* add: record what we added (record false: put back what was there before
 * us, not ours to remove); !add: remove. */
static int addr_batch(struct nladdr *n, const char *ifname, const struct ip_prefix *p,
		      size_t count, int *err, bool add, bool record)
{
	int ifindex = nllink_index(ifname);
	if (ifindex < 0) {
		for (size_t i = 0; err && i < count; i++)
			err[i] = ifindex;
		return ifindex;
	}
	int *e = err ? err : calloc(count ? count : 1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	if (add && record) {
		for (size_t i = 0; i < count; i++) {
			if (p[i].addr.family == AF_INET) {
				ensure_promote(n, ifname);
				break;
			}
		}
	}
	struct addr_batch b = { .ifindex = ifindex, .p = p, .add = add };
	int rc = nlb_run(n->sk, count, build_addr, &b, e);
	for (size_t i = 0; i < count; i++) {
		if (e[i] != 0)
			continue;
		if (add && record && rec_push(n, REC_ADDR, ifindex, &p[i]) < 0)
			rc = rc < 0 ? rc : -ENOMEM; /* added but cannot be recorded */
		else if (!add)
			rec_forget(n, REC_ADDR, ifindex, &p[i]);
	}
	if (e != err)
		free(e);
	return rc;
}

int nladdr_add_batch(struct nladdr *n, const char *ifname, const struct ip_prefix *p,
		     size_t count, int *err)
{
	return addr_batch(n, ifname, p, count, err, true, true);
}

int nladdr_put_back(struct nladdr *n, const char *ifname, const struct ip_prefix *p,
		    size_t count, int *err)
{
	return addr_batch(n, ifname, p, count, err, true, false);
}

int nladdr_del_batch(struct nladdr *n, const char *ifname, const struct ip_prefix *p,
		     size_t count, int *err)
{
	return addr_batch(n, ifname, p, count, err, false, false);
}

int nladdr_add(struct nladdr *n, const char *ifname, const struct ip_prefix *p)
{
	int err = 0;
	int rc = addr_batch(n, ifname, p, 1, &err, true, true);
	return rc < 0 ? rc : err;
}

int nladdr_del(struct nladdr *n, const char *ifname, const struct ip_prefix *p)
{
	int err = 0;
	int rc = addr_batch(n, ifname, p, 1, &err, false, false);
	return rc < 0 ? rc : err;
}

/* ---- local routes ---- */

struct route_batch {
	const struct ip_prefix *p;
	bool add;
	int lo;
};

static int build_route(void *ctx, size_t i, struct nl_msg **msg)
{
	struct route_batch *b = ctx;
	struct ip_prefix net = b->p[i];
	if (net.addr.family != AF_INET && net.addr.family != AF_INET6)
		return -EAFNOSUPPORT;
	if (net.len > ip_addr_bits(&net.addr))
		return -EINVAL;
	ip_prefix_first(&b->p[i], &net.addr);
	int err = -ENOMEM;
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = to_nl(&net.addr, net.len);
	if (!r || !nh || !dst)
		goto out;
	rtnl_route_set_family(r, net.addr.family);
	rtnl_route_set_table(r, RT_TABLE_LOCAL);
	rtnl_route_set_type(r, RTN_LOCAL);
	rtnl_route_set_scope(r, RT_SCOPE_HOST);
	rtnl_route_set_protocol(r, RTPROT_BOOT);
	if (rtnl_route_set_dst(r, dst) < 0) {
		err = -EINVAL;
		goto out;
	}
	rtnl_route_nh_set_ifindex(nh, b->lo);
	rtnl_route_add_nexthop(r, nh);
	nh = NULL; /* the route owns it now */
	int rc = b->add ? rtnl_route_build_add_request(r, NLM_F_EXCL, msg)
			: rtnl_route_build_del_request(r, 0, msg);
	err = rc < 0 ? -ENOMEM : 0;
out:
	if (nh)
		rtnl_route_nh_free(nh);
	nl_addr_put(dst);
	rtnl_route_put(r);
	return err;
}

static int route_one(struct nladdr *n, const struct ip_prefix *p, bool add)
{
	int lo = nllink_index("lo");
	if (lo < 0)
		return lo;
	struct route_batch b = { .p = p, .add = add, .lo = lo };
	int err = 0;
	int rc = nlb_run(n->sk, 1, build_route, &b, &err);
	if (rc < 0)
		return rc;
	if (err == 0 && add)
		err = rec_push(n, REC_ROUTE, lo, p);
	else if (err == 0)
		rec_forget(n, REC_ROUTE, lo, p);
	return err;
}

int nladdr_route_local_add(struct nladdr *n, const struct ip_prefix *p)
{
	return route_one(n, p, true);
}

int nladdr_route_local_del(struct nladdr *n, const struct ip_prefix *p)
{
	return route_one(n, p, false);
}

/* ---- unicast routes (staticroute) ---- */

static int build_uroute(const struct nladdr_route *u, bool add, struct nl_msg **msg)
{
	struct ip_prefix net = u->dst;
	if (net.addr.family != AF_INET && net.addr.family != AF_INET6)
		return -EAFNOSUPPORT;
	if (net.len > ip_addr_bits(&net.addr) ||
	    (!ip_addr_is_unset(&u->via) && u->via.family != net.addr.family))
		return -EINVAL;
	ip_prefix_first(&u->dst, &net.addr);
	int ifindex = 0;
	if (u->dev[0] && (ifindex = nllink_index(u->dev)) < 0)
		return ifindex;
	if (!ifindex && ip_addr_is_unset(&u->via))
		return -EINVAL;
	int err = -ENOMEM;
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = to_nl(&net.addr, net.len);
	struct nl_addr *gw = NULL;
	if (!r || !nh || !dst)
		goto out;
	rtnl_route_set_family(r, net.addr.family);
	rtnl_route_set_table(r, u->table ? u->table : RT_TABLE_MAIN);
	rtnl_route_set_type(r, RTN_UNICAST);
	rtnl_route_set_protocol(r, RTPROT_BOOT);
	rtnl_route_set_priority(r, u->metric);
	/* Deletion matches any scope, as `ip route del` does. */
	rtnl_route_set_scope(r, !add ? RT_SCOPE_NOWHERE
			     : ip_addr_is_unset(&u->via) ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE);
	if (rtnl_route_set_dst(r, dst) < 0) {
		err = -EINVAL;
		goto out;
	}
	if (ifindex)
		rtnl_route_nh_set_ifindex(nh, ifindex);
	if (!ip_addr_is_unset(&u->via)) {
		if (!(gw = to_nl(&u->via, ip_addr_bits(&u->via))))
			goto out;
		rtnl_route_nh_set_gateway(nh, gw);
	}
	rtnl_route_add_nexthop(r, nh);
	nh = NULL; /* the route owns it now */
	int flags = NLM_F_CREATE | (u->keep_existing ? NLM_F_EXCL : NLM_F_REPLACE);
	int rc = add ? rtnl_route_build_add_request(r, flags, msg)
		     : rtnl_route_build_del_request(r, 0, msg);
	err = rc < 0 ? -ENOMEM : 0;
out:
	if (nh)
		rtnl_route_nh_free(nh);
	nl_addr_put(gw);
	nl_addr_put(dst);
	rtnl_route_put(r);
	return err;
}

static int uroute_one(struct nladdr *n, const struct nladdr_route *u, bool add)
{
	struct nl_msg *msg = NULL;
	int rc = build_uroute(u, add, &msg);
	if (rc < 0)
		return rc;
	rc = nlb_one(n->sk, msg);
	nlmsg_free(msg);
	return rc;
}

static bool uroute_same(const struct nladdr_route *a, const struct nladdr_route *b)
{
	return a->dst.len == b->dst.len && ip_addr_cmp(&a->dst.addr, &b->dst.addr) == 0 &&
	       ip_addr_cmp(&a->via, &b->via) == 0 && !strcmp(a->dev, b->dev) &&
	       a->table == b->table && a->metric == b->metric;
	/* keep_existing only says how it was added */
}

int nladdr_route_add(struct nladdr *n, const struct nladdr_route *r)
{
	struct nladdr_route *grown = realloc(n->routes, (n->nroutes + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	n->routes = grown;
	int rc = uroute_one(n, r, true);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n->nroutes; i++)
		if (uroute_same(&n->routes[i], r))
			return 0; /* replaced our own: recorded already */
	n->routes[n->nroutes++] = *r;
	return 0;
}

int nladdr_route_del(struct nladdr *n, const struct nladdr_route *r)
{
	int rc = uroute_one(n, r, false);
	if (rc < 0)
		return rc;
	for (size_t i = n->nroutes; i-- > 0;) {
		if (uroute_same(&n->routes[i], r)) {
			memmove(&n->routes[i], &n->routes[i + 1],
				(n->nroutes - i - 1) * sizeof(*n->routes));
			n->nroutes--;
			break;
		}
	}
	return 0;
}

/* ---- flush ---- */

struct flush_ctx {
	struct ip_prefix *p;
	size_t n, cap;
	int err;
};

static bool link_local6(const struct ip_addr *a)
{
	return a->family == AF_INET6 && a->bytes[0] == 0xfe && (a->bytes[1] & 0xc0) == 0x80;
}

static void flush_collect(const struct ip_prefix *p, void *arg)
{
	struct flush_ctx *f = arg;
	if (link_local6(&p->addr) || f->err)
		return;
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		struct ip_prefix *grown = realloc(f->p, cap * sizeof(*grown));
		if (!grown) {
			f->err = -ENOMEM;
			return;
		}
		f->p = grown;
		f->cap = cap;
	}
	f->p[f->n++] = *p;
}

int nladdr_flush(struct nladdr *n, const char *ifname,
		 void (*fn)(const struct ip_prefix *p, void *arg), void *arg)
{
	struct flush_ctx f = { 0 };
	struct ip_prefix *rev = NULL;
	int *err = NULL;
	int ifindex = nllink_index(ifname);
	int rc = ifindex < 0 ? ifindex : nladdr_dump(n, ifname, 0, flush_collect, &f);
	if (rc < 0 || (rc = f.err) < 0 || f.n == 0)
		goto out;
	struct rec *grown = realloc(n->flushed, (n->nflushed + f.n) * sizeof(*grown));
	rev = calloc(f.n, sizeof(*rev));
	err = calloc(f.n, sizeof(*err));
	if (grown)
		n->flushed = grown;
	if (!grown || !rev || !err) {
		rc = -ENOMEM;
		goto out;
	}
	/* The dump lists a primary before its secondaries: remove the
	 * secondaries first so that no primary takes them along. */
	for (size_t i = 0; i < f.n; i++)
		rev[i] = f.p[f.n - 1 - i];
	struct addr_batch b = { .ifindex = ifindex, .p = rev, .add = false };
	rc = nlb_run(n->sk, f.n, build_addr, &b, err);
	if (rc < 0)
		goto out;
	int removed = 0, failed = 0;
	for (size_t i = 0; i < f.n; i++) {
		/* in dump order, which is the order to put them back in */
		size_t k = f.n - 1 - i;
		if (err[k] != 0 && err[k] != -EADDRNOTAVAIL) {
			failed = failed ? failed : err[k];
			continue;
		}
		n->flushed[n->nflushed++] =
			(struct rec){ .kind = REC_ADDR, .ifindex = ifindex, .p = f.p[i] };
		removed++;
		if (fn)
			fn(&f.p[i], arg);
	}
	rc = failed ? failed : removed;
out:
	free(f.p);
	free(rev);
	free(err);
	return rc;
}

/* Put back what nladdr_flush removed.  Returns how many could not be. */
static int restore_flushed(struct nladdr *n)
{
	int failed = 0;
	for (size_t i = 0; i < n->nflushed; i++) {
		struct rec *r = &n->flushed[i];
		struct addr_batch b = { .ifindex = r->ifindex, .p = &r->p, .add = true };
		struct nl_msg *msg = NULL;
		int rc = build_addr(&b, 0, &msg);
		if (rc == 0) {
			rc = nlb_one(n->sk, msg);
			nlmsg_free(msg);
		}
		if (rc < 0 && rc != -EEXIST)
			failed++;
	}
	n->nflushed = 0;
	return failed;
}

/* ---- cleanup ---- */

struct cleanup_batch {
	struct nladdr *n;
	size_t *idx; /* record entries to remove, newest first */
};

static int build_cleanup(void *ctx, size_t i, struct nl_msg **msg)
{
	struct cleanup_batch *c = ctx;
	struct rec *r = &c->n->rec[c->idx[i]];
	if (r->kind == REC_ROUTE) {
		struct route_batch b = { .p = &r->p, .add = false, .lo = r->ifindex };
		return build_route(&b, 0, msg);
	}
	struct addr_batch b = { .ifindex = r->ifindex, .p = &r->p, .add = false };
	return build_addr(&b, 0, msg);
}

int nladdr_cleanup(struct nladdr *n)
{
	size_t count = 0;
	int failed = 0;
	/* staticroutes first: they may go through our addresses */
	while (n->nroutes) {
		int rc = uroute_one(n, &n->routes[n->nroutes - 1], false);
		if (rc < 0 && rc != -ESRCH && rc != -ENOENT && rc != -ENODEV)
			failed++;
		n->nroutes--;
	}
	size_t *idx = calloc(n->live ? n->live : 1, sizeof(*idx));
	int *err = calloc(n->live ? n->live : 1, sizeof(*err));
	if (!idx || !err) {
		failed = -ENOMEM;
		goto out;
	}
	for (size_t i = n->nrec; i-- > 0;)
		if (n->rec[i].kind != REC_GONE)
			idx[count++] = i;
	struct cleanup_batch c = { .n = n, .idx = idx };
	int rc = nlb_run(n->sk, count, build_cleanup, &c, err);
	if (rc < 0) {
		failed = rc;
		goto out;
	}
	for (size_t k = 0; k < count; k++) {
		/* already gone (someone else removed it, or the interface
		 * went away) is what we wanted */
		bool gone = err[k] == 0 || err[k] == -EADDRNOTAVAIL || err[k] == -ESRCH ||
			    err[k] == -ENODEV || err[k] == -ENOENT;
		if (gone) {
			n->rec[idx[k]].kind = REC_GONE;
			n->live--;
		} else {
			failed++;
		}
	}
	if (n->live == 0)
		n->nrec = 0;
	failed += restore_flushed(n);
	for (size_t i = 0; i < n->npromo; i++)
		if (n->promo[i].old != 1)
			write_promote(n->promo[i].ifname, n->promo[i].old);
	n->npromo = 0;
out:
	free(idx);
	free(err);
	return failed;
}

/* ---- dump and presence ---- */

/* The interface and address of an RTM_NEWADDR/RTM_DELADDR message. */
static bool parse_addr(const struct nlmsghdr *h, int *ifindex, struct ip_prefix *p)
{
	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifaddrmsg)))
		return false;
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	size_t alen = ifa->ifa_family == AF_INET ? 4 : ifa->ifa_family == AF_INET6 ? 16 : 0;
	if (!alen)
		return false;
	const struct rtattr *local = NULL, *address = NULL;
	int left = (int)IFA_PAYLOAD(h);
	for (const struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, left); a = RTA_NEXT(a, left)) {
		if (a->rta_type == IFA_LOCAL && RTA_PAYLOAD(a) == alen)
			local = a;
		else if (a->rta_type == IFA_ADDRESS && RTA_PAYLOAD(a) == alen)
			address = a;
	}
	/* IFA_LOCAL is ours (IFA_ADDRESS is the peer on point-to-point) */
	const struct rtattr *use = local ? local : address;
	if (!use)
		return false;
	memset(p, 0, sizeof(*p));
	p->addr.family = ifa->ifa_family;
	memcpy(p->addr.bytes, RTA_DATA(use), alen);
	p->len = ifa->ifa_prefixlen;
	*ifindex = (int)ifa->ifa_index;
	return true;
}

int nladdr_dump(struct nladdr *n, const char *ifname, int family,
		void (*fn)(const struct ip_prefix *p, void *arg), void *arg)
{
	int ifindex = nllink_index(ifname);
	if (ifindex < 0)
		return ifindex;
	int rc = 0, count = 0;
	uint8_t *buf = malloc(DUMP_BUF);
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg ifa = { .ifa_family = (uint8_t)family };
	if (!buf || !msg || nlmsg_append(msg, &ifa, sizeof(ifa), NLMSG_ALIGNTO) < 0) {
		rc = -ENOMEM;
		goto out;
	}
	if (nl_send_auto(n->sk, msg) < 0) {
		rc = -EIO;
		goto out;
	}
	uint32_t seq = nlmsg_hdr(msg)->nlmsg_seq;
	for (bool done = false; !done;) {
		ssize_t len = recv(nl_socket_get_fd(n->sk), buf, DUMP_BUF, 0);
		if (len < 0) {
			rc = errno == EAGAIN ? -ETIMEDOUT : -errno;
			goto out;
		}
		size_t left = (size_t)len;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, left);
		     h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != seq)
				continue; /* a late answer to something else */
			if (h->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				rc = e->error ? e->error : -EPROTO;
				goto out;
			}
			struct ip_prefix p;
			int idx;
			if (h->nlmsg_type != RTM_NEWADDR || !parse_addr(h, &idx, &p))
				continue;
			if (idx != ifindex || (family && p.addr.family != family))
				continue;
			count++;
			if (fn)
				fn(&p, arg);
		}
	}
	rc = count;
out:
	nlmsg_free(msg);
	free(buf);
	return rc;
}

struct find_ctx {
	const struct ip_addr *a;
	bool found;
};

static void find_fn(const struct ip_prefix *p, void *arg)
{
	struct find_ctx *f = arg;
	if (ip_addr_cmp(&p->addr, f->a) == 0)
		f->found = true;
}

int nladdr_present(struct nladdr *n, const char *ifname, const struct ip_addr *a)
{
	struct find_ctx f = { .a = a };
	int rc = nladdr_dump(n, ifname, a->family, find_fn, &f);
	return rc < 0 ? rc : f.found;
}

/* ---- events ---- */

struct nladdr_mon {
	struct nl_sock *sk;
	nladdr_mon_fn fn;
	void *arg;
	uint8_t buf[DUMP_BUF];
};

int nladdr_mon_open(struct nladdr_mon **out, nladdr_mon_fn fn, void *arg)
{
	struct nladdr_mon *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->fn = fn;
	m->arg = arg;
	m->sk = nlb_socket();
	if (!m->sk) {
		int e = -errno;
		free(m);
		return e;
	}
	if (nl_socket_add_memberships(m->sk, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, 0) < 0 ||
	    nl_socket_set_nonblocking(m->sk) < 0) {
		nladdr_mon_close(m);
		return -EIO;
	}
	*out = m;
	return 0;
}

int nladdr_mon_fd(const struct nladdr_mon *m)
{
	return nl_socket_get_fd(m->sk);
}

int nladdr_mon_read(struct nladdr_mon *m)
{
	int count = 0;
	for (;;) {
		ssize_t len = recv(nl_socket_get_fd(m->sk), m->buf, sizeof(m->buf), MSG_DONTWAIT);
		if (len < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return count;
			if (errno == EINTR)
				continue;
			return -errno; /* -ENOBUFS: events lost */
		}
		size_t left = (size_t)len;
		for (struct nlmsghdr *h = (struct nlmsghdr *)m->buf; NLMSG_OK(h, left);
		     h = NLMSG_NEXT(h, left)) {
			struct ip_prefix p;
			int ifindex;
			if (h->nlmsg_type != RTM_NEWADDR && h->nlmsg_type != RTM_DELADDR)
				continue;
			if (!parse_addr(h, &ifindex, &p))
				continue;
			m->fn(h->nlmsg_type == RTM_NEWADDR ? NLADDR_NEW : NLADDR_DEL, ifindex, &p,
			      m->arg);
			count++;
		}
	}
}

void nladdr_mon_close(struct nladdr_mon *m)
{
	if (!m)
		return;
	nl_socket_free(m->sk);
	free(m);
}
