/* IKE UDP sockets of one worker: ports 500 and 4500, IPv4 and IPv6.
 *
 * Every datagram reports the local address it reached (IP_PKTINFO /
 * IPV6_RECVPKTINFO) and the sender, and udp_send() leaves from exactly the
 * local address and port given (RFC 7296 2.11: answer from where the request
 * arrived).  Two ways to own local addresses, mixable in one struct udp:
 *
 * - a socket bound per address (udp_open() with a specific address): simple,
 *   but 2 fds per address (500 + 4500): 100k addresses = 200k fds, each with
 *   its own buffers and epoll entry;
 * - one wildcard socket per (family, port) (udp_open() with the any address)
 *   and the source address chosen per datagram with IP_PKTINFO on sendmsg.
 *   Constant fd count, one recvmmsg batch serves every tunnel.
 *
 * Recommended: the wildcard socket for a client with more than a few hundred
 * addresses, and with UDP_F_FREEBIND in the "local route for the prefix"
 * scale mode; bound sockets with UDP_F_REUSEPORT for the gateway's
 * bindifaddr (cBPF steering per worker attaches to those fds).
 * udp_send() picks the socket bound to (from, from_port) when there is one,
 * else the wildcard socket of that family and port.
 *
 * "NAT-T" sockets (UDP_F_NATT, normally port 4500) carry the 4-octet
 * non-ESP marker: stripped and classified on receive, prepended on send. */
#ifndef IKESWARM_WORKER_UDP_H
#define IKESWARM_WORKER_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/ipaddr.h"
#include "worker/loop.h"

#define IKE_PORT 500
#define IKE_NATT_PORT 4500
#define UDP_BATCH 32          /* datagrams per recvmmsg */
#define UDP_TX_BATCH 64       /* datagrams queued for sendmmsg (batch mode) */
#define UDP_TX_BYTES (64 * 1024) /* their bytes, markers included */
#define UDP_MAX_DGRAM 65536   /* receive buffer per datagram */

enum udp_flags {
	UDP_F_NATT = 1 << 0,      /* non-ESP marker framing (port 4500) */
	UDP_F_REUSEPORT = 1 << 1, /* SO_REUSEPORT (gateway workers share) */
	UDP_F_FREEBIND = 1 << 2,  /* bind / send from addresses not (yet) on an
				     interface (IP_FREEBIND, IPV6_FREEBIND) */
	UDP_F_TRANSPARENT = 1 << 3, /* IP_TRANSPARENT (needs CAP_NET_ADMIN):
				       send from any address, no route needed */
	UDP_F_REUSEADDR = 1 << 4, /* SO_REUSEADDR: needed on both to mix a
				     wildcard and a bound socket on one port */
};

enum udp_kind {
	UDP_IKE,       /* an IKE message (marker already stripped on NAT-T) */
	UDP_KEEPALIVE, /* NAT-T keepalive: the single octet 0xFF */
	UDP_ESP,       /* UDP-encapsulated ESP (NAT-T socket, non-zero SPI) */
	UDP_RUNT,      /* NAT-T datagram too short to classify */
};

struct udp_dgram {
	struct ip_addr local; /* our address the datagram was sent to */
	uint16_t local_port;  /* host order */
	struct ip_addr peer;
	uint16_t peer_port;
	enum udp_kind kind;
	uint32_t esp_spi;     /* UDP_ESP: the SPI, host order */
	int ifindex;          /* interface it arrived on */
	const uint8_t *data;  /* payload after any marker; valid in the callback */
	size_t len;
};

struct udp;
struct udp_sock;
typedef void (*udp_rx_fn)(struct udp *u, const struct udp_dgram *d, void *arg);

struct udp_stats {
	uint64_t rx, rx_ike, rx_keepalive, rx_esp, rx_runt, rx_trunc;
	uint64_t tx, tx_eagain, tx_err;
	uint64_t tx_calls;    /* sendmsg + sendmmsg system calls */
};

/* A socket set whose sockets live on `loop`; fn gets every datagram.  fn may
 * udp_send() and udp_close() (even the socket it is called for: the rest of
 * that batch is then dropped), never udp_free().  Allocates the receive
 * batch: UDP_BATCH * UDP_MAX_DGRAM = 2 MiB per struct udp. */
struct udp *udp_new(struct loop *loop, udp_rx_fn fn, void *arg);
/* Closes every socket. */
void udp_free(struct udp *u);

/* SO_RCVBUF/SO_SNDBUF for sockets opened after this (default 4 MiB each;
 * SO_*BUFFORCE is tried first so root is not capped by rmem_max). */
void udp_set_bufsize(struct udp *u, int rcvbuf, int sndbuf);

/* installfastpath: every NAT-T socket (UDP_F_NATT) opened or adopted after
 * this gets UDP_ENCAP = UDP_ENCAP_ESPINUDP, so the kernel decapsulates the
 * peer's ESP in UDP into its XFRM states.  Linux (xfrm4/6_udp_encap_rcv,
 * IPv6 since 5.8) then eats 0xFF keepalives and passes IKE (non-ESP marker
 * first) to us unchanged; only a socket without it sees UDP_ESP/KEEPALIVE.
 * udp_open()/udp_adopt() fail when the option cannot be set. */
void udp_set_espinudp(struct udp *u, bool on);
/* Set that option on one UDP socket fd (the supervisor's groups).  0 or
 * -errno. */
int udp_fd_espinudp(int fd);

/* Batch mode (off by default): udp_send() and udp_send_keepalive() copy
 * the datagram into a queue and return; the queue goes out with one
 * sendmmsg per socket (in the order queued) after each recvmmsg batch has
 * been delivered, at the end of the loop's iteration (loop_flush_add), when
 * it is full, before a socket closes and in udp_free().  A reply to each datagram of a recvmmsg batch, or the
 * requests a timer starts, then cost one system call instead of one each.
 * Send errors of queued datagrams are only counted (udp_stats: tx_eagain,
 * tx_err); the datagram is dropped as an immediate -EAGAIN would be, and IKE
 * retransmits.  0 or -errno (the loop's flusher slots are full). */
int udp_set_batch(struct udp *u, bool on);
/* Send what is queued now (nothing to do outside batch mode). */
void udp_flush(struct udp *u);

/* Open a socket bound to (local, port): a specific address, or the any
 * address (family set, bytes zero) for a wildcard socket.  IPv6 sockets are
 * IPV6_V6ONLY.  0 or -errno (-EEXIST when that address/port is open here). */
int udp_open(struct udp *u, const struct ip_addr *local, uint16_t port, unsigned flags,
	     struct udp_sock **out);
/* Take over fd, a UDP socket already bound by someone else (the
 * supervisor's SO_REUSEPORT group, worker/steer.h): pktinfo and the buffer
 * sizes are set as udp_open() does; flags as there (UDP_F_NATT matters;
 * REUSEPORT/REUSEADDR are the opener's business).  The fd is closed by
 * udp_close()/udp_free().  0 or -errno (fd left open). */
int udp_adopt(struct udp *u, int fd, unsigned flags, struct udp_sock **out);
/* Close one socket (and unregister it from the loop). */
void udp_close(struct udp *u, struct udp_sock *s);

/* The socket bound to exactly (local, port), or NULL. */
struct udp_sock *udp_find(const struct udp *u, const struct ip_addr *local, uint16_t port);
int udp_sock_fd(const struct udp_sock *s);
/* The bound port (useful after opening port 0 in tests). */
uint16_t udp_sock_port(const struct udp_sock *s);

/* Send an IKE message from (from, from_port) to (to, to_port); the marker is
 * prepended when the socket used is a NAT-T one.  0 or -errno: -EAGAIN
 * when the send buffer is full (count it as a drop; IKE retransmits),
 * -EADDRNOTAVAIL when no socket serves that local address and port,
 * -EAFNOSUPPORT when the families differ.  In batch mode 0 means queued
 * (the address checks are made here, send errors counted at the flush). */
int udp_send(struct udp *u, const struct ip_addr *from, uint16_t from_port,
	     const struct ip_addr *to, uint16_t to_port, const void *buf, size_t len);
/* Send a NAT-T keepalive (one 0xFF octet, no marker). */
int udp_send_keepalive(struct udp *u, const struct ip_addr *from, uint16_t from_port,
		       const struct ip_addr *to, uint16_t to_port);

const struct udp_stats *udp_stats(const struct udp *u);

#endif
