/* Packet steering for SO_REUSEPORT groups: every worker binds the same UDP
 * 500/4500 sockets and a classic BPF program (SO_ATTACH_REUSEPORT_CBPF)
 * returns the index of the socket -- that is, of the worker -- that owns
 * the packet.  Our IKE and ESP SPIs carry the worker index in their top
 * byte (ikesa_new_spi, new_esp_spi), so:
 *
 *   IKE message      our SPI is SPIr when the I flag is set (the sender is
 *                    the original initiator), else SPIi; its first octet
 *                    (network order) is the worker;
 *   SPIr zero        (a new IKE_SA_INIT): spread by SPIi's low word % n;
 *   port 4500        a non-zero first word is UDP-encapsulated ESP: the
 *                    SPI's first octet; a zero word is the non-ESP marker
 *                    and the IKE header follows it.
 *
 * This holds for both roles and survives MOBIKE (the peer's address may
 * change, our SPI does not).  An index >= the group size (an SPI of an
 * earlier run, garbage) makes the kernel fall back to its hash, and a
 * datagram too short for a load makes the program return 0 (worker 0).
 *
 * The socket index of a group is the order of joining it (bind order), and
 * a socket leaving the group moves the last one into its slot; so the
 * supervisor opens every worker's sockets itself, in worker order, and keeps
 * them open for the whole run: a worker that dies and restarts gets the same
 * fds back and the indexes never move (steer_group_open). */
#ifndef IKESWARM_WORKER_STEER_H
#define IKESWARM_WORKER_STEER_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/ipaddr.h"

#define STEER_MAX_INSNS 24
#define STEER_MAX_WORKERS 256 /* one octet of SPI */

/* Build the program for a port-500 (natt false) or port-4500 (natt true)
 * group of nworkers sockets into prog (room for STEER_MAX_INSNS).  Returns
 * the instruction count, or -EINVAL (nworkers 0 or > STEER_MAX_WORKERS). */
int steer_program(bool natt, unsigned nworkers, struct sock_filter *prog, size_t max);

/* Attach that program to fd (a SO_REUSEPORT UDP socket).  0 or -errno. */
int steer_attach(int fd, bool natt, unsigned nworkers);

/* Check that nobody holds (local, port) -- -EADDRINUSE otherwise -- then
 * open nworkers UDP sockets (close-on-exec, non-blocking) with SO_REUSEPORT
 * and IP(V6)_FREEBIND, bind them to (local, port) in order -- fds[i] is
 * worker i's -- and attach the program.  IPv6 sockets are V6ONLY.  0 or
 * -errno (everything opened is closed again). */
int steer_group_open(const struct ip_addr *local, uint16_t port, bool natt,
		     unsigned nworkers, int *fds);

#endif
