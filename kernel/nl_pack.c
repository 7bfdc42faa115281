/* Packed netlink requests: one sendmsg per pack, failures by tag. */
#include "kernel/nl_pack.h"

#include <errno.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define SOCK_BUF (4 << 20)
#define RX_BUF 65536
#define TIMEOUT_S 10

struct nl_pack {
	int fd;
	uint8_t *buf;        /* the pack being filled */
	size_t used;
	uint32_t *tags;      /* tags[k]: tag of the k-th message of the pack */
	size_t nmsg;
	uint32_t seq;        /* next sequence number */
	uint8_t *rx;
	struct nlp_fail *fails;
	size_t nfails, capfails;
};

int nlp_fd(const struct nl_pack *p)
{
	return p->fd;
}

int nlp_open(struct nl_pack **out, int protocol)
{
	struct nl_pack *p = calloc(1, sizeof(*p));
	int one = 1, size = SOCK_BUF, rc = -ENOMEM;
	struct timeval tv = { .tv_sec = TIMEOUT_S };
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	if (!p)
		return -ENOMEM;
	p->fd = -1;
	p->buf = malloc(NLP_BUF);
	p->rx = malloc(RX_BUF);
	/* a pack holds at most NLP_BUF / NLMSG_HDRLEN messages */
	p->tags = malloc(NLP_BUF / NLMSG_HDRLEN * sizeof(*p->tags));
	if (!p->buf || !p->rx || !p->tags)
		goto fail;
	p->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
	if (p->fd < 0 || bind(p->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		goto fail;
	}
	/* FORCE variants pass rmem_max/wmem_max when allowed (root); a pack
	 * must fit the send buffer, and its error answers the receive one. */
	if (setsockopt(p->fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(p->fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (setsockopt(p->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	setsockopt(p->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(p->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	p->seq = 1;
	*out = p;
	return 0;
fail:
	nlp_close(p);
	return rc;
}

void nlp_close(struct nl_pack *p)
{
	if (!p)
		return;
	if (p->fd >= 0)
		close(p->fd);
	free(p->buf);
	free(p->rx);
	free(p->tags);
	free(p->fails);
	free(p);
}

static int fail_push(struct nl_pack *p, uint32_t tag, int err)
{
	if (p->nfails == p->capfails) {
		size_t cap = p->capfails ? p->capfails * 2 : 64;
		struct nlp_fail *f = realloc(p->fails, cap * sizeof(*f));
		if (!f)
			return -ENOMEM;
		p->fails = f;
		p->capfails = cap;
	}
	p->fails[p->nfails++] = (struct nlp_fail){ .tag = tag, .err = err };
	return 0;
}

const struct nlp_fail *nlp_fails(const struct nl_pack *p, size_t *count)
{
	*count = p->nfails;
	return p->fails;
}

void nlp_reset(struct nl_pack *p)
{
	p->nfails = 0;
}

static int send_all(int fd, const void *buf, size_t len)
{
	ssize_t n;

	do
		n = send(fd, buf, len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

/* Read answers until the ack of sequence `last`; failures of the pack's
 * messages (seq0..last) are recorded.  With fn, other messages of seq
 * `last` go to fn.  0 or -errno (socket); *kerr gets last's own answer. */
static int read_until(struct nl_pack *p, uint32_t seq0, uint32_t last, nlp_reply_fn fn,
		      void *ctx, int *kerr)
{
	bool pack = fn == NULL; /* else one request: no tags, no fails */
	int fn_err = 0;

	for (;;) {
		ssize_t n = recv(p->fd, p->rx, RX_BUF, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		size_t left = (size_t)n;
		for (struct nlmsghdr *h = (struct nlmsghdr *)p->rx; NLMSG_OK(h, left);
		     h = NLMSG_NEXT(h, left)) {
			uint32_t k = h->nlmsg_seq - seq0;
			if (k > last - seq0)
				continue; /* not ours (an old pack's straggler) */
			if (h->nlmsg_type == NLMSG_DONE && !pack && h->nlmsg_seq == last) {
				*kerr = fn_err; /* the end of a dump */
				return 0;
			}
			if (h->nlmsg_type != NLMSG_ERROR) {
				if (!pack && h->nlmsg_seq == last && !fn_err)
					fn_err = fn(ctx, h);
				continue;
			}
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
				continue;
			int e = ((const struct nlmsgerr *)NLMSG_DATA(h))->error;
			if (h->nlmsg_seq == last) {
				*kerr = e ? e : fn_err;
				if (e && pack && fail_push(p, p->tags[k], e) < 0)
					return -ENOMEM;
				return 0;
			}
			if (e && pack && fail_push(p, p->tags[k], e) < 0)
				return -ENOMEM;
		}
	}
}

int nlp_flush(struct nl_pack *p)
{
	int rc = 0, kerr = 0;

	if (p->nmsg) {
		/* ask for an ack on the last message only (see the header) */
		uint32_t seq0 = p->seq - (uint32_t)p->nmsg, last = p->seq - 1;
		struct nlmsghdr *h = (struct nlmsghdr *)p->buf;
		size_t off = 0;
		for (size_t k = 0; k + 1 < p->nmsg; k++) {
			off += NLMSG_ALIGN(h->nlmsg_len);
			h = (struct nlmsghdr *)(p->buf + off);
		}
		h->nlmsg_flags |= NLM_F_ACK;
		rc = send_all(p->fd, p->buf, p->used);
		if (rc == 0)
			rc = read_until(p, seq0, last, NULL, NULL, &kerr);
		if (rc < 0) {
			for (size_t k = 0; k < p->nmsg; k++)
				fail_push(p, p->tags[k], rc);
		}
		explicit_bzero(p->buf, p->used); /* it held keys */
		p->used = 0;
		p->nmsg = 0;
	}
	return rc < 0 ? rc : (int)p->nfails;
}

int nlp_add(struct nl_pack *p, struct nl_msg *msg, uint32_t tag)
{
	struct nlmsghdr *src = nlmsg_hdr(msg);
	size_t len = NLMSG_ALIGN(src->nlmsg_len);

	if (len > NLP_BUF)
		return -EMSGSIZE;
	if (p->used + len > NLP_BUF) {
		int rc = nlp_flush(p);
		if (rc < 0)
			return rc;
	}
	struct nlmsghdr *h = (struct nlmsghdr *)(p->buf + p->used);
	memcpy(h, src, src->nlmsg_len);
	memset((uint8_t *)h + src->nlmsg_len, 0, len - src->nlmsg_len);
	h->nlmsg_flags = (uint16_t)((src->nlmsg_flags | NLM_F_REQUEST) & ~NLM_F_ACK);
	h->nlmsg_seq = p->seq++;
	h->nlmsg_pid = 0;
	p->tags[p->nmsg++] = tag;
	p->used += len;
	return 0;
}

int nlp_request(struct nl_pack *p, struct nl_msg *msg, nlp_reply_fn fn, void *ctx)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);
	int rc = nlp_flush(p), kerr = 0;

	if (rc < 0)
		return rc;
	h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	h->nlmsg_seq = p->seq++;
	h->nlmsg_pid = 0;
	rc = send_all(p->fd, h, h->nlmsg_len);
	if (rc == 0)
		rc = read_until(p, h->nlmsg_seq, h->nlmsg_seq, fn, ctx, &kerr);
	return rc < 0 ? rc : kerr;
}

/* Answers of queries seq0 .. seq0+n-1 (the last asked for an ack). */
static int read_query(struct nl_pack *p, uint32_t seq0, size_t n, size_t base, nlp_each_fn fn,
		      void *ctx)
{
	uint32_t last = seq0 + (uint32_t)n - 1;
	int fn_err = 0;

	for (;;) {
		ssize_t got = recv(p->fd, p->rx, RX_BUF, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		size_t left = (size_t)got;
		for (struct nlmsghdr *h = (struct nlmsghdr *)p->rx; NLMSG_OK(h, left);
		     h = NLMSG_NEXT(h, left)) {
			uint32_t k = h->nlmsg_seq - seq0;
			if (k >= n)
				continue;
			if (h->nlmsg_type != NLMSG_ERROR) {
				if (!fn_err)
					fn_err = fn(ctx, base + k, h, 0);
				continue;
			}
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
				continue;
			int e = ((const struct nlmsgerr *)NLMSG_DATA(h))->error;
			if (e && !fn_err)
				fn_err = fn(ctx, base + k, NULL, e);
			if (h->nlmsg_seq == last)
				return fn_err; /* the ack (or failure) of the last one */
		}
	}
}

int nlp_query(struct nl_pack *p, struct nl_msg *const *msgs, size_t count, nlp_each_fn fn,
	      void *ctx)
{
	int rc = nlp_flush(p);

	if (rc < 0)
		return rc;
	for (size_t at = 0; at < count && rc == 0;) {
		uint32_t seq0 = p->seq;
		size_t n = 0, used = 0;
		struct nlmsghdr *h = NULL;
		while (at + n < count && n < NLP_QUERY_MAX) {
			const struct nlmsghdr *src = nlmsg_hdr(msgs[at + n]);
			size_t len = NLMSG_ALIGN(src->nlmsg_len);
			if (used + len > NLP_BUF)
				break;
			h = (struct nlmsghdr *)(p->buf + used);
			memcpy(h, src, src->nlmsg_len);
			h->nlmsg_flags = (uint16_t)((src->nlmsg_flags | NLM_F_REQUEST) & ~NLM_F_ACK);
			h->nlmsg_seq = p->seq++;
			h->nlmsg_pid = 0;
			used += len;
			n++;
		}
		if (!n)
			return -EMSGSIZE;
		h->nlmsg_flags |= NLM_F_ACK;
		rc = send_all(p->fd, p->buf, used);
		if (rc == 0)
			rc = read_query(p, seq0, n, at, fn, ctx);
		at += n;
	}
	return rc;
}
