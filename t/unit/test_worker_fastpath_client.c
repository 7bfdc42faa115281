/* worker/fastpath_client: the kernel-process backend's protocol against a
 * stand-in kernel process (a forked REP server, no netlink): the first
 * batch starts with the worker's purge, each request's answer reaches
 * fpc_answer() by its id (a refused install is counted as failed, the
 * others not), and fpc_close() sends what is still queued.  Without an
 * engine loop the backend sends each request at once and waits. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>

#include "kernel/child_sa.h"
#include "lib/msg.h"
#include "t/unit/tcheck.h"
#include "worker/fastpath_client.h"

#define BAD_REQID 666u

static char dir[64], url[128];

/* The stand-in: answers child.batch messages, failing with EEXIST every
 * request naming BAD_REQID; refuses a first batch that does not start
 * with {"op":"purge","worker":3}.  Writes "op:reqid" lines to log. */
static void serve(FILE *log, int nmsgs)
{
	nng_socket s;
	if (nng_rep0_open(&s) || nng_listen(s, url, NULL, 0))
		_exit(2);
	nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, MSG_MAX_SIZE);
	for (int k = 0; k < nmsgs; k++) {
		json_t *m;
		const struct msg_type *t;
		char why[MSG_WHY_LEN];
		if (msg_recv(s, 0, &m, &t, why, sizeof(why)) < 0)
			_exit(3);
		json_t *reqs = json_object_get(m, "reqs"), *r, *failed = json_array();
		size_t i;
		bool ok = strcmp(t->name, "child.batch") == 0;
		json_array_foreach(reqs, i, r) {
			const char *op = json_string_value(json_object_get(r, "op"));
			json_int_t reqid = json_integer_value(json_object_get(r, "reqid"));
			const json_t *c = json_object_get(r, "child");
			if (c)
				reqid = json_integer_value(json_object_get(c, "reqid"));
			if (k == 0 && i == 0)
				ok = ok && !strcmp(op, "purge") &&
				     json_integer_value(json_object_get(r, "worker")) == 3;
			fprintf(log, "%s:%lld\n", op, (long long)reqid);
			if (reqid == BAD_REQID)
				json_array_append_new(failed, json_pack("[Ii]",
					json_integer_value(json_object_get(r, "id")), EEXIST));
		}
		json_t *a = ok ? msg_reply(msg_id(m)) : msg_error(msg_id(m), "bad first batch");
		json_object_set_new(a, "failed", failed);
		msg_send(s, a, 0);
		json_decref(a);
		json_decref(m);
		fflush(log);
	}
	usleep(100 * 1000); /* the last answer leaves */
	nng_close(s);
}

static void child(struct fp_child *c, uint32_t reqid)
{
	memset(c, 0, sizeof(*c));
	c->reqid = reqid;
	c->mode = FP_TUNNEL;
	ip_addr_parse("10.0.0.1", &c->ep.local);
	ip_addr_parse("10.0.0.2", &c->ep.remote);
	c->spi_in = 0x1000 + reqid;
	c->spi_out = 0x2000 + reqid;
	c->n_local_ts = c->n_remote_ts = 1;
	c->keymat_len = 4;
}

START_TEST(batches_and_answers)
{
	char logpath[96], line[64], all[512] = "";
	snprintf(dir, sizeof(dir), "/tmp/iks-fpc-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(url, sizeof(url), "ipc://%s/k", dir);
	snprintf(logpath, sizeof(logpath), "%s/log", dir);
	FILE *log = fopen(logpath, "w+");
	ck_assert_ptr_nonnull(log);
	/* messages (each request sent at once: no loop): purge + install 5
	 * (the purge queued at open goes with the first), install 666,
	 * delete 5, delete 666 */
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		serve(log, 4);
		_exit(0);
	}
	struct fpc *f;
	ck_assert_int_eq(fpc_kproc_open(&f, url, 3), 0);
	struct fp_child c;
	struct fpc_note n = { .op = FPC_INSTALL, .tunnel = 0 };
	child(&c, 5);
	n.reqid = 5;
	ck_assert_int_eq(f->ops->install(f, &n, &c), 0);
	ck_assert_uint_eq(f->stats.failed, 0);
	child(&c, BAD_REQID);
	n.reqid = BAD_REQID;
	ck_assert_int_eq(f->ops->install(f, &n, &c), 0);
	ck_assert_uint_eq(f->stats.failed, 1); /* answered by its id: EEXIST */
	n.op = FPC_DELETE;
	n.reqid = 5;
	ck_assert_int_eq(f->ops->del(f, &n), 0);
	ck_assert_uint_eq(f->stats.failed, 1);
	ck_assert_uint_eq(f->stats.batches, 3);
	n.reqid = BAD_REQID;
	ck_assert_int_eq(f->ops->del(f, &n), 0); /* "failed" too: counted */
	ck_assert_uint_eq(f->stats.reqs, 5);
	ck_assert_uint_eq(f->stats.failed, 2);
	ck_assert_uint_eq(f->stats.lost, 0);
	fpc_close(f);
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "stand-in exit %d", st);
	rewind(log);
	while (fgets(line, sizeof(line), log))
		strncat(all, line, sizeof(all) - strlen(all) - 1);
	fclose(log);
	ck_assert_str_eq(all, "purge:0\ninstall:5\ninstall:666\ndelete:5\ndelete:666\n");
	unlink(logpath);
	char p[96];
	snprintf(p, sizeof(p), "%s/k", dir);
	unlink(p);
	rmdir(dir);
}
END_TEST

static Suite *fpc_suite(void)
{
	Suite *s = suite_create("worker_fastpath_client");
	TCase *tc = tcase_create("kproc");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, batches_and_answers);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(fpc_suite)
