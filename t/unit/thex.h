/* Hex test vectors into bytes, for the proto tests (one copy, not one per
 * test file). */
#ifndef IKESWARM_THEX_H
#define IKESWARM_THEX_H

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>

#include <check.h>

/* Hex (white space allowed) into out; returns the octet count.  A stray
 * character, an odd digit count or more than cap octets fail the test. */
static inline size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v;

		if (isspace((unsigned char)*s))
			continue;
		v = isdigit((unsigned char)*s) ? *s - '0' :
		    tolower((unsigned char)*s) - 'a' + 10;
		ck_assert(v >= 0 && v < 16);
		if (hi < 0) {
			hi = v;
			continue;
		}
		ck_assert_uint_lt(n, cap);
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	ck_assert_int_eq(hi, -1);
	return n;
}

#endif
