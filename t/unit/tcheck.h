/* Shared glue for the Check unit tests: one main per test binary. */
#ifndef IKESWARM_TCHECK_H
#define IKESWARM_TCHECK_H

#include <check.h>
#include <stdlib.h>

/* SRCDIR is the repository root, passed by the Makefile, so tests can read
 * t/data/ wherever they run from. */
#ifndef SRCDIR
#define SRCDIR "."
#endif

#define TCHECK_MAIN(...)                                                   \
	int main(void)                                                     \
	{                                                                  \
		Suite *(*mk[])(void) = { __VA_ARGS__ };                    \
		SRunner *sr = srunner_create(mk[0]());                     \
		for (size_t i = 1; i < sizeof(mk) / sizeof(mk[0]); i++)    \
			srunner_add_suite(sr, mk[i]());                    \
		srunner_run_all(sr, CK_NORMAL);                            \
		int nf = srunner_ntests_failed(sr);                        \
		srunner_free(sr);                                          \
		return nf ? EXIT_FAILURE : EXIT_SUCCESS;                   \
	}

#endif
