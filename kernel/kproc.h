/* The kernel process: the one process of a run that speaks netlink.
 *
 * It listens with one nng REP socket on a private ipc:// URL and serves
 * requests of the message table's MSG_KERNEL kinds, one at a time (one
 * queue): addr.add / addr.del (count consecutive addresses from a prefix,
 * pipelined as one netlink batch), route.add / route.del (local routes for
 * a prefix).  Every request carries an "id"; the answer echoes it:
 *
 *   -> {"type":"addr.add","id":3,"ifname":"veth0","prefix":"10.98.0.1/16","count":500}
 *   <- {"type":"reply","id":3,"ok":true,"done":500,"existed":0}
 *   <- {"type":"error","id":3,"ok":false,"errno":19,"error":"addr.add: No such device"}
 *
 * At SIGTERM/SIGINT (the supervisor's stop) it removes everything it added
 * and exits 0.  SIGHUP is its parent death signal (PR_SET_PDEATHSIG, set by
 * the supervisor): the same, and it also removes the supervisor's runtime
 * folder (the folder of url), which a killed supervisor could not. */
#ifndef IKESWARM_KERNEL_KPROC_H
#define IKESWARM_KERNEL_KPROC_H

#include <stddef.h>

#include <jansson.h>

/* The process's main: serve url until a stop signal, then clean up.
 * Returns the exit code (0, or 1 when the socket or netlink failed). */
int kproc_main(const char *url);

/* The requester's side (the supervisor): one REQ socket, blocking calls. */
struct kproc_client;
/* Dial url (the kernel process may start listening later).  0 or -errno. */
int kproc_client_open(struct kproc_client **out, const char *url, int timeout_ms);
/* Send req (stolen; its "id" is set here) and wait for its answer.  0, or
 * the answer's -errno (why gets its text), or -ETIMEDOUT / -errno of nng. */
int kproc_call(struct kproc_client *c, json_t *req, char *why, size_t whylen);
/* The same, giving the answer (the caller's; only on success). */
int kproc_call_answer(struct kproc_client *c, json_t *req, json_t **answer, char *why,
		      size_t whylen);
void kproc_client_close(struct kproc_client *c);

#endif
