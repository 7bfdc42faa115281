/* `ikeswarm exec` and MOBIKE (see mobike_exec.c). */
#ifndef IKESWARM_WORKER_MOBIKE_EXEC_H
#define IKESWARM_WORKER_MOBIKE_EXEC_H

#include <stdio.h>

#include "conf/config.h"
#include "kernel/nl_addr.h"

struct udp;

/* With mobike on and rp_filter non-zero on bindifname or all: print the
 * exact commands that turn it off to err.  1 when it warned, else 0. */
int mobike_rpfilter_warn(const struct config *cfg, FILE *err);
/* Gateway with mobike: bindifaddr + 1 ... + mobikeaddrpergw - 1 put on
 * bindifname (through nl, which removes them at cleanup; nl may be NULL)
 * and each bound on 500 and 4500.  0 or -errno (said on err). */
int mobike_gw_setup(const struct config *cfg, struct nladdr *nl, struct udp *udp, FILE *err);
/* The same for mobikealtgwaddr's addresses (all of them, from its first)
 * is done by mobike_gw_setup too.  installfastpath: the bypass policies
 * of the other family's IKE sockets (client: its wildcard pair; gateway:
 * each mobikealtgwaddr address).  0 or -errno (said on err). */
int mobike_alt_bypass(const struct config *cfg, struct udp *udp, FILE *err);

#endif
