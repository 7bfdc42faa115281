/* The engine's way to the kernel fastpath (installfastpath): one small
 * interface, two backends.  `exec --single` calls kernel/fastpath.h in
 * this process (fpc_direct_open); the multi-process engine is to send the
 * same four requests (child.install/rekey/delete/migrate, JSON through
 * kernel/child_json.h) to the kernel process behind these same ops.
 *
 * The engine owns no kernel object: it calls fpc_child_* from the CHILD
 * SA life cycle (task_util.c child_established, ike_sa.c removal,
 * mobike.c move) and logs what failed; a failure never stops IKE. */
#ifndef IKESWARM_WORKER_FASTPATH_CLIENT_H
#define IKESWARM_WORKER_FASTPATH_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/child_sa.h"

struct engine;
struct ikesa;
struct childsa;
struct ike_child_keys;

struct fpc_ops {
	int (*install)(void *ctx, const struct fp_child *c);
	int (*rekey)(void *ctx, uint32_t old_reqid, const struct fp_child *c);
	int (*del)(void *ctx, uint32_t reqid);
	int (*migrate)(void *ctx, uint32_t reqid, const struct fp_endpoints *to);
	void (*close)(void *ctx);   /* fp_cleanup and free */
};

struct fpc {
	const struct fpc_ops *ops;
	void *ctx;
	uint32_t reqid_seq;         /* reqids handed out */
	uint32_t reqid_base;        /* keeps workers' reqids apart */
};

/* Direct backend in this process and network namespace: probes ESP (0 with
 * why = the probe's one line when this kernel cannot), opens the fastpath
 * and, when flush, empties XFRM and table 330.  1 = ready (*out set), 0 =
 * no ESP here, -errno (why says what). */
int fpc_direct_open(struct fpc **out, bool flush, char *why, size_t whylen);
/* Kernel-process backend (multi-process exec): child.* requests to the
 * kernel process at url (kernel/kproc.h; it got fastpath.start from the
 * supervisor), one synchronous call each.  worker keeps the reqids of
 * workers apart.  0 or -errno. */
int fpc_kproc_open(struct fpc **out, const char *url, int worker);
/* Removes everything installed (fp_cleanup) and frees f; NULL is fine.
 * (Kernel-process backend: only the connection; that process removes
 * what is left at its own exit.) */
void fpc_close(struct fpc *f);

/* A fresh nonzero reqid, scrambled (counter * odd constant) so the
 * kernel's state hash (daddr ^ saddr ^ reqid) spreads. */
uint32_t fpc_new_reqid(struct fpc *f);

/* The CHILD SA c of sa (keys k, from an exchange we initiated or not) as
 * the fastpath wants it.  0 or -EINVAL (a selector type it cannot take). */
int fpc_child_build(const struct ikesa *sa, const struct childsa *c,
		    const struct ike_child_keys *k, bool we_initiated, struct fp_child *out);

/* Engine hooks; no-ops when e has no fastpath. */
/* c just established (keys k): installed, or replacing the CHILD SA with
 * our SPI rekeys_spi_in (0: none) of the same IKE SA, keeping its reqid. */
void fpc_child_up(struct ikesa *sa, struct childsa *c, const struct ike_child_keys *k,
		  bool we_initiated, uint32_t rekeys_spi_in);
/* c is being freed: its kernel SA goes unless a rekey took it over. */
void fpc_child_gone(struct ikesa *sa, struct childsa *c);
/* sa's CHILD SAs moved to sa->path (MOBIKE). */
void fpc_children_moved(struct ikesa *sa);

#endif
