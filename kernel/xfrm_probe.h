/* Does the running kernel do ESP?  Asked once at start, so that
 * `installfastpath: true` is refused with one clear line on a kernel
 * without CONFIG_INET_ESP instead of failing tunnel by tunnel. */
#ifndef IKESWARM_KERNEL_XFRM_PROBE_H
#define IKESWARM_KERNEL_XFRM_PROBE_H

#include <stddef.h>

/* The throwaway state: ESP, transport mode, 127.0.0.1 -> 127.0.0.1, SPI
 * 0xff (RFC 4303 reserves 1..255, so no IKE daemon allocates it),
 * rfc4106(gcm(aes)) with a 16-octet ICV. */
#define XFRM_PROBE_SPI 0xffu

/* Adds the throwaway ESP state in the current network namespace and
 * deletes it at once (a state already there with that SPI is left alone
 * and counts as proof).  Needs CAP_NET_ADMIN.
 * Returns 1 when ESP states can be installed, 0 when this kernel cannot
 * (no XFRM netlink, no ESP, or no crypto for the probe's AEAD), or a
 * negative errno when the probe itself failed (no permission, could not
 * remove its state, ...).  why gets one line for the log either way. */
int xfrm_probe_esp(char *why, size_t len);

#endif
