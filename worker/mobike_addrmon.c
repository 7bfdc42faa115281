/* Own address deleted -> move at once (see mobike_addrmon.h). */
#include <errno.h>
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

int mobike_addr_deleted(struct engine *e, const struct ip_addr *a)
{
	const struct config *cfg = e->cfg;
	uint64_t off;
	if (cfg->role != ROLE_CLIENT || !cfg->mobike || !e->n_tunnels ||
	    a->family != cfg->startclntaddr.addr.family ||
	    ip_addr_diff(&cfg->startclntaddr.addr, a, &off) < 0)
		return 0;
	uint64_t K = plan_addrs_per_tunnel(cfg);
	uint64_t t = off / K, first = (uint64_t)e->tunnels[0].idx;
	if (t < first || t - first >= (uint64_t)e->n_tunnels)
		return 0;
	struct ikesa *sa = e->tunnels[t - first].sa;
	if (!sa || !sa->mob || ip_addr_cmp(&sa->path.local, a) != 0)
		return 0;
	char b[IP_ADDR_STRLEN];
	wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa), "mobike.addr.deleted",
		   "own=%s", ip_addr_format(a, b, sizeof(b)));
	int rc = mobike_move_away(sa);
	return rc < 0 ? rc : 1;
}

static void on_event(enum nladdr_event ev, int ifindex, const struct ip_prefix *p, void *arg)
{
	(void)ifindex;
	struct mobike_addrmon *m = arg;
	if (ev == NLADDR_DEL)
		mobike_addr_deleted(m->e, &p->addr);
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

int mobike_addrmon_open(struct mobike_addrmon **out, struct engine *e, struct loop *loop)
{
	*out = NULL;
	if (e->cfg->role != ROLE_CLIENT || !e->cfg->mobike)
		return 0;
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
