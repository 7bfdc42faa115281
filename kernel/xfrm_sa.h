/* XFRM states (SAs) of a CHILD SA as libnl messages: add, delete, read.
 *
 * A state: ESP, the outer addresses of its direction (out: local ->
 * remote with spi_out; in: remote -> local with spi_in), the CHILD SA's
 * reqid and mode, an all-zero selector (the policies choose the traffic),
 * lifetimes XFRM_INF (IKE rekeys, the kernel does not expire), ESN and the
 * replay window, and XFRMA_ENCAP for ESP in UDP. */
#ifndef IKESWARM_KERNEL_XFRM_SA_H
#define IKESWARM_KERNEL_XFRM_SA_H

#include <stdint.h>

#include <netlink/msg.h>

#include "kernel/child_sa.h"

/* XFRM_MSG_NEWSA for one direction of c (fp_child_check()ed, alg its
 * result).  0 or -ENOMEM/-EMSGSIZE. */
int xfrm_sa_build_add(const struct fp_child *c, const struct xfrm_alg_spec *alg,
		      enum fp_dir dir, struct nl_msg **out);

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
