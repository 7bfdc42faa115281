/* State and drop reason names and the counters' JSON form. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

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

/* Keys of the stats message; the reason's name is the key past the prefix. */
static const char *const drop_keys[DROP_COUNT] = {
	[DROP_MALFORMED] = DROP_KEY_PREFIX "malformed",
	[DROP_UNKNOWN_SPI] = DROP_KEY_PREFIX "unknown_spi",
	[DROP_UNEXPECTED_RESPONSE] = DROP_KEY_PREFIX "unexpected_response",
	[DROP_DECRYPT_FAILED] = DROP_KEY_PREFIX "decrypt_failed",
	[DROP_MSGID_WINDOW] = DROP_KEY_PREFIX "msgid_window",
	[DROP_NOT_ACCEPTED] = DROP_KEY_PREFIX "not_accepted",
	[DROP_WRONG_ROLE] = DROP_KEY_PREFIX "wrong_role",
	[DROP_UNKNOWN_EXCHANGE] = DROP_KEY_PREFIX "unknown_exchange",
	[DROP_LATE_INIT] = DROP_KEY_PREFIX "late_init",
	[DROP_BAD_INIT] = DROP_KEY_PREFIX "bad_init",
	[DROP_UNPROTECTED] = DROP_KEY_PREFIX "unprotected",
};

const char *drop_reason_key(enum drop_reason r)
{
	return (unsigned)r < DROP_COUNT ? drop_keys[r] : NULL;
}

const char *drop_reason_name(enum drop_reason r)
{
	return (unsigned)r < DROP_COUNT ? drop_keys[r] + strlen(DROP_KEY_PREFIX) : "?";
}

void counters_drops_put_flat(json_t *o, const struct counters *c)
{
	for (int r = 0; r < DROP_COUNT; r++)
		json_object_set_new(o, drop_keys[r], json_integer((json_int_t)c->drops[r]));
}

static uint64_t jcount(const json_t *o, const char *k)
{
	json_int_t v = json_integer_value(json_object_get(o, k));
	return v > 0 ? (uint64_t)v : 0;
}

void counters_drops_get_flat(const json_t *o, struct counters *c)
{
	for (int r = 0; r < DROP_COUNT; r++)
		c->drops[r] = jcount(o, drop_keys[r]);
}

int counters_drops_fold(json_t *o)
{
	json_t *d = json_object();
	if (!d)
		return -ENOMEM;
	for (int r = 0; r < DROP_COUNT; r++) {
		json_object_set_new(d, drop_reason_name(r), json_integer((json_int_t)
								  jcount(o, drop_keys[r])));
		json_object_del(o, drop_keys[r]);
	}
	return json_object_set_new(o, "drops", d) == 0 ? 0 : -ENOMEM;
}

void counters_json_drops(const struct counters *c, FILE *f)
{
	for (int r = 0; r < DROP_COUNT; r++)
		fprintf(f, "%s\"%s\":%" PRIu64, r ? "," : "", drop_reason_name(r), c->drops[r]);
}

void counters_json_states(const struct counters *c, FILE *f)
{
	for (int s = 0; s < IKE_S_COUNT; s++)
		fprintf(f, "\"%s\":%" PRIu64 ",", state_names[s], c->state[s]);
	fprintf(f, "\"total\":%" PRIu64 ",\"live\":%" PRIu64 ",\"has_child\":%" PRIu64
		",\"configured\":%" PRIu64,
		c->total, c->live, c->has_child, c->configured);
}
