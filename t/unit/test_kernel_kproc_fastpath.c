/* kernel/kproc: the fastpath requests (fastpath.start, child.install /
 * rekey / migrate / delete) served in a private network namespace.
 * Without ESP (this project's hosts) fastpath.start is refused with the
 * probe's "no ESP" line and ENOPROTOOPT; with ESP (inside UML,
 * IKESWARM_EXPECT_ESP=1 makes ESP required) a transport-mode AES-GCM
 * CHILD SA is installed, rekeyed, migrated and deleted, each checked in
 * the kernel, and what is left at SIGTERM is removed; then the same kinds
 * again in one child.batch, whose order per reqid must hold. */
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
#include <nng/protocol/reqrep0/req.h>
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

static json_t *batch_req(const char *op, int64_t id, const struct fp_child *c, uint32_t reqid)
{
	json_t *r = json_pack("{s:s,s:I}", "op", op, "id", (json_int_t)id);
	if (c)
		json_object_set_new(r, "child", fp_child_to_json(c));
	if (reqid)
		json_object_set_new(r, c ? "old_reqid" : "reqid", json_integer(reqid));
	return r;
}

/* Send one child.batch of reqs (stolen) on a fresh REQ socket; the answer. */
static json_t *batch_call(json_t *reqs)
{
	nng_socket s;
	json_t *m = msg_new("child.batch", 1), *a = NULL;
	const struct msg_type *t;
	char why[MSG_WHY_LEN];
	json_object_set_new(m, "reqs", reqs);
	ck_assert_int_eq(nng_req0_open(&s), 0);
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 10000);
	nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, MSG_MAX_SIZE);
	ck_assert_int_eq(nng_dial(s, url, NULL, 0), 0);
	ck_assert_int_eq(msg_send(s, m, 0), 0);
	ck_assert_int_eq(msg_recv(s, 0, &a, &t, why, sizeof(why)), 0);
	json_decref(m);
	nng_close(s);
	return a;
}

/* The errno the answer a gives request id (0: not in "failed"). */
static int batch_errno(const json_t *a, int64_t id)
{
	size_t i;
	json_t *pair;
	json_array_foreach(json_object_get(a, "failed"), i, pair)
		if (json_integer_value(json_array_get(pair, 0)) == id)
			return (int)json_integer_value(json_array_get(pair, 1));
	return 0;
}

/* One batch: install A and B, rekey A, delete B, install B again (a new
 * phase: B repeats), a bad op, a delete of nothing.  Each gets its own
 * errno, and the kernel shows the order was kept. */
static void batch_checks(struct fastpath *fp)
{
	struct fp_child a, b, a2, b2;
	child(&a, 0x10001, 0x3000, 0x31);
	child(&b, 0x10002, 0x3100, 0x32);
	child(&a2, a.reqid, 0x3200, 0x33);
	child(&b2, b.reqid, 0x3300, 0x34);
	ts1(&b.remote_ts[0], "127.0.0.5"); /* A's policies would collide */
	b2.remote_ts[0] = b.remote_ts[0];
	json_t *reqs = json_array();
	json_array_append_new(reqs, batch_req("install", 1, &a, 0));
	json_array_append_new(reqs, batch_req("install", 2, &b, 0));
	json_array_append_new(reqs, batch_req("rekey", 3, &a2, a.reqid));
	json_array_append_new(reqs, batch_req("delete", 4, NULL, b.reqid));
	json_array_append_new(reqs, batch_req("install", 5, &b2, 0));
	json_array_append_new(reqs, batch_req("nope", 6, NULL, 7));
	json_array_append_new(reqs, batch_req("delete", 7, NULL, 0x777));
	json_t *ans = batch_call(reqs);
	char *dump = json_dumps(ans, JSON_COMPACT);
	printf("batch answer: %s\n", dump);
	free(dump);
	ck_assert(json_is_true(json_object_get(ans, "ok")));
	ck_assert_int_eq(json_integer_value(json_object_get(ans, "done")), 5);
	for (int64_t id = 1; id <= 5; id++)
		ck_assert_int_eq(batch_errno(ans, id), 0);
	ck_assert_int_eq(batch_errno(ans, 6), EINVAL);
	ck_assert_int_eq(batch_errno(ans, 7), ENOENT);
	json_decref(ans);
	ck_assert(has_sa(fp, "127.0.0.1", 0x3200) && !has_sa(fp, "127.0.0.1", 0x3000));
	ck_assert(has_sa(fp, "127.0.0.1", 0x3300) && !has_sa(fp, "127.0.0.1", 0x3100));
	/* a move to the endpoints it has: nothing to do; to the same
	 * addresses with UDP encapsulation: deleted and added again with it
	 * (its SPIs and sequence numbers kept) */
	struct fp_endpoints same = a.ep, ports = b.ep;
	ports.local_port = ports.remote_port = 4500;
	reqs = json_array();
	json_t *r = batch_req("migrate", 1, NULL, a.reqid);
	json_object_set_new(r, "to", fp_endpoints_to_json(&same));
	json_array_append_new(reqs, r);
	r = batch_req("migrate", 2, NULL, b.reqid);
	json_object_set_new(r, "to", fp_endpoints_to_json(&ports));
	json_array_append_new(reqs, r);
	ans = batch_call(reqs);
	ck_assert_int_eq(batch_errno(ans, 1), 0);
	ck_assert_int_eq(batch_errno(ans, 2), 0);
	json_decref(ans);
	struct xfrm_sa_info info;
	ck_assert_int_eq(fp_sa_get(fp, &b.ep.remote, b2.spi_out, &info), 0);
	ck_assert_int_eq(info.encap_dport, 4500);
	/* and out again in one batch */
	reqs = json_array();
	json_array_append_new(reqs, batch_req("delete", 1, NULL, a.reqid));
	json_array_append_new(reqs, batch_req("delete", 2, NULL, b.reqid));
	ans = batch_call(reqs);
	ck_assert_int_eq(json_integer_value(json_object_get(ans, "done")), 2);
	json_decref(ans);
	ck_assert(!has_sa(fp, "127.0.0.1", 0x3200) && !has_sa(fp, "127.0.0.1", 0x3300));
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
	batch_checks(fp);
	/* one left at SIGTERM: removed by the kernel process */
	ck_assert_int_eq(call_child(k, "child.install", &c, 0, why, sizeof(why)), 0);
	ck_assert(has_sa(fp, "127.0.0.1", 0x1000));
	kproc_client_close(k);
	ck_assert_int_eq(stop(), 0);
	ck_assert(!has_sa(fp, "127.0.0.1", 0x1000) && !has_sa(fp, "127.0.0.2", 0x1001));
	fp_close(fp);
	printf("kproc fastpath: install, rekey, migrate, delete, batch, cleanup at SIGTERM\n");
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
