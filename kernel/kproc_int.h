/* Inside the kernel process: its state and the request handlers, one
 * file per kind (kproc_addr.c: addresses and routes; kproc_child.c: the
 * fastpath).  Each handler takes the decoded request and returns the
 * answer to send (NULL only when out of memory). */
#ifndef IKESWARM_KERNEL_KPROC_INT_H
#define IKESWARM_KERNEL_KPROC_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <nng/nng.h>

struct nladdr;
struct fastpath;

struct kproc {
	nng_socket sock;
	struct nladdr *nl;
	struct fastpath *fp;       /* after fastpath.start (installfastpath) */
	unsigned long served, failed;
};

/* An error answer "what: strerror(err)" with "errno": err. */
json_t *kproc_answer_err(int64_t id, int err, const char *what);

json_t *kproc_do_addr(struct kproc *k, const json_t *m, bool add);
json_t *kproc_do_route(struct kproc *k, const json_t *m, bool add);
json_t *kproc_do_fastpath_start(struct kproc *k, const json_t *m);
json_t *kproc_do_child(struct kproc *k, const json_t *m, const char *name);

#endif
