/* Pipelined netlink requests with per-request errno. */
#include <errno.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "kernel/nl_batch.h"

#define NLB_BUF (4 << 20)
#define NLB_RX 65536
#define NLB_TIMEOUT_S 10
#define PENDING 1 /* err[] value of a request sent and not answered */

struct nl_sock *nlb_socket(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	if (!sk) {
		errno = ENOMEM;
		return NULL;
	}
	nl_socket_disable_seq_check(sk);
	if (nl_connect(sk, NETLINK_ROUTE) < 0) {
		nl_socket_free(sk);
		errno = EPROTONOSUPPORT;
		return NULL;
	}
	nl_socket_set_buffer_size(sk, NLB_BUF, NLB_BUF);
	int fd = nl_socket_get_fd(sk), one = 1, size = NLB_BUF;
	/* past rmem_max when allowed: event floods must not overflow */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	/* errors need not echo the whole request back */
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	struct timeval tv = { .tv_sec = NLB_TIMEOUT_S };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return sk;
}

struct inflight {
	uint32_t seq0;    /* sequence number of the first request sent */
	size_t *idx;      /* idx[k]: request index of the k-th sent message */
	size_t sent;
	size_t answered;
};

/* Read one buffer of answers; 0 or -errno. */
static int read_answers(struct nl_sock *sk, struct inflight *f, int *err, uint8_t *buf)
{
	ssize_t n = recv(nl_socket_get_fd(sk), buf, NLB_RX, 0);
	if (n < 0)
		return -errno;
	size_t left = (size_t)n;
	for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, left);
	     h = NLMSG_NEXT(h, left)) {
		if (h->nlmsg_type != NLMSG_ERROR)
			continue;
		uint32_t k = h->nlmsg_seq - f->seq0;
		if (k >= f->sent || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
			continue;
		size_t i = f->idx[k];
		if (err[i] != PENDING)
			continue;
		const struct nlmsgerr *e = NLMSG_DATA(h);
		err[i] = e->error;
		f->answered++;
	}
	return 0;
}

/* Build and send request i; 0 or -errno (the request's own failure). */
static int send_one(struct nl_sock *sk, struct inflight *f, size_t i, nlb_build_fn build,
		    void *ctx)
{
	struct nl_msg *msg = NULL;
	int e = build(ctx, i, &msg);
	if (e)
		return e;
	if (nl_send_auto(sk, msg) < 0) {
		nlmsg_free(msg);
		return -EIO;
	}
	uint32_t seq = nlmsg_hdr(msg)->nlmsg_seq;
	nlmsg_free(msg);
	if (f->sent == 0)
		f->seq0 = seq;
	if (seq - f->seq0 != f->sent)
		return -EPROTO; /* someone else used this socket's sequence */
	f->idx[f->sent++] = i;
	return PENDING;
}

int nlb_run(struct nl_sock *sk, size_t count, nlb_build_fn build, void *ctx, int *err)
{
	int sock_err = 0, failed = 0;
	struct inflight f = { 0 };
	uint8_t *buf = malloc(NLB_RX);
	f.idx = calloc(count ? count : 1, sizeof(*f.idx));
	for (size_t i = 0; i < count; i++)
		err[i] = -ECANCELED; /* until sent (and answered) */
	if (!buf || !f.idx) {
		sock_err = -ENOMEM;
		goto out;
	}
	size_t next = 0;
	while (next < count || f.answered < f.sent) {
		while (next < count && f.sent - f.answered < NLB_WINDOW) {
			size_t i = next++;
			err[i] = send_one(sk, &f, i, build, ctx);
		}
		if (f.answered == f.sent)
			continue;
		int e = read_answers(sk, &f, err, buf);
		if (e == -ENOBUFS || e == -EINTR)
			continue; /* answers lost or late: the receive timeout decides */
		if (e) {
			sock_err = e == -EAGAIN ? -ETIMEDOUT : e;
			break;
		}
	}
out:
	for (size_t i = 0; i < count; i++) {
		if (err[i] == PENDING)
			err[i] = sock_err;
		failed += err[i] != 0;
	}
	free(buf);
	free(f.idx);
	return sock_err ? sock_err : failed;
}

static int one_build(void *ctx, size_t i, struct nl_msg **msg)
{
	(void)i;
	*msg = ctx;
	nlmsg_get(*msg); /* the batch frees its reference; the caller keeps one */
	return 0;
}

int nlb_one(struct nl_sock *sk, struct nl_msg *msg)
{
	int err = 0;
	int rc = nlb_run(sk, 1, one_build, msg, &err);
	return rc < 0 ? rc : err;
}
