/* What the supervisor asks of the kernel process before the workers start
 * (see sup.h): the fastpath, the gateway's and each slice's addresses, and
 * their removal when that process died with its own record. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conf/plan.h"
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

/* An addr.add through the kernel process, remembered (a copy of the
 * request) so that the addresses can still be removed if that process dies
 * with its own record (sup_kernel_undo). */
static int kernel_add(struct sup *s, struct kproc_client *kc, json_t *req, char *why,
		      size_t whylen)
{
	json_t *copy = json_deep_copy(req);
	int rc = kproc_call(kc, req, why, whylen);
	if (rc == 0 && copy) {
		if (!s->added)
			s->added = json_array();
		json_array_append(s->added, copy);
	}
	json_decref(copy);
	return rc;
}

/* The kernel process died without removing what it added: a fresh one
 * removes the addresses we asked for, then cleans up after itself. */
void sup_kernel_undo(struct sup *s)
{
	struct kproc_client *kc = NULL;
	size_t i;
	json_t *req;
	char why[160];
	int failed = 0;
	if (!json_array_size(s->added))
		return;
	snprintf(s->kernel_url, sizeof(s->kernel_url), "ipc://%s/kernel2", s->rundir);
	s->kernel_pid = sup_spawn_kernel(s);
	if (s->kernel_pid <= 0 || kproc_client_open(&kc, s->kernel_url, SUP_KERNEL_TIMEOUT_MS) < 0) {
		sup_log(s, LOGL_ERROR, -1, "kernel.cleanup.failed", "why=\"cannot start it again\"");
		return;
	}
	json_array_foreach(s->added, i, req) {
		json_t *del = json_deep_copy(req);
		json_object_set_new(del, "type", json_string("addr.del"));
		if (kproc_call(kc, del, why, sizeof(why)) < 0)
			failed++;
	}
	sup_log(s, failed ? LOGL_ERROR : LOGL_INFO, -1, "kernel.cleanup", "requests=%zu failed=%d",
		json_array_size(s->added), failed);
	kproc_client_close(kc);
}

/* MOBIKE gateway: bindifaddr + 1 ... + mobikeaddrpergw - 1 on bindifname,
 * by the kernel process (bindifaddr itself is the user's). */
int sup_kernel_gw_addrs(struct sup *s, struct kproc_client *kc)
{
	const struct config *cfg = s->cfg;
	unsigned n = plan_gw_addrs(cfg);
	struct ip_prefix p = { .len = cfg->bindifaddr.len };
	char txt[IP_PREFIX_STRLEN], why[120];
	if (n < 2 || plan_gw_addr(cfg, 1, &p.addr) < 0)
		return 0;
	json_t *req = msg_new("addr.add", 0);
	json_object_set_new(req, "ifname", json_string(cfg->bindifname));
	json_object_set_new(req, "prefix", json_string(ip_prefix_format(&p, txt, sizeof(txt))));
	json_object_set_new(req, "count", json_integer((json_int_t)n - 1));
	int rc = kernel_add(s, kc, req, why, sizeof(why));
	if (rc < 0)
		snprintf(s->error, sizeof(s->error), "could not put the gateway addresses on %s: %s",
			 cfg->bindifname, why);
	return rc;
}

/* The client's addresses of worker w's slice, by the kernel process. */
int sup_kernel_slice_addrs(struct sup *s, struct kproc_client *kc, struct sup_worker *w)
{
	const struct config *cfg = s->cfg;
	unsigned k = plan_addrs_per_tunnel(cfg);
	struct ip_prefix p = { .len = cfg->startclntaddr.len };
	char txt[IP_PREFIX_STRLEN], why[120];
	if (!w->count)
		return 0;
	if (ip_addr_add(&cfg->startclntaddr.addr, (uint64_t)w->first * k, &p.addr) < 0)
		return -ERANGE;
	json_t *req = msg_new("addr.add", 0);
	json_object_set_new(req, "ifname", json_string(cfg->bindifname));
	json_object_set_new(req, "prefix", json_string(ip_prefix_format(&p, txt, sizeof(txt))));
	json_object_set_new(req, "count", json_integer((json_int_t)w->count * k));
	int rc = kernel_add(s, kc, req, why, sizeof(why));
	if (rc < 0)
		snprintf(s->error, sizeof(s->error), "could not put the tunnel addresses on %s: %s",
			 cfg->bindifname, why);
	return rc;
}
