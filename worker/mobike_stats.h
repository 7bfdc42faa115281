/* MOBIKE counters by name, for the worker -> supervisor stats messages and
 * the merged result (one table, so a new counter is added once). */
#ifndef IKESWARM_WORKER_MOBIKE_STATS_H
#define IKESWARM_WORKER_MOBIKE_STATS_H

#include <jansson.h>

#include "worker/counters.h"
#include "worker/ike_sa.h"

/* NULL-terminated names ("mobike_updates_ok", ...); all cumulative. */
extern const char *const mobike_stat_names[];
/* Put every MOBIKE counter of c into o under its name. */
void mobike_stats_put(json_t *o, const struct counters *c);
/* Read them back from o (missing: 0) into c. */
void mobike_stats_get(const json_t *o, struct counters *c);
/* `dump` of one IKE SA: o gets "mobike": {agreed, own, peer, own_list,
 * peer_list, updating} (nothing when MOBIKE is off for sa). */
void mobike_dump_json(json_t *o, const struct ikesa *sa);

#endif
