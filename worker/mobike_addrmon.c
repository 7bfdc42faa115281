/* Own MOBIKE addresses leaving or coming back (see mobike_addrmon.h). */
#include <errno.h>
#include <sys/socket.h>
#include <stdint.h>
#include <stdlib.h>

#include "conf/plan.h"
#include "kernel/nl_addr.h"
#include "worker/engine.h"
#include "worker/loop.h"
#include "worker/mobike.h"
#include "worker/mobike_addrmon.h"

struct mobike_addrmon {
	struct nladdr_mon *mon;
	struct engine *e;
	struct loop *loop;
};

/* Offset of a from p's first address when of its family; -1 when not. */
static int64_t offset_in(const struct ip_prefix *p, const struct ip_addr *a)
{
	uint64_t off;
	if (ip_addr_is_unset(&p->addr) || a->family != p->addr.family ||
	    ip_addr_diff(&p->addr, a, &off) < 0 || off > INT64_MAX)
		return -1;
	return (int64_t)off;
}

/* Client: the tunnel and own-address index of a (mobike_own_addr's), or
 * NULL. */
static struct ikesa *client_sa_of(struct engine *e, const struct ip_addr *a, unsigned *k)
{
	const struct config *cfg = e->cfg;
	uint64_t K = plan_addrs_per_tunnel(cfg), alt = 0;
	int64_t o = offset_in(&cfg->startclntaddr, a);
	if (o < 0 && (o = offset_in(&cfg->mobikealtclntaddr, a)) >= 0)
		alt = K; /* the other family's block */
	if (!e->n_tunnels || o < 0)
		return NULL;
	uint64_t off = (uint64_t)o;
	uint64_t t = off / K, first = (uint64_t)e->tunnels[0].idx;
	if (t < first || t - first >= (uint64_t)e->n_tunnels)
		return NULL;
	struct ikesa *sa = e->tunnels[t - first].sa;
	if (!sa || !sa->mob)
		return NULL;
	*k = (unsigned)(alt + off % K);
	return sa;
}

/* Address k past MOBIKE_ADDRMON_TRACKED left or came back: not tracked,
 * said as an error so that nobody takes the silence for a watch. */
static void untracked(const struct engine *e, int tunnel, const struct ip_addr *a, unsigned k,
		      bool gone)
{
	char b[IP_ADDR_STRLEN];
	wlog_event(&e->log, WLOG_ERROR, tunnel, 0, "mobike.addr.untracked",
		   "own=%s index=%u event=%s why=\"only the first %d addresses of a list are "
		   "watched\"", ip_addr_format(a, b, sizeof(b)), k, gone ? "deleted" : "added",
		   MOBIKE_ADDRMON_TRACKED);
}

/* Set or clear bit k of *mask; true when it changed (k >= 32: untracked). */
static bool mark(uint32_t *mask, unsigned k, bool gone)
{
	if (k >= MOBIKE_ADDRMON_TRACKED || !!(*mask & (1u << k)) == gone)
		return false;
	*mask = gone ? *mask | 1u << k : *mask & ~(1u << k);
	return true;
}

static int client_event(struct engine *e, const struct ip_addr *a, bool gone)
{
	unsigned k;
	struct ikesa *sa = client_sa_of(e, a, &k);
	if (!sa)
		return 0;
	if (k >= MOBIKE_ADDRMON_TRACKED)
		untracked(e, sa->tunnel, a, k, gone);
	bool changed = mark(&sa->mob->own_gone, k, gone);
	bool in_use = gone && ip_addr_cmp(&sa->path.local, a) == 0;
	if (!changed && !in_use)
		return 0;
	char b[IP_ADDR_STRLEN];
	wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa),
		   gone ? "mobike.addr.deleted" : "mobike.addr.added", "own=%s",
		   ip_addr_format(a, b, sizeof(b)));
	/* 3.6: the peer learns our new set; the update of a move takes the
	 * list along, else an INFORMATIONAL of its own carries it. */
	if (changed && sa->mob->peer_supported)
		sa->mob->list_wanted = true;
	int rc = in_use ? mobike_move_away(sa) : 0;
	if (changed && sa->mob->list_wanted)
		mobike_list_changed(sa);
	return rc < 0 ? rc : 1;
}

/* Gateway: the first of its addresses that is still there, of family fam. */
static int gw_live_addr(const struct engine *e, int fam, struct ip_addr *out)
{
	const struct config *cfg = e->cfg;
	unsigned K = plan_gw_addrs(cfg);
	for (unsigned k = 0; k < 2 * K && k < MOBIKE_ADDRMON_TRACKED; k++) {
		int rc = k < K ? plan_gw_addr(cfg, k, out) :
			 ip_addr_is_unset(&cfg->mobikealtgwaddr.addr) ? -ENOENT :
			 ip_addr_add(&cfg->mobikealtgwaddr.addr, k - K, out);
		if (!(e->mobike_gw_gone >> k & 1) && rc == 0 && out->family == fam)
			return 0;
	}
	return -ENOENT;
}

/* The first address of family fam in the peer's list (into *out). */
static bool peer_of(const struct ikesa *sa, int fam, struct ip_addr *out)
{
	for (unsigned i = 0; i < sa->mob->n_peers; i++)
		if (sa->mob->peers[i].family == fam) {
			*out = sa->mob->peers[i];
			return true;
		}
	return false;
}

/* Gateway: address k of its list left or came back: every MOBIKE peer gets
 * the new list; an SA whose current address left sends it (and answers)
 * from a remaining one until the peer moves (RFC 4555 3.6; only the
 * initiator moves the SA).  A scan of the worker's SAs, on an address
 * event only, never per packet. */
static int gw_event(struct engine *e, const struct ip_addr *a, bool gone)
{
	const struct config *cfg = e->cfg;
	int64_t K = plan_gw_addrs(cfg), off = offset_in(&cfg->bindifaddr, a);
	if (off < 0 && (off = offset_in(&cfg->mobikealtgwaddr, a)) >= 0 && off < K)
		off += K; /* the other family's block (mobike_own_addr's index) */
	else if (off >= K)
		off = -1;
	if (off >= MOBIKE_ADDRMON_TRACKED)
		untracked(e, -1, a, (unsigned)off, gone);
	if (off < 0 || !mark(&e->mobike_gw_gone, (unsigned)off, gone))
		return 0;
	char b[IP_ADDR_STRLEN], c[IP_ADDR_STRLEN];
	struct ip_addr live, other;
	bool have_live = gw_live_addr(e, a->family, &live) == 0;
	/* None of that family left: the other family's, to a peer address of
	 * that family (from the peer's list), when the SA has one. */
	int ofam = a->family == AF_INET ? AF_INET6 : AF_INET;
	bool have_other = !have_live && gw_live_addr(e, ofam, &other) == 0;
	wlog_event(&e->log, WLOG_INFO, -1, 0, gone ? "mobike.addr.deleted" : "mobike.addr.added",
		   "own=%s sas=%u", ip_addr_format(a, b, sizeof(b)), spi_map_count(&e->sas));
	/* Our SPIs first: queueing a task may close an SA (the map shifts). */
	uint32_t n = spi_map_count(&e->sas), got = 0, pos = 0;
	uint64_t *spis = malloc((n ? n : 1) * sizeof(*spis)), key;
	if (!spis)
		return -ENOMEM;
	while (got < n && spi_map_next(&e->sas, &pos, &key))
		spis[got++] = key;
	int moved = 0;
	for (uint32_t i = 0; i < got; i++) {
		struct ikesa *sa = spi_map_get(&e->sas, spis[i]);
		if (!sa || sa->tun || !sa->mob || !sa->mob->peer_supported)
			continue;
		if (gone && ip_addr_cmp(&sa->path.local, a) == 0 &&
		    (have_live || (have_other && peer_of(sa, ofam, &sa->path.remote)))) {
			sa->path.local = have_live ? live : other;
			moved++;
			wlog_event(&e->log, WLOG_VERBOSE, sa->tunnel, ikesa_our_spi(sa),
				   "mobike.addr.lost", "own=%s now=%s",
				   ip_addr_format(a, b, sizeof(b)),
				   ip_addr_format(&sa->path.local, c, sizeof(c)));
		}
		mobike_list_changed(sa);
	}
	free(spis);
	return moved;
}

int mobike_addr_event(struct engine *e, const struct ip_addr *a, bool gone)
{
	const struct config *cfg = e->cfg;
	if (!cfg->mobike)
		return 0;
	return cfg->role == ROLE_CLIENT ? client_event(e, a, gone) : gw_event(e, a, gone);
}

int mobike_addr_deleted(struct engine *e, const struct ip_addr *a)
{
	return mobike_addr_event(e, a, true);
}

static void on_event(enum nladdr_event ev, int ifindex, const struct ip_prefix *p, void *arg)
{
	(void)ifindex;
	struct mobike_addrmon *m = arg;
	mobike_addr_event(m->e, &p->addr, ev == NLADDR_DEL);
}

static void on_readable(struct loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)fd;
	(void)events;
	struct mobike_addrmon *m = arg;
	if (nladdr_mon_read(m->mon) == -ENOBUFS)
		wlog_event(&m->e->log, WLOG_ERROR, -1, 0, "mobike.addrmon.overflow", NULL);
}

unsigned mobike_addrmon_list_len(const struct engine *e)
{
	const struct config *cfg = e->cfg;
	bool client = cfg->role == ROLE_CLIENT;
	const struct ip_prefix *alt = client ? &cfg->mobikealtclntaddr : &cfg->mobikealtgwaddr;
	unsigned k = client ? plan_addrs_per_tunnel(cfg) : plan_gw_addrs(cfg);
	return ip_addr_is_unset(&alt->addr) ? k : 2 * k;
}

int mobike_addrmon_open(struct mobike_addrmon **out, struct engine *e, struct loop *loop)
{
	*out = NULL;
	if (!e->cfg->mobike)
		return 0;
	unsigned n = mobike_addrmon_list_len(e);
	if (n > MOBIKE_ADDRMON_TRACKED)
		wlog_event(&e->log, WLOG_ERROR, -1, 0, "mobike.addrmon.limit",
			   "addresses=%u watched=%d why=\"addresses past the first %d leaving or "
			   "coming back are not tracked\"", n, MOBIKE_ADDRMON_TRACKED,
			   MOBIKE_ADDRMON_TRACKED);
	struct mobike_addrmon *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->e = e;
	m->loop = loop;
	int rc = nladdr_mon_open(&m->mon, on_event, m);
	if (rc == 0)
		rc = loop_fd_add(loop, nladdr_mon_fd(m->mon), EPOLLIN, on_readable, m);
	if (rc < 0) {
		mobike_addrmon_close(m);
		return rc;
	}
	*out = m;
	return 0;
}

void mobike_addrmon_close(struct mobike_addrmon *m)
{
	if (!m)
		return;
	if (m->mon) {
		loop_fd_del(m->loop, nladdr_mon_fd(m->mon));
		nladdr_mon_close(m->mon);
	}
	free(m);
}
