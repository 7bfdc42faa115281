/* Seed corpora for the libFuzzer harnesses, made from the golden strongSwan
 * captures (t/data/golden/CASE/NN-*.hex and keys.txt) and from the committed
 * regression inputs (t/fuzz/regress/HARNESS/NAME.hex), so that no binary seed
 * is kept in git.
 *
 *   seedgen GOLDEN_DIR REGRESS_DIR OUT_DIR
 *
 * writes OUT_DIR/fuzz_message/CASE-NN (the datagram), OUT_DIR/fuzz_payloads/
 * CASE-NN-clear and -inner (first payload type octet, then the chain; the
 * inner one decrypted with the keys charon logged) and OUT_DIR/fuzz_sk_open/
 * CASE-NN (the harness's suite octet, then the message with its SK body
 * decrypted in place: inner payloads, strongSwan's padding, pad length).
 * Not a test: a message it cannot decrypt is skipped with a note. */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "proto/crypto.h"
#include "proto/ike.h"
#include "proto/sk.h"

static size_t unhex(const char *txt, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;

	while (n < cap && sscanf(txt, "%2x", &v) == 1) {
		out[n++] = (uint8_t)v;
		txt += 2;
	}
	return n;
}

static size_t load_hex(const char *path, uint8_t *out, size_t cap)
{
	static char txt[1 << 18];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return 0;
	n = fread(txt, 1, sizeof txt - 1, f);
	fclose(f);
	txt[n] = 0;
	return unhex(txt, out, cap);
}

/* keys.txt of the case holding msg_path: the value of `name`, hex-decoded. */
static size_t case_key(const char *dir, const char *name, uint8_t *out, size_t cap)
{
	char path[1024], line[4096];
	size_t len = 0, nl = strlen(name);
	FILE *f;

	snprintf(path, sizeof path, "%s/keys.txt", dir);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, name, nl) && !strncmp(line + nl, " = ", 3)) {
			len = unhex(line + nl + 3, out, cap);
			break;
		}
	fclose(f);
	return len;
}

static void put_be(uint8_t *p, size_t v, unsigned n)
{
	while (n--) {
		p[n] = v & 0xff;
		v >>= 8;
	}
}

static void put(const char *out_dir, const char *harness, const char *name,
		uint8_t first, const uint8_t *data, size_t len)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", out_dir, harness);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/%s/%s", out_dir, harness, name);
	f = fopen(path, "w");
	if (!f || fwrite(&first, 1, 1, f) != 1 || fwrite(data, 1, len, f) != len) {
		fprintf(stderr, "seedgen: cannot write %s\n", path);
		exit(1);
	}
	fclose(f);
}

/* The suite the IKE_SA_INIT response chose, and its index in
 * fuzz_sk_open.c's table (-1: not there). */
static int case_suite(const char *dir, struct ike_suite *s)
{
	static uint8_t buf[1 << 16];
	static struct ike_msg m;
	char pat[1024];
	glob_t g;
	size_t len = 0;

	snprintf(pat, sizeof pat, "%s/*-IKE_SA_INIT-r-resp.hex", dir);
	if (glob(pat, 0, NULL, &g) == 0) {
		len = load_hex(g.gl_pathv[0], buf, sizeof buf);
		globfree(&g);
	}
	memset(s, 0, sizeof(*s));
	if (!len || ike_parse_message(buf, len, &m) || m.sa.n_prop < 1)
		return -1;
	for (unsigned i = 0; i < m.sa.prop[0].n_xf; i++) {
		const struct ike_transform *xf = ike_prop_xf(&m.sa, &m.sa.prop[0], i);
		if (xf->type == IKE_TRANSFORM_ENCR)
			s->encr = xf->id, s->encr_keybits = xf->keylen;
		else if (xf->type == IKE_TRANSFORM_INTEG)
			s->integ = xf->id;
	}
	if (s->encr == IKE_ENCR_AES_CBC && s->encr_keybits == 128 &&
	    s->integ == IKE_INTEG_HMAC_SHA2_256_128)
		return 0;
	if (s->encr == IKE_ENCR_AES_GCM_16 && s->encr_keybits == 256)
		return 1;
	if (s->encr == IKE_ENCR_AES_GCM_16 && s->encr_keybits == 128)
		return 2;
	return -1;
}

/* The inbound SK of the message's sender, from its SPIs and I flag. */
static struct ike_sk *msg_sk(const struct ike_crypto *c, const char *dir,
			     const struct ike_suite *s, const struct ike_hdr *h)
{
	static const char *const pre[] = { "", "ike2_" };
	uint8_t spi[8], ske[64], ska[64];
	char name[64];
	bool from_i = h->flags & IKE_FLAG_INITIATOR;

	for (unsigned p = 0; p < 2; p++) {
		uint64_t v = 0;
		snprintf(name, sizeof name, "%sspi_i", pre[p]);
		if (case_key(dir, name, spi, 8) != 8)
			continue;
		for (int i = 0; i < 8; i++)
			v = v << 8 | spi[i];
		if (v != h->spi_i)
			continue;
		snprintf(name, sizeof name, "%ssk_e%c", pre[p], from_i ? 'i' : 'r');
		size_t ne = case_key(dir, name, ske, sizeof ske);
		snprintf(name, sizeof name, "%ssk_a%c", pre[p], from_i ? 'i' : 'r');
		size_t na = case_key(dir, name, ska, sizeof ska);
		return ike_sk_new(c, s, ske, ne, na ? ska : NULL, na);
	}
	return NULL;
}

static void one_case(const struct ike_crypto *c, const char *dir, const char *out_dir)
{
	static uint8_t buf[1 << 16];
	static struct ike_msg m;
	const char *cname = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
	char pat[1024], name[512];
	struct ike_suite s;
	int idx = case_suite(dir, &s);
	glob_t g;

	snprintf(pat, sizeof pat, "%s/[0-9]*.hex", dir);
	if (glob(pat, 0, NULL, &g))
		return;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		size_t len = load_hex(g.gl_pathv[i], buf, sizeof buf), poff, plen;
		const char *file = strrchr(g.gl_pathv[i], '/') + 1;
		struct ike_sk *sk;

		snprintf(name, sizeof name, "%s-%.2s", cname, file);
		if (len < IKE_HDR_LEN)
			continue;
		put(out_dir, "fuzz_message", name, buf[0], buf + 1, len - 1);
		if (ike_parse_message(buf, len, &m)) {
			fprintf(stderr, "seedgen: %s does not parse\n", g.gl_pathv[i]);
			continue;
		}
		snprintf(name, sizeof name, "%s-%.2s-clear", cname, file);
		put(out_dir, "fuzz_payloads", name, m.hdr.next, buf + IKE_HDR_LEN,
		    len - IKE_HDR_LEN);
		if (!m.sk.present)
			continue;
		sk = msg_sk(c, dir, &s, &m.hdr);
		if (!sk || ike_sk_open(sk, buf, len, m.sk.off, &poff, &plen)) {
			fprintf(stderr, "seedgen: %s: cannot open SK\n", g.gl_pathv[i]);
			ike_sk_free(sk);
			continue;
		}
		ike_sk_free(sk);
		snprintf(name, sizeof name, "%s-%.2s-inner", cname, file);
		put(out_dir, "fuzz_payloads", name, m.sk.first_inner, buf + poff, plen);
		if (idx >= 0) {
			snprintf(name, sizeof name, "%s-%.2s", cname, file);
			put(out_dir, "fuzz_sk_open", name, (uint8_t)idx, buf, len);
			if (m.sk.off == IKE_HDR_LEN && len + 4 <= sizeof buf) {
				/* the same as a lone SKF fragment (RFC 7383): no capture
				 * has one, the harnesses should meet it */
				memmove(buf + m.sk.off + 8, buf + m.sk.off + 4,
					len - m.sk.off - 4);
				memcpy(buf + m.sk.off + 4, "\0\1\0\1", 4);
				len += 4;
				buf[16] = IKE_PLD_SKF;
				put_be(buf + 24, len, 4);
				put_be(buf + m.sk.off + 2, len - m.sk.off, 2);
				snprintf(name, sizeof name, "%s-%.2s-skf", cname, file);
				put(out_dir, "fuzz_sk_open", name, (uint8_t)idx, buf, len);
				put(out_dir, "fuzz_message", name, buf[0], buf + 1, len - 1);
			}
		}
	}
	globfree(&g);
}

/* Regression inputs: REGRESS_DIR/HARNESS/NAME.hex, the whole input. */
static void regressions(const char *regress_dir, const char *out_dir)
{
	static uint8_t buf[1 << 16];
	char pat[1024], harness[256], name[256];
	glob_t g;

	snprintf(pat, sizeof pat, "%s/*/*.hex", regress_dir);
	if (glob(pat, 0, NULL, &g))
		return;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *p = g.gl_pathv[i] + strlen(regress_dir) + 1;
		const char *slash = strchr(p, '/');
		size_t len = load_hex(g.gl_pathv[i], buf, sizeof buf);

		snprintf(harness, sizeof harness, "%.*s", (int)(slash - p), p);
		snprintf(name, sizeof name, "regress-%s", slash + 1);
		if (len)
			put(out_dir, harness, name, buf[0], buf + 1, len - 1);
	}
	globfree(&g);
}

int main(int argc, char **argv)
{
	struct ike_crypto *c;
	char pat[1024];
	glob_t g;

	if (argc != 4) {
		fprintf(stderr, "usage: seedgen GOLDEN_DIR REGRESS_DIR OUT_DIR\n");
		return 2;
	}
	mkdir(argv[3], 0755);
	c = ike_crypto_new();
	if (!c)
		return 1;
	snprintf(pat, sizeof pat, "%s/*/keys.txt", argv[1]);
	if (glob(pat, 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++) {
			*strrchr(g.gl_pathv[i], '/') = 0;
			one_case(c, g.gl_pathv[i], argv[3]);
		}
		globfree(&g);
	}
	regressions(argv[2], argv[3]);
	ike_crypto_free(c);
	return 0;
}
