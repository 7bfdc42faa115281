/* The lab's network: two named network namespaces joined by a veth pair.
 * Made and removed with ip(8) from iproute2; sysctls are written by a child
 * that entered the namespace.  Nothing is made in the caller's namespace:
 * both veth ends are created inside the namespaces.
 *
 *   gateway namespace iks-lab-gw-ID      client namespace iks-lab-cl-ID
 *   vgw 10.99.0.1/24  <---- veth ---->   vcl 10.99.0.254/24
 *   route 10.98.0.0/16 via 10.99.0.254   (tunnel addresses 10.98.0.0/16,
 *                                         put on vcl by the client)
 * In both: lo up, promote_secondaries=1 and rp_filter=0 on all, default
 * and the veth end (MOBIKE moves; `ikeswarm exec` warns otherwise).
 *
 * The veth ends get fixed MAC addresses and each side a permanent
 * neighbour entry for the other's addresses (10.99.0.1 and .2 on the
 * client's side, 10.99.0.254 on the gateway's): the kernel's ARP table is
 * shared by all namespaces and its gc_thresh3 limit (1024 by default)
 * counts every namespace's entries, so another test filling it would leave
 * the lab without ARP (seen here).  Permanent entries are exempt. */
#ifndef IKESWARM_SUPERVISOR_LAB_NET_H
#define IKESWARM_SUPERVISOR_LAB_NET_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#define LAB_NS_PREFIX "iks-lab-"
#define LAB_GW_IF "vgw"
#define LAB_CL_IF "vcl"
#define LAB_GW_ADDR "10.99.0.1/24"
#define LAB_CL_ADDR "10.99.0.254/24"
#define LAB_CL_NET "10.98.0.0/16"
#define LAB_GW_ADDR2 "10.99.0.2"        /* the gateway's second MOBIKE address */
#define LAB_GW_MAC "02:69:6b:73:00:01"  /* locally administered */
#define LAB_CL_MAC "02:69:6b:73:00:fe"

struct lab_net {
	char gw[40], cl[40];     /* namespace names */
	bool gw_made, cl_made;   /* created by us, not yet deleted */
};

/* Names from id (the lab's pid): iks-lab-gw-ID, iks-lab-cl-ID. */
void lab_net_names(struct lab_net *n, pid_t id);

/* Create both namespaces, the veth pair, addresses, route and sysctls.
 * 0, or -1 after saying why on err; what was made is recorded in n either
 * way, for lab_net_down(). */
int lab_net_up(struct lab_net *n, FILE *err);

/* SIGKILL whatever still runs inside, then delete the namespaces made.
 * 0 when none of them is left, -1 otherwise (said on err). */
int lab_net_down(struct lab_net *n, FILE *err);

/* Delete iks-lab-{gw,cl}-PID namespaces left by a lab that was killed (its
 * PID is gone, or is ours) and in which nothing runs.  The number removed. */
int lab_net_reap_stale(FILE *err);

/* setns(CLONE_NEWNET) this process into the named namespace.  0/-errno. */
int lab_ns_enter(const char *name);

/* Send sig (0: just count) to every process in the named namespace except
 * the caller.  The number of processes found, or -errno. */
int lab_ns_signal_all(const char *name, int sig);

bool lab_ns_exists(const char *name);

/* Run argv (argv[0] "ip" is looked up in PATH, then /usr/sbin, /sbin,
 * /usr/bin, /bin) with stdin and stdout on /dev/null (stderr stays), in
 * its own process group, with
 * the caller's signal mask cleared.  Its exit status, 127 when it could not
 * be run, or -errno when fork failed. */
int lab_run_cmd(char *const argv[]);

#endif
