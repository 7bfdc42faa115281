/* The message table and its checks, and JSON over nng (see msg.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/msg.h"

#define REQ true
#define OPT false

const struct msg_type msg_types[] = {
	/* worker -> supervisor */
	{ "hello", MSG_UP, MSG_ID_NONE, false, "a worker is up and owns tunnels [first, first+count)",
	  { { "worker", MV_UINT, REQ }, { "pid", MV_UINT, REQ },
	    { "first", MV_UINT, OPT }, { "count", MV_UINT, OPT } } },
	{ "stats", MSG_UP, MSG_ID_NONE, false, "a worker's counters, sent periodically",
	  { { "worker", MV_UINT, REQ }, { "counters", MV_COUNTERS, REQ },
	    { "time", MV_UINT, OPT } } },
	/* time: microseconds since the epoch when the event happened; fields:
	 * the key=value tail as an object; text: the same tail preformatted. */
	{ "event", MSG_UP, MSG_ID_NONE, false, "one log event",
	  { { "level", MV_LEVEL, REQ }, { "name", MV_NAME, REQ },
	    { "worker", MV_UINT, OPT }, { "tunnel", MV_UINT, OPT },
	    { "ike", MV_SPI64, OPT }, { "fields", MV_FIELDS, OPT },
	    { "text", MV_STR, OPT }, { "time", MV_UINT, OPT } } },
	/* lines: records "TIME_US LEVEL wN tT [ike=SPI] name [k=v ...]\n", the
	 * log line with its time in microseconds (worker/wevents.h), sent as
	 * the message's trailer; dropped: the worker's events lost so far. */
	{ "events", MSG_UP, MSG_ID_NONE, false, "a batch of log events",
	  { { "worker", MV_UINT, REQ }, { "lines", MV_LINES, REQ },
	    { "dropped", MV_UINT, OPT } } },

	/* commands: supervisor -> worker, control client -> supervisor */
	{ "summary", MSG_CMD, MSG_ID_OPTIONAL, false, "state counters and run totals", { { 0 } } },
	{ "list", MSG_CMD, MSG_ID_OPTIONAL, false, "IKE SAs from index start, at most len",
	  { { "start", MV_UINT, OPT }, { "len", MV_UINT, OPT } } },
	{ "dump", MSG_CMD, MSG_ID_OPTIONAL, false, "one IKE SA by our SPI",
	  { { "spi", MV_SPI64, REQ } } },
	{ "listchild", MSG_CMD, MSG_ID_OPTIONAL, false, "CHILD SAs from index start, at most len",
	  { { "start", MV_UINT, OPT }, { "len", MV_UINT, OPT } } },
	{ "dumpchild", MSG_CMD, MSG_ID_OPTIONAL, false, "one CHILD SA by our SPI",
	  { { "spi", MV_SPI32, REQ } } },
	{ "rekeychild", MSG_CMD, MSG_ID_OPTIONAL, false, "rekey one CHILD SA by our SPI",
	  { { "spi", MV_SPI32, REQ } } },
	{ "stop", MSG_CMD, MSG_ID_OPTIONAL, false, "end the run (graceful: send DELETEs first)",
	  { { "graceful", MV_BOOL, OPT } } },
	{ "log", MSG_CMD, MSG_ID_OPTIONAL, false, "set the stdout log level and keyword",
	  { { "level", MV_LEVEL, REQ }, { "keyword", MV_STR, OPT } } },
	{ "uptime", MSG_CMD, MSG_ID_OPTIONAL, false, "time since the run started", { { 0 } } },
	{ "subscribe", MSG_CMD, MSG_ID_OPTIONAL, false,
	  "events at or below level (with keyword) on the PUB socket; answers its url",
	  { { "level", MV_LEVEL, OPT }, { "keyword", MV_STR, OPT } } },
	/* supervisor -> worker only: send the events that pass one filter */
	{ "filter", MSG_CMD, MSG_ID_OPTIONAL, false, "(internal) which events a worker sends",
	  { { "filters", MV_FILTERS, REQ } } },

	/* answers */
	{ "reply", MSG_ANSWER, MSG_ID_OPTIONAL, true, "a command or request succeeded",
	  { { "ok", MV_BOOL, REQ } } },
	{ "error", MSG_ANSWER, MSG_ID_OPTIONAL, false, "a command or request failed",
	  { { "error", MV_STR, REQ }, { "ok", MV_BOOL, OPT }, { "errno", MV_UINT, OPT } } },

	/* kernel process requests; answered by reply or error (+errno) */
	{ "addr.add", MSG_KERNEL, MSG_ID_REQUIRED, false,
	  "put count (default 1) consecutive addresses from prefix on ifname "
	  "(put_back: not removed at exit)",
	  { { "ifname", MV_STR, REQ }, { "prefix", MV_PREFIX, REQ }, { "count", MV_UINT, OPT },
	    { "put_back", MV_BOOL, OPT } } },
	{ "addr.del", MSG_KERNEL, MSG_ID_REQUIRED, false, "remove addresses added by addr.add",
	  { { "ifname", MV_STR, REQ }, { "prefix", MV_PREFIX, REQ }, { "count", MV_UINT, OPT } } },
	{ "addr.flush", MSG_KERNEL, MSG_ID_REQUIRED, false,
	  "remove ifname's addresses (not IPv6 link-local), put back at exit; "
	  "answered with removed: [prefix, ...]",
	  { { "ifname", MV_STR, REQ } } },
	/* replace false: keep an existing route (answered with existed: true) */
	{ "route.add", MSG_KERNEL, MSG_ID_REQUIRED, false, "add a route (local: type local)",
	  { { "prefix", MV_PREFIX, REQ }, { "dev", MV_STR, OPT }, { "via", MV_IP, OPT },
	    { "table", MV_UINT, OPT }, { "local", MV_BOOL, OPT }, { "metric", MV_UINT, OPT },
	    { "replace", MV_BOOL, OPT } } },
	{ "route.del", MSG_KERNEL, MSG_ID_REQUIRED, false, "remove a route added by route.add",
	  { { "prefix", MV_PREFIX, REQ }, { "dev", MV_STR, OPT }, { "via", MV_IP, OPT },
	    { "table", MV_UINT, OPT }, { "local", MV_BOOL, OPT }, { "metric", MV_UINT, OPT },
	    { "replace", MV_BOOL, OPT } } },
	/* installfastpath (kernel/fastpath.h; CHILD SAs as kernel/child_json.h) */
	{ "fastpath.start", MSG_KERNEL, MSG_ID_REQUIRED, false,
	  "probe ESP, open the fastpath, flush XFRM and table 330 unless flush is false",
	  { { "flush", MV_BOOL, OPT } } },
	{ "child.install", MSG_KERNEL, MSG_ID_REQUIRED, false, "install one CHILD SA",
	  { { "child", MV_OBJ, REQ } } },
	{ "child.rekey", MSG_KERNEL, MSG_ID_REQUIRED, false,
	  "replace the CHILD SA old_reqid by child (new states before the old go)",
	  { { "old_reqid", MV_UINT, REQ }, { "child", MV_OBJ, REQ } } },
	{ "child.delete", MSG_KERNEL, MSG_ID_REQUIRED, false,
	  "remove the CHILD SA reqid (states, policies, routes)",
	  { { "reqid", MV_UINT, REQ } } },
	{ "child.migrate", MSG_KERNEL, MSG_ID_REQUIRED, false,
	  "move the CHILD SA reqid to the endpoints to (MOBIKE)",
	  { { "reqid", MV_UINT, REQ }, { "to", MV_OBJ, REQ } } },
	/* reqs: an array of {"op": install|rekey|migrate|delete, "id", and the
	 * keys of that child.* request}; checked by the kernel process (open:
	 * the table has no array type).  Answered by one reply with "done" and
	 * "failed": [[id, errno], ...]. */
	{ "child.batch", MSG_KERNEL, MSG_ID_REQUIRED, true,
	  "several child.* requests, served in order with one fastpath call per kind",
	  { { 0 } } },
	{ NULL, 0, 0, false, NULL, { { 0 } } },
};

const char *msg_trailer_key(const struct msg_type *t)
{
	return t && strcmp(t->name, "events") == 0 ? "lines" : NULL;
}

const struct msg_type *msg_type_find(const char *name)
{
	for (const struct msg_type *t = msg_types; t->name; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

static int fail(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t whylen, const char *fmt, ...)
{
	if (why && whylen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

static bool str_clean(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static bool name_ok(const char *s, bool dots)
{
	size_t n = strlen(s);
	if (n == 0 || n > 63 || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
			  (dots && c == '.');
		if (!ok)
			return false;
	}
	return true;
}

int msg_spi_parse(const char *s, unsigned bits, uint64_t *out)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	size_t n = strlen(s), max = bits / 4;
	if (n == 0 || n > max)
		return -EINVAL;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -EINVAL;
		v = v << 4 | d;
	}
	if (v == 0)
		return -EINVAL;
	*out = v;
	return 0;
}

const char *msg_spi_format(uint64_t spi, unsigned bits, char *buf, size_t size)
{
	if (bits == 32)
		snprintf(buf, size, "%08llx", (unsigned long long)(spi & 0xffffffffu));
	else
		snprintf(buf, size, "%016llx", (unsigned long long)spi);
	return buf;
}

static bool ip_ok(const char *s)
{
	unsigned char b[16];
	return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

static bool prefix_ok(const char *s)
{
	const char *slash = strchr(s, '/');
	char addr[64];
	if (!slash || (size_t)(slash - s) >= sizeof(addr))
		return false;
	memcpy(addr, s, slash - s);
	addr[slash - s] = 0;
	unsigned char b[16];
	unsigned max;
	if (inet_pton(AF_INET, addr, b) == 1)
		max = 32;
	else if (inet_pton(AF_INET6, addr, b) == 1)
		max = 128;
	else
		return false;
	const char *p = slash + 1;
	if (!*p || strlen(p) > 3)
		return false;
	unsigned len = 0;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		len = len * 10 + (*p - '0');
	}
	return len <= max;
}

static bool filters_ok(const json_t *v)
{
	size_t i;
	json_t *x;
	if (!json_is_array(v) || json_array_size(v) > MSG_MAX_FILTERS)
		return false;
	json_array_foreach(v, i, x) {
		const char *k;
		json_t *y;
		if (!json_is_object(x) || !msg_value_ok(json_object_get(x, "level"), MV_LEVEL))
			return false;
		json_object_foreach(x, k, y)
			if (strcmp(k, "level") && (strcmp(k, "keyword") || !msg_value_ok(y, MV_STR)))
				return false;
	}
	return true;
}

static bool fields_ok(const json_t *v)
{
	const char *k;
	json_t *x;
	if (!json_is_object(v))
		return false;
	json_object_foreach((json_t *)v, k, x) {
		if (!name_ok(k, false))
			return false;
		if (json_is_string(x) ? !str_clean(json_string_value(x))
				      : !(json_is_number(x) || json_is_boolean(x)))
			return false;
	}
	return true;
}

bool msg_value_ok(const json_t *v, enum msg_vtype vt)
{
	uint64_t spi;
	switch (vt) {
	case MV_INT:
		return json_is_integer(v);
	case MV_UINT:
		return json_is_integer(v) && json_integer_value(v) >= 0;
	case MV_LEVEL:
		return json_is_integer(v) && json_integer_value(v) >= 1 &&
		       json_integer_value(v) <= 5;
	case MV_PORT:
		return json_is_integer(v) && json_integer_value(v) >= 1 &&
		       json_integer_value(v) <= 65535;
	case MV_STR:
		return json_is_string(v) && str_clean(json_string_value(v));
	case MV_NAME:
		return json_is_string(v) && name_ok(json_string_value(v), true);
	case MV_BOOL:
		return json_is_boolean(v);
	case MV_OBJ:
		return json_is_object(v);
	case MV_COUNTERS: {
		const char *k;
		json_t *x;
		if (!json_is_object(v))
			return false;
		json_object_foreach((json_t *)v, k, x)
			if (!json_is_integer(x) || json_integer_value(x) < 0)
				return false;
		return true;
	}
	case MV_FIELDS:
		return fields_ok(v);
	case MV_SPI64:
		return json_is_string(v) && msg_spi_parse(json_string_value(v), 64, &spi) == 0;
	case MV_SPI32:
		return json_is_string(v) && msg_spi_parse(json_string_value(v), 32, &spi) == 0;
	case MV_IP:
		return json_is_string(v) && ip_ok(json_string_value(v));
	case MV_PREFIX:
		return json_is_string(v) && prefix_ok(json_string_value(v));
	case MV_LINES:
		return json_is_string(v);
	case MV_FILTERS:
		return filters_ok(v);
	}
	return false;
}

const char *msg_vtype_text(enum msg_vtype vt)
{
	switch (vt) {
	case MV_INT: return "an integer";
	case MV_UINT: return "an integer >= 0";
	case MV_LEVEL: return "a level 1..5";
	case MV_PORT: return "a port 1..65535";
	case MV_STR: return "a string without control characters";
	case MV_NAME: return "a name like ike.established";
	case MV_BOOL: return "true or false";
	case MV_OBJ: return "an object";
	case MV_COUNTERS: return "an object of integers >= 0";
	case MV_FIELDS: return "an object of key (a-z0-9_) to string/number/bool";
	case MV_SPI64: return "an IKE SPI (1-16 hex digits, not zero)";
	case MV_SPI32: return "a CHILD SA SPI (1-8 hex digits, not zero)";
	case MV_IP: return "an IP address";
	case MV_PREFIX: return "an address/len prefix";
	case MV_LINES: return "a string of lines";
	case MV_FILTERS: return "an array of {level, keyword} objects (at most 16)";
	}
	return "?";
}

static const struct msg_key *key_find(const struct msg_type *t, const char *name)
{
	for (const struct msg_key *k = t->keys; k < t->keys + MSG_MAX_KEYS && k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

/* Everything but the type lookup: shared by msg_check and msg_check_cmd.
 * tkey is the key that named the type ("type" or "cmd"). */
static int check_body(const json_t *m, const struct msg_type *t, const char *tkey,
		      char *why, size_t whylen)
{
	json_t *id = json_object_get(m, "id");
	if (id && (!json_is_integer(id) || json_integer_value(id) < 0))
		return fail(why, whylen, "%s: 'id' must be an integer >= 0", t->name);
	if (!id && t->id == MSG_ID_REQUIRED)
		return fail(why, whylen, "%s: missing key 'id'", t->name);

	for (const struct msg_key *k = t->keys; k < t->keys + MSG_MAX_KEYS && k->name; k++) {
		json_t *v = json_object_get(m, k->name);
		if (!v) {
			if (k->required)
				return fail(why, whylen, "%s: missing key '%s'", t->name, k->name);
			continue;
		}
		if (!msg_value_ok(v, k->vtype))
			return fail(why, whylen, "%s: key '%s' must be %s", t->name, k->name,
				    msg_vtype_text(k->vtype));
	}
	if (t->open)
		return 0;
	const char *name;
	json_t *v;
	json_object_foreach((json_t *)m, name, v) {
		if (strcmp(name, tkey) == 0 || strcmp(name, "id") == 0)
			continue;
		if (!key_find(t, name))
			return fail(why, whylen, "%s: unknown key '%.40s'", t->name, name);
	}
	return 0;
}

static int check_as(const json_t *m, const char *tkey, bool cmd_only,
		    const struct msg_type **type, char *why, size_t whylen)
{
	if (!json_is_object(m))
		return fail(why, whylen, "not a JSON object");
	json_t *tv = json_object_get(m, tkey);
	if (!tv || !json_is_string(tv))
		return fail(why, whylen, "'%s' missing or not a string", tkey);
	const char *name = json_string_value(tv);
	const struct msg_type *t = msg_type_find(name);
	if (!t || (cmd_only && t->dir != MSG_CMD)) {
		/* quote at most 40 characters of what the peer sent, cleaned */
		char shown[41];
		size_t i;
		for (i = 0; name[i] && i < sizeof(shown) - 1; i++)
			shown[i] = (unsigned char)name[i] < 0x20 ? '?' : name[i];
		shown[i] = 0;
		return fail(why, whylen, "unknown %s '%s'", cmd_only ? "command" : "type", shown);
	}
	int rc = check_body(m, t, tkey, why, whylen);
	if (rc == 0 && type)
		*type = t;
	return rc;
}

int msg_check(const json_t *m, const struct msg_type **type, char *why, size_t whylen)
{
	return check_as(m, "type", false, type, why, whylen);
}

int msg_check_cmd(const json_t *m, const struct msg_type **type, char *why, size_t whylen)
{
	return check_as(m, "cmd", true, type, why, whylen);
}

json_t *msg_new(const char *type, int64_t id)
{
	json_t *m = json_object();
	if (!m)
		return NULL;
	if (json_object_set_new(m, "type", json_string(type)) ||
	    (id >= 0 && json_object_set_new(m, "id", json_integer(id)))) {
		json_decref(m);
		return NULL;
	}
	return m;
}

json_t *msg_reply(int64_t id)
{
	json_t *m = msg_new("reply", id);
	if (m && json_object_set_new(m, "ok", json_true())) {
		json_decref(m);
		return NULL;
	}
	return m;
}

json_t *msg_error(int64_t id, const char *text)
{
	json_t *m = msg_new("error", id);
	if (m && (json_object_set_new(m, "ok", json_false()) ||
		  json_object_set_new(m, "error", json_string(text ? text : "error")))) {
		json_decref(m);
		return NULL;
	}
	return m;
}

json_t *msg_event(int level, int worker, int64_t tunnel, uint64_t ike, const char *name,
		  json_t *fields, const char *text)
{
	struct timespec ts;
	char spi[17];
	clock_gettime(CLOCK_REALTIME, &ts);
	json_t *m = msg_new("event", -1);
	bool bad = !m;
	if (m) {
		bad |= json_object_set_new(m, "level", json_integer(level)) < 0;
		bad |= json_object_set_new(m, "name", json_string(name ? name : "")) < 0;
		bad |= json_object_set_new(m, "time", json_integer((json_int_t)ts.tv_sec * 1000000 +
								  ts.tv_nsec / 1000)) < 0;
		if (worker >= 0)
			bad |= json_object_set_new(m, "worker", json_integer(worker)) < 0;
		if (tunnel >= 0)
			bad |= json_object_set_new(m, "tunnel", json_integer(tunnel)) < 0;
		if (ike)
			bad |= json_object_set_new(m, "ike", json_string(msg_spi_format(
								     ike, 64, spi, sizeof(spi)))) < 0;
		if (fields)
			bad |= json_object_set(m, "fields", fields) < 0;
		if (text)
			bad |= json_object_set_new(m, "text", json_string(text)) < 0;
	}
	json_decref(fields);
	if (bad) {
		json_decref(m);
		return NULL;
	}
	return m;
}

int64_t msg_id(const json_t *m)
{
	json_t *id = json_object_get(m, "id");
	return json_is_integer(id) && json_integer_value(id) >= 0 ? json_integer_value(id) : -1;
}

int msg_nng_errno(int rv)
{
	switch (rv) {
	case 0: return 0;
	case NNG_EAGAIN: return -EAGAIN;
	case NNG_ETIMEDOUT: return -ETIMEDOUT;
	case NNG_ECLOSED: return -EBADF;
	case NNG_ENOMEM: return -ENOMEM;
	case NNG_EINVAL: return -EINVAL;
	case NNG_EMSGSIZE: return -EMSGSIZE;
	case NNG_ECONNREFUSED: return -ECONNREFUSED;
	case NNG_ECONNRESET: return -ECONNRESET;
	case NNG_ECONNSHUT: return -ECONNRESET;
	case NNG_EADDRINUSE: return -EADDRINUSE;
	case NNG_EADDRINVAL: return -EINVAL;
	case NNG_ENOENT: return -ENOENT;
	case NNG_EPERM: return -EPERM;
	case NNG_ESTATE: return -EPROTO;
	case NNG_ENOTSUP: return -ENOTSUP;
	case NNG_ECANCELED: return -ECANCELED;
	default:
		if (rv & NNG_ESYSERR)
			return -(rv & ~NNG_ESYSERR);
		return -EIO;
	}
}

int msg_send(nng_socket s, const json_t *m, int flags)
{
	char *text = json_dumps(m, JSON_COMPACT);
	if (!text)
		return -ENOMEM;
	int rc = msg_nng_errno(nng_send(s, text, strlen(text), flags));
	free(text);
	return rc;
}

/* After the object at pos: only white space, or (a type with a trailer)
 * "\n" and the text, stored under the trailer's key. */
static int take_trailer(json_t *m, const char *buf, size_t len, size_t pos, bool as_cmd,
			char *why, size_t whylen)
{
	const struct msg_type *t = as_cmd ? NULL
		: msg_type_find(json_string_value(json_object_get(m, "type")) ?: "");
	const char *key = msg_trailer_key(t);
	if (key && pos < len && buf[pos] == '\n') {
		if (json_object_get(m, key))
			return fail(why, whylen, "%s: '%s' given twice", t->name, key);
		json_object_set_new_nocheck(m, key,
					    json_stringn_nocheck(buf + pos + 1, len - pos - 1));
		return 0;
	}
	for (; pos < len; pos++)
		if (buf[pos] != ' ' && buf[pos] != '\t' && buf[pos] != '\n' && buf[pos] != '\r')
			return fail(why, whylen, "not JSON: data after the object at byte %zu",
				    pos);
	return 0;
}

int msg_decode(const void *buf, size_t len, bool as_cmd, json_t **out,
	       const struct msg_type **type, char *why, size_t whylen)
{
	*out = NULL;
	if (len > MSG_MAX_SIZE)
		return fail(why, whylen, "message of %zu bytes is over %d", len, MSG_MAX_SIZE);
	json_error_t jerr;
	json_t *m = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DISABLE_EOF_CHECK, &jerr);
	if (!m)
		return fail(why, whylen, "not JSON: %s at byte %d", jerr.text, jerr.position);
	int rc = take_trailer(m, buf, len, (size_t)jerr.position, as_cmd, why, whylen);
	if (rc) {
		json_decref(m);
		return rc;
	}
	rc = as_cmd ? msg_check_cmd(m, type, why, whylen) : msg_check(m, type, why, whylen);
	if (rc) {
		json_decref(m);
		return rc;
	}
	*out = m;
	return 0;
}

int msg_send_trailer(nng_socket s, const json_t *m, const void *text, size_t len, int flags)
{
	char *head = json_dumps(m, JSON_COMPACT);
	nng_msg *msg = NULL;
	if (!head)
		return -ENOMEM;
	size_t hl = strlen(head);
	int rv = nng_msg_alloc(&msg, 0);
	if (!rv)
		rv = nng_msg_reserve(msg, hl + 1 + len);
	if (!rv)
		rv = nng_msg_append(msg, head, hl);
	if (!rv)
		rv = nng_msg_append(msg, "\n", 1);
	if (!rv)
		rv = nng_msg_append(msg, text, len);
	if (!rv)
		rv = nng_sendmsg(s, msg, flags);
	if (rv && msg)
		nng_msg_free(msg);
	free(head);
	return msg_nng_errno(rv);
}

int msg_recv(nng_socket s, int flags, json_t **out, const struct msg_type **type,
	     char *why, size_t whylen)
{
	void *buf = NULL;
	size_t len = 0;
	*out = NULL;
	int rv = nng_recv(s, &buf, &len, flags | NNG_FLAG_ALLOC);
	if (rv)
		return msg_nng_errno(rv);
	int rc = msg_decode(buf, len, false, out, type, why, whylen);
	nng_free(buf, len);
	return rc;
}

int msg_recv_fd(nng_socket s, int *fd)
{
	return msg_nng_errno(nng_socket_get_int(s, NNG_OPT_RECVFD, fd));
}
