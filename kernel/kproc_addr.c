/* The kernel process's address and route requests (see kproc.h). */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/kproc_int.h"
#include "kernel/nl_addr.h"
#include "lib/ipaddr.h"
#include "lib/msg.h"

#define KPROC_MAX_COUNT (1u << 20) /* addresses per request */

/* addr.add / addr.del: count consecutive addresses from the prefix;
 * addr.add with put_back true does not record them (not removed at exit). */
json_t *kproc_do_addr(struct kproc *k, const json_t *m, bool add)
{
	const char *name = add ? "addr.add" : "addr.del";
	const char *ifname = json_string_value(json_object_get(m, "ifname"));
	const char *pfx = json_string_value(json_object_get(m, "prefix"));
	const json_t *cv = json_object_get(m, "count");
	json_int_t count = cv ? json_integer_value(cv) : 1;
	int64_t id = msg_id(m);
	struct ip_prefix base;
	if (ip_prefix_parse(pfx, true, &base) < 0)
		return kproc_answer_err(id, EINVAL, name);
	if (count < 1 || count > KPROC_MAX_COUNT)
		return kproc_answer_err(id, ERANGE, name);
	struct ip_prefix *p = calloc((size_t)count, sizeof(*p));
	int *rc = calloc((size_t)count, sizeof(*rc));
	json_t *a = NULL;
	if (!p || !rc) {
		a = kproc_answer_err(id, ENOMEM, name);
		goto out;
	}
	for (json_int_t i = 0; i < count; i++) {
		p[i].len = base.len;
		if (ip_addr_add(&base.addr, (uint64_t)i, &p[i].addr) < 0) {
			a = kproc_answer_err(id, ERANGE, name);
			goto out;
		}
	}
	/* put_back: addresses a dead kernel process had flushed (not ours) */
	int n = !add ? nladdr_del_batch(k->nl, ifname, p, (size_t)count, rc)
		: json_is_true(json_object_get(m, "put_back"))
			? nladdr_put_back(k->nl, ifname, p, (size_t)count, rc)
			: nladdr_add_batch(k->nl, ifname, p, (size_t)count, rc);
	if (n < 0) {
		a = kproc_answer_err(id, -n, name);
		goto out;
	}
	int first_err = 0;
	json_int_t done = 0, existed = 0;
	for (json_int_t i = 0; i < count; i++) {
		if (rc[i] == 0)
			done++;
		else if ((add && rc[i] == -EEXIST) || (!add && rc[i] == -EADDRNOTAVAIL))
			existed++;
		else if (!first_err)
			first_err = -rc[i];
	}
	if (first_err) {
		a = kproc_answer_err(id, first_err, name);
	} else {
		a = msg_reply(id);
		json_object_set_new(a, "done", json_integer(done));
		json_object_set_new(a, add ? "existed" : "absent", json_integer(existed));
	}
out:
	free(p);
	free(rc);
	return a;
}

/* A virtual address and the worker that had it added. */
struct kproc_vip {
	struct ip_prefix p;
	char ifname[IFNAMSIZ];
	uint8_t worker;
};

static void vip_forget(struct kproc *k, size_t i)
{
	k->vips[i] = k->vips[--k->n_vips]; /* order does not matter */
}

/* Record p (added for worker w); out of memory: not recorded (the exit
 * cleanup still removes it). */
static void vip_record(struct kproc *k, const char *ifname, const struct ip_prefix *p,
		       unsigned w)
{
	if (k->n_vips == k->cap_vips) {
		size_t cap = k->cap_vips ? 2 * k->cap_vips : 64;
		struct kproc_vip *v = realloc(k->vips, cap * sizeof(*v));
		if (!v)
			return;
		k->vips = v;
		k->cap_vips = cap;
	}
	struct kproc_vip *e = &k->vips[k->n_vips++];
	e->p = *p;
	snprintf(e->ifname, sizeof(e->ifname), "%s", ifname);
	e->worker = (uint8_t)w;
}

int kproc_vip_op(struct kproc *k, const json_t *r, bool add)
{
	const char *ifname = json_string_value(json_object_get(r, "ifname"));
	const json_t *wv = json_object_get(r, "worker");
	struct ip_prefix p;
	if (!ifname || strlen(ifname) >= IFNAMSIZ ||
	    ip_prefix_parse(json_string_value(json_object_get(r, "prefix")), true, &p) < 0)
		return -EINVAL;
	int rc = add ? nladdr_add(k->nl, ifname, &p) : nladdr_del(k->nl, ifname, &p);
	if (add && rc == 0 && json_is_integer(wv) && json_integer_value(wv) >= 0)
		vip_record(k, ifname, &p, (unsigned)json_integer_value(wv) & 0xff);
	/* O(addresses recorded), as nladdr_del's own search */
	for (size_t i = 0; !add && i < k->n_vips; i++) {
		if (!ip_addr_cmp(&k->vips[i].p.addr, &p.addr) && !strcmp(k->vips[i].ifname, ifname)) {
			vip_forget(k, i);
			break;
		}
	}
	return (add && rc == -EEXIST) || (!add && rc == -EADDRNOTAVAIL) ? 0 : rc;
}

size_t kproc_vip_purge(struct kproc *k, unsigned w)
{
	size_t n = 0;
	for (size_t i = 0; i < k->n_vips;) {
		if (k->vips[i].worker != (w & 0xff)) {
			i++;
			continue;
		}
		nladdr_del(k->nl, k->vips[i].ifname, &k->vips[i].p);
		vip_forget(k, i);
		n++;
	}
	return n;
}

void kproc_vip_free(struct kproc *k)
{
	free(k->vips);
	k->vips = NULL;
	k->n_vips = k->cap_vips = 0;
}

static void flushed_fn(const struct ip_prefix *p, void *arg)
{
	char txt[IP_PREFIX_STRLEN];
	json_array_append_new(arg, json_string(ip_prefix_format(p, txt, sizeof(txt))));
}

/* addr.flush: ifname's addresses go (put back by our cleanup at exit);
 * the answer lists them so the supervisor can put them back too if we die. */
json_t *kproc_do_addr_flush(struct kproc *k, const json_t *m)
{
	const char *ifname = json_string_value(json_object_get(m, "ifname"));
	json_t *removed = json_array();
	int64_t id = msg_id(m);
	if (!removed)
		return kproc_answer_err(id, ENOMEM, "addr.flush");
	int rc = nladdr_flush(k->nl, ifname, flushed_fn, removed);
	if (rc < 0) {
		json_decref(removed);
		return kproc_answer_err(id, -rc, "addr.flush");
	}
	json_t *a = msg_reply(id);
	json_object_set_new(a, "removed", removed);
	return a;
}

/* route.add / route.del: local (table local, on lo: makes the prefix ours)
 * or unicast (prefix via/dev/table/metric: staticroute; replace false keeps
 * a route already there and answers existed: true). */
json_t *kproc_do_route(struct kproc *k, const json_t *m, bool add)
{
	const char *name = add ? "route.add" : "route.del";
	int64_t id = msg_id(m);
	struct nladdr_route r = { 0 };
	const char *via = json_string_value(json_object_get(m, "via"));
	const char *dev = json_string_value(json_object_get(m, "dev"));
	const json_t *table = json_object_get(m, "table"), *metric = json_object_get(m, "metric");
	int rc;
	if (ip_prefix_parse(json_string_value(json_object_get(m, "prefix")), true, &r.dst) < 0)
		return kproc_answer_err(id, EINVAL, name);
	if (json_is_true(json_object_get(m, "local"))) {
		rc = add ? nladdr_route_local_add(k->nl, &r.dst)
			 : nladdr_route_local_del(k->nl, &r.dst);
		return rc < 0 ? kproc_answer_err(id, -rc, name) : msg_reply(id);
	}
	if ((via && ip_addr_parse(via, &r.via) < 0) || (dev && strlen(dev) >= sizeof(r.dev)) ||
	    json_integer_value(table) > UINT32_MAX || json_integer_value(metric) > UINT32_MAX)
		return kproc_answer_err(id, EINVAL, name);
	if (dev)
		snprintf(r.dev, sizeof(r.dev), "%s", dev);
	r.table = (uint32_t)json_integer_value(table);
	r.metric = (uint32_t)json_integer_value(metric);
	r.keep_existing = json_is_false(json_object_get(m, "replace"));
	rc = add ? nladdr_route_add(k->nl, &r) : nladdr_route_del(k->nl, &r);
	if (rc == -EEXIST && r.keep_existing) {
		json_t *a = msg_reply(id);
		json_object_set_new(a, "existed", json_true());
		return a;
	}
	return rc < 0 ? kproc_answer_err(id, -rc, name) : msg_reply(id);
}
