/* Starting the children of a run: fork + exec of our own binary (see sup.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor/sup.h"

#define CHILD_FD0 3 /* a worker's UDP fds are 3, 4, ... after the exec */

/* In the child, between vfork and exec: only async-signal-safe calls, no
 * return from the spawning function, no writes but to that function's own
 * locals the parent no longer reads (vfork shares the memory until the
 * exec, the parent waiting until then: the child copies none of the
 * supervisor's mappings and the supervisor takes no copy-on-write faults
 * afterwards).  The run's signals go through a signalfd (no handlers), so
 * unblocking them here cannot run parent code in the child. */
static void child_prepare(pid_t parent, int deathsig)
{
	prctl(PR_SET_PDEATHSIG, deathsig);
	if (getppid() != parent)
		_exit(127); /* the supervisor died before we asked */
	/* Our own process group: a terminal's Ctrl-C (or `timeout`) reaches
	 * the supervisor only, which then stops the children in order. */
	setpgid(0, 0);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL); /* the loop's signalfd mask */
}

pid_t sup_spawn_worker(struct sup *s, struct sup_worker *w)
{
	char name[32], idx[16], n[16], first[16], count[16], lvl[16], findex[16];
	char fdarg[WMAIN_MAX_FDS][24];
	char *argv[32];
	int a = 0;
	snprintf(name, sizeof(name), "ikeswarm-w%d", w->idx);
	snprintf(idx, sizeof(idx), "%d", w->idx);
	snprintf(n, sizeof(n), "%u", s->nworkers);
	snprintf(first, sizeof(first), "%d", w->first);
	snprintf(count, sizeof(count), "%d", w->count);
	int level = (int)s->cfg->loglevel;
	if (s->stdout_level > level)
		level = s->stdout_level;
	snprintf(lvl, sizeof(lvl), "%d", level);
	argv[a++] = name;
	argv[a++] = "__worker";
	argv[a++] = "-f";
	argv[a++] = (char *)s->o->setup_path;
	argv[a++] = "--worker";
	argv[a++] = idx;
	argv[a++] = "--workers";
	argv[a++] = n;
	argv[a++] = "--first";
	argv[a++] = first;
	argv[a++] = "--count";
	argv[a++] = count;
	argv[a++] = "--url";
	argv[a++] = w->url;
	argv[a++] = "--level";
	argv[a++] = lvl;
	if (s->o->keylog_path) {
		argv[a++] = "--keylog";
		argv[a++] = (char *)s->o->keylog_path;
	}
	if (s->cfg->role == ROLE_GATEWAY) {
		snprintf(findex, sizeof(findex), "%d", w->first_index);
		argv[a++] = "--first-index";
		argv[a++] = findex;
	}
	if (s->cfg->ikeconf.installfastpath) {
		argv[a++] = "--kernel";
		argv[a++] = s->kernel_url;
	}
	for (int i = 0; i < w->nfds; i++) {
		snprintf(fdarg[i], sizeof(fdarg[i]), "%d:%u", CHILD_FD0 + i, w->fd_flags[i]);
		argv[a++] = "--fd";
		argv[a++] = fdarg[i];
	}
	argv[a] = NULL;
	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = vfork();
	if (pid != 0)
		return pid < 0 ? -errno : pid;
	child_prepare(parent, SIGKILL);
	/* Move the fds to 3.. (dup2 clears close-on-exec); first out of the
	 * way of each other, above any low number. */
	int tmp[WMAIN_MAX_FDS];
	for (int i = 0; i < w->nfds; i++)
		tmp[i] = fcntl(w->fds[i], F_DUPFD_CLOEXEC, 64);
	for (int i = 0; i < w->nfds; i++)
		if (tmp[i] < 0 || dup2(tmp[i], CHILD_FD0 + i) < 0)
			_exit(126);
	execv(s->self, argv);
	_exit(127);
}

pid_t sup_spawn_kernel(struct sup *s)
{
	char *argv[] = { "ikeswarm-kernel", "__kernel", "--url", s->kernel_url, NULL };
	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = vfork();
	if (pid != 0)
		return pid < 0 ? -errno : pid;
	child_prepare(parent, SIGHUP); /* kproc.h: cleans up, runtime folder too */
	execv(s->self, argv);
	_exit(127);
}

const char *sup_status_text(int status, char *buf, size_t size)
{
	if (WIFSIGNALED(status))
		snprintf(buf, size, "signal=%d status=killed", WTERMSIG(status));
	else if (WIFEXITED(status))
		snprintf(buf, size, "status=%d", WEXITSTATUS(status));
	else
		snprintf(buf, size, "status=unknown");
	return buf;
}
