/* The log writer: the line format (read back with the regular expression a
 * harness would use, the one in ikeswarm-control(7)), level and keyword
 * filters, the size cap with one .prev file, loginmem. */
#include <dirent.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t/unit/tcheck.h"
#include "lib/msg.h"
#include "supervisor/logfile.h"

/* As printed in ikeswarm-control(7), POSIX extended syntax. */
#define LINE_RE                                                                       \
	"^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6})Z "       \
	"(ERROR|INFO|VERB|DEBUG|TRACE) (w[0-9]+|w-) (t[0-9]+|t-)( ike=[0-9a-f]{16})? " \
	"([a-z][a-z0-9_.]*)"                                                          \
	"(( [a-z][a-z0-9_]*=(\"([^\"\\\\]|\\\\.)*\"|[^ \"]+))*)$"

static regex_t line_re;
static char dir[64];
static char path[128], prev[160];

/* The folder lives for the whole test case (made and removed by the
 * parent process, so a failing test cannot leave it behind); each test
 * checks that it leaves nothing but the two log files. */
static void make_dir(void)
{
	strcpy(dir, "/tmp/ikeswarm-logfile.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/run.log", dir);
	snprintf(prev, sizeof(prev), "%s.prev", path);
}

static void remove_dir(void)
{
	unlink(path);
	unlink(prev);
	rmdir(dir);
}

static void setup(void)
{
	ck_assert_int_eq(regcomp(&line_re, LINE_RE, REG_EXTENDED), 0);
	unlink(path);
	unlink(prev);
}

static void teardown(void)
{
	regfree(&line_re);
	unlink(path);
	unlink(prev);
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	struct dirent *e;
	while ((e = readdir(d)))
		ck_assert_msg(e->d_name[0] == '.', "left behind: %s", e->d_name);
	closedir(d);
}

/* Does line (without '\n') match; copies the event name into name. */
static bool parses(const char *line, char *name, size_t size)
{
	regmatch_t m[8];
	if (regexec(&line_re, line, 8, m, 0) != 0)
		return false;
	if (name)
		snprintf(name, size, "%.*s", (int)(m[6].rm_eo - m[6].rm_so), line + m[6].rm_so);
	return true;
}

static char *slurp(const char *p, size_t *len)
{
	FILE *f = fopen(p, "r");
	if (!f)
		return NULL;
	char *s = calloc(1, 1 << 20);
	size_t n = fread(s, 1, (1 << 20) - 1, f);
	fclose(f);
	if (len)
		*len = n;
	return s;
}

/* Every line of the file parses; returns the number of lines. */
static int check_lines(const char *p, char last_name[64])
{
	size_t len;
	char *s = slurp(p, &len);
	ck_assert_ptr_nonnull(s);
	int n = 0;
	ck_assert(len == 0 || s[len - 1] == '\n');
	for (char *line = s, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
		*nl = 0;
		ck_assert_msg(parses(line, last_name, 64), "line does not parse: %s", line);
		n++;
	}
	free(s);
	return n;
}

static const int64_t T0 = 1795772401123456; /* 2026-11-27T09:40:01.123456Z */

START_TEST(format_as_design)
{
	json_t *f = json_pack("{s:s, s:s}", "own", "192.168.1.2", "peer", "11.1.0.1");
	struct log_event ev = { .time_us = T0, .level = LOGL_INFO, .worker = 2, .tunnel = 17,
				.ike = 0x5dfa8ef4cd3fe5f8ull, .name = "mobike.update.ok",
				.fields = f };
	char buf[256];
	const char *want = "2026-11-27T09:40:01.123456Z INFO w2 t17 ike=5dfa8ef4cd3fe5f8 "
			   "mobike.update.ok own=192.168.1.2 peer=11.1.0.1\n";
	ck_assert_uint_eq(log_format(&ev, buf, sizeof(buf)), strlen(want));
	ck_assert_str_eq(buf, want);
	/* truncation behaves like snprintf */
	char small[20];
	ck_assert_uint_eq(log_format(&ev, small, sizeof(small)), strlen(want));
	ck_assert_str_eq(small, "2026-11-27T09:40:01");
	json_decref(f);
}
END_TEST

START_TEST(format_parses_back)
{
	json_t *f = json_pack("{s:s, s:s, s:i, s:b, s:s, s:f, s:[i,i]}", "reason",
			      "no proposal \"chosen\"", "empty", "", "n", -3, "nat", 1,
			      "path", "a\\b\tc", "rate", 12.5, "list", 1, 2);
	struct log_event evs[] = {
		{ .time_us = T0, .level = 1, .worker = -1, .tunnel = -1, .name = "worker.died",
		  .text = "worker=3 signal=9" },
		{ .time_us = T0 + 999999, .level = 2, .worker = 0, .tunnel = 0,
		  .ike = 1, .name = "ike.failed", .fields = f },
		{ .level = 5, .worker = 11, .tunnel = 99999, .name = "x" },
		{ .level = 3, .worker = 1, .tunnel = -1, .name = "bad\nname", .text = "a=1\nb=2" },
	};
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		char buf[512], name[64];
		size_t n = log_format(&evs[i], buf, sizeof(buf));
		ck_assert_uint_lt(n, sizeof(buf));
		ck_assert_int_eq(buf[n - 1], '\n');
		buf[n - 1] = 0;
		ck_assert_ptr_null(strchr(buf, '\n'));
		ck_assert_msg(parses(buf, name, sizeof(name)), "does not parse: %s", buf);
	}
	char buf[512];
	log_format(&evs[1], buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, " ike=0000000000000001 ike.failed "
				     "reason=\"no proposal \\\"chosen\\\"\" empty=\"\" n=-3 "
				     "nat=true path=\"a\\\\b\\x09c\" rate=12.5 "
				     "list=[1,2]\n"));
	log_format(&evs[0], buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "Z ERROR w- t- worker.died worker=3 signal=9\n"));
	log_format(&evs[3], buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, " VERB w1 t- bad_name text=\"a=1\\x0ab=2\"\n"));
	/* a worker's preformatted tail: kept when it follows the grammar,
	 * else carried whole in one quoted field, so the line still parses */
	static const char *const tails[][2] = {
		{ "reason=\"no proposal\" n=1", "reason=\"no proposal\" n=1" },
		{ "k=a\\b", "k=a\\b" },
		{ "reason=bad CREATE_CHILD_SA response",
		  "text=\"reason=bad CREATE_CHILD_SA response\"" },
		{ "reason=", "text=reason=" },
		{ "a=1  b=2", "text=\"a=1  b=2\"" },
		{ "A=1", "text=A=1" },
		{ "a=\"open", "text=\"a=\\\"open\"" },
		{ "a=x\"y", "text=\"a=x\\\"y\"" },
		{ "=1", "text==1" },
	};
	for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		struct log_event ev = { .level = 2, .worker = 0, .tunnel = 1, .name = "child.failed",
					.text = tails[i][0] };
		char want[128], name[64];
		size_t n = log_format(&ev, buf, sizeof(buf));
		buf[n - 1] = 0;
		snprintf(want, sizeof(want), " child.failed %s", tails[i][1]);
		ck_assert_msg(strstr(buf, want) && buf + strlen(buf) == strstr(buf, want) + strlen(want),
			      "tail '%s' gave '%s'", tails[i][0], buf);
		ck_assert_msg(parses(buf, name, sizeof(name)), "does not parse: %s", buf);
	}
	/* a bad field key is mended too */
	json_t *bk = json_pack("{s:i}", "Bad Key", 1);
	struct log_event kev = { .level = 2, .worker = 0, .tunnel = 1, .name = "x", .fields = bk };
	size_t n = log_format(&kev, buf, sizeof(buf));
	buf[n - 1] = 0;
	ck_assert_ptr_nonnull(strstr(buf, " x x_ad__ey=1"));
	json_decref(bk);
	json_decref(f);
}
END_TEST

static void put(struct logfile *lf, int level, int tunnel, const char *name)
{
	struct log_event ev = { .level = level, .worker = 1, .tunnel = tunnel, .name = name };
	ck_assert_int_ge(logfile_write(lf, &ev), 0);
}

START_TEST(level_and_keyword_filter)
{
	struct logfile *lf;
	struct logfile_opts o = { .path = path, .level = 2 };
	ck_assert_int_eq(logfile_open(&lf, &o), 0);
	put(lf, LOGL_ERROR, 1, "worker.died");
	put(lf, LOGL_INFO, 2, "ike.established");
	put(lf, LOGL_VERB, 3, "ike.retransmit");
	ck_assert_int_eq(logfile_set_filter(lf, 5, "mobike"), 0);
	put(lf, LOGL_TRACE, 4, "mobike.update.sent");
	put(lf, LOGL_INFO, 5, "ike.established");
	ck_assert_int_eq(logfile_set_filter(lf, 2, "t6 "), 0); /* the keyword sees the line */
	put(lf, LOGL_INFO, 6, "ike.established");
	put(lf, LOGL_INFO, 60, "ike.established");
	ck_assert_int_eq(logfile_set_filter(lf, 0, NULL), -EINVAL);
	struct log_event bad = { .level = 6, .worker = 0, .tunnel = 0, .name = "x" };
	ck_assert_int_eq(logfile_write(lf, &bad), -EINVAL);
	struct logfile_stats st;
	logfile_stats(lf, &st);
	ck_assert_uint_eq(st.lines, 4);
	ck_assert_uint_eq(st.filtered, 3);
	ck_assert_int_eq(logfile_close(lf), 0);

	char *s = slurp(path, NULL);
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(strstr(s, " ERROR w1 t1 worker.died\n"));
	ck_assert_ptr_nonnull(strstr(s, " INFO w1 t2 ike.established\n"));
	ck_assert_ptr_null(strstr(s, "ike.retransmit"));
	ck_assert_ptr_nonnull(strstr(s, " TRACE w1 t4 mobike.update.sent\n"));
	ck_assert_ptr_null(strstr(s, " t5 "));
	ck_assert_ptr_nonnull(strstr(s, " INFO w1 t6 ike.established\n"));
	ck_assert_ptr_null(strstr(s, " t60 "));
	free(s);
	ck_assert_int_eq(check_lines(path, (char[64]){ 0 }), 4);
}
END_TEST

/* Write n numbered lines; with a cap, PATH and PATH.prev together end with
 * the newest lines, in order, each file under the cap. */
static void check_rotation(bool in_mem, bool batch)
{
	enum { N = 200, CAP = 1000 };
	struct logfile *lf;
	struct logfile_opts o = { .path = path, .level = 2, .cap_bytes = CAP, .in_mem = in_mem };
	/* a stale .prev from an earlier run is removed at open */
	FILE *f = fopen(prev, "w");
	fputs("old run\n", f);
	fclose(f);
	ck_assert_int_eq(logfile_open(&lf, &o), 0);
	ck_assert_int_eq(access(prev, F_OK), -1);
	for (int i = 0; i < N; i++) {
		/* batches of 7 lines, rotations falling inside them */
		if (batch && i % 7 == 0)
			logfile_batch_begin(lf);
		json_t *fl = json_pack("{s:i}", "seq", i);
		struct log_event ev = { .level = 2, .worker = 0, .tunnel = i, .name = "tick",
					.fields = fl };
		ck_assert_int_eq(logfile_write(lf, &ev), 1);
		json_decref(fl);
		if (batch && i % 7 == 6)
			ck_assert_int_eq(logfile_batch_end(lf), 0);
	}
	struct stat sb;
	ck_assert_int_eq(stat(path, &sb), 0);
	if (in_mem) /* nothing on disk until the end */
		ck_assert_int_eq(sb.st_size, 0);
	struct logfile_stats st;
	logfile_stats(lf, &st);
	ck_assert_uint_gt(st.rotations, 1);
	ck_assert_int_eq(logfile_close(lf), 0);

	size_t lc, lp;
	char *cur = slurp(path, &lc), *old = slurp(prev, &lp);
	ck_assert_ptr_nonnull(cur);
	ck_assert_ptr_nonnull(old);
	ck_assert_uint_le(lc, CAP);
	ck_assert_uint_le(lp, CAP);
	ck_assert_uint_gt(lp, CAP / 2);
	/* sequence numbers run on from .prev into the file, ending at N-1 */
	int expect = -1, count = 0;
	for (int k = 0; k < 2; k++) {
		char *s = k == 0 ? old : cur;
		for (char *p = strstr(s, "seq="); p; p = strstr(p + 1, "seq=")) {
			int seq = atoi(p + 4);
			if (expect >= 0)
				ck_assert_int_eq(seq, expect);
			expect = seq + 1;
			count++;
		}
	}
	ck_assert_int_eq(expect, N);
	ck_assert_int_gt(count, 10);
	free(cur);
	free(old);
	char name[64];
	ck_assert_int_gt(check_lines(path, name), 0);
	ck_assert_str_eq(name, "tick");
	ck_assert_int_gt(check_lines(prev, name), 0);
}

START_TEST(size_cap_rotates_to_prev)
{
	check_rotation(false, false);
}
END_TEST

/* A worker's events message is written with one write(): nothing of it is
 * on disk before the batch ends; rotation still cuts between whole lines in
 * order (the last batch is left open: close writes it). */
START_TEST(batch_written_at_end)
{
	struct logfile *lf;
	struct logfile_opts o = { .path = path, .level = 3 };
	ck_assert_int_eq(logfile_open(&lf, &o), 0);
	put(lf, 3, 1, "a");
	struct stat sb;
	ck_assert_int_eq(stat(path, &sb), 0);
	off_t one = sb.st_size;
	ck_assert_int_gt(one, 0);
	logfile_batch_begin(lf);
	put(lf, 3, 2, "b");
	put(lf, 3, 3, "c");
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_size, one);
	ck_assert_int_eq(logfile_batch_end(lf), 0);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_gt(sb.st_size, 2 * one);
	char name[64];
	ck_assert_int_eq(check_lines(path, name), 3);
	ck_assert_str_eq(name, "c");
	struct logfile_stats st;
	logfile_stats(lf, &st);
	ck_assert_uint_eq(st.lines, 3);
	ck_assert_int_eq(logfile_close(lf), 0);
}
END_TEST

START_TEST(batch_rotates_in_order)
{
	check_rotation(false, true);
}
END_TEST

START_TEST(loginmem_writes_at_close)
{
	check_rotation(true, false);
}
END_TEST

START_TEST(loginmem_without_rotation)
{
	struct logfile *lf;
	struct logfile_opts o = { .path = path, .level = 3, .in_mem = true };
	ck_assert_int_eq(logfile_open(&lf, &o), 0);
	put(lf, 3, 1, "a");
	put(lf, 3, 2, "b");
	ck_assert_int_eq(logfile_close(lf), 0);
	ck_assert_int_eq(access(prev, F_OK), -1);
	char name[64];
	ck_assert_int_eq(check_lines(path, name), 2);
	ck_assert_str_eq(name, "b");
}
END_TEST

START_TEST(event_message_to_line)
{
	const char *s = "{\"type\":\"event\",\"level\":2,\"worker\":2,\"tunnel\":17,"
			"\"ike\":\"5dfa8ef4cd3fe5f8\",\"name\":\"mobike.update.ok\","
			"\"fields\":{\"own\":\"192.168.1.2\",\"peer\":\"11.1.0.1\"},"
			"\"time\":1795772401123456}";
	json_t *m;
	char why[MSG_WHY_LEN];
	ck_assert_int_eq(msg_decode(s, strlen(s), false, &m, NULL, why, sizeof(why)), 0);
	struct logfile *lf;
	struct logfile_opts o = { .path = path, .level = 2 };
	ck_assert_int_eq(logfile_open(&lf, &o), 0);
	ck_assert_int_eq(logfile_write_msg(lf, m), 1);
	json_decref(m);
	/* an event without worker, tunnel, ike, with a text tail */
	s = "{\"type\":\"event\",\"level\":1,\"name\":\"kernel.failed\",\"text\":\"errno=17\"}";
	ck_assert_int_eq(msg_decode(s, strlen(s), false, &m, NULL, why, sizeof(why)), 0);
	ck_assert_int_eq(logfile_write_msg(lf, m), 1);
	json_decref(m);
	ck_assert_int_eq(logfile_close(lf), 0);
	char *got = slurp(path, NULL);
	ck_assert_ptr_nonnull(got);
	ck_assert_ptr_eq(strstr(got, "2026-11-27T09:40:01.123456Z INFO w2 t17 ike=5dfa8ef4cd3fe5f8 "
				"mobike.update.ok own=192.168.1.2 peer=11.1.0.1\n"), got);
	ck_assert_ptr_nonnull(strstr(got, "Z ERROR w- t- kernel.failed errno=17\n"));
	free(got);
}
END_TEST

START_TEST(open_errors)
{
	struct logfile *lf = (struct logfile *)1;
	struct logfile_opts o = { .path = "/nonexistent-dir/x.log", .level = 2 };
	ck_assert_int_eq(logfile_open(&lf, &o), -ENOENT);
	ck_assert_ptr_null(lf);
	o.path = path;
	o.level = 0;
	ck_assert_int_eq(logfile_open(&lf, &o), -EINVAL);
	ck_assert_int_eq(logfile_close(NULL), 0);
}
END_TEST

static Suite *logfile_suite(void)
{
	Suite *s = suite_create("logfile");
	TCase *tc = tcase_create("logfile");
	tcase_add_unchecked_fixture(tc, make_dir, remove_dir);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, format_as_design);
	tcase_add_test(tc, format_parses_back);
	tcase_add_test(tc, level_and_keyword_filter);
	tcase_add_test(tc, size_cap_rotates_to_prev);
	tcase_add_test(tc, batch_written_at_end);
	tcase_add_test(tc, batch_rotates_in_order);
	tcase_add_test(tc, loginmem_writes_at_close);
	tcase_add_test(tc, loginmem_without_rotation);
	tcase_add_test(tc, event_message_to_line);
	tcase_add_test(tc, open_errors);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(logfile_suite)
