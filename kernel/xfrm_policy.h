/* XFRM policies of a CHILD SA as libnl messages, their migration to new
 * endpoints (MOBIKE), the flush, and the per-socket IKE bypass.
 *
 * Per pair (local TS, remote TS): `out` (local -> remote, template local
 * outer -> remote outer) and `in` + `fwd` (remote -> local, template remote
 * outer -> local outer; fwd only in tunnel mode), ESP, the CHILD SA's reqid
 * and mode.  A selector is the smallest prefix covering each TS's range
 * (as strongSwan does: XFRM selectors are prefixes), its protocol, and a
 * port only when the TS names exactly one (XFRM matches a port or any).
 * The template's SPI is 0: it matches any state with the reqid, so
 * a rekey that keeps the reqid needs no policy change. */
#ifndef IKESWARM_KERNEL_XFRM_POLICY_H
#define IKESWARM_KERNEL_XFRM_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/xfrm.h>
#include <netlink/msg.h>

#include "kernel/child_sa.h"

enum xfrm_policy_op { XP_ADD, XP_UPDATE, XP_DEL };

/* dir: XFRM_POLICY_OUT/IN/FWD (linux/xfrm.h). */
int xfrm_policy_build(const struct fp_child *c, enum xfrm_policy_op op, int dir,
		      const struct fp_ts *lts, const struct fp_ts *rts, struct nl_msg **out);

/* The selector of that policy: with dir, the kernel's key of it (one
 * policy per key; padding zeroed, so it may be hashed and compared as
 * bytes). */
void xfrm_policy_selector(int dir, const struct fp_ts *lts, const struct fp_ts *rts,
			  struct xfrm_selector *sel);

/* XFRM_MSG_MIGRATE of that policy, and of the state its template finds
 * (same reqid and mode, old outer addresses), to the endpoints `to`
 * (the encapsulation too when `to` has ports).  The kernel clones the
 * state with its replay state and counters, then deletes the old one. */
int xfrm_policy_build_migrate(const struct fp_child *c, int dir, const struct fp_ts *lts,
			      const struct fp_ts *rts, const struct fp_endpoints *to,
			      struct nl_msg **out);

/* XFRM_MSG_FLUSHPOLICY (main type; socket policies are not touched). */
int xfrm_policy_build_flush(struct nl_msg **out);

/* The SPD hash thresholds (`ip xfrm policy set hthresh4 LBITS RBITS`): a
 * policy whose local prefix has at least lbits and remote prefix at least
 * rbits bits is hashed by those bits; any other sits in the kernel's
 * inexact lists, scanned on every insert, delete and migrate (10,000 SAs
 * with a /16 local TS: 239 installs/s in UML, 4,660/s once hashed). */
struct xfrm_hthresh {
	uint8_t lbits, rbits;
};

/* XFRM_MSG_NEWSPDINFO setting family's thresholds; XFRM_MSG_GETSPDINFO and
 * its answer (both families: [0] IPv4, [1] IPv6). */
int xfrm_policy_build_hthresh(int family, struct xfrm_hthresh t, struct nl_msg **out);
int xfrm_policy_build_getspd(struct nl_msg **out);
int xfrm_policy_parse_spd(const struct nlmsghdr *h, struct xfrm_hthresh out[2]);

/* The priority c's policies get: c->priority, or one from the selectors
 * (more specific = smaller = wins, as in strongSwan). */
uint32_t xfrm_policy_priority(const struct fp_child *c, const struct fp_ts *lts,
			      const struct fp_ts *rts);

/* IKE never enters a tunnel: per-socket policies that allow everything in
 * and out of fd (an IKE UDP socket of family AF_INET or AF_INET6), as
 * strongSwan does with IP_XFRM_POLICY.  Needs CAP_NET_ADMIN; they go away
 * with the socket.  0 or -errno. */
int xfrm_socket_bypass(int fd, int family);

#endif
