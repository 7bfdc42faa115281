/* One ikeswarm run of the lab inside a namespace: the child process, its
 * standard output (kept whole: the JSON result) and its standard error
 * (the event log, handed over line by line). */
#ifndef IKESWARM_SUPERVISOR_LAB_CHILD_H
#define IKESWARM_SUPERVISOR_LAB_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define LAB_LINE_MAX 4096

struct lab_child {
	const char *tag;          /* "gw" or "cl": the prefix of its lines */
	pid_t pid;                /* > 0 from spawn until reaped */
	bool reaped;
	int status;               /* waitpid status once reaped */
	int fd_out, fd_err;       /* pipe ends, -1 when closed */
	char *out;                /* everything read from stdout, NUL-ended */
	size_t out_len;
	char err_part[LAB_LINE_MAX]; /* the stderr line being read */
	size_t err_len;
};

typedef void lab_line_fn(void *arg, struct lab_child *c, const char *line);

void lab_child_init(struct lab_child *c, const char *tag);

/* Fork and run path with argv inside namespace ns, in folder cwd (NULL:
 * ours): own process group, SIGTERM when the lab dies, signal mask
 * cleared, stdin /dev/null, stdout and stderr on pipes (non-blocking on our
 * side).  0 or -errno. */
int lab_child_spawn(struct lab_child *c, const char *ns, const char *cwd, const char *path,
		    const char *const argv[]);

/* Read what fd (c->fd_out or c->fd_err) has now; each complete stderr line
 * goes to fn.  Closes the fd at end of file.  0, or -errno. */
int lab_child_read(struct lab_child *c, int fd, lab_line_fn *fn, void *arg);

/* Read both pipes until they would block or end; then, when end is true,
 * hand over a last unterminated stderr line and close them. */
void lab_child_drain(struct lab_child *c, bool end, lab_line_fn *fn, void *arg);

/* waitpid without blocking: true when it has (now or before) exited. */
bool lab_child_reap(struct lab_child *c);

/* Running: not yet reaped. */
bool lab_child_running(const struct lab_child *c);

/* SIGTERM goes to the child (its own stop does the rest); SIGKILL goes to
 * its whole process group. */
void lab_child_signal(struct lab_child *c, int sig);

void lab_child_free(struct lab_child *c);

#endif
