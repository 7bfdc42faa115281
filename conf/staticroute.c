/* staticroute commands into routes (see staticroute.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/staticroute.h"

#define MAX_WORDS 24

static int bad(char *why, size_t len, unsigned cmd, const char *fmt, const char *word)
{
	char text[120];
	snprintf(text, sizeof(text), fmt, word);
	snprintf(why, len, "staticroute command %u: %s", cmd + 1, text);
	return -EINVAL;
}

static int parse_u32(const char *w, uint32_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(w, &end, 10);
	if (errno || end == w || *end || *w == '-' || v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* One command already split into words. */
static int parse_words(char **w, int n, unsigned cmd, struct conf_route *r, char *why,
		       size_t len)
{
	int i = 0, family = 0;
	memset(r, 0, sizeof(*r));
	if (i < n && !strcmp(w[i], "ip")) {
		i++;
		if (i < n && (!strcmp(w[i], "-4") || !strcmp(w[i], "-6")))
			family = w[i++][1] == '4' ? AF_INET : AF_INET6;
		if (i >= n || (strcmp(w[i], "route") && strcmp(w[i], "r") && strcmp(w[i], "ro")))
			return bad(why, len, cmd, "expected 'ip route', not '%s'",
				   i < n ? w[i] : "ip");
		i++;
	}
	if (i >= n || (strcmp(w[i], "replace") && strcmp(w[i], "add")))
		return bad(why, len, cmd, "only 'route replace' (or add) is supported, not '%s'",
			   i < n ? w[i] : "(nothing)");
	if (++i >= n)
		return bad(why, len, cmd, "%s", "no destination");
	if (!strcmp(w[i], "default")) {
		r->dst.addr.family = (uint8_t)(family ? family : AF_INET);
		r->dst.len = 0;
	} else if (ip_prefix_parse(w[i], false, &r->dst) < 0) {
		return bad(why, len, cmd, "bad destination '%s'", w[i]);
	}
	i++;
	for (; i < n; i += 2) {
		const char *key = w[i], *val = i + 1 < n ? w[i + 1] : NULL;
		if (!val)
			return bad(why, len, cmd, "'%s' needs a value", key);
		if (!strcmp(key, "via")) {
			if (ip_addr_parse(val, &r->via) < 0)
				return bad(why, len, cmd, "bad via address '%s'", val);
		} else if (!strcmp(key, "dev")) {
			if (strlen(val) >= sizeof(r->dev))
				return bad(why, len, cmd, "interface name '%s' is too long", val);
			snprintf(r->dev, sizeof(r->dev), "%s", val);
		} else if (!strcmp(key, "table")) {
			if (!strcmp(val, "main"))
				r->table = 0;
			else if (parse_u32(val, &r->table) < 0 || r->table == 0 ||
				 r->table == 255)
				return bad(why, len, cmd,
					   "table '%s': give main or a number (not 0 or 255/local)",
					   val);
		} else if (!strcmp(key, "metric") || !strcmp(key, "priority") ||
			   !strcmp(key, "preference")) {
			if (parse_u32(val, &r->metric) < 0)
				return bad(why, len, cmd, "bad metric '%s'", val);
		} else {
			return bad(why, len, cmd,
				   "'%s' is not supported (via, dev, table, metric are)", key);
		}
	}
	if (family && r->dst.addr.family != family)
		return bad(why, len, cmd, "%s", "destination family differs from -4/-6");
	if (!ip_addr_is_unset(&r->via) && r->via.family != r->dst.addr.family)
		return bad(why, len, cmd, "%s", "via and destination are of different families");
	if (ip_addr_is_unset(&r->via) && !r->dev[0])
		return bad(why, len, cmd, "%s", "needs via or dev");
	return 0;
}

int conf_staticroute_parse(const char *s, struct conf_route *out, size_t max, char *why,
			   size_t whylen)
{
	char *copy = strdup(s ? s : "");
	char *save = NULL;
	int count = 0, rc = 0;
	if (!copy)
		return -ENOMEM;
	for (char *cmd = strtok_r(copy, ";\n", &save); cmd; cmd = strtok_r(NULL, ";\n", &save)) {
		char *w[MAX_WORDS], *wsave = NULL;
		int n = 0;
		for (char *t = strtok_r(cmd, " \t\r", &wsave); t; t = strtok_r(NULL, " \t\r", &wsave)) {
			if (n == MAX_WORDS) {
				rc = bad(why, whylen, (unsigned)count, "%s", "too many words");
				goto out;
			}
			w[n++] = t;
		}
		if (n == 0)
			continue;
		if ((size_t)count == max) {
			snprintf(why, whylen, "staticroute: more than %zu commands", max);
			rc = -EINVAL;
			goto out;
		}
		rc = parse_words(w, n, (unsigned)count, &out[count], why, whylen);
		if (rc < 0)
			goto out;
		count++;
	}
	rc = count;
out:
	free(copy);
	return rc;
}
