/* Counters per IKE SA state, as MyIKEv2's summary shows them, plus the
 * run totals.  The state gauges are moved only by sa_state() (ike_sa.c). */
#ifndef IKESWARM_WORKER_COUNTERS_H
#define IKESWARM_WORKER_COUNTERS_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

/* IKE SA states; the names are the counter names of the summary and JSON. */
enum ike_state {
	IKE_S_INIT,           /* IKE_SA_INIT in progress */
	IKE_S_CREATED,        /* IKE_SA_INIT done, IKE_AUTH in progress */
	IKE_S_ESTABLISHED,
	IKE_S_UPDATINGADDR,   /* MOBIKE update in progress */
	IKE_S_REKEYING,       /* IKE SA rekey in progress */
	IKE_S_REKEYED,        /* replaced by a rekey, waiting for its delete */
	IKE_S_CLOSING,        /* DELETE sent */
	IKE_S_CLOSED,         /* terminal: the SA is freed right after */
	IKE_S_DPD,            /* liveness check in progress */
	IKE_S_CHILD_REKEYING, /* a CHILD SA rekey in progress */
	IKE_S_COUNT
};

const char *ike_state_name(enum ike_state s);

/* Why an incoming IKE message was dropped: one reason per drop site, so
 * the stats and the result say why without debug logging.  The names
 * (drop_reason_name) are an interface: harnesses scrape them; documented
 * in ikeswarm-control(7).  Append new reasons; never rename. */
enum drop_reason {
	DROP_MALFORMED,           /* header, length or payloads do not parse */
	DROP_UNKNOWN_SPI,         /* no IKE SA of ours has that SPI */
	DROP_UNEXPECTED_RESPONSE, /* a response to no request in flight */
	DROP_DECRYPT_FAILED,      /* SK/SKF payload: integrity, decryption, inner parse */
	DROP_MSGID_WINDOW,        /* request outside the message ID window */
	DROP_NOT_ACCEPTED,        /* IKE_SA_INIT request: client role or stopping */
	DROP_WRONG_ROLE,          /* IKE_AUTH request to the initiator */
	DROP_UNKNOWN_EXCHANGE,    /* request of an exchange type we do not answer */
	DROP_LATE_INIT,           /* IKE_SA_INIT again after the SA moved on */
	DROP_BAD_INIT,            /* IKE_SA_INIT without SA/KE/Nonce, bad nonce or msgid */
	DROP_UNPROTECTED,         /* no SK payload where one is due (a peer's INVALID_IKE_SPI) */
	DROP_COUNT
};

/* "malformed", "unknown_spi", ... ("?" out of range). */
const char *drop_reason_name(enum drop_reason r);

struct counters {
	uint64_t state[IKE_S_COUNT]; /* IKE SAs now in each state (CLOSED: ever closed) */
	uint64_t total;              /* IKE SAs ever created */
	uint64_t live;               /* IKE SAs existing now (not closed) */
	uint64_t has_child;          /* live IKE SAs with at least one CHILD SA */
	uint64_t configured;         /* numberoftunnels */

	uint64_t tunnels_created;    /* tunnels established at least once */
	uint64_t tunnels_failed;     /* tunnels that gave up (retries exhausted) */
	uint64_t attempts_failed;    /* IKE SAs that failed before established */
	uint64_t ike_established;    /* ESTABLISHED transitions from CREATED */
	uint64_t ike_rekeyed;
	uint64_t child_created;
	uint64_t child_rekeyed;
	uint64_t child_deleted;
	uint64_t retransmits;        /* our requests sent again */
	uint64_t deletes_sent;       /* DELETEs of an IKE SA we sent (first transmissions) */
	uint64_t deletes_acked;      /* ... and the peer answered */
	uint64_t resp_resent;        /* cached responses re-sent */
	uint64_t rx_dropped;         /* packets dropped (bad, unknown, stale): the sum of drops[] */
	uint64_t drops[DROP_COUNT];  /* ... by reason; counted only by counters_drop() */
	uint64_t cookies_sent;
	uint64_t auth_failed;
	uint64_t dpd_sent;
	uint64_t keepalives;         /* NAT-T keepalives sent */
	uint64_t tx_failed;          /* datagrams not sent: refused by the kernel or no room
				      * (worker/udp.h udp_stats tx_err + tx_eagain; IKE
				      * retransmits); set from the socket set at stats time */
	/* MOBIKE (worker/mobike.h); the updatingaddr gauge is in state[]. */
	uint64_t mobike_updates_sent;     /* client: UPDATE_SA_ADDRESSES sent */
	uint64_t mobike_updates_ok;       /* client: acknowledged; gateway: accepted */
	uint64_t mobike_updates_failed;   /* moves given up / refused / COOKIE2 */
	uint64_t mobike_updates_stale;    /* answers overtaken by a newer move */
	uint64_t mobike_probes;           /* gateway: return routability checks */
	uint64_t mobike_cookie2_mismatch;
	uint64_t mobike_peerlist_changes;
	uint64_t mobike_children_moved;   /* CHILD SAs moved to a new path */
	uint64_t mobike_unsupported;      /* IKE SAs whose peer lacks MOBIKE */
	uint64_t mobike_refused;          /* gateway: updates answered UNACCEPTABLE_ADDRESSES */
	uint64_t mobike_lists_sent;       /* address-list INFORMATIONALs sent (4555 3.6) */
	uint64_t mobike_peer_gone;        /* client: moved because the peer dropped its address */
};

/* One incoming message dropped for reason r: the total and its reason. */
static inline void counters_drop(struct counters *c, enum drop_reason r)
{
	c->rx_dropped++;
	c->drops[r]++;
}

/* The stats message between processes carries flat integers: the drops go
 * as "drop_<reason>" keys (every reason, zeros too). */
#define DROP_KEY_PREFIX "drop_"
/* "drop_malformed", ... (NULL out of range). */
const char *drop_reason_key(enum drop_reason r);
/* Puts every drop_<reason> of c into o. */
void counters_drops_put_flat(json_t *o, const struct counters *c);
/* Reads them back from o (missing: 0) into c->drops. */
void counters_drops_get_flat(const json_t *o, struct counters *c);
/* Replaces the drop_<reason> keys of a flat object o by one "drops" object
 * {reason: count} with every reason (missing: 0).  Returns 0 or -ENOMEM. */
int counters_drops_fold(json_t *o);
/* Writes "reason":count,... of every reason into f (no braces). */
void counters_json_drops(const struct counters *c, FILE *f);

/* Writes the gauges and totals as a JSON object body into f (no braces). */
void counters_json_states(const struct counters *c, FILE *f);

#endif
