/* The delete + re-add of a MOBIKE move (kernel/xfrm_sa.h): the messages
 * byte by byte -- XFRM_MSG_GETAE, a NEWAE answer parsed into what a state
 * carries, a NEWSA carrying it (replay state with its bitmap, lifetime
 * counters, new encapsulation) -- and, in a private netns of this host
 * (XFRM without ESP), that the kernel takes the GETAE as asked and that
 * fp_migrate refuses what it must.  The moves with traffic are in
 * t/unit/test_kernel_xfrm_esp.c (xfrmlib-moves, run in UML). */
#include "t/unit/tcheck.h"
#include "kernel/fastpath.h"
#include "kernel/nl_pack.h"
#include "kernel/xfrm_sa.h"
#include "proto/ike_ids.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include <netlink/attr.h>

static struct ip_addr A(const char *s)
{
	struct ip_addr a;
	ck_assert_int_eq(ip_addr_parse(s, &a), 0);
	return a;
}

/* A GCM CHILD SA, ESN with a 128-packet window, on 4500 both ends. */
static struct fp_child sample(void)
{
	struct fp_child c;
	struct xfrm_alg_spec alg;

	memset(&c, 0, sizeof(c));
	c.reqid = 7;
	c.initiator = true;
	c.mode = FP_TUNNEL;
	c.ep.local = A("10.99.0.2");
	c.ep.remote = A("10.99.0.1");
	c.ep.local_port = 4500;
	c.ep.remote_port = 4501;
	c.spi_out = 0x1001;
	c.spi_in = 0x1002;
	c.encr_id = IKE_ENCR_AES_GCM_16;
	c.encr_keybits = 128;
	c.integ_id = IKE_INTEG_NONE;
	c.esn = true;
	c.replay_window = 128;
	c.n_local_ts = c.n_remote_ts = 1;
	c.local_ts[0] = (struct fp_ts){ A("10.10.1.1"), A("10.10.1.1"), 0, 0, 65535 };
	c.remote_ts[0] = (struct fp_ts){ A("10.10.2.1"), A("10.10.2.1"), 0, 0, 65535 };
	c.keymat_len = 40;
	for (unsigned i = 0; i < c.keymat_len; i++)
		c.keymat[i] = (uint8_t)(i + 1);
	ck_assert_int_eq(fp_child_check(&c, &alg), 0);
	return c;
}

/* A NEWAE answer as the kernel builds it (build_aevent): the id, the ESN
 * replay state with bmp_len words of bitmap (or the legacy one), and the
 * lifetime counters after a XFRMA_PAD (nla_put_64bit). */
static struct nl_msg *newae(bool esn, uint32_t bmp_len, bool with_ltime)
{
	struct nl_msg *m = nlmsg_alloc_simple(XFRM_MSG_NEWAE, 0);
	struct xfrm_aevent_id id;
	uint8_t buf[sizeof(struct xfrm_replay_state_esn) + 64 * 4];
	struct xfrm_replay_state_esn *r = (void *)buf;
	struct xfrm_lifetime_cur l = { .bytes = 123456, .packets = 789, .add_time = 1700000000,
				       .use_time = 1700000005 };

	ck_assert_ptr_nonnull(m);
	memset(&id, 0, sizeof(id));
	id.sa_id.spi = htonl(0x1001);
	id.sa_id.family = AF_INET;
	id.sa_id.proto = IPPROTO_ESP;
	ck_assert_int_eq(nlmsg_append(m, &id, sizeof(id), NLMSG_ALIGNTO), 0);
	memset(buf, 0, sizeof(buf));
	if (esn) {
		r->bmp_len = bmp_len;
		r->oseq = 0xfffffff0u;
		r->oseq_hi = 2;
		r->seq = 77;
		r->seq_hi = 1;
		r->replay_window = 128;
		for (uint32_t w = 0; w < bmp_len && w < 64; w++)
			r->bmp[w] = 0xa5a50000u + w;
		ck_assert_int_eq(nla_put(m, XFRMA_REPLAY_ESN_VAL,
					 (int)(sizeof(*r) + (bmp_len < 4 ? bmp_len : 4) * 4), r), 0);
	} else {
		struct xfrm_replay_state s = { .oseq = 41, .seq = 40, .bitmap = 0xfff };
		ck_assert_int_eq(nla_put(m, XFRMA_REPLAY_VAL, sizeof(s), &s), 0);
	}
	ck_assert_int_eq(nla_put(m, XFRMA_PAD, 0, NULL), 0);
	if (with_ltime)
		ck_assert_int_eq(nla_put(m, XFRMA_LTIME_VAL, sizeof(l), &l), 0);
	return m;
}

START_TEST(getae_bytes)
{
	struct nl_msg *m = NULL;
	struct ip_addr d = A("fd00:99::1");

	ck_assert_int_eq(xfrm_sa_build_getae(&d, 0xc0ffee01u, &m), 0);
	struct nlmsghdr *h = nlmsg_hdr(m);
	ck_assert_int_eq(h->nlmsg_type, XFRM_MSG_GETAE);
	ck_assert_int_eq(nlmsg_datalen(h), sizeof(struct xfrm_aevent_id));
	const struct xfrm_aevent_id *id = nlmsg_data(h);
	ck_assert_int_eq(ntohl(id->sa_id.spi), 0xc0ffee01u);
	ck_assert_int_eq(id->sa_id.family, AF_INET6);
	ck_assert_int_eq(id->sa_id.proto, IPPROTO_ESP);
	ck_assert_mem_eq(&id->sa_id.daddr, d.bytes, 16);
	nlmsg_free(m);
}
END_TEST

START_TEST(newae_parse)
{
	struct xfrm_sa_carry k;
	uint64_t oseq, seq;
	struct nl_msg *m = newae(true, 4, true);

	ck_assert_int_eq(xfrm_sa_parse_ae(nlmsg_hdr(m), &k), 0);
	ck_assert_int_eq(k.replay_type, XFRMA_REPLAY_ESN_VAL);
	ck_assert_int_eq(k.replay_len, sizeof(struct xfrm_replay_state_esn) + 16);
	const struct xfrm_replay_state_esn *r = (const void *)k.replay;
	ck_assert_uint_eq(r->bmp[3], 0xa5a50003u); /* the bitmap came along */
	ck_assert_uint_eq(k.lft.bytes, 123456);
	ck_assert_uint_eq(k.lft.add_time, 1700000000);
	xfrm_sa_carry_seq(&k, &oseq, &seq);
	ck_assert_uint_eq(oseq, 2ull << 32 | 0xfffffff0u);
	ck_assert_uint_eq(seq, 1ull << 32 | 77);
	nlmsg_free(m);

	m = newae(false, 0, true);
	ck_assert_int_eq(xfrm_sa_parse_ae(nlmsg_hdr(m), &k), 0);
	ck_assert_int_eq(k.replay_type, XFRMA_REPLAY_VAL);
	xfrm_sa_carry_seq(&k, &oseq, &seq);
	ck_assert_uint_eq(oseq, 41);
	ck_assert_uint_eq(seq, 40);
	nlmsg_free(m);

	/* a bitmap shorter than bmp_len says, no counters, a bmp_len past
	 * what any window here needs: refused */
	m = newae(true, 8, true);
	ck_assert_int_eq(xfrm_sa_parse_ae(nlmsg_hdr(m), &k), -EBADMSG);
	nlmsg_free(m);
	m = newae(true, 4, false);
	ck_assert_int_eq(xfrm_sa_parse_ae(nlmsg_hdr(m), &k), -EBADMSG);
	nlmsg_free(m);
	m = newae(true, 1000, true);
	ck_assert_int_eq(xfrm_sa_parse_ae(nlmsg_hdr(m), &k), -EBADMSG);
	nlmsg_free(m);
}
END_TEST

START_TEST(readd_bytes)
{
	struct fp_child c = sample();
	struct xfrm_alg_spec alg;
	struct xfrm_sa_carry k;
	struct nl_msg *ae = newae(true, 4, true), *m = NULL;
	struct nlattr *tb[XFRMA_MAX + 1];

	ck_assert_int_eq(fp_child_check(&c, &alg), 0);
	ck_assert_int_eq(xfrm_sa_parse_ae(nlmsg_hdr(ae), &k), 0);
	nlmsg_free(ae);
	/* moved: other ports, other address */
	c.ep.remote = A("10.99.0.9");
	c.ep.remote_port = 31000;
	ck_assert_int_eq(xfrm_sa_build_readd(&c, &alg, FP_OUT, &k, &m), 0);
	struct nlmsghdr *h = nlmsg_hdr(m);
	const struct xfrm_usersa_info *p = nlmsg_data(h);
	ck_assert_int_eq(h->nlmsg_type, XFRM_MSG_NEWSA);
	ck_assert_int_eq(ntohl(p->id.spi), 0x1001);
	ck_assert_mem_eq(&p->id.daddr, c.ep.remote.bytes, 4);
	ck_assert_int_eq(p->replay_window, 0); /* the ESN attribute holds it */
	ck_assert_int_eq(p->flags, XFRM_STATE_ESN | XFRM_STATE_AF_UNSPEC);
	ck_assert_int_eq(nlmsg_parse(h, sizeof(*p), tb, XFRMA_MAX, NULL), 0);
	ck_assert_ptr_nonnull(tb[XFRMA_ALG_AEAD]);
	/* the replay state exactly as read, the counters, the new ports */
	ck_assert_ptr_nonnull(tb[XFRMA_REPLAY_ESN_VAL]);
	ck_assert_int_eq(nla_len(tb[XFRMA_REPLAY_ESN_VAL]), k.replay_len);
	ck_assert_mem_eq(nla_data(tb[XFRMA_REPLAY_ESN_VAL]), k.replay, k.replay_len);
	ck_assert_ptr_nonnull(tb[XFRMA_LTIME_VAL]);
	ck_assert_mem_eq(nla_data(tb[XFRMA_LTIME_VAL]), &k.lft, sizeof(k.lft));
	const struct xfrm_encap_tmpl *e = nla_data(tb[XFRMA_ENCAP]);
	ck_assert_int_eq(ntohs(e->encap_sport), 4500);
	ck_assert_int_eq(ntohs(e->encap_dport), 31000);
	nlmsg_free(m);

	/* encapsulation dropped: no XFRMA_ENCAP */
	c.ep.local_port = c.ep.remote_port = 0;
	ck_assert_int_eq(xfrm_sa_build_readd(&c, &alg, FP_IN, &k, &m), 0);
	ck_assert_int_eq(nlmsg_parse(nlmsg_hdr(m), sizeof(*p), tb, XFRMA_MAX, NULL), 0);
	ck_assert_ptr_null(tb[XFRMA_ENCAP]);
	ck_assert_ptr_nonnull(tb[XFRMA_REPLAY_ESN_VAL]);
	nlmsg_free(m);

	/* a legacy replay state for an ESN state: refused, not mixed */
	ae = newae(false, 0, true);
	ck_assert_int_eq(xfrm_sa_parse_ae(nlmsg_hdr(ae), &k), 0);
	nlmsg_free(ae);
	ck_assert_int_eq(xfrm_sa_build_readd(&c, &alg, FP_OUT, &k, &m), -EINVAL);
	/* ... and right for a 32-packet window without ESN */
	c.esn = false;
	c.replay_window = 32;
	ck_assert_int_eq(xfrm_sa_build_readd(&c, &alg, FP_OUT, &k, &m), 0);
	p = nlmsg_data(nlmsg_hdr(m));
	ck_assert_int_eq(p->replay_window, 32);
	ck_assert_int_eq(nlmsg_parse(nlmsg_hdr(m), sizeof(*p), tb, XFRMA_MAX, NULL), 0);
	ck_assert_ptr_nonnull(tb[XFRMA_REPLAY_VAL]);
	ck_assert_ptr_null(tb[XFRMA_REPLAY_ESN_VAL]);
	nlmsg_free(m);
	/* transport mode keeps the selector family of its addresses */
	c.mode = FP_TRANSPORT;
	ck_assert_int_eq(xfrm_sa_build_add(&c, &alg, FP_OUT, &m), 0);
	p = nlmsg_data(nlmsg_hdr(m));
	ck_assert_int_eq(p->flags & XFRM_STATE_AF_UNSPEC, 0);
	nlmsg_free(m);
}
END_TEST

static int ae_reply(void *ctx, const struct nlmsghdr *h)
{
	return xfrm_sa_parse_ae(h, ctx);
}

/* The kernel reads our GETAE (no state: ESRCH, not EINVAL for a bad
 * message), and fp_migrate checks its requests before any message. */
START_TEST(kernel_takes_it)
{
	struct nl_pack *xp;
	struct nl_msg *m = NULL;
	struct xfrm_sa_carry k;
	struct fastpath *fp;
	struct ip_addr d = A("10.99.0.1");
	const char *fork_mode = getenv("CK_FORK");

	if (fork_mode && !strcmp(fork_mode, "no")) {
		printf("SKIP xfrm-readd-kernel: needs CK_FORK (it unshares the test's netns)\n");
		return;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		printf("SKIP xfrm-readd-kernel: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return;
	}
	ck_assert_int_eq(nlp_open(&xp, NETLINK_XFRM), 0);
	ck_assert_int_eq(xfrm_sa_build_getae(&d, 0x1001, &m), 0);
	ck_assert_int_eq(nlp_request(xp, m, ae_reply, &k), -ESRCH);
	nlmsg_free(m);
	nlp_close(xp);

	ck_assert_int_eq(fp_open(&fp), 0);
	uint32_t reqid = 7;
	struct fp_endpoints to = { A("10.99.0.2"), A("10.99.0.1"), 4500, 4500 };
	int err = 0;
	ck_assert_int_eq(fp_migrate(fp, &reqid, &to, 1, &err), 1);
	ck_assert_int_eq(err, -ENOENT);
	fp_close(fp);
}
END_TEST

static Suite *readd_suite(void)
{
	Suite *s = suite_create("kernel_xfrm_readd");
	TCase *tc = tcase_create("readd");

	tcase_add_test(tc, getae_bytes);
	tcase_add_test(tc, newae_parse);
	tcase_add_test(tc, readd_bytes);
	tcase_add_test(tc, kernel_takes_it);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(readd_suite)
