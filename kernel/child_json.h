/* A CHILD SA request (kernel/child_sa.h) as JSON, the way a worker sends
 * it to the kernel process.  One key per field:
 *
 *   {"reqid": 7, "initiator": true, "mode": "tunnel",
 *    "local": "10.99.0.2", "remote": "10.99.0.1",
 *    "local_port": 4500, "remote_port": 4500,          (both or neither)
 *    "spi_in": 4098, "spi_out": 4097,
 *    "encr": 20, "encr_keybits": 128, "integ": 0,      (IANA IDs)
 *    "esn": true, "replay_window": 128, "priority": 0,
 *    "local_ts": [{"start": "10.10.1.1", "end": "10.10.1.1",
 *                  "proto": 0, "port_start": 0, "port_end": 65535}],
 *    "remote_ts": [ ... ],
 *    "keymat": "0a1b..."}                              (hex, RFC 7296 order)
 *
 * Optional: local_port/remote_port (0), esn (false), replay_window (0),
 * priority (0), in a TS proto (0) and the ports (0-65535).  Endpoints for
 * a migrate: {"local": ..., "remote": ..., "local_port": ..,
 * "remote_port": ..}. */
#ifndef IKESWARM_KERNEL_CHILD_JSON_H
#define IKESWARM_KERNEL_CHILD_JSON_H

#include <stddef.h>

#include <jansson.h>

#include "kernel/child_sa.h"

/* The request in j; 0, or -EINVAL with why naming the key at fault.  The
 * algorithms and sizes are checked too (fp_child_check()). */
int fp_child_from_json(const json_t *j, struct fp_child *out, char *why, size_t whylen);
/* A new object (NULL when out of memory); holds the keys. */
json_t *fp_child_to_json(const struct fp_child *c);

int fp_endpoints_from_json(const json_t *j, struct fp_endpoints *out, char *why,
			   size_t whylen);
json_t *fp_endpoints_to_json(const struct fp_endpoints *e);

#endif
