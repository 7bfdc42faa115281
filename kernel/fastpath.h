/* The fastpath: CHILD SAs into the kernel (XFRM states, policies, routes
 * in table 330), batched, with a record of what was installed.
 *
 * One struct fastpath per network namespace (its sockets live where
 * fp_open() was called).  Every call takes an array of requests and gives
 * each its own errno in err[i]; the messages of all of them go out packed
 * (kernel/nl_pack.h: one sendmsg per 128 KiB).  A request that fails is
 * undone (nothing of a failed install stays); the record then holds exactly
 * what is installed, so fp_cleanup() removes exactly that.
 *
 * What one install does (kernel/xfrm_sa.h, xfrm_policy.h, route330.h for
 * the details): two ESP states (in, out), policies out/in/fwd per pair of
 * traffic selectors (fwd in tunnel mode only), and in tunnel mode a route
 * in table 330 for each remote TS, via where the peer's outer address is
 * routed, source = the local TS when that is one address; the first such
 * route of a family adds `ip rule add priority 330 table 330`.  That
 * source must be a local address already (remote access: put the virtual
 * IP on `virtualipif` first), or the kernel refuses the route (-EINVAL)
 * and the install is undone.  The peers' routes are looked up once per
 * batch in one packed query and remembered (VIA_CACHE peers).
 *
 * The SPD hash thresholds of the netns are lowered to the least specific
 * selectors installed (xfrm_policy.h: else every policy op scans all
 * inexact policies, O(n) per SA); fp_cleanup() puts the old values back.
 *
 * Rekey keeps the traffic selectors: the new states go in before the old
 * ones go.  The policies' templates name the reqid, not an SPI, so when the
 * new CHILD SA keeps the reqid the policies stay as they are (the kernel
 * sends with the newest state of that reqid from the moment it is added);
 * only a new reqid or new endpoints rewrite them (XFRM_MSG_UPDPOLICY).
 *
 * MOBIKE, a move to new addresses of the same family that keeps or adds
 * (or re-ports) the UDP encapsulation: XFRM_MSG_MIGRATE per policy moves
 * the policies' templates and the states (the kernel clones each state
 * with its replay window, sequence numbers and counters, then deletes the
 * old one).  Every other move -- the same addresses with other ports (a
 * NAT rebinding), UDP encapsulation added or dropped on the same
 * addresses, encapsulation dropped, the outer family changed (IPv4 <->
 * IPv6), or a migrate the kernel refused as a whole -- is a delete and
 * re-add: the states' replay state (bitmap included) and lifetime
 * counters are read (XFRM_MSG_GETAE), then one pack deletes the old
 * states, adds them at the new endpoints carrying those values
 * (XFRMA_REPLAY_ESN_VAL / XFRMA_REPLAY_VAL, XFRMA_LTIME_VAL: outbound
 * sequence numbers go on, inbound replay protection holds), updates the
 * policies' templates and replaces the routes.  So the record keeps what
 * adding the states needs: algorithms, ESN, replay window and the KEYMAT
 * (wiped when the record goes).  The table 330 routes always follow the
 * new path to the peer. */
#ifndef IKESWARM_KERNEL_FASTPATH_H
#define IKESWARM_KERNEL_FASTPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/child_sa.h"
#include "kernel/xfrm_sa.h"

struct fastpath;

/* XFRM and route netlink sockets in the current network namespace.  0 or
 * -errno (-EPROTONOSUPPORT: no XFRM netlink in this kernel). */
int fp_open(struct fastpath **out);
/* Frees the record without touching the kernel (fp_cleanup() first). */
void fp_close(struct fastpath *fp);

/* Install count CHILD SAs.  err[i]: 0, -EINVAL/-ENOTSUP (the request),
 * -EEXIST (reqid already installed here, or the kernel has that state, or
 * a policy that no CHILD SA in the record holds), or the kernel's errno
 * (-EPROTONOSUPPORT: no ESP; -ENOSYS / -ENOENT: no such algorithm).
 * Returns how many failed, or -errno.
 *
 * Selectors shared by CHILD SAs of the record (a peer dialed again before
 * its old SA went): the newest install owns the policies (they carry its
 * template); the delete, rekey or move of another holder leaves them
 * alone, and the owner's delete hands them to the newest one left. */
int fp_install(struct fastpath *fp, const struct fp_child *c, size_t count, int *err);

/* Replace the installed CHILD SA old_reqid[i] by c[i] (same traffic
 * selectors, new SPIs and keys; reqid kept or new).  -ENOENT when
 * old_reqid is not installed, -EINVAL when the selectors differ.  When a
 * new state cannot be added the old SA stays as it was. */
int fp_rekey(struct fastpath *fp, const uint32_t *old_reqid, const struct fp_child *c,
	     size_t count, int *err);

/* Move CHILD SA reqid[i] to the outer endpoints to[i]: new addresses
 * (either family), new ports, UDP encapsulation on or off (both ports 0 =
 * plain ESP).  -ENOENT when not installed, -EINVAL for mixed families or
 * one port of two; 0 without a message when nothing changes.  A re-add
 * that fails puts the old states and templates back (err[i] says why). */
int fp_migrate(struct fastpath *fp, const uint32_t *reqid, const struct fp_endpoints *to,
	       size_t count, int *err);

/* Remove CHILD SA reqid[i]: states, policies, its routes (a route shared by
 * several SAs goes with the last).  Already gone in the kernel is not an
 * error; -ENOENT when not in the record. */
int fp_delete(struct fastpath *fp, const uint32_t *reqid, size_t count, int *err);

/* Start of a run (`--flush`): every XFRM state and policy of this netns,
 * every route and rule of table 330; the record is emptied.  0 or -errno
 * (the first failure). */
int fp_flush(struct fastpath *fp);

/* End of a run: remove everything in the record, the table 330 rules this
 * struct added, and restore the SPD hash thresholds it changed.  Returns how many removals failed (0 = all gone). */
int fp_cleanup(struct fastpath *fp);

/* CHILD SAs in the record. */
size_t fp_installed(const struct fastpath *fp);
/* The reqids in the record for which keep (NULL: all) says true, the
 * first max of them into out; returns how many there are.  O(record):
 * for rare whole-record work (a restarted worker's SAs), never per SA. */
size_t fp_reqids(const struct fastpath *fp, bool (*keep)(uint32_t reqid, void *arg), void *arg,
		 uint32_t *out, size_t max);

/* Read one ESP state (XFRM_MSG_GETSA): endpoints, counters, sequence
 * numbers.  0, -ESRCH when there is none, or -errno. */
int fp_sa_get(struct fastpath *fp, const struct ip_addr *dst, uint32_t spi,
	      struct xfrm_sa_info *out);

#endif
