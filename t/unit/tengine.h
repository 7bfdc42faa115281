/* The harness of the worker exchange tests: a client engine C and a
 * gateway engine G in one process, no sockets.  Each side captures what its
 * engine sends (cap_send); the test hands packets across and advances the
 * clock.  Shared by the test_worker_* engine tests; each keeps its own
 * setups.  Delivery: te_deliver / te_drop / te_pump; te_nat_shift (0: no
 * NAT) makes the client look to the gateway as if behind a NAT that maps
 * its port up by that much. */
#ifndef IKESWARM_TENGINE_H
#define IKESWARM_TENGINE_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "proto/ike.h"
#include "t/unit/tcheck.h"
#include "worker/engine.h"

#define QMAX 64
#define PKTMAX 4096

struct pkt {
	struct ike_path path; /* as the sender saw it */
	uint8_t data[PKTMAX];
	size_t len;
};

struct side {
	struct engine e;
	unsigned keepalives;
	struct config cfg;
	struct timer_heap heap;
	struct pkt q[QMAX];   /* sent, not yet delivered */
	unsigned n;
	unsigned sent;        /* everything ever sent */
};

static struct side C, G;
static uint16_t te_nat_shift; /* 0: no NAT between C and G */

static inline int cap_send(void *ctx, const struct ike_path *p, const uint8_t *pkt, size_t len)
{
	struct side *s = ctx;
	s->sent++;
	if (s->n >= QMAX || len > PKTMAX)
		return -ENOBUFS;
	s->q[s->n].path = *p;
	memcpy(s->q[s->n].data, pkt, len);
	s->q[s->n].len = len;
	s->n++;
	return 0;
}

static inline int cap_keepalive(void *ctx, const struct ike_path *p)
{
	(void)p;
	((struct side *)ctx)->keepalives++;
	return 0;
}

static inline void load(struct side *s, const char *yaml)
{
	struct conf_diag d = { 0 };
	int rc = conf_load_string("test", yaml, strlen(yaml), &s->cfg, &d);
	conf_diag_print(&d, stderr);
	conf_diag_free(&d);
	ck_assert_int_eq(rc, 0);
}

static inline void advance(uint64_t ns)
{
	C.e.now_ns += ns;
	G.e.now_ns += ns;
	timer_run(&C.heap, C.e.now_ns);
	timer_run(&G.heap, G.e.now_ns);
}

/* An engine on s->cfg (loaded), logging to log at level (NULL: no log);
 * its clock starts at 1000 ns. */
static inline void start_side_log(struct side *s, int worker, FILE *log, int level)
{
	struct engine_io io = { .send = cap_send, .keepalive = cap_keepalive, .ctx = s };
	timer_heap_init(&s->heap);
	s->n = s->sent = 0;
	ck_assert_int_eq(engine_init(&s->e, &s->cfg, worker, &io, &s->heap, NULL, log, level), 0);
	s->e.now_ns = 1000;
}

/* The same, logging to stderr when TEST_LOG is set. */
static inline void start_side(struct side *s, int worker)
{
	start_side_log(s, worker, getenv("TEST_LOG") ? stderr : NULL, 5);
}

/* Both sides from their setups, engines made (client worker 1, gateway
 * worker 2), no NAT: the usual Check setup. */
static inline void sides_start(const char *client_yaml, const char *gateway_yaml)
{
	te_nat_shift = 0;
	memset(&C, 0, sizeof(C));
	memset(&G, 0, sizeof(G));
	load(&C, client_yaml);
	load(&G, gateway_yaml);
	start_side(&C, 1);
	start_side(&G, 2);
}

/* Both engines, their timers and configs freed (a Check teardown). */
static inline void sides_fini(void)
{
	engine_fini(&C.e);
	engine_fini(&G.e);
	timer_heap_free(&C.heap);
	timer_heap_free(&G.heap);
	config_free(&C.cfg);
	config_free(&G.cfg);
}


/* Hand packet i of `from` to `to` (the receiver sees the path mirrored,
 * through the NAT when te_nat_shift is set). */
static inline void te_deliver(struct side *from, struct side *to, unsigned i)
{
	struct pkt p = from->q[i];
	memmove(from->q + i, from->q + i + 1, (from->n - i - 1) * sizeof(struct pkt));
	from->n--;
	struct ike_path r = { .local = p.path.remote, .remote = p.path.local,
			      .lport = p.path.rport, .rport = p.path.lport };
	if (te_nat_shift && to == &G)
		r.rport += te_nat_shift;
	if (te_nat_shift && to == &C)
		r.lport -= te_nat_shift;
	engine_input(&to->e, &r, p.data, p.len);
}

/* Lose packet i of `from`. */
static inline void te_drop(struct side *from, unsigned i)
{
	memmove(from->q + i, from->q + i + 1, (from->n - i - 1) * sizeof(struct pkt));
	from->n--;
}

/* Deliver both ways, oldest first, until quiet (at most `guard` rounds). */
static inline void te_pump(int guard)
{
	for (int g = 0; g < guard && (C.n || G.n); g++) {
		if (C.n)
			te_deliver(&C, &G, 0);
		if (G.n)
			te_deliver(&G, &C, 0);
	}
	ck_assert_int_eq(C.n + G.n, 0);
}

static inline uint16_t msg_exchange(const struct pkt *p)
{
	return p->data[18];
}

#endif
