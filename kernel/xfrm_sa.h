/* XFRM states (SAs) of a CHILD SA as libnl messages: add, delete, read.
 *
 * A state: ESP, the outer addresses of its direction (out: local ->
 * remote with spi_out; in: remote -> local with spi_in), the CHILD SA's
 * reqid and mode, an all-zero selector (the policies choose the traffic),
 * lifetimes XFRM_INF (IKE rekeys, the kernel does not expire), ESN and the
 * replay window, and XFRMA_ENCAP for ESP in UDP. */
#ifndef IKESWARM_KERNEL_XFRM_SA_H
#define IKESWARM_KERNEL_XFRM_SA_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/xfrm.h>
#include <netlink/msg.h>

#include "kernel/child_sa.h"

/* XFRM_MSG_NEWSA for one direction of c (fp_child_check()ed, alg its
 * result).  0 or -ENOMEM/-EMSGSIZE. */
int xfrm_sa_build_add(const struct fp_child *c, const struct xfrm_alg_spec *alg,
		      enum fp_dir dir, struct nl_msg **out);

/* What a state carries across a delete + re-add (a MOBIKE move that
 * XFRM_MSG_MIGRATE cannot express): its replay state exactly as the
 * kernel reports it (XFRMA_REPLAY_ESN_VAL with its bitmap, or the legacy
 * XFRMA_REPLAY_VAL) and its lifetime counters (XFRMA_LTIME_VAL).  Added
 * back, the outbound sequence numbers go on where they were and the
 * inbound replay window still refuses what it refused. */
#define XFRM_SA_REPLAY_MAX (sizeof(struct xfrm_replay_state_esn) + 4096 / 8)
struct xfrm_sa_carry {
	uint16_t replay_type;  /* XFRMA_REPLAY_ESN_VAL or XFRMA_REPLAY_VAL; 0 = none read */
	uint16_t replay_len;   /* octets of replay */
	uint8_t replay[XFRM_SA_REPLAY_MAX];
	struct xfrm_lifetime_cur lft;
};

/* The same NEWSA carrying `carry` (NULL: a fresh state, as above). */
int xfrm_sa_build_readd(const struct fp_child *c, const struct xfrm_alg_spec *alg,
			enum fp_dir dir, const struct xfrm_sa_carry *carry, struct nl_msg **out);

/* XFRM_MSG_GETAE of the ESP state (dst, spi): its replay state and
 * lifetime counters without its keys; the answer (XFRM_MSG_NEWAE) parsed
 * into carry.  0 or -ENOMEM / -EBADMSG. */
int xfrm_sa_build_getae(const struct ip_addr *dst, uint32_t spi, struct nl_msg **out);
int xfrm_sa_parse_ae(const struct nlmsghdr *h, struct xfrm_sa_carry *carry);
/* Sent and highest received sequence number in carry (64 bits with ESN). */
void xfrm_sa_carry_seq(const struct xfrm_sa_carry *carry, uint64_t *oseq, uint64_t *seq);

/* XFRM_MSG_DELSA / XFRM_MSG_GETSA of the ESP state (dst, spi). */
int xfrm_sa_build_del(const struct ip_addr *dst, uint32_t spi, struct nl_msg **out);
int xfrm_sa_build_get(const struct ip_addr *dst, uint32_t spi, struct nl_msg **out);

/* XFRM_MSG_FLUSHSA (every state of every protocol). */
int xfrm_sa_build_flush(struct nl_msg **out);

/* What a GETSA answer says about one state. */
struct xfrm_sa_info {
	struct ip_addr src, dst;
	uint32_t spi, reqid;
	uint8_t mode;
	uint16_t encap_sport, encap_dport; /* 0 without ESP in UDP */
	uint64_t bytes, packets;           /* lifetime current */
	uint64_t oseq, seq;                /* replay: sent / highest received
					    * (64 bits with ESN) */
	uint32_t replay_window;
};

/* Parses an XFRM_MSG_NEWSA message (a GETSA answer).  0 or -EBADMSG. */
int xfrm_sa_parse(const struct nlmsghdr *h, struct xfrm_sa_info *out);

#endif
