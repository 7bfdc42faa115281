/* Interface addresses and local prefix routes over rtnetlink (libnl-3).
 *
 * A struct nladdr keeps a record of everything it added, so that
 * nladdr_cleanup() removes exactly those and leaves the host as found.
 * (Prefix nladdr_, not nl_addr_: libnl owns that one.)
 *
 * IPv4 secondaries: deleting a primary address also deletes the
 * secondaries of its subnet unless promote_secondaries is on; the first IPv4
 * add on an interface turns promote_secondaries on (the old value is put
 * back by nladdr_cleanup()), and cleanup deletes in reverse order.
 *
 * Cost: the kernel's own per-address work grows with the addresses already
 * on the interface (IPv4 list scans; IPv6 on an ARP-capable link also joins
 * one solicited-node multicast group per address).  Seen here on a veth:
 * 20k IPv4 in 14 s, but 5k IPv6 in 39 s (iproute2 is no faster).  For
 * large counts use nladdr_route_local_add() instead (DESIGN.md, Scale). */
#ifndef IKESWARM_KERNEL_NL_ADDR_H
#define IKESWARM_KERNEL_NL_ADDR_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/ipaddr.h"

struct nladdr;

/* One netlink socket in the caller's current network namespace. */
int nladdr_open(struct nladdr **out);
/* Does not clean up: call nladdr_cleanup() first if that is wanted. */
void nladdr_close(struct nladdr *n);

/* Add addr/plen on interface ifname (IPv6 with nodad).  0, or -errno:
 * -ENODEV no such interface, -EEXIST already there (not recorded: it is not
 * ours to remove). */
int nladdr_add(struct nladdr *n, const char *ifname, const struct ip_prefix *p);
/* Remove one address (recorded or not); -EADDRNOTAVAIL when absent.
 * Finding it in the record is O(record): fine for occasional removals. */
int nladdr_del(struct nladdr *n, const char *ifname, const struct ip_prefix *p);

/* Add/remove count addresses, pipelined (many requests in flight, then the
 * answers).  err[i] (may be NULL) gets each one's 0/-errno.  Returns the
 * number that failed, or -errno when the batch could not be sent at all. */
int nladdr_add_batch(struct nladdr *n, const char *ifname, const struct ip_prefix *p,
		     size_t count, int *err);
int nladdr_del_batch(struct nladdr *n, const char *ifname, const struct ip_prefix *p,
		     size_t count, int *err);
/* Add addresses that were there before us (a flush undone by someone who
 * is not the flusher): like nladdr_add_batch, but not recorded, so
 * nladdr_cleanup() leaves them. */
int nladdr_put_back(struct nladdr *n, const char *ifname, const struct ip_prefix *p,
		    size_t count, int *err);

/* `ip route add local PREFIX dev lo table local` and its removal: every
 * address of the prefix becomes local without being put on an interface.
 * (IPv6 sockets also need UDP_F_FREEBIND to use them.)  0 or -errno. */
int nladdr_route_local_add(struct nladdr *n, const struct ip_prefix *p);
int nladdr_route_local_del(struct nladdr *n, const struct ip_prefix *p);

/* A unicast route as `ip route replace DST [via VIA] [dev DEV] [table T]
 * [metric M]` gives it (staticroute). */
struct nladdr_route {
	struct ip_prefix dst;    /* host bits are ignored */
	struct ip_addr via;      /* unset: none */
	char dev[IF_NAMESIZE];   /* "": none (then via is needed) */
	uint32_t table;          /* 0: main */
	uint32_t metric;
	bool keep_existing;      /* add fails with -EEXIST instead of replacing */
};
/* Add (replacing a route with the same destination, table and metric, as
 * `ip route replace` does, unless keep_existing) and record it; remove
 * (recorded or not).  0 or -errno (-ENODEV: no such dev). */
int nladdr_route_add(struct nladdr *n, const struct nladdr_route *r);
int nladdr_route_del(struct nladdr *n, const struct nladdr_route *r);

/* Remove the addresses of ifname (IPv6 link-local ones stay: the link
 * needs them), secondaries before their primary, and remember them so
 * nladdr_cleanup() puts them back (same prefix length; labels, broadcast
 * and lifetimes are not kept, nor routes the kernel dropped with them).
 * fn (may be NULL) is told each removed one.  Returns how many were
 * removed, or -errno. */
int nladdr_flush(struct nladdr *n, const char *ifname,
		 void (*fn)(const struct ip_prefix *p, void *arg), void *arg);

/* Remove every address and route this struct added (and still records),
 * newest first, put back what nladdr_flush() removed, and restore
 * promote_secondaries.  Returns how many removals or restores failed (an
 * address already removed by someone else is not a failure). */
int nladdr_cleanup(struct nladdr *n);
/* Entries in the record (addresses + routes). */
size_t nladdr_recorded(const struct nladdr *n);

/* 1 when addr is on ifname (any prefix length), 0 when not, -errno. */
int nladdr_present(struct nladdr *n, const char *ifname, const struct ip_addr *a);
/* Dump the addresses of ifname (family AF_INET, AF_INET6 or 0 for both),
 * calling fn for each.  Returns the count, or -errno. */
int nladdr_dump(struct nladdr *n, const char *ifname, int family,
		void (*fn)(const struct ip_prefix *p, void *arg), void *arg);

/* Address change events (RTM_NEWADDR / RTM_DELADDR) from any process: MOBIKE
 * notices an address deleted under it.  The fd goes into the event loop;
 * nladdr_mon_read() drains what is pending without blocking. */
enum nladdr_event { NLADDR_NEW, NLADDR_DEL };
struct nladdr_mon;
typedef void (*nladdr_mon_fn)(enum nladdr_event ev, int ifindex, const struct ip_prefix *p,
			      void *arg);
int nladdr_mon_open(struct nladdr_mon **out, nladdr_mon_fn fn, void *arg);
int nladdr_mon_fd(const struct nladdr_mon *m);
/* Returns the number of events delivered, or -errno (-ENOBUFS: events were
 * lost because the socket overflowed; re-read the state with nladdr_dump). */
int nladdr_mon_read(struct nladdr_mon *m);
void nladdr_mon_close(struct nladdr_mon *m);

#endif
