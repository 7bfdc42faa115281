/* MOBIKE counters by name (see mobike_stats.h). */
#include <stddef.h>

#include "conf/plan.h"
#include "worker/engine.h"
#include "worker/mobike.h"
#include "worker/mobike_stats.h"

static const size_t offs[] = {
	offsetof(struct counters, mobike_updates_sent),
	offsetof(struct counters, mobike_updates_ok),
	offsetof(struct counters, mobike_updates_failed),
	offsetof(struct counters, mobike_updates_stale),
	offsetof(struct counters, mobike_probes),
	offsetof(struct counters, mobike_cookie2_mismatch),
	offsetof(struct counters, mobike_peerlist_changes),
	offsetof(struct counters, mobike_children_moved),
	offsetof(struct counters, mobike_unsupported),
	offsetof(struct counters, mobike_refused),
	offsetof(struct counters, mobike_lists_sent),
	offsetof(struct counters, mobike_peer_gone),
};

const char *const mobike_stat_names[] = {
	"mobike_updates_sent", "mobike_updates_ok", "mobike_updates_failed",
	"mobike_updates_stale", "mobike_probes", "mobike_cookie2_mismatch",
	"mobike_peerlist_changes", "mobike_children_moved", "mobike_unsupported",
	"mobike_refused", "mobike_lists_sent", "mobike_peer_gone", NULL,
};

_Static_assert(sizeof(offs) / sizeof(offs[0]) + 1 ==
	       sizeof(mobike_stat_names) / sizeof(mobike_stat_names[0]), "one name per counter");

void mobike_stats_put(json_t *o, const struct counters *c)
{
	for (unsigned i = 0; mobike_stat_names[i]; i++) {
		uint64_t v = *(const uint64_t *)((const char *)c + offs[i]);
		json_object_set_new(o, mobike_stat_names[i], json_integer((json_int_t)v));
	}
}

void mobike_stats_get(const json_t *o, struct counters *c)
{
	for (unsigned i = 0; mobike_stat_names[i]; i++) {
		json_int_t v = json_integer_value(json_object_get(o, mobike_stat_names[i]));
		*(uint64_t *)((char *)c + offs[i]) = v > 0 ? (uint64_t)v : 0;
	}
}

static json_t *addr_json(const struct ip_addr *a)
{
	char b[IP_ADDR_STRLEN];
	return json_string(ip_addr_format(a, b, sizeof(b)));
}

void mobike_dump_json(json_t *o, const struct ikesa *sa)
{
	const struct mobike *mob = sa->mob;
	if (!mob)
		return;
	json_t *m = json_object(), *own = json_array(), *peer = json_array();
	/* Every own address (both families), deleted ones included. */
	unsigned n = mobike_own_count(sa);
	for (unsigned k = 0; k < n && k < 64; k++) {
		struct ip_addr a;
		if (mobike_own_addr(sa, k, &a) == 0)
			json_array_append_new(own, addr_json(&a));
	}
	for (unsigned i = 0; i < mob->n_peers; i++)
		json_array_append_new(peer, addr_json(&mob->peers[i]));
	json_object_set_new(m, "agreed", json_boolean(mob->peer_supported));
	json_object_set_new(m, "own", addr_json(&sa->path.local));
	json_object_set_new(m, "peer", addr_json(&sa->path.remote));
	json_object_set_new(m, "own_list", own);
	json_object_set_new(m, "peer_list", peer);
	json_object_set_new(m, "updating", json_boolean(sa->state == IKE_S_UPDATINGADDR));
	json_object_set_new(o, "mobike", m);
}
