/* conf/: good and bad setup files with the exact messages and line numbers,
 * the round trip through 'default setup', and the key table's invariants. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t/unit/tcheck.h"
#include "conf/conf.h"
#include "conf/keys.h"

static char *slurp(const char *rel, size_t *len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", SRCDIR, rel);
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "open %s", path);
	char *buf = malloc(1 << 20);
	*len = fread(buf, 1, (1 << 20) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* Load t/data/conf/NAME (messages say just NAME). */
static int load(const char *dir, const char *name, struct config *cfg, struct conf_diag *d)
{
	char rel[256];
	size_t len;
	snprintf(rel, sizeof(rel), "%s/%s", dir, name);
	char *text = slurp(rel, &len);
	memset(d, 0, sizeof(*d));
	int rc = conf_load_string(name, text, len, cfg, d);
	free(text);
	return rc;
}

static int load_text(const char *text, struct config *cfg, struct conf_diag *d)
{
	memset(d, 0, sizeof(*d));
	return conf_load_string("t.yaml", text, strlen(text), cfg, d);
}

static void expect_msgs(const struct conf_diag *d, const char *const *want, unsigned n)
{
	for (unsigned i = 0; i < d->n && i < n; i++)
		ck_assert_str_eq(d->msgs[i].text, want[i]);
	if (d->n != n) {
		for (unsigned i = 0; i < d->n; i++)
			fprintf(stderr, "got: %s\n", d->msgs[i].text);
		ck_abort_msg("%u messages, want %u", d->n, n);
	}
}

START_TEST(three_errors_with_lines)
{
	struct config cfg;
	struct conf_diag d;
	static const char *const want[] = {
		"three-errors.yaml:5:1: startclntaddr 10.1.0.1/24: 300 tunnels x 1 address "
		"need 300 addresses, but the prefix has room for 255 (10.1.0.1 to 10.1.0.255)",
		"three-errors.yaml:8:1: unknown key 'mobikeaddrpertunel'; did you mean "
		"'mobikeaddrpertunnel'?",
		"three-errors.yaml:11:16: ikeconf.dpdinterval: expected a duration like 100ms, "
		"10s, 5m0s or 1h30m, got '30 seconds'",
	};
	ck_assert_int_eq(load("t/data/conf", "three-errors.yaml", &cfg, &d), -EINVAL);
	expect_msgs(&d, want, 3);
	ck_assert_uint_eq(d.n_errors, 3);
	ck_assert_uint_eq(d.msgs[0].line, 5);
	ck_assert_uint_eq(d.msgs[1].line, 8);
	ck_assert_uint_eq(d.msgs[2].line, 11);
	conf_diag_free(&d);
	config_free(&cfg);
}
END_TEST

START_TEST(bad_types_all_reported)
{
	struct config cfg;
	struct conf_diag d;
	static const char *const want[] = {
		"bad-types.yaml:1:7: role: expected one of client, gateway; got 'server'",
		"bad-types.yaml:2:18: numberoftunnels: expected an integer from 1 to 10000000, "
		"got '0'",
		"bad-types.yaml:3:11: loglevel: expected an integer from 1 to 5, got '9'",
		"bad-types.yaml:4:9: mobike: expected true or false, got 'maybe'",
		"bad-types.yaml:5:16: startclntaddr: expected an address with prefix length, "
		"like 192.168.1.1/24, got '10.1.0.1'",
		"bad-types.yaml:6:11: peeraddr: expected an IPv4 or IPv6 address, got "
		"'10.99.0.300'",
		"bad-types.yaml:8:16: apilistenport: expected an integer from 1 to 65535, got "
		"'70000'",
		"bad-types.yaml:9:23: mobikechangeaddrtype: expected one of own-only, peer-only, "
		"both; got 'sometimes'",
		"bad-types.yaml:12:17: ikeconf.dhgrpid: unsupported DH group '13' (supported: 1 "
		"2 5 14 15 16 17 18 19 20 21 31)",
		"bad-types.yaml:13:18: ikeconf.ikeencyptalg: unknown encryption algorithm "
		"'aes-cbc:129' (known: 3des aes-cbc:{128,192,256} "
		"aes-gcm-{8,12,16}:{128,192,256} chacha20-poly1305)",
		"bad-types.yaml:14:20: ikeconf.ikeintegrityalg: unknown integrity algorithm "
		"'sha3' (known: md5-96 sha1-96 sha256 sha384 sha512)",
		"bad-types.yaml:17:3: unknown key 'ikeconf.dpdintervall'; did you mean "
		"'dpdinterval'?",
		"bad-types.yaml:23:7: ikeconf.childlist[0].ownts[0]: startaddr must be an IPv6 "
		"address for type v6",
		"bad-types.yaml:24:7: ikeconf.childlist[0].ownts[0]: startport 100 is above "
		"endport 10",
	};
	ck_assert_int_eq(load("t/data/conf", "bad-types.yaml", &cfg, &d), -EINVAL);
	expect_msgs(&d, want, sizeof(want) / sizeof(want[0]));
	/* the good values around the bad ones are kept; 1m a valid duration */
	ck_assert_uint_eq(cfg.ikeconf.childlist[0].encalg.n, 1);
	ck_assert_uint_eq(cfg.ikeconf.childlist[0].encalg.a[0].id, ENCR_AES_CBC);
	ck_assert_uint_eq(cfg.ikeconf.childlist[0].encalg.a[0].keybits, 256);
	ck_assert_uint_eq(cfg.ikeconf.margintime_ns, 60 * NS_PER_SEC);
	conf_diag_free(&d);
	config_free(&cfg);
}
END_TEST

START_TEST(unbuilt_features_named)
{
	struct config cfg;
	struct conf_diag d;
	static const char *const want[] = {
		"unbuilt.yaml:6:3: tunnel flapping is not implemented yet (flapconf.flapping)",
		"unbuilt.yaml:9:3: authentication other than psk is not implemented yet "
		"(ikeconf.authownmethod)",
		"unbuilt.yaml:10:3: eap authentication is not implemented yet "
		"(ikeconf.eapimplementaion)",
		"unbuilt.yaml:11:3: IKE fragmentation (enablefragment) is not implemented yet "
		"(ikeconf.enablefragment)",
		"unbuilt.yaml:12:3: TCP encapsulation (tcpencap) is not implemented yet "
		"(ikeconf.tcpencap)",
		"unbuilt.yaml:14:5: postquantum preshared keys (ppk) is not implemented yet "
		"(ikeconf.ppk.id)",
		"unbuilt.yaml:16:5: AH (protocol ah) is not implemented yet "
		"(ikeconf.childlist[0].protocol)",
		"unbuilt.yaml:18:3: pingconf (built-in ping) is not implemented yet "
		"(pingconf.destaddr)",
	};
	ck_assert_int_eq(load("t/data/conf", "unbuilt.yaml", &cfg, &d), -EINVAL);
	expect_msgs(&d, want, sizeof(want) / sizeof(want[0]));
	conf_diag_free(&d);
	config_free(&cfg);
}
END_TEST

START_TEST(missing_mandatory_keys)
{
	struct config cfg;
	struct conf_diag d;
	static const char *const client[] = {
		"missing.yaml:2:1: role client needs startclntaddr (first tunnel address with "
		"prefix length, e.g. 192.168.1.1/24)",
		"missing.yaml:2:1: role client needs peeraddr (the gateway's address)",
		"missing.yaml:2:1: role client needs bindifname (the interface for the tunnel "
		"addresses)",
		"missing.yaml:2:1: warning: ikeconf.psk is empty: both ends must use the same "
		"empty key",
	};
	ck_assert_int_eq(load("t/data/conf", "missing.yaml", &cfg, &d), -EINVAL);
	expect_msgs(&d, client, 4);
	ck_assert_uint_eq(d.n_errors, 3);
	ck_assert_uint_eq(d.n_warnings, 1);
	conf_diag_free(&d);
	config_free(&cfg);

	static const char *const gateway[] = {
		"gateway-missing.yaml:1:1: role gateway needs bindifname (the interface for its "
		"addresses)",
		"gateway-missing.yaml:1:1: role gateway needs bindifaddr (its address, e.g. "
		"10.99.0.1/24)",
		"gateway-missing.yaml:1:1: warning: ikeconf.psk is empty: both ends must use the "
		"same empty key",
	};
	ck_assert_int_eq(load("t/data/conf", "gateway-missing.yaml", &cfg, &d), -EINVAL);
	expect_msgs(&d, gateway, 3);
	conf_diag_free(&d);
	config_free(&cfg);
}
END_TEST

START_TEST(duplicates_misplaced_empty_lists)
{
	struct config cfg;
	struct conf_diag d;
	static const char *const want[] = {
		"dup.yaml:5:1: duplicate key 'peeraddr' (first at line 3)",
		"dup.yaml:6:1: unknown key 'dpdinterval'; did you mean 'ikeconf.dpdinterval'?",
		"dup.yaml:9:3: ikeconf.childlist needs at least one entry",
	};
	ck_assert_int_eq(load("t/data/conf", "dup.yaml", &cfg, &d), -EINVAL);
	expect_msgs(&d, want, 3);
	conf_diag_free(&d);
	config_free(&cfg);
}
END_TEST

START_TEST(v6_overflow_and_families)
{
	struct config cfg;
	struct conf_diag d;
	static const char *const want[] = {
		"v6-overflow.yaml:3:1: startclntaddr 2001:db8::fff0/124: 20 tunnels x 1 address "
		"need 20 addresses, but the prefix has room for 16 (2001:db8::fff0 to "
		"2001:db8::ffff)",
		"v6-overflow.yaml:4:1: peeraddr 10.99.0.1 is IPv4 but startclntaddr is IPv6",
		"v6-overflow.yaml:7:1: mobikechangeaddrtype own-only needs mobikeaddrpertunnel "
		">= 2 (a tunnel needs another own address to move to)",
	};
	ck_assert_int_eq(load("t/data/conf", "v6-overflow.yaml", &cfg, &d), -EINVAL);
	expect_msgs(&d, want, 3);
	conf_diag_free(&d);
	config_free(&cfg);
}
END_TEST

START_TEST(yaml_syntax_error)
{
	struct config cfg;
	struct conf_diag d;
	static const char *const want[] = {
		"syntax.yaml:5:1: YAML: found unexpected end of stream while scanning a quoted "
		"scalar",
	};
	ck_assert_int_eq(load("t/data/conf", "syntax.yaml", &cfg, &d), -EINVAL);
	expect_msgs(&d, want, 1);
	conf_diag_free(&d);
	config_free(&cfg);
}
END_TEST

START_TEST(missing_file)
{
	struct config cfg;
	struct conf_diag d = { 0 };
	ck_assert_int_eq(conf_load_file("/nonexistent/x.yaml", &cfg, &d), -ENOENT);
	ck_assert_uint_eq(d.n_errors, 1);
	ck_assert_str_eq(d.msgs[0].text,
			 "/nonexistent/x.yaml:1:1: cannot open: No such file or directory");
	conf_diag_free(&d);
	config_free(&cfg);
}
END_TEST

START_TEST(examples_are_valid)
{
	static const char *const files[] = {
		"client.yaml", "gateway.yaml", "client6.yaml", "gateway6.yaml",
		"client-dualstack.yaml", "gateway-dualstack.yaml",
	};
	for (unsigned i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct config cfg;
		struct conf_diag d;
		int rc = load("conf/examples", files[i], &cfg, &d);
		for (unsigned m = 0; m < d.n; m++)
			fprintf(stderr, "%s\n", d.msgs[m].text);
		ck_assert_msg(rc == 0 && d.n == 0, "%s: rc %d, %u messages", files[i], rc, d.n);
		ck_assert(cfg.mobike);
		ck_assert_str_eq(cfg.ikeconf.psk, "ikeswarm-lab-secret");
		conf_diag_free(&d);
		config_free(&cfg);
	}

	struct config c;
	struct conf_diag d;
	char buf[IP_PREFIX_STRLEN];
	ck_assert_int_eq(load("conf/examples", "client.yaml", &c, &d), 0);
	ck_assert_int_eq(c.role, ROLE_CLIENT);
	ck_assert_int_eq(c.numberoftunnels, 4);
	ck_assert_int_eq(c.mobikeaddrpertunnel, 2);
	ck_assert_int_eq(c.mobikechangeaddrtype, MOBIKE_OWN_ONLY);
	ck_assert_uint_eq(c.mobikeiplifetime_ns, 30 * NS_PER_SEC);
	ck_assert_str_eq(ip_prefix_format(&c.startclntaddr, buf, sizeof(buf)), "10.99.0.10/24");
	ck_assert_uint_eq(c.ikeconf.ikeencyptalg.n, 2);
	ck_assert_uint_eq(c.ikeconf.ikeencyptalg.a[0].id, ENCR_AES_GCM_16);
	ck_assert_uint_eq(c.ikeconf.ikeencyptalg.a[0].keybits, 256);
	ck_assert_uint_eq(c.ikeconf.ikeencyptalg.a[1].id, ENCR_AES_CBC);
	ck_assert_uint_eq(c.ikeconf.ikeencyptalg.a[1].keybits, 128);
	ck_assert_uint_eq(c.ikeconf.ikeintegrityalg.a[0].id, AUTH_HMAC_SHA2_256_128);
	ck_assert_uint_eq(c.ikeconf.ikeprfalg.a[0].id, PRF_HMAC_SHA2_256);
	ck_assert_uint_eq(c.ikeconf.dhgrpid.n, 2);
	ck_assert_int_eq(c.ikeconf.dhgrpid.v[1], 19);
	ck_assert_uint_eq(c.ikeconf.n_children, 1);
	ck_assert_uint_eq(c.ikeconf.childlist[0].n_ownts, 1);
	/* keys the file leaves out keep their defaults */
	ck_assert(c.ikeconf.childlist[0].tunnelmode);
	ck_assert_int_eq(c.ikeconf.childlist[0].replaywindowsize, 256);
	ck_assert_int_eq(c.ikeconf.childlist[0].ownts[0].endport, 65535);
	conf_diag_free(&d);
	config_free(&c);

	/* a v6 selector without addresses covers all of IPv6 */
	ck_assert_int_eq(load("conf/examples", "client6.yaml", &c, &d), 0);
	const struct conf_ts *ts = &c.ikeconf.childlist[0].peerts[0];
	ck_assert_int_eq(ts->type, TS_V6);
	ck_assert_str_eq(ip_addr_format(&ts->startaddr, buf, sizeof(buf)), "::");
	ck_assert_str_eq(ip_addr_format(&ts->endaddr, buf, sizeof(buf)),
			 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	conf_diag_free(&d);
	config_free(&c);
}
END_TEST

/* Every key and default of MyIKEv2 5.1's own default file is ours too. */
START_TEST(myikev2_default_file)
{
	struct config cfg, def;
	struct conf_diag d;
	load("t/data/conf", "myikev2-defaults.yaml", &cfg, &d);
	for (unsigned i = 0; i < d.n; i++) /* only the three empty mandatory keys */
		ck_assert_msg(strstr(d.msgs[i].text, "role client needs") ||
			      strstr(d.msgs[i].text, "psk is empty"), "%s", d.msgs[i].text);
	ck_assert_uint_eq(d.n_errors, 3);
	config_defaults(&def);
	ck_assert(!config_equal(&cfg, &def)); /* apilistenaddr: 0.0.0.0 vs loopback */
	ip_addr_parse("0.0.0.0", &def.apilistenaddr);
	ck_assert(config_equal(&cfg, &def));
	conf_diag_free(&d);
	config_free(&cfg);
	config_free(&def);
}
END_TEST

static char *write_to_string(const struct config *cfg, bool comments, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	ck_assert_int_eq(conf_write(cfg, f, comments), 0);
	fclose(f);
	return buf;
}

static char *replace(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	ck_assert_msg(at != NULL, "'%s' not in the default setup", from);
	char *out = malloc(strlen(s) + strlen(to) + 1);
	sprintf(out, "%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
	return out;
}

START_TEST(default_setup_round_trip)
{
	struct config def, back;
	struct conf_diag d;
	size_t len;
	config_defaults(&def);
	char *text = write_to_string(&def, true, &len);
	ck_assert_int_eq(load_text(text, &back, &d), -EINVAL);
	ck_assert_uint_eq(d.n_errors, 3); /* the client's three mandatory keys */
	ck_assert(config_equal(&def, &back));
	conf_diag_free(&d);
	config_free(&back);

	/* Filled in, the default setup passes validation. */
	char *a = replace(text, "startclntaddr: \"\"", "startclntaddr: 10.1.0.1/24");
	char *b = replace(a, "peeraddr: \"\"", "peeraddr: 10.99.0.1");
	char *c = replace(b, "bindifname: \"\"", "bindifname: vcl");
	char *e = replace(c, "psk: \"\"", "psk: \"s3cret\\\"q\"");
	ck_assert_int_eq(load_text(e, &back, &d), 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_str_eq(back.ikeconf.psk, "s3cret\"q");
	ck_assert(!config_equal(&def, &back));
	conf_diag_free(&d);

	/* ...and that config writes and loads back to itself. */
	size_t len2;
	char *again = write_to_string(&back, false, &len2);
	struct config back2;
	ck_assert_int_eq(load_text(again, &back2, &d), 0);
	ck_assert(config_equal(&back, &back2));
	conf_diag_free(&d);
	config_free(&back);
	config_free(&back2);
	free(text);
	free(a);
	free(b);
	free(c);
	free(e);
	free(again);
	config_free(&def);
}
END_TEST

START_TEST(examples_round_trip)
{
	static const char *const files[] = {
		"client.yaml", "gateway.yaml", "client6.yaml", "gateway6.yaml",
		"client-dualstack.yaml", "gateway-dualstack.yaml",
	};
	for (unsigned i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct config cfg, back;
		struct conf_diag d;
		size_t len;
		ck_assert_int_eq(load("conf/examples", files[i], &cfg, &d), 0);
		conf_diag_free(&d);
		char *text = write_to_string(&cfg, i % 2 == 0, &len);
		ck_assert_int_eq(load_text(text, &back, &d), 0);
		ck_assert_msg(config_equal(&cfg, &back), "%s", files[i]);
		conf_diag_free(&d);
		config_free(&cfg);
		config_free(&back);
		free(text);
	}
}
END_TEST

/* mobikealtclntaddr / mobikealtgwaddr: the other family, with mobike, in
 * room; the dual-stack examples carry them. */
START_TEST(mobike_alt_family)
{
	struct config cfg;
	struct conf_diag d;
	ck_assert_int_eq(load("conf/examples", "client-dualstack.yaml", &cfg, &d), 0);
	ck_assert_uint_eq(cfg.mobikealtclntaddr.addr.family, AF_INET6);
	ck_assert_uint_eq(cfg.mobikealtclntaddr.len, 64);
	conf_diag_free(&d);
	config_free(&cfg);
	static const char *const bad[][2] = {
		{ "mobike: true\nmobikealtclntaddr: 10.2.0.1/24\n",
		  "mobikealtclntaddr 10.2.0.1/24 must be of the other IP family than IPv4" },
		{ "mobike: false\nmobikealtclntaddr: fd00::1/64\n",
		  "mobikealtclntaddr needs mobike: true" },
		{ "mobike: true\nmobikealtclntaddr: fd00::1/127\n",
		  "mobikealtclntaddr fd00::1/127: 8 addresses do not fit, the prefix has room "
		  "for 1" },
	};
	for (unsigned i = 0; i < 3; i++) {
		char text[512];
		snprintf(text, sizeof(text),
			 "role: client\nnumberoftunnels: 4\nstartclntaddr: 10.1.0.1/24\n"
			 "peeraddr: 10.99.0.1\nbindifname: vcl\nmobikeaddrpertunnel: 2\n"
			 "mobikeiplifetime: 5s\n%sikeconf:\n  psk: x\n", bad[i][0]);
		ck_assert_int_eq(load_text(text, &cfg, &d), -EINVAL);
		ck_assert_uint_eq(d.n_errors, 1);
		ck_assert_msg(strstr(d.msgs[0].text, bad[i][1]) != NULL, "%s", d.msgs[0].text);
		conf_diag_free(&d);
		config_free(&cfg);
	}
	const char *gw = "role: gateway\nbindifname: vgw\nbindifaddr: fd00:99::1/64\n"
			 "mobike: true\nmobikealtgwaddr: 10.99.0.1/24\nikeconf:\n  psk: x\n";
	ck_assert_int_eq(load_text(gw, &cfg, &d), 0);
	ck_assert_uint_eq(cfg.mobikealtgwaddr.addr.family, AF_INET);
	conf_diag_free(&d);
	config_free(&cfg);
}
END_TEST

START_TEST(lenient_forms)
{
	struct config cfg;
	struct conf_diag d;
	const char *text =
		"role: gateway\nbindifname: vgw\nbindifaddr: 10.99.0.1\nmobike: yes\n"
		"mobikeaddrpergw: 1\nikeconf:\n  psk: x\n  dhgrpid: 19\n"
		"  ikeencyptalg:\n  - AES-GCM-16:128\n  - aes256\n  ikeintegrityalg: [sha1]\n"
		"  ikeprfalg: [prfsha384]\n  disallownat: true\n";
	ck_assert_int_eq(load_text(text, &cfg, &d), 0);
	ck_assert(cfg.mobike);
	ck_assert_uint_eq(cfg.bindifaddr.len, 32);
	ck_assert_uint_eq(cfg.ikeconf.dhgrpid.n, 1);
	ck_assert_int_eq(cfg.ikeconf.dhgrpid.v[0], 19);
	ck_assert_uint_eq(cfg.ikeconf.ikeencyptalg.a[0].id, ENCR_AES_GCM_16);
	ck_assert_uint_eq(cfg.ikeconf.ikeencyptalg.a[1].id, ENCR_AES_CBC);
	ck_assert_uint_eq(cfg.ikeconf.ikeencyptalg.a[1].keybits, 256);
	ck_assert_uint_eq(cfg.ikeconf.ikeintegrityalg.a[0].id, AUTH_HMAC_SHA1_96);
	ck_assert_uint_eq(cfg.ikeconf.ikeprfalg.a[0].id, PRF_HMAC_SHA2_384);
	ck_assert(config_disallownat(&cfg));
	conf_diag_free(&d);
	config_free(&cfg);
}
END_TEST

START_TEST(list_limits_and_shapes)
{
	struct config cfg;
	struct conf_diag d;
	const char *text =
		"role: gateway\nbindifname: vgw\nbindifaddr: 10.99.0.1/24\n"
		"ikeconf:\n  psk: x\n"
		"  dhgrpid: [14,14,14,14,14,14,14,14,14,14,14,14,14,14,14,14,14]\n"
		"  ikeprfalg: {a: b}\n"
		"  ppk: 5\n"
		"  childlist:\n  - esp\n";
	static const char *const want[] = {
		"t.yaml:6:61: ikeconf.dhgrpid: too many entries (at most 16)",
		"t.yaml:7:14: ikeconf.ikeprfalg: expected a list of PRF algorithms, got a mapping",
		"t.yaml:8:8: ikeconf.ppk: expected a mapping of keys",
		"t.yaml:9:3: ikeconf.childlist needs at least one entry",
		"t.yaml:10:5: ikeconf.childlist: expected a mapping of keys",
	};
	ck_assert_int_eq(load_text(text, &cfg, &d), -EINVAL);
	expect_msgs(&d, want, 5);
	conf_diag_free(&d);
	config_free(&cfg);
}
END_TEST

/* Every truncation and many byte flips of a good file load without a
 * crash, and a refused file always says why. */
START_TEST(truncations_and_flips_never_crash)
{
	static const char flips[] = { ' ', ':', '-', '\n', '"', '[', '{', '&', '*', 'x', '9', '\t' };
	size_t len;
	char *text = slurp("conf/examples/client.yaml", &len);
	char *buf = malloc(len + 1);
	for (size_t cut = 0; cut <= len; cut++) {
		struct config cfg;
		struct conf_diag d;
		memcpy(buf, text, cut);
		buf[cut] = '\0';
		int rc = conf_load_string("cut.yaml", buf, cut, &cfg, &d);
		ck_assert(rc == 0 || (rc == -EINVAL && d.n_errors > 0));
		conf_diag_free(&d);
		config_free(&cfg);
	}
	for (size_t at = 0; at < len; at += 3) {
		for (unsigned f = 0; f < sizeof(flips); f++) {
			struct config cfg;
			struct conf_diag d;
			memcpy(buf, text, len + 1);
			buf[at] = flips[f];
			int rc = conf_load_string("flip.yaml", buf, len, &cfg, &d);
			ck_assert(rc == 0 || (rc == -EINVAL && d.n_errors > 0));
			conf_diag_free(&d);
			config_free(&cfg);
		}
	}
	free(buf);
	free(text);
}
END_TEST

/* A dotted path or [] as a key is not a key (fuzz_conf found it reaching a
 * list element's field through the top-level base). */
START_TEST(dotted_keys_refused)
{
	struct config cfg;
	struct conf_diag d;
	static const char *const keys[] = {
		"ikeconf.childlist[].encalg", "ikeconf.psk", "childlist[]", "flapconf.flapping",
	};
	for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char text[256];
		snprintf(text, sizeof(text), "role: gateway\nbindifname: eth0\n"
			 "bindifaddr: 10.99.0.1/24\n%s: 10.99.0.1\n", keys[i]);
		ck_assert_int_eq(load_text(text, &cfg, &d), -EINVAL);
		unsigned hit = 0;
		for (unsigned m = 0; m < d.n; m++)
			if (strncmp(d.msgs[m].text, "t.yaml:4:1: unknown key", 23) == 0)
				hit++;
		ck_assert_msg(hit == 1, "%s: no unknown-key error at 4:1", keys[i]);
		conf_diag_free(&d);
		config_free(&cfg);
	}
}
END_TEST

/* ESP NULL is a known name, refused until proto/ and the fastpath have it. */
START_TEST(esp_null_refused)
{
	struct config cfg;
	struct conf_diag d;
	const char *text = "role: gateway\nbindifname: eth0\nbindifaddr: 10.99.0.1/24\n"
			   "ikeconf:\n  childlist:\n  - encalg: [null]\n";
	ck_assert_int_eq(load_text(text, &cfg, &d), -EINVAL);
	unsigned hit = 0;
	for (unsigned m = 0; m < d.n; m++)
		if (strcmp(d.msgs[m].text, "t.yaml:6:14: ikeconf.childlist[0].encalg: ESP NULL "
					   "encryption ('null') is not implemented yet") == 0)
			hit++;
	ck_assert_uint_eq(hit, 1);
	conf_diag_free(&d);
	config_free(&cfg);
}
END_TEST

START_TEST(table_invariants)
{
	for (unsigned i = 0; i < conf_nkeys; i++) {
		const struct conf_key *k = &conf_keys[i];
		ck_assert_msg(conf_key_find(k->path) == k, "%s: duplicate path", k->path);
		ck_assert_msg(k->meaning && *k->meaning, "%s: no meaning", k->path);
		size_t plen = conf_key_parent_len(k);
		if (plen == 0)
			continue;
		char parent[128];
		snprintf(parent, sizeof(parent), "%.*s", (int)plen, k->path);
		size_t n = strlen(parent);
		bool in_list = n > 2 && strcmp(parent + n - 2, "[]") == 0;
		if (in_list)
			parent[n - 2] = '\0';
		const struct conf_key *p = conf_key_find(parent);
		ck_assert_msg(p != NULL, "%s: no parent %s", k->path, parent);
		ck_assert_msg(p->type == (in_list ? CT_MAP_LIST : CT_MAP), "%s: parent type",
			      k->path);
		ck_assert_msg(p < k, "%s: listed before its parent", k->path);
	}
	for (unsigned i = 0; i < conf_nunbuilt; i++)
		ck_assert_msg(conf_key_find(conf_unbuilt[i].path) != NULL, "unbuilt %s",
			      conf_unbuilt[i].path);
	/* both spellings of disallownat exist */
	ck_assert_ptr_nonnull(conf_key_find("disallownat"));
	ck_assert_ptr_nonnull(conf_key_find("ikeconf.disallownat"));
	ck_assert_ptr_nonnull(conf_key_find("workers"));
}
END_TEST

static Suite *parse_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *bad = tcase_create("bad files");
	tcase_add_test(bad, three_errors_with_lines);
	tcase_add_test(bad, dotted_keys_refused);
	tcase_add_test(bad, esp_null_refused);
	tcase_add_test(bad, bad_types_all_reported);
	tcase_add_test(bad, unbuilt_features_named);
	tcase_add_test(bad, missing_mandatory_keys);
	tcase_add_test(bad, duplicates_misplaced_empty_lists);
	tcase_add_test(bad, v6_overflow_and_families);
	tcase_add_test(bad, yaml_syntax_error);
	tcase_add_test(bad, missing_file);
	tcase_add_test(bad, list_limits_and_shapes);
	tcase_add_test(bad, truncations_and_flips_never_crash);
	suite_add_tcase(s, bad);
	TCase *good = tcase_create("good files");
	tcase_add_test(good, examples_are_valid);
	tcase_add_test(good, myikev2_default_file);
	tcase_add_test(good, default_setup_round_trip);
	tcase_add_test(good, examples_round_trip);
	tcase_add_test(good, lenient_forms);
	tcase_add_test(good, mobike_alt_family);
	tcase_add_test(good, table_invariants);
	suite_add_tcase(s, good);
	return s;
}

TCHECK_MAIN(parse_suite)
