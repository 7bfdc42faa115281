/* exec --single's addresses and routes (see exec_addrs.h): the same steps,
 * order and log lines as the supervisor's kernel-process requests. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/plan.h"
#include "conf/staticroute.h"
#include "kernel/nl_addr.h"
#include "worker/engine.h"
#include "worker/exec_addrs.h"

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* count addresses from from->addr + first, with from's prefix length, on
 * bindifname; one that is already there is not ours and not an error. */
static int add_range(const struct config *cfg, struct nladdr *nl, const struct ip_prefix *from,
		     uint64_t first, uint64_t count, FILE *err)
{
	struct ip_prefix *p = calloc(count ? count : 1, sizeof(*p));
	int *rc = calloc(count ? count : 1, sizeof(*rc));
	char txt[IP_PREFIX_STRLEN];
	int ret = -ENOMEM, failed;
	if (!p || !rc)
		goto out;
	for (uint64_t i = 0; i < count; i++) {
		p[i].len = from->len;
		if ((ret = ip_addr_add(&from->addr, first + i, &p[i].addr)) < 0)
			goto out;
	}
	failed = nladdr_add_batch(nl, cfg->bindifname, p, count, rc);
	ret = failed < 0 ? failed : 0;
	for (uint64_t i = 0; failed > 0 && i < count && !ret; i++)
		if (rc[i] < 0 && rc[i] != -EEXIST)
			ret = rc[i];
out:
	if (ret < 0)
		fprintf(err, "ikeswarm: could not put the addresses of %s on %s: %s\n",
			ip_prefix_format(from, txt, sizeof(txt)),
			cfg->bindifname, strerror(-ret));
	free(p);
	free(rc);
	return ret;
}

/* clntaddrmode route: local routes covering exactly the tunnel addresses,
 * and startclntaddr's prefix as a link route on bindifname unless one
 * exists (the gateway may be on that link). */
static int client_routes(struct engine *e, struct nladdr *nl, uint64_t count, FILE *err)
{
	const struct config *cfg = e->cfg;
	struct ip_prefix cover[IP_RANGE_MAX_CIDRS];
	struct nladdr_route link = { .dst = cfg->startclntaddr, .keep_existing = true };
	char txt[IP_PREFIX_STRLEN];
	double t0 = mono_s();
	int n = ip_range_cidrs(&cfg->startclntaddr.addr, count, cover, IP_RANGE_MAX_CIDRS);
	if (n < 0) {
		fprintf(err, "ikeswarm: tunnel addresses: %s\n", strerror(-n));
		return n;
	}
	for (int i = 0; i < n; i++) {
		int rc = nladdr_route_local_add(nl, &cover[i]);
		if (rc < 0) {
			fprintf(err, "ikeswarm: local route %s: %s\n",
				ip_prefix_format(&cover[i], txt, sizeof(txt)), strerror(-rc));
			return rc;
		}
	}
	ip_prefix_first(&cfg->startclntaddr, &link.dst.addr);
	snprintf(link.dev, sizeof(link.dev), "%s", cfg->bindifname);
	int rc = nladdr_route_add(nl, &link);
	if (rc < 0 && rc != -EEXIST) {
		fprintf(err, "ikeswarm: route %s dev %s: %s\n",
			ip_prefix_format(&link.dst, txt, sizeof(txt)), cfg->bindifname, strerror(-rc));
		return rc;
	}
	wlog_event(&e->log, WLOG_INFO, -1, 0, "addr.mode",
		   "mode=route addresses=%llu local_routes=%d seconds=%.3f%s",
		   (unsigned long long)count, n, mono_s() - t0,
		   cfg->mobike ? " mobike_addr_watch=off" : "");
	return 0;
}

int exec_client_addrs(struct engine *e, struct nladdr *nl, bool flush, FILE *err)
{
	const struct config *cfg = e->cfg;
	const struct ip_prefix *alt = &cfg->mobikealtclntaddr;
	uint64_t count = plan_client_addrs(cfg);
	int rc;
	if (flush && (rc = nladdr_flush(nl, cfg->bindifname, NULL, NULL)) < 0) {
		fprintf(err, "ikeswarm: could not flush %s: %s\n", cfg->bindifname, strerror(-rc));
		return rc;
	}
	if (!ip_addr_is_unset(&cfg->bindifaddr.addr) &&
	    (rc = nladdr_add(nl, cfg->bindifname, &cfg->bindifaddr)) < 0 && rc != -EEXIST) {
		fprintf(err, "ikeswarm: could not put bindifaddr on %s: %s\n", cfg->bindifname,
			strerror(-rc));
		return rc;
	}
	if (plan_clntaddr_route(cfg)) {
		rc = client_routes(e, nl, count, err);
	} else {
		double t0 = mono_s();
		rc = add_range(cfg, nl, &cfg->startclntaddr, 0, count, err);
		if (rc == 0)
			wlog_event(&e->log, WLOG_INFO, -1, 0, "addr.mode",
				   "mode=interface addresses=%llu seconds=%.3f",
				   (unsigned long long)count, mono_s() - t0);
	}
	/* MOBIKE across families: always interface addresses */
	if (rc == 0 && cfg->mobike && !ip_addr_is_unset(&alt->addr))
		rc = add_range(cfg, nl, alt, 0, count, err);
	return rc;
}

int exec_staticroutes(struct engine *e, struct nladdr *nl, FILE *err)
{
	struct conf_route r[CONF_ROUTES_MAX];
	char why[160];
	int n = conf_staticroute_parse(e->cfg->staticroute, r, CONF_ROUTES_MAX, why, sizeof(why));
	if (n < 0) {
		fprintf(err, "ikeswarm: %s\n", why);
		return n;
	}
	for (int i = 0; i < n; i++) {
		struct nladdr_route nr = { .dst = r[i].dst, .via = r[i].via, .table = r[i].table,
					   .metric = r[i].metric };
		snprintf(nr.dev, sizeof(nr.dev), "%s", r[i].dev);
		int rc = nladdr_route_add(nl, &nr);
		if (rc < 0) {
			fprintf(err, "ikeswarm: staticroute %d: %s\n", i + 1, strerror(-rc));
			return rc;
		}
	}
	if (n)
		wlog_event(&e->log, WLOG_INFO, -1, 0, "staticroute.added", "routes=%d", n);
	return 0;
}
