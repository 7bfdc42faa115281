/* Tasks in strongSwan's manner: each feature adds its payloads to the
 * outgoing message and reads its payloads from the incoming one.  The role
 * is chosen by which entry point runs: build_req/process_resp for the
 * initiator of an exchange, the task_*_respond() functions for the
 * responder.  One task is in flight per IKE SA (window size 1); the others
 * wait in the SA's queue (sa_queue_task). */
#ifndef IKESWARM_WORKER_TASK_H
#define IKESWARM_WORKER_TASK_H

#include <stdint.h>

#include "proto/ike.h"
#include "worker/exchange.h"
#include "worker/ike_sa.h"
#include "worker/rand.h"

enum task_kind {
	TASK_NONE,
	TASK_INIT,        /* IKE_SA_INIT: SA, KE, Nonce, NAT-D; COOKIE, INVALID_KE */
	TASK_AUTH,        /* IKE_AUTH: IDi/IDr, AUTH (PSK), first CHILD SA */
	TASK_CHILD,       /* CREATE_CHILD_SA for childlist[arg] */
	TASK_CHILD_REKEY, /* CREATE_CHILD_SA with REKEY_SA (arg: spi_in) */
	TASK_IKE_REKEY,   /* CREATE_CHILD_SA for a new IKE SA */
	TASK_DPD,         /* empty INFORMATIONAL */
	TASK_DELETE,      /* INFORMATIONAL with Delete(IKE) */
	TASK_CHILD_DELETE,/* INFORMATIONAL with Delete(ESP, arg: spi_in) */
	TASK_MOBIKE_UPDATE, /* INFORMATIONAL with UPDATE_SA_ADDRESSES (task_mobike.c) */
	TASK_MOBIKE_CHECK,  /* gateway: return routability check (COOKIE2) */
	TASK_MOBIKE_ADDRLIST, /* our new address list (ADDITIONAL_* / NO_ADDITIONAL_*) */
	TASK_COUNT
};

/* process_resp results besides 0 (done) and -errno (the SA fails). */
#define TASK_AGAIN 1   /* build and send the request again (msgid kept) */

struct task_ops {
	const char *name;
	uint8_t exchange;
	/* Add the request's payloads (msg already begun). */
	int (*build_req)(struct ikesa *sa, struct msg_out *m);
	/* Read the response (decrypted and parsed). */
	int (*process_resp)(struct ikesa *sa, const struct ike_msg *m,
			    const uint8_t *raw, size_t raw_len);
};

extern const struct task_ops task_init_ops, task_auth_ops, task_child_ops,
	task_child_rekey_ops, task_ike_rekey_ops, task_dpd_ops, task_delete_ops,
	task_child_delete_ops, task_mobike_update_ops, task_mobike_check_ops,
	task_mobike_addrlist_ops;

const struct task_ops *task_ops_of(enum task_kind k);

/* Queue a task; start it at once when the window is free.  0 or -ENOSPC. */
int sa_queue_task(struct ikesa *sa, enum task_kind k, int arg);
/* Build and send the request of task k (again, for TASK_AGAIN). */
int task_start(struct ikesa *sa, enum task_kind k);
/* Start the next queued task if none is in flight. */
void sa_kick(struct ikesa *sa);
/* True when kind k is queued or in flight. */
bool sa_task_pending(const struct ikesa *sa, enum task_kind k);

/* Responders: build the response to the request m (already decrypted) into
 * out (begun by the caller).  They may change the SA's state. */
int task_auth_respond(struct ikesa *sa, const struct ike_msg *m, struct msg_out *out);
int task_child_respond(struct ikesa *sa, const struct ike_msg *m, struct msg_out *out);
int task_ike_rekey_respond(struct ikesa *sa, const struct ike_msg *m, struct msg_out *out);
int task_info_respond(struct ikesa *sa, const struct ike_msg *m, struct msg_out *out,
		      bool *close_after);

/* Gateway: an IKE_SA_INIT request with no SA yet (see task_init.c). */
struct engine;
int task_init_respond(struct engine *e, const struct ike_path *from,
		      const struct ike_msg *m, const uint8_t *raw, size_t raw_len);

/* Shared by init/auth/child tasks (task_util.c). */
/* Fill an SA payload with our IKE proposals (one non-AEAD, one AEAD);
 * spi/spi_size: none in IKE_SA_INIT, our new SPI when rekeying. */
int prop_build_ike(const struct engine *e, const uint8_t *spi, uint8_t spi_size,
		   struct ike_sa *out);
/* ESP proposals for childlist[ci] with our inbound SPI; dh != 0 adds it. */
int prop_build_esp(const struct engine *e, int ci, uint32_t spi, uint16_t dh,
		   struct ike_sa *out);
/* Choose from the peer's IKE proposals; NULL-safe.  0 and *suite, or
 * -ENOENT (no proposal chosen).  *chosen gets the proposal number. */
int prop_select_ike(const struct engine *e, const struct ike_sa *peer,
		    struct ike_suite *suite, uint8_t *chosen);
/* Choose an ESP proposal against childlist[ci]; *peer_spi gets its SPI.
 * want_dh: the PFS group we need (0 none).  0 or -ENOENT. */
int prop_select_esp(const struct engine *e, int ci, const struct ike_sa *peer,
		    uint16_t want_dh, struct ike_suite *esp, bool *esn, uint32_t *peer_spi,
		    uint8_t *chosen);
/* One transform-exact proposal echoing what was chosen (responder). */
int prop_build_chosen(uint8_t num, uint8_t protocol, const uint8_t *spi, uint8_t spi_size,
		      const struct ike_suite *s, bool esn, bool with_dh, bool with_prf,
		      struct ike_sa *out);
/* Is group in list l / offered in the peer's proposal number num? */
bool group_listed(uint16_t g, const struct conf_ints *l);
bool prop_group_offered(const struct ike_sa *peer, uint8_t num, uint16_t group);
/* Read the single proposal of a response into a suite. */
int prop_read_reply(const struct ike_sa *sa, struct ike_suite *s, bool *esn,
		    uint8_t *spi, uint8_t *spi_size);

/* Traffic selectors of childlist[ci] for tunnel t (client: advanced by
 * owntsaddrincrease / peertsaddrincrease). */
void ts_for_tunnel(const struct engine *e, int ci, int t, struct ike_ts_list *tsi,
		   struct ike_ts_list *tsr);
/* As responder, narrow the peer's proposal to childlist[ci]'s selectors
 * for tunnel t (-1: none): TSi against peerts, TSr against ownts.
 * 0 or -ENOENT (TS_UNACCEPTABLE). */
int ts_narrow(const struct engine *e, int ci, int t, const struct ike_ts_list *tsi_in,
	      const struct ike_ts_list *tsr_in, struct ike_ts_list *tsi_out,
	      struct ike_ts_list *tsr_out);

/* State of the initiator task in flight that creates SAs (sa->td). */
struct task_data {
	uint32_t spi_in;          /* our new ESP SPI */
	uint64_t new_ike_spi;     /* IKE rekey: our SPI of the new IKE SA */
	int ci;                   /* childlist index */
	uint32_t old_spi_in;      /* CHILD rekey: the SA being replaced */
	struct ike_dh *dh;        /* PFS / IKE rekey KE */
	struct ikesa *new_sa;     /* IKE rekey: the SA being made */
	uint8_t nonce[SA_NONCE_LEN];
};
void task_data_free(struct ikesa *sa);

/* Responder: pick the childlist entry, ESP proposal and narrowed selectors
 * for the request m; on failure *notify says what to answer. */
int child_select(struct ikesa *sa, const struct ike_msg *m, uint16_t want_dh,
		 struct childsa *c, struct ike_ts_list *tsi, struct ike_ts_list *tsr,
		 uint8_t *num, uint16_t *notify);

/* An ESP SPI of ours (> 255, worker index in the top byte), different
 * from the worker's last 2^24 - 1 (task_util.c). */
uint32_t new_esp_spi(const struct engine *e);

/* Finish a CHILD SA after its exchange: keys derived (KEYMAT), counted,
 * logged.  gir may be NULL. */
int child_established(struct ikesa *sa, struct childsa *c, const uint8_t *ni,
		      size_t ni_len, const uint8_t *nr, size_t nr_len, const uint8_t *gir,
		      size_t gir_len);

#endif
