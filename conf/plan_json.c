/* 'ikeswarm exec --verify -j': the plan as one JSON object, for harnesses. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include <jansson.h>

#include "conf/algs.h"
#include "conf/plan.h"

static json_t *addr_json(const struct ip_addr *a)
{
	char buf[IP_ADDR_STRLEN];
	return json_string(ip_addr_format(a, buf, sizeof(buf)));
}

static json_t *algs_json(int xform, const struct conf_algs *l)
{
	json_t *arr = json_array();
	for (unsigned i = 0; i < l->n; i++)
		json_array_append_new(arr, json_string(conf_alg_name(xform, l->a[i])));
	return arr;
}

static json_t *ints_json(const struct conf_ints *l)
{
	json_t *arr = json_array();
	for (unsigned i = 0; i < l->n; i++)
		json_array_append_new(arr, json_integer(l->v[i]));
	return arr;
}

static json_t *ts_json(const struct conf_ts *ts, unsigned n)
{
	json_t *arr = json_array();
	for (unsigned j = 0; j < n; j++)
		json_array_append_new(arr, json_pack("{s:s, s:o, s:o, s:I, s:I, s:I}",
			"type", ts[j].type == TS_V6 ? "v6" : "v4",
			"startaddr", addr_json(&ts[j].startaddr),
			"endaddr", addr_json(&ts[j].endaddr),
			"protocol", (json_int_t)ts[j].protocol,
			"startport", (json_int_t)ts[j].startport,
			"endport", (json_int_t)ts[j].endport));
	return arr;
}

/* MOBIKE across families (mobikealt*addr): address i of alt into *out;
 * false when there is no other family. */
static bool alt_addr(const struct config *c, const struct ip_prefix *alt, uint64_t i,
		     struct ip_addr *out)
{
	return c->mobike && !ip_addr_is_unset(&alt->addr) && ip_addr_add(&alt->addr, i, out) == 0;
}

/* {prefix, first_addr, last_addr, count} of the other family's count
 * addresses, or NULL when there is none. */
static json_t *other_family_json(const struct config *c, const struct ip_prefix *alt,
				 uint64_t count)
{
	char p[IP_PREFIX_STRLEN];
	struct ip_addr first, last;
	if (!count || !alt_addr(c, alt, 0, &first) || !alt_addr(c, alt, count - 1, &last))
		return NULL;
	return json_pack("{s:s, s:o, s:o, s:I}", "prefix", ip_prefix_format(alt, p, sizeof(p)),
			 "first_addr", addr_json(&first), "last_addr", addr_json(&last),
			 "count", (json_int_t)count);
}

/* [{worker, first_tunnel, tunnels, first_addr, last_addr[, alt_first_addr,
 * alt_last_addr]}] for a client. */
static json_t *workers_json(const struct config *c, unsigned workers)
{
	json_t *arr = json_array();
	unsigned per = plan_addrs_per_tunnel(c);
	for (unsigned w = 0; w < workers; w++) {
		unsigned t0, cnt;
		struct ip_addr a, b;
		plan_worker_slice((unsigned)c->numberoftunnels, workers, w, &t0, &cnt);
		json_t *o = json_pack("{s:i, s:i, s:i}", "worker", (int)w, "first_tunnel",
				      (int)t0, "tunnels", (int)cnt);
		if (cnt && plan_tunnel_addr(c, t0, 0, &a) == 0 &&
		    plan_tunnel_addr(c, t0 + cnt - 1, per - 1, &b) == 0) {
			json_object_set_new(o, "first_addr", addr_json(&a));
			json_object_set_new(o, "last_addr", addr_json(&b));
		}
		if (cnt && alt_addr(c, &c->mobikealtclntaddr, (uint64_t)t0 * per, &a) &&
		    alt_addr(c, &c->mobikealtclntaddr, (uint64_t)(t0 + cnt) * per - 1, &b)) {
			json_object_set_new(o, "alt_first_addr", addr_json(&a));
			json_object_set_new(o, "alt_last_addr", addr_json(&b));
		}
		json_array_append_new(arr, o);
	}
	return arr;
}

int plan_print_json(const struct config *c, const char *file, FILE *f)
{
	static const char *const change[] = { "own-only", "peer-only", "both" };
	const struct conf_ike *ike = &c->ikeconf;
	unsigned workers = plan_workers(c);
	struct ip_addr a;
	int rc = -ENOMEM;

	json_t *o = json_pack("{s:s, s:b, s:s, s:I, s:i, s:b}", "setup", file, "valid", 1,
			      "role", c->role == ROLE_CLIENT ? "client" : "gateway",
			      "tunnels", (json_int_t)c->numberoftunnels, "workers", (int)workers,
			      "mobike", c->mobike);
	if (!o)
		return rc;
	if (c->mobike && c->role == ROLE_CLIENT) {
		json_object_set_new(o, "mobike_change",
				    json_string(change[c->mobikechangeaddrtype]));
		json_object_set_new(o, "mobike_ip_lifetime_ms",
				    json_integer((json_int_t)(c->mobikeiplifetime_ns / NS_PER_MS)));
	}
	json_object_set_new(o, "bindifname", json_string(c->bindifname));
	if (c->role == ROLE_CLIENT) {
		json_object_set_new(o, "addrs_per_tunnel",
				    json_integer(plan_addrs_per_tunnel(c)));
		json_object_set_new(o, "addr_mode",
				    json_string(plan_clntaddr_route(c) ? "route" : "interface"));
		json_object_set_new(o, "peeraddr", addr_json(&c->peeraddr));
		json_t *alt = other_family_json(c, &c->mobikealtclntaddr, plan_client_addrs(c));
		if (alt)
			json_object_set_new(o, "other_family", alt);
		json_object_set_new(o, "slices", workers_json(c, workers));
	} else {
		json_t *gw = json_array(), *alt_gw = json_array();
		for (unsigned k = 0; k < plan_gw_addrs(c); k++) {
			if (plan_gw_addr(c, k, &a) == 0)
				json_array_append_new(gw, addr_json(&a));
			if (alt_addr(c, &c->mobikealtgwaddr, k, &a))
				json_array_append_new(alt_gw, addr_json(&a));
		}
		json_object_set_new(o, "addrs", gw);
		json_t *alt = other_family_json(c, &c->mobikealtgwaddr, plan_gw_addrs(c));
		if (alt) {
			json_object_set_new(o, "other_family", alt);
			json_object_set_new(o, "alt_addrs", alt_gw);
		} else {
			json_decref(alt_gw);
		}
	}
	json_object_set_new(o, "ike", json_pack("{s:o, s:o, s:o, s:o, s:I}",
		"encr", algs_json(XFORM_ENCR, &ike->ikeencyptalg),
		"integ", algs_json(XFORM_INTEG, &ike->ikeintegrityalg),
		"prf", algs_json(XFORM_PRF, &ike->ikeprfalg),
		"dh", ints_json(&ike->dhgrpid),
		"lifetime_ms", (json_int_t)(ike->ikelifetime_ns / NS_PER_MS)));
	json_t *children = json_array();
	for (unsigned e = 0; e < ike->n_children; e++) {
		const struct conf_child *ch = &ike->childlist[e];
		json_array_append_new(children, json_pack(
			"{s:s, s:b, s:o, s:o, s:o, s:I, s:o, s:o}",
			"protocol", ch->protocol == CHILD_ESP ? "esp" : "ah",
			"tunnelmode", ch->tunnelmode,
			"encr", algs_json(XFORM_ENCR, &ch->encalg),
			"integ", algs_json(XFORM_INTEG, &ch->integrityalg),
			"pfs", ch->pfsenabled ? ints_json(&ch->pfsgrpid) : json_array(),
			"lifetime_ms", (json_int_t)(ch->lifetime_ns / NS_PER_MS),
			"ownts", ts_json(ch->ownts, ch->n_ownts),
			"peerts", ts_json(ch->peerts, ch->n_peerts)));
	}
	json_object_set_new(o, "children", children);
	char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (text) {
		fprintf(f, "%s\n", text);
		free(text);
		rc = 0;
	}
	json_decref(o);
	return rc;
}
