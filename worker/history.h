/* SA history (keepikehistory / keepchildhistory): compact records of IKE
 * and CHILD SAs that were rekeyed or closed, so the control socket's
 * list/listchild/dump/dumpchild still show them.  One ring per kind per
 * engine, HIST_PER_TUNNEL records per configured tunnel (at least
 * HIST_MIN): adding is O(1), the oldest record is overwritten.  No keys
 * are kept, only SPIs, times, algorithms and how the SA ended. */
#ifndef IKESWARM_WORKER_HISTORY_H
#define IKESWARM_WORKER_HISTORY_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/crypto.h"

#define HIST_PER_TUNNEL 8
#define HIST_MIN 64

struct ikesa;
struct childsa;

struct sa_hist_rec {
	uint64_t spi;            /* IKE: our SPI; CHILD: our (inbound) SPI */
	uint64_t spi_peer;       /* IKE: the peer's; CHILD: outbound SPI */
	uint64_t ike_spi;        /* CHILD: our SPI of its IKE SA */
	uint64_t created_ns, ended_ns; /* engine_now() clock */
	struct ike_suite suite;  /* IKE suite, or the ESP one */
	int32_t tunnel;          /* -1: none (gateway) */
	bool rekeyed;            /* replaced by a rekey; else closed */
	bool initiator;          /* IKE: we were the original initiator */
};

struct sa_hist {
	struct sa_hist_rec *rec; /* NULL: history off */
	uint32_t cap, head, n;   /* head: next slot written */
};

/* Allocate a ring of cap records (cap 0: off, nothing kept). */
int sa_hist_init(struct sa_hist *h, uint32_t cap);
void sa_hist_fini(struct sa_hist *h);
/* Records kept for n configured tunnels (0: unknown). */
uint32_t sa_hist_cap(int64_t ntunnels);
void sa_hist_add(struct sa_hist *h, const struct sa_hist_rec *r);
/* The i-th record, oldest first (i < h->n). */
const struct sa_hist_rec *sa_hist_at(const struct sa_hist *h, uint32_t i);

/* Record sa / its CHILD SA c as it goes (no-op when that history is off). */
void hist_ike_gone(struct ikesa *sa);
void hist_child_gone(struct ikesa *sa, const struct childsa *c);

#endif
