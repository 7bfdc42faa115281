/* The client's MOBIKE moves and the two MOBIKE tasks (RFC 4555 3.5, 3.7):
 * - TASK_MOBIKE_UPDATE (client): INFORMATIONAL { UPDATE_SA_ADDRESSES,
 *   NAT-D, [NO_NATS_ALLOWED], COOKIE2 } on the new path;
 * - TASK_MOBIKE_CHECK (gateway): the return routability check, an
 *   INFORMATIONAL { COOKIE2 } to the peer's new address before its CHILD
 *   SAs move;
 * - TASK_MOBIKE_ADDRLIST (either role): INFORMATIONAL { [NO_NATS_ALLOWED],
 *   ADDITIONAL_* or NO_ADDITIONAL_ADDRESSES } when our own address set
 *   changed (3.6).  The gateway's current address may be the one that
 *   left: the caller moved sa->path.local to a remaining one first. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conf/plan.h"
#include "proto/names.h"
#include "worker/engine.h"
#include "worker/mobike.h"
#include "worker/mobike_int.h"
#include "worker/task.h"
#include "worker/udp.h"

static bool queued(const struct ikesa *sa, enum task_kind k)
{
	for (unsigned i = 0; i < sa->taskq_n; i++)
		if (sa->taskq[i] == k)
			return true;
	return false;
}

bool mobike_update_queued(const struct ikesa *sa)
{
	return queued(sa, TASK_MOBIKE_UPDATE);
}

bool mobike_list_queued(const struct ikesa *sa)
{
	return queued(sa, TASK_MOBIKE_ADDRLIST);
}

static void log_pair(struct ikesa *sa, enum wlog_level lvl, const char *ev,
		     const struct ike_path *old, const char *extra)
{
	struct engine *e = sa->eng;
	if (!wlog_enabled(&e->log, lvl))
		return;
	char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN], c[IP_ADDR_STRLEN], d[IP_ADDR_STRLEN];
	wlog_event(&e->log, lvl, sa->tunnel, ikesa_our_spi(sa), ev,
		   "old_own=%s old_peer=%s own=%s peer=%s%s%s",
		   ip_addr_format(&old->local, a, sizeof(a)),
		   ip_addr_format(&old->remote, b, sizeof(b)),
		   ip_addr_format(&sa->path.local, c, sizeof(c)),
		   ip_addr_format(&sa->path.remote, d, sizeof(d)), extra ? " " : "",
		   extra ? extra : "");
}

static void queue_update(struct ikesa *sa)
{
	struct mobike *mob = sa->mob;
	mob->update_wanted = true;
	if (mobike_update_queued(sa))
		return;
	if (sa_queue_task(sa, TASK_MOBIKE_UPDATE, 0) < 0)
		wlog_event(&sa->eng->log, WLOG_ERROR, sa->tunnel, ikesa_our_spi(sa),
			   "mobike.update.failed", "reason=queue-full");
}

/* Set a new path; the update follows when the window allows. */
static void set_path(struct ikesa *sa, unsigned own_idx, const struct ip_addr *own,
		     const struct ip_addr *peer)
{
	struct mobike *mob = sa->mob;
	struct engine *e = sa->eng;
	sa->path.local = *own;
	sa->path.remote = *peer;
	/* With MOBIKE both sides stay on 4500 (RFC 4555 3.3). */
	sa->path.lport = sa->path.rport = IKE_NATT_PORT;
	sa->natt = true;
	mob->own_idx = own_idx;
	mob->gen++;
	mob->tries = 0;
	/* 3.5: an outstanding request goes out again on the new path now
	 * (bit-identical; its retransmit timer keeps running). */
	if (sa->exch.req.busy) {
		e->cnt.retransmits++;
		engine_send(e, &sa->path, sa->exch.req.pkt, sa->exch.req.len);
	}
	queue_update(sa);
}

void mobike_update_path_again(struct ikesa *sa)
{
	sa->mob->gen++;
	sa->mob->tries = 0;
	queue_update(sa);
}

int mobike_move(struct ikesa *sa)
{
	struct mobike *mob = sa->mob;
	struct engine *e = sa->eng;
	if (!mob || !mob->peer_supported || !sa->tun)
		return -ENOTSUP;
	if (e->stopping)
		return -ECANCELED;
	if (sa->state != IKE_S_ESTABLISHED && sa->state != IKE_S_UPDATINGADDR) {
		/* A rekey, DPD or CHILD exchange is running: a little later. */
		engine_timer_in(e, &mob->move_timer, MOBIKE_BUSY_DELAY_NS);
		return -EAGAIN;
	}
	unsigned oi;
	struct ip_addr own, peer;
	mobike_next_pair(sa, &oi, &peer);
	if (mobike_own_addr(sa, oi, &own) < 0)
		own = sa->path.local;
	if (e->cfg->mobikeiplifetime_ns)
		engine_timer_in(e, &mob->move_timer, e->cfg->mobikeiplifetime_ns);
	if (!ip_addr_cmp(&own, &sa->path.local) && !ip_addr_cmp(&peer, &sa->path.remote)) {
		wlog_event(&e->log, WLOG_DEBUG, sa->tunnel, ikesa_our_spi(sa), "mobike.move.none",
			   "reason=one-pair");
		return 0;
	}
	struct ike_path old = sa->path;
	set_path(sa, oi, &own, &peer);
	log_pair(sa, WLOG_VERBOSE, "mobike.move", &old, NULL);
	return 0;
}

int mobike_move_peer_gone(struct ikesa *sa, const struct ip_addr *to)
{
	struct mobike *mob = sa->mob;
	struct engine *e = sa->eng;
	if (!mob || !mob->peer_supported || !sa->tun)
		return -ENOTSUP;
	if (sa->state == IKE_S_CLOSING || sa->state == IKE_S_REKEYED || e->stopping)
		return -ECANCELED;
	unsigned oi = mob->own_idx;
	struct ip_addr own = sa->path.local;
	if (to->family != own.family &&
	    (mobike_own_for_family(sa, oi, to->family, &oi) < 0 ||
	     mobike_own_addr(sa, oi, &own) < 0))
		return -EAFNOSUPPORT; /* no own address of that family */
	struct ike_path old = sa->path;
	e->cnt.mobike_peer_gone++;
	set_path(sa, oi, &own, to);
	log_pair(sa, WLOG_INFO, "mobike.move", &old, "why=peer-address-gone");
	if (e->cfg->mobikeiplifetime_ns)
		engine_timer_in(e, &mob->move_timer, e->cfg->mobikeiplifetime_ns);
	return 0;
}

int mobike_move_away(struct ikesa *sa)
{
	struct mobike *mob = sa->mob;
	struct engine *e = sa->eng;
	if (!mob || !mob->peer_supported || !sa->tun)
		return -ENOTSUP;
	if (sa->state == IKE_S_CLOSING || sa->state == IKE_S_REKEYED || e->stopping)
		return -ECANCELED;
	unsigned oi;
	struct ip_addr own, peer;
	if (mobike_away_pair(sa, &oi, &peer) < 0 || mobike_own_addr(sa, oi, &own) < 0)
		return -ENOENT;
	struct ike_path old = sa->path;
	set_path(sa, oi, &own, &peer);
	log_pair(sa, WLOG_INFO, "mobike.move", &old, "why=address-deleted");
	if (e->cfg->mobikeiplifetime_ns)
		engine_timer_in(e, &mob->move_timer, e->cfg->mobikeiplifetime_ns);
	return 0;
}

void mobike_on_move_timer(struct timer *t, void *arg)
{
	(void)t;
	struct mobike *mob = arg;
	mobike_move(mob->sa);
}

/* ---- UPDATE_SA_ADDRESSES (client) --------------------------------------- */

static int update_build(struct ikesa *sa, struct msg_out *m)
{
	struct mobike *mob = sa->mob;
	struct engine *e = sa->eng;
	if (!mob || sa->state == IKE_S_REKEYED || sa->state == IKE_S_CLOSING ||
	    sa->state == IKE_S_CLOSED)
		return -ECANCELED;
	if (sa->state == IKE_S_ESTABLISHED)
		sa_state(sa, IKE_S_UPDATINGADDR, NULL);
	mob->sent_gen = mob->gen;
	mob->update_wanted = false;
	rand_bytes(mob->cookie2, sizeof(mob->cookie2));
	mob->cookie2_out = true;
	ike_add_notify_simple(&m->b, IKE_N_UPDATE_SA_ADDRESSES, NULL, 0);
	if (mobike_add_natd(sa, &m->b, &sa->path) < 0)
		return -EIO;
	if (config_disallownat(e->cfg)) {
		uint8_t d[36];
		ike_add_notify_simple(&m->b, IKE_N_NO_NATS_ALLOWED, d,
				      mobike_nonats_data(&sa->path, d));
	}
	ike_add_notify_simple(&m->b, IKE_N_COOKIE2, mob->cookie2, sizeof(mob->cookie2));
	if (mob->list_wanted)
		mobike_add_own_list(sa, &m->b); /* 3.6: the list rides along */
	e->cnt.mobike_updates_sent++;
	char x[32];
	snprintf(x, sizeof(x), "gen=%u try=%u", mob->gen, mob->tries);
	log_pair(sa, WLOG_INFO, "mobike.update.sent", &mob->ok_path, x);
	return 0;
}

static int update_process(struct ikesa *sa, const struct ike_msg *m, const uint8_t *raw,
			  size_t len)
{
	(void)raw;
	(void)len;
	struct mobike *mob = sa->mob;
	struct engine *e = sa->eng;
	if (!mob || !mob->cookie2_out)
		return 0; /* the SA was rekeyed meanwhile: the new one updates */
	mob->cookie2_out = false;
	if (sa->state == IKE_S_UPDATINGADDR)
		sa_state(sa, IKE_S_ESTABLISHED, NULL);
	const struct ike_notify *c2 = ike_msg_notify(m, IKE_N_COOKIE2);
	if (!c2 || c2->len != sizeof(mob->cookie2) ||
	    memcmp(c2->data, mob->cookie2, sizeof(mob->cookie2)) != 0) {
		/* 3.7: a missing or different echo closes the IKE SA. */
		e->cnt.mobike_cookie2_mismatch++;
		e->cnt.mobike_updates_failed++;
		wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa),
			   "mobike.update.failed", "reason=%s", c2 ? "cookie2-mismatch" :
			   "cookie2-missing");
		sa->why = "COOKIE2 mismatch";
		return -EPROTO;
	}
	if (mob->sent_gen != mob->gen) {
		/* The path changed while this was in flight: its answer is
		 * stale; the update for the new path is queued. */
		wlog_event(&e->log, WLOG_VERBOSE, sa->tunnel, ikesa_our_spi(sa),
			   "mobike.update.stale", "gen=%u now=%u", mob->sent_gen, mob->gen);
		e->cnt.mobike_updates_stale++;
		if (!mobike_update_queued(sa))
			queue_update(sa);
		return 0;
	}
	uint16_t err = 0;
	if (ike_msg_notify(m, IKE_N_UNACCEPTABLE_ADDRESSES))
		err = IKE_N_UNACCEPTABLE_ADDRESSES;
	else if (ike_msg_notify(m, IKE_N_UNEXPECTED_NAT_DETECTED))
		err = IKE_N_UNEXPECTED_NAT_DETECTED;
	if (err) {
		char x[64];
		snprintf(x, sizeof(x), "reason=%s try=%u", ike_name_notify(err), mob->tries + 1);
		log_pair(sa, WLOG_INFO, "mobike.update.failed", &mob->ok_path, x);
		if (++mob->tries < MOBIKE_MAX_RETRY) {
			queue_update(sa); /* 3.9: try again a few times */
			return 0;
		}
		/* Give up on this pair: back to the last one the peer took. */
		e->cnt.mobike_updates_failed++;
		struct ike_path bad = sa->path;
		sa->path = mob->ok_path;
		mob->own_idx = mob->ok_own_idx;
		mob->gen++;
		mob->tries = 0;
		log_pair(sa, WLOG_INFO, "mobike.fallback", &bad, NULL);
		return 0;
	}
	struct ike_path old = mob->ok_path;
	mobike_read_natd(sa, m, &sa->path);
	const struct ike_notify *nd = ike_msg_notify(m, IKE_N_NAT_DETECTION_DESTINATION_IP);
	if (nd && nd->len == sizeof(mob->natd_dst)) {
		/* How the peer sees us now: the reference for DPD's NAT-D. */
		memcpy(mob->natd_dst, nd->data, sizeof(mob->natd_dst));
		mob->natd_dst_known = true;
	}
	mob->ok_path = sa->path;
	mob->ok_own_idx = mob->own_idx;
	mob->tries = 0;
	e->cnt.mobike_updates_ok++;
	char x[48];
	snprintf(x, sizeof(x), "nat=%s gen=%u", sa->nat_local ? "us" : sa->nat_remote ? "peer" :
		 "none", mob->gen);
	log_pair(sa, WLOG_INFO, "mobike.update.ok", &old, x);
	mobike_children_moved(sa, &mob->child_path);
	return 0;
}

const struct task_ops task_mobike_update_ops = {
	.name = "mobike_update",
	.exchange = IKE_EXCH_INFORMATIONAL,
	.build_req = update_build,
	.process_resp = update_process,
};

/* ---- return routability check (gateway) --------------------------------- */

void mobike_on_rr_timer(struct timer *t, void *arg)
{
	(void)t;
	struct mobike *mob = arg;
	if (mob->rr_wanted && sa_queue_task(mob->sa, TASK_MOBIKE_CHECK, 0) < 0)
		mob->rr_wanted = false;
}

static int check_build(struct ikesa *sa, struct msg_out *m)
{
	struct mobike *mob = sa->mob;
	if (!mob || !mob->rr_wanted || sa->state == IKE_S_REKEYED ||
	    sa->state == IKE_S_CLOSING || sa->state == IKE_S_CLOSED)
		return -ECANCELED;
	rand_bytes(mob->rr_cookie2, sizeof(mob->rr_cookie2));
	ike_add_notify_simple(&m->b, IKE_N_COOKIE2, mob->rr_cookie2, sizeof(mob->rr_cookie2));
	sa->eng->cnt.mobike_probes++;
	char a[IP_ADDR_STRLEN];
	wlog_event(&sa->eng->log, WLOG_VERBOSE, sa->tunnel, ikesa_our_spi(sa),
		   "mobike.rrcheck.sent", "peer=%s port=%u",
		   ip_addr_format(&sa->path.remote, a, sizeof(a)), sa->path.rport);
	return 0;
}

static int check_process(struct ikesa *sa, const struct ike_msg *m, const uint8_t *raw,
			 size_t len)
{
	(void)raw;
	(void)len;
	struct mobike *mob = sa->mob;
	struct engine *e = sa->eng;
	if (!mob)
		return 0;
	mob->rr_wanted = false;
	const struct ike_notify *c2 = ike_msg_notify(m, IKE_N_COOKIE2);
	if (!c2 || c2->len != sizeof(mob->rr_cookie2) ||
	    memcmp(c2->data, mob->rr_cookie2, sizeof(mob->rr_cookie2)) != 0) {
		e->cnt.mobike_cookie2_mismatch++;
		wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa),
			   "mobike.rrcheck.failed", "reason=%s",
			   c2 ? "cookie2-mismatch" : "cookie2-missing");
		sa->why = "COOKIE2 mismatch";
		return -EPROTO;
	}
	wlog_event(&e->log, WLOG_VERBOSE, sa->tunnel, ikesa_our_spi(sa), "mobike.rrcheck.ok",
		   NULL);
	mobike_children_moved(sa, &mob->child_path);
	return 0;
}

const struct task_ops task_mobike_check_ops = {
	.name = "mobike_check",
	.exchange = IKE_EXCH_INFORMATIONAL,
	.build_req = check_build,
	.process_resp = check_process,
};

/* ---- address list (either role, RFC 4555 3.6) -------------------------- */

void mobike_add_own_list(struct ikesa *sa, struct ike_builder *b)
{
	struct mobike *mob = sa->mob;
	struct engine *e = sa->eng;
	struct ip_addr own[MOBIKE_MAX_PEERS];
	unsigned n = mobike_own_list(sa, own, MOBIKE_MAX_PEERS);
	mobike_add_list(b, own, n, &sa->path.local);
	mob->list_wanted = false;
	e->cnt.mobike_lists_sent++;
	if (wlog_enabled(&e->log, WLOG_INFO)) {
		char l[MOBIKE_MAX_PEERS * (IP_ADDR_STRLEN + 1) + 2], a[IP_ADDR_STRLEN];
		mobike_list_text(own, n, l, sizeof(l));
		wlog_event(&e->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa),
			   "mobike.addrlist.sent", "from=%s list=%s",
			   ip_addr_format(&sa->path.local, a, sizeof(a)), l);
	}
}

void mobike_list_changed(struct ikesa *sa)
{
	struct mobike *mob = sa->mob;
	if (!mob || !mob->peer_supported || sa->state == IKE_S_REKEYED ||
	    sa->state == IKE_S_CLOSING || sa->state == IKE_S_CLOSED)
		return;
	mob->list_wanted = true;
	/* One queued list is enough: it is built when it goes out. */
	if (!mobike_list_queued(sa) && sa_queue_task(sa, TASK_MOBIKE_ADDRLIST, 0) < 0)
		wlog_event(&sa->eng->log, WLOG_ERROR, sa->tunnel, ikesa_our_spi(sa),
			   "mobike.addrlist.failed", "reason=queue-full");
}

static int list_build(struct ikesa *sa, struct msg_out *m)
{
	struct mobike *mob = sa->mob;
	const struct config *cfg = sa->eng->cfg;
	/* Not wanted any more: an UPDATE_SA_ADDRESSES took the list along. */
	if (!mob || !mob->list_wanted || sa->state == IKE_S_REKEYED ||
	    sa->state == IKE_S_CLOSING || sa->state == IKE_S_CLOSED)
		return -ECANCELED;
	if (config_disallownat(cfg)) {
		/* 3.9: every request carrying an address list. */
		uint8_t d[36];
		ike_add_notify_simple(&m->b, IKE_N_NO_NATS_ALLOWED, d,
				      mobike_nonats_data(&sa->path, d));
	}
	mobike_add_own_list(sa, &m->b);
	return 0;
}

static int list_process(struct ikesa *sa, const struct ike_msg *m, const uint8_t *raw,
			size_t len)
{
	(void)raw;
	(void)len;
	if (ike_msg_notify(m, IKE_N_UNEXPECTED_NAT_DETECTED))
		wlog_event(&sa->eng->log, WLOG_INFO, sa->tunnel, ikesa_our_spi(sa),
			   "mobike.addrlist.failed", "reason=UNEXPECTED_NAT_DETECTED");
	return 0;
}

const struct task_ops task_mobike_addrlist_ops = {
	.name = "mobike_addrlist",
	.exchange = IKE_EXCH_INFORMATIONAL,
	.build_req = list_build,
	.process_resp = list_process,
};
