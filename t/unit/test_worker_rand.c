/* rand_bytes' pool (worker/rand.c): octets never repeat across refills,
 * large draws bypass the pool, and a forked child never hands out what its
 * parent will (MADV_WIPEONFORK). */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t/unit/tcheck.h"
#include "worker/rand.h"

static int cmp16(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

/* 20,000 nonces of 16 octets span 80 refills: all distinct, none zero. */
START_TEST(draws_distinct_across_refills)
{
	enum { N = 20000 };
	uint8_t (*v)[16] = calloc(N, 16);
	ck_assert_ptr_nonnull(v);
	static const uint8_t zero[16];
	for (int i = 0; i < N; i++) {
		rand_bytes(v[i], 16);
		ck_assert(memcmp(v[i], zero, 16) != 0);
	}
	qsort(v, N, 16, cmp16);
	for (int i = 1; i < N; i++)
		ck_assert(memcmp(v[i - 1], v[i], 16) != 0);
	free(v);
}
END_TEST

/* Odd sizes and a draw larger than the pool hands out. */
START_TEST(sizes)
{
	uint8_t big[5000], a[3], b[3];
	memset(big, 0, sizeof(big));
	rand_bytes(big, sizeof(big));
	int zeros = 0;
	for (size_t i = 0; i < sizeof(big); i++)
		zeros += big[i] == 0;
	ck_assert_int_lt(zeros, 100); /* ~20 expected */
	rand_bytes(a, 3);
	rand_bytes(b, 3);
	ck_assert(memcmp(a, b, 3) != 0 || (rand_bytes(b, 3), memcmp(a, b, 3) != 0));
	rand_bytes(a, 0);
}
END_TEST

/* After a fork, parent and child draw next: different octets (without the
 * wipe both would read the same pool). */
START_TEST(fork_does_not_repeat)
{
	uint8_t warm[8], mine[32], theirs[32];
	rand_bytes(warm, sizeof(warm)); /* the pool is filled before the fork */
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		uint8_t c[32];
		rand_bytes(c, sizeof(c));
		_exit(write(fds[1], c, sizeof(c)) == (ssize_t)sizeof(c) ? 0 : 1);
	}
	rand_bytes(mine, sizeof(mine));
	ck_assert_int_eq(read(fds[0], theirs, sizeof(theirs)), (ssize_t)sizeof(theirs));
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert(memcmp(mine, theirs, sizeof(mine)) != 0);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

static Suite *rand_suite(void)
{
	Suite *s = suite_create("rand");
	TCase *tc = tcase_create("rand");
	tcase_add_test(tc, draws_distinct_across_refills);
	tcase_add_test(tc, sizes);
	tcase_add_test(tc, fork_does_not_repeat);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(rand_suite)
