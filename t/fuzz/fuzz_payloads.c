/* libFuzzer harness: a payload chain through ike_parse_payloads, the entry
 * point for the decrypted body of an SK/SKF payload.  Input: the type of the
 * first payload (one octet, any value), then the chain.
 *
 * The chain is parsed twice: as a clear chain (fresh message) and as an
 * inner one (after an SK payload: refs marked inner, a nested SK refused).
 * Oracles beyond the sanitizers: a parsed chain re-encodes through the
 * builders (ike_add_payloads_from_msg) to a message that parses and
 * re-encodes to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ike.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ike_msg m, m2;
static uint8_t out1[1 << 17], out2[1 << 17];

/* Build a message around the payloads of src (clear ones, or the inner
 * ones after an empty-IV SK header); returns the length. */
static size_t rebuild(const struct ike_msg *src, bool inner, uint8_t *out, size_t cap)
{
	struct ike_writer w;
	struct ike_builder b;
	struct ike_hdr h = {
		.spi_i = 0x0102030405060708ull, .spi_r = 0x1112131415161718ull,
		.version = IKE_VERSION, .exchange = IKE_EXCH_INFORMATIONAL,
		.flags = IKE_FLAG_INITIATOR, .msgid = 7,
	};

	ike_wr_init(&w, out, cap);
	if (ike_build_begin(&b, &w, &h) != IKE_OK)
		abort();
	if (inner && ike_add_sk_begin(&b, 0) != IKE_OK)
		abort();
	if (ike_add_payloads_from_msg(&b, src, inner) != IKE_OK)
		abort();
	if (ike_build_end(&b) != IKE_OK)
		abort();
	return w.len;
}

/* Parse a rebuilt message back; inner payloads come from the SK body. */
static void reparse(const uint8_t *msg, size_t len, bool inner, struct ike_msg *out)
{
	if (ike_parse_message(msg, len, out) != IKE_OK)
		abort();
	if (!inner)
		return;
	if (!out->sk.present)
		abort();
	if (ike_parse_payloads(out->sk.first_inner, out->sk.body, out->sk.body_len,
			       out) != IKE_OK)
		abort();
}

static void one_way(uint8_t first, const uint8_t *chain, size_t len, bool inner)
{
	enum ike_err e;
	size_t len1, len2;

	ike_msg_init(&m);
	m.sk.present = inner; /* what a decrypted SK payload leaves behind */
	e = ike_parse_payloads(first, chain, len, &m);
	if (e >= IKE_ERR__COUNT || !ike_err_name(e))
		abort();
	if (e != IKE_OK)
		return;
	for (unsigned i = 0; i < m.n_pld; i++)
		if (m.pld[i].inner != inner)
			abort();
	if (inner && (first == IKE_PLD_SK || first == IKE_PLD_SKF))
		abort(); /* nested SK accepted */

	len1 = rebuild(&m, inner, out1, sizeof out1);
	reparse(out1, len1, inner, &m2);
	len2 = rebuild(&m2, inner, out2, sizeof out2);
	if (len1 != len2 || memcmp(out1, out2, len1))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	/* data + 1 .. data + size is the end of libFuzzer's exact-size
	 * buffer: a read past the chain is a read past the allocation. */
	one_way(data[0], data + 1, size - 1, false);
	one_way(data[0], data + 1, size - 1, true);
	return 0;
}
