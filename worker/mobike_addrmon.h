/* MOBIKE and the kernel's address events (RFC 4555 3.6), both roles.
 * Client: when one of a tunnel's own addresses is deleted under it (by
 * someone else), the tunnel moves away at once instead of waiting for
 * mobikeiplifetime; tunnel and address index come from the address plan
 * arithmetic, O(1) per event.  Either way (deleted or back) the peer gets
 * the tunnel's new address list.
 * Gateway: when one of its mobikeaddrpergw addresses leaves or comes back,
 * every MOBIKE peer of the worker gets the new list, sent from a remaining
 * address when the one in use left; the client then moves.
 *
 * Only the first MOBIKE_ADDRMON_TRACKED addresses of a list (own addresses,
 * then the other family's) are tracked: which ones are gone is one 32-bit
 * mask per MOBIKE SA (mobike.own_gone; the gateway's engine.mobike_gw_gone),
 * 4 bytes per tunnel, read on every pair choice and list build.  A bitmap
 * for mobikeaddrpertunnel's 65,536 x 2 would cost 16 KiB per tunnel (the
 * whole tunnel costs ~2 KiB), and the list sent to a peer holds at most
 * MOBIKE_MAX_PEERS (17) addresses anyway.  An address past the limit that
 * leaves or comes back is a clear error in the log (mobike.addr.untracked);
 * the client still moves away at once when it was the one in use.  The
 * watch says at start when a list is longer (mobike.addrmon.limit). */
#ifndef IKESWARM_WORKER_MOBIKE_ADDRMON_H
#define IKESWARM_WORKER_MOBIKE_ADDRMON_H

#include <stdbool.h>

#include "lib/ipaddr.h"

struct engine;
struct loop;
struct mobike_addrmon;

#define MOBIKE_ADDRMON_TRACKED 32 /* bits of the gone masks */

/* How many addresses a list of this engine holds (both families). */
unsigned mobike_addrmon_list_len(const struct engine *e);

/* Address a left the interface (gone) or came back.  Client: 1 when a
 * tunnel's list or path changed, 0 when a is none of its own; gateway: how
 * many SAs used a; -errno. */
int mobike_addr_event(struct engine *e, const struct ip_addr *a, bool gone);
/* mobike_addr_event(e, a, true). */
int mobike_addr_deleted(struct engine *e, const struct ip_addr *a);

/* Watch RTM_NEWADDR/RTM_DELADDR on the loop for an engine with mobike on
 * (*out stays NULL otherwise).  0 or -errno. */
int mobike_addrmon_open(struct mobike_addrmon **out, struct engine *e, struct loop *loop);
void mobike_addrmon_close(struct mobike_addrmon *m);

#endif
