/* MOBIKE counters by name (see mobike_stats.h). */
#include <stddef.h>

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
};

const char *const mobike_stat_names[] = {
	"mobike_updates_sent", "mobike_updates_ok", "mobike_updates_failed",
	"mobike_updates_stale", "mobike_probes", "mobike_cookie2_mismatch",
	"mobike_peerlist_changes", "mobike_children_moved", "mobike_unsupported", NULL,
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
