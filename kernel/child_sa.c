/* CHILD SA request checks, keys by direction, selector prefixes. */
#include "kernel/child_sa.h"

#include <errno.h>
#include <string.h>

static bool ts_ok(const struct fp_ts *ts, int family)
{
	return ts->start.family == family && ts->end.family == family &&
	       ip_addr_cmp(&ts->start, &ts->end) <= 0 && ts->port_start <= ts->port_end;
}

int fp_child_check(const struct fp_child *c, struct xfrm_alg_spec *alg)
{
	int rc = xfrm_alg_lookup(c->encr_id, c->encr_keybits, c->integ_id, alg);
	int fam = c->ep.local.family, tsfam;

	if (rc)
		return rc;
	if (!c->reqid || (fam != AF_INET && fam != AF_INET6) || c->ep.remote.family != fam)
		return -EINVAL;
	if (c->mode != FP_TUNNEL && c->mode != FP_TRANSPORT)
		return -EINVAL;
	if (!!c->ep.local_port != !!c->ep.remote_port)
		return -EINVAL;
	if (!c->spi_in || !c->spi_out || c->spi_in < 256 || c->spi_out < 256)
		return -EINVAL; /* RFC 4303: 1-255 reserved */
	if (c->keymat_len != 2 * xfrm_alg_dir_keylen(alg) || c->keymat_len > FP_KEYMAT_MAX)
		return -EINVAL;
	if (!c->n_local_ts || !c->n_remote_ts || c->n_local_ts > FP_MAX_TS ||
	    c->n_remote_ts > FP_MAX_TS)
		return -EINVAL;
	tsfam = c->local_ts[0].start.family;
	if (c->mode == FP_TRANSPORT && tsfam != fam)
		return -EINVAL;
	for (unsigned i = 0; i < c->n_local_ts; i++)
		if (!ts_ok(&c->local_ts[i], tsfam))
			return -EINVAL;
	for (unsigned i = 0; i < c->n_remote_ts; i++)
		if (!ts_ok(&c->remote_ts[i], tsfam))
			return -EINVAL;
	return 0;
}

const uint8_t *fp_child_keys(const struct fp_child *c, const struct xfrm_alg_spec *alg,
			     enum fp_dir dir)
{
	/* the first half protects initiator -> responder */
	bool first = (dir == FP_OUT) == c->initiator;

	return c->keymat + (first ? 0 : xfrm_alg_dir_keylen(alg));
}

void fp_ts_prefix(const struct fp_ts *ts, struct ip_prefix *out)
{
	unsigned bits = ip_addr_bits(&ts->start), len = 0;

	/* the common leading bits of start and end */
	while (len < bits) {
		unsigned byte = len / 8, bit = 7 - len % 8;
		if (((ts->start.bytes[byte] ^ ts->end.bytes[byte]) >> bit) & 1)
			break;
		len++;
	}
	memset(out, 0, sizeof(*out));
	out->addr.family = ts->start.family;
	for (unsigned i = 0; i < bits / 8; i++) {
		unsigned keep = len >= (i + 1) * 8 ? 8 : len > i * 8 ? len - i * 8 : 0;
		out->addr.bytes[i] = ts->start.bytes[i] & (uint8_t)(0xff00u >> keep);
	}
	out->len = (uint8_t)len;
}
