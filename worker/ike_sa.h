/* An IKE SA and its CHILD SAs as the engine keeps them, and the one
 * function that changes an IKE SA's state: sa_state() checks the
 * transition, logs it and moves the state counters (iked's sa_state).
 *
 * (struct ikesa, not ike_sa: proto/ike.h's struct ike_sa is the SA
 * payload.)  Paths are explicit values, never taken implicitly from the
 * last packet, so MOBIKE can move them: sa->path is where our requests go
 * and where the peer last reached us. */
#ifndef IKESWARM_WORKER_IKE_SA_H
#define IKESWARM_WORKER_IKE_SA_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/ipaddr.h"
#include "proto/crypto.h"
#include "proto/crypto_dh.h"
#include "proto/ike.h"
#include "proto/keys.h"
#include "proto/sk.h"
#include "worker/counters.h"
#include "worker/exchange.h"
#include "worker/ra_cp.h"
#include "worker/timer.h"

struct engine;
struct tunnel;

/* One UDP path: our address/port and the peer's (ports in host order). */
struct ike_path {
	struct ip_addr local, remote;
	uint16_t lport, rport;
};

#define SA_NONCE_LEN 32     /* nonces we send */
#define SA_COOKIE_MAX 64
#define SA_NONCE_CMP 64     /* nonce prefix kept for collision decisions */

/* Key bytes kept only for the control socket's dump/dumpchild (a test tool
 * shows them, as MyIKEv2 does): one allocation per SA, wiped when freed.
 * b holds encr_i, encr_r (ek_len each), then integ_i, integ_r (ak_len
 * each); _i protects initiator->responder traffic. */
struct sa_keycopy {
	uint8_t ek_len, ak_len;
	uint8_t b[];
};

struct childsa {
	struct childsa *next;
	struct ikesa *ike;
	struct timer rekey_timer; /* lifetime - margintime (- jitter) */
	int cfg;                 /* childlist index */
	uint32_t spi_in;         /* ours: the peer sends to it */
	uint32_t spi_out;        /* the peer's */
	struct ike_suite esp;    /* encr, encr_keybits, integ, dh (PFS) */
	bool esn, transport;
	/* First selector of each side as agreed: ours and the peer's (TSi/TSr
	 * depend on who initiated the exchange, these do not). */
	struct ike_ts ts_local, ts_remote;
	/* When more were agreed (childsa_set_ts): how many per side, and the
	 * others: n_ts_local - 1 of ours, then n_ts_remote - 1 of the peer's
	 * (NULL with one per side, the usual case). */
	struct ike_ts *ts_more;
	uint8_t n_ts_local, n_ts_remote;
	uint64_t created_ns;
	bool keyed;              /* child_established() succeeded */
	bool rekeying;           /* our rekey of it is queued or in flight */
	bool replaced;           /* a rekey (ours or the peer's) replaced it */
	/* Simultaneous rekey (RFC 7296 2.8.1): the CHILD SA we made answering
	 * the peer's rekey of this one, and the lower nonce of that exchange. */
	uint32_t collide_spi_in;
	uint8_t collide_min[SA_NONCE_CMP];
	uint8_t collide_min_len;
	/* installfastpath (worker/fastpath_client.h): the kernel SA's reqid
	 * (kept across rekeys) and whether this CHILD SA holds it now. */
	uint32_t reqid;
	bool fp_installed;
	/* Set by the caller of child_established(): which side started the
	 * exchange (KEYMAT order) and the CHILD SA a rekey replaces (our SPI). */
	bool exch_init;
	uint32_t rekeys_spi_in;
	struct sa_keycopy *dump_keys; /* ESP keys for dumpchild, or NULL */
};

/* Initiator tasks waiting for the window (see exchange.h). */
#define SA_TASKQ 8

struct ikesa {
	struct engine *eng;
	struct tunnel *tun;      /* client: its tunnel; gateway: NULL */
	int tunnel;              /* index for logs (-1: none) */
	bool initiator;          /* we are the original initiator (I flag) */
	enum ike_state state;
	uint64_t spi_i, spi_r;   /* header order */
	struct ike_path path;
	bool natt;               /* IKE moved to the NAT-T port */
	bool nat_local, nat_remote; /* NAT-D said: we / the peer are behind NAT */
	bool established_once;
	bool rekeyed;            /* went through REKEYED (for the SA history) */
	uint64_t created_ns;

	struct ike_suite suite;
	/* SK_ei/er/ai/ar live in sk_out/sk_in.  Of the rest only SK_d is
	 * needed once IKE_AUTH is done (CHILD SAs, IKE rekey): the whole key
	 * set (SK_pi/SK_pr sign AUTH) is kept in keys until then. */
	struct ike_sa_keys *keys;
	uint8_t sk_d[IKE_PRF_MAX_LEN];
	uint8_t sk_d_len;
	struct ike_sk *sk_out, *sk_in;

	/* IKE_SA_INIT material, freed once IKE_AUTH is done. */
	struct ike_dh *dh;
	uint16_t dh_group;       /* group of our KE */
	uint8_t *ni, *nr;
	size_t ni_len, nr_len;
	uint8_t *init_req, *init_resp;  /* the IKE_SA_INIT messages, for AUTH */
	size_t init_req_len, init_resp_len;
	uint8_t cookie[SA_COOKIE_MAX];
	uint8_t cookie_len;
	unsigned init_retries;   /* COOKIE / INVALID_KE restarts */
	/* Gateway: our entry in the half-open map (peer's SPIi and path ->
	 * SA), or 0.  The entry stays for the SA's life so that an
	 * IKE_SA_INIT retransmission arriving late (after AUTH) finds the SA
	 * and is dropped instead of opening a duplicate SA with a fresh DH
	 * derivation; half_open_done says it no longer counts as half-open. */
	uint64_t half_open_key;
	bool half_open_done;

	struct exch exch;        /* request in flight, cached response */
	uint8_t taskq[SA_TASKQ]; /* enum task_kind, FIFO */
	int taskq_arg[SA_TASKQ];
	unsigned taskq_n;
	int task_arg;            /* argument of the task in flight */
	struct task_data *td;    /* state of the task in flight (CREATE_CHILD_SA) */

	struct childsa *children;
	unsigned n_children;

	/* Simultaneous IKE rekey (RFC 7296 2.8.2): the new SA we made answering
	 * the peer's rekey while ours was in flight, and the lower nonce of
	 * that exchange; collide_of points back from that SA. */
	struct ikesa *collide_sa, *collide_of;
	uint8_t collide_min[SA_NONCE_CMP];
	uint8_t collide_min_len;

	struct timer dpd_timer;
	struct timer rekey_timer;
	struct timer life_timer; /* half-open timeout; stop deadline */
	struct timer ka_timer;   /* NAT-T keepalives when we are behind a NAT */
	uint64_t last_rx_ns;
	const char *why;         /* why it failed or closed (static text) */
	struct mobike *mob;      /* MOBIKE state (worker/mobike.h), NULL: off */
	struct sa_keycopy *dump_keys; /* SK_e/SK_a for dump (SK_d is sk_d), or NULL */
	char peer_id[64];        /* the peer's IDi/IDr as text, for logs */
	struct ra_vip vip;       /* remote access: virtual address (worker/ra_cp.h) */
};

/* A new SA in state INIT with our SPI (spi, or a random one when 0)
 * entered in the engine's SPI map.  NULL on failure. */
struct ikesa *ikesa_new(struct engine *e, bool initiator, int tunnel,
			const struct ike_path *path, uint64_t spi);
/* A fresh random SPI of ours, not in use (worker index in the top byte). */
uint64_t ikesa_new_spi(const struct engine *e);
/* Leave the map, cancel timers, wipe keys, free.  The state must already
 * be CLOSED (sa_state does the bookkeeping). */
void ikesa_free(struct ikesa *sa);

static inline uint64_t ikesa_our_spi(const struct ikesa *sa)
{
	return sa->initiator ? sa->spi_i : sa->spi_r;
}

/* Move sa to state `to`: checks the transition is allowed (an illegal one
 * is logged as sa.state.bad and refused with -EINVAL), logs
 * "ike.<state>" with `why` (may be NULL), and moves the counters. */
int sa_state(struct ikesa *sa, enum ike_state to, const char *why);
bool sa_state_allowed(enum ike_state from, enum ike_state to);

/* CHILD SAs. */
struct childsa *childsa_add(struct ikesa *sa);
struct childsa *childsa_find_in(struct ikesa *sa, uint32_t spi_in);
struct childsa *childsa_find_out(struct ikesa *sa, uint32_t spi_out);
void childsa_remove(struct ikesa *sa, struct childsa *c);
/* The agreed selectors, ours and the peer's (raw pointers dropped).  Out
 * of memory: only the first of each side is kept. */
void childsa_set_ts(struct childsa *c, const struct ike_ts_list *local,
		    const struct ike_ts_list *remote);
/* One side's agreed selectors as a list (a rekey proposes them again). */
void childsa_ts_list(const struct childsa *c, bool local, struct ike_ts_list *out);

/* Drop the IKE_SA_INIT material (DH, nonces, messages, keys but SK_d). */
void ikesa_drop_init(struct ikesa *sa);
/* Keep SK_d of k (sa->sk_d), the one key an established SA derives from. */
void ikesa_keep_sk_d(struct ikesa *sa, const struct ike_sa_keys *k);
/* Keep a copy of a CHILD SA's ESP keys for dumpchild (NULL on ENOMEM). */
void childsa_keep_keys(struct childsa *c, const struct ike_child_keys *k);
/* Wipe and free a kept key copy; *k becomes NULL. */
void sa_keycopy_free(struct sa_keycopy **k);

/* Store the lower of two nonces (prefix) in out; returns its length. */
uint8_t nonce_min(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
		  uint8_t out[SA_NONCE_CMP]);
/* <0 when nonce a sorts before b (memcmp order, shorter first on a tie). */
int nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* Key of the gateway's half-open map: the peer's SPIi mixed with its
 * address and port (two peers may pick the same SPIi). */
uint64_t half_open_key(uint64_t spi_i, const struct ike_path *from);
/* The SA is no longer half-open (IKE_AUTH done): it leaves the count
 * (e->n_half_open, the cookie threshold) but keeps its map entry. */
void ikesa_half_open_del(struct ikesa *sa);

/* SPI as the 8 wire octets. */
static inline void spi_bytes(uint64_t spi, uint8_t out[8])
{
	for (int i = 7; i >= 0; i--, spi >>= 8)
		out[i] = (uint8_t)spi;
}

#endif
