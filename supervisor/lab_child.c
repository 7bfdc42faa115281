/* A lab child: ikeswarm in a namespace, with its output on two pipes. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor/lab_child.h"
#include "supervisor/lab_net.h"

/* The result is one line of JSON; more than this is not a result. */
#define OUT_MAX (1u << 20)

void lab_child_init(struct lab_child *c, const char *tag)
{
	memset(c, 0, sizeof(*c));
	c->tag = tag;
	c->fd_out = c->fd_err = -1;
}

int lab_child_spawn(struct lab_child *c, const char *ns, const char *cwd, const char *path,
		    const char *const argv[])
{
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 };
	int rc = 0;
	pid_t parent = getpid();
	if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0) {
		rc = -errno;
		goto fail;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		rc = -errno;
		goto fail;
	}
	if (pid == 0) {
		setpgid(0, 0);
		/* A lab killed outright still stops its children, which stop
		 * gracefully; the next lab removes the namespaces. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		sigset_t none;
		sigemptyset(&none);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		sigprocmask(SIG_SETMASK, &none, NULL);
		int nul = open("/dev/null", O_RDONLY);
		if (nul < 0 || dup2(nul, 0) < 0 || dup2(po[1], 1) < 0 || dup2(pe[1], 2) < 0)
			_exit(127);
		int r = lab_ns_enter(ns);
		if (r < 0) {
			fprintf(stderr, "ikeswarm lab: entering namespace %s: %s\n", ns, strerror(-r));
			_exit(127);
		}
		if (cwd && chdir(cwd) < 0) {
			fprintf(stderr, "ikeswarm lab: chdir %s: %s\n", cwd, strerror(errno));
			_exit(127);
		}
		execv(path, (char *const *)argv);
		fprintf(stderr, "ikeswarm lab: cannot run %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	c->pid = pid;
	c->reaped = false;
	c->fd_out = po[0];
	c->fd_err = pe[0];
	fcntl(c->fd_out, F_SETFL, O_NONBLOCK);
	fcntl(c->fd_err, F_SETFL, O_NONBLOCK);
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	return rc;
}

static void take_out(struct lab_child *c, const char *buf, size_t n)
{
	if (c->out_len + n > OUT_MAX)
		return;
	char *grown = realloc(c->out, c->out_len + n + 1);
	if (!grown)
		return;
	c->out = grown;
	memcpy(c->out + c->out_len, buf, n);
	c->out_len += n;
	c->out[c->out_len] = '\0';
}

static void take_err(struct lab_child *c, const char *buf, size_t n, lab_line_fn *fn, void *arg)
{
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n' || c->err_len == sizeof(c->err_part) - 1) {
			c->err_part[c->err_len] = '\0';
			fn(arg, c, c->err_part);
			c->err_len = 0;
			if (buf[i] == '\n')
				continue;
		}
		c->err_part[c->err_len++] = buf[i];
	}
}

int lab_child_read(struct lab_child *c, int fd, lab_line_fn *fn, void *arg)
{
	char buf[8192];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0) {
			int rc = n < 0 ? -errno : 0;
			close(fd);
			if (fd == c->fd_out)
				c->fd_out = -1;
			else
				c->fd_err = -1;
			return rc;
		}
		if (fd == c->fd_out)
			take_out(c, buf, (size_t)n);
		else
			take_err(c, buf, (size_t)n, fn, arg);
	}
}

void lab_child_drain(struct lab_child *c, bool end, lab_line_fn *fn, void *arg)
{
	if (c->fd_out >= 0)
		lab_child_read(c, c->fd_out, fn, arg);
	if (c->fd_err >= 0)
		lab_child_read(c, c->fd_err, fn, arg);
	if (!end)
		return;
	if (c->err_len) {
		c->err_part[c->err_len] = '\0';
		fn(arg, c, c->err_part);
		c->err_len = 0;
	}
	if (c->fd_out >= 0)
		close(c->fd_out);
	if (c->fd_err >= 0)
		close(c->fd_err);
	c->fd_out = c->fd_err = -1;
}

bool lab_child_reap(struct lab_child *c)
{
	if (c->reaped || c->pid <= 0)
		return c->reaped;
	int status;
	pid_t r = waitpid(c->pid, &status, WNOHANG);
	if (r == c->pid || (r < 0 && errno == ECHILD)) {
		c->status = r == c->pid ? status : 255 << 8; /* reaped elsewhere: unknown */
		c->reaped = true;
	}
	return c->reaped;
}

bool lab_child_running(const struct lab_child *c)
{
	return c->pid > 0 && !c->reaped;
}

void lab_child_signal(struct lab_child *c, int sig)
{
	if (!lab_child_running(c))
		return;
	if (sig == SIGKILL)
		kill(-c->pid, SIGKILL);
	kill(c->pid, sig);
}

void lab_child_free(struct lab_child *c)
{
	if (c->fd_out >= 0)
		close(c->fd_out);
	if (c->fd_err >= 0)
		close(c->fd_err);
	c->fd_out = c->fd_err = -1;
	free(c->out);
	c->out = NULL;
	c->out_len = 0;
}
