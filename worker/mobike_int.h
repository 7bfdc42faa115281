/* Shared between the MOBIKE files of worker/ only (see mobike.h). */
#ifndef IKESWARM_WORKER_MOBIKE_INT_H
#define IKESWARM_WORKER_MOBIKE_INT_H

#include "worker/mobike.h"

/* sa->mob, made when missing.  NULL: out of memory. */
struct mobike *mobike_get(struct ikesa *sa);
void mobike_on_move_timer(struct timer *t, void *arg);
void mobike_on_rr_timer(struct timer *t, void *arg);
/* An UPDATE / ADDRLIST task waiting in the queue (not the one in flight). */
bool mobike_update_queued(const struct ikesa *sa);
bool mobike_list_queued(const struct ikesa *sa);
/* Our address list into b (ADDITIONAL_* or NO_ADDITIONAL_ADDRESSES);
 * clears list_wanted, counts and logs it. */
void mobike_add_own_list(struct ikesa *sa, struct ike_builder *b);
/* NAT_DETECTION_SOURCE_IP / _DESTINATION_IP for path p (local = ours). */
int mobike_add_natd(const struct ikesa *sa, struct ike_builder *b, const struct ike_path *p);
/* Read the peer's NAT-D of m against p: sets nat_local / nat_remote;
 * false when m has none. */
bool mobike_read_natd(struct ikesa *sa, const struct ike_msg *m, const struct ike_path *p);
/* NO_NATS_ALLOWED data for path p as its sender (12 or 36 octets). */
size_t mobike_nonats_data(const struct ike_path *p, uint8_t out[36]);
/* The path stays, the peer must learn it again (a NAT mapping changed):
 * an update is queued (any in flight becomes stale). */
void mobike_update_path_again(struct ikesa *sa);

#endif
