/* MOBIKE and the kernel's address events: when one of a client tunnel's own
 * addresses is deleted under it (by someone else), the tunnel moves away
 * at once instead of waiting for mobikeiplifetime.  Tunnel and address
 * index come from the address plan arithmetic: O(1) per event. */
#ifndef IKESWARM_WORKER_MOBIKE_ADDRMON_H
#define IKESWARM_WORKER_MOBIKE_ADDRMON_H

#include "lib/ipaddr.h"

struct engine;
struct loop;
struct mobike_addrmon;

/* Address a was deleted: move the tunnel using it now.  1 when a move
 * started, 0 when no tunnel of e was on a, -errno. */
int mobike_addr_deleted(struct engine *e, const struct ip_addr *a);

/* Watch RTM_DELADDR on the loop for a client engine with mobike on
 * (*out stays NULL otherwise).  0 or -errno. */
int mobike_addrmon_open(struct mobike_addrmon **out, struct engine *e, struct loop *loop);
void mobike_addrmon_close(struct mobike_addrmon *m);

#endif
