/* The engine's outputs: event log lines in DESIGN.md's format (the regular
 * expression of ikeswarm-control(7)), quoting of values, and the -j result
 * as valid JSON with the keys issue 4 asks for. */
#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "t/unit/tcheck.h"
#include "worker/log.h"
#include "worker/result.h"

static const char line_re[] =
	"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z "
	"(ERROR|INFO|VERB|DEBUG|TRACE) w[0-9]+ t([0-9]+|-)( ike=[0-9a-f]{16})? "
	"[a-z][a-z0-9_.]*( [a-z][a-z0-9_]*=([^ \"]+|\"([^\"\\\\]|\\\\.)*\"))*$";

static void read_line(FILE *f, char *buf, size_t n)
{
	rewind(f);
	ck_assert_ptr_nonnull(fgets(buf, (int)n, f));
	buf[strcspn(buf, "\n")] = 0;
}

START_TEST(log_line_format)
{
	regex_t re;
	ck_assert_int_eq(regcomp(&re, line_re, REG_EXTENDED | REG_NOSUB), 0);
	struct wlog l;
	char buf[600], qb[WLOG_QLEN];
	FILE *f = tmpfile();
	wlog_init(&l, f, 2, 3);
	wlog_event(&l, WLOG_INFO, 17, 0x5dfa8ef4cd3fe5f8ull, "ike.established", "from=%s reason=%s",
		   "created", wlog_q("deleted by \"peer\"", qb));
	read_line(f, buf, sizeof(buf));
	ck_assert_msg(regexec(&re, buf, 0, NULL, 0) == 0, "bad line: %s", buf);
	ck_assert_ptr_nonnull(strstr(buf, " INFO w3 t17 ike=5dfa8ef4cd3fe5f8 ike.established "));
	ck_assert_ptr_nonnull(strstr(buf, "reason=\"deleted by \\\"peer\\\"\""));
	fclose(f);

	f = tmpfile();
	wlog_init(&l, f, 2, 0);
	wlog_event(&l, WLOG_INFO, -1, 0, "run.start", NULL);
	read_line(f, buf, sizeof(buf));
	ck_assert_msg(regexec(&re, buf, 0, NULL, 0) == 0, "bad line: %s", buf);
	ck_assert_ptr_nonnull(strstr(buf, " w0 t- run.start"));
	/* Above the configured level: nothing. */
	wlog_event(&l, WLOG_DEBUG, 1, 0, "rx.drop", NULL);
	ck_assert_int_eq(ftell(f), (long)strlen(buf) + 1);
	fclose(f);
	regfree(&re);
}
END_TEST

START_TEST(log_quoting)
{
	char qb[WLOG_QLEN];
	ck_assert_str_eq(wlog_q("TS_UNACCEPTABLE", qb), "TS_UNACCEPTABLE");
	ck_assert_str_eq(wlog_q("", qb), "\"\"");
	ck_assert_str_eq(wlog_q("a b", qb), "\"a b\"");
	ck_assert_str_eq(wlog_q("a\\b", qb), "\"a\\\\b\"");
	ck_assert_str_eq(wlog_q("a\nb", qb), "\"a\\x0ab\"");
}
END_TEST

static json_t *result_json(const struct run_result *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	result_print_json(r, f);
	fclose(f);
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);
	ck_assert_msg(j != NULL, "not JSON: %s (%s)", text, err.text);
	free(text);
	return j;
}

START_TEST(result_json_keys)
{
	struct counters c = { 0 };
	c.state[IKE_S_ESTABLISHED] = 7;
	c.total = 9;
	c.live = 7;
	c.has_child = 7;
	c.configured = 8;
	c.tx_failed = 3;
	struct run_result r = { .role = "client", .configured = 8, .created = 7, .failed = 1,
				.duration_s = 10, .setup_s = 2, .c = &c };
	json_t *j = result_json(&r);
	ck_assert_str_eq(json_string_value(json_object_get(j, "role")), "client");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "configured")), 8);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "created")), 7);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "failed")), 1);
	ck_assert(json_real_value(json_object_get(j, "setup_rate")) == 3.5);
	ck_assert(json_real_value(json_object_get(j, "duration_s")) == 10.0);
	ck_assert_str_eq(json_string_value(json_object_get(j, "result")), "fail");
	json_t *st = json_object_get(j, "states");
	const char *names[] = { "init", "created", "established", "updatingaddr", "rekeying",
				"rekeyed", "closing", "closed", "dpd", "child_rekeying", "total",
				"live", "has_child", "configured" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ck_assert_msg(json_is_integer(json_object_get(st, names[i])), "states.%s", names[i]);
	ck_assert_int_eq(json_integer_value(json_object_get(st, "established")), 7);
	/* datagrams the socket set could not send (batch mode counts them) */
	ck_assert_int_eq(json_integer_value(json_object_get(j, "send_failed")), 3);
	ck_assert_int_eq(result_exit_code(&r), 1);
	json_decref(j);
	char text[2048] = "";
	FILE *f = fmemopen(text, sizeof(text) - 1, "w");
	result_print_text(&r, f);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, " send_failed=3\n"));

	r.created = 8;
	j = result_json(&r);
	ck_assert_str_eq(json_string_value(json_object_get(j, "result")), "pass");
	ck_assert_int_eq(result_exit_code(&r), 0);
	json_decref(j);
}
END_TEST

static Suite *result_suite(void)
{
	Suite *s = suite_create("worker_result");
	TCase *tc = tcase_create("output");
	tcase_add_test(tc, log_line_format);
	tcase_add_test(tc, log_quoting);
	tcase_add_test(tc, result_json_keys);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(result_suite)
