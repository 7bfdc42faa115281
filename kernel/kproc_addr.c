/* The kernel process's address and route requests (see kproc.h). */
#include <errno.h>
#include <stdlib.h>

#include "kernel/kproc_int.h"
#include "kernel/nl_addr.h"
#include "lib/ipaddr.h"
#include "lib/msg.h"

#define KPROC_MAX_COUNT (1u << 20) /* addresses per request */

/* addr.add / addr.del: count consecutive addresses from the prefix. */
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
	int n = add ? nladdr_add_batch(k->nl, ifname, p, (size_t)count, rc)
		    : nladdr_del_batch(k->nl, ifname, p, (size_t)count, rc);
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

json_t *kproc_do_route(struct kproc *k, const json_t *m, bool add)
{
	const char *name = add ? "route.add" : "route.del";
	int64_t id = msg_id(m);
	struct ip_prefix p;
	if (ip_prefix_parse(json_string_value(json_object_get(m, "prefix")), true, &p) < 0)
		return kproc_answer_err(id, EINVAL, name);
	/* Only local routes for now: the fastpath's table 330 comes with XFRM. */
	if (!json_is_true(json_object_get(m, "local")))
		return kproc_answer_err(id, EOPNOTSUPP, name);
	int rc = add ? nladdr_route_local_add(k->nl, &p) : nladdr_route_local_del(k->nl, &p);
	return rc < 0 ? kproc_answer_err(id, -rc, name) : msg_reply(id);
}
