/* The tunnel engine of one worker: its IKE SAs, timers, counters and log.
 * No globals: a struct engine per worker, and two engines can live in one
 * process (the exchange tests hand messages from one to the other).
 *
 * The engine never touches sockets itself: it sends through engine_io and
 * is fed with engine_input(); engine_exec() wires it to worker/udp.h and
 * worker/loop.h for `ikeswarm exec`. */
#ifndef IKESWARM_WORKER_ENGINE_H
#define IKESWARM_WORKER_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "conf/config.h"
#include "proto/crypto.h"
#include "worker/counters.h"
#include "worker/history.h"
#include "worker/ike_sa.h"
#include "worker/keylog.h"
#include "worker/log.h"
#include "worker/spi_map.h"
#include "worker/timer.h"

struct loop;
struct fpc;

struct engine_io {
	/* Send one IKE message (from the IKE header on) along path. 0/-errno. */
	int (*send)(void *ctx, const struct ike_path *path, const uint8_t *pkt, size_t len);
	/* A NAT-T keepalive (one 0xFF octet) along path; may be NULL. */
	int (*keepalive)(void *ctx, const struct ike_path *path);
	void *ctx;
};

/* A client tunnel: tunnel index i owns its address for the whole run. */
struct tunnel {
	struct engine *eng;
	int idx;
	struct ip_addr addr;     /* our address (conf plan) */
	struct timer retry_timer;
	int attempts;            /* IKE SAs started */
	bool created;            /* established at least once */
	bool failed;             /* gave up */
	struct ikesa *sa;        /* current IKE SA, or NULL */
};

struct engine {
	const struct config *cfg;
	int worker;
	struct ike_crypto *crypto;
	struct wlog log;
	struct keylog keylog;
	struct counters cnt;
	struct engine_io io;

	struct loop *loop;           /* NULL in tests: time is now_ns */
	struct timer_heap *timers;
	uint64_t now_ns;             /* tests set it; engine_now() reads */

	struct spi_map sas;          /* our IKE SPI -> struct ikesa */
	struct spi_map half_open;    /* gateway: peer's SPIi -> ikesa (until AUTH) */
	struct spi_map by_peer_id;   /* hash of the peer's ID -> its newest IKE SA */
	uint64_t n_half_open;

	uint8_t cookie_secret[32];
	uint8_t cookie_ver;
	uint64_t cookie_rotated_ns;

	/* client */
	struct tunnel *tunnels;
	int n_tunnels;
	int next_start;              /* next tunnel the setup timer starts */
	struct timer setup_timer;
	uint64_t setup_due_ns;       /* when tunnel next_start is due */
	uint64_t setup_step_ns;      /* between two starts here (0: setupinterval) */
	uint64_t setup_offset_ns;    /* this worker's first start after engine_start */
	/* setupinterval 0: at most setup_window tunnels of this worker in
	 * IKE_SA_INIT or IKE_AUTH at once (ENGINE_SETUP_WINDOW; tests set
	 * it); setup_blocked while the window is full (sa_state reopens). */
	uint32_t setup_window;
	bool setup_blocked;

	struct timer run_timer;      /* runningtime */
	struct timer stop_timer;     /* graceful stop deadline */
	bool stopping;
	bool stop_pumping;           /* inside stop_pump(): no re-entry */
	uint64_t *stop_spis;         /* graceful stop: our SPIs of the SAs to DELETE */
	uint32_t stop_n, stop_next;  /* how many, and the next one to start */
	bool done;                   /* engine_exec: leave the loop */

	uint64_t t_start_ns, t_first_ns, t_last_created_ns;
	int gw_seq;                  /* gateway: index given to the next peer */
	struct engine_scratch *scratch;
	struct fpc *fp;              /* installfastpath, else NULL (not owned) */
	uint32_t mobike_gw_gone;     /* gateway: bit k set while its address k is gone */
	struct sa_hist ike_hist, child_hist; /* keep*history (worker/history.h) */
	bool test_fail_child_keys;   /* tests only: CHILD SA key derivation fails */
	struct ra_pools *pools;      /* gateway: poolconf slices (worker/ra_cp.h), or NULL */
	unsigned nworkers;           /* workers of the run (engine_set_pacing; 0: 1) */
};

/* cfg must outlive the engine.  heap: the timer heap to use (a loop's, or
 * a test's own); loop may be NULL (tests).  0 or -errno. */
int engine_init(struct engine *e, const struct config *cfg, int worker,
		const struct engine_io *io, struct timer_heap *heap, struct loop *loop,
		FILE *log, int loglevel);
/* Frees every SA without sending anything. */
void engine_fini(struct engine *e);

uint64_t engine_now(const struct engine *e);
int engine_timer_in(struct engine *e, struct timer *t, uint64_t delay_ns);
void engine_timer_cancel(struct engine *e, struct timer *t);

/* Client: start the setup timer (tunnels every setupinterval) and the
 * run timer.  Gateway: only the run timer. */
int engine_start(struct engine *e);
/* Several workers share the client's setup rate: with nworkers of them,
 * each starts its tunnels every nworkers * setupinterval, worker w first
 * at w * setupinterval, so that together they start one tunnel every
 * setupinterval as the setup asks.  Call before engine_start(). */
void engine_set_pacing(struct engine *e, unsigned nworkers);
/* Client: own only tunnels [first, first + count) of the setup (a worker's
 * slice, conf plan_worker_slice()); "configured" becomes count.  Call after
 * engine_init(), before engine_start().  0 or -EINVAL / -ENOMEM. */
int engine_set_slice(struct engine *e, int first, int count);
/* With setupinterval 0 a client starts tunnels as fast as the gateway
 * answers, not all at once: a burst of a whole share overran the
 * gateway's socket (100,000 unpaced tunnels: 182,229 retransmits) and
 * made every client key before the first answer freed one for reuse.
 * 512 per worker is far more than the round trip needs and, with 2
 * client workers, well inside a gateway socket's 4 MB buffer. */
#define ENGINE_SETUP_WINDOW 512
/* An SA of this engine left IKE_SA_INIT / IKE_AUTH (ike_sa.c sa_state):
 * the setup timer runs again if the window had stopped it.  O(1). */
void engine_setup_window_open(struct engine *e);
/* Client: start the tunnel at position idx of this engine's slice (the
 * setup's tunnel idx unless engine_set_slice() was called) now (tests). */
int engine_start_tunnel(struct engine *e, int idx);

/* One IKE message received on path (after any non-ESP marker). */
void engine_input(struct engine *e, const struct ike_path *path, const uint8_t *pkt,
		  size_t len);

/* Graceful stop: DELETE every IKE SA, then done (bounded by a timer). */
void engine_stop(struct engine *e);

/* Hooks from the SA code. */
void engine_sa_established(struct engine *e, struct ikesa *sa);
void engine_sa_closed(struct engine *e, struct ikesa *sa, bool failed);
/* Send bytes along a path (counts errors). */
int engine_send(struct engine *e, const struct ike_path *p, const uint8_t *pkt, size_t len);
/* Fail and close an SA now (no message), with a reason. */
void engine_sa_fail(struct ikesa *sa, const char *why);

/* SA timers (ike_sa.c arms nothing itself; the engine decides). */
void engine_on_dpd_timer(struct ikesa *sa);
void engine_on_rekey_timer(struct ikesa *sa);
void engine_on_life_timer(struct ikesa *sa);
void engine_on_keepalive_timer(struct ikesa *sa);
void engine_on_child_rekey_timer(struct ikesa *sa, struct childsa *c);
/* Delay before rekeying an SA of `lifetime` (0: never). */
uint64_t engine_rekey_delay(const struct engine *e, uint64_t lifetime, bool initiator);
/* A CHILD SA was created: arm its rekey timer. */
void engine_child_armed(struct ikesa *sa, struct childsa *c);

/* INITIAL_CONTACT (RFC 7296 2.4): sa is the newest IKE SA of its peer
 * ID; with initial_contact, older IKE SAs of that ID are closed. */
void engine_peer_id_seen(struct engine *e, struct ikesa *sa, bool initial_contact);
void engine_peer_id_forget(struct engine *e, struct ikesa *sa);

/* Put the result together (see result.h). */
struct run_result;
void engine_result(const struct engine *e, struct run_result *r);

/* `ikeswarm exec`: run cfg in this process (one worker) until runningtime
 * or SIGINT/SIGTERM; print the summary (json: -j) on stdout; returns the
 * exit code.  keylog_path may be NULL. */
struct engine_exec_opts {
	bool json;
	const char *keylog_path;
	const char *log_path;   /* NULL: stdout */
	bool flush;             /* client: empty bindifname first (put back at
				   exit); installfastpath: XFRM/table 330 */
};
int engine_exec(const struct config *cfg, const struct engine_exec_opts *o);

#endif
