/* State names and the counters' JSON form. */
#include <inttypes.h>

#include "worker/counters.h"

static const char *const state_names[IKE_S_COUNT] = {
	[IKE_S_INIT] = "init",
	[IKE_S_CREATED] = "created",
	[IKE_S_ESTABLISHED] = "established",
	[IKE_S_UPDATINGADDR] = "updatingaddr",
	[IKE_S_REKEYING] = "rekeying",
	[IKE_S_REKEYED] = "rekeyed",
	[IKE_S_CLOSING] = "closing",
	[IKE_S_CLOSED] = "closed",
	[IKE_S_DPD] = "dpd",
	[IKE_S_CHILD_REKEYING] = "child_rekeying",
};

const char *ike_state_name(enum ike_state s)
{
	return (unsigned)s < IKE_S_COUNT ? state_names[s] : "?";
}

void counters_json_states(const struct counters *c, FILE *f)
{
	for (int s = 0; s < IKE_S_COUNT; s++)
		fprintf(f, "\"%s\":%" PRIu64 ",", state_names[s], c->state[s]);
	fprintf(f, "\"total\":%" PRIu64 ",\"live\":%" PRIu64 ",\"has_child\":%" PRIu64
		",\"configured\":%" PRIu64,
		c->total, c->live, c->has_child, c->configured);
}
