/* exec --single: the addresses and routes that the supervisor has its
 * kernel process set up (supervisor/sup_kernel.c), done here through one
 * struct nladdr, whose record nladdr_cleanup() undoes at exit (flushed
 * addresses come back). */
#ifndef IKESWARM_WORKER_EXEC_ADDRS_H
#define IKESWARM_WORKER_EXEC_ADDRS_H

#include <stdbool.h>
#include <stdio.h>

struct engine;
struct nladdr;

/* Client: flush bindifname (when flush), bindifaddr, the tunnel addresses
 * (on bindifname, or as the local routes of clntaddrmode route plus the
 * prefix's link route), the other family's MOBIKE addresses.  0, or -errno
 * with one line on err. */
int exec_client_addrs(struct engine *e, struct nladdr *nl, bool flush, FILE *err);
/* staticroute (both roles).  0, or -errno with one line on err. */
int exec_staticroutes(struct engine *e, struct nladdr *nl, FILE *err);

#endif
