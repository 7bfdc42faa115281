/* Packed netlink requests: many messages in one sendmsg, errors by tag.
 *
 * The kernel's netlink_rcv_skb() runs every message of one send in order
 * (XFRM under one xfrm_cfg_mutex hold) and answers a message without
 * NLM_F_ACK only when it fails.  So a pack asks for an acknowledgement on
 * its last message alone: one send and one short read per pack, however
 * many requests it holds, and every failure still comes back with the
 * kernel's errno.  Messages are built with libnl (nl_msg) and copied in. */
#ifndef IKESWARM_KERNEL_NL_PACK_H
#define IKESWARM_KERNEL_NL_PACK_H

#include <stddef.h>
#include <stdint.h>

#include <netlink/msg.h>

#define NLP_BUF (128 << 10) /* octets sent per sendmsg */

struct nl_pack;

/* One failed request: the tag given to nlp_add() and the kernel's -errno. */
struct nlp_fail {
	uint32_t tag;
	int err;
};

/* A socket of the netlink protocol (NETLINK_XFRM, NETLINK_ROUTE) in the
 * caller's network namespace.  0 or -errno. */
int nlp_open(struct nl_pack **out, int protocol);
void nlp_close(struct nl_pack *p);

/* Queue a copy of msg (the caller still owns msg) with a tag of its own
 * choosing; sends the pack first when msg does not fit.  0 or -errno
 * (-EMSGSIZE: msg alone is larger than a pack; a socket error). */
int nlp_add(struct nl_pack *p, struct nl_msg *msg, uint32_t tag);

/* Send what is queued and wait for the answers.  Returns how many requests
 * failed since the last nlp_reset() (they are in nlp_fails()), or -errno
 * when the socket failed (requests not answered then count as failed with
 * that error). */
int nlp_flush(struct nl_pack *p);
const struct nlp_fail *nlp_fails(const struct nl_pack *p, size_t *count);
void nlp_reset(struct nl_pack *p);

/* One request with a reply (a GET, or a dump when msg has NLM_F_DUMP: it
 * ends at NLMSG_DONE): flushes the pack first, then sends msg and hands
 * each reply message (not the ack) to fn, which must not be NULL.  0 or
 * -errno (the kernel's, or fn's first nonzero return). */
typedef int (*nlp_reply_fn)(void *ctx, const struct nlmsghdr *h);
int nlp_request(struct nl_pack *p, struct nl_msg *msg, nlp_reply_fn fn, void *ctx);

/* Many GET requests at once (not dumps): packed like nlp_flush(), at most
 * NLP_QUERY_MAX a send so that the answers fit the receive buffer.  fn
 * gets each answer: (i, reply, 0), or (i, NULL, -errno) when request i
 * failed.  Flushes the pack first.  0, or -errno (socket; fn's first
 * nonzero return). */
#define NLP_QUERY_MAX 512
typedef int (*nlp_each_fn)(void *ctx, size_t i, const struct nlmsghdr *h, int err);
int nlp_query(struct nl_pack *p, struct nl_msg *const *msgs, size_t count, nlp_each_fn fn,
	      void *ctx);

/* The socket's fd (setsockopt by callers, tests). */
int nlp_fd(const struct nl_pack *p);

#endif
