/* UDP sockets on loopback: pktinfo both ways, replies from the address the
 * request reached, NAT-T marker and classification, batches. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/udp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "t/unit/tcheck.h"
#include "kernel/nl_addr.h"
#include "kernel/nl_batch.h"
#include "kernel/nl_link.h"
#include "worker/udp.h"

#define MAXGOT 256

struct rx {
	int n;
	struct udp_dgram d[MAXGOT];
	uint8_t data[MAXGOT][64];
	bool echo;              /* answer each IKE datagram from where it came */
	struct udp_sock *close_me; /* close this socket on the first datagram */
};

static void on_rx(struct udp *u, const struct udp_dgram *d, void *arg)
{
	struct rx *r = arg;
	if (r->n < MAXGOT) {
		r->d[r->n] = *d;
		memcpy(r->data[r->n], d->data, d->len < 64 ? d->len : 64);
		r->d[r->n].data = r->data[r->n];
		r->n++;
	}
	if (r->echo && d->kind == UDP_IKE)
		ck_assert_int_eq(udp_send(u, &d->local, d->local_port, &d->peer, d->peer_port,
					  d->data, d->len), 0);
	if (r->close_me) {
		udp_close(u, r->close_me);
		r->close_me = NULL;
	}
}

static struct ip_addr A(const char *s)
{
	struct ip_addr a;
	ck_assert_int_eq(ip_addr_parse(s, &a), 0);
	return a;
}

static bool addr_is(const struct ip_addr *a, const char *s)
{
	struct ip_addr b = A(s);
	return ip_addr_cmp(a, &b) == 0;
}

/* Run the loop until *n reaches want (or 2 s pass). */
static void run_until(struct loop *loop, const int *n, int want)
{
	for (int i = 0; i < 200 && *n < want; i++)
		loop_run_once(loop, 10 * NS_PER_MS);
}

struct pair {
	struct loop *loop;
	struct udp *srv, *cli;
	struct rx srx, crx;
};

static void pair_new(struct pair *p)
{
	memset(p, 0, sizeof(*p));
	p->loop = loop_new();
	p->srv = udp_new(p->loop, on_rx, &p->srx);
	p->cli = udp_new(p->loop, on_rx, &p->crx);
	ck_assert_ptr_nonnull(p->srv);
	ck_assert_ptr_nonnull(p->cli);
}

static void pair_free(struct pair *p)
{
	udp_free(p->srv);
	udp_free(p->cli);
	loop_free(p->loop);
}

/* A wildcard server answers from whichever address the request reached;
 * the client owns two bound addresses and sees the right one each time. */
START_TEST(wildcard_server_answers_from_arrival_address)
{
	struct pair p;
	pair_new(&p);
	struct ip_addr any = A("0.0.0.0"), c1 = A("127.0.0.2"), c2 = A("127.0.0.3");
	struct udp_sock *ss, *cs1, *cs2;
	ck_assert_int_eq(udp_open(p.srv, &any, 0, 0, &ss), 0);
	ck_assert_int_eq(udp_open(p.cli, &c1, 0, 0, &cs1), 0);
	ck_assert_int_eq(udp_open(p.cli, &c2, 0, 0, &cs2), 0);
	uint16_t sport = udp_sock_port(ss);
	ck_assert_uint_ne(sport, 0);
	p.srx.echo = true;

	struct ip_addr s1 = A("127.0.0.1"), s2 = A("127.0.0.9");
	ck_assert_int_eq(udp_send(p.cli, &c1, udp_sock_port(cs1), &s1, sport, "one", 3), 0);
	ck_assert_int_eq(udp_send(p.cli, &c2, udp_sock_port(cs2), &s2, sport, "two", 3), 0);
	run_until(p.loop, &p.crx.n, 2);
	ck_assert_int_eq(p.srx.n, 2);
	ck_assert_int_eq(p.crx.n, 2);
	for (int i = 0; i < 2; i++) {
		const struct udp_dgram *sd = &p.srx.d[i];
		bool first = memcmp(p.srx.data[i], "one", 3) == 0;
		ck_assert(addr_is(&sd->local, first ? "127.0.0.1" : "127.0.0.9"));
		ck_assert_uint_eq(sd->local_port, sport);
		ck_assert(addr_is(&sd->peer, first ? "127.0.0.2" : "127.0.0.3"));
		ck_assert_uint_eq(sd->peer_port, udp_sock_port(first ? cs1 : cs2));
		ck_assert_int_eq(sd->kind, UDP_IKE);
		ck_assert_int_gt(sd->ifindex, 0);
	}
	for (int i = 0; i < 2; i++) {
		const struct udp_dgram *cd = &p.crx.d[i];
		bool first = memcmp(p.crx.data[i], "one", 3) == 0;
		/* the answer's source is the address the request was sent to */
		ck_assert(addr_is(&cd->peer, first ? "127.0.0.1" : "127.0.0.9"));
		ck_assert_uint_eq(cd->peer_port, sport);
		ck_assert(addr_is(&cd->local, first ? "127.0.0.2" : "127.0.0.3"));
		ck_assert_uint_eq(cd->len, 3);
	}
	ck_assert_uint_eq(udp_stats(p.srv)->rx_ike, 2);
	ck_assert_uint_eq(udp_stats(p.srv)->tx, 2);
	pair_free(&p);
}
END_TEST

/* Client with one wildcard socket sends from several local addresses
 * (IP_PKTINFO on sendmsg); a server with a socket bound per address
 * answers, each from its own socket. */
START_TEST(wildcard_client_sends_from_chosen_address)
{
	struct pair p;
	pair_new(&p);
	struct ip_addr any = A("0.0.0.0"), s1 = A("127.0.0.1"), s2 = A("127.0.0.2");
	struct udp_sock *cs, *ss1, *ss2;
	ck_assert_int_eq(udp_open(p.cli, &any, 0, 0, &cs), 0);
	ck_assert_int_eq(udp_open(p.srv, &s1, 0, 0, &ss1), 0);
	uint16_t sport = udp_sock_port(ss1);
	/* same port on a second address: a second bound socket */
	ck_assert_int_eq(udp_open(p.srv, &s2, sport, 0, &ss2), 0);
	ck_assert_int_eq(udp_open(p.srv, &s2, sport, 0, NULL), -EEXIST);
	ck_assert_ptr_eq(udp_find(p.srv, &s2, sport), ss2);
	ck_assert_ptr_eq(udp_find(p.srv, &s1, sport), ss1);
	p.srx.echo = true;

	uint16_t cport = udp_sock_port(cs);
	const char *from[] = { "127.0.0.5", "127.0.0.6", "127.0.0.7" };
	for (int i = 0; i < 3; i++) {
		struct ip_addr f = A(from[i]);
		const struct ip_addr *to = i == 1 ? &s2 : &s1;
		ck_assert_int_eq(udp_send(p.cli, &f, cport, to, sport, from[i], 9), 0);
	}
	run_until(p.loop, &p.crx.n, 3);
	ck_assert_int_eq(p.crx.n, 3);
	for (int i = 0; i < 3; i++) {
		const struct udp_dgram *sd = &p.srx.d[i];
		char *sent_from = (char *)p.srx.data[i];
		sent_from[9] = 0;
		ck_assert(addr_is(&sd->peer, sent_from));
		ck_assert_uint_eq(sd->peer_port, cport);
		const struct udp_dgram *cd = &p.crx.d[i];
		char *echoed = (char *)p.crx.data[i];
		echoed[9] = 0;
		ck_assert(addr_is(&cd->local, echoed));
		ck_assert(addr_is(&cd->peer, strcmp(echoed, "127.0.0.6") ? "127.0.0.1"
									   : "127.0.0.2"));
	}
	pair_free(&p);
}
END_TEST

START_TEST(ipv6_loopback)
{
	struct pair p;
	pair_new(&p);
	struct ip_addr lo6 = A("::1"), any6 = A("::"), lo4 = A("127.0.0.1");
	struct udp_sock *ss, *cs;
	ck_assert_int_eq(udp_open(p.srv, &any6, 0, 0, &ss), 0);
	ck_assert_int_eq(udp_open(p.cli, &lo6, 0, 0, &cs), 0);
	p.srx.echo = true;
	/* V6ONLY: the IPv6 wildcard does not take IPv4 */
	ck_assert_int_eq(udp_send(p.cli, &lo6, udp_sock_port(cs), &lo4, udp_sock_port(ss), "x", 1),
			 -EAFNOSUPPORT);
	ck_assert_int_eq(udp_send(p.cli, &lo6, udp_sock_port(cs), &lo6, udp_sock_port(ss), "v6", 2),
			 0);
	run_until(p.loop, &p.crx.n, 1);
	ck_assert_int_eq(p.srx.n, 1);
	ck_assert(addr_is(&p.srx.d[0].local, "::1"));
	ck_assert(addr_is(&p.srx.d[0].peer, "::1"));
	ck_assert_uint_eq(p.srx.d[0].peer_port, udp_sock_port(cs));
	ck_assert_int_eq(p.crx.n, 1);
	ck_assert_uint_eq(p.crx.d[0].peer_port, udp_sock_port(ss));
	ck_assert_int_eq(memcmp(p.crx.data[0], "v6", 2), 0);
	pair_free(&p);
}
END_TEST

/* A plain POSIX socket plays the peer, so the bytes on the wire are seen. */
static int raw_peer(uint16_t *port)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(fd, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	socklen_t sl = sizeof(sa);
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	*port = ntohs(sa.sin_port);
	return fd;
}

static void raw_send(int fd, uint16_t port, const void *b, size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(0x7f000001) };
	ck_assert_int_eq(sendto(fd, b, len, 0, (struct sockaddr *)&sa, sizeof(sa)), (ssize_t)len);
}

static ssize_t raw_recv(int fd, uint8_t *b, size_t size)
{
	for (int i = 0; i < 200; i++) {
		ssize_t n = recv(fd, b, size, 0);
		if (n >= 0)
			return n;
		usleep(10000);
	}
	return -1;
}

START_TEST(natt_marker_and_classification)
{
	struct pair p;
	pair_new(&p);
	struct ip_addr lo = A("127.0.0.1");
	struct udp_sock *ss;
	ck_assert_int_eq(udp_open(p.srv, &lo, 0, UDP_F_NATT, &ss), 0);
	uint16_t sport = udp_sock_port(ss), rport;
	int fd = raw_peer(&rport);

	static const uint8_t ike[] = { 0, 0, 0, 0, 'I', 'K', 'E' };
	static const uint8_t ka[] = { 0xff };
	static const uint8_t esp[] = { 0x12, 0x34, 0x56, 0x78, 0, 0, 0, 1, 9, 9 };
	static const uint8_t runt[] = { 0, 0 };
	static const uint8_t empty_ike[] = { 0, 0, 0, 0 };
	raw_send(fd, sport, ike, sizeof(ike));
	raw_send(fd, sport, ka, sizeof(ka));
	raw_send(fd, sport, esp, sizeof(esp));
	raw_send(fd, sport, runt, sizeof(runt));
	raw_send(fd, sport, empty_ike, sizeof(empty_ike));
	run_until(p.loop, &p.srx.n, 5);
	ck_assert_int_eq(p.srx.n, 5);
	ck_assert_int_eq(p.srx.d[0].kind, UDP_IKE);
	ck_assert_uint_eq(p.srx.d[0].len, 3);
	ck_assert_int_eq(memcmp(p.srx.data[0], "IKE", 3), 0);
	ck_assert_int_eq(p.srx.d[1].kind, UDP_KEEPALIVE);
	ck_assert_int_eq(p.srx.d[2].kind, UDP_ESP);
	ck_assert_uint_eq(p.srx.d[2].esp_spi, 0x12345678);
	ck_assert_uint_eq(p.srx.d[2].len, sizeof(esp)); /* ESP left whole */
	ck_assert_int_eq(p.srx.d[3].kind, UDP_RUNT);
	ck_assert_int_eq(p.srx.d[4].kind, UDP_IKE);
	ck_assert_uint_eq(p.srx.d[4].len, 0);
	const struct udp_stats *st = udp_stats(p.srv);
	ck_assert_uint_eq(st->rx, 5);
	ck_assert_uint_eq(st->rx_ike, 2);
	ck_assert_uint_eq(st->rx_keepalive, 1);
	ck_assert_uint_eq(st->rx_esp, 1);
	ck_assert_uint_eq(st->rx_runt, 1);

	/* Sending: the marker goes first on a NAT-T socket; keepalives bare. */
	uint8_t buf[64];
	struct ip_addr peer = A("127.0.0.1");
	ck_assert_int_eq(udp_send(p.srv, &lo, sport, &peer, rport, "HDR", 3), 0);
	ck_assert_int_eq(raw_recv(fd, buf, sizeof(buf)), 7);
	ck_assert_int_eq(memcmp(buf, "\0\0\0\0HDR", 7), 0);
	ck_assert_int_eq(udp_send_keepalive(p.srv, &lo, sport, &peer, rport), 0);
	ck_assert_int_eq(raw_recv(fd, buf, sizeof(buf)), 1);
	ck_assert_uint_eq(buf[0], 0xff);

	/* A port-500 style socket: no marker, everything is IKE. */
	struct udp_sock *plain;
	ck_assert_int_eq(udp_open(p.srv, &lo, 0, 0, &plain), 0);
	ck_assert_int_eq(udp_send(p.srv, &lo, udp_sock_port(plain), &peer, rport, "HDR", 3), 0);
	ck_assert_int_eq(raw_recv(fd, buf, sizeof(buf)), 3);
	raw_send(fd, udp_sock_port(plain), ka, sizeof(ka));
	run_until(p.loop, &p.srx.n, 6);
	ck_assert_int_eq(p.srx.d[5].kind, UDP_IKE);
	ck_assert_uint_eq(p.srx.d[5].len, 1);
	close(fd);
	pair_free(&p);
}
END_TEST

static int encap_type(struct udp_sock *s)
{
	int v = -1;
	socklen_t sl = sizeof(v);
	ck_assert_int_eq(getsockopt(udp_sock_fd(s), IPPROTO_UDP, UDP_ENCAP, &v, &sl), 0);
	return v;
}

/* installfastpath: NAT-T sockets opened or adopted after udp_set_espinudp
 * carry UDP_ENCAP_ESPINUDP (IPv4 and IPv6), port-500 ones do not; the
 * kernel then eats a 0xFF keepalive and hands IKE over with its marker. */
START_TEST(espinudp_on_natt_sockets)
{
	struct pair p;
	pair_new(&p);
	struct ip_addr lo = A("127.0.0.1"), lo6 = A("::1");
	struct udp_sock *n4, *n6, *plain, *adopted, *before;
	ck_assert_int_eq(udp_open(p.srv, &lo, 0, UDP_F_NATT, &before), 0);
	udp_set_espinudp(p.srv, true);
	ck_assert_int_eq(udp_open(p.srv, &lo, 0, UDP_F_NATT, &n4), 0);
	ck_assert_int_eq(udp_open(p.srv, &lo6, 0, UDP_F_NATT, &n6), 0);
	ck_assert_int_eq(udp_open(p.srv, &lo, 0, 0, &plain), 0);
	uint16_t unused;
	int fd = raw_peer(&unused); /* a bound socket someone else opened */
	ck_assert_int_eq(udp_adopt(p.srv, fd, UDP_F_NATT, &adopted), 0);
	ck_assert_int_eq(encap_type(before), 0);
	ck_assert_int_eq(encap_type(n4), UDP_ENCAP_ESPINUDP);
	ck_assert_int_eq(encap_type(n6), UDP_ENCAP_ESPINUDP);
	ck_assert_int_eq(encap_type(adopted), UDP_ENCAP_ESPINUDP);
	ck_assert_int_eq(encap_type(plain), 0);

	uint16_t rport;
	int rfd = raw_peer(&rport);
	static const uint8_t ike[] = { 0, 0, 0, 0, 'I', 'K', 'E' };
	static const uint8_t ka[] = { 0xff };
	raw_send(rfd, udp_sock_port(n4), ka, sizeof(ka));
	raw_send(rfd, udp_sock_port(n4), ike, sizeof(ike));
	/* Sent in that order on loopback: IKE here and no keepalive before
	 * it means the kernel ate the keepalive. */
	run_until(p.loop, &p.srx.n, 1);
	loop_run_once(p.loop, 10 * NS_PER_MS);
	ck_assert_int_eq(p.srx.n, 1);
	ck_assert_int_eq(p.srx.d[0].kind, UDP_IKE);
	ck_assert_uint_eq(p.srx.d[0].len, 3);
	ck_assert_int_eq(memcmp(p.srx.data[0], "IKE", 3), 0);
	ck_assert_uint_eq(udp_stats(p.srv)->rx_keepalive, 0);
	close(rfd);
	pair_free(&p);
}
END_TEST

/* 100 datagrams queued: all delivered, in order, by recvmmsg batches; a
 * send from an address we own no socket for is refused. */
START_TEST(batches_and_errors)
{
	struct pair p;
	pair_new(&p);
	struct ip_addr lo = A("127.0.0.1"), other = A("127.0.0.44");
	struct udp_sock *ss, *cs;
	ck_assert_int_eq(udp_open(p.srv, &lo, 0, 0, &ss), 0);
	ck_assert_int_eq(udp_open(p.cli, &lo, 0, 0, &cs), 0);
	uint16_t sport = udp_sock_port(ss), cport = udp_sock_port(cs);
	for (int i = 0; i < 100; i++) {
		uint8_t b[2] = { (uint8_t)i, 0xab };
		ck_assert_int_eq(udp_send(p.cli, &lo, cport, &lo, sport, b, 2), 0);
	}
	ck_assert_int_eq(loop_run_once(p.loop, NS_PER_SEC), 1); /* one wake: 4 batches */
	ck_assert_int_eq(p.srx.n, 100);
	for (int i = 0; i < 100; i++)
		ck_assert_uint_eq(p.srx.data[i][0], i);
	ck_assert_int_eq(udp_send(p.cli, &other, cport, &lo, sport, "x", 1), -EADDRNOTAVAIL);
	ck_assert_int_eq(udp_send(p.cli, &lo, cport + 1, &lo, sport, "x", 1), -EADDRNOTAVAIL);
	pair_free(&p);
}
END_TEST

/* A plain UDP socket on 127.0.0.1 (the peer, outside struct udp). */
static int raw_sock(uint16_t *port)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(fd, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	socklen_t sl = sizeof(sa);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

/* Datagram i of a test batch: 1 to 1,400 octets, every octet from i. */
static size_t pattern(int i, uint8_t *b)
{
	size_t len = (size_t)(i * 37) % 1400 + 1;
	for (size_t k = 0; k < len; k++)
		b[k] = (uint8_t)(i * 7 + k);
	return len;
}

/* Receive datagram i of pattern() (after `skip` marker octets) from `from`. */
static void expect_pattern(int fd, int i, size_t skip, const char *from)
{
	uint8_t want[1400], got[1500];
	size_t len = pattern(i, want);
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	ssize_t n = recvfrom(fd, got, sizeof(got), MSG_DONTWAIT, (struct sockaddr *)&sa, &sl);
	ck_assert_int_eq(n, (ssize_t)(len + skip));
	if (skip)
		ck_assert_int_eq(memcmp(got, "\0\0\0\0", 4), 0);
	ck_assert_int_eq(memcmp(got + skip, want, len), 0);
	char a[INET_ADDRSTRLEN];
	ck_assert_str_eq(inet_ntop(AF_INET, &sa.sin_addr, a, sizeof(a)), from);
}

/* Batch mode: nothing leaves before the loop's iteration ends; then every
 * datagram arrives intact, in order per socket, from the chosen source
 * (wildcard socket: pktinfo per datagram) with the NAT-T marker where due,
 * in one sendmmsg per socket and full queue. */
START_TEST(batch_mode_in_order_intact)
{
	struct pair p;
	pair_new(&p);
	ck_assert_int_eq(udp_set_batch(p.cli, true), 0);
	struct ip_addr any = A("0.0.0.0"), lo = A("127.0.0.1"), lo2 = A("127.0.0.2");
	struct udp_sock *ws, *ns;
	ck_assert_int_eq(udp_open(p.cli, &any, 0, 0, &ws), 0);
	ck_assert_int_eq(udp_open(p.cli, &lo, 0, UDP_F_NATT, &ns), 0);
	uint16_t wport = udp_sock_port(ws), nport = udp_sock_port(ns), port1, port2;
	int fd1 = raw_sock(&port1), fd2 = raw_sock(&port2);
	uint8_t b[1400];
	size_t len;
	for (int i = 0; i < 10; i++) {
		len = pattern(i, b);
		ck_assert_int_eq(udp_send(p.cli, &lo2, wport, &lo, port1, b, len), 0);
	}
	usleep(20000);
	ck_assert_int_lt(recv(fd1, b, sizeof(b), MSG_DONTWAIT), 0); /* still queued */
	ck_assert_uint_eq(udp_stats(p.cli)->tx_calls, 0);
	loop_run_once(p.loop, 0); /* the iteration's end sends them */
	for (int i = 0; i < 10; i++)
		expect_pattern(fd1, i, 0, "127.0.0.2");
	ck_assert_uint_eq(udp_stats(p.cli)->tx_calls, 1);
	/* 150 more over two sockets: the queue (64) fills twice */
	for (int i = 0; i < 150; i++) {
		len = pattern(i, b);
		if (i % 3 == 0)
			ck_assert_int_eq(udp_send(p.cli, &lo, nport, &lo, port2, b, len), 0);
		else
			ck_assert_int_eq(udp_send(p.cli, &lo2, wport, &lo, port1, b, len), 0);
	}
	loop_run_once(p.loop, 0);
	for (int i = 0; i < 150; i++)
		expect_pattern(i % 3 == 0 ? fd2 : fd1, i, i % 3 == 0 ? 4 : 0,
			       i % 3 == 0 ? "127.0.0.1" : "127.0.0.2");
	ck_assert_int_lt(recv(fd1, b, sizeof(b), MSG_DONTWAIT), 0);
	ck_assert_int_lt(recv(fd2, b, sizeof(b), MSG_DONTWAIT), 0);
	ck_assert_uint_eq(udp_stats(p.cli)->tx, 160);
	ck_assert_uint_eq(udp_stats(p.cli)->tx_calls, 1 + 3 * 2); /* 64 + 64 + 22, 2 sockets */
	ck_assert_uint_eq(udp_stats(p.cli)->tx_err + udp_stats(p.cli)->tx_eagain, 0);
	/* closing a socket sends what is queued first; so does udp_free */
	len = pattern(0, b);
	ck_assert_int_eq(udp_send(p.cli, &lo, nport, &lo, port2, b, len), 0);
	ck_assert_int_eq(udp_send(p.cli, &lo2, wport, &lo, port1, b, len), 0);
	udp_close(p.cli, ns);
	expect_pattern(fd2, 0, 4, "127.0.0.1");
	expect_pattern(fd1, 0, 0, "127.0.0.2");
	ck_assert_int_eq(udp_send(p.cli, &lo2, wport, &lo, port1, b, len), 0);
	udp_free(p.cli);
	p.cli = NULL;
	expect_pattern(fd1, 0, 0, "127.0.0.2");
	close(fd1);
	close(fd2);
	pair_free(&p);
}
END_TEST

/* An echo server in batch mode: 100 requests waiting, one wake-up reads
 * them in batches of 32 (32, 32, 32, 4) and the replies to each batch
 * leave right after it (4 sendmmsg), all in order. */
START_TEST(batch_mode_replies_per_receive_batch)
{
	struct pair p;
	pair_new(&p);
	ck_assert_int_eq(udp_set_batch(p.srv, true), 0);
	p.srx.echo = true;
	struct ip_addr lo = A("127.0.0.1");
	struct udp_sock *ss, *cs;
	ck_assert_int_eq(udp_open(p.srv, &lo, 0, 0, &ss), 0);
	ck_assert_int_eq(udp_open(p.cli, &lo, 0, 0, &cs), 0);
	uint16_t sport = udp_sock_port(ss), cport = udp_sock_port(cs);
	for (int i = 0; i < 100; i++) {
		uint8_t b[2] = { (uint8_t)i, 0xcd };
		ck_assert_int_eq(udp_send(p.cli, &lo, cport, &lo, sport, b, 2), 0);
	}
	ck_assert_uint_eq(udp_stats(p.cli)->tx_calls, 100); /* not in batch mode */
	/* the server's socket alone is ready: one wake-up, 4 receive batches */
	ck_assert_int_eq(loop_run_once(p.loop, NS_PER_SEC), 1);
	ck_assert_int_eq(p.srx.n, 100);
	ck_assert_uint_eq(udp_stats(p.srv)->tx, 100);
	ck_assert_uint_eq(udp_stats(p.srv)->tx_calls, 4);
	run_until(p.loop, &p.crx.n, 100);
	ck_assert_int_eq(p.crx.n, 100);
	for (int i = 0; i < 100; i++) {
		ck_assert_uint_eq(p.crx.d[i].len, 2);
		ck_assert_uint_eq(p.crx.data[i][0], i);
		ck_assert_uint_eq(p.crx.data[i][1], 0xcd);
	}
	pair_free(&p);
}
END_TEST

/* A datagram the kernel refuses in the middle of a queue (port 0: EINVAL)
 * makes sendmmsg return early; the rest still goes out, in order, and the
 * refused one is counted. */
START_TEST(batch_mode_partial_sendmmsg_completed)
{
	struct pair p;
	pair_new(&p);
	ck_assert_int_eq(udp_set_batch(p.cli, true), 0);
	struct ip_addr lo = A("127.0.0.1");
	struct udp_sock *cs;
	ck_assert_int_eq(udp_open(p.cli, &lo, 0, 0, &cs), 0);
	uint16_t cport = udp_sock_port(cs), port1;
	int fd1 = raw_sock(&port1);
	uint8_t b[1400];
	for (int i = 0; i < 5; i++) {
		size_t len = pattern(i, b);
		ck_assert_int_eq(udp_send(p.cli, &lo, cport, &lo, i == 2 ? 0 : port1, b, len), 0);
	}
	udp_flush(p.cli);
	for (int i = 0; i < 5; i++)
		if (i != 2)
			expect_pattern(fd1, i, 0, "127.0.0.1");
	ck_assert_int_lt(recv(fd1, b, sizeof(b), MSG_DONTWAIT), 0);
	ck_assert_uint_eq(udp_stats(p.cli)->tx, 4);
	ck_assert_uint_eq(udp_stats(p.cli)->tx_err, 1);
	/* 2 sent, then the refused one alone, then the last 2 */
	ck_assert_uint_eq(udp_stats(p.cli)->tx_calls, 3);
	/* batch mode off: immediate again, errors returned */
	ck_assert_int_eq(udp_set_batch(p.cli, false), 0);
	ck_assert_int_eq(udp_send(p.cli, &lo, cport, &lo, 0, b, 1), -EINVAL);
	size_t len = pattern(7, b);
	ck_assert_int_eq(udp_send(p.cli, &lo, cport, &lo, port1, b, len), 0);
	expect_pattern(fd1, 7, 0, "127.0.0.1");
	close(fd1);
	pair_free(&p);
}
END_TEST

/* A callback closing the socket being drained: the rest of the batch is
 * dropped and nothing is used after free (ASan run). */
START_TEST(close_inside_callback)
{
	struct pair p;
	pair_new(&p);
	struct ip_addr lo = A("127.0.0.1");
	struct udp_sock *ss, *cs;
	ck_assert_int_eq(udp_open(p.srv, &lo, 0, 0, &ss), 0);
	ck_assert_int_eq(udp_open(p.cli, &lo, 0, 0, &cs), 0);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(udp_send(p.cli, &lo, udp_sock_port(cs), &lo, udp_sock_port(ss), "z", 1),
				 0);
	uint16_t sport = udp_sock_port(ss);
	p.srx.close_me = ss;
	run_until(p.loop, &p.srx.n, 1);
	for (int i = 0; i < 5; i++) /* the two others must not come */
		loop_run_once(p.loop, 10 * NS_PER_MS);
	ck_assert_int_eq(p.srx.n, 1);
	ck_assert_ptr_null(udp_find(p.srv, &lo, sport));
	pair_free(&p);
}
END_TEST

/* The scale mode: a local route for the whole prefix (no address on any
 * interface), ONE wildcard socket per family, and each datagram sent from a
 * chosen address of the prefix.  In a private netns; SKIP without root. */
START_TEST(scale_mode_local_route_wildcard)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
		printf("SKIP: scale_mode_local_route_wildcard: needs root for a private netns\n");
		return;
	}
	struct nl_sock *sk = nlb_socket();
	ck_assert_ptr_nonnull(sk);
	ck_assert_int_eq(nllink_up(sk, "lo"), 0);
	nl_socket_free(sk);
	struct nladdr *n;
	ck_assert_int_eq(nladdr_open(&n), 0);
	struct ip_prefix p4, p6;
	ck_assert_int_eq(ip_prefix_parse("10.99.0.0/16", true, &p4), 0);
	ck_assert_int_eq(ip_prefix_parse("2001:db8:99::/64", true, &p6), 0);
	ck_assert_int_eq(nladdr_route_local_add(n, &p4), 0);
	ck_assert_int_eq(nladdr_route_local_add(n, &p6), 0);

	struct pair p;
	pair_new(&p);
	p.srx.echo = true;
	struct ip_addr any4 = A("0.0.0.0"), any6 = A("::"), lo4 = A("127.0.0.1"), lo6 = A("::1");
	struct udp_sock *s4, *s6, *c4, *c6;
	ck_assert_int_eq(udp_open(p.srv, &lo4, 0, 0, &s4), 0);
	ck_assert_int_eq(udp_open(p.srv, &lo6, 0, 0, &s6), 0);
	ck_assert_int_eq(udp_open(p.cli, &any4, 0, 0, &c4), 0);
	ck_assert_int_eq(udp_open(p.cli, &any6, 0, UDP_F_FREEBIND, &c6), 0);
	const char *from[] = { "10.99.1.2", "10.99.200.7", "2001:db8:99::5", "2001:db8:99::abcd" };
	for (int i = 0; i < 4; i++) {
		struct ip_addr f = A(from[i]);
		bool v6 = f.family == AF_INET6;
		ck_assert_int_eq(udp_send(p.cli, &f, udp_sock_port(v6 ? c6 : c4), v6 ? &lo6 : &lo4,
					  udp_sock_port(v6 ? s6 : s4), from[i], strlen(from[i]) + 1),
				 0);
	}
	run_until(p.loop, &p.crx.n, 4);
	ck_assert_int_eq(p.srx.n, 4);
	ck_assert_int_eq(p.crx.n, 4);
	for (int i = 0; i < 4; i++) {
		const char *sent = (const char *)p.srx.data[i];
		ck_assert(addr_is(&p.srx.d[i].peer, sent));      /* left from there */
		const char *back = (const char *)p.crx.data[i];
		ck_assert(addr_is(&p.crx.d[i].local, back));     /* and came back to it */
	}
	/* Without FREEBIND, IPv6 refuses a source only a route makes local. */
	struct udp *strict = udp_new(p.loop, on_rx, &p.crx);
	struct udp_sock *c6s;
	ck_assert_int_eq(udp_open(strict, &any6, 0, 0, &c6s), 0);
	struct ip_addr f6 = A("2001:db8:99::5");
	ck_assert_int_ne(udp_send(strict, &f6, udp_sock_port(c6s), &lo6, udp_sock_port(s6), "x", 1),
			 0);
	udp_free(strict);
	/* A socket bound per address inside the prefix needs nothing more (v4). */
	struct ip_addr b4 = A("10.99.5.5");
	ck_assert_int_eq(udp_open(p.cli, &b4, 0, 0, NULL), 0);
	pair_free(&p);
	ck_assert_int_eq(nladdr_cleanup(n), 0);
	nladdr_close(n);
}
END_TEST

static Suite *udp_suite(void)
{
	Suite *s = suite_create("udp");
	TCase *tc = tcase_create("loopback");
	tcase_add_test(tc, wildcard_server_answers_from_arrival_address);
	tcase_add_test(tc, wildcard_client_sends_from_chosen_address);
	tcase_add_test(tc, ipv6_loopback);
	tcase_add_test(tc, natt_marker_and_classification);
	tcase_add_test(tc, espinudp_on_natt_sockets);
	tcase_add_test(tc, batches_and_errors);
	tcase_add_test(tc, close_inside_callback);
	tcase_add_test(tc, batch_mode_in_order_intact);
	tcase_add_test(tc, batch_mode_partial_sendmmsg_completed);
	tcase_add_test(tc, batch_mode_replies_per_receive_batch);
	suite_add_tcase(s, tc);
	TCase *ns = tcase_create("netns");
	tcase_add_test(ns, scale_mode_local_route_wildcard);
	suite_add_tcase(s, ns);
	return s;
}

TCHECK_MAIN(udp_suite)
