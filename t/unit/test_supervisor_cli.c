/* The subcommand table: lookups and the exit codes of bad invocations. */
#include "t/unit/tcheck.h"
#include "supervisor/cmd.h"

START_TEST(finds_every_command)
{
	for (const struct cmd *c = ikeswarm_cmds; c->name; c++) {
		ck_assert_ptr_eq(cmd_find(c->name), c);
		ck_assert_ptr_nonnull(c->usage);
	}
	ck_assert_ptr_null(cmd_find("exce"));
}
END_TEST

START_TEST(help_rejects_unknown)
{
	char *argv[] = { "help", "nosuch", NULL };
	ck_assert_int_eq(cmd_help(2, argv), 2);
	char *ok[] = { "help", "exec", NULL };
	ck_assert_int_eq(cmd_help(2, ok), 0);
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("table");
	tcase_add_test(tc, finds_every_command);
	tcase_add_test(tc, help_rejects_unknown);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(cli_suite)
