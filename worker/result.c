/* Summary text and JSON of a run (see result.h). */
#include <inttypes.h>

#include "worker/result.h"

double result_setup_rate(const struct run_result *r)
{
	if (!r->created)
		return 0;
	double s = r->setup_s > 0 ? r->setup_s : r->duration_s;
	return s > 0 ? (double)r->created / s : 0;
}

void result_print_text(const struct run_result *r, FILE *f)
{
	const struct counters *c = r->c;
	fprintf(f, "==== ikeswarm %s summary ====\n", r->role);
	fprintf(f, "tunnels configured: %" PRIu64 "  created: %" PRIu64 "  failed: %" PRIu64 "\n",
		r->configured, r->created, r->failed);
	fprintf(f, "duration: %.3f s  setup rate: %.1f tunnels/s\n", r->duration_s,
		result_setup_rate(r));
	fprintf(f, "IKE SA states:");
	for (int s = 0; s < IKE_S_COUNT; s++)
		fprintf(f, " %s=%" PRIu64, ike_state_name(s), c->state[s]);
	fprintf(f, "\ntotal=%" PRIu64 " live=%" PRIu64 " has_child=%" PRIu64
		" configured=%" PRIu64 "\n", c->total, c->live, c->has_child, c->configured);
	fprintf(f, "retransmits=%" PRIu64 " responses_resent=%" PRIu64 " dropped=%" PRIu64
		" cookies=%" PRIu64 " auth_failed=%" PRIu64 " ike_rekeyed=%" PRIu64
		" child_rekeyed=%" PRIu64 " dpd=%" PRIu64 " deletes_sent=%" PRIu64
		" deletes_acked=%" PRIu64 " send_failed=%" PRIu64 "\n",
		c->retransmits, c->resp_resent, c->rx_dropped, c->cookies_sent, c->auth_failed,
		c->ike_rekeyed, c->child_rekeyed, c->dpd_sent, c->deletes_sent, c->deletes_acked,
		c->tx_failed);
	if (c->rx_dropped) {
		/* Only the reasons that happened; they sum to dropped= above. */
		fprintf(f, "drops:");
		for (int d = 0; d < DROP_COUNT; d++)
			if (c->drops[d])
				fprintf(f, " %s=%" PRIu64, drop_reason_name(d), c->drops[d]);
		fprintf(f, "\n");
	}
	if (r->events_dropped)
		fprintf(f, "log events dropped: %" PRIu64 " (the log is incomplete)\n",
			r->events_dropped);
	fprintf(f, "result: %s\n", result_pass(r) ? "pass" : "fail");
}

void result_print_json(const struct run_result *r, FILE *f)
{
	const struct counters *c = r->c;
	fprintf(f, "{\"role\":\"%s\",\"configured\":%" PRIu64 ",\"created\":%" PRIu64
		",\"failed\":%" PRIu64 ",\"setup_rate\":%.3f,\"duration_s\":%.3f,\"states\":{",
		r->role, r->configured, r->created, r->failed, result_setup_rate(r),
		r->duration_s);
	counters_json_states(c, f);
	fprintf(f, "},\"retransmits\":%" PRIu64 ",\"responses_resent\":%" PRIu64
		",\"dropped\":%" PRIu64 ",\"cookies\":%" PRIu64 ",\"auth_failed\":%" PRIu64
		",\"ike_rekeyed\":%" PRIu64 ",\"child_created\":%" PRIu64
		",\"child_rekeyed\":%" PRIu64 ",\"dpd_sent\":%" PRIu64 ",\"keepalives\":%" PRIu64
		",\"events_dropped\":%" PRIu64 ",\"deletes_sent\":%" PRIu64
		",\"deletes_acked\":%" PRIu64 ",\"send_failed\":%" PRIu64,
		c->retransmits, c->resp_resent, c->rx_dropped, c->cookies_sent, c->auth_failed,
		c->ike_rekeyed, c->child_created, c->child_rekeyed, c->dpd_sent, c->keepalives,
		r->events_dropped, c->deletes_sent, c->deletes_acked, c->tx_failed);
	fprintf(f, ",\"drops\":{");
	counters_json_drops(c, f);
	fprintf(f, "}");
	fprintf(f, ",\"mobike\":{\"updatingaddr\":%" PRIu64 ",\"updates_sent\":%" PRIu64
		",\"updates_ok\":%" PRIu64 ",\"updates_failed\":%" PRIu64
		",\"updates_stale\":%" PRIu64 ",\"probes\":%" PRIu64
		",\"cookie2_mismatch\":%" PRIu64 ",\"peerlist_changes\":%" PRIu64
		",\"children_moved\":%" PRIu64 ",\"unsupported\":%" PRIu64
		",\"refused\":%" PRIu64 ",\"lists_sent\":%" PRIu64 ",\"peer_gone\":%" PRIu64 "}",
		c->state[IKE_S_UPDATINGADDR], c->mobike_updates_sent, c->mobike_updates_ok,
		c->mobike_updates_failed, c->mobike_updates_stale, c->mobike_probes,
		c->mobike_cookie2_mismatch, c->mobike_peerlist_changes, c->mobike_children_moved,
		c->mobike_unsupported, c->mobike_refused, c->mobike_lists_sent, c->mobike_peer_gone);
	fprintf(f, ",\"result\":\"%s\"}\n", result_pass(r) ? "pass" : "fail");
}
