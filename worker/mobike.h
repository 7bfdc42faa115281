/* MOBIKE (RFC 4555) for one IKE SA: negotiation in IKE_AUTH, address
 * lists, the client's timed moves (UPDATE_SA_ADDRESSES with NAT-D and
 * COOKIE2), the gateway's answer and its return routability check.
 *
 * The state lives in struct mobike, hung on the IKE SA (sa->mob, NULL when
 * MOBIKE is off for that SA).  The engine calls the hooks below from the
 * IKE_AUTH task, the INFORMATIONAL responder, the IKE rekey and the SA's
 * free; everything else (tasks, timer) is inside worker/mobike*.c.
 *
 * Address choice (client, every `mobikeiplifetime`):
 *   own-only   own list (tunnel i's mobikeaddrpertunnel addresses), next
 *              index, cyclic;
 *   peer-only  peer list (see mobike_peers.c), next after the one in use;
 *   both       combinations in own-major order: (o0,p0) (o0,p1) ...
 *              (o0,pP-1) (o1,p0) ... -- the peer changes fastest, the own
 *              address when the peer list wraps. */
#ifndef IKESWARM_WORKER_MOBIKE_H
#define IKESWARM_WORKER_MOBIKE_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/ipaddr.h"
#include "proto/ike.h"
#include "worker/ike_sa.h"
#include "worker/timer.h"

#define MOBIKE_MAX_PEERS 17       /* the peer's address in use + 16 signed */
#define MOBIKE_COOKIE2_LEN 16
#define MOBIKE_MAX_RETRY 3        /* UNACCEPTABLE_ADDRESSES / UNEXPECTED_NAT tries */
#define MOBIKE_BUSY_DELAY_NS (500 * 1000 * 1000ull) /* move postponed while busy */

struct mobike {
	struct ikesa *sa;
	bool peer_supported;      /* the peer sent MOBIKE_SUPPORTED */
	/* The peer's addresses: the one in use first, then those it signed.
	 * A new list replaces it; the address in use always stays. */
	struct ip_addr peers[MOBIKE_MAX_PEERS];
	unsigned n_peers;
	unsigned own_idx;         /* client: index of path.local in the own list */
	uint32_t own_gone;        /* client: bit k set while own address k is deleted */
	bool list_wanted;         /* our address set changed: a list is due (3.6) */
	struct ike_path child_path; /* where the CHILD SAs are (fastpath) */

	/* client: moves */
	struct timer move_timer;
	uint32_t gen;             /* path changes so far */
	uint32_t sent_gen;        /* gen the update in flight was built for */
	bool update_wanted;       /* a move is waiting for the update task */
	struct ike_path ok_path;  /* the last path the peer acknowledged */
	unsigned ok_own_idx;
	unsigned tries;           /* error answers to this move */
	uint8_t cookie2[MOBIKE_COOKIE2_LEN]; /* of our request in flight */
	bool cookie2_out;
	uint8_t natd_dst[20];     /* the peer's last DESTINATION hash (NAT) */
	bool natd_dst_known;

	/* gateway */
	bool any_update;
	uint32_t last_update_msgid;
	uint8_t rr_cookie2[MOBIKE_COOKIE2_LEN];
	bool rr_wanted;           /* return routability check queued/in flight */
	struct timer rr_timer;    /* queues the check once our response is out */
};

/* IKE_AUTH, initiator: add MOBIKE_SUPPORTED and our other addresses (or
 * NO_ADDITIONAL_ADDRESSES) [+ NO_NATS_ALLOWED] when `mobike` is on. */
int mobike_auth_build(struct ikesa *sa, struct msg_out *m);
/* IKE_AUTH response read (the SA is established): peer support, its list;
 * arms the move timer. */
void mobike_auth_done(struct ikesa *sa, const struct ike_msg *m);
/* IKE_AUTH, responder: answer MOBIKE_SUPPORTED when the peer sent it and
 * `mobike` is on, with our other gateway addresses. */
int mobike_auth_respond(struct ikesa *sa, const struct ike_msg *m, struct msg_out *out);

/* An INFORMATIONAL request arrived on `path` (either role): COOKIE2 echo,
 * address lists, and (gateway) UPDATE_SA_ADDRESSES.  Adds to `out`. */
void mobike_info_respond(struct ikesa *sa, const struct ike_msg *m, struct msg_out *out,
			 const struct ike_path *path);

/* NAT mapping changes (RFC 4555 3.8): a client behind a NAT puts NAT-D in
 * its DPD requests; when the peer's DESTINATION hash in the answer changes
 * (the NAT gave us a new address or port), it sends UPDATE_SA_ADDRESSES. */
void mobike_dpd_build(struct ikesa *sa, struct msg_out *m);
void mobike_dpd_done(struct ikesa *sa, const struct ike_msg *m);

/* IKE rekey: the new SA n takes over old's MOBIKE state. */
void mobike_rekeyed(struct ikesa *old, struct ikesa *n);
/* The SA goes away: timers off, state freed. */
void mobike_free(struct ikesa *sa);

/* Client: move now (the timer's work; tests call it). 0, or -EAGAIN when
 * postponed, -ENOTSUP without MOBIKE agreed. */
int mobike_move(struct ikesa *sa);
/* Client: our address in use is gone: move to the next pair with another
 * own address now, whatever the SA is doing.  0, -ENOENT (no other own
 * address), -ENOTSUP. */
int mobike_move_away(struct ikesa *sa);

/* Our own address set changed (an address left the interface or came
 * back): queue an INFORMATIONAL with the new list for the peer (RFC 4555
 * 3.6), either role.  A queued UPDATE_SA_ADDRESSES takes the list along. */
void mobike_list_changed(struct ikesa *sa);
/* Client: the peer's new list lacks the address in use: move to `to` (the
 * address the list came from) now.  0, -ENOTSUP, -ECANCELED. */
int mobike_move_peer_gone(struct ikesa *sa, const struct ip_addr *to);

/* Where the CHILD SAs of sa move to sa->path (both roles).  The fastpath
 * hook: XFRM migrate goes here once the kernel process is wired in. */
void mobike_children_moved(struct ikesa *sa, const struct ike_path *old);

/* Address lists (mobike_peers.c). */
/* Replace the peer list: `in_use` first, then `hdr` (the address the list
 * came from), then the ADDITIONAL_* of m; duplicates dropped.  NULL m (or
 * NO_ADDITIONAL_ADDRESSES) gives the two header addresses only.  Logs
 * mobike.peerlist when it changed; true when it did. */
bool mobike_peers_set(struct ikesa *sa, const struct ip_addr *in_use,
		      const struct ip_addr *hdr, const struct ike_msg *m);
/* True when m carries an address list (ADDITIONAL_* or NO_ADDITIONAL_*). */
bool mobike_msg_has_list(const struct ike_msg *m);
/* The next (own index, peer address) per mobikechangeaddrtype. */
void mobike_next_pair(const struct ikesa *sa, unsigned *own_idx, struct ip_addr *peer);
/* Client: the next pair with another own address (ours in use is gone).
 * 0, or -ENOENT when no other own address is usable. */
int mobike_away_pair(const struct ikesa *sa, unsigned *own_idx, struct ip_addr *peer);
/* Our usable MOBIKE addresses (client: the tunnel's own addresses,
 * gateway: bindifaddr + 0 ... mobikeaddrpergw - 1), those deleted from the
 * interface left out; at most cap.  Returns the count. */
unsigned mobike_own_list(const struct ikesa *sa, struct ip_addr *out, unsigned cap);
/* All our addresses, deleted ones included: K of the main family, then K
 * of the other one with mobikealtclntaddr / mobikealtgwaddr (ikeswarm's
 * IPv4 <-> IPv6 extension).  Address idx of that list: 0 or -errno. */
unsigned mobike_own_count(const struct ikesa *sa);
int mobike_own_addr(const struct ikesa *sa, unsigned idx, struct ip_addr *out);
/* Client: our address for family `family` standing in for index o (the
 * same rank in that family's block, else the next one not deleted).
 * 0 and *out, or -ENOENT. */
int mobike_own_for_family(const struct ikesa *sa, unsigned o, int family, unsigned *out);
/* True when the list m (that came from `hdr`) holds address a: the
 * header address always counts; NO_ADDITIONAL_ADDRESSES holds nothing else. */
bool mobike_list_holds(const struct ike_msg *m, const struct ip_addr *hdr,
		       const struct ip_addr *a);
/* Add ADDITIONAL_IP4/6_ADDRESS for every address of `list` but `skip`,
 * or NO_ADDITIONAL_ADDRESSES when none is left. */
void mobike_add_list(struct ike_builder *b, const struct ip_addr *list, unsigned n,
		     const struct ip_addr *skip);
/* "a,b,c" for logs. */
void mobike_list_text(const struct ip_addr *list, unsigned n, char *out, size_t cap);

#endif
