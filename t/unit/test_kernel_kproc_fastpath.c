/* kernel/kproc: the fastpath requests (fastpath.start, child.install /
 * rekey / migrate / delete) served in a private network namespace.
 * Without ESP (this project's hosts) fastpath.start is refused with the
 * probe's "no ESP" line and ENOPROTOOPT; with ESP (inside UML,
 * IKESWARM_EXPECT_ESP=1 makes ESP required) a transport-mode AES-GCM
 * CHILD SA is installed, rekeyed, migrated and deleted, each checked in
 * the kernel, and what is left at SIGTERM is removed. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel/child_json.h"
#include "kernel/fastpath.h"
#include "kernel/kproc.h"
#include "kernel/xfrm_probe.h"
#include "lib/msg.h"
#include "proto/ike_ids.h"
#include "t/unit/tcheck.h"
#include "t/unit/tkproc.h"

static void ts1(struct fp_ts *t, const char *a)
{
	memset(t, 0, sizeof(*t));
	ck_assert_int_eq(ip_addr_parse(a, &t->start), 0);
	t->end = t->start;
	t->port_end = 65535;
}

/* Transport mode, 127.0.0.1 <-> 127.0.0.2, AES-GCM-16-128. */
static void child(struct fp_child *c, uint32_t reqid, uint32_t spi, uint8_t key)
{
	memset(c, 0, sizeof(*c));
	c->reqid = reqid;
	c->initiator = true;
	c->mode = FP_TRANSPORT;
	ck_assert_int_eq(ip_addr_parse("127.0.0.1", &c->ep.local), 0);
	ck_assert_int_eq(ip_addr_parse("127.0.0.2", &c->ep.remote), 0);
	c->spi_in = spi;
	c->spi_out = spi + 1;
	c->encr_id = IKE_ENCR_AES_GCM_16;
	c->encr_keybits = 128;
	c->integ_id = IKE_INTEG_NONE;
	c->replay_window = 32;
	c->n_local_ts = c->n_remote_ts = 1;
	ts1(&c->local_ts[0], "127.0.0.1");
	ts1(&c->remote_ts[0], "127.0.0.2");
	c->keymat_len = 40;
	memset(c->keymat, key, c->keymat_len);
}

static int call_child(struct kproc_client *k, const char *type, const struct fp_child *c,
		      uint32_t old_reqid, char *why, size_t len)
{
	json_t *m = msg_new(type, 0);
	json_object_set_new(m, "child", fp_child_to_json(c));
	if (old_reqid)
		json_object_set_new(m, "old_reqid", json_integer(old_reqid));
	return kproc_call(k, m, why, len);
}

static int call_reqid(struct kproc_client *k, const char *type, uint32_t reqid, json_t *to,
		      char *why, size_t len)
{
	json_t *m = msg_new(type, 0);
	json_object_set_new(m, "reqid", json_integer(reqid));
	if (to)
		json_object_set_new(m, "to", to);
	return kproc_call(k, m, why, len);
}

/* Is there an ESP state dst/spi in this netns? */
static bool has_sa(struct fastpath *fp, const char *dst, uint32_t spi)
{
	struct ip_addr d;
	struct xfrm_sa_info info;
	ck_assert_int_eq(ip_addr_parse(dst, &d), 0);
	int rc = fp_sa_get(fp, &d, spi, &info);
	ck_assert(rc == 0 || rc == -ESRCH);
	return rc == 0;
}

START_TEST(test_kproc_fastpath)
{
	if (!start("test_kproc_fastpath"))
		return;
	const char *expect = getenv("IKESWARM_EXPECT_ESP");
	struct kproc_client *k;
	struct fp_child c;
	char why[200] = "", pwhy[200] = "";
	ck_assert_int_eq(kproc_client_open(&k, url, 10000), 0);
	child(&c, 0x9e3779b1u, 0x1000, 0x11);
	/* nothing before fastpath.start */
	ck_assert_int_eq(call_child(k, "child.install", &c, 0, why, sizeof(why)), -ENOTCONN);
	int esp = xfrm_probe_esp(pwhy, sizeof(pwhy));
	json_t *st = msg_new("fastpath.start", 0);
	json_object_set_new(st, "flush", json_true());
	int rc = kproc_call(k, st, why, sizeof(why));
	printf("kproc fastpath.start: %d %s\n", rc, rc ? why : "ok");
	if (esp != 1) {
		ck_assert_msg(!expect || strcmp(expect, "1"), "no ESP here: %s", pwhy);
		ck_assert_int_eq(rc, -ENOPROTOOPT);
		ck_assert_ptr_nonnull(strstr(why, "installfastpath"));
		ck_assert_str_eq(why, pwhy);
		kproc_client_close(k);
		ck_assert_int_eq(stop(), 0);
		return;
	}
	ck_assert_int_eq(rc, 0);
	struct fastpath *fp;
	ck_assert_int_eq(fp_open(&fp), 0);
	/* install: both states; again: EEXIST; a bad request: its reason */
	ck_assert_int_eq(call_child(k, "child.install", &c, 0, why, sizeof(why)), 0);
	ck_assert(has_sa(fp, "127.0.0.1", 0x1000) && has_sa(fp, "127.0.0.2", 0x1001));
	ck_assert_int_eq(call_child(k, "child.install", &c, 0, why, sizeof(why)), -EEXIST);
	json_t *bad = msg_new("child.install", 0);
	json_object_set_new(bad, "child", json_pack("{s:i}", "reqid", 5));
	ck_assert_int_lt(kproc_call(k, bad, why, sizeof(why)), 0);
	/* rekey: new SPIs in, old out; same reqid */
	struct fp_child n;
	child(&n, c.reqid, 0x2000, 0x22);
	ck_assert_int_eq(call_child(k, "child.rekey", &n, c.reqid, why, sizeof(why)), 0);
	ck_assert(has_sa(fp, "127.0.0.1", 0x2000) && has_sa(fp, "127.0.0.2", 0x2001));
	ck_assert(!has_sa(fp, "127.0.0.1", 0x1000) && !has_sa(fp, "127.0.0.2", 0x1001));
	/* migrate: the remote side moves to 127.0.0.3 */
	struct fp_endpoints to = n.ep;
	ck_assert_int_eq(ip_addr_parse("127.0.0.3", &to.remote), 0);
	ck_assert_int_eq(call_reqid(k, "child.migrate", n.reqid, fp_endpoints_to_json(&to), why,
				    sizeof(why)), 0);
	ck_assert(has_sa(fp, "127.0.0.3", 0x2001) && !has_sa(fp, "127.0.0.2", 0x2001));
	/* delete; again: ENOENT */
	ck_assert_int_eq(call_reqid(k, "child.delete", n.reqid, NULL, why, sizeof(why)), 0);
	ck_assert(!has_sa(fp, "127.0.0.1", 0x2000) && !has_sa(fp, "127.0.0.3", 0x2001));
	ck_assert_int_eq(call_reqid(k, "child.delete", n.reqid, NULL, why, sizeof(why)),
			 -ENOENT);
	/* one left at SIGTERM: removed by the kernel process */
	ck_assert_int_eq(call_child(k, "child.install", &c, 0, why, sizeof(why)), 0);
	ck_assert(has_sa(fp, "127.0.0.1", 0x1000));
	kproc_client_close(k);
	ck_assert_int_eq(stop(), 0);
	ck_assert(!has_sa(fp, "127.0.0.1", 0x1000) && !has_sa(fp, "127.0.0.2", 0x1001));
	fp_close(fp);
	printf("kproc fastpath: install, rekey, migrate, delete, cleanup at SIGTERM\n");
}
END_TEST

static Suite *kproc_fastpath_suite(void)
{
	Suite *s = suite_create("kernel_kproc_fastpath");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_kproc_fastpath);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(kproc_fastpath_suite)
