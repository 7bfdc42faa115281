/* Event batches from a worker to the supervisor: records made by
 * worker/wevents.c parse back (sup_events_parse) into the same log line;
 * filters by level and keyword; a batch is one "events" message that
 * passes the message table; a peer that does not read makes events drop
 * (counted) instead of blocking; the supervisor logs events.dropped at most
 * once per interval, and at the end whatever is left. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pair0/pair.h>

#include "t/unit/tcheck.h"
#include "lib/msg.h"
#include "supervisor/logfile.h"
#include "supervisor/sup.h"
#include "supervisor/sup_events.h"
#include "worker/loop.h"
#include "worker/wevents.h"

START_TEST(record_parses_back_to_the_line)
{
	char rec[512], scratch[1024], line[1024];
	struct log_event ev;
	const char *why;
	/* 2026-11-27T09:40:01.123456Z */
	uint64_t t = 1795772401123456ull;
	wevents_format(rec, sizeof(rec), t, 2, 3, 17, 0x5dfa8ef4cd3fe5f8ull, "mobike.update.ok",
		       "own=192.168.1.2 peer=11.1.0.1", NULL);
	ck_assert_int_eq(sup_events_parse(rec, strlen(rec), 3, &ev, scratch, sizeof(scratch), &why), 0);
	log_format(&ev, line, sizeof(line));
	ck_assert_str_eq(line, "2026-11-27T09:40:01.123456Z INFO w3 t17 ike=5dfa8ef4cd3fe5f8 "
			       "mobike.update.ok own=192.168.1.2 peer=11.1.0.1\n");
	/* no tunnel, no SPI, no tail */
	wevents_format(rec, sizeof(rec), t, 1, 0, -1, 0, "worker.ready", "", NULL);
	ck_assert_int_eq(sup_events_parse(rec, strlen(rec), 0, &ev, scratch, sizeof(scratch), &why), 0);
	log_format(&ev, line, sizeof(line));
	ck_assert_str_eq(line, "2026-11-27T09:40:01.123456Z ERROR w0 t- worker.ready\n");
	/* cut like snprintf: the full length back, size - 1 bytes and a NUL */
	char small[24];
	size_t body = 0;
	int n = wevents_format(small, sizeof(small), t, 2, 3, 17, 0x5dfa8ef4cd3fe5f8ull, "a.b",
			       "k=v", &body);
	ck_assert_int_eq(n, (int)strlen("1795772401123456 INFO w3 t17 ike=5dfa8ef4cd3fe5f8 a.b k=v"));
	ck_assert_str_eq(small, "1795772401123456 INFO w");
	ck_assert_uint_eq(body, 17);
}
END_TEST

START_TEST(bad_records_are_refused)
{
	static const struct {
		const char *rec, *why;
	} bad[] = {
		{ "", "time" },
		{ "12x INFO w1 t- x", "time" },
		{ "1 WARN w1 t- x", "level" },
		{ "1 INFO w2 t- x", "worker" },  /* not the sender's index */
		{ "1 INFO w1 t-1 x", "tunnel" },
		{ "1 INFO w1 t- ike=0 x", "ike" },
		{ "1 INFO w1 t- ike=5dfa8ef4cd3fe5f8", "name" },
		{ "1 INFO w1 t3 Bad.Name k=v", "name" },
	};
	char scratch[1024];
	struct log_event ev;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;
		ck_assert_int_eq(sup_events_parse(bad[i].rec, strlen(bad[i].rec), 1, &ev, scratch, sizeof(scratch),
						  &why), -EBADMSG);
		ck_assert_msg(why && !strcmp(why, bad[i].why), "%s: why %s", bad[i].rec, why);
	}
}
END_TEST

/* A worker's side on one end of an inproc pair, the supervisor's on the other. */
static struct loop *loop;
static nng_socket up, down;
static struct wevents *wev;

static void pair_setup(void)
{
	static int n;
	char url[64];
	snprintf(url, sizeof(url), "inproc://wevents-%d", n++);
	loop = loop_new();
	ck_assert_ptr_nonnull(loop);
	ck_assert_int_eq(nng_pair0_open(&down), 0);
	ck_assert_int_eq(nng_listen(down, url, NULL, 0), 0);
	ck_assert_int_eq(nng_pair0_open(&up), 0);
	ck_assert_int_eq(nng_dial(up, url, NULL, 0), 0);
	ck_assert_int_eq(wevents_new(&wev, loop, up, 1, 2), 0);
}

static void pair_teardown(void)
{
	nng_close(up);   /* first: wevents_free's last flush fails at once */
	wevents_free(wev);
	nng_close(down);
	loop_free(loop);
}

/* The next message on down, checked against the table. */
static json_t *next_batch(void)
{
	json_t *m = NULL;
	const struct msg_type *t;
	char why[MSG_WHY_LEN];
	nng_socket_set_ms(down, NNG_OPT_RECVTIMEO, 1000);
	int rc = msg_recv(down, 0, &m, &t, why, sizeof(why));
	ck_assert_msg(rc == 0, "recv %d: %s", rc, why);
	ck_assert_str_eq(t->name, "events");
	return m;
}

/* The records of a batch, split at '\n' (each must end in one); at most
 * 300, NULL-terminated, in a static copy. */
static char **lines_of(const json_t *m)
{
	static char copy[64 * 1024];
	static char *v[301];
	const char *s = json_string_value(json_object_get(m, "lines"));
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_lt(strlen(s), sizeof(copy));
	strcpy(copy, s);
	int n = 0;
	for (char *p = copy; *p && n < 300;) {
		char *nl = strchr(p, '\n');
		ck_assert_ptr_nonnull(nl);
		*nl = 0;
		v[n++] = p;
		p = nl + 1;
	}
	v[n] = NULL;
	return v;
}

START_TEST(batch_with_filters)
{
	wevents_add(wev, 2, 5, 0x0100000000000001ull, "tunnel.up", "own=10.0.0.1 \"x\\y\"");
	wevents_add(wev, 3, 5, 0, "ike.created", NULL);       /* above level 2 */
	wevents_add(wev, 1, -1, 0, "worker.oops", "why=\xff\xfe\x01"); /* not UTF-8 */
	ck_assert_int_eq(wevents_flush(wev, true), 0);
	json_t *m = next_batch();
	char **l = lines_of(m);
	ck_assert_ptr_nonnull(strstr(l[0], " INFO w1 t5 ike=0100000000000001 tunnel.up own=10.0.0.1 \"x\\y\""));
	ck_assert_ptr_nonnull(strstr(l[1], " ERROR w1 t- worker.oops why=??\\x01"));
	ck_assert_ptr_null(l[2]);
	json_decref(m);

	/* keyword: only lines with "t7 " at level <= 3, plus every ERROR */
	struct wevents_filter f[2] = { { .level = 3 }, { .level = 1 } };
	snprintf(f[0].keyword, sizeof(f[0].keyword), "t7 ");
	ck_assert_int_eq(wevents_set_filters(wev, f, 2), 3);
	wevents_add(wev, 3, 7, 0, "ike.created", NULL);
	wevents_add(wev, 3, 8, 0, "ike.created", NULL);
	wevents_add(wev, 4, 7, 0, "ike.sent", NULL);
	wevents_add(wev, 1, 8, 0, "ike.failed", "reason=timeout");
	ck_assert_int_eq(wevents_flush(wev, true), 0);
	m = next_batch();
	l = lines_of(m);
	ck_assert_ptr_nonnull(strstr(l[0], " t7 ike.created"));
	ck_assert_ptr_nonnull(strstr(l[1], " t8 ike.failed"));
	ck_assert_ptr_null(l[2]);
	ck_assert_int_eq(json_integer_value(json_object_get(m, "dropped")), 0);
	json_decref(m);
	/* nothing queued: nothing sent */
	ck_assert_int_eq(wevents_flush(wev, true), 0);
}
END_TEST

START_TEST(full_batches_go_out_by_themselves)
{
	for (int i = 0; i < WEVENTS_BATCH_LINES; i++)
		wevents_add(wev, 2, i, 0, "tunnel.up", NULL);
	json_t *m = next_batch(); /* no flush, no timer: the count sent it */
	char **l = lines_of(m);
	int n = 0;
	while (l[n])
		n++;
	ck_assert_int_eq(n, WEVENTS_BATCH_LINES);
	json_decref(m);
}
END_TEST

START_TEST(a_reader_that_stops_drops_never_blocks)
{
	nng_close(down); /* nobody reads: every send finds no room */
	uint64_t n = 0;
	while (wevents_dropped(wev) == 0 && n < 1000000) {
		wevents_add(wev, 2, (int)n, 0x0100000000000001ull, "tunnel.up",
			    "own=10.0.0.1 peer=10.0.0.2 port=4500 encr=AES_CBC children=1");
		n++;
	}
	ck_assert_uint_gt(wevents_dropped(wev), 0);
	/* about WEVENTS_MAX_BYTES were kept before the first drop */
	ck_assert_uint_gt(n, WEVENTS_MAX_BYTES / 200);
	ck_assert_uint_lt(n, WEVENTS_MAX_BYTES / 50);
	ck_assert_int_eq(wevents_flush(wev, false), -EAGAIN);
}
END_TEST

START_TEST(pub_url_from_control_url)
{
	char b[128];
	ck_assert_int_eq(sup_events_url("tcp://127.0.0.1:12330", b, sizeof(b)), 0);
	ck_assert_str_eq(b, "tcp://127.0.0.1:12331");
	ck_assert_int_eq(sup_events_url("tcp://[::1]:9000", b, sizeof(b)), 0);
	ck_assert_str_eq(b, "tcp://[::1]:9001");
	ck_assert_int_eq(sup_events_url("ipc:///run/iks.ctl", b, sizeof(b)), 0);
	ck_assert_str_eq(b, "ipc:///run/iks.ctl.events");
	ck_assert_int_eq(sup_events_url("tcp://127.0.0.1:65535", b, sizeof(b)), -EINVAL);
	ck_assert_int_eq(sup_events_url("ws://x:1", b, sizeof(b)), -EINVAL);
}
END_TEST

/* The text of a file (static buffer). */
static const char *slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = 0;
	return buf;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

START_TEST(dropped_events_logged_once_per_interval)
{
	char dir[] = "/tmp/ikeswarm-events.XXXXXX", path[64];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/run.log", dir);
	struct config cfg = { .loglevel = 2 };
	struct sup_opts o = { .json = true };
	struct sup_worker w[2] = { { .idx = 0 }, { .idx = 1 } };
	struct sup s = { .cfg = &cfg, .o = &o, .nworkers = 2, .w = w };
	struct logfile_opts lo = { .path = path, .level = 2 };
	ck_assert_int_eq(logfile_open(&s.log, &lo), 0);
	s.loop = loop_new();
	ck_assert_ptr_nonnull(s.loop);
	ck_assert_int_eq(sup_events_open(&s, NULL), 0);

	sup_events_tick(&s, false); /* nothing lost: nothing said */
	w[1].counters = json_pack("{s:i}", "events_dropped", 5);
	sup_events_tick(&s, false);
	w[1].counters = (json_decref(w[1].counters), json_pack("{s:i}", "events_dropped", 7));
	sup_events_tick(&s, false); /* within the interval: quiet */
	ck_assert_uint_eq(sup_events_dropped(&s, 1), 7);
	ck_assert_uint_eq(sup_events_dropped(&s, 0), 0);
	/* an earlier incarnation's count adds up */
	w[1].dead = json_pack("{s:i}", "events_dropped", 100);
	ck_assert_uint_eq(sup_events_dropped(&s, 1), 107);
	sup_events_tick(&s, true);  /* the end: the rest */
	sup_events_tick(&s, true);
	logfile_close(s.log);
	s.log = NULL;
	const char *text = slurp(path);
	ck_assert_int_eq(count(text, "events.dropped"), 2);
	ck_assert_ptr_nonnull(strstr(text, "ERROR w1 t- events.dropped dropped=5 total=5\n"));
	ck_assert_ptr_nonnull(strstr(text, "ERROR w1 t- events.dropped dropped=102 total=107\n"));
	ck_assert_ptr_nonnull(strstr(s.last_error, "events.dropped"));

	sup_events_close(&s);
	json_decref(w[1].counters);
	json_decref(w[1].dead);
	loop_free(s.loop);
	unlink(path);
	rmdir(dir);
}
END_TEST

static Suite *events_suite(void)
{
	Suite *s = suite_create("events");
	TCase *tc = tcase_create("records");
	tcase_add_test(tc, record_parses_back_to_the_line);
	tcase_add_test(tc, bad_records_are_refused);
	tcase_add_test(tc, pub_url_from_control_url);
	tcase_add_test(tc, dropped_events_logged_once_per_interval);
	suite_add_tcase(s, tc);
	tc = tcase_create("batches");
	tcase_add_checked_fixture(tc, pair_setup, pair_teardown);
	tcase_add_test(tc, batch_with_filters);
	tcase_add_test(tc, full_batches_go_out_by_themselves);
	tcase_add_test(tc, a_reader_that_stops_drops_never_blocks);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(events_suite)
