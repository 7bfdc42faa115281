/* Inside the kernel process: its state and the request handlers, one
 * file per kind (kproc_addr.c: addresses and routes; kproc_child.c: the
 * fastpath).  Each handler takes the decoded request and returns the
 * answer to send (NULL only when out of memory). */
#ifndef IKESWARM_KERNEL_KPROC_INT_H
#define IKESWARM_KERNEL_KPROC_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <nng/nng.h>

struct nladdr;
struct fastpath;
struct kproc_vip;

struct kproc {
	nng_socket sock;
	struct nladdr *nl;
	struct fastpath *fp;       /* after fastpath.start (installfastpath) */
	unsigned long served, failed;
	/* child.batch requests per kind (install, rekey, migrate, delete):
	 * the fastpath's work, printed by kproc_child_report() */
	struct kproc_child_stats {
		unsigned long reqs, failed, calls;
		uint64_t first_ns, last_ns; /* monotonic: first call's start, last's end */
		uint64_t busy_ns;           /* inside the fp_* calls */
	} child[4];
	/* remote-access virtual addresses added by child.batch addr.add, with
	 * the worker that asked (a restarted worker's purge removes them) */
	struct kproc_vip *vips;
	size_t n_vips, cap_vips;
	unsigned long child_batches;
	uint64_t child_serve_ns;    /* in the child.batch handler: decode, fp_*, answer */
};

/* Requests in one child.batch (its answer stays far below MSG_MAX_SIZE). */
#define KPROC_BATCH_MAX 4096

/* An error answer "what: strerror(err)" with "errno": err. */
json_t *kproc_answer_err(int64_t id, int err, const char *what);

json_t *kproc_do_addr(struct kproc *k, const json_t *m, bool add);
/* child.batch's {"op": "addr.add"|"addr.del", "ifname", "prefix"}: one
 * remote-access virtual address (recorded: removed at exit).  0 or -errno;
 * an add of an address already there or a delete of one absent is 0.
 * With "worker": W the address is recorded for kproc_vip_purge(). */
int kproc_vip_op(struct kproc *k, const json_t *r, bool add);
/* Remove the virtual addresses worker w added (its purge); how many. */
size_t kproc_vip_purge(struct kproc *k, unsigned w);
/* Forget the record (at exit: nladdr_cleanup removes the addresses). */
void kproc_vip_free(struct kproc *k);
json_t *kproc_do_addr_flush(struct kproc *k, const json_t *m);
json_t *kproc_do_route(struct kproc *k, const json_t *m, bool add);
json_t *kproc_do_fastpath_start(struct kproc *k, const json_t *m);
json_t *kproc_do_child(struct kproc *k, const json_t *m, const char *name);
/* child.batch (kproc_batch.c): in order per reqid, one fp_* call per kind. */
json_t *kproc_do_child_batch(struct kproc *k, const json_t *m);
/* One line on f with the child.* counters and rate (at exit). */
void kproc_child_report(const struct kproc *k, FILE *f);

#endif
