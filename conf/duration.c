/* Go's time.ParseDuration grammar: [+]? ( number unit )+, number may have a
 * fraction, units ns us µs μs ms s m h; a lone "0" is allowed. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "conf/duration.h"
#include "lib/util.h"

struct unit {
	const char *name;
	uint64_t ns;
};

/* Longer names first so "ms" is not read as "m" + "s". */
static const struct unit units[] = {
	{ "ns", 1 }, { "us", 1000 }, { "\xc2\xb5s", 1000 }, { "\xce\xbcs", 1000 },
	{ "ms", 1000000 }, { "s", 1000000000ull }, { "m", 60000000000ull },
	{ "h", 3600000000000ull },
};

static const struct unit *unit_at(const char *s, size_t *len)
{
	const struct unit *best = NULL;
	size_t best_len = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(units); i++) {
		size_t n = strlen(units[i].name);
		if (strncmp(s, units[i].name, n) == 0 && n > best_len) {
			best = &units[i];
			best_len = n;
		}
	}
	*len = best_len;
	return best;
}

int conf_duration_parse(const char *s, uint64_t *ns)
{
	uint64_t total = 0;

	if (*s == '+')
		s++;
	if (strcmp(s, "0") == 0) {
		*ns = 0;
		return 0;
	}
	if (!*s)
		return -EINVAL;
	while (*s) {
		uint64_t whole = 0, frac = 0, scale = 1;
		bool digits = false;
		while (*s >= '0' && *s <= '9') {
			if (whole > (UINT64_MAX - 9) / 10)
				return -ERANGE;
			whole = whole * 10 + (uint64_t)(*s++ - '0');
			digits = true;
		}
		if (*s == '.') {
			s++;
			while (*s >= '0' && *s <= '9') {
				if (scale < 1000000000000000000ull) { /* ignore past 1e-18 */
					frac = frac * 10 + (uint64_t)(*s - '0');
					scale *= 10;
				}
				s++;
				digits = true;
			}
		}
		if (!digits)
			return -EINVAL;
		size_t ulen;
		const struct unit *u = unit_at(s, &ulen);
		if (!u)
			return -EINVAL;
		s += ulen;
		if (whole > UINT64_MAX / u->ns)
			return -ERANGE;
		uint64_t v = whole * u->ns;
		/* frac/scale of a unit, without overflowing: unit <= 3.6e12 and
		 * scale <= 1e18, so split the product. */
		long double f = (long double)frac * (long double)u->ns / (long double)scale;
		if ((uint64_t)f > UINT64_MAX - v)
			return -ERANGE;
		v += (uint64_t)f;
		if (total > UINT64_MAX - v)
			return -ERANGE;
		total += v;
	}
	*ns = total;
	return 0;
}

/* Writes v / 10^prec with the fraction's trailing zeros dropped. */
static int put_frac(char *buf, size_t size, uint64_t v, unsigned prec, const char *unit)
{
	uint64_t div = 1;
	for (unsigned i = 0; i < prec; i++)
		div *= 10;
	uint64_t whole = v / div, frac = v % div;
	if (!frac)
		return snprintf(buf, size, "%llu%s", (unsigned long long)whole, unit);
	char f[24];
	snprintf(f, sizeof(f), "%0*llu", (int)prec, (unsigned long long)frac);
	for (size_t n = strlen(f); n > 0 && f[n - 1] == '0'; n--)
		f[n - 1] = '\0';
	return snprintf(buf, size, "%llu.%s%s", (unsigned long long)whole, f, unit);
}

const char *conf_duration_format(uint64_t ns, char *buf, size_t size)
{
	if (ns == 0)
		snprintf(buf, size, "0s");
	else if (ns < 1000)
		snprintf(buf, size, "%lluns", (unsigned long long)ns);
	else if (ns < 1000000)
		put_frac(buf, size, ns, 3, "us");
	else if (ns < 1000000000ull)
		put_frac(buf, size, ns, 6, "ms");
	else {
		uint64_t h = ns / 3600000000000ull;
		uint64_t m = ns / 60000000000ull % 60;
		uint64_t s_ns = ns % 60000000000ull;
		int n = 0;
		if (h)
			n = snprintf(buf, size, "%lluh%llum", (unsigned long long)h,
				     (unsigned long long)m);
		else if (m)
			n = snprintf(buf, size, "%llum", (unsigned long long)m);
		if (n >= 0 && (size_t)n < size)
			put_frac(buf + n, size - n, s_ns, 9, "s");
	}
	return buf;
}
