/* One CHILD SA as the fastpath installs it: the request a worker sends to
 * the kernel process (plain values, so it maps to JSON one field a key).
 *
 * "local" is this host's side: outer addresses are the IKE endpoints, the
 * traffic selectors are the ones negotiated (local = TSi in client role,
 * TSr in gateway role).  SPIs are in host order.  KEYMAT is the CHILD SA's
 * whole key material in RFC 7296 2.17 order (initiator-to-responder keys
 * first, each direction encryption key + salt, then integrity key);
 * `initiator` says which half is ours to send with. */
#ifndef IKESWARM_KERNEL_CHILD_SA_H
#define IKESWARM_KERNEL_CHILD_SA_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/xfrm_alg.h"
#include "lib/ipaddr.h"

#define FP_MAX_TS 8         /* traffic selectors per side */
#define FP_KEYMAT_MAX 256   /* AES-256-CBC + HMAC-SHA-512 needs 192 */

enum fp_mode { FP_TRANSPORT = 0, FP_TUNNEL = 1 }; /* = XFRM_MODE_* */
enum fp_dir { FP_OUT, FP_IN };

/* A traffic selector (RFC 7296 3.13.1): an address range, an IP protocol
 * (0 any) and a port range (0-65535 any). */
struct fp_ts {
	struct ip_addr start, end;
	uint8_t ip_proto;
	uint16_t port_start, port_end;
};

/* Outer addresses; both ports 0 = plain ESP, else ESP in UDP (RFC 3948)
 * from local_port to remote_port (NAT-T and MOBIKE: 4500). */
struct fp_endpoints {
	struct ip_addr local, remote;
	uint16_t local_port, remote_port;
};

struct fp_child {
	uint32_t reqid;          /* nonzero; one CHILD SA per reqid.  The
				  * kernel hashes states by daddr ^ saddr ^
				  * reqid: a reqid counting up with the peer
				  * address piles them into few buckets, so
				  * scramble it (counter * odd constant) */
	bool initiator;          /* we were the initiator of the exchange that
				  * created the SA (the KEYMAT order) */
	uint8_t mode;            /* enum fp_mode */
	struct fp_endpoints ep;
	uint32_t spi_in, spi_out;
	uint16_t encr_id;        /* IKE_ENCR_* */
	uint16_t encr_keybits;   /* the Key Length attribute, 0 if none */
	uint16_t integ_id;       /* IKE_INTEG_*, IKE_INTEG_NONE for AEAD */
	bool esn;
	uint32_t replay_window;  /* packets (`replaywindowsize`), 0 = off */
	uint32_t priority;       /* policy priority; 0 = from the selectors */
	uint8_t n_local_ts, n_remote_ts;
	struct fp_ts local_ts[FP_MAX_TS], remote_ts[FP_MAX_TS];
	uint16_t keymat_len;
	uint8_t keymat[FP_KEYMAT_MAX];
};

/* The engine's reqids: (worker << 24 | seq) times an odd constant
 * (scrambled for the state hash, see fp_child.reqid; invertible, so the
 * kernel process can tell whose a reqid is and remove what a dead worker
 * left).  worker is taken modulo 256, seq modulo 2^24. */
#define FP_REQID_MUL 0x9e3779b1u
#define FP_REQID_INV 0x0e8b2f51u /* FP_REQID_MUL * FP_REQID_INV = 1 mod 2^32 */

static inline uint32_t fp_reqid_make(unsigned worker, uint32_t seq)
{
	return (((uint32_t)(worker & 0xff) << 24) | (seq & 0xffffff)) * FP_REQID_MUL;
}

static inline unsigned fp_reqid_worker(uint32_t reqid)
{
	return (reqid * FP_REQID_INV) >> 24;
}

/* Checks c and looks its algorithms up.  0 or -EINVAL/-ENOTSUP. */
int fp_child_check(const struct fp_child *c, struct xfrm_alg_spec *alg);

/* This direction's keys inside c->keymat (after fp_child_check). */
const uint8_t *fp_child_keys(const struct fp_child *c, const struct xfrm_alg_spec *alg,
			     enum fp_dir dir);

/* The smallest prefix covering ts's address range. */
void fp_ts_prefix(const struct fp_ts *ts, struct ip_prefix *out);

#endif
