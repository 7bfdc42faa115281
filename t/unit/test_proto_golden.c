/* proto/ against strongSwan: the golden captures of t/data/golden/ (see its
 * README: two charons 5.9.8, tcpdump, keys from charon's `ike = 4` log).
 *
 * Nothing expected here comes from proto/: the suites, IDs and selectors are
 * the capture set-up written down in the README (table `captures`), the
 * messages and their addresses come from the capture (messages.txt and the
 * .hex files), and the keys and AUTH values from charon's log (keys.txt).
 *
 * One table of (capture, message) rows, `rows`, is read from each capture's
 * messages.txt; every message test is a loop over it:
 *   - the message decodes (header + clear chain) and re-encodes byte for byte;
 *   - with charon's keys the SK payload opens, the inner chain decodes and
 *     re-encodes byte for byte; the ICV/tag catches every bit flipped;
 *   - NAT_DETECTION_DESTINATION_IP equals our hash of the captured address;
 *   - every prefix and bit flip, clear and decrypted-inner, is refused or
 *     parses to a fixed point, without reading outside the exact-size input
 *     (ASan: make check-asan).
 * Per capture: our SKEYSEED and SK_* (first and rekeyed IKE SA) from the
 * captured nonces and SPIs and the logged g^ir equal charon's; our PSK AUTH
 * over the captured IKE_SA_INIT equals the AUTH payloads of the decrypted
 * IKE_AUTH, both ways; our CHILD SA KEYMAT equals the logged one. */
#include <arpa/inet.h>
#include <errno.h>
#include <glob.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/auth.h"
#include "proto/crypto.h"
#include "proto/ike.h"
#include "proto/keys.h"
#include "proto/natd.h"
#include "proto/sk.h"
#include "t/unit/tcheck.h"

#define GOLDEN SRCDIR "/t/data/golden/"

/* For hot loops: Check's ck_assert records every passing check (a write
 * per call), which made the loops below take minutes under ASan. */
#define REQUIRE(cond, ...) do { if (!(cond)) ck_abort_msg(__VA_ARGS__); } while (0)

/* ---- what the README says about each capture ---------------------------- */

struct capture {
	const char *dir;
	struct ike_suite ike;     /* the IKE proposal both charons were given */
	struct ike_suite esp;     /* the ESP proposal; dh set: PFS on rekey */
	uint8_t id_type;          /* IDi and IDr */
	const char *idi, *idr;    /* FQDN text; NULL: the IKE_AUTH addresses */
	const char *tsi, *tsr;    /* first CHILD SA, as ADDR/LEN */
};

static const struct capture captures[] = {
	{ "aes128-sha256-modp2048",
	  { IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128, IKE_PRF_HMAC_SHA2_256,
	    IKE_DH_MODP_2048 },
	  { IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128, 0, IKE_DH_NONE },
	  IKE_ID_FQDN, "client.ikeswarm.test", "gw.ikeswarm.test",
	  "10.2.0.0/24", "10.1.0.0/24" },
	{ "aes256gcm16-prfsha256-x25519",
	  { IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE, IKE_PRF_HMAC_SHA2_256,
	    IKE_DH_CURVE25519 },
	  { IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE, 0, IKE_DH_NONE },
	  IKE_ID_IPV4_ADDR, NULL, NULL, "10.2.0.0/24", "10.1.0.0/24" },
	{ "aes128-sha256-modp2048-mobike",
	  { IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128, IKE_PRF_HMAC_SHA2_256,
	    IKE_DH_MODP_2048 },
	  { IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128, 0, IKE_DH_NONE },
	  IKE_ID_FQDN, "client.ikeswarm.test", "gw.ikeswarm.test",
	  "10.2.0.0/24", "10.1.0.0/24" },
	{ "aes128gcm16-prfsha384-ecp256-pfs-ipv6",
	  { IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, IKE_PRF_HMAC_SHA2_384,
	    IKE_DH_ECP_256 },
	  { IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, 0, IKE_DH_ECP_256 },
	  IKE_ID_IPV6_ADDR, NULL, NULL, "10.2.0.0/24", "10.1.0.0/24" },
};
#define N_CAPTURES (sizeof captures / sizeof captures[0])

/* KE data length per group (RFC 3526, RFC 5903 x|y, RFC 8031). */
static size_t ke_len(uint16_t group)
{
	switch (group) {
	case IKE_DH_MODP_2048: return 256;
	case IKE_DH_ECP_256:   return 64;
	case IKE_DH_CURVE25519: return 32;
	}
	ck_abort_msg("no KE length for group %u", group);
	return 0;
}

/* g^ir length: the KE length, but only x for ECP (RFC 5903 section 7). */
static size_t gir_len_of(uint16_t group)
{
	return group == IKE_DH_ECP_256 ? ke_len(group) / 2 : ke_len(group);
}

/* ---- the rows: one per line of each capture's messages.txt -------------- */

struct endpoint {
	int af;
	uint8_t addr[16];
	size_t alen;
	uint16_t port;
};

struct row {
	const struct capture *cap;
	char file[64];            /* NN-EXCHANGE-{i,r}-{req,resp}.hex */
	uint8_t exchange;
	uint32_t msgid;
	struct endpoint from, to;
	size_t len;
	bool from_i, response;    /* from the file name */
};

#define MAX_ROWS 256
static struct row rows[MAX_ROWS];
static unsigned n_rows;
static unsigned cap_rows[N_CAPTURES]; /* rows read per capture */

static const struct {
	const char *name;
	uint8_t value;
} exchanges[] = {
	{ "IKE_SA_INIT", IKE_EXCH_SA_INIT }, { "IKE_AUTH", IKE_EXCH_AUTH },
	{ "CREATE_CHILD_SA", IKE_EXCH_CREATE_CHILD_SA },
	{ "INFORMATIONAL", IKE_EXCH_INFORMATIONAL },
};

static bool parse_endpoint(const char *s, struct endpoint *e)
{
	char host[64];
	unsigned port;

	memset(e, 0, sizeof(*e));
	if (s[0] == '[') {
		if (sscanf(s, "[%63[0-9a-fA-F:]]:%u", host, &port) != 2)
			return false;
		e->af = AF_INET6, e->alen = 16;
	} else {
		if (sscanf(s, "%63[0-9.]:%u", host, &port) != 2)
			return false;
		e->af = AF_INET, e->alen = 4;
	}
	e->port = (uint16_t)port;
	return inet_pton(e->af, host, e->addr) == 1;
}

/* Read every capture's index into rows (at suite creation: before fork). */
static void read_rows(void)
{
	for (unsigned c = 0; c < N_CAPTURES; c++) {
		char path[512], line[512], nn[8], file[64], exch[32], from[64], to[64];
		unsigned msgid, marker;
		size_t len;
		FILE *f;

		snprintf(path, sizeof path, GOLDEN "%s/messages.txt", captures[c].dir);
		f = fopen(path, "r");
		if (!f)
			continue; /* capture_index_is_complete fails */
		while (fgets(line, sizeof line, f) && n_rows < MAX_ROWS) {
			struct row *r = &rows[n_rows];
			bool ok = true;

			if (line[0] == '#' ||
			    sscanf(line, "%7s %63s %31s %u %63s %63s %u %zu", nn, file, exch,
				   &msgid, from, to, &marker, &len) != 8)
				continue;
			memset(r, 0, sizeof(*r));
			r->cap = &captures[c];
			snprintf(r->file, sizeof r->file, "%s", file);
			r->msgid = msgid;
			r->len = len;
			r->from_i = strstr(file, "-i-") != NULL;
			r->response = strstr(file, "-resp.") != NULL;
			for (unsigned i = 0; i < sizeof exchanges / sizeof exchanges[0]; i++)
				if (!strcmp(exch, exchanges[i].name))
					r->exchange = exchanges[i].value;
			ok = r->exchange && parse_endpoint(from, &r->from) &&
			     parse_endpoint(to, &r->to);
			if (!ok)
				fprintf(stderr, "golden: bad line in %s: %s", path, line);
			else
				n_rows++, cap_rows[c]++;
		}
		fclose(f);
	}
}

/* ---- files -------------------------------------------------------------- */

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;

	while (n < cap && sscanf(s, "%2x", &v) == 1 && s[1] && s[1] != '\n') {
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

/* A capture's message, in a heap buffer of exactly its length (so ASan
 * sees any read past its end); free() it. */
static uint8_t *load_msg(const struct row *r, size_t *len)
{
	static char txt[1 << 17];
	static uint8_t tmp[1 << 16];
	char path[512];
	FILE *f;
	size_t n;
	uint8_t *out;

	snprintf(path, sizeof path, GOLDEN "%s/%s", r->cap->dir, r->file);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s", path);
	n = fread(txt, 1, sizeof txt - 1, f);
	fclose(f);
	txt[n] = 0;
	n = unhex(txt, tmp, sizeof tmp);
	ck_assert_msg(n == r->len, "%s: %zu octets, messages.txt says %zu", path, n, r->len);
	out = malloc(n);
	ck_assert_ptr_nonnull(out);
	memcpy(out, tmp, n);
	*len = n;
	return out;
}

/* keys.txt of a capture: the value of `name` (0 octets when absent). */
static size_t cap_key(const struct capture *cap, const char *name, uint8_t *out, size_t outcap)
{
	char path[512], line[8192];
	size_t nl = strlen(name), len = 0;
	FILE *f;

	snprintf(path, sizeof path, GOLDEN "%s/keys.txt", cap->dir);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s", path);
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, name, nl) && !strncmp(line + nl, " = ", 3)) {
			len = unhex(line + nl + 3, out, outcap);
			break;
		}
	fclose(f);
	return len;
}

static size_t must_key(const struct capture *cap, const char *name, uint8_t *out, size_t outcap)
{
	size_t n = cap_key(cap, name, out, outcap);
	ck_assert_msg(n > 0, "%s: no %s in keys.txt", cap->dir, name);
	return n;
}

static void eq_bytes(const char *what, const uint8_t *a, size_t alen, const uint8_t *b,
		     size_t blen)
{
	REQUIRE(alen == blen, "%s: %zu octets, want %zu", what, alen, blen);
	for (size_t i = 0; i < alen; i++)
		REQUIRE(a[i] == b[i], "%s: octet %zu is %02x, want %02x", what, i, a[i], b[i]);
}

/* ---- opening a message with charon's keys ------------------------------- */

struct opened {
	const struct row *r;
	uint8_t *wire;        /* as captured, exact size */
	size_t len;
	uint8_t *dec;         /* copy with the SK body decrypted in place */
	size_t poff, plen;    /* the inner payloads in dec */
	const char *pre;      /* keys.txt prefix of its IKE SA: "" or "ike2_" */
	struct ike_msg m;     /* clear payloads, then the inner ones */
};

/* Which IKE SA a header belongs to, by its initiator SPI. */
static const char *sa_prefix(const struct capture *cap, const uint8_t *wire)
{
	static const char *const pre[] = { "", "ike2_" };
	for (unsigned i = 0; i < 2; i++) {
		uint8_t spi[8];
		char name[32];
		snprintf(name, sizeof name, "%sspi_i", pre[i]);
		if (cap_key(cap, name, spi, sizeof spi) == 8 && !memcmp(spi, wire, 8))
			return pre[i];
	}
	return NULL;
}

/* The SK of what the sender of a message protects with: SK_ei/SK_ai when
 * the original initiator of its IKE SA sent it, SK_er/SK_ar otherwise. */
static struct ike_sk *charon_sk(const struct ike_crypto *c, const struct capture *cap,
				const char *pre, bool from_i)
{
	uint8_t ske[64], ska[64];
	char name[32];
	size_t ne, na;

	snprintf(name, sizeof name, "%ssk_e%c", pre, from_i ? 'i' : 'r');
	ne = must_key(cap, name, ske, sizeof ske);
	snprintf(name, sizeof name, "%ssk_a%c", pre, from_i ? 'i' : 'r');
	na = cap_key(cap, name, ska, sizeof ska);
	ck_assert_uint_eq(na == 0, cap->ike.integ == IKE_INTEG_NONE);
	return ike_sk_new(c, &cap->ike, ske, ne, na ? ska : NULL, na);
}

static struct opened *open_row(const struct ike_crypto *c, const struct row *r)
{
	struct opened *o = calloc(1, sizeof(*o));
	enum ike_err e;

	ck_assert_ptr_nonnull(o);
	o->r = r;
	o->wire = load_msg(r, &o->len);
	e = ike_parse_message(o->wire, o->len, &o->m);
	ck_assert_msg(e == IKE_OK, "%s/%s: %s at %zu", r->cap->dir, r->file,
		      ike_err_name(e), o->m.err_off);
	o->pre = sa_prefix(r->cap, o->wire);
	ck_assert_msg(o->pre != NULL, "%s/%s: SPI not in keys.txt", r->cap->dir, r->file);
	if (!o->m.sk.present)
		return o;

	struct ike_sk *sk = charon_sk(c, r->cap, o->pre, r->from_i);
	ck_assert_ptr_nonnull(sk);
	o->dec = malloc(o->len);
	ck_assert_ptr_nonnull(o->dec);
	memcpy(o->dec, o->wire, o->len);
	int rc = ike_sk_open(sk, o->dec, o->len, o->m.sk.off, &o->poff, &o->plen);
	ike_sk_free(sk);
	ck_assert_msg(rc == 0, "%s/%s: SK does not open with charon's keys: %d",
		      r->cap->dir, r->file, rc);
	ck_assert_uint_le(o->poff + o->plen, o->len);
	/* the clear parse points into wire; the inner one into dec */
	e = ike_parse_payloads(o->m.sk.first_inner, o->dec + o->poff, o->plen, &o->m);
	ck_assert_msg(e == IKE_OK, "%s/%s: inner %s at %zu", r->cap->dir, r->file,
		      ike_err_name(e), o->m.err_off);
	return o;
}

static void close_row(struct opened *o)
{
	if (!o)
		return;
	free(o->wire);
	free(o->dec);
	free(o);
}

/* Every message of one capture, opened, in capture order. */
struct capture_msgs {
	unsigned n;
	struct opened *o[MAX_ROWS];
};

static void open_capture(const struct ike_crypto *c, const struct capture *cap,
			 struct capture_msgs *cm)
{
	cm->n = 0;
	for (unsigned i = 0; i < n_rows; i++)
		if (rows[i].cap == cap)
			cm->o[cm->n++] = open_row(c, &rows[i]);
	ck_assert_msg(cm->n > 0, "%s: no messages", cap->dir);
}

static void close_capture(struct capture_msgs *cm)
{
	for (unsigned i = 0; i < cm->n; i++)
		close_row(cm->o[i]);
	cm->n = 0;
}

/* The one message of an exchange kind and direction (first of them). */
static const struct opened *find_msg(const struct capture_msgs *cm, uint8_t exchange,
				     bool response)
{
	for (unsigned i = 0; i < cm->n; i++)
		if (cm->o[i]->r->exchange == exchange && cm->o[i]->r->response == response)
			return cm->o[i];
	ck_abort_msg("no %s %u", response ? "response" : "request", exchange);
	return NULL;
}

/* The response to request q: same IKE SA, message ID, the other sender. */
static const struct opened *response_to(const struct capture_msgs *cm, const struct opened *q)
{
	for (unsigned i = 0; i < cm->n; i++) {
		const struct opened *a = cm->o[i];
		if (a->r->response && a->r->exchange == q->r->exchange &&
		    a->m.hdr.msgid == q->m.hdr.msgid && a->m.hdr.spi_i == q->m.hdr.spi_i &&
		    a->r->from_i != q->r->from_i)
			return a;
	}
	ck_abort_msg("%s: no response", q->r->file);
	return NULL;
}

static struct ike_crypto *crypto(void)
{
	struct ike_crypto *c = ike_crypto_new();
	ck_assert_ptr_nonnull(c);
	return c;
}

/* ---- per capture -------------------------------------------------------- */

/* messages.txt lists every NN-*.hex of the capture, and nothing else. */
START_TEST(capture_index_is_complete)
{
	const struct capture *cap = &captures[_i];
	char pat[512];
	glob_t g;

	ck_assert_msg(cap_rows[_i] > 0, "%s: no messages.txt rows", cap->dir);
	snprintf(pat, sizeof pat, GOLDEN "%s/[0-9]*.hex", cap->dir);
	ck_assert_int_eq(glob(pat, 0, NULL, &g), 0);
	ck_assert_uint_eq(g.gl_pathc, cap_rows[_i]);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *file = strrchr(g.gl_pathv[i], '/') + 1;
		bool listed = false;
		for (unsigned j = 0; j < n_rows; j++)
			listed |= rows[j].cap == cap && !strcmp(rows[j].file, file);
		ck_assert_msg(listed, "%s/%s not in messages.txt", cap->dir, file);
	}
	globfree(&g);
}
END_TEST

/* The SA response chose exactly the README's proposal (an independent
 * check of the SA decoder), and the KE group and length match it. */
static void check_chosen_suite(const struct ike_msg *m, const struct ike_suite *want,
			       uint8_t protocol, const char *what)
{
	struct ike_suite got = { 0 };
	ck_assert_msg(m->has_sa && m->sa.n_prop == 1, "%s: one proposal", what);
	const struct ike_proposal *p = &m->sa.prop[0];
	ck_assert_uint_eq(p->protocol, protocol);
	for (unsigned i = 0; i < p->n_xf; i++) {
		const struct ike_transform *xf = ike_prop_xf(&m->sa, p, i);
		switch (xf->type) {
		case IKE_TRANSFORM_ENCR:
			got.encr = xf->id;
			got.encr_keybits = xf->has_keylen ? xf->keylen : 0;
			break;
		case IKE_TRANSFORM_INTEG: got.integ = xf->id; break;
		case IKE_TRANSFORM_PRF:   got.prf = xf->id; break;
		case IKE_TRANSFORM_DH:    got.dh = xf->id; break;
		}
	}
	ck_assert_msg(got.encr == want->encr && got.encr_keybits == want->encr_keybits &&
		      got.integ == want->integ && got.prf == want->prf && got.dh == want->dh,
		      "%s: chose %u/%u/%u/%u/%u", what, got.encr, got.encr_keybits, got.integ,
		      got.prf, got.dh);
}

/* Our SKEYSEED and SK_* equal charon's: first SA from the captured
 * IKE_SA_INIT nonces and SPIs, the rekeyed one from the nonces and SPIs of
 * the decrypted CREATE_CHILD_SA that made it; g^ir as charon logged it. */
static void check_sa_keys(const struct capture *cap, const char *pre,
			  const struct ike_sa_keys *k)
{
	static const char *const names[] = { "skeyseed", "sk_d", "sk_ai", "sk_ar", "sk_ei",
					     "sk_er", "sk_pi", "sk_pr" };
	const uint8_t *ours[] = { k->skeyseed, k->sk_d, k->sk_ai, k->sk_ar, k->sk_ei,
				  k->sk_er, k->sk_pi, k->sk_pr };
	const size_t lens[] = { k->skeyseed_len, k->prf_len, k->integ_len, k->integ_len,
				k->encr_len, k->encr_len, k->prf_len, k->prf_len };
	for (unsigned i = 0; i < 8; i++) {
		uint8_t want[128];
		char name[32];
		snprintf(name, sizeof name, "%s%s", pre, names[i]);
		size_t n = cap_key(cap, name, want, sizeof want);
		if (!lens[i] && !n)
			continue; /* AEAD: no SK_a, none logged */
		ck_assert_msg(n > 0, "%s: %s not logged", cap->dir, name);
		eq_bytes(name, ours[i], lens[i], want, n);
	}
}

START_TEST(capture_ike_keys)
{
	const struct capture *cap = &captures[_i];
	struct ike_crypto *c = crypto();
	static struct capture_msgs cm;
	struct ike_sa_keys k1, k2;
	uint8_t gir[1024], logged[512];
	size_t gir_len, n;
	unsigned rekeys = 0;

	open_capture(c, cap, &cm);
	const struct opened *q = find_msg(&cm, IKE_EXCH_SA_INIT, false);
	const struct opened *a = find_msg(&cm, IKE_EXCH_SA_INIT, true);
	check_chosen_suite(&a->m, &cap->ike, IKE_PROTO_IKE, cap->dir);
	ck_assert(q->m.has_ke && a->m.has_ke && q->m.has_nonce && a->m.has_nonce);
	ck_assert_uint_eq(q->m.ke.group, cap->ike.dh);
	ck_assert_uint_eq(a->m.ke.group, cap->ike.dh);
	ck_assert_uint_eq(q->m.ke.len, ke_len(cap->ike.dh));
	ck_assert_uint_eq(a->m.ke.len, ke_len(cap->ike.dh));
	/* the log and the capture agree on the inputs */
	n = must_key(cap, "ni", logged, sizeof logged);
	eq_bytes("ni", q->m.nonce.data, q->m.nonce.len, logged, n);
	n = must_key(cap, "nr", logged, sizeof logged);
	eq_bytes("nr", a->m.nonce.data, a->m.nonce.len, logged, n);
	ck_assert_mem_eq(q->wire, a->wire, 8);
	ck_assert_mem_eq(q->wire + 8, "\0\0\0\0\0\0\0\0", 8);

	gir_len = must_key(cap, "g_ir", gir, sizeof gir);
	ck_assert_int_eq(ike_keys_derive(c, &cap->ike, q->m.nonce.data, q->m.nonce.len,
					 a->m.nonce.data, a->m.nonce.len, a->wire,
					 a->wire + 8, gir, gir_len, &k1), 0);
	check_sa_keys(cap, "", &k1);

	/* the IKE rekey: a CREATE_CHILD_SA whose SA proposes protocol IKE */
	for (unsigned i = 0; i < cm.n; i++) {
		const struct opened *rq = cm.o[i];
		if (rq->r->exchange != IKE_EXCH_CREATE_CHILD_SA || rq->r->response ||
		    rq->m.sa.prop[0].protocol != IKE_PROTO_IKE)
			continue;
		const struct opened *ra = response_to(&cm, rq);
		ck_assert_str_eq(rq->pre, "");
		check_chosen_suite(&ra->m, &cap->ike, IKE_PROTO_IKE, ra->r->file);
		ck_assert_uint_eq(rq->m.sa.prop[0].spi_size, 8);
		ck_assert_uint_eq(ra->m.sa.prop[0].spi_size, 8);
		n = must_key(cap, "ike2_spi_i", logged, sizeof logged);
		eq_bytes("ike2_spi_i", rq->m.sa.prop[0].spi, 8, logged, n);
		gir_len = must_key(cap, "ike2_g_ir", gir, sizeof gir);
		ck_assert_int_eq(ike_keys_derive_rekey(c, cap->ike.prf, k1.sk_d, k1.prf_len,
						       &cap->ike, rq->m.nonce.data,
						       rq->m.nonce.len, ra->m.nonce.data,
						       ra->m.nonce.len, rq->m.sa.prop[0].spi,
						       ra->m.sa.prop[0].spi, gir, gir_len,
						       &k2), 0);
		check_sa_keys(cap, "ike2_", &k2);
		rekeys++;
	}
	ck_assert_uint_eq(rekeys, 1);
	ike_sa_keys_wipe(&k1);
	ike_sa_keys_wipe(&k2);
	close_capture(&cm);
	ike_crypto_free(c);
}
END_TEST

/* Our PSK AUTH over the captured IKE_SA_INIT messages, with the IDs of the
 * decrypted IKE_AUTH and our own SK_p, equals the AUTH payload charon put in
 * its IKE_AUTH, both ways (RFC 7296 2.15). */
START_TEST(capture_psk_auth)
{
	const struct capture *cap = &captures[_i];
	struct ike_crypto *c = crypto();
	static struct capture_msgs cm;
	struct ike_sa_keys k;
	uint8_t gir[1024], psk[256], out[IKE_PRF_MAX_LEN], logged[512];
	size_t gir_len, psk_len, n;

	open_capture(c, cap, &cm);
	const struct opened *iq = find_msg(&cm, IKE_EXCH_SA_INIT, false);
	const struct opened *ia = find_msg(&cm, IKE_EXCH_SA_INIT, true);
	const struct opened *aq = find_msg(&cm, IKE_EXCH_AUTH, false);
	const struct opened *aa = find_msg(&cm, IKE_EXCH_AUTH, true);
	gir_len = must_key(cap, "g_ir", gir, sizeof gir);
	psk_len = must_key(cap, "psk", psk, sizeof psk);
	ck_assert_int_eq(ike_keys_derive(c, &cap->ike, iq->m.nonce.data, iq->m.nonce.len,
					 ia->m.nonce.data, ia->m.nonce.len, ia->wire,
					 ia->wire + 8, gir, gir_len, &k), 0);

	for (int dir = 0; dir < 2; dir++) {
		bool init = dir == 0;
		const struct opened *auth = init ? aq : aa;
		const struct opened *real = init ? iq : ia;
		const struct ike_blob *peer = init ? &ia->m.nonce : &iq->m.nonce;
		const struct ike_id *id = init ? &auth->m.idi : &auth->m.idr;
		const uint8_t *skp = init ? k.sk_pi : k.sk_pr;

		ck_assert(init ? auth->m.has_idi : auth->m.has_idr);
		ck_assert(auth->m.has_auth);
		ck_assert_uint_eq(auth->m.auth.method, IKE_AUTH_SHARED_KEY);
		/* what charon logged agrees with what it sent */
		n = must_key(cap, init ? "idi_body" : "idr_body", logged, sizeof logged);
		eq_bytes("ID body", id->body, id->body_len, logged, n);
		n = must_key(cap, init ? "auth_i" : "auth_r", logged, sizeof logged);
		eq_bytes("AUTH", auth->m.auth.data, auth->m.auth.len, logged, n);

		int len = ike_auth_psk(c, cap->ike.prf, psk, psk_len, real->wire, real->len,
				       peer->data, peer->len, skp, k.prf_len, id->body,
				       id->body_len, out);
		ck_assert_int_gt(len, 0);
		eq_bytes(init ? "AUTH_i" : "AUTH_r", out, (size_t)len, auth->m.auth.data,
			 auth->m.auth.len);
		ck_assert_int_eq(ike_auth_psk_verify(c, cap->ike.prf, psk, psk_len, real->wire,
						     real->len, peer->data, peer->len, skp,
						     k.prf_len, id->body, id->body_len,
						     auth->m.auth.data, auth->m.auth.len), 0);
		/* the other side's message in place of ours: not the same AUTH */
		const struct opened *wrong = init ? ia : iq;
		ck_assert_int_eq(ike_auth_psk_verify(c, cap->ike.prf, psk, psk_len,
						     wrong->wire, wrong->len, peer->data,
						     peer->len, skp, k.prf_len, id->body,
						     id->body_len, auth->m.auth.data,
						     auth->m.auth.len), -EBADMSG);
	}
	ike_sa_keys_wipe(&k);
	close_capture(&cm);
	ike_crypto_free(c);
}
END_TEST

/* IDs and traffic selectors of the first CHILD SA: as set up (README). */
static void check_id(const struct capture *cap, const struct ike_id *id, const char *fqdn,
		     const struct endpoint *addr)
{
	ck_assert_uint_eq(id->type, cap->id_type);
	if (fqdn)
		eq_bytes("ID", id->data, id->len, (const uint8_t *)fqdn, strlen(fqdn));
	else
		eq_bytes("ID", id->data, id->len, addr->addr, addr->alen);
}

static void check_ts(const struct ike_ts_list *l, const char *want)
{
	char net[32];
	unsigned plen;
	uint8_t start[4], end[4];

	ck_assert_int_eq(sscanf(want, "%31[0-9.]/%u", net, &plen), 2);
	ck_assert_int_eq(inet_pton(AF_INET, net, start), 1);
	uint32_t s, e;
	memcpy(&s, start, 4);
	e = htonl(ntohl(s) | (plen ? 0xffffffffu >> plen : 0xffffffffu));
	memcpy(end, &e, 4);
	ck_assert_uint_eq(l->n, 1);
	ck_assert_uint_eq(l->ts[0].type, IKE_TS_IPV4_ADDR_RANGE);
	ck_assert_uint_eq(l->ts[0].ip_proto, 0);
	ck_assert_uint_eq(l->ts[0].start_port, 0);
	ck_assert_uint_eq(l->ts[0].end_port, 65535);
	ck_assert_mem_eq(l->ts[0].start, start, 4);
	ck_assert_mem_eq(l->ts[0].end, end, 4);
}

START_TEST(capture_ids_and_selectors)
{
	const struct capture *cap = &captures[_i];
	struct ike_crypto *c = crypto();
	static struct capture_msgs cm;

	open_capture(c, cap, &cm);
	const struct opened *aq = find_msg(&cm, IKE_EXCH_AUTH, false);
	const struct opened *aa = find_msg(&cm, IKE_EXCH_AUTH, true);
	check_id(cap, &aq->m.idi, cap->idi, &aq->r->from);
	check_id(cap, &aa->m.idr, cap->idr, &aa->r->from);
	check_chosen_suite(&aa->m, &(struct ike_suite){ cap->esp.encr, cap->esp.encr_keybits,
							cap->esp.integ, 0, 0 },
			   IKE_PROTO_ESP, aa->r->file);
	ck_assert(aa->m.has_tsi && aa->m.has_tsr);
	check_ts(&aa->m.tsi, cap->tsi);
	check_ts(&aa->m.tsr, cap->tsr);
	close_capture(&cm);
	ike_crypto_free(c);
}
END_TEST

/* CHILD SA KEYMAT: the first from IKE_AUTH (IKE_SA_INIT nonces), each later
 * one from its CREATE_CHILD_SA's nonces (and, with PFS, the g^ir charon
 * logged as the head of its prf+ seed), with the SK_d of the IKE SA it ran
 * under.  Matched to the logged childN by the seed's nonces, not by order. */
static void check_child(const struct ike_crypto *c, const struct capture *cap,
			const struct ike_sa_keys *ike, const struct ike_blob *ni,
			const struct ike_blob *nr, bool pfs_ke, unsigned *seen)
{
	uint8_t seed[2048];
	char name[48];
	unsigned child = 0;
	size_t seed_len = 0;

	for (unsigned nn = 1; nn < 32 && !child; nn++) {
		snprintf(name, sizeof name, "child%u_seed", nn);
		seed_len = cap_key(cap, name, seed, sizeof seed);
		if (seed_len >= ni->len + nr->len &&
		    !memcmp(seed + seed_len - nr->len, nr->data, nr->len) &&
		    !memcmp(seed + seed_len - nr->len - ni->len, ni->data, ni->len))
			child = nn;
	}
	ck_assert_msg(child, "%s: no childN_seed ends with this exchange's Ni | Nr", cap->dir);
	ck_assert(!(*seen & 1u << child));
	*seen |= 1u << child;

	size_t gir_len = seed_len - ni->len - nr->len;
	ck_assert_uint_eq(gir_len, pfs_ke ? gir_len_of(cap->esp.dh) : 0);
	struct ike_child_keys k;
	ck_assert_int_eq(ike_keys_child(c, cap->ike.prf, ike->sk_d, ike->prf_len, &cap->esp,
					gir_len ? seed : NULL, gir_len, ni->data, ni->len,
					nr->data, nr->len, &k), 0);
	static const char *const names[] = { "encr_i", "encr_r", "integ_i", "integ_r" };
	const uint8_t *ours[] = { k.encr_i, k.encr_r, k.integ_i, k.integ_r };
	const size_t lens[] = { k.encr_len, k.encr_len, k.integ_len, k.integ_len };
	for (unsigned i = 0; i < 4; i++) {
		uint8_t want[128];
		snprintf(name, sizeof name, "child%u_%s", child, names[i]);
		size_t n = cap_key(cap, name, want, sizeof want);
		if (!lens[i] && !n)
			continue; /* AEAD: no integrity key */
		ck_assert_msg(n > 0, "%s: %s not logged", cap->dir, name);
		eq_bytes(name, ours[i], lens[i], want, n);
	}
	ike_child_keys_wipe(&k);
}

START_TEST(capture_child_keys)
{
	const struct capture *cap = &captures[_i];
	struct ike_crypto *c = crypto();
	static struct capture_msgs cm;
	struct ike_sa_keys k1;
	uint8_t gir[1024];
	size_t gir_len;
	unsigned seen = 0, want = 0;
	char name[32];

	open_capture(c, cap, &cm);
	const struct opened *iq = find_msg(&cm, IKE_EXCH_SA_INIT, false);
	const struct opened *ia = find_msg(&cm, IKE_EXCH_SA_INIT, true);
	gir_len = must_key(cap, "g_ir", gir, sizeof gir);
	ck_assert_int_eq(ike_keys_derive(c, &cap->ike, iq->m.nonce.data, iq->m.nonce.len,
					 ia->m.nonce.data, ia->m.nonce.len, ia->wire,
					 ia->wire + 8, gir, gir_len, &k1), 0);
	check_child(c, cap, &k1, &iq->m.nonce, &ia->m.nonce, false, &seen);

	for (unsigned i = 0; i < cm.n; i++) {
		const struct opened *rq = cm.o[i];
		if (rq->r->exchange != IKE_EXCH_CREATE_CHILD_SA || rq->r->response ||
		    rq->m.sa.prop[0].protocol != IKE_PROTO_ESP)
			continue;
		const struct opened *ra = response_to(&cm, rq);
		ck_assert_msg(!strcmp(rq->pre, ""), "CHILD rekey after the IKE rekey");
		ck_assert_uint_eq(rq->m.has_ke, cap->esp.dh != IKE_DH_NONE);
		ck_assert_uint_eq(ra->m.has_ke, cap->esp.dh != IKE_DH_NONE);
		check_chosen_suite(&ra->m, &(struct ike_suite){ cap->esp.encr,
								cap->esp.encr_keybits,
								cap->esp.integ, 0, cap->esp.dh },
				   IKE_PROTO_ESP, ra->r->file);
		check_child(c, cap, &k1, &rq->m.nonce, &ra->m.nonce, rq->m.has_ke, &seen);
	}
	/* every CHILD SA charon logged was matched to a captured exchange */
	for (unsigned nn = 1; nn < 32; nn++) {
		uint8_t tmp[8];
		snprintf(name, sizeof name, "child%u_seed", nn);
		if (cap_key(cap, name, tmp, sizeof tmp))
			want |= 1u << nn;
	}
	ck_assert_uint_eq(seen, want);
	ike_sa_keys_wipe(&k1);
	close_capture(&cm);
	ike_crypto_free(c);
}
END_TEST

/* ---- per message -------------------------------------------------------- */

/* Decodes as the index says, and the builders give back the same bytes. */
START_TEST(row_decodes_and_reencodes)
{
	const struct row *r = &rows[_i];
	static uint8_t again[1 << 16];
	static struct ike_msg m;
	struct ike_writer w;
	size_t len;
	uint8_t *wire = load_msg(r, &len);

	enum ike_err e = ike_parse_message(wire, len, &m);
	ck_assert_msg(e == IKE_OK, "%s/%s: %s at %zu", r->cap->dir, r->file, ike_err_name(e),
		      m.err_off);
	ck_assert_uint_eq(m.hdr.exchange, r->exchange);
	ck_assert_uint_eq(m.hdr.msgid, r->msgid);
	ck_assert_uint_eq(m.hdr.version, IKE_VERSION);
	ck_assert_uint_eq(m.hdr.length, len);
	ck_assert_uint_eq(!!(m.hdr.flags & IKE_FLAG_INITIATOR), r->from_i);
	ck_assert_uint_eq(!!(m.hdr.flags & IKE_FLAG_RESPONSE), r->response);
	/* everything after IKE_SA_INIT is in one SK payload (no fragments) */
	ck_assert_uint_eq(m.sk.present, r->exchange != IKE_EXCH_SA_INIT);
	ck_assert(!m.is_skf);
	if (m.sk.present) {
		size_t off;
		uint8_t type;
		ck_assert_int_eq(ike_find_sk(wire, len, &off, &type), IKE_OK);
		ck_assert_uint_eq(off, m.sk.off);
		ck_assert_uint_eq(type, IKE_PLD_SK);
	}
	ike_wr_init(&w, again, sizeof again);
	ck_assert_int_eq(ike_build_from_msg(&w, &m), IKE_OK);
	eq_bytes(r->file, again, w.len, wire, len);
	free(wire);
}
END_TEST

/* With charon's keys: opens; the inner chain re-encodes byte for byte. */
START_TEST(row_sk_opens_and_inner_reencodes)
{
	const struct row *r = &rows[_i];
	static uint8_t again[1 << 16];
	struct ike_crypto *c = crypto();
	struct opened *o = open_row(c, r);
	struct ike_writer w;
	struct ike_builder b;

	if (!o->m.sk.present) {
		ck_assert_uint_eq(r->exchange, IKE_EXCH_SA_INIT);
		goto out;
	}
	for (unsigned i = 0; i < o->m.n_pld; i++)
		ck_assert_uint_eq(o->m.pld[i].inner, o->m.pld[i].type != IKE_PLD_SK);
	ike_wr_init(&w, again, sizeof again);
	ck_assert_int_eq(ike_build_begin(&b, &w, &o->m.hdr), IKE_OK);
	ck_assert_int_eq(ike_add_sk_begin(&b, 0), IKE_OK);
	ck_assert_int_eq(ike_add_payloads_from_msg(&b, &o->m, true), IKE_OK);
	ck_assert_int_eq(ike_build_end(&b), IKE_OK);
	eq_bytes(r->file, again + b.sk_off + IKE_SK_HDR_LEN, w.len - b.sk_off - IKE_SK_HDR_LEN,
		 o->dec + o->poff, o->plen);
	/* and the SK header names the first inner payload */
	ck_assert_uint_eq(again[b.sk_off], o->wire[o->m.sk.off]);

	/* our seal of that plaintext opens with the receiver's keys and gives it
	 * back (strongSwan's IV and padding cannot be reproduced: random) */
	struct ike_sk *sk = charon_sk(c, r->cap, o->pre, r->from_i);
	size_t sk_off = o->m.sk.off;
	ike_wr_init(&w, again, sizeof again);
	ck_assert_int_eq(ike_wr_bytes(&w, o->wire, sk_off + IKE_SK_HDR_LEN), 0);
	ck_assert_int_eq(ike_wr_zeros(&w, ike_sk_iv_len(sk)), 0);
	ck_assert_int_eq(ike_wr_bytes(&w, o->dec + o->poff, o->plen), 0);
	ck_assert_int_eq(ike_sk_seal_wr(sk, &w, sk_off), 0);
	size_t poff, plen;
	ck_assert_int_eq(ike_sk_open(sk, again, w.len, sk_off, &poff, &plen), 0);
	eq_bytes("resealed", again + poff, plen, o->dec + o->poff, o->plen);
	ike_sk_free(sk);
out:
	close_row(o);
	ike_crypto_free(c);
}
END_TEST

/* NAT_DETECTION_DESTINATION_IP (clear or inner) is SHA-1 over the header's
 * SPIs and the address/port the message was captured going to.  The
 * SOURCE one is not checked: charon fakes it (README: encap = yes). */
START_TEST(row_natd)
{
	const struct row *r = &rows[_i];
	struct ike_crypto *c = crypto();
	struct opened *o = open_row(c, r);
	const struct ike_notify *n = ike_msg_notify(&o->m, IKE_N_NAT_DETECTION_DESTINATION_IP);
	uint8_t raw[IKE_NATD_LEN], via_sa[IKE_NATD_LEN];
	struct sockaddr_storage ss = { 0 };

	if (r->exchange == IKE_EXCH_SA_INIT)
		ck_assert_ptr_nonnull(n);
	if (!n)
		goto out;
	ck_assert_ptr_nonnull(ike_msg_notify(&o->m, IKE_N_NAT_DETECTION_SOURCE_IP));
	ck_assert_int_eq(ike_natd_hash_raw(c, o->wire, o->wire + 8, r->to.addr, r->to.alen,
					   r->to.port, raw), 0);
	eq_bytes("NAT_DETECTION_DESTINATION_IP", raw, IKE_NATD_LEN, n->data, n->len);
	if (r->to.af == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(r->to.port);
		memcpy(&s4->sin_addr, r->to.addr, 4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(r->to.port);
		memcpy(&s6->sin6_addr, r->to.addr, 16);
	}
	ck_assert_int_eq(ike_natd_hash(c, o->wire, o->wire + 8, (struct sockaddr *)&ss,
				       via_sa), 0);
	eq_bytes("natd via sockaddr", via_sa, IKE_NATD_LEN, raw, IKE_NATD_LEN);
out:
	close_row(o);
	ike_crypto_free(c);
}
END_TEST

/* ---- robustness: truncation and bit flips ------------------------------- */

/* Bits tried in an n-octet input: all of the first 64 octets, then one per
 * octet (rotating through the bit positions) -- every field, bounded time. */
static bool bit_tried(size_t bit)
{
	return bit < 64 * 8 || bit % 8 == (bit / 8) % 8;
}

/* Parse a chain (inner) or message from an exact-size heap copy; a result
 * that parses must re-encode to a fixed point. */
static enum ike_err parse_copy(const uint8_t *bytes, size_t len, bool inner, uint8_t first)
{
	static struct ike_msg m, m2;
	static uint8_t a[1 << 17], b2[1 << 17];
	uint8_t *copy = malloc(len ? len : 1);
	struct ike_writer w;
	struct ike_builder b;
	enum ike_err e;
	size_t l1;

	REQUIRE(copy, "malloc");
	memcpy(copy, bytes, len);
	if (inner) {
		ike_msg_init(&m);
		m.sk.present = true;
		e = ike_parse_payloads(first, copy, len, &m);
	} else {
		e = ike_parse_message(copy, len, &m);
	}
	REQUIRE(e < IKE_ERR__COUNT, "error %d", e);
	if (e != IKE_OK)
		goto out;
	/* re-encode (inner: behind an empty-IV SK header) and parse back */
	ike_wr_init(&w, a, sizeof a);
	if (inner) {
		struct ike_hdr h = { .version = IKE_VERSION, .exchange = IKE_EXCH_INFORMATIONAL };
		ike_build_begin(&b, &w, &h);
		ike_add_sk_begin(&b, 0);
		REQUIRE(ike_add_payloads_from_msg(&b, &m, true) == IKE_OK, "re-encode failed");
		REQUIRE(ike_build_end(&b) == IKE_OK, "re-encode failed");
	} else {
		REQUIRE(ike_build_from_msg(&w, &m) == IKE_OK, "re-encode failed");
	}
	l1 = w.len;
	REQUIRE(ike_parse_message(a, l1, &m2) == IKE_OK, "the re-encoding does not parse");
	if (inner)
		REQUIRE(ike_parse_payloads(m2.sk.first_inner, m2.sk.body, m2.sk.body_len,
					   &m2) == IKE_OK, "the re-encoded inner chain does not parse");
	ike_wr_init(&w, b2, sizeof b2);
	if (inner) {
		ike_build_begin(&b, &w, &m2.hdr);
		ike_add_sk_begin(&b, 0);
		REQUIRE(ike_add_payloads_from_msg(&b, &m2, true) == IKE_OK, "re-encode failed");
		REQUIRE(ike_build_end(&b) == IKE_OK, "re-encode failed");
		/* the header differs (m2's came from a), the payloads must not */
		REQUIRE(w.len == l1, "re-encoded length %zu, then %zu", l1, w.len);
		REQUIRE(!memcmp(b2 + IKE_HDR_LEN, a + IKE_HDR_LEN, l1 - IKE_HDR_LEN),
			"inner payloads not a fixed point");
	} else {
		REQUIRE(ike_build_from_msg(&w, &m2) == IKE_OK, "re-encode failed");
		eq_bytes("fixed point", b2, w.len, a, l1);
	}
out:
	free(copy);
	return e;
}

/* Every proper prefix is refused, as received (header length too big) and
 * with the header length made to fit (chain cut short). */
START_TEST(row_every_prefix_refused)
{
	const struct row *r = &rows[_i];
	size_t len;
	uint8_t *wire = load_msg(r, &len), *cut = malloc(len);

	ck_assert_ptr_nonnull(cut);
	for (size_t n = 0; n < len; n++) {
		REQUIRE(parse_copy(wire, n, false, 0) != IKE_OK, "%s: %zu octets parsed", r->file, n);
		if (n < IKE_HDR_LEN)
			continue;
		memcpy(cut, wire, n);
		cut[24] = n >> 24, cut[25] = n >> 16, cut[26] = n >> 8, cut[27] = n & 0xff;
		REQUIRE(parse_copy(cut, n, false, 0) != IKE_OK, "%s: prefix %zu parsed", r->file, n);
	}
	free(cut);
	free(wire);
}
END_TEST

START_TEST(row_clear_bit_flips)
{
	const struct row *r = &rows[_i];
	size_t len;
	uint8_t *wire = load_msg(r, &len), *flip = malloc(len);
	unsigned refused = 0, tried = 0;

	ck_assert_ptr_nonnull(flip);
	for (size_t bit = 0; bit < len * 8; bit++) {
		if (!bit_tried(bit))
			continue;
		memcpy(flip, wire, len);
		flip[bit / 8] ^= 1u << (bit % 8);
		refused += parse_copy(flip, len, false, 0) != IKE_OK;
		tried++;
	}
	ck_assert_uint_gt(refused, 0);
	ck_assert_uint_lt(refused, tried); /* e.g. SPI and message ID flips parse */
	free(flip);
	free(wire);
}
END_TEST

/* Any bit flipped anywhere in a protected message (header, SK header, IV,
 * ciphertext, ICV) makes it refuse to open: integrity covers it all. */
START_TEST(row_sk_bit_flips_refused)
{
	const struct row *r = &rows[_i];
	struct ike_crypto *c = crypto();
	struct opened *o = open_row(c, r);
	struct ike_sk *sk;
	uint8_t *flip;

	if (!o->m.sk.present)
		goto out;
	sk = charon_sk(c, r->cap, o->pre, r->from_i);
	ck_assert_ptr_nonnull(sk);
	flip = malloc(o->len);
	ck_assert_ptr_nonnull(flip);
	for (size_t bit = 0; bit < o->len * 8; bit++) {
		size_t poff, plen;
		if (!bit_tried(bit))
			continue;
		memcpy(flip, o->wire, o->len);
		flip[bit / 8] ^= 1u << (bit % 8);
		int rc = ike_sk_open(sk, flip, o->len, o->m.sk.off, &poff, &plen);
		REQUIRE(rc == -EBADMSG || rc == -EINVAL, "%s: bit %zu: open gave %d", r->file, bit,
			rc);
	}
	/* and every truncation, each in its own exact-size buffer */
	for (size_t n = 0; n < o->len; n++) {
		size_t poff, plen;
		uint8_t *cut = malloc(n ? n : 1);
		REQUIRE(cut, "malloc");
		memcpy(cut, o->wire, n);
		REQUIRE(ike_sk_open(sk, cut, n, o->m.sk.off, &poff, &plen) != 0,
			"%s: %zu octets opened", r->file, n);
		free(cut);
	}
	free(flip);
	ike_sk_free(sk);
out:
	close_row(o);
	ike_crypto_free(c);
}
END_TEST

/* The decrypted inner chain: every prefix and (sampled) bit flip parses from
 * an exact-size copy without reading outside it, or is refused. */
START_TEST(row_inner_prefixes_and_flips)
{
	const struct row *r = &rows[_i];
	struct ike_crypto *c = crypto();
	struct opened *o = open_row(c, r);
	uint8_t first = o->m.sk.first_inner, *plain, *flip;
	size_t len = o->plen;

	if (!o->m.sk.present)
		goto out;
	plain = o->dec + o->poff;
	ck_assert_int_eq(parse_copy(plain, len, true, first), IKE_OK);
	for (size_t n = 0; n < len; n++)
		REQUIRE(parse_copy(plain, n, true, first) != IKE_OK,
			"%s: inner prefix %zu of %zu parsed", r->file, n, len);
	flip = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(flip);
	for (size_t bit = 0; bit < len * 8; bit++) {
		if (!bit_tried(bit))
			continue;
		memcpy(flip, plain, len);
		flip[bit / 8] ^= 1u << (bit % 8);
		(void)parse_copy(flip, len, true, first);
	}
	/* every first-payload type in front of the real chain */
	for (unsigned t = 0; t < 256; t++)
		(void)parse_copy(plain, len, true, (uint8_t)t);
	free(flip);
out:
	close_row(o);
	ike_crypto_free(c);
}
END_TEST

static Suite *golden_suite(void)
{
	Suite *s = suite_create("proto_golden");
	TCase *tc;

	read_rows();
	tc = tcase_create("capture");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, capture_index_is_complete, 0, N_CAPTURES);
	tcase_add_loop_test(tc, capture_ike_keys, 0, N_CAPTURES);
	tcase_add_loop_test(tc, capture_psk_auth, 0, N_CAPTURES);
	tcase_add_loop_test(tc, capture_ids_and_selectors, 0, N_CAPTURES);
	tcase_add_loop_test(tc, capture_child_keys, 0, N_CAPTURES);
	suite_add_tcase(s, tc);

	tc = tcase_create("message");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, row_decodes_and_reencodes, 0, n_rows);
	tcase_add_loop_test(tc, row_sk_opens_and_inner_reencodes, 0, n_rows);
	tcase_add_loop_test(tc, row_natd, 0, n_rows);
	suite_add_tcase(s, tc);

	tc = tcase_create("robust");
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, row_every_prefix_refused, 0, n_rows);
	tcase_add_loop_test(tc, row_clear_bit_flips, 0, n_rows);
	tcase_add_loop_test(tc, row_sk_bit_flips_refused, 0, n_rows);
	tcase_add_loop_test(tc, row_inner_prefixes_and_flips, 0, n_rows);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(golden_suite)
