/* proto/ crypto micro-benchmark.
 *
 * DH: ike_dh_shared (peer decode + validation + derive) per second for
 * every group, next to
 *  - raw EVP: EVP_PKEY_derive on a context with the peer already set (what
 *    openssl speed times), same group, measured in this process alternately
 *    with ours, best of ROUNDS each: the wrapper overhead, least disturbed
 *    by other load;
 *  - `openssl speed` for the same group (ffdhN uses the RFC 7919 ffdhe
 *    primes: same size as our RFC 3526 MODP groups, same exponent length);
 * as ratios; plus key generation and keygen + derive per second (what one
 * IKE_SA_INIT costs a responder).
 * SK: seal + open of a ~300-octet IKE_AUTH body per second.
 * IKE_AUTH on a real message, strongSwan's golden IKE_AUTH request
 * (t/data/golden/, keys from charon's log), per second:
 *  - parse+open+verify: what a responder does with it (header and clear
 *    chain, SK open with SK_ei/SK_ai, inner chain, PSK AUTH check over the
 *    IKE_SA_INIT request, Nr, SK_pi and IDi);
 *  - build+seal: what the initiator does to send it (PSK AUTH, the same
 *    inner payloads rebuilt, SK seal).
 * Both are checked once before timing (the AUTH verifies, ours equals
 * charon's, our sealed message opens to the same inner payloads).
 *
 * Rates are per CPU second (CLOCK_PROCESS_CPUTIME_ID), as openssl speed
 * counts them, so a loaded machine skews both sides alike.
 *
 * usage: proto-bench [-s seconds-per-measure] [-n (no openssl speed)]
 *                    [-g golden-capture-dir]
 *
 * Instruction counts (stable on a loaded machine): -c N -o OP runs OP N
 * times inside count_loop and nothing else timed, for
 *   valgrind --tool=callgrind --toggle-collect=count_loop \
 *       proto-bench -c N -o OP          (instructions per op = Ir / N)
 * OP: keygen:G derive:G (G a DH group id), keys (ike_keys_derive, sha256
 * aes-cbc-256), child (ike_keys_child, 96 octets of KEYMAT), sk (seal +
 * open), auth_in, auth_out (golden IKE_AUTH, see above). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "proto/auth.h"
#include "proto/crypto.h"
#include "proto/crypto_dh.h"
#include "proto/ike.h"
#include "proto/keys.h"
#include "proto/sk.h"

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Run fn until `secs` CPU seconds have passed; ops per CPU second. */
static double rate(double secs, int (*fn)(void *), void *arg)
{
	double t0 = cpu_now(), t;
	unsigned long n = 0;

	do {
		if (fn(arg)) {
			fprintf(stderr, "proto-bench: operation failed\n");
			exit(1);
		}
		n++;
		t = cpu_now();
	} while (t - t0 < secs);
	return n / (t - t0);
}

/* ---- DH --------------------------------------------------------------- */

#define ROUNDS 3

struct dh_case {
	uint16_t group;
	const char *type, *name; /* raw EVP key type and group (NULL: none) */
	const char *speed_key;   /* text identifying the openssl speed line */
	const char *speed_alg;   /* openssl speed algorithm name */
	double speed;            /* openssl ops/s, 0 when unknown */
};

static struct dh_case dh_cases[] = {
	{ IKE_DH_MODP_768, NULL, NULL, NULL, NULL, 0 },
	{ IKE_DH_MODP_1024, NULL, NULL, NULL, NULL, 0 },
	{ IKE_DH_MODP_1536, "DH", "modp_1536", NULL, NULL, 0 },
	{ IKE_DH_MODP_2048, "DH", "modp_2048", "2048 bits ffdh", "ffdh2048", 0 },
	{ IKE_DH_MODP_3072, "DH", "modp_3072", "3072 bits ffdh", "ffdh3072", 0 },
	{ IKE_DH_MODP_4096, "DH", "modp_4096", "4096 bits ffdh", "ffdh4096", 0 },
	{ IKE_DH_MODP_6144, "DH", "modp_6144", "6144 bits ffdh", "ffdh6144", 0 },
	{ IKE_DH_MODP_8192, "DH", "modp_8192", "8192 bits ffdh", "ffdh8192", 0 },
	{ IKE_DH_ECP_256, "EC", "P-256", "ecdh (nistp256)", "ecdhp256", 0 },
	{ IKE_DH_ECP_384, "EC", "P-384", "ecdh (nistp384)", "ecdhp384", 0 },
	{ IKE_DH_ECP_521, "EC", "P-521", "ecdh (nistp521)", "ecdhp521", 0 },
	{ IKE_DH_CURVE25519, "X25519", NULL, "ecdh (X25519)", "ecdhx25519", 0 },
};
#define N_DH (sizeof(dh_cases) / sizeof(dh_cases[0]))

/* One `openssl speed` run for every group that has a counterpart; parse
 * the summary table (last number on each matching line is op/s). */
static void openssl_speed(int seconds)
{
	char cmd[512], line[512];
	size_t off;
	FILE *p;

	off = (size_t)snprintf(cmd, sizeof(cmd), "openssl speed -seconds %d",
			       seconds);
	for (size_t i = 0; i < N_DH; i++)
		if (dh_cases[i].speed_alg)
			off += (size_t)snprintf(cmd + off, sizeof(cmd) - off,
						" %s", dh_cases[i].speed_alg);
	snprintf(cmd + off, sizeof(cmd) - off, " 2>/dev/null");
	fprintf(stderr, "running: %s\n", cmd);
	p = popen(cmd, "r");
	if (!p)
		return;
	while (fgets(line, sizeof(line), p)) {
		for (size_t i = 0; i < N_DH; i++) {
			const char *k = dh_cases[i].speed_key;
			char *last;

			if (!k || !strstr(line, k) || strstr(line, "Doing"))
				continue;
			line[strcspn(line, "\n")] = 0;
			last = strrchr(line, ' ');
			if (last)
				dh_cases[i].speed = strtod(last + 1, NULL);
		}
	}
	pclose(p);
}

struct dh_arg {
	const struct ike_crypto *c;
	uint16_t group;
	struct ike_dh *ours;
	const uint8_t *peer;
	size_t peer_len;
};

static int do_derive(void *v)
{
	struct dh_arg *a = v;
	uint8_t out[IKE_DH_MAX_LEN];
	size_t len = sizeof(out);

	return ike_dh_shared(a->ours, a->peer, a->peer_len, out, &len);
}

static int do_keygen(void *v)
{
	struct dh_arg *a = v;
	struct ike_dh *dh = ike_dh_new(a->c, a->group);

	ike_dh_free(dh);
	return dh ? 0 : -1;
}

/* Raw EVP baseline: two key pairs of the group, a derive context with
 * the peer set once; each op is one EVP_PKEY_derive. */
struct raw_arg {
	EVP_PKEY_CTX *dctx;
};

static EVP_PKEY *raw_keygen(const struct dh_case *dc)
{
	EVP_PKEY_CTX *kc = EVP_PKEY_CTX_new_from_name(NULL, dc->type, NULL);
	EVP_PKEY *k = NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
				       (char *)dc->name, 0),
		OSSL_PARAM_END
	};

	if (!kc || EVP_PKEY_keygen_init(kc) <= 0 ||
	    (dc->name && EVP_PKEY_CTX_set_params(kc, params) <= 0) ||
	    EVP_PKEY_keygen(kc, &k) <= 0)
		k = NULL;
	EVP_PKEY_CTX_free(kc);
	return k;
}

static int do_raw(void *v)
{
	struct raw_arg *a = v;
	uint8_t out[IKE_DH_MAX_LEN];
	size_t len = sizeof(out);

	return EVP_PKEY_derive(a->dctx, out, &len) > 0 ? 0 : -1;
}

static void print_ratio(double ours, double base)
{
	if (base > 0)
		printf(" %10.1f %6.3f", base, ours / base);
	else
		printf(" %10s %6s", "n/a", "");
}

static void bench_dh(const struct ike_crypto *c, double secs)
{
	printf("%-5s %10s %10s %6s %10s %6s %10s %10s\n", "group", "derive/s",
	       "raw-evp/s", "ratio", "speed/s", "ratio", "keygen/s",
	       "kg+drv/s");
	for (size_t i = 0; i < N_DH; i++) {
		struct dh_case *dc = &dh_cases[i];
		struct ike_dh *peer = ike_dh_new(c, dc->group);
		struct dh_arg a = { c, dc->group, ike_dh_new(c, dc->group), NULL, 0 };
		EVP_PKEY *ra = dc->type ? raw_keygen(dc) : NULL;
		EVP_PKEY *rb = dc->type ? raw_keygen(dc) : NULL;
		struct raw_arg raw = { NULL };
		double d = 0, r = 0, k;

		if (!peer || !a.ours) {
			printf("%-5u unsupported\n", dc->group);
			continue;
		}
		if (ra && rb) {
			raw.dctx = EVP_PKEY_CTX_new_from_pkey(NULL, ra, NULL);
			if (!raw.dctx || EVP_PKEY_derive_init(raw.dctx) <= 0 ||
			    EVP_PKEY_derive_set_peer(raw.dctx, rb) <= 0) {
				EVP_PKEY_CTX_free(raw.dctx);
				raw.dctx = NULL;
			}
		}
		a.peer = ike_dh_public_ref(peer, &a.peer_len);
		for (int round = 0; round < ROUNDS; round++) {
			double x = rate(secs / ROUNDS, do_derive, &a);

			d = x > d ? x : d;
			if (raw.dctx) {
				x = rate(secs / ROUNDS, do_raw, &raw);
				r = x > r ? x : r;
			}
		}
		k = rate(secs, do_keygen, &a);
		printf("%-5u %10.1f", dc->group, d);
		print_ratio(d, r);
		print_ratio(d, dc->speed);
		printf(" %10.1f %10.1f\n", k, 1 / (1 / k + 1 / d));
		EVP_PKEY_CTX_free(raw.dctx);
		EVP_PKEY_free(ra);
		EVP_PKEY_free(rb);
		ike_dh_free(peer);
		ike_dh_free(a.ours);
	}
}

/* ---- SK ----------------------------------------------------------------- */

#define SK_PLAIN 300

struct sk_arg {
	struct ike_sk *tx, *rx;
	uint8_t tmpl[IKE_HDR_LEN + 4 + IKE_IV_MAX + SK_PLAIN];
	size_t tmpl_len;
	uint8_t msg[IKE_HDR_LEN + 4 + IKE_IV_MAX + SK_PLAIN + 64];
};

static int do_sk(void *v)
{
	struct sk_arg *a = v;
	size_t total, off, len;
	int rc;

	memcpy(a->msg, a->tmpl, a->tmpl_len);
	rc = ike_sk_seal(a->tx, a->msg, sizeof(a->msg), IKE_HDR_LEN, SK_PLAIN,
			 &total);
	if (!rc)
		rc = ike_sk_open(a->rx, a->msg, total, IKE_HDR_LEN, &off, &len);
	return rc || len != SK_PLAIN ? -1 : 0;
}

static void bench_sk(const struct ike_crypto *c, double secs)
{
	static const struct { const char *name; struct ike_suite s; } cases[] = {
		{ "aes-cbc-128/hmac-sha2-256-128",
		  { IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128, 0, 0 } },
		{ "aes-gcm-16-256",
		  { IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE, 0, 0 } },
		{ "chacha20-poly1305",
		  { IKE_ENCR_CHACHA20_POLY1305, 0, IKE_INTEG_NONE, 0, 0 } },
	};
	uint8_t ek[IKE_ENCR_MAX_KEY], ak[IKE_INTEG_MAX_KEY];

	memset(ek, 0x3c, sizeof(ek));
	memset(ak, 0x5a, sizeof(ak));
	printf("\n%-32s %14s  (%d-octet inner payloads)\n", "SK suite",
	       "seal+open/s", SK_PLAIN);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct ike_suite *s = &cases[i].s;
		struct ike_encr_info ei;
		struct ike_integ_info ii = { 0 };
		static struct sk_arg a;

		ike_encr_lookup(s->encr, s->encr_keybits, &ei);
		if (!ei.aead)
			ike_integ_lookup(s->integ, &ii);
		a.tx = ike_sk_new(c, s, ek, ei.key_len + ei.salt_len,
				  ei.aead ? NULL : ak, ii.key_len);
		a.rx = ike_sk_new(c, s, ek, ei.key_len + ei.salt_len,
				  ei.aead ? NULL : ak, ii.key_len);
		if (!a.tx || !a.rx) {
			printf("%-32s failed\n", cases[i].name);
			continue;
		}
		memset(a.tmpl, 0, sizeof(a.tmpl));
		a.tmpl[16] = 46;   /* next payload SK */
		a.tmpl[17] = 0x20;
		a.tmpl[18] = 35;   /* IKE_AUTH */
		a.tmpl[IKE_HDR_LEN] = 35;   /* first inner payload IDi */
		a.tmpl_len = IKE_HDR_LEN + 4 + ike_sk_iv_len(a.tx) + SK_PLAIN;
		for (size_t j = a.tmpl_len - SK_PLAIN; j < a.tmpl_len; j++)
			a.tmpl[j] = (uint8_t)j;
		printf("%-32s %14.1f\n", cases[i].name, rate(secs, do_sk, &a));
		ike_sk_free(a.tx);
		ike_sk_free(a.rx);
	}
}

/* ---- key derivation ------------------------------------------------------ */

struct kd_arg {
	const struct ike_crypto *c;
	uint8_t n[64], gir[256];
};

static int do_keys(void *v)
{
	struct kd_arg *a = v;
	static const struct ike_suite s = { IKE_ENCR_AES_CBC, 256,
					    IKE_INTEG_HMAC_SHA2_256_128,
					    IKE_PRF_HMAC_SHA2_256,
					    IKE_DH_MODP_2048 };
	struct ike_sa_keys k;
	int rc = ike_keys_derive(a->c, &s, a->n, 32, a->n + 32, 32, a->n,
				 a->n + 8, a->gir, 256, &k);

	ike_sa_keys_wipe(&k);
	return rc;
}

/* ---- IKE_AUTH on a real message ------------------------------------------ */

/* The bench runs from the repo root (make bench); -g names another capture. */
#ifndef SRCDIR
#define SRCDIR "."
#endif
#define GOLDEN_DIR SRCDIR "/t/data/golden/aes128-sha256-modp2048"
#define GOLDEN_MAX (1 << 16)

struct golden {
	const struct ike_crypto *c;
	const char *dir;
	struct ike_suite suite;      /* as the IKE_SA_INIT response chose it */
	uint8_t *init_req, *init_resp, *auth_req;  /* as captured */
	size_t init_req_len, init_resp_len, auth_req_len;
	char auth_file[64];
	uint8_t nr[IKE_NONCE_MAX], psk[256], sk_pi[IKE_PRF_MAX_LEN];
	size_t nr_len, psk_len, sk_pi_len;
	struct ike_sk *rx, *tx;      /* both SK_ei/SK_ai: the responder opens,
				      * the initiator seals */
	uint8_t buf[GOLDEN_MAX];     /* the responder's receive buffer */
	struct ike_msg m;            /* the responder's scratch */
	uint8_t plain[GOLDEN_MAX];   /* decrypted once: what tmpl points into */
	size_t plain_off, plain_len;
	struct ike_msg tmpl;         /* the initiator's payloads to send */
	uint8_t auth[IKE_PRF_MAX_LEN];
	uint8_t out[GOLDEN_MAX];     /* the initiator's send buffer */
	size_t out_len;
};

/* Lowercase or uppercase hex up to the first non-hex character. */
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

/* A .hex message of the capture into a malloc'd buffer of its length. */
static uint8_t *golden_msg(const char *dir, const char *file, size_t *len)
{
	static char txt[2 * GOLDEN_MAX + 2];
	uint8_t *out = NULL, *tmp = malloc(GOLDEN_MAX);
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	if (!f || !tmp)
		goto out;
	n = fread(txt, 1, sizeof(txt) - 1, f);
	txt[n] = 0;
	n = unhex(txt, tmp, GOLDEN_MAX);
	if (n >= IKE_HDR_LEN && (out = malloc(n))) {
		memcpy(out, tmp, n);
		*len = n;
	}
out:
	if (f)
		fclose(f);
	free(tmp);
	return out;
}

/* keys.txt: the value of `name`, 0 octets when absent. */
static size_t golden_key(const char *dir, const char *name, uint8_t *out, size_t cap)
{
	char path[512], line[4096];
	size_t nl = strlen(name), len = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/keys.txt", dir);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, nl) && !strncmp(line + nl, " = ", 3)) {
			len = unhex(line + nl + 3, out, cap);
			break;
		}
	fclose(f);
	return len;
}

/* The suite the IKE_SA_INIT response chose (its one proposal). */
static int golden_suite(struct golden *g)
{
	static struct ike_msg m;
	const struct ike_proposal *p;

	if (ike_parse_message(g->init_resp, g->init_resp_len, &m) != IKE_OK ||
	    !m.has_sa || m.sa.n_prop != 1)
		return -1;
	p = &m.sa.prop[0];
	memset(&g->suite, 0, sizeof(g->suite));
	for (unsigned i = 0; i < p->n_xf; i++) {
		const struct ike_transform *xf = ike_prop_xf(&m.sa, p, i);

		switch (xf->type) {
		case IKE_TRANSFORM_ENCR:
			g->suite.encr = xf->id;
			g->suite.encr_keybits = xf->has_keylen ? xf->keylen : 0;
			break;
		case IKE_TRANSFORM_INTEG: g->suite.integ = xf->id; break;
		case IKE_TRANSFORM_PRF:   g->suite.prf = xf->id; break;
		case IKE_TRANSFORM_DH:    g->suite.dh = xf->id; break;
		}
	}
	return ike_suite_check(&g->suite, false) ? -1 : 0;
}

/* Loads the capture: 1 when it is not there (messages.txt missing), 0 when
 * loaded, -1 (message on stderr) when it is there but incomplete. */
static int golden_load(struct golden *g)
{
	char path[512], line[512], nn[8], file[64], exch[32];
	uint8_t ske[IKE_ENCR_MAX_KEY], ska[IKE_INTEG_MAX_KEY];
	size_t ne, na;
	FILE *f;

	snprintf(path, sizeof(path), "%s/messages.txt", g->dir);
	f = fopen(path, "r");
	if (!f)
		return 1;
	while (fgets(line, sizeof(line), f)) {
		uint8_t **msg = NULL;
		size_t *len = NULL;

		if (line[0] == '#' || sscanf(line, "%7s %63s %31s", nn, file, exch) != 3)
			continue;
		if (!strcmp(exch, "IKE_SA_INIT") && strstr(file, "-i-req."))
			msg = &g->init_req, len = &g->init_req_len;
		else if (!strcmp(exch, "IKE_SA_INIT") && strstr(file, "-r-resp."))
			msg = &g->init_resp, len = &g->init_resp_len;
		else if (!strcmp(exch, "IKE_AUTH") && strstr(file, "-i-req."))
			msg = &g->auth_req, len = &g->auth_req_len;
		if (!msg || *msg)
			continue;   /* another exchange, or not the first one */
		*msg = golden_msg(g->dir, file, len);
		if (!*msg) {
			fprintf(stderr, "proto-bench: %s/%s unreadable\n", g->dir, file);
			fclose(f);
			return -1;
		}
		if (msg == &g->auth_req)
			snprintf(g->auth_file, sizeof(g->auth_file), "%s", file);
	}
	fclose(f);
	if (!g->init_req || !g->init_resp || !g->auth_req) {
		fprintf(stderr, "proto-bench: %s: no IKE_SA_INIT request, response "
			"and IKE_AUTH request in messages.txt\n", g->dir);
		return -1;
	}
	if (golden_suite(g)) {
		fprintf(stderr, "proto-bench: %s: no usable suite in the IKE_SA_INIT "
			"response\n", g->dir);
		return -1;
	}
	g->nr_len = golden_key(g->dir, "nr", g->nr, sizeof(g->nr));
	g->psk_len = golden_key(g->dir, "psk", g->psk, sizeof(g->psk));
	g->sk_pi_len = golden_key(g->dir, "sk_pi", g->sk_pi, sizeof(g->sk_pi));
	ne = golden_key(g->dir, "sk_ei", ske, sizeof(ske));
	na = golden_key(g->dir, "sk_ai", ska, sizeof(ska));   /* none: AEAD */
	if (!g->nr_len || !g->psk_len || !g->sk_pi_len || !ne) {
		fprintf(stderr, "proto-bench: %s/keys.txt lacks nr, psk, sk_pi or "
			"sk_ei\n", g->dir);
		return -1;
	}
	g->rx = ike_sk_new(g->c, &g->suite, ske, ne, na ? ska : NULL, na);
	g->tx = ike_sk_new(g->c, &g->suite, ske, ne, na ? ska : NULL, na);
	if (!g->rx || !g->tx) {
		fprintf(stderr, "proto-bench: %s: SK_ei/SK_ai do not fit the suite\n",
			g->dir);
		return -1;
	}
	return 0;
}

static void golden_free(struct golden *g)
{
	ike_sk_free(g->rx);
	ike_sk_free(g->tx);
	free(g->init_req);
	free(g->init_resp);
	free(g->auth_req);
}

/* The responder: parse, open, parse the inner chain, verify the PSK AUTH. */
static int do_auth_in(void *v)
{
	struct golden *g = v;
	struct ike_msg *m = &g->m;
	size_t poff, plen;
	int rc;

	memcpy(g->buf, g->auth_req, g->auth_req_len);
	if (ike_parse_message(g->buf, g->auth_req_len, m) != IKE_OK || !m->sk.present)
		return -EBADMSG;
	rc = ike_sk_open(g->rx, g->buf, g->auth_req_len, m->sk.off, &poff, &plen);
	if (rc)
		return rc;
	if (ike_parse_payloads(m->sk.first_inner, g->buf + poff, plen, m) != IKE_OK ||
	    !m->has_idi || !m->has_auth || m->auth.method != IKE_AUTH_SHARED_KEY)
		return -EBADMSG;
	return ike_auth_psk_verify(g->c, g->suite.prf, g->psk, g->psk_len, g->init_req,
				   g->init_req_len, g->nr, g->nr_len, g->sk_pi,
				   g->sk_pi_len, m->idi.body, m->idi.body_len,
				   m->auth.data, m->auth.len);
}

/* The initiator: its AUTH, the inner payloads rebuilt, sealed. */
static int do_auth_out(void *v)
{
	struct golden *g = v;
	struct ike_writer w;
	struct ike_builder b;
	int n;

	n = ike_auth_psk(g->c, g->suite.prf, g->psk, g->psk_len, g->init_req,
			 g->init_req_len, g->nr, g->nr_len, g->sk_pi, g->sk_pi_len,
			 g->tmpl.idi.body, g->tmpl.idi.body_len, g->auth);
	if (n <= 0)
		return n ? n : -EINVAL;
	g->tmpl.auth.data = g->auth;
	g->tmpl.auth.len = (size_t)n;
	ike_wr_init(&w, g->out, sizeof(g->out));
	ike_build_begin(&b, &w, &g->tmpl.hdr);
	ike_add_sk_begin(&b, ike_sk_iv_len(g->tx));
	ike_add_payloads_from_msg(&b, &g->tmpl, true);
	if (ike_build_end(&b) != IKE_OK)
		return -ENOBUFS;
	n = ike_sk_seal_wr(g->tx, &w, b.sk_off);
	g->out_len = w.len;
	return n;
}

/* Before timing: the responder path accepts charon's message; our AUTH
 * equals charon's; our sealed message opens to the same inner payloads. */
static int golden_check(struct golden *g)
{
	const uint8_t *charon_auth;
	size_t poff, plen, charon_len;
	int rc = do_auth_in(g);

	if (rc) {
		fprintf(stderr, "proto-bench: %s/%s: parse+open+verify failed: %d\n",
			g->dir, g->auth_file, rc);
		return -1;
	}
	/* the template: a decrypted copy that stays put */
	memcpy(g->plain, g->auth_req, g->auth_req_len);
	if (ike_parse_message(g->plain, g->auth_req_len, &g->tmpl) != IKE_OK ||
	    ike_sk_open(g->rx, g->plain, g->auth_req_len, g->tmpl.sk.off, &g->plain_off,
			&g->plain_len) ||
	    ike_parse_payloads(g->tmpl.sk.first_inner, g->plain + g->plain_off,
			       g->plain_len, &g->tmpl) != IKE_OK) {
		fprintf(stderr, "proto-bench: template does not open\n");
		return -1;
	}
	charon_auth = g->tmpl.auth.data;
	charon_len = g->tmpl.auth.len;
	rc = do_auth_out(g);
	if (rc || g->tmpl.auth.len != charon_len ||
	    memcmp(g->auth, charon_auth, charon_len)) {
		fprintf(stderr, "proto-bench: build+seal failed (%d) or our AUTH is not "
			"charon's\n", rc);
		return -1;
	}
	rc = ike_sk_open(g->rx, g->out, g->out_len, g->tmpl.sk.off, &poff, &plen);
	if (rc || plen != g->plain_len ||
	    memcmp(g->out + poff, g->plain + g->plain_off, plen)) {
		fprintf(stderr, "proto-bench: our sealed IKE_AUTH does not open to the "
			"same inner payloads (%d)\n", rc);
		return -1;
	}
	return 0;
}

/* 0, or 1 when the check failed (the caller exits non-zero). */
static int bench_auth(const struct ike_crypto *c, const char *dir, double secs)
{
	static struct golden g;
	int rc;

	memset(&g, 0, sizeof(g));
	g.c = c;
	g.dir = dir;
	rc = golden_load(&g);
	if (rc == 1) {
		printf("\nIKE_AUTH (%s)\n", dir);
		printf("%-32s %s\n", "IKE_AUTH parse+open+verify/s", "skipped: no golden data");
		printf("%-32s %s\n", "IKE_AUTH build+seal/s", "skipped: no golden data");
		rc = 0;
		goto out;
	}
	if (rc || golden_check(&g)) {
		rc = 1;
		goto out;
	}
	printf("\nIKE_AUTH (%s/%s: %zu octets, %zu inner; suite %u/%u/%u/%u)\n", dir,
	       g.auth_file, g.auth_req_len, g.plain_len, g.suite.encr,
	       g.suite.encr_keybits, g.suite.integ, g.suite.prf);
	printf("%-32s %14.1f\n", "IKE_AUTH parse+open+verify/s", rate(secs, do_auth_in, &g));
	printf("%-32s %14.1f\n", "IKE_AUTH build+seal/s", rate(secs, do_auth_out, &g));
out:
	golden_free(&g);
	return rc;
}

/* ---- instruction-count mode ---------------------------------------------- */

static int do_child(void *v)
{
	struct kd_arg *a = v;
	static const struct ike_suite esp = { IKE_ENCR_AES_CBC, 128,
					      IKE_INTEG_HMAC_SHA2_256_128, 0, 0 };
	struct ike_child_keys k;
	int rc = ike_keys_child(a->c, IKE_PRF_HMAC_SHA2_256, a->gir, 32, &esp,
				NULL, 0, a->n, 32, a->n + 32, 32, &k);

	ike_child_keys_wipe(&k);
	return rc;
}

/* The only code callgrind counts with --toggle-collect=count_loop. */
static __attribute__((noinline)) int count_loop(long n, int (*fn)(void *), void *arg)
{
	for (long i = 0; i < n; i++)
		if (fn(arg))
			return -1;
	return 0;
}

/* -c N -o OP: set OP up outside the counted loop, run it N times. */
static int count_op(const struct ike_crypto *c, const char *op, long n,
		    const char *golden)
{
	static struct kd_arg kd;
	static struct golden g;
	static struct sk_arg sk;
	struct dh_arg a = { .c = c };
	struct ike_dh *peer = NULL;
	int rc = -1;

	kd.c = c;
	memset(kd.n, 0x11, sizeof(kd.n));
	memset(kd.gir, 0x22, sizeof(kd.gir));
	if (!strncmp(op, "keygen:", 7) || !strncmp(op, "derive:", 7)) {
		a.group = (uint16_t)atoi(op + 7);
		a.ours = ike_dh_new(c, a.group);
		peer = ike_dh_new(c, a.group);
		if (!a.ours || !peer)
			goto out;
		a.peer = ike_dh_public_ref(peer, &a.peer_len);
		rc = count_loop(n, op[0] == 'k' ? do_keygen : do_derive, &a);
	} else if (!strcmp(op, "keys")) {
		rc = count_loop(n, do_keys, &kd);
	} else if (!strcmp(op, "child")) {
		rc = count_loop(n, do_child, &kd);
	} else if (!strcmp(op, "sk")) {
		static const struct ike_suite s = { IKE_ENCR_AES_CBC, 128,
						    IKE_INTEG_HMAC_SHA2_256_128, 0, 0 };
		uint8_t ek[16], ak[32];

		memset(ek, 0x3c, sizeof(ek));
		memset(ak, 0x5a, sizeof(ak));
		sk.tx = ike_sk_new(c, &s, ek, sizeof(ek), ak, sizeof(ak));
		sk.rx = ike_sk_new(c, &s, ek, sizeof(ek), ak, sizeof(ak));
		if (sk.tx && sk.rx) {
			sk.tmpl[16] = 46, sk.tmpl[17] = 0x20, sk.tmpl[18] = 35;
			sk.tmpl[IKE_HDR_LEN] = 35;
			sk.tmpl_len = IKE_HDR_LEN + 4 + ike_sk_iv_len(sk.tx) + SK_PLAIN;
			rc = count_loop(n, do_sk, &sk);
		}
		ike_sk_free(sk.tx);
		ike_sk_free(sk.rx);
	} else if (!strcmp(op, "auth_in") || !strcmp(op, "auth_out")) {
		g.c = c;
		g.dir = golden;
		if (!golden_load(&g) && !golden_check(&g))
			rc = count_loop(n, op[5] == 'i' ? do_auth_in : do_auth_out, &g);
		golden_free(&g);
	} else {
		fprintf(stderr, "proto-bench: unknown op %s\n", op);
		return 2;
	}
out:
	ike_dh_free(a.ours);
	ike_dh_free(peer);
	if (rc)
		fprintf(stderr, "proto-bench: %s failed\n", op);
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	double secs = 1.0;
	int opt, with_openssl = 1, rc;
	const char *golden = GOLDEN_DIR, *op = NULL;
	long count = -1;
	struct ike_crypto *c;
	static struct kd_arg kd;

	while ((opt = getopt(argc, argv, "s:ng:c:o:")) != -1) {
		if (opt == 's')
			secs = strtod(optarg, NULL);
		else if (opt == 'n')
			with_openssl = 0;
		else if (opt == 'g')
			golden = optarg;
		else if (opt == 'c')
			count = strtol(optarg, NULL, 10);
		else if (opt == 'o')
			op = optarg;
		else {
			fprintf(stderr, "usage: %s [-s seconds] [-n] [-g golden-dir] "
				"[-c count -o op]\n", argv[0]);
			return 2;
		}
	}
	c = ike_crypto_new();
	if (!c) {
		fprintf(stderr, "proto-bench: ike_crypto_new failed\n");
		return 1;
	}
	if (count >= 0 && op) {
		rc = count_op(c, op, count, golden);
		ike_crypto_free(c);
		return rc;
	}
	if (with_openssl)
		openssl_speed(2);
	printf("proto crypto benchmark (per CPU second; ratio = ours / baseline)\n\n");
	bench_dh(c, secs);
	bench_sk(c, secs);
	kd.c = c;
	memset(kd.n, 0x11, sizeof(kd.n));
	memset(kd.gir, 0x22, sizeof(kd.gir));
	printf("\n%-32s %14.1f\n", "ike_keys_derive (sha256, cbc256)",
	       rate(secs, do_keys, &kd));
	rc = bench_auth(c, golden, secs);
	ike_crypto_free(c);
	return rc;
}
