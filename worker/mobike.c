/* MOBIKE negotiation in IKE_AUTH, the INFORMATIONAL responder side
 * (COOKIE2 echo, address lists, the gateway's UPDATE_SA_ADDRESSES), and
 * the SA bookkeeping hooks (see mobike.h; the client's moves and the two
 * MOBIKE tasks are in task_mobike.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf/plan.h"
#include "proto/natd.h"
#include "worker/engine.h"
#include "worker/fastpath_client.h"
#include "worker/mobike.h"
#include "worker/mobike_int.h"
#include "worker/task.h"
#include "worker/udp.h"

struct mobike *mobike_get(struct ikesa *sa)
{
	if (sa->mob)
		return sa->mob;
	struct mobike *mob = calloc(1, sizeof(*mob));
	if (!mob)
		return NULL;
	mob->sa = sa;
	timer_init(&mob->move_timer, mobike_on_move_timer, mob);
	timer_init(&mob->rr_timer, mobike_on_rr_timer, mob);
	mob->ok_path = mob->child_path = sa->path;
	sa->mob = mob;
	return mob;
}

void mobike_free(struct ikesa *sa)
{
	if (!sa->mob)
		return;
	engine_timer_cancel(sa->eng, &sa->mob->move_timer);
	engine_timer_cancel(sa->eng, &sa->mob->rr_timer);
	free(sa->mob);
	sa->mob = NULL;
}

void mobike_rekeyed(struct ikesa *old, struct ikesa *n)
{
	struct mobike *mob = old->mob;
	if (!mob)
		return;
	mobike_free(n);
	old->mob = NULL;
	n->mob = mob;
	mob->sa = n;
	mob->any_update = false; /* message IDs start again on the new SA */
	/* An update waiting on the old SA goes on with the new one; one in
	 * flight there is sent again on the new SA (the peer may have rekeyed
	 * before it saw it; its answer to the old SA is ignored). */
	if ((mob->update_wanted || mob->cookie2_out) && !mobike_update_queued(n))
		sa_queue_task(n, TASK_MOBIKE_UPDATE, 0);
	mob->cookie2_out = false;
	if (mob->rr_wanted && !timer_armed(&mob->rr_timer))
		sa_queue_task(n, TASK_MOBIKE_CHECK, 0);
	if (mob->list_wanted && !mobike_list_queued(n))
		sa_queue_task(n, TASK_MOBIKE_ADDRLIST, 0);
}

void mobike_children_moved(struct ikesa *sa, const struct ike_path *old)
{
	struct engine *e = sa->eng;
	struct mobike *mob = sa->mob;
	(void)old;
	/* installfastpath: every CHILD SA's XFRM states, policies and routes
	 * follow sa->path, whatever changed: addresses (either family), ports
	 * only (a NAT rebinding), ESP in UDP on or off (kernel/fastpath.h
	 * fp_migrate; the endpoints carry the ports only behind a NAT). */
	fpc_children_moved(sa);
	if (mob)
		mob->child_path = sa->path;
	e->cnt.mobike_children_moved += sa->n_children;
	if (wlog_enabled(&e->log, WLOG_VERBOSE)) {
		char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN];
		wlog_event(&e->log, WLOG_VERBOSE, sa->tunnel, ikesa_our_spi(sa),
			   "mobike.children.moved", "own=%s peer=%s children=%u encap=%s",
			   ip_addr_format(&sa->path.local, a, sizeof(a)),
			   ip_addr_format(&sa->path.remote, b, sizeof(b)), sa->n_children,
			   sa->nat_local || sa->nat_remote ? "udp" : "none");
	}
}

/* ---- NAT-D and NO_NATS_ALLOWED ---------------------------------------- */

static int natd_hash(const struct ikesa *sa, const struct ip_addr *a, uint16_t port,
		     uint8_t out[IKE_NATD_LEN])
{
	uint8_t si[8], sr[8];
	spi_bytes(sa->spi_i, si);
	spi_bytes(sa->spi_r, sr);
	return ike_natd_hash_raw(sa->eng->crypto, si, sr, a->bytes, ip_addr_bits(a) / 8, port,
				 out);
}

int mobike_add_natd(const struct ikesa *sa, struct ike_builder *b, const struct ike_path *p)
{
	uint8_t h[IKE_NATD_LEN];
	if (natd_hash(sa, &p->local, p->lport, h) < 0)
		return -EIO;
	ike_add_notify_simple(b, IKE_N_NAT_DETECTION_SOURCE_IP, h, sizeof(h));
	if (natd_hash(sa, &p->remote, p->rport, h) < 0)
		return -EIO;
	ike_add_notify_simple(b, IKE_N_NAT_DETECTION_DESTINATION_IP, h, sizeof(h));
	return 0;
}

bool mobike_read_natd(struct ikesa *sa, const struct ike_msg *m, const struct ike_path *p)
{
	uint8_t want_src[IKE_NATD_LEN], want_dst[IKE_NATD_LEN];
	bool any = false, src_match = false, dst_match = true;
	if (natd_hash(sa, &p->remote, p->rport, want_src) < 0 ||
	    natd_hash(sa, &p->local, p->lport, want_dst) < 0)
		return false;
	for (unsigned i = 0; i < m->n_notify; i++) {
		const struct ike_notify *n = &m->notify[i];
		if (n->type == IKE_N_NAT_DETECTION_SOURCE_IP) {
			any = true;
			if (n->len == IKE_NATD_LEN && !memcmp(n->data, want_src, IKE_NATD_LEN))
				src_match = true;
		} else if (n->type == IKE_N_NAT_DETECTION_DESTINATION_IP) {
			any = true;
			dst_match = n->len == IKE_NATD_LEN &&
				    !memcmp(n->data, want_dst, IKE_NATD_LEN);
		}
	}
	if (any) {
		sa->nat_remote = !src_match;
		sa->nat_local = !dst_match;
	}
	return any;
}

/* NO_NATS_ALLOWED data as the sender sees path p: its address, ours, its
 * port, ours (RFC 4555 4: src, dst, src port, dst port). */
size_t mobike_nonats_data(const struct ike_path *p, uint8_t out[36])
{
	size_t al = ip_addr_bits(&p->local) / 8;
	memcpy(out, p->local.bytes, al);
	memcpy(out + al, p->remote.bytes, al);
	out[2 * al] = p->lport >> 8, out[2 * al + 1] = (uint8_t)p->lport;
	out[2 * al + 2] = p->rport >> 8, out[2 * al + 3] = (uint8_t)p->rport;
	return 2 * al + 4;
}

/* The peer's NO_NATS_ALLOWED against the headers of the request that
 * reached us on `path` (local: ours).  True when they agree. */
static bool nonats_ok(const struct ike_notify *n, const struct ike_path *path)
{
	struct ike_path mirrored = { .local = path->remote, .remote = path->local,
				     .lport = path->rport, .rport = path->lport };
	uint8_t want[36];
	size_t len = mobike_nonats_data(&mirrored, want);
	return n->len == len && memcmp(n->data, want, len) == 0;
}

/* ---- IKE_AUTH ----------------------------------------------------------- */

int mobike_auth_build(struct ikesa *sa, struct msg_out *m)
{
	struct engine *e = sa->eng;
	const struct config *cfg = e->cfg;
	if (!cfg->mobike || !sa->tun)
		return 0;
	if (!mobike_get(sa))
		return -ENOMEM;
	struct ip_addr own[MOBIKE_MAX_PEERS];
	unsigned n = mobike_own_list(sa, own, MOBIKE_MAX_PEERS);
	ike_add_notify_simple(&m->b, IKE_N_MOBIKE_SUPPORTED, NULL, 0);
	mobike_add_list(&m->b, own, n, &sa->path.local);
	if (config_disallownat(cfg)) {
		uint8_t d[36];
		ike_add_notify_simple(&m->b, IKE_N_NO_NATS_ALLOWED, d,
				      mobike_nonats_data(&sa->path, d));
	}
	return 0;
}

void mobike_auth_done(struct ikesa *sa, const struct ike_msg *m)
{
	struct engine *e = sa->eng;
	struct mobike *mob = sa->mob;
	if (!mob)
		return;
	mob->peer_supported = ike_msg_notify(m, IKE_N_MOBIKE_SUPPORTED) != NULL;
	mob->ok_path = mob->child_path = sa->path;
	mob->own_idx = 0;
	if (!mob->peer_supported) {
		/* Logged once per IKE SA; no move will ever be sent. */
		wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa), "mobike.unsupported",
			   "peer=%s", "no MOBIKE_SUPPORTED");
		e->cnt.mobike_unsupported++;
		return;
	}
	mobike_peers_set(sa, &sa->path.remote, &sa->path.remote, m);
	if (e->cfg->mobikeiplifetime_ns)
		engine_timer_in(e, &mob->move_timer, e->cfg->mobikeiplifetime_ns);
}

int mobike_auth_respond(struct ikesa *sa, const struct ike_msg *m, struct msg_out *out)
{
	struct engine *e = sa->eng;
	const struct config *cfg = e->cfg;
	if (!cfg->mobike || !ike_msg_notify(m, IKE_N_MOBIKE_SUPPORTED))
		return 0;
	struct mobike *mob = mobike_get(sa);
	if (!mob)
		return -ENOMEM;
	mob->peer_supported = true;
	mobike_peers_set(sa, &sa->path.remote, &sa->path.remote, m);
	struct ip_addr own[MOBIKE_MAX_PEERS];
	unsigned n = mobike_own_list(sa, own, MOBIKE_MAX_PEERS);
	ike_add_notify_simple(&out->b, IKE_N_MOBIKE_SUPPORTED, NULL, 0);
	mobike_add_list(&out->b, own, n, &sa->path.local);
	return 0;
}

/* ---- INFORMATIONAL responder ------------------------------------------- */

static void fail_log(struct ikesa *sa, const char *reason, const struct ike_path *p)
{
	char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN];
	wlog_event(&sa->eng->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa), "mobike.update.failed",
		   "reason=%s own=%s peer=%s", reason,
		   ip_addr_format(&p->local, a, sizeof(a)), ip_addr_format(&p->remote, b, sizeof(b)));
}

/* Gateway: must the move to path be refused with UNACCEPTABLE_ADDRESSES?
 * The one rule: the peer's new address (IP header) lies in
 * mobikeunacceptableaddr (an ikeswarm test knob, see ikeswarm-setup(5)).
 * A family we do not serve cannot occur: the request reached one of our
 * sockets of that family. */
static bool move_refused(const struct ikesa *sa, const struct ike_path *path)
{
	const struct ip_prefix *no = &sa->eng->cfg->mobikeunacceptableaddr;
	return !ip_addr_is_unset(&no->addr) && ip_prefix_contains(no, &path->remote);
}

/* Gateway: UPDATE_SA_ADDRESSES (RFC 4555 3.5) that reached us on path. */
static void update_respond(struct ikesa *sa, const struct ike_msg *m, struct msg_out *out,
			   const struct ike_path *path)
{
	struct engine *e = sa->eng;
	struct mobike *mob = sa->mob;
	const struct ike_notify *nn = ike_msg_notify(m, IKE_N_NO_NATS_ALLOWED);
	if (nn && !nonats_ok(nn, path)) {
		/* 3.9: say so to the real source and change nothing. */
		ike_add_notify_simple(&out->b, IKE_N_UNEXPECTED_NAT_DETECTED, NULL, 0);
		e->cnt.mobike_updates_failed++;
		fail_log(sa, "UNEXPECTED_NAT_DETECTED", path);
		return;
	}
	bool had_natd = ike_msg_notify(m, IKE_N_NAT_DETECTION_SOURCE_IP) != NULL;
	if (move_refused(sa, path)) {
		/* 3.5: a pair we will not use: say so, change nothing. */
		ike_add_notify_simple(&out->b, IKE_N_UNACCEPTABLE_ADDRESSES, NULL, 0);
		if (had_natd)
			mobike_add_natd(sa, &out->b, path);
		e->cnt.mobike_updates_failed++;
		e->cnt.mobike_refused++;
		fail_log(sa, "UNACCEPTABLE_ADDRESSES", path);
		return;
	}
	if (mob->any_update && m->hdr.msgid < mob->last_update_msgid) {
		/* A newer update was processed already: just reply. */
		if (had_natd)
			mobike_add_natd(sa, &out->b, path);
		return;
	}
	struct ike_path old = sa->path;
	/* New addresses and ports from the IP/UDP headers only. */
	sa->path = *path;
	sa->natt = path->lport != IKE_PORT;
	mobike_read_natd(sa, m, path);
	if (had_natd)
		mobike_add_natd(sa, &out->b, path);
	mob->any_update = true;
	mob->last_update_msgid = m->hdr.msgid;
	e->cnt.mobike_updates_ok++;
	char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN], c[IP_ADDR_STRLEN], d[IP_ADDR_STRLEN];
	wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa), "mobike.update.ok",
		   "old_own=%s old_peer=%s own=%s peer=%s port=%u nat=%s",
		   ip_addr_format(&old.local, a, sizeof(a)), ip_addr_format(&old.remote, b, sizeof(b)),
		   ip_addr_format(&sa->path.local, c, sizeof(c)),
		   ip_addr_format(&sa->path.remote, d, sizeof(d)), sa->path.rport,
		   sa->nat_remote ? "peer" : sa->nat_local ? "us" : "none");
	if (e->cfg->mobikereturnroutability) {
		if (!mob->rr_wanted) {
			/* Queued from a timer: our response goes out first. */
			mob->rr_wanted = true;
			engine_timer_in(e, &mob->rr_timer, 0);
		}
	} else {
		mobike_children_moved(sa, &mob->child_path);
	}
}

void mobike_info_respond(struct ikesa *sa, const struct ike_msg *m, struct msg_out *out,
			 const struct ike_path *path)
{
	struct engine *e = sa->eng;
	const struct ike_notify *c2 = ike_msg_notify(m, IKE_N_COOKIE2);
	/* RFC 4555 3.7: COOKIE2 echoed unchanged (8 to 64 octets). */
	if (c2 && c2->len >= 8 && c2->len <= 64)
		ike_add_notify_simple(&out->b, IKE_N_COOKIE2, c2->data, c2->len);
	struct mobike *mob = sa->mob;
	if (!mob || !mob->peer_supported)
		return;
	if (mobike_msg_has_list(m)) {
		const struct ike_notify *nn = ike_msg_notify(m, IKE_N_NO_NATS_ALLOWED);
		if (nn && !nonats_ok(nn, path)) {
			ike_add_notify_simple(&out->b, IKE_N_UNEXPECTED_NAT_DETECTED, NULL, 0);
		} else if (sa->tun && !mobike_list_holds(m, &path->remote, &sa->path.remote)) {
			/* 3.6: the gateway gave up the address we use (it is
			 * gone from its interface): the list replaces it, and
			 * we move to where the list came from at once. */
			mobike_peers_set(sa, &path->remote, &path->remote, m);
			mobike_move_peer_gone(sa, &path->remote);
		} else {
			/* The gateway keeps the client's list for dump only; a
			 * list riding on an update counts from the new path. */
			mobike_peers_set(sa, sa->tun ? &sa->path.remote : &path->remote,
					 &path->remote, m);
		}
	}
	if (!ike_msg_notify(m, IKE_N_UPDATE_SA_ADDRESSES) &&
	    ike_msg_notify(m, IKE_N_NAT_DETECTION_SOURCE_IP)) {
		/* 3.8: a DPD with NAT-D is answered with ours for the path it
		 * came on; nothing moves (the initiator updates if it must). */
		mobike_add_natd(sa, &out->b, path);
		return;
	}
	if (ike_msg_notify(m, IKE_N_UPDATE_SA_ADDRESSES)) {
		if (sa->tun) {
			/* Only the original initiator moves the SA (4555 2.1): our
			 * client tunnel, even when a rekey by the gateway made
			 * the gateway the new IKE SA's initiator. */
			wlog_event(&e->log, WLOG_VERBOSE, sa->tunnel, ikesa_our_spi(sa),
				   "mobike.update.ignored", "reason=from-responder");
			return;
		}
		update_respond(sa, m, out, path);
	}
}

/* ---- NAT mapping changes (3.8) ------------------------------------------- */

void mobike_dpd_build(struct ikesa *sa, struct msg_out *m)
{
	struct mobike *mob = sa->mob;
	if (mob && mob->peer_supported && sa->tun && sa->nat_local)
		mobike_add_natd(sa, &m->b, &sa->path);
}

void mobike_dpd_done(struct ikesa *sa, const struct ike_msg *m)
{
	struct mobike *mob = sa->mob;
	const struct ike_notify *n = ike_msg_notify(m, IKE_N_NAT_DETECTION_DESTINATION_IP);
	if (!mob || !mob->peer_supported || !sa->tun || !n || n->len != IKE_NATD_LEN)
		return;
	bool changed = mob->natd_dst_known && memcmp(mob->natd_dst, n->data, IKE_NATD_LEN) != 0;
	memcpy(mob->natd_dst, n->data, IKE_NATD_LEN);
	mob->natd_dst_known = true;
	if (!changed)
		return;
	struct engine *e = sa->eng;
	wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa), "mobike.nat.changed",
		   "reason=natd-destination");
	mobike_update_path_again(sa);
}
