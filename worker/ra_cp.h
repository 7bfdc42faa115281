/* Remote-access tunnels: configuration payloads in IKE_AUTH (RFC 7296
 * 2.19, 3.15).
 *
 * Client (`ikeconf.ratunnel`): the IKE_AUTH request carries CP(CFG_REQUEST)
 * for INTERNAL_IP4_ADDRESS and _DNS (and the IP6 ones when childlist[0]'s
 * ownts has an IPv6 selector) with TSi = the whole address range; the
 * CFG_REPLY's address is the IKE SA's virtual address (kept over IKE
 * rekeys), the TSi of every later CHILD SA, and with installfastpath it
 * goes on `virtualipif` (through the fastpath, before the CHILD SA's
 * install) until the IKE SA goes.
 *
 * Gateway (`poolconf`): a CFG_REQUEST gets the next free address of this
 * worker's pool slice (worker/ra_pool.h) per family asked for, the
 * dnslist, and the peer's TSi narrowed to that address; the address goes
 * back to the pool when the IKE SA is freed.  Pool empty: the CHILD SA is
 * refused with INTERNAL_ADDRESS_FAILURE.  No pool: the CP is ignored.
 *
 * The hooks are called from task_auth.c, task_child.c, task_rekey.c and
 * ike_sa.c; the state is struct ra_vip inside the IKE SA. */
#ifndef IKESWARM_WORKER_RA_CP_H
#define IKESWARM_WORKER_RA_CP_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/ipaddr.h"
#include "proto/ike.h"
#include "worker/ra_pool.h"

struct engine;
struct ikesa;
struct msg_out;

/* An IKE SA's virtual addresses (21 octets: per tunnel memory counts). */
enum { RA_V4 = 1, RA_V6 = 2, RA_POOLED = 4, RA_ON_IF = 8 };
struct ra_vip {
	uint8_t v4[4];
	uint8_t v6[16];
	uint8_t flags;   /* RA_V4/RA_V6: held; RA_POOLED: ours to give back
			  * (gateway); RA_ON_IF: added to virtualipif (client) */
};

/* The gateway's pools, one slice of each configured family per worker. */
struct ra_pools {
	struct ra_pool v4, v6;
	bool has_v4, has_v6;
	uint64_t exhausted;      /* CFG_REQUESTs refused for want of an address */
};

/* The engine's pools for poolconf (made at the first use; NULL when the
 * setup has no pool).  Freed with ra_pools_free(). */
struct ra_pools *ra_pools_get(struct engine *e);
void ra_pools_free(struct ra_pools *p);

/* The held addresses as struct ip_addr (false: that family not held). */
bool ra_vip_v4(const struct ra_vip *v, struct ip_addr *out);
bool ra_vip_v6(const struct ra_vip *v, struct ip_addr *out);
/* "10.200.0.5", "10.200.0.5,2001:db8::5" or "" into buf. */
const char *ra_vip_format(const struct ra_vip *v, char *buf, size_t n);

/* ---- client ---- */
/* ratunnel on this client? */
bool ra_client_on(const struct engine *e);
/* IKE_AUTH request: add CP(CFG_REQUEST) to m and make *tsi the whole
 * range of each family asked for. */
void ra_client_build(struct ikesa *sa, struct msg_out *m, struct ike_ts_list *tsi);
/* IKE_AUTH response: take the CFG_REPLY's addresses.  0, or -ENOENT with
 * sa->why set (no CFG_REPLY, or no address in it). */
int ra_client_take_reply(struct ikesa *sa, const struct ike_msg *m);
/* A later CHILD SA (CREATE_CHILD_SA, not a rekey): *tsi becomes the
 * virtual address(es). */
void ra_client_child_tsi(const struct ikesa *sa, struct ike_ts_list *tsi);

/* A CREATE_CHILD_SA the gateway started (a new CHILD SA or its rekey),
 * which we answer: our side is the virtual address whatever ownts says.
 * 1: out = the selectors of in holding it (out->n 0: none); 0: sa has no
 * virtual address of ours (ts_narrow() decides). */
int ra_client_own_ts(const struct ikesa *sa, const struct ike_ts_list *in,
		     struct ike_ts_list *out);

/* ---- gateway ---- */
/* IKE_AUTH request m: answer its CFG_REQUEST (addresses from the pool,
 * DNS) into out.  0 (answered, or nothing to answer), or -ENOSPC: the
 * pool is empty (logged; the caller refuses the CHILD SA with
 * INTERNAL_ADDRESS_FAILURE). */
int ra_gw_respond(struct ikesa *sa, const struct ike_msg *m, struct msg_out *out);
/* Narrow the peer's selectors (as a responder) to its virtual addresses:
 * each address in a selector of its family becomes a one-address selector
 * with that selector's protocol and ports.  No-op without an address;
 * -ENOENT when no selector holds it (TS_UNACCEPTABLE). */
int ra_narrow_peer_ts(const struct ikesa *sa, struct ike_ts_list *ts);

/* ---- both ---- */
/* IKE rekey: the addresses move from old to the new SA n. */
void ra_rekeyed(struct ikesa *old, struct ikesa *n);
/* sa is being freed: a pooled address goes back, one on virtualipif is
 * removed. */
void ra_sa_gone(struct ikesa *sa);

#endif
