/* The engine's way to the kernel fastpath (installfastpath): one small
 * interface, two backends.  `exec --single` calls kernel/fastpath.h in
 * this process (fpc_direct_open: each request done before the call
 * returns); the multi-process engine queues child.install/rekey/delete/
 * migrate requests (JSON through kernel/child_json.h) and sends them to
 * the kernel process as one child.batch per loop iteration, without
 * blocking (fpc_kproc_open).
 *
 * The engine owns no kernel object: it calls fpc_child_* from the CHILD
 * SA life cycle (task_util.c child_established, ike_sa.c removal,
 * mobike.c move).  Each request's answer comes to fpc_answer() (at once,
 * or when the kernel process's answer arrives): a failure is logged as
 * child.fastpath.fail against its CHILD SA (tunnel, IKE SPI, spi_in,
 * reqid) and counted; a failed install clears the CHILD SA's
 * fp_installed.  A failure never stops IKE.  One queue per worker, sent
 * in order, served in order per reqid: install before rekey before
 * migrate before delete. */
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
struct fpc;
struct nladdr;
struct ip_addr;

/* FPC_PURGE: the kernel-process backend's first request, removing what a
 * dead incarnation of this worker left (its reqids are ours again). */
enum fpc_op { FPC_INSTALL, FPC_REKEY, FPC_DELETE, FPC_MIGRATE, FPC_PURGE, FPC_VIP_ADD,
	      FPC_VIP_DEL };

/* Who a request is for, to match its answer to its CHILD SA. */
struct fpc_note {
	int64_t id;              /* the kernel-process backend's request id */
	uint64_t ike_spi;        /* our IKE SPI (engine->sas key) */
	int tunnel;
	uint32_t spi_in, reqid;
	uint8_t op;              /* enum fpc_op */
};

/* A backend: 0 = taken (its answer goes to fpc_answer(), maybe later),
 * or -errno when it could not even be queued. */
struct fpc_ops {
	int (*install)(struct fpc *f, const struct fpc_note *n, const struct fp_child *c);
	int (*rekey)(struct fpc *f, const struct fpc_note *n, uint32_t old_reqid,
		     const struct fp_child *c);
	int (*del)(struct fpc *f, const struct fpc_note *n);          /* n->reqid */
	int (*migrate)(struct fpc *f, const struct fpc_note *n, const struct fp_endpoints *to);
	void (*close)(struct fpc *f);   /* direct: fp_cleanup; both: free ctx */
	/* A remote-access virtual address (a /32 or /128) on or off ifname:
	 * n->op is FPC_VIP_ADD or FPC_VIP_DEL (worker/ra_cp.h). */
	int (*vip)(struct fpc *f, const struct fpc_note *n, const char *ifname,
		   const struct ip_addr *a);
};

struct fpc {
	const struct fpc_ops *ops;
	void *ctx;
	struct engine *eng;         /* set by the hooks; NULL while closing */
	int worker;
	struct nladdr *nl;          /* direct backend: virtual addresses, or NULL */
	uint32_t reqid_seq;         /* reqids handed out (fp_reqid_make) */
	struct {
		unsigned long reqs, batches, failed;
		unsigned long lost;     /* never answered (timeout, exit) */
	} stats;
};

/* Direct backend in this process and network namespace: probes ESP (0 with
 * why = the probe's one line when this kernel cannot), opens the fastpath
 * and, when flush, empties XFRM and table 330.  1 = ready (*out set), 0 =
 * no ESP here, -errno (why says what). */
int fpc_direct_open(struct fpc **out, bool flush, char *why, size_t whylen);
/* Kernel-process backend (multi-process exec): child.batch requests to
 * the kernel process at url (kernel/kproc.h; it got fastpath.start from
 * the supervisor).  The answers' fd joins the engine's loop at the first
 * request.  worker keeps the reqids of workers apart; the first batch
 * starts with a purge of what an earlier run of this worker index left
 * (a restarted worker reuses its reqids).  0 or -errno. */
int fpc_kproc_open(struct fpc **out, const char *url, int worker);
/* Removes everything installed (fp_cleanup) and frees f; NULL is fine.
 * (Kernel-process backend: sends what is still queued -- the deletes of
 * the SAs just freed -- waiting up to 5 s per batch, then closes; that
 * process removes what is left at its own exit.) */
void fpc_close(struct fpc *f);

/* A fresh nonzero reqid of this worker (kernel/child_sa.h
 * fp_reqid_make: scrambled so the kernel's state hash spreads, and the
 * kernel process can tell the worker from it). */
uint32_t fpc_new_reqid(struct fpc *f);

/* The CHILD SA c of sa (keys k, from an exchange we initiated or not) as
 * the fastpath wants it.  0 or -EINVAL (a selector type it cannot take). */
int fpc_child_build(const struct ikesa *sa, const struct childsa *c,
		    const struct ike_child_keys *k, bool we_initiated, struct fp_child *out);

/* The answer err (0 or -errno) of the request n: logged and counted when
 * it failed (the backends call it). */
void fpc_answer(struct fpc *f, const struct fpc_note *n, int err);

/* Engine hooks; no-ops when e has no fastpath. */
/* c just established (keys k): installed, or replacing the CHILD SA with
 * our SPI rekeys_spi_in (0: none) of the same IKE SA, keeping its reqid. */
void fpc_child_up(struct ikesa *sa, struct childsa *c, const struct ike_child_keys *k,
		  bool we_initiated, uint32_t rekeys_spi_in);
/* c is being freed: its kernel SA goes unless a rekey took it over. */
void fpc_child_gone(struct ikesa *sa, struct childsa *c);
/* sa's CHILD SAs moved to sa->path (MOBIKE). */
void fpc_children_moved(struct ikesa *sa);
/* Remote access: sa's virtual address a goes on (add) or off `virtualipif`,
 * queued in order with the CHILD SA requests (an add before the install
 * whose route takes it as source, a delete after the CHILD SAs' deletes). */
void fpc_vip(struct ikesa *sa, const struct ip_addr *a, bool add);

#endif
