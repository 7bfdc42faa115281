/* libFuzzer harness: a whole datagram (as after the non-ESP marker) through
 * the clear-side entry points: ike_parse_header, ike_find_sk and
 * ike_parse_message (header + clear payload chain).
 *
 * Oracles beyond the sanitizers: the error is a known enum value; when the
 * message parses, ike_find_sk agrees about the SK/SKF payload, and what
 * ike_build_from_msg makes of it parses again and re-encodes to the same
 * bytes (a parse/build pair that is not a fixed point loses data). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ike.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ike_msg m, m2;
static uint8_t out1[1 << 17], out2[1 << 17];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike_hdr h;
	struct ike_writer w;
	size_t sk_off, len1;
	uint8_t sk_type;
	enum ike_err e, found;

	e = ike_parse_header(data, size, &h);
	if (e >= IKE_ERR__COUNT || !ike_err_name(e))
		abort();
	found = ike_find_sk(data, size, &sk_off, &sk_type);
	e = ike_parse_message(data, size, &m);
	if (e >= IKE_ERR__COUNT || !ike_err_name(e))
		abort();
	(void)ike_err_notify(e);
	if (e != IKE_OK)
		return 0;

	/* find_sk walks the same clear chain without decoding it */
	if (m.sk.present != (found == IKE_OK))
		abort();
	if (m.sk.present && (sk_off != m.sk.off ||
			     sk_type != (m.is_skf ? IKE_PLD_SKF : IKE_PLD_SK)))
		abort();

	ike_wr_init(&w, out1, sizeof out1);
	if (ike_build_from_msg(&w, &m) != IKE_OK)
		abort();
	len1 = w.len;
	if (ike_parse_message(out1, len1, &m2) != IKE_OK)
		abort();
	ike_wr_init(&w, out2, sizeof out2);
	if (ike_build_from_msg(&w, &m2) != IKE_OK)
		abort();
	if (w.len != len1 || memcmp(out1, out2, len1))
		abort();
	return 0;
}
