/* Counters per IKE SA state, as MyIKEv2's summary shows them, plus the
 * run totals.  The state gauges are moved only by sa_state() (ike_sa.c). */
#ifndef IKESWARM_WORKER_COUNTERS_H
#define IKESWARM_WORKER_COUNTERS_H

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
	uint64_t rx_dropped;         /* packets dropped (bad, unknown, stale) */
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

/* Writes the gauges and totals as a JSON object body into f (no braces). */
void counters_json_states(const struct counters *c, FILE *f);

#endif
