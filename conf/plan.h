/* The address plan: which addresses each tunnel and each worker own.
 * Pure functions of the config; the engine calls them, --verify prints them. */
#ifndef IKESWARM_CONF_PLAN_H
#define IKESWARM_CONF_PLAN_H

#include <stdio.h>

#include "conf/config.h"

/* Own addresses per client tunnel: mobikeaddrpertunnel with MOBIKE, else 1. */
unsigned plan_addrs_per_tunnel(const struct config *c);
/* Own gateway addresses: mobikeaddrpergw with MOBIKE, else 1. */
unsigned plan_gw_addrs(const struct config *c);

/* clntaddrmode auto: the tunnel addresses go on bindifname up to this many,
 * as local routes above (adding addresses to one interface is quadratic in
 * the kernel; see bench/results/2026-11-27-addr.md). */
#define PLAN_CLNTADDR_IFACE_MAX 2000
/* The client's addresses: numberoftunnels x plan_addrs_per_tunnel(). */
uint64_t plan_client_addrs(const struct config *c);
/* true: the client makes its addresses local with routes in table local
 * (clntaddrmode route, or auto above PLAN_CLNTADDR_IFACE_MAX). */
bool plan_clntaddr_route(const struct config *c);

/* Client tunnel t's k-th own address: startclntaddr + t*K + k.
 * 0; -EINVAL when t >= numberoftunnels or k >= K; -ERANGE past the prefix. */
int plan_tunnel_addr(const struct config *c, unsigned tunnel, unsigned k,
		     struct ip_addr *out);
/* The gateway's k-th own address: bindifaddr + k, k < plan_gw_addrs(). */
int plan_gw_addr(const struct config *c, unsigned k, struct ip_addr *out);

/* Client tunnel t's copy of a childlist traffic selector: its addresses
 * moved by t x owntsaddrincrease (own) or t x peertsaddrincrease (peer).
 * A selector covering the whole address family is "any" and never moves;
 * the gateway role never moves selectors.  0, or -ERANGE when the moved
 * range passes the family's last address (the validator refuses such
 * setups for the configured tunnel count). */
int plan_tunnel_ts(const struct config *c, unsigned tunnel, bool own,
		   const struct conf_ts *ts, struct conf_ts *out);
bool plan_ts_is_any(const struct conf_ts *ts);

/* Worker count: 'workers', or the online CPUs when 0; a client never gets
 * more workers than tunnels.  Always >= 1. */
unsigned plan_workers(const struct config *c);

/* Worker w of nworkers owns tunnels [first, first + count): contiguous,
 * sizes differ by at most one, the first (ntunnels % nworkers) get one more. */
void plan_worker_slice(unsigned ntunnels, unsigned nworkers, unsigned w,
		       unsigned *first, unsigned *count);

/* The human summary 'ikeswarm exec --verify' prints. */
void plan_print(const struct config *c, const char *file, FILE *f);
/* The same as one JSON object ('--verify -j'), one line, with a newline.
 * 0 or -ENOMEM. */
int plan_print_json(const struct config *c, const char *file, FILE *f);

#endif
