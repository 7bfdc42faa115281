/* Decode, default, compare, free and write one key's value.  Everything the
 * parser, 'default setup' and the round-trip test do per key goes here. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/algs.h"
#include "conf/config.h"
#include "conf/duration.h"
#include "conf/value.h"

/* CT_ENUM fields are read and written as int. */
_Static_assert(sizeof(enum conf_role) == sizeof(int) && sizeof(enum conf_auth) == sizeof(int),
	       "enum fields must be int-sized");

size_t conf_key_scope_len(const struct conf_key *k)
{
	const char *p = k->path, *last = NULL;
	while ((p = strstr(p, "[]")) != NULL) {
		last = p;
		p += 2;
	}
	/* A map list's own key lives in the scope around it. */
	return last ? (size_t)(last - k->path) + 2 : 0;
}

bool conf_key_is_list(const struct conf_key *k)
{
	switch (k->type) {
	case CT_IKE_ENCR: case CT_ESP_ENCR: case CT_INTEG: case CT_PRF:
	case CT_DH_LIST: case CT_ADDR_LIST:
		return true;
	default:
		return false;
	}
}

static int xform_of(enum conf_type t)
{
	return t == CT_INTEG ? XFORM_INTEG : t == CT_PRF ? XFORM_PRF : XFORM_ENCR;
}

static const char *xform_word(int xform)
{
	return xform == XFORM_INTEG ? "integrity" : xform == XFORM_PRF ? "PRF" : "encryption";
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", NULL };
	static const char *const no[] = { "false", "no", "off", NULL };
	for (unsigned i = 0; yes[i]; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_int(const char *s, int64_t *out)
{
	char *end;
	if (!*s || (*s != '-' && *s != '+' && (*s < '0' || *s > '9')))
		return -EINVAL;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	*out = v;
	return 0;
}

static void enum_list(const struct conf_key *k, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	for (unsigned i = 0; k->names[i] && n < size; i++)
		n += snprintf(buf + n, size - n, "%s%s", i ? ", " : "", k->names[i]);
}

int conf_value_decode(const struct conf_key *k, const char *text, void *field,
		      char *why, size_t whysize)
{
	char names[256];
	int64_t iv;

	switch (k->type) {
	case CT_BOOL:
		if (parse_bool(text, field) == 0)
			return 0;
		break;
	case CT_INT:
		if (parse_int(text, &iv) == 0 && iv >= k->min && iv <= k->max) {
			*(int64_t *)field = iv;
			return 0;
		}
		snprintf(why, whysize, "expected an integer from %" PRId64 " to %" PRId64
			 ", got '%s'", k->min, k->max, text);
		return -EINVAL;
	case CT_STRING: {
		char *dup = strdup(text);
		if (!dup) {
			snprintf(why, whysize, "out of memory");
			return -ENOMEM;
		}
		free(*(char **)field);
		*(char **)field = dup;
		return 0;
	}
	case CT_DURATION: {
		int rc = conf_duration_parse(text, field);
		if (rc == 0)
			return 0;
		if (rc == -ERANGE) {
			snprintf(why, whysize, "duration '%s' is too long", text);
			return -EINVAL;
		}
		break;
	}
	case CT_ADDR: {
		struct ip_addr *a = field;
		if (!*text) {
			memset(a, 0, sizeof(*a));
			return 0;
		}
		if (ip_addr_parse(text, a) == 0)
			return 0;
		break;
	}
	case CT_PREFIX:
	case CT_ADDR_PREFIX: {
		struct ip_prefix *p = field;
		if (!*text) {
			memset(p, 0, sizeof(*p));
			return 0;
		}
		if (ip_prefix_parse(text, k->type == CT_PREFIX, p) == 0)
			return 0;
		break;
	}
	case CT_ENUM:
		for (int i = 0; k->names[i]; i++) {
			if (strcmp(k->names[i], text) == 0) {
				*(int *)field = i;
				return 0;
			}
		}
		enum_list(k, names, sizeof(names));
		snprintf(why, whysize, "expected one of %s; got '%s'", names, text);
		return -EINVAL;
	case CT_IKE_ENCR: case CT_ESP_ENCR: case CT_INTEG: case CT_PRF: {
		struct conf_algs *l = field;
		int xf = xform_of(k->type);
		struct conf_alg alg;
		if (conf_alg_parse(xf, text, k->type == CT_ESP_ENCR, &alg) < 0) {
			snprintf(why, whysize, "unknown %s algorithm '%s' (known: %s)",
				 xform_word(xf), text, conf_alg_names(xf, k->type == CT_ESP_ENCR));
			return -EINVAL;
		}
		/* proto/ and the fastpath have no ESP NULL yet: refuse it here
		 * rather than fail every CHILD SA at key derivation. */
		if (xf == XFORM_ENCR && alg.id == ENCR_NULL) {
			snprintf(why, whysize, "ESP NULL encryption ('%s') is not implemented yet",
				 text);
			return -EINVAL;
		}
		if (l->n >= CONF_MAX_LIST)
			goto full;
		l->a[l->n++] = alg;
		return 0;
	}
	case CT_DH_LIST: {
		struct conf_ints *l = field;
		if (parse_int(text, &iv) < 0 || !conf_dh_group_ok(iv)) {
			snprintf(why, whysize, "unsupported DH group '%s' (supported: 1 2 5 14 "
				 "15 16 17 18 19 20 21 31)", text);
			return -EINVAL;
		}
		if (l->n >= CONF_MAX_LIST)
			goto full;
		l->v[l->n++] = iv;
		return 0;
	}
	case CT_ADDR_LIST: {
		struct conf_addrs *l = field;
		struct ip_addr a;
		if (ip_addr_parse(text, &a) < 0)
			break;
		if (l->n >= CONF_MAX_LIST)
			goto full;
		l->v[l->n++] = a;
		return 0;
	}
	case CT_MAP:
	case CT_MAP_LIST:
		break;
	}
	snprintf(why, whysize, "expected %s, got '%s'", conf_type_expected(k), text);
	return -EINVAL;
full:
	snprintf(why, whysize, "too many entries (at most %d)", CONF_MAX_LIST);
	return -ENOSPC;
}

void conf_value_clear(const struct conf_key *k, void *field)
{
	switch (k->type) {
	case CT_IKE_ENCR: case CT_ESP_ENCR: case CT_INTEG: case CT_PRF:
		memset(field, 0, sizeof(struct conf_algs));
		break;
	case CT_DH_LIST:
		memset(field, 0, sizeof(struct conf_ints));
		break;
	case CT_ADDR_LIST:
		memset(field, 0, sizeof(struct conf_addrs));
		break;
	default:
		break;
	}
}

void conf_value_default(const struct conf_key *k, void *field)
{
	char why[256];

	if (k->type == CT_MAP || k->type == CT_MAP_LIST)
		return;
	if (!conf_key_is_list(k)) {
		if (conf_value_decode(k, k->def, field, why, sizeof(why)) < 0)
			abort(); /* a bad default in conf/keys.c: the unit tests catch it */
		return;
	}
	conf_value_clear(k, field);
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", k->def);
	for (char *save = NULL, *item = strtok_r(buf, " ", &save); item;
	     item = strtok_r(NULL, " ", &save))
		if (conf_value_decode(k, item, field, why, sizeof(why)) < 0)
			abort();
}

bool conf_value_equal(const struct conf_key *k, const void *a, const void *b)
{
	switch (k->type) {
	case CT_BOOL: return *(const bool *)a == *(const bool *)b;
	case CT_INT: return *(const int64_t *)a == *(const int64_t *)b;
	case CT_DURATION: return *(const uint64_t *)a == *(const uint64_t *)b;
	case CT_ENUM: return *(const int *)a == *(const int *)b;
	case CT_STRING: {
		const char *x = *(char *const *)a, *y = *(char *const *)b;
		return strcmp(x ? x : "", y ? y : "") == 0;
	}
	case CT_ADDR:
		return ip_addr_cmp(a, b) == 0;
	case CT_PREFIX: case CT_ADDR_PREFIX: {
		const struct ip_prefix *x = a, *y = b;
		return ip_addr_cmp(&x->addr, &y->addr) == 0 && x->len == y->len;
	}
	case CT_IKE_ENCR: case CT_ESP_ENCR: case CT_INTEG: case CT_PRF: {
		const struct conf_algs *x = a, *y = b;
		return x->n == y->n && memcmp(x->a, y->a, x->n * sizeof(x->a[0])) == 0;
	}
	case CT_DH_LIST: {
		const struct conf_ints *x = a, *y = b;
		return x->n == y->n && memcmp(x->v, y->v, x->n * sizeof(x->v[0])) == 0;
	}
	case CT_ADDR_LIST: {
		const struct conf_addrs *x = a, *y = b;
		if (x->n != y->n)
			return false;
		for (unsigned i = 0; i < x->n; i++)
			if (ip_addr_cmp(&x->v[i], &y->v[i]) != 0)
				return false;
		return true;
	}
	case CT_MAP:
	case CT_MAP_LIST:
		return true;
	}
	return false;
}

void conf_value_free(const struct conf_key *k, void *field)
{
	if (k->type == CT_STRING) {
		free(*(char **)field);
		*(char **)field = NULL;
	}
}

/* YAML double-quoted string with the escapes it needs. */
static void write_string(const char *s, FILE *f)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void conf_value_write(const struct conf_key *k, const void *field, FILE *f)
{
	char buf[IP_PREFIX_STRLEN > CONF_DURATION_STRLEN ? IP_PREFIX_STRLEN
							 : CONF_DURATION_STRLEN];

	switch (k->type) {
	case CT_BOOL:
		fputs(*(const bool *)field ? " true" : " false", f);
		break;
	case CT_INT:
		fprintf(f, " %" PRId64, *(const int64_t *)field);
		break;
	case CT_STRING:
		fputc(' ', f);
		write_string(*(char *const *)field, f);
		break;
	case CT_DURATION:
		fprintf(f, " %s", conf_duration_format(*(const uint64_t *)field, buf,
							sizeof(buf)));
		break;
	case CT_ADDR:
		fputc(' ', f);
		write_string(ip_addr_format(field, buf, sizeof(buf)), f);
		break;
	case CT_PREFIX: case CT_ADDR_PREFIX:
		fputc(' ', f);
		write_string(ip_prefix_format(field, buf, sizeof(buf)), f);
		break;
	case CT_ENUM:
		fprintf(f, " %s", k->names[*(const int *)field]);
		break;
	case CT_IKE_ENCR: case CT_ESP_ENCR: case CT_INTEG: case CT_PRF: {
		const struct conf_algs *l = field;
		fputs(" [", f);
		for (unsigned i = 0; i < l->n; i++)
			fprintf(f, "%s%s", i ? ", " : "", conf_alg_name(xform_of(k->type), l->a[i]));
		fputc(']', f);
		break;
	}
	case CT_DH_LIST: {
		const struct conf_ints *l = field;
		fputs(" [", f);
		for (unsigned i = 0; i < l->n; i++)
			fprintf(f, "%s%" PRId64, i ? ", " : "", l->v[i]);
		fputc(']', f);
		break;
	}
	case CT_ADDR_LIST: {
		const struct conf_addrs *l = field;
		fputs(" [", f);
		for (unsigned i = 0; i < l->n; i++) {
			fputs(i ? ", " : "", f);
			write_string(ip_addr_format(&l->v[i], buf, sizeof(buf)), f);
		}
		fputc(']', f);
		break;
	}
	case CT_MAP:
	case CT_MAP_LIST:
		break;
	}
}

static bool in_scope(const struct conf_key *k, const char *scope, size_t len)
{
	return conf_key_scope_len(k) == len && strncmp(k->path, scope, len) == 0;
}

void conf_elem_defaults(const struct conf_key *list, void *elem)
{
	char scope[128];
	int n = snprintf(scope, sizeof(scope), "%s[]", list->path);
	memset(elem, 0, list->elem_size);
	conf_scope_defaults(scope, n, elem);
}

void conf_scope_defaults(const char *scope, size_t len, void *base)
{
	for (unsigned i = 0; i < conf_nkeys; i++) {
		const struct conf_key *k = &conf_keys[i];
		if (!in_scope(k, scope, len))
			continue;
		if (k->type == CT_MAP_LIST) {
			/* MyIKEv2's default: one element with its keys' defaults. */
			*(unsigned *)((char *)base + k->count_offset) = 1;
			conf_elem_defaults(k, conf_field(k, base));
		} else {
			conf_value_default(k, conf_field(k, base));
		}
	}
}

void conf_scope_free(const char *scope, size_t len, void *base)
{
	char sub[128];
	for (unsigned i = 0; i < conf_nkeys; i++) {
		const struct conf_key *k = &conf_keys[i];
		if (!in_scope(k, scope, len))
			continue;
		if (k->type != CT_MAP_LIST) {
			conf_value_free(k, conf_field(k, base));
			continue;
		}
		int n = snprintf(sub, sizeof(sub), "%s[]", k->path);
		unsigned count = *(unsigned *)((char *)base + k->count_offset);
		for (unsigned e = 0; e < count; e++)
			conf_scope_free(sub, n, (char *)conf_field(k, base) + e * k->elem_size);
	}
}

bool conf_scope_equal(const char *scope, size_t len, const void *a, const void *b)
{
	char sub[128];
	for (unsigned i = 0; i < conf_nkeys; i++) {
		const struct conf_key *k = &conf_keys[i];
		if (!in_scope(k, scope, len))
			continue;
		const void *fa = (const char *)a + k->offset, *fb = (const char *)b + k->offset;
		if (k->type != CT_MAP_LIST) {
			if (!conf_value_equal(k, fa, fb))
				return false;
			continue;
		}
		unsigned ca = *(const unsigned *)((const char *)a + k->count_offset);
		unsigned cb = *(const unsigned *)((const char *)b + k->count_offset);
		if (ca != cb)
			return false;
		int n = snprintf(sub, sizeof(sub), "%s[]", k->path);
		for (unsigned e = 0; e < ca; e++)
			if (!conf_scope_equal(sub, n, (const char *)fa + e * k->elem_size,
					      (const char *)fb + e * k->elem_size))
				return false;
	}
	return true;
}
