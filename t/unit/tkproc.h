/* A kernel process for a unit test: kproc_main() forked inside a private
 * network namespace (so whatever it adds vanishes with the test's process),
 * serving ipc://DIR/k.  start returns false after printing SKIP when the
 * test cannot make a namespace (not root). */
#ifndef IKESWARM_T_UNIT_TKPROC_H
#define IKESWARM_T_UNIT_TKPROC_H

#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel/kproc.h"

static char url[128], dir[64];
static pid_t kpid;

static bool start(const char *test)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
		printf("SKIP: %s: needs root and unshare(CLONE_NEWNET)\n", test);
		return false;
	}
	snprintf(dir, sizeof(dir), "/tmp/iks-kproc-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(url, sizeof(url), "ipc://%s/k", dir);
	kpid = fork();
	ck_assert_int_ge(kpid, 0);
	if (kpid == 0)
		_exit(kproc_main(url));
	return true;
}

/* SIGTERM it (it cleans up), reap it; its exit code (128 + signal). */
static int stop(void)
{
	int st = -1;
	kill(kpid, SIGTERM);
	ck_assert_int_eq(waitpid(kpid, &st, 0), kpid);
	char p[160];
	snprintf(p, sizeof(p), "%s/k", dir);
	unlink(p);
	rmdir(dir);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

#endif
