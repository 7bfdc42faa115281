/* The ESP probe, always run in a private network namespace (a forked child
 * that unshares its netns) so that no state can leak into the caller's.
 * Its answer is checked against iproute2 adding the same kind of state in
 * another private netns, and, when IKESWARM_EXPECT_ESP is set (0 or 1:
 * t/kernel/run.sh sets 0 on the host, 1 inside UML), against that too. */
#include "t/unit/tcheck.h"
#include "kernel/xfrm_probe.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define GCM_KEY "0x0102030405060708090a0b0c0d0e0f1011121314"
#define HEX16 "0x0102030405060708090a0b0c0d0e0f10"
#define ADD_FMT "ip xfrm state add src 127.0.0.1 dst 127.0.0.1 proto esp " \
		"spi %s mode transport aead 'rfc4106(gcm(aes))' " GCM_KEY \
		" 128 2>/dev/null"
/* The probe's fallback when the kernel lacks the AEAD. */
#define CBC_FMT "ip xfrm state add src 127.0.0.1 dst 127.0.0.1 proto esp " \
		"spi %s mode transport enc 'cbc(aes)' " HEX16 \
		" auth-trunc 'hmac(sha256)' " HEX16 "0102030405060708090a0b0c0d0e0f10" \
		" 128 2>/dev/null"

struct answer {
	int setup;      /* 0, -errno when the child could not get ready, or
			 * 1 when iproute2 could not add the foreign state */
	int rc;         /* xfrm_probe_esp() */
	int iproute;    /* 1 when `ip xfrm state add` took the same kind of state */
	int kept;       /* 1 when a state made before the probe was still there */
	int left;       /* lines `ip xfrm state` printed after the probe */
	char why[256];
};

enum mode { PLAIN, PREEXISTING, NO_CAP };

static int count_states(void)
{
	FILE *f = popen("ip xfrm state list 2>/dev/null", "r");
	char line[256];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n++;
	pclose(f);
	return n;
}

static int shell(const char *fmt, const char *arg)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), fmt, arg);
	return system(cmd) == 0;
}

/* In the child: a fresh netns, then the probe as the mode asks. */
static void child(enum mode mode, struct answer *a)
{
	if (unshare(CLONE_NEWNET) < 0) {
		a->setup = -errno;
		return;
	}
	if (mode == PREEXISTING) {
		if (!shell(ADD_FMT, "0xff"))
			a->setup = 1;
	}
	if (mode == NO_CAP && unshare(CLONE_NEWUSER) < 0) {
		a->setup = -errno;
		return;
	}
	a->rc = xfrm_probe_esp(a->why, sizeof(a->why));
	if (mode == NO_CAP)
		return;
	if (mode == PREEXISTING)
		a->kept = shell("ip xfrm state get src 127.0.0.1 dst 127.0.0.1 "
				"proto esp spi %s >/dev/null 2>&1", "0xff");
	a->left = count_states();
	/* The independent answer, after the probe so that it cannot load
	 * modules for it. */
	a->iproute = shell(ADD_FMT, "0x1ff") || shell(CBC_FMT, "0x2ff");
}

static struct answer probe_in_netns(enum mode mode)
{
	struct answer a;
	int fds[2], status;
	pid_t pid;

	memset(&a, 0, sizeof(a));
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		child(mode, &a);
		_exit(write(fds[1], &a, sizeof(a)) == sizeof(a) ? 0 : 1);
	}
	close(fds[1]);
	ck_assert_int_eq(read(fds[0], &a, sizeof(a)), sizeof(a));
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return a;
}

static int expected_esp(void)
{
	const char *e = getenv("IKESWARM_EXPECT_ESP");

	return e && (e[0] == '0' || e[0] == '1') ? e[0] - '0' : -1;
}

START_TEST(answers_like_iproute)
{
	struct answer a = probe_in_netns(PLAIN);

	if (a.setup == -EPERM) {
		printf("SKIP probe: needs root for a private netns\n");
		return;
	}
	ck_assert_int_eq(a.setup, 0);
	printf("probe: %d: %s\n", a.rc, a.why);
	ck_assert_int_ge(a.rc, 0);
	ck_assert_int_eq(a.rc, a.iproute);
	ck_assert_int_eq(a.left, 0);
	if (a.rc == 1) {
		ck_assert_ptr_nonnull(strstr(a.why, "ESP available"));
	} else {
		ck_assert_ptr_nonnull(strstr(a.why, "ESP"));
		ck_assert_ptr_nonnull(strstr(a.why, "installfastpath"));
	}
	if (expected_esp() >= 0)
		ck_assert_msg(a.rc == expected_esp(), "probe said %d (%s), expected %d",
			      a.rc, a.why, expected_esp());
}
END_TEST

START_TEST(leaves_a_foreign_state_alone)
{
	struct answer a = probe_in_netns(PREEXISTING);

	if (a.setup == -EPERM) {
		printf("SKIP probe-foreign: needs root for a private netns\n");
		return;
	}
	if (a.setup == 1) {
		/* No ESP here: nothing can pre-exist; the probe must agree. */
		ck_assert_int_eq(a.rc, 0);
		ck_assert_int_ne(expected_esp(), 1);
		printf("probe-foreign: no ESP state can exist on this kernel\n");
		return;
	}
	ck_assert_int_eq(a.setup, 0);
	ck_assert_int_eq(a.rc, 1);
	ck_assert_ptr_nonnull(strstr(a.why, "exists already"));
	ck_assert_int_eq(a.kept, 1);
}
END_TEST

START_TEST(says_no_permission)
{
	struct answer a = probe_in_netns(NO_CAP);

	if (a.setup == -EPERM || a.setup == -EINVAL) {
		printf("SKIP probe-nocap: cannot make a user namespace here\n");
		return;
	}
	ck_assert_int_eq(a.setup, 0);
	ck_assert_int_eq(a.rc, -EPERM);
	ck_assert_ptr_nonnull(strstr(a.why, "CAP_NET_ADMIN"));
}
END_TEST

static Suite *probe_suite(void)
{
	Suite *s = suite_create("xfrm_probe");
	TCase *tc = tcase_create("netns");

	tcase_add_test(tc, answers_like_iproute);
	tcase_add_test(tc, leaves_a_foreign_state_alone);
	tcase_add_test(tc, says_no_permission);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(probe_suite)
