/* Address plan (DESIGN.md "A tunnel's walk", step 1). */
#include <errno.h>
#include <inttypes.h>
#include <unistd.h>

#include "conf/algs.h"
#include "conf/duration.h"
#include "conf/keys.h"
#include "conf/plan.h"

unsigned plan_addrs_per_tunnel(const struct config *c)
{
	return c->mobike ? (unsigned)c->mobikeaddrpertunnel : 1;
}

unsigned plan_gw_addrs(const struct config *c)
{
	return c->mobike ? (unsigned)c->mobikeaddrpergw : 1;
}

uint64_t plan_client_addrs(const struct config *c)
{
	return (uint64_t)c->numberoftunnels * plan_addrs_per_tunnel(c);
}

bool plan_clntaddr_route(const struct config *c)
{
	if (c->clntaddrmode == CLNTADDR_AUTO)
		return plan_client_addrs(c) > PLAN_CLNTADDR_IFACE_MAX;
	return c->clntaddrmode == CLNTADDR_ROUTE;
}

int plan_tunnel_addr(const struct config *c, unsigned tunnel, unsigned k,
		     struct ip_addr *out)
{
	unsigned per = plan_addrs_per_tunnel(c);
	if (tunnel >= (uint64_t)c->numberoftunnels || k >= per ||
	    ip_addr_is_unset(&c->startclntaddr.addr))
		return -EINVAL;
	uint64_t off = (uint64_t)tunnel * per + k;
	if (off >= ip_prefix_room(&c->startclntaddr))
		return -ERANGE;
	return ip_addr_add(&c->startclntaddr.addr, off, out);
}

int plan_gw_addr(const struct config *c, unsigned k, struct ip_addr *out)
{
	if (k >= plan_gw_addrs(c) || ip_addr_is_unset(&c->bindifaddr.addr))
		return -EINVAL;
	if (k >= ip_prefix_room(&c->bindifaddr))
		return -ERANGE;
	return ip_addr_add(&c->bindifaddr.addr, k, out);
}

bool plan_ts_is_any(const struct conf_ts *ts)
{
	struct ip_prefix all = { .addr = ts->startaddr, .len = 0 };
	struct ip_addr first, last;
	ip_prefix_first(&all, &first);
	ip_prefix_last(&all, &last);
	return ip_addr_cmp(&ts->startaddr, &first) == 0 && ip_addr_cmp(&ts->endaddr, &last) == 0;
}

int plan_tunnel_ts(const struct config *c, unsigned tunnel, bool own,
		   const struct conf_ts *ts, struct conf_ts *out)
{
	uint64_t step = (uint64_t)(own ? c->owntsaddrincrease : c->peertsaddrincrease);
	struct conf_ts r = *ts;

	if (c->role == ROLE_CLIENT && step && tunnel && !plan_ts_is_any(ts)) {
		uint64_t off = step * tunnel; /* step < 2^32, tunnel < 2^32 */
		if (ip_addr_add(&ts->startaddr, off, &r.startaddr) < 0 ||
		    ip_addr_add(&ts->endaddr, off, &r.endaddr) < 0)
			return -ERANGE;
	}
	*out = r;
	return 0;
}

unsigned plan_workers(const struct config *c)
{
	long w = c->workers;
	if (w <= 0) {
		w = sysconf(_SC_NPROCESSORS_ONLN);
		if (w < 1)
			w = 1;
	}
	if (c->role == ROLE_CLIENT && w > c->numberoftunnels)
		w = c->numberoftunnels > 0 ? c->numberoftunnels : 1;
	return (unsigned)w;
}

void plan_worker_slice(unsigned ntunnels, unsigned nworkers, unsigned w,
		       unsigned *first, unsigned *count)
{
	if (nworkers == 0 || w >= nworkers) {
		*first = ntunnels;
		*count = 0;
		return;
	}
	unsigned base = ntunnels / nworkers, extra = ntunnels % nworkers;
	*first = w * base + (w < extra ? w : extra);
	*count = base + (w < extra ? 1 : 0);
}

static void print_algs(FILE *f, int xform, const struct conf_algs *l)
{
	for (unsigned i = 0; i < l->n; i++)
		fprintf(f, "%s%s", i ? "," : "", conf_alg_name(xform, l->a[i]));
	if (!l->n)
		fputs("-", f);
}

static void print_dh(FILE *f, const struct conf_ints *l)
{
	for (unsigned i = 0; i < l->n; i++)
		fprintf(f, "%s%" PRId64, i ? "," : "", l->v[i]);
	if (!l->n)
		fputs("-", f);
}

static void print_ts(FILE *f, const char *dir, const struct conf_ts *ts, unsigned n)
{
	char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN];
	for (unsigned j = 0; j < n; j++)
		fprintf(f, "    %s: %s-%s proto %" PRId64 " ports %" PRId64 "-%" PRId64 "\n",
			dir, ip_addr_format(&ts[j].startaddr, a, sizeof(a)),
			ip_addr_format(&ts[j].endaddr, b, sizeof(b)), ts[j].protocol,
			ts[j].startport, ts[j].endport);
}

/* MOBIKE across families: count addresses from alt (mobikealt*addr). */
static void print_alt(const struct config *c, const struct ip_prefix *alt, uint64_t count,
		      unsigned per, FILE *f)
{
	char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN], p[IP_PREFIX_STRLEN];
	struct ip_addr last;
	if (!c->mobike || ip_addr_is_unset(&alt->addr) ||
	    ip_addr_add(&alt->addr, count - 1, &last) < 0)
		return;
	fprintf(f, "other family: %s - %s (%u%s, from %s) on %s\n",
		ip_addr_format(&alt->addr, a, sizeof(a)), ip_addr_format(&last, b, sizeof(b)),
		per, c->role == ROLE_CLIENT ? " per tunnel" : "",
		ip_prefix_format(alt, p, sizeof(p)), c->bindifname);
}

static void print_client(const struct config *c, unsigned workers, FILE *f)
{
	char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN], p[IP_PREFIX_STRLEN];
	unsigned per = plan_addrs_per_tunnel(c), n = (unsigned)c->numberoftunnels;
	struct ip_addr first, last;

	plan_tunnel_addr(c, 0, 0, &first);
	plan_tunnel_addr(c, n - 1, per - 1, &last);
	fprintf(f, "addresses:   %s - %s (%u per tunnel, from %s) on %s\n",
		ip_addr_format(&first, a, sizeof(a)), ip_addr_format(&last, b, sizeof(b)), per,
		ip_prefix_format(&c->startclntaddr, p, sizeof(p)),
		plan_clntaddr_route(c) ? "lo as local routes" : c->bindifname);
	print_alt(c, &c->mobikealtclntaddr, (uint64_t)n * per, per, f);
	fprintf(f, "peer:        %s\n", ip_addr_format(&c->peeraddr, a, sizeof(a)));
	for (unsigned w = 0; w < workers; w++) {
		unsigned t0, cnt;
		plan_worker_slice(n, workers, w, &t0, &cnt);
		if (!cnt) {
			fprintf(f, "worker %u:    no tunnels\n", w);
			continue;
		}
		plan_tunnel_addr(c, t0, 0, &first);
		plan_tunnel_addr(c, t0 + cnt - 1, per - 1, &last);
		fprintf(f, "worker %u:    tunnels %u-%u, addresses %s - %s\n", w, t0,
			t0 + cnt - 1, ip_addr_format(&first, a, sizeof(a)),
			ip_addr_format(&last, b, sizeof(b)));
	}
}

static void print_gateway(const struct config *c, unsigned workers, FILE *f)
{
	char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN];
	struct ip_addr first, last;
	unsigned g = plan_gw_addrs(c);

	plan_gw_addr(c, 0, &first);
	plan_gw_addr(c, g - 1, &last);
	fprintf(f, "addresses:   %s - %s (%u) on %s\n", ip_addr_format(&first, a, sizeof(a)),
		ip_addr_format(&last, b, sizeof(b)), g, c->bindifname);
	print_alt(c, &c->mobikealtgwaddr, g, g, f);
	fprintf(f, "workers:     all %u bind these addresses (SO_REUSEPORT, steered by SPI)\n",
		workers);
}

void plan_print(const struct config *c, const char *file, FILE *f)
{
	char d[CONF_DURATION_STRLEN];
	const struct conf_ike *ike = &c->ikeconf;
	unsigned workers = plan_workers(c);

	fprintf(f, "setup:       %s (valid)\n", file);
	fprintf(f, "role:        %s\n", c->role == ROLE_CLIENT ? "client" : "gateway");
	fprintf(f, "tunnels:     %" PRId64 "\n", c->numberoftunnels);
	fprintf(f, "workers:     %u%s\n", workers,
		c->workers ? "" : " (one per online CPU)");
	if (c->mobike && c->role == ROLE_GATEWAY) {
		fprintf(f, "mobike:      on, accepts address updates\n");
	} else if (c->mobike) {
		static const char *const change[] = { "own-only", "peer-only", "both" };
		fprintf(f, "mobike:      on, %s every %s\n", change[c->mobikechangeaddrtype],
			conf_duration_format(c->mobikeiplifetime_ns, d, sizeof(d)));
	} else {
		fprintf(f, "mobike:      off\n");
	}
	if (c->role == ROLE_CLIENT)
		print_client(c, workers, f);
	else
		print_gateway(c, workers, f);
	fprintf(f, "ike:         encr ");
	print_algs(f, XFORM_ENCR, &ike->ikeencyptalg);
	fprintf(f, " integ ");
	print_algs(f, XFORM_INTEG, &ike->ikeintegrityalg);
	fprintf(f, " prf ");
	print_algs(f, XFORM_PRF, &ike->ikeprfalg);
	fprintf(f, " dh ");
	print_dh(f, &ike->dhgrpid);
	fprintf(f, ", lifetime %s\n", conf_duration_format(ike->ikelifetime_ns, d, sizeof(d)));
	for (unsigned e = 0; e < ike->n_children; e++) {
		const struct conf_child *ch = &ike->childlist[e];
		fprintf(f, "child %u:     %s %s encr ", e, ch->protocol == CHILD_ESP ? "esp" : "ah",
			ch->tunnelmode ? "tunnel" : "transport");
		print_algs(f, XFORM_ENCR, &ch->encalg);
		fprintf(f, " integ ");
		print_algs(f, XFORM_INTEG, &ch->integrityalg);
		fprintf(f, " pfs ");
		if (ch->pfsenabled)
			print_dh(f, &ch->pfsgrpid);
		else
			fputs("off", f);
		fprintf(f, ", lifetime %s\n", conf_duration_format(ch->lifetime_ns, d, sizeof(d)));
		print_ts(f, "ownts", ch->ownts, ch->n_ownts);
		print_ts(f, "peerts", ch->peerts, ch->n_peerts);
	}
}
