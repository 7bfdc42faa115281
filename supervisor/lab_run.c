/* The lab's run (see lab_run.h): the gateway, then the client, each an
 * `ikeswarm exec -j` child in its namespace, moved along by one poll loop
 * over a signalfd and the children's pipes.
 *
 * Phases: GW_START (until the gateway logs run.start), RUN (until the
 * client exits), STOP_CL, STOP_GW, DONE (until the pipes end).  Stopping is
 * the client first (it deletes its IKE SAs), then the gateway; each gets
 * SIGTERM, then SIGKILL after LAB_STOP_MS.  A second signal kills both at once.
 * The children have their own process groups (a Ctrl-C reaches only the
 * lab) and PR_SET_PDEATHSIG. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "supervisor/lab_report.h"
#include "supervisor/lab_run.h"

/* The event log goes to the child's stderr, our pipe.  Not /dev/stderr: a
 * log rotation would rename that (the lab setups have no size cap). */
#define LAB_LOG "/proc/self/fd/2"
#define KILL_MS 5000              /* SIGKILL, then give up waiting */
#define DRAIN_MS 2000             /* both reaped: their pipes end within */
#define TICK_MS 1000              /* progress at most this often */
#define QUIET_MS 10000            /* ... and at least this often */

void lab_run_init(struct lab_run *L)
{
	memset(L, 0, sizeof(*L));
	L->sigfd = -1;
	lab_child_init(&L->gw, "gw");
	lab_child_init(&L->cl, "cl");
	L->gws.name = "gateway";
	L->cls.name = "client";
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void on_line(void *arg, struct lab_child *c, const char *line)
{
	struct lab_run *L = arg;
	struct lab_side *s = c == &L->gw ? &L->gws : &L->cls;
	if (lab_side_take(s, line) || L->verbose) {
		printf("[%s] %s\n", c->tag, line);
		fflush(stdout);
	}
}

static void stop_gw(struct lab_run *L, uint64_t now)
{
	L->killed = false;
	if (lab_child_running(&L->gw)) {
		lab_child_signal(&L->gw, SIGTERM);
		L->phase = PH_STOP_GW;
		L->deadline = now + LAB_STOP_MS;
	} else {
		L->phase = PH_DONE;
		L->done_at = now;
	}
}

static void stop_cl(struct lab_run *L, uint64_t now)
{
	L->killed = false;
	if (lab_child_running(&L->cl)) {
		lab_child_signal(&L->cl, SIGTERM);
		L->phase = PH_STOP_CL;
		L->deadline = now + LAB_STOP_MS;
	} else {
		stop_gw(L, now);
	}
}

static int start_client(struct lab_run *L)
{
	const char *argv[] = { "ikeswarm", "exec", "-f", L->cl_yaml, "-j", "--lf", LAB_LOG, NULL };
	int rc = lab_child_spawn(&L->cl, L->cl_ns, L->dir, "/proc/self/exe", argv);
	if (rc < 0)
		lab_say("cannot start the client: %s", strerror(-rc));
	return rc;
}

/* A stop phase's deadline passed: SIGKILL, or give up on that child. */
static void stop_overdue(struct lab_run *L, struct lab_child *c, uint64_t now)
{
	if (!L->killed) {
		lab_say("the %s did not stop within %d s: killing it",
			c == &L->gw ? "gateway" : "client", LAB_STOP_MS / 1000);
		lab_child_signal(c, SIGKILL);
		L->killed = true;
		L->deadline = now + KILL_MS;
		return;
	}
	lab_say("the %s (pid %ld) does not go away; leaving it", c == &L->gw ? "gateway" : "client",
		(long)c->pid);
	c->reaped = true; /* stop waiting; lab_net_down kills what is left */
	c->status = 255 << 8;
}

/* Move the run along: children that ended, deadlines that passed. */
static void step(struct lab_run *L, uint64_t now)
{
	switch (L->phase) {
	case PH_GW_START:
		if (!lab_child_running(&L->gw)) {
			lab_say("the gateway stopped before it was ready");
			L->failed = true;
			stop_gw(L, now);
		} else if (L->gws.started) {
			if (start_client(L) < 0) {
				L->failed = true;
				stop_gw(L, now);
				break;
			}
			L->phase = PH_RUN;
			L->deadline = UINT64_MAX;
			if (L->seconds)
				L->deadline = now + (uint64_t)L->seconds * 1000 + LAB_CL_OVERRUN_MS;
		} else if (now >= L->deadline) {
			lab_say("the gateway did not start within %d s", LAB_GW_READY_MS / 1000);
			L->failed = true;
			stop_gw(L, now);
		}
		break;
	case PH_RUN:
		if (!lab_child_running(&L->cl)) {
			stop_gw(L, now);
		} else if (!lab_child_running(&L->gw)) {
			lab_say("the gateway exited early: stopping the client");
			L->failed = true;
			stop_cl(L, now);
		} else if (now >= L->deadline) {
			lab_say("the client is still running %d s after its running time: stopping it",
				LAB_CL_OVERRUN_MS / 1000);
			L->failed = true;
			stop_cl(L, now);
		}
		break;
	case PH_STOP_CL:
		if (!lab_child_running(&L->cl))
			stop_gw(L, now);
		else if (now >= L->deadline)
			stop_overdue(L, &L->cl, now);
		break;
	case PH_STOP_GW:
		if (!lab_child_running(&L->gw)) {
			L->phase = PH_DONE;
			L->done_at = now;
		} else if (now >= L->deadline) {
			stop_overdue(L, &L->gw, now);
		}
		break;
	case PH_DONE:
		break;
	}
}

static void on_signal(struct lab_run *L, int sig, uint64_t now)
{
	if (sig == SIGCHLD)
		return;
	if (++L->signals == 1) {
		L->interrupted = true;
		lab_say("SIG%s: stopping the client, then the gateway (again to kill them)",
			sigabbrev_np(sig));
		if (L->phase == PH_GW_START)
			stop_gw(L, now);
		else if (L->phase == PH_RUN)
			stop_cl(L, now);
		return;
	}
	lab_say("SIG%s again: killing both sides", sigabbrev_np(sig));
	lab_child_signal(&L->cl, SIGKILL);
	lab_child_signal(&L->gw, SIGKILL);
}

static void progress(struct lab_run *L, uint64_t now)
{
	if (now < L->next_tick)
		return;
	L->next_tick = now + TICK_MS;
	if (L->phase != PH_RUN)
		return;
	bool changed = L->cls.up != L->printed_up || L->gws.up != L->printed_gw_up ||
		       L->cls.failed != L->printed_failed || L->cls.moves != L->printed_moves;
	if (changed || now - L->last_print >= QUIET_MS) {
		lab_say("%5.1f s  client %ld/%ld up, %ld failed  gateway %ld/%ld up  MOBIKE moves %ld",
			(double)(now - L->t0) / 1000, L->cls.up, L->tunnels, L->cls.failed, L->gws.up,
			L->tunnels, L->cls.moves);
		L->last_print = now;
		L->printed_up = L->cls.up;
		L->printed_gw_up = L->gws.up;
		L->printed_failed = L->cls.failed;
		L->printed_moves = L->cls.moves;
	}
	if (!L->all_up_said && L->cls.up >= L->tunnels && L->gws.up >= L->tunnels) {
		L->all_up_said = true;
		if (L->seconds)
			lab_say("all %ld tunnels are up on both sides; the client stops at %ld s",
				L->tunnels, L->seconds);
		else
			lab_say("all %ld tunnels are up on both sides; Ctrl-C ends the lab",
				L->tunnels);
	}
}

static void read_signals(struct lab_run *L, uint64_t now)
{
	struct signalfd_siginfo si;
	while (read(L->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		on_signal(L, (int)si.ssi_signo, now);
}

void lab_run(struct lab_run *L)
{
	const char *argv[] = { "ikeswarm", "exec", "-f", L->gw_yaml, "-j", "--lf", LAB_LOG, NULL };
	int rc = lab_child_spawn(&L->gw, L->gw_ns, L->dir, "/proc/self/exe", argv);
	if (rc < 0) {
		lab_say("cannot start the gateway: %s", strerror(-rc));
		L->failed = true;
		return;
	}
	uint64_t now = now_ms();
	L->t0 = now;
	L->phase = PH_GW_START;
	L->deadline = now + LAB_GW_READY_MS;
	L->next_tick = now + TICK_MS;
	L->last_print = now;
	for (;;) {
		struct pollfd pf[5];
		struct lab_child *owner[5];
		nfds_t n = 0;
		pf[n++] = (struct pollfd){ .fd = L->sigfd, .events = POLLIN };
		struct lab_child *kids[2] = { &L->gw, &L->cl };
		for (int k = 0; k < 2; k++) {
			int fds[2] = { kids[k]->fd_out, kids[k]->fd_err };
			for (int i = 0; i < 2; i++)
				if (fds[i] >= 0) {
					owner[n] = kids[k];
					pf[n++] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
				}
		}
		if (L->phase == PH_DONE && n == 1)
			break;
		uint64_t until = L->phase == PH_DONE ? L->done_at + DRAIN_MS : L->deadline;
		if (L->next_tick < until)
			until = L->next_tick;
		now = now_ms();
		int timeout = until <= now ? 0 : until - now > INT_MAX ? INT_MAX : (int)(until - now);
		if (poll(pf, n, timeout) < 0 && errno != EINTR)
			break;
		now = now_ms();
		if (pf[0].revents)
			read_signals(L, now);
		for (nfds_t i = 1; i < n; i++)
			if (pf[i].revents)
				lab_child_read(owner[i], pf[i].fd, on_line, L);
		lab_child_reap(&L->gw);
		lab_child_reap(&L->cl);
		step(L, now);
		progress(L, now);
		if (L->phase == PH_DONE && now >= L->done_at + DRAIN_MS)
			break;
	}
	lab_child_drain(&L->gw, true, on_line, L);
	lab_child_drain(&L->cl, true, on_line, L);
}

bool lab_run_interrupted(struct lab_run *L)
{
	read_signals(L, now_ms());
	return L->interrupted;
}
