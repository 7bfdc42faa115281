/* CHILD SA requests <-> JSON (jansson). */
#include "kernel/child_json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int bad(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* An integer key within [min, max]; absent = dflt when optional. */
static int get_uint(const json_t *j, const char *key, bool optional, uint64_t dflt,
		    uint64_t max, uint64_t *out, char *why, size_t len)
{
	const json_t *v = json_object_get(j, key);

	if (!v) {
		if (!optional)
			return bad(why, len, "missing \"%s\"", key);
		*out = dflt;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return bad(why, len, "\"%s\": an integer 0..%llu", key, (unsigned long long)max);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int get_bool(const json_t *j, const char *key, bool *out, char *why, size_t len)
{
	const json_t *v = json_object_get(j, key);

	if (!v) {
		*out = false;
		return 0;
	}
	if (!json_is_boolean(v))
		return bad(why, len, "\"%s\": true or false", key);
	*out = json_is_true(v);
	return 0;
}

static int get_addr(const json_t *j, const char *key, struct ip_addr *out, char *why,
		    size_t len)
{
	const char *s = json_string_value(json_object_get(j, key));

	if (!s || ip_addr_parse(s, out) < 0)
		return bad(why, len, "\"%s\": an IPv4 or IPv6 address", key);
	return 0;
}

static int get_ts(const json_t *arr, const char *key, struct fp_ts *ts, uint8_t *n,
		  char *why, size_t len)
{
	size_t i;
	const json_t *t;

	if (!json_is_array(arr) || json_array_size(arr) == 0 ||
	    json_array_size(arr) > FP_MAX_TS)
		return bad(why, len, "\"%s\": an array of 1..%d selectors", key, FP_MAX_TS);
	json_array_foreach(arr, i, t) {
		uint64_t proto, ps, pe;
		char sub[48];
		snprintf(sub, sizeof(sub), "%s[%zu].start", key, i);
		if (!json_is_object(t) || get_addr(t, "start", &ts[i].start, why, len) < 0)
			return bad(why, len, "\"%s\": an address", sub);
		snprintf(sub, sizeof(sub), "%s[%zu].end", key, i);
		if (get_addr(t, "end", &ts[i].end, why, len) < 0)
			return bad(why, len, "\"%s\": an address", sub);
		if (get_uint(t, "proto", true, 0, 255, &proto, why, len) < 0 ||
		    get_uint(t, "port_start", true, 0, 65535, &ps, why, len) < 0 ||
		    get_uint(t, "port_end", true, 65535, 65535, &pe, why, len) < 0)
			return bad(why, len, "%s[%zu]: proto 0..255, ports 0..65535", key, i);
		ts[i].ip_proto = (uint8_t)proto;
		ts[i].port_start = (uint16_t)ps;
		ts[i].port_end = (uint16_t)pe;
	}
	*n = (uint8_t)json_array_size(arr);
	return 0;
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int fp_endpoints_from_json(const json_t *j, struct fp_endpoints *out, char *why,
			   size_t whylen)
{
	uint64_t lp, rp;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(j))
		return bad(why, whylen, "endpoints: an object");
	if (get_addr(j, "local", &out->local, why, whylen) < 0 ||
	    get_addr(j, "remote", &out->remote, why, whylen) < 0 ||
	    get_uint(j, "local_port", true, 0, 65535, &lp, why, whylen) < 0 ||
	    get_uint(j, "remote_port", true, 0, 65535, &rp, why, whylen) < 0)
		return -EINVAL;
	if (out->local.family != out->remote.family)
		return bad(why, whylen, "\"local\" and \"remote\": the same family");
	if (!lp != !rp)
		return bad(why, whylen, "\"local_port\" and \"remote_port\": both or neither");
	out->local_port = (uint16_t)lp;
	out->remote_port = (uint16_t)rp;
	return 0;
}

int fp_child_from_json(const json_t *j, struct fp_child *out, char *why, size_t whylen)
{
	uint64_t v[8];
	const char *mode, *hex;
	struct xfrm_alg_spec alg;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(j))
		return bad(why, whylen, "child: an object");
	rc = fp_endpoints_from_json(j, &out->ep, why, whylen);
	if (rc == 0)
		rc = get_bool(j, "initiator", &out->initiator, why, whylen);
	if (rc == 0)
		rc = get_bool(j, "esn", &out->esn, why, whylen);
	if (rc == 0)
		rc = get_uint(j, "reqid", false, 0, UINT32_MAX, &v[0], why, whylen);
	if (rc == 0)
		rc = get_uint(j, "spi_in", false, 0, UINT32_MAX, &v[1], why, whylen);
	if (rc == 0)
		rc = get_uint(j, "spi_out", false, 0, UINT32_MAX, &v[2], why, whylen);
	if (rc == 0)
		rc = get_uint(j, "encr", false, 0, 65535, &v[3], why, whylen);
	if (rc == 0)
		rc = get_uint(j, "encr_keybits", true, 0, 65535, &v[4], why, whylen);
	if (rc == 0)
		rc = get_uint(j, "integ", true, 0, 65535, &v[5], why, whylen);
	if (rc == 0)
		rc = get_uint(j, "replay_window", true, 0, 4096, &v[6], why, whylen);
	if (rc == 0)
		rc = get_uint(j, "priority", true, 0, UINT32_MAX, &v[7], why, whylen);
	if (rc)
		return rc;
	out->reqid = (uint32_t)v[0];
	out->spi_in = (uint32_t)v[1];
	out->spi_out = (uint32_t)v[2];
	out->encr_id = (uint16_t)v[3];
	out->encr_keybits = (uint16_t)v[4];
	out->integ_id = (uint16_t)v[5];
	out->replay_window = (uint32_t)v[6];
	out->priority = (uint32_t)v[7];
	mode = json_string_value(json_object_get(j, "mode"));
	if (mode && !strcmp(mode, "tunnel"))
		out->mode = FP_TUNNEL;
	else if (mode && !strcmp(mode, "transport"))
		out->mode = FP_TRANSPORT;
	else
		return bad(why, whylen, "\"mode\": \"tunnel\" or \"transport\"");
	rc = get_ts(json_object_get(j, "local_ts"), "local_ts", out->local_ts, &out->n_local_ts,
		    why, whylen);
	if (rc == 0)
		rc = get_ts(json_object_get(j, "remote_ts"), "remote_ts", out->remote_ts,
			    &out->n_remote_ts, why, whylen);
	if (rc)
		return rc;
	hex = json_string_value(json_object_get(j, "keymat"));
	size_t hl = hex ? strlen(hex) : 0;
	if (!hex || hl % 2 || hl / 2 > FP_KEYMAT_MAX)
		return bad(why, whylen, "\"keymat\": hex, at most %d octets", FP_KEYMAT_MAX);
	for (size_t i = 0; i < hl / 2; i++) {
		int hi = hex_nibble(hex[2 * i]), lo = hex_nibble(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			explicit_bzero(out->keymat, sizeof(out->keymat));
			return bad(why, whylen, "\"keymat\": hex digits only");
		}
		out->keymat[i] = (uint8_t)(hi << 4 | lo);
	}
	out->keymat_len = (uint16_t)(hl / 2);
	rc = fp_child_check(out, &alg);
	if (rc == 0)
		return 0;
	if (rc == -ENOTSUP)
		bad(why, whylen, "\"encr\" %u / \"integ\" %u: not on the kernel path",
		    out->encr_id, out->integ_id);
	else
		bad(why, whylen, "the request does not hold together (algorithms and key "
		    "lengths, %u keymat octets for them, SPIs >= 256, selector families)",
		    out->keymat_len);
	explicit_bzero(out->keymat, sizeof(out->keymat));
	return rc;
}

static json_t *addr_json(const struct ip_addr *a)
{
	char buf[IP_ADDR_STRLEN];
	return json_string(ip_addr_format(a, buf, sizeof(buf)));
}

json_t *fp_endpoints_to_json(const struct fp_endpoints *e)
{
	json_t *j = json_object();

	if (!j)
		return NULL;
	json_object_set_new(j, "local", addr_json(&e->local));
	json_object_set_new(j, "remote", addr_json(&e->remote));
	if (e->local_port) {
		json_object_set_new(j, "local_port", json_integer(e->local_port));
		json_object_set_new(j, "remote_port", json_integer(e->remote_port));
	}
	return j;
}

static json_t *ts_json(const struct fp_ts *ts, unsigned n)
{
	json_t *a = json_array();

	for (unsigned i = 0; a && i < n; i++) {
		json_t *t = json_object();
		json_object_set_new(t, "start", addr_json(&ts[i].start));
		json_object_set_new(t, "end", addr_json(&ts[i].end));
		json_object_set_new(t, "proto", json_integer(ts[i].ip_proto));
		json_object_set_new(t, "port_start", json_integer(ts[i].port_start));
		json_object_set_new(t, "port_end", json_integer(ts[i].port_end));
		json_array_append_new(a, t);
	}
	return a;
}

json_t *fp_child_to_json(const struct fp_child *c)
{
	json_t *j = fp_endpoints_to_json(&c->ep);
	char hex[2 * FP_KEYMAT_MAX + 1];

	if (!j)
		return NULL;
	json_object_set_new(j, "reqid", json_integer(c->reqid));
	json_object_set_new(j, "initiator", json_boolean(c->initiator));
	json_object_set_new(j, "mode", json_string(c->mode == FP_TUNNEL ? "tunnel" : "transport"));
	json_object_set_new(j, "spi_in", json_integer(c->spi_in));
	json_object_set_new(j, "spi_out", json_integer(c->spi_out));
	json_object_set_new(j, "encr", json_integer(c->encr_id));
	json_object_set_new(j, "encr_keybits", json_integer(c->encr_keybits));
	json_object_set_new(j, "integ", json_integer(c->integ_id));
	json_object_set_new(j, "esn", json_boolean(c->esn));
	json_object_set_new(j, "replay_window", json_integer(c->replay_window));
	if (c->priority)
		json_object_set_new(j, "priority", json_integer(c->priority));
	json_object_set_new(j, "local_ts", ts_json(c->local_ts, c->n_local_ts));
	json_object_set_new(j, "remote_ts", ts_json(c->remote_ts, c->n_remote_ts));
	unsigned n = c->keymat_len <= FP_KEYMAT_MAX ? c->keymat_len : FP_KEYMAT_MAX;
	for (unsigned i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", c->keymat[i]);
	hex[2 * n] = '\0';
	json_object_set_new(j, "keymat", json_string(hex));
	explicit_bzero(hex, sizeof(hex));
	return j;
}
