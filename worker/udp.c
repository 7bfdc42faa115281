/* IKE UDP sockets: pktinfo on both directions, NAT-T framing, recvmmsg,
 * and sendmmsg of a queue filled during one loop iteration (batch mode). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "worker/spi_map.h"
#include "worker/udp.h"

#define UDP_DEFAULT_BUF (4 << 20)
#define UDP_BATCHES_PER_WAKE 4 /* then back to the loop, for fairness */
#define UDP_CTRL_SPACE 128     /* room for one in/in6 pktinfo cmsg */

union udp_ctrl {
	char buf[UDP_CTRL_SPACE];
	struct cmsghdr align;
};

/* One queued datagram (batch mode): its header points at its own address,
 * control and iovec, and at its bytes in the queue's buffer. */
struct udp_txent {
	struct udp_sock *s;
	struct sockaddr_storage dst;
	union udp_ctrl ctrl;
	struct iovec iov;
};

struct udp_sock {
	struct udp *u;
	int fd;
	unsigned flags;
	struct ip_addr local; /* the bound address (zero bytes: wildcard) */
	uint16_t port;
	bool wildcard;
	uint64_t hkey;
	struct udp_sock *hnext;      /* same hash key (bound sockets) */
	struct udp_sock *next, *prev; /* every socket of this struct udp */
};

struct udp {
	struct loop *loop;
	udp_rx_fn fn;
	void *arg;
	int rcvbuf, sndbuf;
	bool espinudp;        /* UDP_ENCAP on NAT-T sockets (udp_set_espinudp) */
	struct spi_map bound; /* hash(addr, port) -> chain of bound sockets */
	struct udp_sock *all;
	struct udp_stats st;
	struct udp_sock *rx_sock; /* socket being drained, or NULL */
	bool rx_sock_closed;      /* ... and a callback closed it */
	struct mmsghdr msgs[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	struct sockaddr_storage from[UDP_BATCH];
	union udp_ctrl ctrl[UDP_BATCH];
	uint8_t *bufs; /* UDP_BATCH * UDP_MAX_DGRAM */
	/* batch mode: the send queue */
	bool batch;
	int txn;          /* datagrams queued */
	size_t txused;    /* octets of txbuf used */
	struct mmsghdr txmm[UDP_TX_BATCH];
	struct udp_txent txe[UDP_TX_BATCH];
	uint8_t *txbuf;   /* UDP_TX_BYTES, allocated by udp_set_batch() */
};

static const uint8_t non_esp_marker[4];

/* ---- addresses ---- */

static socklen_t to_sockaddr(const struct ip_addr *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a->bytes, 4);
		return sizeof(*s4);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	memcpy(&s6->sin6_addr, a->bytes, 16);
	return sizeof(*s6);
}

static void from_sockaddr(const struct sockaddr_storage *ss, struct ip_addr *a, uint16_t *port)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
		a->family = AF_INET;
		memcpy(a->bytes, &s4->sin_addr, 4);
		*port = ntohs(s4->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		a->family = AF_INET6;
		memcpy(a->bytes, &s6->sin6_addr, 16);
		*port = ntohs(s6->sin6_port);
	} else {
		*port = 0;
	}
}

static bool is_any(const struct ip_addr *a)
{
	static const uint8_t zero[16];
	return memcmp(a->bytes, zero, sizeof(zero)) == 0;
}

static uint64_t addr_key(const struct ip_addr *a, uint16_t port)
{
	uint64_t w[2];
	memcpy(w, a->bytes, 16);
	uint64_t x = w[0] * 0x9e3779b97f4a7c15ull ^ w[1];
	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ull;
	return x ^ ((uint64_t)a->family << 16 | port);
}

static bool same_addr(const struct ip_addr *a, const struct ip_addr *b)
{
	return a->family == b->family && memcmp(a->bytes, b->bytes, 16) == 0;
}

/* ---- lifetime ---- */

static void on_loop_flush(struct loop *loop, void *arg);

struct udp *udp_new(struct loop *loop, udp_rx_fn fn, void *arg)
{
	struct udp *u = calloc(1, sizeof(*u));
	if (!u)
		return NULL;
	u->bufs = malloc((size_t)UDP_BATCH * UDP_MAX_DGRAM);
	if (!u->bufs || spi_map_init(&u->bound, 0) < 0) {
		free(u->bufs);
		free(u);
		return NULL;
	}
	u->loop = loop;
	u->fn = fn;
	u->arg = arg;
	u->rcvbuf = UDP_DEFAULT_BUF;
	u->sndbuf = UDP_DEFAULT_BUF;
	return u;
}

void udp_free(struct udp *u)
{
	if (!u)
		return;
	udp_flush(u);
	if (u->batch)
		loop_flush_del(u->loop, on_loop_flush, u);
	free(u->txbuf);
	while (u->all)
		udp_close(u, u->all);
	spi_map_free(&u->bound);
	free(u->bufs);
	free(u);
}

void udp_set_bufsize(struct udp *u, int rcvbuf, int sndbuf)
{
	u->rcvbuf = rcvbuf;
	u->sndbuf = sndbuf;
}

void udp_set_espinudp(struct udp *u, bool on)
{
	u->espinudp = on;
}

const struct udp_stats *udp_stats(const struct udp *u)
{
	return &u->st;
}

int udp_sock_fd(const struct udp_sock *s)
{
	return s->fd;
}

uint16_t udp_sock_port(const struct udp_sock *s)
{
	return s->port;
}

/* ---- lookup ---- */

struct udp_sock *udp_find(const struct udp *u, const struct ip_addr *local, uint16_t port)
{
	struct udp_sock *s = spi_map_get(&u->bound, addr_key(local, port));
	for (; s; s = s->hnext)
		if (s->port == port && same_addr(&s->local, local))
			return s;
	if (!is_any(local))
		return NULL;
	for (s = u->all; s; s = s->next)
		if (s->wildcard && s->port == port && s->local.family == local->family)
			return s;
	return NULL;
}

/* The socket that sends from (from, port): bound to it, else a wildcard. */
static struct udp_sock *sock_for(const struct udp *u, const struct ip_addr *from, uint16_t port)
{
	struct udp_sock *s = udp_find(u, from, port);
	if (s)
		return s;
	for (s = u->all; s; s = s->next)
		if (s->wildcard && s->port == port && s->local.family == from->family)
			return s;
	return NULL;
}

/* ---- receive ---- */

static void classify(unsigned flags, struct udp_dgram *d, const uint8_t *p, size_t len)
{
	d->data = p;
	d->len = len;
	d->esp_spi = 0;
	d->kind = UDP_IKE;
	if (!(flags & UDP_F_NATT))
		return;
	if (len == 1 && p[0] == 0xff) {
		d->kind = UDP_KEEPALIVE;
	} else if (len < 4) {
		d->kind = UDP_RUNT;
	} else if (memcmp(p, non_esp_marker, 4) == 0) {
		d->data = p + 4;
		d->len = len - 4;
	} else {
		d->kind = UDP_ESP;
		d->esp_spi = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	}
}

/* The local address and interface from the pktinfo cmsg. */
static bool read_pktinfo(struct msghdr *mh, struct udp_dgram *d)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			d->local.family = AF_INET;
			memset(d->local.bytes, 0, sizeof(d->local.bytes));
			memcpy(d->local.bytes, &pi.ipi_addr, 4);
			d->ifindex = pi.ipi_ifindex;
			return true;
		}
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			d->local.family = AF_INET6;
			memcpy(d->local.bytes, &pi.ipi6_addr, 16);
			d->ifindex = (int)pi.ipi6_ifindex;
			return true;
		}
	}
	return false;
}

static void deliver(struct udp *u, struct udp_sock *s, int i)
{
	struct msghdr *mh = &u->msgs[i].msg_hdr;
	size_t len = u->msgs[i].msg_len;
	struct udp_dgram d = { 0 };
	u->st.rx++;
	if (mh->msg_flags & MSG_TRUNC) {
		u->st.rx_trunc++;
		return;
	}
	from_sockaddr(&u->from[i], &d.peer, &d.peer_port);
	if (!read_pktinfo(mh, &d))
		d.local = s->local; /* cannot happen with pktinfo on; be safe */
	d.local_port = s->port;
	classify(s->flags, &d, u->iov[i].iov_base, len);
	switch (d.kind) {
	case UDP_IKE: u->st.rx_ike++; break;
	case UDP_KEEPALIVE: u->st.rx_keepalive++; break;
	case UDP_ESP: u->st.rx_esp++; break;
	case UDP_RUNT: u->st.rx_runt++; break;
	}
	u->fn(u, &d, u->arg);
}

static void prepare_batch(struct udp *u)
{
	for (int i = 0; i < UDP_BATCH; i++) {
		u->iov[i].iov_base = u->bufs + (size_t)i * UDP_MAX_DGRAM;
		u->iov[i].iov_len = UDP_MAX_DGRAM;
		struct msghdr *mh = &u->msgs[i].msg_hdr;
		mh->msg_name = &u->from[i];
		mh->msg_namelen = sizeof(u->from[i]);
		mh->msg_iov = &u->iov[i];
		mh->msg_iovlen = 1;
		mh->msg_control = u->ctrl[i].buf;
		mh->msg_controllen = sizeof(u->ctrl[i].buf);
		mh->msg_flags = 0;
	}
}

static void on_readable(struct loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)events;
	struct udp_sock *s = arg;
	struct udp *u = s->u;
	u->rx_sock = s;
	u->rx_sock_closed = false;
	for (int round = 0; round < UDP_BATCHES_PER_WAKE; round++) {
		prepare_batch(u);
		int n = recvmmsg(fd, u->msgs, UDP_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break; /* EAGAIN, or an ICMP error reported on the socket */
		for (int i = 0; i < n && !u->rx_sock_closed; i++)
			deliver(u, s, i);
		/* The replies to this batch leave now: a reply waits for at
		 * most UDP_BATCH requests' work, not for the whole wake-up's. */
		udp_flush(u);
		if (u->rx_sock_closed || n < UDP_BATCH)
			break;
	}
	u->rx_sock = NULL;
	if (u->rx_sock_closed)
		free(s);
}

/* ---- open / close ---- */

static int set_int(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v)) < 0 ? -errno : 0;
}

static void set_bufsize(int fd, int force, int plain, int size)
{
	if (size > 0 && set_int(fd, SOL_SOCKET, force, size) < 0)
		set_int(fd, SOL_SOCKET, plain, size); /* capped by [rw]mem_max */
}

static int configure(int fd, int family, unsigned flags)
{
	int err = 0;
	bool v6 = family == AF_INET6;
	if (v6)
		err = set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	if (!err)
		err = v6 ? set_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1)
			 : set_int(fd, IPPROTO_IP, IP_PKTINFO, 1);
	if (!err && (flags & UDP_F_REUSEADDR))
		err = set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	if (!err && (flags & UDP_F_REUSEPORT))
		err = set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1);
	if (!err && (flags & UDP_F_FREEBIND))
		err = v6 ? set_int(fd, IPPROTO_IPV6, IPV6_FREEBIND, 1)
			 : set_int(fd, IPPROTO_IP, IP_FREEBIND, 1);
	if (!err && (flags & UDP_F_TRANSPARENT))
		err = v6 ? set_int(fd, IPPROTO_IPV6, IPV6_TRANSPARENT, 1)
			 : set_int(fd, IPPROTO_IP, IP_TRANSPARENT, 1);
	return err;
}

int udp_fd_espinudp(int fd)
{
	return set_int(fd, IPPROTO_UDP, UDP_ENCAP, UDP_ENCAP_ESPINUDP);
}

/* Make an open, bound socket one of ours: the address index, the loop and
 * the list of all sockets.  On failure nothing is registered; the caller
 * frees s (and closes fd if it opened it). */
static int sock_register(struct udp *u, struct udp_sock *s, int fd, unsigned flags,
			 const struct sockaddr_storage *ss)
{
	int err;
	s->u = u;
	s->fd = fd;
	s->flags = flags;
	from_sockaddr(ss, &s->local, &s->port);
	s->wildcard = is_any(&s->local);
	if (!s->wildcard) {
		s->hkey = addr_key(&s->local, s->port);
		s->hnext = spi_map_get(&u->bound, s->hkey);
		err = spi_map_set(&u->bound, s->hkey, s);
		if (err)
			return err;
	}
	err = loop_fd_add(u->loop, fd, EPOLLIN, on_readable, s);
	if (err) {
		if (!s->wildcard) {
			if (s->hnext)
				spi_map_set(&u->bound, s->hkey, s->hnext);
			else
				spi_map_del(&u->bound, s->hkey);
		}
		return err;
	}
	s->next = u->all;
	if (u->all)
		u->all->prev = s;
	u->all = s;
	return 0;
}

int udp_open(struct udp *u, const struct ip_addr *local, uint16_t port, unsigned flags,
	     struct udp_sock **out)
{
	int fd = -1, err;
	struct udp_sock *s = NULL;
	if (local->family != AF_INET && local->family != AF_INET6)
		return -EAFNOSUPPORT;
	if (port && udp_find(u, local, port))
		return -EEXIST;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	fd = socket(local->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0) {
		err = -errno;
		goto fail;
	}
	err = configure(fd, local->family, flags);
	if (!err && u->espinudp && (flags & UDP_F_NATT))
		err = udp_fd_espinudp(fd);
	if (err)
		goto fail;
	set_bufsize(fd, SO_RCVBUFFORCE, SO_RCVBUF, u->rcvbuf);
	set_bufsize(fd, SO_SNDBUFFORCE, SO_SNDBUF, u->sndbuf);
	struct sockaddr_storage ss;
	socklen_t sl = to_sockaddr(local, port, &ss);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		err = -errno;
		goto fail;
	}
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		err = -errno;
		goto fail;
	}
	err = sock_register(u, s, fd, flags, &ss);
	if (err)
		goto fail;
	if (out)
		*out = s;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(s);
	return err;
}

int udp_adopt(struct udp *u, int fd, unsigned flags, struct udp_sock **out)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct udp_sock *s = NULL;
	int err;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return -errno;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	/* Options that matter before bind (V6ONLY, REUSEPORT, FREEBIND) are
	 * the opener's; pktinfo is ours. */
	err = ss.ss_family == AF_INET6 ? set_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1)
				       : set_int(fd, IPPROTO_IP, IP_PKTINFO, 1);
	if (!err && u->espinudp && (flags & UDP_F_NATT))
		err = udp_fd_espinudp(fd);
	if (err)
		goto fail;
	set_bufsize(fd, SO_RCVBUFFORCE, SO_RCVBUF, u->rcvbuf);
	set_bufsize(fd, SO_SNDBUFFORCE, SO_SNDBUF, u->sndbuf);
	err = sock_register(u, s, fd, flags, &ss);
	if (err)
		goto fail;
	if (out)
		*out = s;
	return 0;
fail:
	free(s);
	return err;
}

static void unhash(struct udp *u, struct udp_sock *s)
{
	struct udp_sock *head = spi_map_get(&u->bound, s->hkey);
	if (head == s) {
		if (s->hnext)
			spi_map_set(&u->bound, s->hkey, s->hnext);
		else
			spi_map_del(&u->bound, s->hkey);
		return;
	}
	for (; head; head = head->hnext) {
		if (head->hnext == s) {
			head->hnext = s->hnext;
			return;
		}
	}
}

void udp_close(struct udp *u, struct udp_sock *s)
{
	if (!s)
		return;
	udp_flush(u); /* the queue may hold datagrams of s */
	loop_fd_del(u->loop, s->fd);
	close(s->fd);
	if (!s->wildcard)
		unhash(u, s);
	if (s->prev)
		s->prev->next = s->next;
	else
		u->all = s->next;
	if (s->next)
		s->next->prev = s->prev;
	if (u->rx_sock == s)
		u->rx_sock_closed = true; /* on_readable frees it when done */
	else
		free(s);
}

/* ---- send ---- */

/* Point mh at dst and, from a wildcard socket, at a pktinfo cmsg in ctrl
 * that chooses the source address (from).  mh's iov is the caller's. */
static void address_msg(const struct udp_sock *s, const struct ip_addr *from,
			const struct ip_addr *to, uint16_t to_port, struct sockaddr_storage *dst,
			union udp_ctrl *ctrl, struct msghdr *mh)
{
	mh->msg_name = dst;
	mh->msg_namelen = to_sockaddr(to, to_port, dst);
	mh->msg_control = NULL;
	mh->msg_controllen = 0;
	mh->msg_flags = 0;
	if (!s->wildcard)
		return;
	memset(ctrl, 0, sizeof(*ctrl));
	mh->msg_control = ctrl->buf;
	struct cmsghdr *c = (struct cmsghdr *)ctrl->buf;
	if (from->family == AF_INET) {
		struct in_pktinfo pi = { 0 };
		memcpy(&pi.ipi_spec_dst, from->bytes, 4);
		mh->msg_controllen = CMSG_SPACE(sizeof(pi));
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	} else {
		struct in6_pktinfo pi = { 0 };
		memcpy(&pi.ipi6_addr, from->bytes, 16);
		mh->msg_controllen = CMSG_SPACE(sizeof(pi));
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	}
}

static int send_now(struct udp *u, struct udp_sock *s, const struct ip_addr *from,
		    const struct ip_addr *to, uint16_t to_port, struct iovec *iov, int iovcnt)
{
	struct sockaddr_storage dst;
	union udp_ctrl ctrl;
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = (size_t)iovcnt };
	address_msg(s, from, to, to_port, &dst, &ctrl, &mh);
	u->st.tx_calls++;
	if (sendmsg(s->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		int e = errno;
		if (e == EAGAIN || e == EWOULDBLOCK) {
			u->st.tx_eagain++;
			return -EAGAIN;
		}
		u->st.tx_err++;
		return -e;
	}
	u->st.tx++;
	return 0;
}

/* Send n queued datagrams of socket s, completing partial sendmmsg calls:
 * a datagram the kernel refuses is counted and dropped, the rest go on; a
 * full send buffer (EAGAIN) drops what is left of the run. */
static void send_run(struct udp *u, struct udp_sock *s, struct mmsghdr *mm, int n)
{
	int i = 0;
	while (i < n) {
		u->st.tx_calls++;
		int r = sendmmsg(s->fd, mm + i, (unsigned)(n - i), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r > 0) {
			u->st.tx += (uint64_t)r;
			i += r;
			continue;
		}
		int e = r < 0 ? errno : EIO;
		if (e == EINTR)
			continue;
		if (e == EAGAIN || e == EWOULDBLOCK) {
			u->st.tx_eagain += (uint64_t)(n - i);
			return;
		}
		u->st.tx_err++;
		i++;
	}
}

void udp_flush(struct udp *u)
{
	int n = u->txn;
	if (!n)
		return;
	struct udp_sock *first = u->txe[0].s;
	bool one_sock = true;
	for (int i = 1; i < n && one_sock; i++)
		one_sock = u->txe[i].s == first;
	if (one_sock) {
		send_run(u, first, u->txmm, n);
	} else {
		/* one run per socket, each in queue order */
		struct mmsghdr run[UDP_TX_BATCH];
		bool sent[UDP_TX_BATCH] = { 0 };
		for (int i = 0; i < n; i++) {
			if (sent[i])
				continue;
			int k = 0;
			for (int j = i; j < n; j++) {
				if (sent[j] || u->txe[j].s != u->txe[i].s)
					continue;
				run[k++] = u->txmm[j];
				sent[j] = true;
			}
			send_run(u, u->txe[i].s, run, k);
		}
	}
	u->txn = 0;
	u->txused = 0;
}

static void on_loop_flush(struct loop *loop, void *arg)
{
	(void)loop;
	udp_flush(arg);
}

int udp_set_batch(struct udp *u, bool on)
{
	if (on == u->batch)
		return 0;
	if (!on) {
		udp_flush(u);
		loop_flush_del(u->loop, on_loop_flush, u);
		u->batch = false;
		return 0;
	}
	if (!u->txbuf && !(u->txbuf = malloc(UDP_TX_BYTES)))
		return -ENOMEM;
	int err = loop_flush_add(u->loop, on_loop_flush, u);
	if (err)
		return err;
	u->batch = true;
	return 0;
}

/* Copy the datagram (iov's parts) into the queue; flush first when full. */
static void enqueue(struct udp *u, struct udp_sock *s, const struct ip_addr *from,
		    const struct ip_addr *to, uint16_t to_port, const struct iovec *iov,
		    int iovcnt, size_t len)
{
	if (u->txn == UDP_TX_BATCH || u->txused + len > UDP_TX_BYTES)
		udp_flush(u);
	struct udp_txent *t = &u->txe[u->txn];
	struct msghdr *mh = &u->txmm[u->txn].msg_hdr;
	uint8_t *p = u->txbuf + u->txused;
	t->s = s;
	t->iov.iov_base = p;
	t->iov.iov_len = len;
	for (int i = 0; i < iovcnt; i++) {
		memcpy(p, iov[i].iov_base, iov[i].iov_len);
		p += iov[i].iov_len;
	}
	mh->msg_iov = &t->iov;
	mh->msg_iovlen = 1;
	address_msg(s, from, to, to_port, &t->dst, &t->ctrl, mh);
	u->txmm[u->txn].msg_len = 0;
	u->txused += len;
	u->txn++;
}

static int send_iov(struct udp *u, struct udp_sock *s, const struct ip_addr *from,
		    const struct ip_addr *to, uint16_t to_port, struct iovec *iov, int iovcnt)
{
	if (from->family != to->family)
		return -EAFNOSUPPORT;
	if (!s)
		return -EADDRNOTAVAIL;
	size_t len = 0;
	for (int i = 0; i < iovcnt; i++)
		len += iov[i].iov_len;
	if (!u->batch || len > UDP_TX_BYTES)
		return send_now(u, s, from, to, to_port, iov, iovcnt);
	enqueue(u, s, from, to, to_port, iov, iovcnt, len);
	return 0;
}

int udp_send(struct udp *u, const struct ip_addr *from, uint16_t from_port,
	     const struct ip_addr *to, uint16_t to_port, const void *buf, size_t len)
{
	struct udp_sock *s = sock_for(u, from, from_port);
	struct iovec iov[2] = {
		{ .iov_base = (void *)non_esp_marker, .iov_len = sizeof(non_esp_marker) },
		{ .iov_base = (void *)buf, .iov_len = len },
	};
	bool natt = s && (s->flags & UDP_F_NATT);
	return send_iov(u, s, from, to, to_port, natt ? iov : iov + 1, natt ? 2 : 1);
}

int udp_send_keepalive(struct udp *u, const struct ip_addr *from, uint16_t from_port,
		       const struct ip_addr *to, uint16_t to_port)
{
	uint8_t ff = 0xff;
	struct iovec iov = { .iov_base = &ff, .iov_len = 1 };
	return send_iov(u, sock_for(u, from, from_port), from, to, to_port, &iov, 1);
}
