/* The ikeswarm binary's setup commands end to end: 'default setup' output
 * that --verify accepts once filled in, the three-error file, bad usage.
 * Runs the binary named by $IKESWARM (set by 'make check-unit'); without
 * it the suite has no tests (Check prints "Checks: 0"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "t/unit/tcheck.h"

static char dir[64];

static void setup_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ikeswarm-conf-cli.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

/* Runs "$IKESWARM ARGS" with stdout/stderr in dir/out and dir/err. */
static int run(const char *args)
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' %s >out 2>err", dir, getenv("IKESWARM"),
		 args);
	int st = system(cmd);
	ck_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static char *slurp(const char *name)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	char *buf = calloc(1, 1 << 20);
	size_t n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static unsigned count_lines(const char *s)
{
	unsigned n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

START_TEST(default_setup_then_verify)
{
	ck_assert_int_eq(run("default setup -f d.yaml"), 0);
	char *out = slurp("out");
	ck_assert_str_eq(out, ""); /* all of it went to the file */
	free(out);
	/* As written, a client setup lacks its three mandatory keys. */
	ck_assert_int_eq(run("exec -f d.yaml --verify"), 1);
	char *err = slurp("err");
	ck_assert_ptr_nonnull(strstr(err, "role client needs startclntaddr"));
	ck_assert_ptr_nonnull(strstr(err, "ikeswarm exec: d.yaml: 3 errors\n"));
	free(err);
	ck_assert_int_eq(run("default setup > d2.yaml && sed -i "
			     "-e 's|^startclntaddr: \"\"|startclntaddr: 10.1.0.1/24|' "
			     "-e 's|^peeraddr: \"\"|peeraddr: 10.99.0.1|' "
			     "-e 's|^bindifname: \"\"|bindifname: vcl|' d2.yaml && "
			     "\"$IKESWARM\" exec -f d2.yaml --verify"), 0);
	out = slurp("out");
	ck_assert_ptr_nonnull(strstr(out, "setup:       d2.yaml (valid)\n"));
	ck_assert_ptr_nonnull(strstr(out, "role:        client\n"));
	ck_assert_ptr_nonnull(strstr(out, "tunnels:     10\n"));
	ck_assert_ptr_nonnull(strstr(out, "10.1.0.1 - 10.1.0.10 (1 per tunnel"));
	free(out);
	err = slurp("err"); /* the empty psk is a warning, not an error */
	ck_assert_ptr_nonnull(strstr(err, "warning: ikeconf.psk is empty"));
	free(err);
}
END_TEST

START_TEST(three_errors_and_exit_status)
{
	ck_assert_int_eq(run("exec -f '" SRCDIR "/t/data/conf/three-errors.yaml' --verify"), 1);
	char *err = slurp("err");
	ck_assert_uint_eq(count_lines(err), 4);
	ck_assert_ptr_nonnull(strstr(err, "three-errors.yaml:5:1: startclntaddr"));
	ck_assert_ptr_nonnull(strstr(err, "three-errors.yaml:8:1: unknown key"));
	ck_assert_ptr_nonnull(strstr(err, "three-errors.yaml:11:16: ikeconf.dpdinterval"));
	ck_assert_ptr_nonnull(strstr(err, "3 errors\n"));
	free(err);
}
END_TEST

START_TEST(bad_usage)
{
	static const char *const cases[][2] = {
		{ "exec --bogus -f x.yaml", "ikeswarm exec: unknown option '--bogus'" },
		{ "exec -x", "ikeswarm exec: unknown option '-x'" },
		{ "exec --verify", "ikeswarm exec: -f FILE is required" },
		{ "exec -f", "ikeswarm exec: option '-f' needs an argument" },
		{ "exec -f a.yaml b.yaml", "ikeswarm exec: unexpected argument 'b.yaml'" },
		{ "default", "ikeswarm default: expected 'setup'" },
		{ "default setups", "ikeswarm default: expected 'setup', got setups" },
		{ "default setup --force", "ikeswarm default: unknown option '--force'" },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(run(cases[i][0]) == 2, "%s: exit status", cases[i][0]);
		char *err = slurp("err");
		ck_assert_msg(strstr(err, cases[i][1]) != NULL, "%s: got '%s'", cases[i][0], err);
		ck_assert_msg(strstr(err, "usage: ikeswarm") != NULL, "%s: no usage", cases[i][0]);
		free(err);
	}
	ck_assert_int_eq(run("exec -f missing.yaml --verify"), 1);
	char *err = slurp("err");
	ck_assert_ptr_nonnull(strstr(err, "missing.yaml:1:1: cannot open: No such file"));
	free(err);
}
END_TEST

START_TEST(verify_json_plan)
{
	ck_assert_int_eq(run("exec -f '" SRCDIR "/conf/examples/client.yaml' --verify -j"), 0);
	char *out = slurp("out");
	json_error_t jerr;
	json_t *o = json_loads(out, 0, &jerr);
	ck_assert_msg(o != NULL, "not JSON: %s", jerr.text);
	ck_assert_str_eq(json_string_value(json_object_get(o, "role")), "client");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "tunnels")), 4);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "workers")), 2);
	json_t *slices = json_object_get(o, "slices");
	ck_assert_uint_eq(json_array_size(slices), 2);
	json_t *s1 = json_array_get(slices, 1);
	ck_assert_int_eq(json_integer_value(json_object_get(s1, "first_tunnel")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(s1, "first_addr")), "10.99.0.14");
	ck_assert_str_eq(json_string_value(json_object_get(s1, "last_addr")), "10.99.0.17");
	json_t *encr = json_object_get(json_object_get(o, "ike"), "encr");
	ck_assert_str_eq(json_string_value(json_array_get(encr, 0)), "aes-gcm-16:256");
	json_decref(o);
	free(out);
}
END_TEST

/* MOBIKE across families: the other family's addresses, as a whole and
 * per slice (client), as a list (gateway); none without mobikealt*addr. */
START_TEST(verify_json_plan_other_family)
{
	ck_assert_int_eq(run("exec -f '" SRCDIR "/conf/examples/client-dualstack.yaml' "
			     "--verify -j"), 0);
	char *out = slurp("out");
	json_t *o = json_loads(out, 0, NULL);
	ck_assert_ptr_nonnull(o);
	json_t *alt = json_object_get(o, "other_family");
	ck_assert_str_eq(json_string_value(json_object_get(alt, "prefix")), "fd00:99::10/64");
	ck_assert_str_eq(json_string_value(json_object_get(alt, "first_addr")), "fd00:99::10");
	ck_assert_str_eq(json_string_value(json_object_get(alt, "last_addr")), "fd00:99::17");
	ck_assert_int_eq(json_integer_value(json_object_get(alt, "count")), 8);
	json_t *s1 = json_array_get(json_object_get(o, "slices"), 1);
	ck_assert_str_eq(json_string_value(json_object_get(s1, "alt_first_addr")), "fd00:99::14");
	ck_assert_str_eq(json_string_value(json_object_get(s1, "alt_last_addr")), "fd00:99::17");
	json_decref(o);
	free(out);
	ck_assert_int_eq(run("exec -f '" SRCDIR "/conf/examples/gateway-dualstack.yaml' "
			     "--verify -j"), 0);
	out = slurp("out");
	o = json_loads(out, 0, NULL);
	ck_assert_ptr_nonnull(o);
	json_t *list = json_object_get(o, "alt_addrs");
	ck_assert_uint_eq(json_array_size(list), 2);
	ck_assert_str_eq(json_string_value(json_array_get(list, 1)), "fd00:99::2");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(o, "other_family"),
							    "count")), 2);
	json_decref(o);
	free(out);
	ck_assert_int_eq(run("exec -f '" SRCDIR "/conf/examples/client.yaml' --verify -j"), 0);
	out = slurp("out");
	o = json_loads(out, 0, NULL);
	ck_assert_ptr_nonnull(o);
	ck_assert_ptr_null(json_object_get(o, "other_family"));
	json_decref(o);
	free(out);
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *s = suite_create("conf-cli");
	if (!getenv("IKESWARM") || access(getenv("IKESWARM"), X_OK) != 0) {
		printf("SKIP conf-cli: $IKESWARM does not name the ikeswarm binary\n");
		return s;
	}
	TCase *tc = tcase_create("binary");
	tcase_add_unchecked_fixture(tc, setup_dir, remove_dir); /* runs even after a failure */
	tcase_add_test(tc, default_setup_then_verify);
	tcase_add_test(tc, three_errors_and_exit_status);
	tcase_add_test(tc, bad_usage);
	tcase_add_test(tc, verify_json_plan);
	tcase_add_test(tc, verify_json_plan_other_family);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(cli_suite)
