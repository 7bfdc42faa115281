/* What the supervisor asks of the kernel process before the workers start
 * (see sup.h): the fastpath; the client's flush of bindifname, bindifaddr,
 * tunnel addresses (on the interface, or local routes covering exactly
 * them) and staticroute; the gateway's addresses and staticroute; and
 * their undoing when that process died with its own record. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "conf/plan.h"
#include "conf/staticroute.h"
#include "kernel/kproc.h"
#include "lib/msg.h"
#include "supervisor/logfile.h"
#include "supervisor/sup.h"

/* installfastpath: the kernel process probes ESP (a kernel without it is
 * refused with one line, before any tunnel), opens the fastpath and
 * flushes unless --flush=false. */
int sup_kernel_fastpath(struct sup *s, struct kproc_client *kc)
{
	char why[200];
	json_t *m = msg_new("fastpath.start", 0);
	if (!m)
		return -ENOMEM;
	json_object_set_new(m, "flush", json_boolean(s->o->flush));
	int rc = kproc_call(kc, m, why, sizeof(why));
	if (rc < 0)
		snprintf(s->error, sizeof(s->error), "installfastpath: %.150s", why);
	return rc;
}

/* A request through the kernel process, remembered (a copy, and for
 * addr.flush what it removed) so that it can still be undone if that
 * process dies with its own record (sup_kernel_undo).  A route.add that
 * kept an existing route (existed) is not ours to undo. */
static int kernel_add(struct sup *s, struct kproc_client *kc, json_t *req, char *why,
		      size_t whylen)
{
	json_t *copy = json_deep_copy(req), *answer = NULL;
	int rc = kproc_call_answer(kc, req, &answer, why, whylen);
	if (rc == 0 && copy && !json_is_true(json_object_get(answer, "existed"))) {
		json_t *removed = json_object_get(answer, "removed");
		if (removed)
			json_object_set(copy, "removed", removed);
		if (!s->added)
			s->added = json_array();
		json_array_append(s->added, copy);
	}
	json_decref(answer);
	json_decref(copy);
	return rc;
}

/* The requests that undo one remembered request, appended to out. */
static void undo_requests(const json_t *req, json_t *out)
{
	const char *type = json_string_value(json_object_get(req, "type"));
	if (!type)
		return;
	if (!strcmp(type, "addr.flush")) {
		size_t i;
		json_t *p;
		json_array_foreach(json_object_get(req, "removed"), i, p) {
			json_t *add = msg_new("addr.add", 0);
			json_object_set(add, "ifname", json_object_get(req, "ifname"));
			json_object_set(add, "prefix", p);
			json_object_set_new(add, "put_back", json_true());
			json_array_append_new(out, add);
		}
		return;
	}
	json_t *del = json_deep_copy(req);
	json_object_set_new(del, "type",
			    json_string(!strcmp(type, "addr.add") ? "addr.del" : "route.del"));
	json_object_del(del, "id");
	json_array_append_new(out, del);
}

/* The kernel process died without removing what it added: a fresh one
 * undoes our requests, newest first (routes, addresses, then the flushed
 * addresses come back), then cleans up after itself. */
void sup_kernel_undo(struct sup *s)
{
	struct kproc_client *kc = NULL;
	json_t *todo, *req;
	size_t i;
	char why[160];
	int failed = 0;
	if (!json_array_size(s->added))
		return;
	todo = json_array();
	for (i = json_array_size(s->added); i-- > 0;)
		undo_requests(json_array_get(s->added, i), todo);
	snprintf(s->kernel_url, sizeof(s->kernel_url), "ipc://%s/kernel2", s->rundir);
	s->kernel_pid = sup_spawn_kernel(s);
	if (s->kernel_pid <= 0 ||
	    kproc_client_open(&kc, s->kernel_url, sup_kernel_timeout_ms()) < 0) {
		sup_log(s, LOGL_ERROR, -1, "kernel.cleanup.failed", "why=\"cannot start it again\"");
		json_decref(todo);
		return;
	}
	json_array_foreach(todo, i, req) {
		if (kproc_call(kc, json_incref(req), why, sizeof(why)) < 0)
			failed++;
	}
	sup_log(s, failed ? LOGL_ERROR : LOGL_INFO, -1, "kernel.cleanup", "requests=%zu failed=%d",
		json_array_size(todo), failed);
	json_decref(todo);
	kproc_client_close(kc);
}

int sup_kernel_timeout_ms(void)
{
	const char *t = getenv("IKESWARM_TEST_KERNEL_TIMEOUT_MS");
	long v = t ? strtol(t, NULL, 10) : 0;
	return v > 0 && v < SUP_KERNEL_TIMEOUT_MS ? (int)v : SUP_KERNEL_TIMEOUT_MS;
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* staticroute: each route through the kernel process (both roles). */
static int kernel_staticroutes(struct sup *s, struct kproc_client *kc)
{
	struct conf_route r[CONF_ROUTES_MAX];
	char txt[IP_PREFIX_STRLEN], why[160];
	int n = conf_staticroute_parse(s->cfg->staticroute, r, CONF_ROUTES_MAX, why, sizeof(why));
	if (n < 0) {
		snprintf(s->error, sizeof(s->error), "%.190s", why);
		return n;
	}
	for (int i = 0; i < n; i++) {
		json_t *req = msg_new("route.add", 0);
		json_object_set_new(req, "prefix",
				    json_string(ip_prefix_format(&r[i].dst, txt, sizeof(txt))));
		if (!ip_addr_is_unset(&r[i].via))
			json_object_set_new(req, "via",
					    json_string(ip_addr_format(&r[i].via, txt, sizeof(txt))));
		if (r[i].dev[0])
			json_object_set_new(req, "dev", json_string(r[i].dev));
		if (r[i].table)
			json_object_set_new(req, "table", json_integer(r[i].table));
		if (r[i].metric)
			json_object_set_new(req, "metric", json_integer(r[i].metric));
		int rc = kernel_add(s, kc, req, why, sizeof(why));
		if (rc < 0) {
			snprintf(s->error, sizeof(s->error), "staticroute %d: %.160s", i + 1, why);
			return rc;
		}
	}
	if (n)
		sup_log(s, LOGL_INFO, -1, "staticroute.added", "routes=%d", n);
	return 0;
}

/* Route mode: local routes covering exactly the tunnel addresses, and the
 * prefix of startclntaddr on bindifname as a link route unless one exists
 * (an address would have brought it: the gateway may be on that link). */
static int client_routes(struct sup *s, struct kproc_client *kc)
{
	const struct config *cfg = s->cfg;
	struct ip_prefix cover[IP_RANGE_MAX_CIDRS], net = cfg->startclntaddr;
	char txt[IP_PREFIX_STRLEN], why[160];
	uint64_t count = plan_client_addrs(cfg);
	double t0 = mono_s();
	int n = ip_range_cidrs(&cfg->startclntaddr.addr, count, cover, IP_RANGE_MAX_CIDRS);
	if (n < 0) {
		snprintf(s->error, sizeof(s->error), "tunnel addresses: %s", strerror(-n));
		return n;
	}
	for (int i = 0; i < n; i++) {
		json_t *req = msg_new("route.add", 0);
		json_object_set_new(req, "prefix",
				    json_string(ip_prefix_format(&cover[i], txt, sizeof(txt))));
		json_object_set_new(req, "local", json_true());
		int rc = kernel_add(s, kc, req, why, sizeof(why));
		if (rc < 0) {
			snprintf(s->error, sizeof(s->error), "local route %s: %.100s", txt, why);
			return rc;
		}
	}
	ip_prefix_first(&cfg->startclntaddr, &net.addr);
	json_t *req = msg_new("route.add", 0);
	json_object_set_new(req, "prefix", json_string(ip_prefix_format(&net, txt, sizeof(txt))));
	json_object_set_new(req, "dev", json_string(cfg->bindifname));
	json_object_set_new(req, "replace", json_false());
	int rc = kernel_add(s, kc, req, why, sizeof(why));
	if (rc < 0) {
		snprintf(s->error, sizeof(s->error), "route %s dev %.16s: %.100s", txt, cfg->bindifname,
			 why);
		return rc;
	}
	sup_log(s, LOGL_INFO, -1, "addr.mode",
		"mode=route addresses=%llu local_routes=%d seconds=%.3f%s",
		(unsigned long long)count, n, mono_s() - t0,
		cfg->mobike ? " mobike_addr_watch=off" : "");
	return 0;
}

/* Client, before the first slice: flush bindifname (unless --flush=false;
 * put back at exit), bindifaddr, the route mode's routes. */
static int client_prologue(struct sup *s, struct kproc_client *kc)
{
	const struct config *cfg = s->cfg;
	char txt[IP_PREFIX_STRLEN], why[160];
	int rc;
	if (s->o->flush) {
		json_t *req = msg_new("addr.flush", 0);
		json_object_set_new(req, "ifname", json_string(cfg->bindifname));
		if ((rc = kernel_add(s, kc, req, why, sizeof(why))) < 0) {
			snprintf(s->error, sizeof(s->error), "could not flush %s: %.150s",
				 cfg->bindifname, why);
			return rc;
		}
	}
	if (!ip_addr_is_unset(&cfg->bindifaddr.addr)) {
		json_t *req = msg_new("addr.add", 0);
		json_object_set_new(req, "ifname", json_string(cfg->bindifname));
		json_object_set_new(req, "prefix",
				    json_string(ip_prefix_format(&cfg->bindifaddr, txt, sizeof(txt))));
		if ((rc = kernel_add(s, kc, req, why, sizeof(why))) < 0) {
			snprintf(s->error, sizeof(s->error), "could not put bindifaddr on %s: %.150s",
				 cfg->bindifname, why);
			return rc;
		}
	}
	if (plan_clntaddr_route(cfg))
		return client_routes(s, kc);
	return 0;
}

/* MOBIKE across families (mobikealtclntaddr / mobikealtgwaddr): count
 * addresses from alt + first on bindifname, always as interface addresses. */
static int alt_addrs(struct sup *s, struct kproc_client *kc, const struct ip_prefix *alt,
		     uint64_t first, uint64_t count)
{
	const struct config *cfg = s->cfg;
	struct ip_prefix p = { .len = alt->len };
	char txt[IP_PREFIX_STRLEN], why[120];
	if (!cfg->mobike || ip_addr_is_unset(&alt->addr))
		return 0;
	if (ip_addr_add(&alt->addr, first, &p.addr) < 0)
		return -ERANGE;
	json_t *req = msg_new("addr.add", 0);
	json_object_set_new(req, "ifname", json_string(cfg->bindifname));
	json_object_set_new(req, "prefix", json_string(ip_prefix_format(&p, txt, sizeof(txt))));
	json_object_set_new(req, "count", json_integer((json_int_t)count));
	int rc = kernel_add(s, kc, req, why, sizeof(why));
	if (rc < 0)
		snprintf(s->error, sizeof(s->error), "could not put the MOBIKE addresses of %s on "
			 "%s: %s", ip_prefix_format(alt, txt, sizeof(txt)), cfg->bindifname, why);
	return rc;
}

/* MOBIKE gateway: bindifaddr + 1 ... + mobikeaddrpergw - 1 on bindifname,
 * by the kernel process (bindifaddr itself is the user's); staticroute. */
int sup_kernel_gw_addrs(struct sup *s, struct kproc_client *kc)
{
	const struct config *cfg = s->cfg;
	unsigned n = plan_gw_addrs(cfg);
	struct ip_prefix p = { .len = cfg->bindifaddr.len };
	char txt[IP_PREFIX_STRLEN], why[120];
	if (n >= 2 && plan_gw_addr(cfg, 1, &p.addr) == 0) {
		json_t *req = msg_new("addr.add", 0);
		json_object_set_new(req, "ifname", json_string(cfg->bindifname));
		json_object_set_new(req, "prefix",
				    json_string(ip_prefix_format(&p, txt, sizeof(txt))));
		json_object_set_new(req, "count", json_integer((json_int_t)n - 1));
		int rc = kernel_add(s, kc, req, why, sizeof(why));
		if (rc < 0) {
			snprintf(s->error, sizeof(s->error),
				 "could not put the gateway addresses on %s: %s", cfg->bindifname,
				 why);
			return rc;
		}
	}
	int rc = alt_addrs(s, kc, &cfg->mobikealtgwaddr, 0, n);
	return rc < 0 ? rc : kernel_staticroutes(s, kc);
}

/* The client's addresses of worker w's slice, by the kernel process; the
 * first slice brings the prologue, and staticroute follows its addresses. */
int sup_kernel_slice_addrs(struct sup *s, struct kproc_client *kc, struct sup_worker *w)
{
	const struct config *cfg = s->cfg;
	unsigned k = plan_addrs_per_tunnel(cfg);
	struct ip_prefix p = { .len = cfg->startclntaddr.len };
	char txt[IP_PREFIX_STRLEN], why[120];
	int rc;
	bool route = plan_clntaddr_route(cfg);
	if (w->idx == 0 && (rc = client_prologue(s, kc)) < 0)
		return rc;
	if (!route && w->count) {
		double t0 = mono_s();
		if (ip_addr_add(&cfg->startclntaddr.addr, (uint64_t)w->first * k, &p.addr) < 0)
			return -ERANGE;
		json_t *req = msg_new("addr.add", 0);
		json_object_set_new(req, "ifname", json_string(cfg->bindifname));
		json_object_set_new(req, "prefix",
				    json_string(ip_prefix_format(&p, txt, sizeof(txt))));
		json_object_set_new(req, "count", json_integer((json_int_t)w->count * k));
		rc = kernel_add(s, kc, req, why, sizeof(why));
		if (rc < 0) {
			snprintf(s->error, sizeof(s->error),
				 "could not put the tunnel addresses on %s: %s", cfg->bindifname,
				 why);
			return rc;
		}
		sup_log(s, LOGL_INFO, w->idx, "addr.mode", "mode=interface addresses=%llu seconds=%.3f",
			(unsigned long long)w->count * k, mono_s() - t0);
	}
	if (w->count && (rc = alt_addrs(s, kc, &cfg->mobikealtclntaddr,
					(uint64_t)w->first * k, (uint64_t)w->count * k)) < 0)
		return rc;
	return w->idx == 0 ? kernel_staticroutes(s, kc) : 0;
}
