/* The harness of the worker exchange tests: a client engine C and a
 * gateway engine G in one process, no sockets.  Each side captures what its
 * engine sends (cap_send); the test hands packets across and advances the
 * clock.  Shared by test_worker_exchange*.c and test_worker_mobike.c; each
 * keeps its own setups and its own delivery (NAT, timers, log). */
#ifndef IKESWARM_TENGINE_H
#define IKESWARM_TENGINE_H

#include <errno.h>
#include <stdio.h>
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

static inline uint16_t msg_exchange(const struct pkt *p)
{
	return p->data[18];
}

#endif
