/* The fastpath library without traffic: the IANA -> XFRM algorithm table,
 * request checks, selector prefixes, and in a private network namespace
 * (the Check fork unshares its netns) the policies, table 330 routes and
 * rule, migration of policies, flush, the per-socket bypass, packed
 * errors by tag, and an install that fails cleanly on a kernel without
 * ESP (inside UML, where ESP exists, the same test installs and deletes).
 * The traffic itself is t/unit/test_kernel_xfrm_esp.c, run in UML. */
#include "t/unit/tcheck.h"
#include "kernel/fastpath.h"
#include "kernel/nl_pack.h"
#include "kernel/route330.h"
#include "kernel/xfrm_alg.h"
#include "kernel/xfrm_policy.h"
#include "kernel/xfrm_probe.h"
#include "proto/ike_ids.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct ip_addr A(const char *s)
{
	struct ip_addr a;
	ck_assert_int_eq(ip_addr_parse(s, &a), 0);
	return a;
}

static struct fp_ts TS(const char *from, const char *to)
{
	struct fp_ts t = { .start = A(from), .end = A(to), .port_end = 65535 };
	return t;
}

/* ---- algorithms ---- */

START_TEST(alg_table)
{
	struct xfrm_alg_spec s;

	ck_assert_int_eq(xfrm_alg_lookup(IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128, &s), 0);
	ck_assert_str_eq(s.encr_name, "cbc(aes)");
	ck_assert_int_eq(s.encr_key_len, 32);
	ck_assert(!s.aead);
	ck_assert_str_eq(s.integ_name, "hmac(sha256)");
	ck_assert_int_eq(s.integ_key_len, 32);
	ck_assert_int_eq(s.trunc_bits, 128);
	ck_assert_int_eq(xfrm_alg_dir_keylen(&s), 64);

	ck_assert_int_eq(xfrm_alg_lookup(IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, &s), 0);
	ck_assert_str_eq(s.encr_name, "rfc4106(gcm(aes))");
	ck_assert_int_eq(s.encr_key_len, 20); /* key + 4-octet salt */
	ck_assert(s.aead);
	ck_assert_int_eq(s.icv_bits, 128);
	ck_assert_ptr_null(s.integ_name);
	ck_assert_int_eq(xfrm_alg_lookup(IKE_ENCR_AES_GCM_8, 256, IKE_INTEG_NONE, &s), 0);
	ck_assert_int_eq(s.icv_bits, 64);
	ck_assert_int_eq(s.encr_key_len, 36);
	ck_assert_int_eq(xfrm_alg_lookup(IKE_ENCR_AES_GCM_12, 192, IKE_INTEG_NONE, &s), 0);
	ck_assert_int_eq(s.icv_bits, 96);
	ck_assert_int_eq(s.encr_key_len, 28);

	ck_assert_int_eq(xfrm_alg_lookup(IKE_ENCR_CHACHA20_POLY1305, 0, IKE_INTEG_NONE, &s), 0);
	ck_assert_str_eq(s.encr_name, "rfc7539esp(chacha20,poly1305)");
	ck_assert_int_eq(s.encr_key_len, 36);
	ck_assert_int_eq(s.icv_bits, 128);

	ck_assert_int_eq(xfrm_alg_lookup(IKE_ENCR_3DES, 0, IKE_INTEG_HMAC_SHA1_96, &s), 0);
	ck_assert_str_eq(s.encr_name, "cbc(des3_ede)");
	ck_assert_int_eq(s.encr_key_len, 24);
	ck_assert_str_eq(s.integ_name, "hmac(sha1)");
	ck_assert_int_eq(s.integ_key_len, 20);
	ck_assert_int_eq(s.trunc_bits, 96);

	const struct { uint16_t id; const char *name; int key, trunc; } integ[] = {
		{ IKE_INTEG_HMAC_MD5_96, "hmac(md5)", 16, 96 },
		{ IKE_INTEG_AES_XCBC_96, "xcbc(aes)", 16, 96 },
		{ IKE_INTEG_HMAC_SHA2_384_192, "hmac(sha384)", 48, 192 },
		{ IKE_INTEG_HMAC_SHA2_512_256, "hmac(sha512)", 64, 256 },
	};
	for (size_t i = 0; i < sizeof(integ) / sizeof(integ[0]); i++) {
		ck_assert_int_eq(xfrm_alg_lookup(IKE_ENCR_AES_CBC, 128, integ[i].id, &s), 0);
		ck_assert_str_eq(s.integ_name, integ[i].name);
		ck_assert_int_eq(s.integ_key_len, integ[i].key);
		ck_assert_int_eq(s.trunc_bits, integ[i].trunc);
	}
	ck_assert_int_eq(xfrm_alg_lookup(IKE_ENCR_AES_CTR, 128, IKE_INTEG_HMAC_SHA1_96, &s), 0);
	ck_assert_str_eq(s.encr_name, "rfc3686(ctr(aes))");
	ck_assert_int_eq(s.encr_key_len, 20);

	/* what the kernel path refuses */
	ck_assert_int_eq(xfrm_alg_lookup(IKE_ENCR_AES_CBC, 100, IKE_INTEG_HMAC_SHA1_96, &s), -EINVAL);
	ck_assert_int_eq(xfrm_alg_lookup(IKE_ENCR_AES_CBC, 128, IKE_INTEG_NONE, &s), -EINVAL);
	ck_assert_int_eq(xfrm_alg_lookup(IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_HMAC_SHA1_96, &s),
			 -EINVAL);
	ck_assert_int_eq(xfrm_alg_lookup(IKE_ENCR_CHACHA20_POLY1305, 128, IKE_INTEG_NONE, &s),
			 -EINVAL);
	ck_assert_int_eq(xfrm_alg_lookup(999, 128, IKE_INTEG_NONE, &s), -ENOTSUP);
	ck_assert_int_eq(xfrm_alg_lookup(IKE_ENCR_AES_CBC, 128, 999, &s), -ENOTSUP);
}
END_TEST

START_TEST(ts_prefixes)
{
	const struct { const char *from, *to, *want; } rows[] = {
		{ "10.0.0.0", "10.0.0.255", "10.0.0.0/24" },
		{ "10.0.0.7", "10.0.0.7", "10.0.0.7/32" },
		{ "10.0.0.5", "10.0.1.3", "10.0.0.0/23" },  /* not a prefix: covered */
		{ "0.0.0.0", "255.255.255.255", "0.0.0.0/0" },
		{ "192.168.1.128", "192.168.1.191", "192.168.1.128/26" },
		{ "2001:db8::", "2001:db8::ffff", "2001:db8::/112" },
		{ "2001:db8::1", "2001:db8::1", "2001:db8::1/128" },
	};
	char buf[IP_PREFIX_STRLEN];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct fp_ts t = TS(rows[i].from, rows[i].to);
		struct ip_prefix p;
		fp_ts_prefix(&t, &p);
		ck_assert_str_eq(ip_prefix_format(&p, buf, sizeof(buf)), rows[i].want);
	}
}
END_TEST

/* A valid tunnel-mode request: 127.0.0.1 <-> 127.0.0.2 (on lo). */
static struct fp_child sample(void)
{
	struct fp_child c;
	struct xfrm_alg_spec alg;

	memset(&c, 0, sizeof(c));
	c.reqid = 7;
	c.initiator = true;
	c.mode = FP_TUNNEL;
	c.ep.local = A("127.0.0.1");
	c.ep.remote = A("127.0.0.2");
	c.spi_in = 0x1234;
	c.spi_out = 0x5678;
	c.encr_id = IKE_ENCR_AES_GCM_16;
	c.encr_keybits = 256;
	c.integ_id = IKE_INTEG_NONE;
	c.replay_window = 64;
	c.n_local_ts = 1;
	c.n_remote_ts = 2;
	c.local_ts[0] = TS("10.1.0.1", "10.1.0.1");
	c.remote_ts[0] = TS("10.2.0.0", "10.2.0.255");
	c.remote_ts[1] = TS("10.3.0.0", "10.3.255.255");
	ck_assert_int_eq(xfrm_alg_lookup(c.encr_id, c.encr_keybits, c.integ_id, &alg), 0);
	c.keymat_len = (uint16_t)(2 * xfrm_alg_dir_keylen(&alg));
	for (unsigned i = 0; i < c.keymat_len; i++)
		c.keymat[i] = (uint8_t)i;
	return c;
}

START_TEST(child_checks)
{
	struct xfrm_alg_spec alg;
	struct fp_child c = sample();

	ck_assert_int_eq(fp_child_check(&c, &alg), 0);
	/* keys by role: the initiator sends with the first half */
	ck_assert_ptr_eq(fp_child_keys(&c, &alg, FP_OUT), c.keymat);
	ck_assert_ptr_eq(fp_child_keys(&c, &alg, FP_IN), c.keymat + 36);
	c.initiator = false;
	ck_assert_ptr_eq(fp_child_keys(&c, &alg, FP_OUT), c.keymat + 36);
	c = sample();
	c.keymat_len--;
	ck_assert_int_eq(fp_child_check(&c, &alg), -EINVAL);
	c = sample();
	c.spi_in = 200; /* RFC 4303: reserved */
	ck_assert_int_eq(fp_child_check(&c, &alg), -EINVAL);
	c = sample();
	c.reqid = 0;
	ck_assert_int_eq(fp_child_check(&c, &alg), -EINVAL);
	c = sample();
	c.ep.local_port = 4500; /* one port without the other */
	ck_assert_int_eq(fp_child_check(&c, &alg), -EINVAL);
	c = sample();
	c.remote_ts[1] = TS("2001:db8::", "2001:db8::ff"); /* mixed families */
	ck_assert_int_eq(fp_child_check(&c, &alg), -EINVAL);
	c = sample();
	c.n_remote_ts = 0;
	ck_assert_int_eq(fp_child_check(&c, &alg), -EINVAL);
}
END_TEST

/* ---- in a private netns ---- */

/* 0 when this (forked) test process is now in a fresh netns with lo up. */
static int private_netns(const char *name)
{
	const char *fork_mode = getenv("CK_FORK");

	if (fork_mode && !strcmp(fork_mode, "no")) {
		printf("SKIP %s: needs CK_FORK (it unshares the test's netns)\n", name);
		return -1;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		printf("SKIP %s: unshare(CLONE_NEWNET): %s\n", name, strerror(errno));
		return -1;
	}
	ck_assert_int_eq(system("ip link set lo up && ip addr add 127.0.0.2/8 dev lo 2>/dev/null;"
				" ip addr add 10.1.0.1/32 dev lo"), 0);
	return 0;
}

/* How many lines cmd prints containing want (NULL: any). */
static int grep_count(const char *cmd, const char *want)
{
	FILE *f = popen(cmd, "r");
	char line[512];
	int n = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		n += !want || strstr(line, want) != NULL;
	pclose(f);
	return n;
}

/* *mp read after the build call among the arguments has set it. */
static void queue_msg(struct nl_pack *p, int built, struct nl_msg **mp, uint32_t tag)
{
	ck_assert_int_eq(built, 0);
	ck_assert_int_eq(nlp_add(p, *mp, tag), 0);
	nlmsg_free(*mp);
}

START_TEST(policies_routes_migrate)
{
	static const int dirs[] = { XFRM_POLICY_OUT, XFRM_POLICY_IN, XFRM_POLICY_FWD };
	struct nl_pack *xp, *rp;
	struct nl_msg *m = NULL;
	struct fp_child c = sample();
	struct route330_via via = { 0 };
	size_t nf;

	if (private_netns("xfrm-policies"))
		return;
	ck_assert_int_eq(nlp_open(&xp, NETLINK_XFRM), 0);
	ck_assert_int_eq(nlp_open(&rp, NETLINK_ROUTE), 0);
	for (unsigned r = 0; r < 2; r++)
		for (int d = 0; d < 3; d++) {
			int b = xfrm_policy_build(&c, XP_ADD, dirs[d], &c.local_ts[0],
						  &c.remote_ts[r], &m);
			queue_msg(xp, b, &m, (uint32_t)(r * 3 + d));
		}
	ck_assert_int_eq(nlp_flush(xp), 0);
	ck_assert_int_eq(grep_count("ip xfrm policy", "dir "), 6);
	ck_assert_int_eq(grep_count("ip xfrm policy", "src 10.1.0.1/32 dst 10.2.0.0/24"), 1);
	ck_assert_int_eq(grep_count("ip xfrm policy", "src 10.3.0.0/16 dst 10.1.0.1/32"), 2);
	ck_assert_int_eq(grep_count("ip xfrm policy", "tmpl src 127.0.0.1 dst 127.0.0.2"), 2);
	ck_assert_int_eq(grep_count("ip xfrm policy", "tmpl src 127.0.0.2 dst 127.0.0.1"), 4);
	ck_assert_int_eq(grep_count("ip xfrm policy", "reqid 7 mode tunnel"), 6);

	/* the same policy again: EEXIST, told by its tag; deleting one that is
	 * not there: ENOENT */
	queue_msg(xp, xfrm_policy_build(&c, XP_ADD, XFRM_POLICY_OUT, &c.local_ts[0],
					&c.remote_ts[0], &m), &m, 41);
	struct fp_ts other = TS("10.9.0.0", "10.9.0.255");
	queue_msg(xp, xfrm_policy_build(&c, XP_DEL, XFRM_POLICY_IN, &c.local_ts[0], &other, &m),
		  &m, 42);
	ck_assert_int_eq(nlp_flush(xp), 2);
	const struct nlp_fail *f = nlp_fails(xp, &nf);
	ck_assert_int_eq(nf, 2);
	ck_assert_int_eq(f[0].tag, 41);
	ck_assert_int_eq(f[0].err, -EEXIST);
	ck_assert_int_eq(f[1].tag, 42);
	ck_assert_int_eq(f[1].err, -ENOENT);
	nlp_reset(xp);

	/* MOBIKE: the templates move (no states here: the kernel moves what it
	 * finds) */
	struct fp_endpoints to = c.ep;
	to.local = A("127.0.0.3");
	for (unsigned r = 0; r < 2; r++)
		for (int d = 0; d < 3; d++)
			queue_msg(xp, xfrm_policy_build_migrate(&c, dirs[d], &c.local_ts[0],
								&c.remote_ts[r], &to, &m), &m, 0);
	ck_assert_int_eq(nlp_flush(xp), 0);
	ck_assert_int_eq(grep_count("ip xfrm policy", "tmpl src 127.0.0.3 dst 127.0.0.2"), 2);
	ck_assert_int_eq(grep_count("ip xfrm policy", "tmpl src 127.0.0.2 dst 127.0.0.3"), 4);
	ck_assert_int_eq(grep_count("ip xfrm policy", "127.0.0.1"), 0);

	/* table 330: rule, a route via lo with the local TS as source */
	queue_msg(rp, route330_rule_build(R330_ADD, AF_INET, &m), &m, 1);
	struct ip_prefix dst = { .addr = A("10.2.0.0"), .len = 24 };
	struct ip_addr src = A("10.1.0.1");
	via.ifindex = 1; /* lo */
	queue_msg(rp, route330_build(R330_ADD, &dst, &via, &src, &m), &m, 2);
	ck_assert_int_eq(nlp_flush(rp), 0);
	ck_assert_int_eq(grep_count("ip rule", "330:\tfrom all lookup 330"), 1);
	ck_assert_int_eq(grep_count("ip route show table 330", "10.2.0.0/24 dev lo"), 1);
	ck_assert_int_eq(grep_count("ip route show table 330", "src 10.1.0.1"), 1);
	queue_msg(rp, route330_rule_build(R330_ADD, AF_INET, &m), &m, 3);
	ck_assert_int_eq(nlp_flush(rp), 1); /* the rule once only */
	f = nlp_fails(rp, &nf);
	ck_assert_int_eq(f[0].err, -EEXIST);
	nlp_reset(rp);

	/* the lookup fastpath uses for the nexthop */
	struct ip_addr peer = A("127.0.0.2");
	ck_assert_int_eq(route330_build_lookup(&peer, &m), 0);
	nlmsg_free(m);

	/* remove all of it */
	for (unsigned r = 0; r < 2; r++)
		for (int d = 0; d < 3; d++)
			queue_msg(xp, xfrm_policy_build(&c, XP_DEL, dirs[d], &c.local_ts[0],
							&c.remote_ts[r], &m), &m, 0);
	queue_msg(rp, route330_build(R330_DEL, &dst, NULL, NULL, &m), &m, 0);
	queue_msg(rp, route330_rule_build(R330_DEL, AF_INET, &m), &m, 0);
	ck_assert_int_eq(nlp_flush(xp), 0);
	ck_assert_int_eq(nlp_flush(rp), 0);
	ck_assert_int_eq(grep_count("ip xfrm policy", NULL), 0);
	ck_assert_int_eq(grep_count("ip route show table 330", NULL), 0);
	ck_assert_int_eq(grep_count("ip rule", "330"), 0);
	nlp_close(xp);
	nlp_close(rp);
}
END_TEST

START_TEST(flush_and_bypass)
{
	struct fastpath *fp;

	if (private_netns("xfrm-flush"))
		return;
	ck_assert_int_eq(system("ip xfrm policy add src 10.1.0.0/24 dst 10.2.0.0/24 dir out "
				"tmpl src 127.0.0.1 dst 127.0.0.2 proto esp reqid 1 mode tunnel && "
				"ip route add 10.2.0.0/24 dev lo table 330 && "
				"{ ip -6 route add 2001:db8::/64 dev lo table 330 2>/dev/null"
				" || true; } && " /* UML: IPv6 is a module */
				"ip rule add priority 330 table 330 && "
				"ip route add 10.7.0.0/24 dev lo"), 0);
	ck_assert_int_eq(fp_open(&fp), 0);

	/* the IKE socket's bypass shows as socket policies */
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(xfrm_socket_bypass(s, AF_INET), 0);
	ck_assert_int_eq(grep_count("ip xfrm policy", "socket in"), 1);
	ck_assert_int_eq(grep_count("ip xfrm policy", "socket out"), 1);
	ck_assert_int_eq(xfrm_socket_bypass(s, AF_UNIX), -EAFNOSUPPORT);

	ck_assert_int_eq(fp_flush(fp), 0);
	ck_assert_int_eq(grep_count("ip xfrm policy", "dir out"), 0);
	ck_assert_int_eq(grep_count("ip xfrm policy", "socket in"), 1); /* not ours to flush */
	ck_assert_int_eq(grep_count("ip route show table 330", NULL), 0);
	ck_assert_int_eq(grep_count("ip -6 route show table 330", NULL), 0);
	ck_assert_int_eq(grep_count("ip rule", "330"), 0);
	ck_assert_int_eq(grep_count("ip route", "10.7.0.0/24"), 1); /* main table kept */
	close(s);
	ck_assert_int_eq(grep_count("ip xfrm policy", NULL), 0);
	fp_close(fp);
}
END_TEST

/* Without ESP the install fails with the kernel's answer and leaves
 * nothing; with ESP (UML) it installs and deletes. */
START_TEST(install_clean_either_way)
{
	struct fastpath *fp;
	struct fp_child c[3] = { sample(), sample(), sample() };
	int err[3];
	char why[256];

	if (private_netns("xfrm-install"))
		return;
	int esp = xfrm_probe_esp(why, sizeof(why));
	ck_assert_int_ge(esp, 0);
	ck_assert_int_eq(fp_open(&fp), 0);
	c[1].keymat_len = 3;              /* a bad request amid good ones */
	c[2].reqid = 8;
	c[2].spi_in = 0x4321;
	c[2].spi_out = 0x8765;
	c[2].local_ts[0] = TS("10.1.0.0", "10.1.0.255"); /* a range: no route source */
	c[2].remote_ts[0] = TS("10.4.0.0", "10.4.0.255");
	c[2].remote_ts[1] = c[0].remote_ts[1]; /* a shared route */
	c[2].ep.local_port = c[2].ep.remote_port = 4500;
	c[2].esn = true;
	c[2].encr_id = IKE_ENCR_AES_CBC; /* the host's answer: no ESP type */
	c[2].encr_keybits = 128;
	c[2].integ_id = IKE_INTEG_HMAC_SHA2_256_128;
	c[2].keymat_len = 2 * (16 + 32);
	int rc = fp_install(fp, c, 3, err);
	printf("install: esp %d, errors %d %d %d\n", esp, err[0], err[1], err[2]);
	ck_assert_int_eq(err[1], -EINVAL);
	if (esp == 0) {
		ck_assert_int_eq(rc, 3);
		/* no such AEAD (checked before the type), or no ESP */
		ck_assert(err[0] == -ENOSYS || err[0] == -EPROTONOSUPPORT);
		ck_assert_int_eq(err[2], -EPROTONOSUPPORT);
		ck_assert_int_eq(fp_installed(fp), 0);
	} else {
		ck_assert_msg(rc == 1 && err[0] == 0 && err[2] == 0, "install: %d: %d %d %d", rc,
			      err[0], err[1], err[2]);
		ck_assert_int_eq(err[2], 0);
		ck_assert_int_eq(fp_installed(fp), 2);
		ck_assert_int_eq(grep_count("ip xfrm state", "proto esp spi"), 4);
		/* tunnel mode: either inner family (XFRM_STATE_AF_UNSPEC) */
		ck_assert_int_eq(grep_count("ip xfrm state", "flag af-unspec esn"), 2);
		ck_assert_int_eq(grep_count("ip xfrm state", "flag af-unspec"), 4);
		ck_assert_int_eq(grep_count("ip xfrm state", "encap type espinudp sport 4500"), 2);
		ck_assert_int_eq(grep_count("ip xfrm policy", "dir "), 12);
		ck_assert_int_eq(grep_count("ip route show table 330", NULL), 3);
		uint32_t id = 7;
		/* a rekey whose new inbound state collides (c[2]'s SPI on the
		 * same address): refused, the old SA untouched, the new
		 * outbound state that did go in removed again */
		struct fp_child n = c[0];
		n.spi_out = 0x9999;
		n.spi_in = c[2].spi_in;
		ck_assert_int_eq(fp_rekey(fp, &id, &n, 1, err), 1);
		ck_assert_int_eq(err[0], -EEXIST);
		ck_assert_int_eq(grep_count("ip xfrm state", "proto esp spi"), 4);
		ck_assert_int_eq(grep_count("ip xfrm state", "spi 0x00001234"), 1);
		ck_assert_int_eq(grep_count("ip xfrm state", "spi 0x00009999"), 0);
		/* a good one: new states in, old ones out, same reqid */
		n.spi_in = 0x2222;
		ck_assert_int_eq(fp_rekey(fp, &id, &n, 1, err), 0);
		ck_assert_int_eq(grep_count("ip xfrm state", "proto esp spi"), 4);
		ck_assert_int_eq(grep_count("ip xfrm state", "spi 0x00001234"), 0);
		ck_assert_int_eq(grep_count("ip xfrm state", "spi 0x00002222"), 1);
		ck_assert_int_eq(fp_installed(fp), 2);
		/* an install colliding with reqid 7 (its inbound SPI, its
		 * selectors): refused, and its undo leaves reqid 7 whole */
		struct fp_child d = n;
		d.reqid = 9;
		d.spi_out = 0x7777;
		ck_assert_int_eq(fp_install(fp, &d, 1, err), 1);
		ck_assert_int_eq(err[0], -EEXIST);
		ck_assert_int_eq(grep_count("ip xfrm state", "proto esp spi"), 4);
		ck_assert_int_eq(grep_count("ip xfrm state", "spi 0x00002222"), 1);
		ck_assert_int_eq(grep_count("ip xfrm state", "spi 0x00007777"), 0);
		ck_assert_int_eq(grep_count("ip xfrm policy", "dir "), 12);
		ck_assert_int_eq(grep_count("ip route show table 330", NULL), 3);
		ck_assert_int_eq(fp_installed(fp), 2);
		ck_assert_int_eq(fp_delete(fp, &id, 1, err), 0);
		/* the route c[2] shares stays with it */
		ck_assert_int_eq(grep_count("ip route show table 330", NULL), 2);
		ck_assert_int_eq(fp_delete(fp, &id, 1, err), 1);
		ck_assert_int_eq(err[0], -ENOENT);
	}
	ck_assert_int_eq(fp_cleanup(fp), 0);
	ck_assert_int_eq(fp_installed(fp), 0);
	ck_assert_int_eq(grep_count("ip xfrm state", NULL), 0);
	ck_assert_int_eq(grep_count("ip xfrm policy", NULL), 0);
	ck_assert_int_eq(grep_count("ip route show table 330", NULL), 0);
	ck_assert_int_eq(grep_count("ip rule", "330"), 0);
	fp_close(fp);
}
END_TEST

/* Two CHILD SAs with the same selectors (a peer that dialed again while
 * its old SA is still installed, e.g. a gateway whose client gave up on
 * an IKE SA without INITIAL_CONTACT): the newer one's install takes the
 * policies over (before: EEXIST), the older one's delete leaves them to
 * it (before: removed them), the owner's delete hands them back, a rekey
 * or move of the older one leaves them alone.  Needs ESP (UML, esp-xfrmlib.sh). */
START_TEST(shared_selectors)
{
	struct fastpath *fp;
	struct fp_child a = sample(), b = sample(), pair[2];
	uint32_t id;
	int err[2];
	char why[256];

	if (private_netns("xfrm-shared-selectors"))
		return;
	int esp = xfrm_probe_esp(why, sizeof(why));
	ck_assert_int_ge(esp, 0);
	if (esp == 0) {
		printf("SKIP shared_selectors: no ESP here (runs in UML: esp-xfrmlib.sh)\n");
		return;
	}
	ck_assert_int_eq(fp_open(&fp), 0);
	b.reqid = 9;
	b.spi_in = 0x4321;
	b.spi_out = 0x8765;
	ck_assert_int_eq(fp_install(fp, &a, 1, err), 0);
	ck_assert_msg(fp_install(fp, &b, 1, err) == 0, "second install: %d", err[0]);
	ck_assert_int_eq(grep_count("ip xfrm policy", "dir "), 6);
	ck_assert_int_eq(grep_count("ip xfrm policy", "reqid 9 mode"), 6);
	/* the older one moves (MOBIKE): its states go along, the policies
	 * stay the newer one's (a migrate would have taken them along) */
	struct fp_endpoints to = a.ep;
	to.remote = A("127.0.0.3");
	id = 7;
	ck_assert_int_eq(fp_migrate(fp, &id, &to, 1, err), 0);
	ck_assert_int_eq(grep_count("ip xfrm state", "dst 127.0.0.3"), 1);
	ck_assert_int_eq(grep_count("ip xfrm policy", "reqid 9 mode"), 6);
	ck_assert_int_eq(grep_count("ip xfrm policy", "127.0.0.3"), 0);
	/* the older one goes: the newer one's policies stay */
	ck_assert_int_eq(fp_delete(fp, &id, 1, err), 0);
	ck_assert_int_eq(grep_count("ip xfrm policy", "reqid 9 mode"), 6);
	ck_assert_int_eq(grep_count("ip xfrm state", "proto esp spi"), 2);
	ck_assert_int_eq(grep_count("ip route show table 330", NULL), 2);
	/* 7 again (newest now); the owner goes: back to 9 */
	ck_assert_int_eq(fp_install(fp, &a, 1, err), 0);
	ck_assert_int_eq(grep_count("ip xfrm policy", "reqid 7 mode"), 6);
	ck_assert_int_eq(fp_delete(fp, &id, 1, err), 0);
	ck_assert_int_eq(grep_count("ip xfrm policy", "reqid 9 mode"), 6);
	ck_assert_int_eq(grep_count("ip xfrm policy", "dir "), 6);
	/* 7 newest again; the older 9 rekeyed to reqid 11: 7 keeps them,
	 * and 7's delete hands them to 11 */
	ck_assert_int_eq(fp_install(fp, &a, 1, err), 0);
	struct fp_child n = b;
	n.reqid = 11;
	n.spi_in = 0x4444;
	n.spi_out = 0x8888;
	id = 9;
	ck_assert_int_eq(fp_rekey(fp, &id, &n, 1, err), 0);
	ck_assert_int_eq(grep_count("ip xfrm policy", "reqid 7 mode"), 6);
	id = 7;
	ck_assert_int_eq(fp_delete(fp, &id, 1, err), 0);
	ck_assert_int_eq(grep_count("ip xfrm policy", "reqid 11 mode"), 6);
	id = 11;
	ck_assert_int_eq(fp_delete(fp, &id, 1, err), 0);
	ck_assert_int_eq(grep_count("ip xfrm policy", NULL), 0);
	ck_assert_int_eq(grep_count("ip xfrm state", NULL), 0);
	/* both in one call: the later one owns; the owner's delete hands
	 * back to the first */
	pair[0] = a;
	pair[1] = b;
	ck_assert_int_eq(fp_install(fp, pair, 2, err), 0);
	ck_assert_int_eq(grep_count("ip xfrm policy", "reqid 9 mode"), 6);
	id = 9;
	ck_assert_int_eq(fp_delete(fp, &id, 1, err), 0);
	ck_assert_int_eq(grep_count("ip xfrm policy", "reqid 7 mode"), 6);
	/* a newer one that fails (its inbound state collides with 7's):
	 * undone, 7's policies and template as they were */
	struct fp_child d = b;
	d.spi_in = a.spi_in;
	ck_assert_int_eq(fp_install(fp, &d, 1, err), 1);
	ck_assert_int_eq(err[0], -EEXIST);
	ck_assert_int_eq(grep_count("ip xfrm policy", "reqid 7 mode"), 6);
	ck_assert_int_eq(grep_count("ip xfrm policy", "dir "), 6);
	ck_assert_int_eq(fp_cleanup(fp), 0);
	ck_assert_int_eq(grep_count("ip xfrm policy", NULL), 0);
	ck_assert_int_eq(grep_count("ip xfrm state", NULL), 0);
	ck_assert_int_eq(grep_count("ip route show table 330", NULL), 0);
	fp_close(fp);
	printf("PASS-DETAIL shared_selectors\n");
}
END_TEST

static Suite *xfrm_suite(void)
{
	Suite *s = suite_create("kernel_xfrm");
	TCase *pure = tcase_create("pure");
	TCase *ns = tcase_create("netns");

	tcase_add_test(pure, alg_table);
	tcase_add_test(pure, ts_prefixes);
	tcase_add_test(pure, child_checks);
	tcase_set_timeout(ns, 60);
	tcase_add_test(ns, policies_routes_migrate);
	tcase_add_test(ns, flush_and_bypass);
	tcase_add_test(ns, install_clean_either_way);
	tcase_add_test(ns, shared_selectors);
	suite_add_tcase(s, pure);
	suite_add_tcase(s, ns);
	return s;
}

TCHECK_MAIN(xfrm_suite)
