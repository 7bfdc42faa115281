/* Pipelined netlink requests with per-request errno. */
#include <errno.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "kernel/nl_batch.h"

#define NLB_BUF (4 << 20)
#define NLB_SLOT 1024 /* one answer: an ack, or an error with its extended ack */
#define NLB_RX (NLB_WINDOW * NLB_SLOT)
#define NLB_OUT 65536 /* requests sent with one sendmsg, at most */
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
	size_t sent;      /* requests completed (in out[] or sent) */
	size_t answered;
	uint8_t *out;     /* requests not yet sent, back to back */
	size_t out_len;
	size_t out_first; /* k of the first request in out[] */
};

/* Read the answers waiting (each is its own datagram: one recvmmsg takes up
 * to NLB_WINDOW of them, waiting for the first only); 0 or -errno. */
static int read_answers(struct nl_sock *sk, struct inflight *f, int *err, uint8_t *buf)
{
	struct mmsghdr mm[NLB_WINDOW];
	struct iovec iov[NLB_WINDOW];
	memset(mm, 0, sizeof(mm));
	for (size_t j = 0; j < NLB_WINDOW; j++) {
		iov[j] = (struct iovec){ .iov_base = buf + j * NLB_SLOT, .iov_len = NLB_SLOT };
		mm[j].msg_hdr.msg_iov = &iov[j];
		mm[j].msg_hdr.msg_iovlen = 1;
	}
	int got = recvmmsg(nl_socket_get_fd(sk), mm, NLB_WINDOW, MSG_WAITFORONE, NULL);
	if (got < 0)
		return -errno;
	for (int j = 0; j < got; j++) {
		size_t left = mm[j].msg_len < NLB_SLOT ? mm[j].msg_len : NLB_SLOT;
		for (struct nlmsghdr *h = iov[j].iov_base; NLMSG_OK(h, left);
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
	}
	return 0;
}

/* Send the requests gathered in out[] with one sendmsg (the kernel takes
 * each message of the datagram in turn and acks each); when the send
 * fails, each of them fails with -EIO. */
static void flush_out(struct nl_sock *sk, struct inflight *f, int *err)
{
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	if (!f->out_len)
		return;
	ssize_t n = sendto(nl_socket_get_fd(sk), f->out, f->out_len, 0, (struct sockaddr *)&to,
			   sizeof(to));
	if (n != (ssize_t)f->out_len) {
		for (size_t k = f->out_first; k < f->sent; k++) {
			err[f->idx[k]] = -EIO;
			f->answered++;
		}
	}
	f->out_len = 0;
	f->out_first = f->sent;
}

/* Build request i and add it to out[] (sent by flush_out, after what is
 * already there); PENDING, or -errno (the request's own failure). */
static int queue_one(struct nl_sock *sk, struct inflight *f, size_t i, nlb_build_fn build,
		     void *ctx, int *err)
{
	struct nl_msg *msg = NULL;
	int e = build(ctx, i, &msg);
	if (e)
		return e;
	nl_complete_msg(sk, msg); /* our port id, the next sequence, NLM_F_ACK */
	struct nlmsghdr *h = nlmsg_hdr(msg);
	size_t len = NLMSG_ALIGN(h->nlmsg_len);
	if (len > NLB_OUT) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	if (f->out_len + len > NLB_OUT)
		flush_out(sk, f, err);
	uint32_t seq = h->nlmsg_seq;
	memcpy(f->out + f->out_len, h, h->nlmsg_len);
	memset(f->out + f->out_len + h->nlmsg_len, 0, len - h->nlmsg_len);
	nlmsg_free(msg);
	if (f->sent == 0)
		f->seq0 = seq;
	if (seq - f->seq0 != f->sent)
		return -EPROTO; /* someone else used this socket's sequence */
	f->out_len += len;
	f->idx[f->sent++] = i;
	return PENDING;
}

int nlb_run(struct nl_sock *sk, size_t count, nlb_build_fn build, void *ctx, int *err)
{
	int sock_err = 0, failed = 0;
	struct inflight f = { 0 };
	uint8_t *buf = malloc(NLB_RX);
	f.out = malloc(NLB_OUT);
	f.idx = calloc(count ? count : 1, sizeof(*f.idx));
	for (size_t i = 0; i < count; i++)
		err[i] = -ECANCELED; /* until sent (and answered) */
	if (!buf || !f.out || !f.idx) {
		sock_err = -ENOMEM;
		goto out;
	}
	size_t next = 0;
	while (next < count || f.answered < f.sent) {
		/* up to a window of requests in one datagram (or a few) */
		while (next < count && f.sent - f.answered < NLB_WINDOW) {
			size_t i = next++;
			err[i] = queue_one(sk, &f, i, build, ctx, err);
		}
		flush_out(sk, &f, err);
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
	free(f.out);
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
