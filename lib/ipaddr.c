/* Address arithmetic on network-order byte arrays: no host byte order, no
 * 128-bit integers, the same code for IPv4 and IPv6. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ipaddr.h"

static unsigned addr_len(const struct ip_addr *a)
{
	return a->family == AF_INET6 ? 16 : 4;
}

int ip_addr_parse(const char *s, struct ip_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, out->bytes) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->bytes) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	memset(out, 0, sizeof(*out));
	return -EINVAL;
}

int ip_prefix_parse(const char *s, bool require_len, struct ip_prefix *out)
{
	char buf[IP_PREFIX_STRLEN];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	memset(out, 0, sizeof(*out));
	if (n >= sizeof(buf) || (!slash && require_len))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (ip_addr_parse(buf, &out->addr) < 0)
		return -EINVAL;
	unsigned bits = ip_addr_bits(&out->addr);
	if (!slash) {
		out->len = bits;
		return 0;
	}
	const char *d = slash + 1;
	if (*d < '0' || *d > '9' || strlen(d) > 3)
		goto bad;
	char *end;
	unsigned long len = strtoul(d, &end, 10);
	if (*end || len > bits)
		goto bad;
	out->len = len;
	return 0;
bad:
	memset(out, 0, sizeof(*out));
	return -EINVAL;
}

const char *ip_addr_format(const struct ip_addr *a, char *buf, size_t size)
{
	if (ip_addr_is_unset(a) || !inet_ntop(a->family, a->bytes, buf, size))
		snprintf(buf, size, "%s", "");
	return buf;
}

const char *ip_prefix_format(const struct ip_prefix *p, char *buf, size_t size)
{
	char a[IP_ADDR_STRLEN];
	if (ip_addr_is_unset(&p->addr))
		snprintf(buf, size, "%s", "");
	else
		snprintf(buf, size, "%s/%u", ip_addr_format(&p->addr, a, sizeof(a)),
			 (unsigned)p->len);
	return buf;
}

int ip_addr_cmp(const struct ip_addr *a, const struct ip_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->bytes, b->bytes, sizeof(a->bytes));
}

bool ip_addr_is_unset(const struct ip_addr *a)
{
	return a->family != AF_INET && a->family != AF_INET6;
}

int ip_addr_add(const struct ip_addr *a, uint64_t off, struct ip_addr *out)
{
	struct ip_addr r = *a;
	unsigned carry = 0;

	for (int i = addr_len(a) - 1; i >= 0; i--) {
		unsigned sum = r.bytes[i] + (unsigned)(off & 0xff) + carry;
		r.bytes[i] = sum & 0xff;
		carry = sum >> 8;
		off >>= 8;
	}
	if (carry || off)
		return -ERANGE;
	*out = r;
	return 0;
}

int ip_addr_diff(const struct ip_addr *a, const struct ip_addr *b, uint64_t *out)
{
	unsigned len = addr_len(a);
	uint8_t d[16];
	unsigned borrow = 0;

	if (a->family != b->family || ip_addr_cmp(a, b) > 0)
		return -ERANGE;
	for (int i = len - 1; i >= 0; i--) {
		int v = (int)b->bytes[i] - (int)a->bytes[i] - (int)borrow;
		borrow = v < 0;
		d[i] = (uint8_t)(v + (borrow ? 256 : 0));
	}
	uint64_t r = 0;
	for (unsigned i = 0; i < len; i++) {
		if (i + 8 < len && d[i])
			return -ERANGE;
		r = (r << 8) | d[i];
	}
	*out = r;
	return 0;
}

static void prefix_mask(const struct ip_prefix *p, struct ip_addr *out, bool ones)
{
	*out = p->addr;
	for (unsigned i = 0; i < addr_len(&p->addr); i++) {
		unsigned first_bit = i * 8;
		uint8_t host;
		if (first_bit + 8 <= p->len)
			host = 0;
		else if (first_bit >= p->len)
			host = 0xff;
		else
			host = 0xff >> (p->len - first_bit);
		out->bytes[i] = ones ? (out->bytes[i] | host) : (out->bytes[i] & ~host);
	}
}

void ip_prefix_first(const struct ip_prefix *p, struct ip_addr *out)
{
	prefix_mask(p, out, false);
}

void ip_prefix_last(const struct ip_prefix *p, struct ip_addr *out)
{
	prefix_mask(p, out, true);
}

bool ip_prefix_contains(const struct ip_prefix *p, const struct ip_addr *a)
{
	struct ip_addr first, last;
	if (a->family != p->addr.family)
		return false;
	ip_prefix_first(p, &first);
	ip_prefix_last(p, &last);
	return ip_addr_cmp(&first, a) <= 0 && ip_addr_cmp(a, &last) <= 0;
}

uint64_t ip_prefix_room(const struct ip_prefix *p)
{
	struct ip_addr last;
	uint64_t d;
	ip_prefix_last(p, &last);
	if (ip_addr_diff(&p->addr, &last, &d) < 0 || d == UINT64_MAX)
		return UINT64_MAX;
	return d + 1;
}

/* Trailing zero bits of the address (all its bits when it is zero). */
static unsigned trailing_zeros(const struct ip_addr *a)
{
	unsigned n = 0;
	for (int i = (int)addr_len(a) - 1; i >= 0; i--) {
		if (a->bytes[i])
			return n + (unsigned)__builtin_ctz(a->bytes[i]);
		n += 8;
	}
	return n;
}

int ip_range_cidrs(const struct ip_addr *first, uint64_t count, struct ip_prefix *out,
		   size_t max)
{
	struct ip_addr at = *first, last;
	size_t n = 0;
	if (ip_addr_is_unset(first) || count == 0 || ip_addr_add(first, count - 1, &last) < 0)
		return -ERANGE;
	while (count) {
		/* The largest aligned block at `at` that does not pass the end. */
		unsigned k = trailing_zeros(&at);
		unsigned fit = 63 - (unsigned)__builtin_clzll(count);
		if (k > fit)
			k = fit;
		if (n == max)
			return -ENOSPC;
		out[n].addr = at;
		out[n].len = (uint8_t)(ip_addr_bits(&at) - k);
		n++;
		count -= (uint64_t)1 << k;
		if (count && ip_addr_add(&at, (uint64_t)1 << k, &at) < 0)
			return -ERANGE; /* cannot happen: last was checked */
	}
	return (int)n;
}
