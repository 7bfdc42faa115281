/* Pipelined netlink requests: many in flight, each answered with its errno.
 *
 * libnl builds the messages; the answers are read here so that each request
 * gets the kernel's own errno (libnl maps them to its NLE_ codes). */
#ifndef IKESWARM_KERNEL_NL_BATCH_H
#define IKESWARM_KERNEL_NL_BATCH_H

#include <stddef.h>

#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#define NLB_WINDOW 64 /* requests in flight before reading answers; the requests
                       * queued together go in one sendmsg */

/* Build request i into *msg (the batch sends and frees it).  0 or -errno
 * (that request then fails with it and is not sent). */
typedef int (*nlb_build_fn)(void *ctx, size_t i, struct nl_msg **msg);

/* A netlink route socket with buffers sized for batches, no libnl sequence
 * check, capped acks.  NULL on failure (errno set). */
struct nl_sock *nlb_socket(void);

/* Send count requests (NLM_F_ACK is added), at most NLB_WINDOW unanswered
 * at a time; err[i] gets 0 or the kernel's -errno.  Returns how many failed,
 * or -errno when the socket itself failed (err[] then holds -EIO or the
 * error for requests left unanswered). */
int nlb_run(struct nl_sock *sk, size_t count, nlb_build_fn build, void *ctx, int *err);

/* One request: 0 or -errno. */
int nlb_one(struct nl_sock *sk, struct nl_msg *msg);

#endif
