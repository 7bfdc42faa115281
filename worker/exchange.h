/* The one exchange/retransmit module (window size 1, RFC 7296 2.1-2.3).
 *
 * Per IKE SA it keeps two records, as strongSwan's task manager does:
 * - our request in flight: its bytes as sent, its message ID, how often it
 *   went out, its retransmit timer (every `retraninterval`, at most
 *   `maxretran` times, then the IKE SA fails);
 * - the peer's last request and our cached response to it: a
 *   retransmitted request (same message ID) gets the cached bytes again,
 *   bit-identical, sent to wherever the retransmission came from.
 *
 * Messages are built here too (header, SK payload, seal) so that tasks
 * only add payloads. */
#ifndef IKESWARM_WORKER_EXCHANGE_H
#define IKESWARM_WORKER_EXCHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"
#include "proto/ike.h"
#include "worker/timer.h"

struct ikesa;
struct ike_path;

/* Largest message we build (MODP-8192 KE is 1 KiB; certificates none). */
#define EXCH_MAX_MSG 8192

struct exch_req {
	bool busy;
	uint8_t exchange;
	uint8_t task;         /* enum task_kind that reads the response */
	uint32_t msgid;
	uint8_t *pkt;         /* as sent, from the IKE header on */
	size_t len;
	unsigned sent;        /* transmissions so far */
	struct timer timer;
};

struct exch_resp {
	bool cached;
	/* pkt is the SA's init_resp (the responder's IKE_SA_INIT response is
	 * kept once for both AUTH and retransmissions): ikesa_drop_init hands
	 * it over, exch_free leaves it to the SA. */
	bool is_init_resp;
	uint32_t msgid;       /* message ID of the request answered */
	uint8_t *pkt;
	size_t len;
};

struct exch {
	uint32_t next_req_msgid;  /* our next request's message ID */
	uint32_t next_peer_msgid; /* the peer request we expect next */
	struct exch_req req;
	struct exch_resp resp;
};

void exch_init(struct ikesa *sa);
void exch_free(struct ikesa *sa);

/* An outgoing message being built into a fixed buffer. */
struct msg_out {
	struct ike_writer w;
	struct ike_builder b;
	bool encrypted;
	uint8_t buf[EXCH_MAX_MSG];
};

/* Start a message on sa: header with our SPIs and flags, message ID (our
 * next one for a request, `msgid` for a response), and the SK payload
 * opened when `encrypted`.  Then add payloads with ike_add_*(&m->b, ...). */
void msg_begin(struct ikesa *sa, struct msg_out *m, uint8_t exchange, bool response,
	       uint32_t msgid, bool encrypted);
/* Close (and seal) the message.  0 or -errno; *pkt and *len point into m. */
int msg_finish(struct ikesa *sa, struct msg_out *m, const uint8_t **pkt, size_t *len);

/* Send a built request as the one in flight; `task` reads the response.
 * Arms the retransmit timer.  0 or -errno. */
int exch_send_request(struct ikesa *sa, uint8_t task, const uint8_t *pkt, size_t len);
/* The response to the request in flight was handled: free it, advance the
 * message ID (unless `again`: IKE_SA_INIT restarted with a COOKIE or a new
 * KE keeps message ID 0). */
void exch_request_done(struct ikesa *sa, bool again);

/* Send our response to the peer's request `msgid` to `to` and cache it. */
int exch_send_response(struct ikesa *sa, uint32_t msgid, const uint8_t *pkt, size_t len,
		       const struct ike_path *to);

/* A request arrived with message ID `msgid`: 1 = it was a retransmission
 * and the cached response went out again to `from`; 0 = new, process it;
 * -1 = neither (stale or out of window): drop. */
int exch_check_request(struct ikesa *sa, uint32_t msgid, const struct ike_path *from);

#endif
