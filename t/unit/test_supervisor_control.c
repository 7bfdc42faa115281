/* The control socket and `ikeswarm cli`: a server on an ipc:// path in a
 * private temp folder, run by a thread with its own epoll loop (as the
 * supervisor will), with fake handlers; the cli's one-shot and shell modes
 * and raw nng clients (like nngcat) talk to it, bad requests included. */
#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "t/unit/tcheck.h"
#include "lib/msg.h"
#include "supervisor/cmd.h"
#include "supervisor/control.h"
#include <nng/protocol/reqrep0/req.h>

static char dir[64], sock_path[128], url[160];

struct server {
	struct control *ctl;
	int stopfd;
	pthread_t th;
	atomic_int calls;       /* handler calls */
	atomic_int graceful;    /* from stop: -1 none, 0, 1 */
	int hold;               /* answer dumps once this many are held */
	atomic_bool close_on_stop;/* the loop closes the socket right after "stop" */
	struct control_req *held[8];
	int nheld;
};

static struct server srv;

static void on_summary(void *arg, struct control_req *rq, const json_t *req)
{
	struct server *s = arg;
	(void)req;
	s->calls++;
	control_reply(rq, json_pack("{s:i, s:i}", "configured", 10, "established", 3));
}

static void on_list(void *arg, struct control_req *rq, const json_t *req)
{
	struct server *s = arg;
	s->calls++;
	json_t *body = json_pack("{s:[]}", "sas");
	json_t *v;
	if ((v = json_object_get(req, "start")))
		json_object_set(body, "start", v);
	if ((v = json_object_get(req, "len")))
		json_object_set(body, "len", v);
	control_reply(rq, body);
}

/* Deferred, like a command the supervisor forwards to a worker. */
static void on_dump(void *arg, struct control_req *rq, const json_t *req)
{
	struct server *s = arg;
	(void)req;
	s->calls++;
	s->held[s->nheld++] = rq;
}

static void on_rekeychild(void *arg, struct control_req *rq, const json_t *req)
{
	struct server *s = arg;
	s->calls++;
	control_fail(rq, "no CHILD SA with SPI %s", json_string_value(json_object_get(req, "spi")));
}

static void on_stop(void *arg, struct control_req *rq, const json_t *req)
{
	struct server *s = arg;
	s->calls++;
	json_t *g = json_object_get(req, "graceful");
	s->graceful = g ? json_is_true(g) : 1;
	/* a handler's body cannot overwrite the envelope */
	control_reply(rq, json_pack("{s:s, s:b, s:s}", "type", "bogus", "ok", 0, "stopping", "yes"));
}

static void answer_held(struct server *s)
{
	/* newest first: replies must find their own clients in any order */
	while (s->nheld > 0) {
		struct control_req *rq = s->held[--s->nheld];
		char cmd[16];
		snprintf(cmd, sizeof(cmd), "%s", control_req_cmd(rq));
		int rc = control_reply(rq, json_pack("{s:s, s:I}", "cmd_was", cmd, "req_id",
						     (json_int_t)control_req_id(rq)));
		ck_assert_int_eq(rc, 0);
	}
}

static void *serve(void *arg)
{
	struct server *s = arg;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event e = { .events = EPOLLIN, .data.u32 = 1 };
	epoll_ctl(ep, EPOLL_CTL_ADD, control_fd(s->ctl), &e);
	e.data.u32 = 2;
	epoll_ctl(ep, EPOLL_CTL_ADD, s->stopfd, &e);
	for (;;) {
		struct epoll_event ev[2];
		int n = epoll_wait(ep, ev, 2, 1000);
		bool stop = false;
		for (int i = 0; i < n; i++) {
			if (ev[i].data.u32 == 2)
				stop = true;
			else if (control_handle(s->ctl) < 0)
				stop = true;
		}
		if (s->nheld >= s->hold)
			answer_held(s);
		if (s->close_on_stop && s->graceful != -1) {
			control_close(s->ctl); /* as the supervisor will, at the end */
			s->ctl = NULL;
			stop = true;
		}
		if (stop)
			break;
	}
	close(ep);
	return NULL;
}

static void start_server(int hold)
{
	memset(&srv, 0, sizeof(srv));
	srv.graceful = -1;
	srv.hold = hold;
	ck_assert_int_eq(control_open(&srv.ctl, url), 0);
	ck_assert_int_eq(control_on(srv.ctl, "summary", on_summary, &srv), 0);
	ck_assert_int_eq(control_on(srv.ctl, "list", on_list, &srv), 0);
	ck_assert_int_eq(control_on(srv.ctl, "dump", on_dump, &srv), 0);
	ck_assert_int_eq(control_on(srv.ctl, "rekeychild", on_rekeychild, &srv), 0);
	ck_assert_int_eq(control_on(srv.ctl, "stop", on_stop, &srv), 0);
	ck_assert_int_eq(control_on(srv.ctl, "reply", on_stop, &srv), -EINVAL);
	ck_assert_int_eq(control_on(srv.ctl, "nosuch", on_stop, &srv), -EINVAL);
	srv.stopfd = eventfd(0, EFD_CLOEXEC);
	ck_assert_int_eq(pthread_create(&srv.th, NULL, serve, &srv), 0);
}

static void stop_server(struct control_stats *st)
{
	uint64_t one = 1;
	ck_assert_int_eq(write(srv.stopfd, &one, sizeof(one)), sizeof(one));
	pthread_join(srv.th, NULL);
	close(srv.stopfd);
	if (srv.ctl) {
		if (st)
			control_stats(srv.ctl, st);
		ck_assert_uint_eq(control_pending(srv.ctl), 0);
		control_close(srv.ctl);
	}
	ck_assert_int_eq(access(sock_path, F_OK), -1); /* nng removed the ipc file */
}

static void make_dir(void)
{
	strcpy(dir, "/tmp/ikeswarm-ctl.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(sock_path, sizeof(sock_path), "%s/ctl.sock", dir);
	snprintf(url, sizeof(url), "ipc://%s", sock_path);
}

static void remove_dir(void)
{
	unlink(sock_path);
	rmdir(dir);
}

/* Run the cli with argv (NULL-terminated after "cli"); captures output. */
struct run {
	int rc;
	char *out, *err;
	json_t *json; /* out parsed, one-shot mode */
};

static struct run cli(const char *input, ...)
{
	char *argv[24] = { "cli", "--svr", url, "--timeout", "2" };
	int argc = 5;
	va_list ap;
	va_start(ap, input);
	for (char *a; (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);
	struct run r = { 0 };
	size_t lo, le;
	FILE *out = open_memstream(&r.out, &lo), *err = open_memstream(&r.err, &le);
	FILE *in = fmemopen((void *)(input ? input : ""), input ? strlen(input) + 1 : 1, "r");
	r.rc = cli_main(argc, argv, in, out, err);
	fclose(in);
	fclose(out);
	fclose(err);
	r.json = json_loads(r.out, JSON_DISABLE_EOF_CHECK, NULL);
	return r;
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	json_decref(r->json);
}

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static json_int_t jint(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

START_TEST(one_shot_commands)
{
	start_server(1);
	struct run r = cli(NULL, "summary", NULL);
	ck_assert_msg(r.rc == 0, "rc %d: %s", r.rc, r.err);
	ck_assert_ptr_nonnull(r.json);
	ck_assert_str_eq(jstr(r.json, "type"), "reply");
	ck_assert(json_is_true(json_object_get(r.json, "ok")));
	ck_assert_int_eq(jint(r.json, "configured"), 10);
	ck_assert_ptr_eq(strchr(r.out, '\n'), r.out + strlen(r.out) - 1); /* one line */
	run_free(&r);

	r = cli(NULL, "list", "5", "2", NULL);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_int_eq(jint(r.json, "start"), 5);
	ck_assert_int_eq(jint(r.json, "len"), 2);
	run_free(&r);
	r = cli(NULL, "list", NULL);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_ptr_null(json_object_get(r.json, "start"));
	run_free(&r);

	r = cli(NULL, "dump", "5dfa8ef4cd3fe5f8", NULL); /* answered later by the loop */
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(jstr(r.json, "cmd_was"), "dump");
	run_free(&r);

	r = cli(NULL, "stop", "now", NULL);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_str_eq(jstr(r.json, "type"), "reply");
	ck_assert(json_is_true(json_object_get(r.json, "ok")));
	ck_assert_str_eq(jstr(r.json, "stopping"), "yes");
	ck_assert_int_eq(srv.graceful, 0);
	run_free(&r);
	r = cli(NULL, "stop", "graceful", NULL);
	ck_assert_int_eq(srv.graceful, 1);
	run_free(&r);

	struct control_stats st;
	stop_server(&st);
	ck_assert_uint_eq(st.requests, 6);
	ck_assert_uint_eq(st.replied, 6);
	ck_assert_uint_eq(st.rejected, 0);
}
END_TEST

START_TEST(error_replies_exit_1)
{
	start_server(1);
	struct run r = cli(NULL, "rekeychild", "c1a2b3c4", NULL);
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(jstr(r.json, "type"), "error");
	ck_assert(json_is_false(json_object_get(r.json, "ok")));
	ck_assert_str_eq(jstr(r.json, "error"), "no CHILD SA with SPI c1a2b3c4");
	run_free(&r);
	r = cli(NULL, "log", "3", "mobike", NULL); /* a command with no handler */
	ck_assert_int_eq(r.rc, 1);
	ck_assert_str_eq(jstr(r.json, "error"), "command 'log' is not available in this run");
	run_free(&r);
	ck_assert_int_eq(srv.calls, 1);
	stop_server(NULL);
}
END_TEST

/* Usage errors are caught before anything is sent. */
START_TEST(usage_errors_exit_2)
{
	start_server(1);
	static const char *const cases[][4] = {
		{ "dump" }, { "dump", "xyz" }, { "dump", "0" }, { "dumpchild", "5dfa8ef4cd" },
		{ "list", "1", "2", "3" }, { "list", "-1" }, { "list", "ten" },
		{ "log", "9" }, { "stop", "maybe" }, { "nosuch" }, { "reply" },
		{ "subscribe", "9" }, { "filter" }, { "events", "--level", "7" },
		{ "events", "--count", "0" }, { "events", "--for" }, { "events", "--what", "x" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run r = cli(NULL, cases[i][0], cases[i][1], cases[i][2], cases[i][3], NULL);
		ck_assert_msg(r.rc == 2, "%s: rc %d", cases[i][0], r.rc);
		ck_assert_msg(strncmp(r.err, "ikeswarm cli: ", 14) == 0, "%s: '%s'", cases[i][0],
			      r.err);
		ck_assert_str_eq(r.out, "");
		run_free(&r);
	}
	FILE *null = fopen("/dev/null", "w");
	char *argv[] = { "cli", "--bogus", NULL };
	ck_assert_int_eq(cli_main(2, argv, stdin, null, null), 2);
	char *argv2[] = { "cli", "--timeout", "0", "summary", NULL };
	ck_assert_int_eq(cli_main(4, argv2, stdin, null, null), 2);
	fclose(null);
	struct control_stats st;
	stop_server(&st);
	ck_assert_uint_eq(st.requests, 0);
}
END_TEST

/* Requests straight from an nng REQ socket, as nngcat or pynng send them:
 * each bad one gets an error reply and reaches no handler. */
START_TEST(bad_requests_change_nothing)
{
	static const struct {
		const char *req, *error;
	} cases[] = {
		{ "summary", "not JSON" },
		{ "", "not JSON" },
		{ "[\"summary\"]", "not a JSON object" },
		{ "{}", "'cmd' missing or not a string" },
		{ "{\"type\":\"summary\"}", "'cmd' missing or not a string" },
		{ "{\"cmd\":\"reboot\"}", "unknown command 'reboot'" },
		{ "{\"cmd\":\"reply\",\"ok\":true}", "unknown command 'reply'" },
		{ "{\"cmd\":\"stop\",\"graceful\":\"yes\"}", "stop: key 'graceful' must be true or false" },
		{ "{\"cmd\":\"list\",\"lenght\":3}", "list: unknown key 'lenght'" },
		{ "{\"cmd\":\"dump\",\"id\":77}", "dump: missing key 'spi'" },
		{ "{\"cmd\":\"summary\",\"id\":-2}", "summary: 'id' must be an integer >= 0" },
	};
	start_server(1);
	nng_socket s;
	ck_assert_int_eq(nng_req0_open(&s), 0);
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 2000);
	ck_assert_int_eq(nng_dial(s, url, NULL, 0), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(nng_send(s, (void *)cases[i].req, strlen(cases[i].req), 0), 0);
		json_t *m;
		const struct msg_type *t;
		char why[MSG_WHY_LEN];
		ck_assert_int_eq(msg_recv(s, 0, &m, &t, why, sizeof(why)), 0);
		ck_assert_str_eq(t->name, "error");
		ck_assert_msg(strstr(jstr(m, "error"), cases[i].error), "%s: got '%s'",
			      cases[i].req, jstr(m, "error"));
		if (strstr(cases[i].req, "\"id\":77"))
			ck_assert_int_eq(msg_id(m), 77);
		json_decref(m);
	}
	/* and a good one with an id, answered with the same id */
	const char *good = "{\"cmd\":\"summary\",\"id\":4242}";
	ck_assert_int_eq(nng_send(s, (void *)good, strlen(good), 0), 0);
	json_t *m;
	const struct msg_type *t;
	char why[MSG_WHY_LEN];
	ck_assert_int_eq(msg_recv(s, 0, &m, &t, why, sizeof(why)), 0);
	ck_assert_str_eq(t->name, "reply");
	ck_assert_int_eq(msg_id(m), 4242);
	json_decref(m);
	nng_close(s);
	ck_assert_int_eq(srv.calls, 1);
	ck_assert_int_eq(srv.graceful, -1);
	struct control_stats st;
	stop_server(&st);
	ck_assert_uint_eq(st.rejected, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

/* Three clients wait at once; the loop holds their requests and answers in
 * reverse order; each gets its own answer. */
START_TEST(deferred_replies_route_by_request)
{
	enum { N = 3 };
	start_server(N);
	nng_socket s[N];
	for (int i = 0; i < N; i++) {
		ck_assert_int_eq(nng_req0_open(&s[i]), 0);
		nng_socket_set_ms(s[i], NNG_OPT_RECVTIMEO, 3000);
		ck_assert_int_eq(nng_dial(s[i], url, NULL, 0), 0);
		char req[80];
		snprintf(req, sizeof(req), "{\"cmd\":\"dump\",\"id\":%d,\"spi\":\"%x\"}", 100 + i,
			 i + 1);
		ck_assert_int_eq(nng_send(s[i], req, strlen(req), 0), 0);
	}
	for (int i = 0; i < N; i++) {
		json_t *m;
		const struct msg_type *t;
		char why[MSG_WHY_LEN];
		ck_assert_int_eq(msg_recv(s[i], 0, &m, &t, why, sizeof(why)), 0);
		ck_assert_int_eq(msg_id(m), 100 + i);
		ck_assert_int_eq(jint(m, "req_id"), 100 + i);
		json_decref(m);
		nng_close(s[i]);
	}
	stop_server(NULL);
}
END_TEST

START_TEST(shell_reads_commands)
{
	start_server(1);
	struct run r = cli("summary\n\n# a comment\nlist 1 2\nbogus\nrekeychild 1f\nhelp\nquit\n"
			   "summary\n", NULL);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "\"configured\": 10"));
	ck_assert_ptr_nonnull(strstr(r.out, "\"len\": 2"));
	ck_assert_ptr_nonnull(strstr(r.out, "error: no CHILD SA with SPI 1f\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "rekeychild CHILD-SPI"));
	ck_assert_ptr_nonnull(strstr(r.err, "unknown command 'bogus'"));
	ck_assert_ptr_null(strstr(r.out, "ikeswarm> ")); /* no prompt when not a tty */
	run_free(&r);
	struct control_stats st;
	stop_server(&st);
	ck_assert_uint_eq(st.requests, 3); /* nothing after quit */
}
END_TEST

/* The answer to "stop" reaches the client although the server closes the
 * socket right after sending it (nng does not linger on close). */
START_TEST(stop_reply_survives_close)
{
	start_server(1);
	srv.close_on_stop = true;
	struct run r = cli(NULL, "stop", NULL);
	ck_assert_msg(r.rc == 0, "rc %d: %s", r.rc, r.err);
	ck_assert_str_eq(jstr(r.json, "stopping"), "yes");
	run_free(&r);
	stop_server(NULL);
}
END_TEST

START_TEST(no_server_exits_3)
{
	/* an ipc path where nothing listens: at once, with the reason */
	struct run r = cli(NULL, "summary", NULL);
	ck_assert_int_eq(r.rc, 3);
	ck_assert_ptr_nonnull(strstr(r.err, "No such file or directory"));
	run_free(&r);
	/* a TCP port where nothing listens: bounded by --timeout */
	char *argv[] = { "cli", "--svr", "127.0.0.1:1", "--timeout", "0.3", "uptime", NULL };
	char *out, *err;
	size_t lo, le;
	FILE *o = open_memstream(&out, &lo), *e = open_memstream(&err, &le);
	ck_assert_int_eq(cli_main(6, argv, stdin, o, e), 3);
	fclose(o);
	fclose(e);
	ck_assert_str_eq(out, "");
	ck_assert_ptr_nonnull(strstr(err, "no answer from tcp://127.0.0.1:1 within 0.3 s"));
	free(out);
	free(err);
	/* bare hosts get port 12330; IPv6 in brackets */
	static const char *const svr[][2] = {
		{ "::1", "tcp://[::1]:12330" }, { "[::1]:1", "tcp://[::1]:1" },
		{ "127.0.0.1", "tcp://127.0.0.1:12330" },
	};
	for (size_t i = 0; i < sizeof(svr) / sizeof(svr[0]); i++) {
		char *a[] = { "cli", "--svr", (char *)svr[i][0], "--timeout", "0.1", "uptime", NULL };
		o = open_memstream(&out, &lo);
		e = open_memstream(&err, &le);
		int rc = cli_main(6, a, stdin, o, e);
		fclose(o);
		fclose(e);
		/* 3 with nothing listening; a run on this host's 12330 would answer */
		ck_assert_msg(rc == 3 || rc == 0 || rc == 1, "%s: rc %d", svr[i][0], rc);
		if (rc == 3)
			ck_assert_msg(strstr(err, svr[i][1]), "%s: %s", svr[i][0], err);
		free(out);
		free(err);
	}
}
END_TEST

START_TEST(urls)
{
	char buf[64];
	ck_assert_int_eq(control_url(buf, sizeof(buf), "127.0.0.1", 12330), 0);
	ck_assert_str_eq(buf, "tcp://127.0.0.1:12330");
	ck_assert_int_eq(control_url(buf, sizeof(buf), "::1", 80), 0);
	ck_assert_str_eq(buf, "tcp://[::1]:80");
	ck_assert_int_eq(control_url(buf, sizeof(buf), "localhost", 80), -EINVAL);
	ck_assert_int_eq(control_url(buf, sizeof(buf), "::1", 0), -EINVAL);
	ck_assert_int_eq(control_url(buf, 8, "127.0.0.1", 1), -ENOSPC);
	struct control *c;
	ck_assert_int_lt(control_open(&c, "bogus://x"), 0);
	ck_assert_ptr_null(c);
}
END_TEST

static Suite *control_suite(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("control");
	tcase_add_unchecked_fixture(tc, make_dir, remove_dir);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, one_shot_commands);
	tcase_add_test(tc, error_replies_exit_1);
	tcase_add_test(tc, usage_errors_exit_2);
	tcase_add_test(tc, bad_requests_change_nothing);
	tcase_add_test(tc, deferred_replies_route_by_request);
	tcase_add_test(tc, shell_reads_commands);
	tcase_add_test(tc, stop_reply_survives_close);
	tcase_add_test(tc, no_server_exits_3);
	tcase_add_test(tc, urls);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(control_suite)
