/* ikeswarm lab [-n TUNNELS] [-t SECONDS] [--keep-going] [-v]: the README's
 * first command.  Two network namespaces on a veth pair (lab_net.h), an
 * `ikeswarm exec -j` gateway in one and client in the other from the
 * shipped lab setups (lab_setup.h), their progress and results on stdout,
 * and everything removed at the end -- also on SIGINT/SIGTERM/SIGHUP.
 *
 * Stopping order: the client first (it deletes its IKE SAs), then the
 * gateway; each gets SIGTERM, then SIGKILL after STOP_MS.  A second signal
 * kills both at once.  The children run in their own process groups (a
 * Ctrl-C reaches only the lab) with PR_SET_PDEATHSIG. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "supervisor/cmd.h"
#include "supervisor/lab_child.h"
#include "supervisor/lab_net.h"
#include "supervisor/lab_report.h"
#include "supervisor/lab_setup.h"

#define LAB_TUNNELS_DEFAULT 200
#define LAB_TUNNELS_MAX 32767     /* 2 addresses each in 10.98.0.0/16 */
#define LAB_SECONDS_DEFAULT 30
#define LAB_SECONDS_MAX 86400
#define GW_READY_MS 10000         /* gateway: run.start within this */
#define CL_OVERRUN_MS 60000       /* client: done within -t plus this */
#define STOP_MS 15000             /* SIGTERM, then SIGKILL after this */
#define KILL_MS 5000              /* SIGKILL, then give up waiting */
#define DRAIN_MS 2000             /* both reaped: their pipes end within */
#define TICK_MS 1000              /* progress at most this often */
#define QUIET_MS 10000            /* ... and at least this often */

enum phase { PH_GW_START, PH_RUN, PH_STOP_CL, PH_STOP_GW, PH_DONE };

struct lab {
	long tunnels, seconds;   /* seconds 0: until interrupted */
	bool verbose;
	struct lab_net net;
	char dir[64], gw_yaml[96], cl_yaml[96];
	struct lab_child gw, cl;
	struct lab_side gws, cls;
	int sigfd;
	enum phase phase;
	bool killed;             /* SIGKILL sent in this stop phase */
	bool interrupted;
	int signals;
	uint64_t t0, deadline, next_tick, last_print, done_at;
	long printed_up, printed_gw_up, printed_failed, printed_moves;
	bool all_up_said;
	bool failed;             /* the lab itself saw something go wrong */
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("[lab] ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
	fflush(stdout);
}

static void on_line(void *arg, struct lab_child *c, const char *line)
{
	struct lab *L = arg;
	struct lab_side *s = c == &L->gw ? &L->gws : &L->cls;
	if (lab_side_take(s, line) || L->verbose) {
		printf("[%s] %s\n", c->tag, line);
		fflush(stdout);
	}
}

static void stop_gw(struct lab *L, uint64_t now)
{
	L->killed = false;
	if (lab_child_running(&L->gw)) {
		lab_child_signal(&L->gw, SIGTERM);
		L->phase = PH_STOP_GW;
		L->deadline = now + STOP_MS;
	} else {
		L->phase = PH_DONE;
		L->done_at = now;
	}
}

static void stop_cl(struct lab *L, uint64_t now)
{
	L->killed = false;
	if (lab_child_running(&L->cl)) {
		lab_child_signal(&L->cl, SIGTERM);
		L->phase = PH_STOP_CL;
		L->deadline = now + STOP_MS;
	} else {
		stop_gw(L, now);
	}
}

static int start_client(struct lab *L)
{
	char *argv[] = { "ikeswarm", "exec", "-f", L->cl_yaml, "-j", NULL };
	int rc = lab_child_spawn(&L->cl, L->net.cl, "/proc/self/exe", argv);
	if (rc < 0)
		say("cannot start the client: %s", strerror(-rc));
	return rc;
}

/* A stop phase's deadline passed: SIGKILL, or give up on that child. */
static void stop_overdue(struct lab *L, struct lab_child *c, uint64_t now)
{
	if (!L->killed) {
		say("the %s did not stop within %d s: killing it",
		    c == &L->gw ? "gateway" : "client", STOP_MS / 1000);
		lab_child_signal(c, SIGKILL);
		L->killed = true;
		L->deadline = now + KILL_MS;
		return;
	}
	say("the %s (pid %ld) does not go away; leaving it", c == &L->gw ? "gateway" : "client",
	    (long)c->pid);
	c->reaped = true; /* stop waiting; lab_net_down kills what is left */
	c->status = 255 << 8;
}

/* Move the run along: children that ended, deadlines that passed. */
static void step(struct lab *L, uint64_t now)
{
	switch (L->phase) {
	case PH_GW_START:
		if (!lab_child_running(&L->gw)) {
			say("the gateway stopped before it was ready");
			L->failed = true;
			stop_gw(L, now);
		} else if (L->gws.started) {
			if (start_client(L) < 0) {
				L->failed = true;
				stop_gw(L, now);
				break;
			}
			L->phase = PH_RUN;
			L->deadline = L->seconds ? now + (uint64_t)L->seconds * 1000 + CL_OVERRUN_MS
						 : UINT64_MAX;
		} else if (now >= L->deadline) {
			say("the gateway did not start within %d s", GW_READY_MS / 1000);
			L->failed = true;
			stop_gw(L, now);
		}
		break;
	case PH_RUN:
		if (!lab_child_running(&L->cl)) {
			stop_gw(L, now);
		} else if (!lab_child_running(&L->gw)) {
			say("the gateway exited early: stopping the client");
			L->failed = true;
			stop_cl(L, now);
		} else if (now >= L->deadline) {
			say("the client is still running %d s after its running time: stopping it",
			    CL_OVERRUN_MS / 1000);
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

static void on_signal(struct lab *L, int sig, uint64_t now)
{
	if (sig == SIGCHLD)
		return;
	if (++L->signals == 1) {
		L->interrupted = true;
		say("%s: stopping the client, then the gateway (send it again to kill them)",
		    strsignal(sig));
		if (L->phase == PH_GW_START)
			stop_gw(L, now);
		else if (L->phase == PH_RUN)
			stop_cl(L, now);
		return;
	}
	say("%s again: killing both sides", strsignal(sig));
	lab_child_signal(&L->cl, SIGKILL);
	lab_child_signal(&L->gw, SIGKILL);
}

static void progress(struct lab *L, uint64_t now)
{
	if (L->phase != PH_RUN || now < L->next_tick)
		return;
	L->next_tick = now + TICK_MS;
	bool changed = L->cls.up != L->printed_up || L->gws.up != L->printed_gw_up ||
		       L->cls.failed != L->printed_failed || L->cls.moves != L->printed_moves;
	if (changed || now - L->last_print >= QUIET_MS) {
		say("%5.1f s  client %ld/%ld up, %ld failed  gateway %ld/%ld up  MOBIKE moves %ld",
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
			say("all %ld tunnels are up on both sides; the client stops at %ld s",
			    L->tunnels, L->seconds);
		else
			say("all %ld tunnels are up on both sides; Ctrl-C ends the lab", L->tunnels);
	}
}

static void read_signals(struct lab *L, uint64_t now)
{
	struct signalfd_siginfo si;
	while (read(L->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		on_signal(L, (int)si.ssi_signo, now);
}

/* Run the gateway, then the client, until both have ended. */
static void run(struct lab *L)
{
	char *argv[] = { "ikeswarm", "exec", "-f", L->gw_yaml, "-j", NULL };
	int rc = lab_child_spawn(&L->gw, L->net.gw, "/proc/self/exe", argv);
	if (rc < 0) {
		say("cannot start the gateway: %s", strerror(-rc));
		L->failed = true;
		return;
	}
	uint64_t now = now_ms();
	L->phase = PH_GW_START;
	L->deadline = now + GW_READY_MS;
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

/* Write both setups and check them with the setup loader.  0 or -1. */
static int write_setups(struct lab *L)
{
	struct {
		const char *tmpl, *path;
		long seconds;
	} s[2] = {
		{ lab_gateway_yaml, L->gw_yaml, 0 }, /* the lab stops the gateway */
		{ lab_client_yaml, L->cl_yaml, L->seconds },
	};
	for (int i = 0; i < 2; i++) {
		int rc = lab_setup_write(s[i].tmpl, s[i].path, L->tunnels, s[i].seconds);
		if (rc < 0) {
			fprintf(stderr, "ikeswarm lab: writing %s: %s\n", s[i].path, strerror(-rc));
			return -1;
		}
		struct config cfg;
		struct conf_diag diag = { 0 };
		rc = conf_load_file(s[i].path, &cfg, &diag);
		conf_diag_print(&diag, stderr);
		if (rc == 0 && i == 1 && cfg.setupinterval_ns * (uint64_t)L->tunnels / 1000000 >
						 (uint64_t)L->seconds * 500 && L->seconds)
			say("note: starting %ld tunnels, one every %llu ms, takes about half or more "
			    "of the %ld s run: give -t more time", L->tunnels,
			    (unsigned long long)(cfg.setupinterval_ns / 1000000), L->seconds);
		config_free(&cfg);
		conf_diag_free(&diag);
		if (rc < 0) {
			fprintf(stderr, "ikeswarm lab: the generated setup %s is not valid\n",
				s[i].path);
			return -1;
		}
	}
	return 0;
}

/* Setup folders "ikeswarm-lab-PID.XXXXXX" in base left by a lab that was
 * killed (PID gone): remove the two setups and the folder. */
static void reap_stale_dirs(const char *base)
{
	DIR *d = opendir(base);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		long pid;
		char tail[8];
		if (sscanf(de->d_name, "ikeswarm-lab-%ld.%7s", &pid, tail) != 2 || pid <= 0 ||
		    strlen(tail) != 6)
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		char path[PATH_MAX];
		static const char *const files[] = { "gateway.yaml", "client.yaml" };
		for (size_t i = 0; i < 2; i++) {
			snprintf(path, sizeof(path), "%s/%s/%s", base, de->d_name, files[i]);
			unlink(path);
		}
		snprintf(path, sizeof(path), "%s/%s", base, de->d_name);
		if (rmdir(path) == 0)
			fprintf(stderr, "ikeswarm lab: removed %s, left behind by an earlier lab "
				"that was killed\n", path);
	}
	closedir(d);
}

static void remove_files(struct lab *L)
{
	if (!L->dir[0])
		return;
	unlink(L->gw_yaml);
	unlink(L->cl_yaml);
	if (rmdir(L->dir) < 0)
		fprintf(stderr, "ikeswarm lab: removing %s: %s\n", L->dir, strerror(errno));
}

/* Options into L; 0, 1 (help printed) or 2 (bad usage, said). */
static int parse_args(struct lab *L, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tunnels", required_argument, NULL, 'n' },
		{ "time", required_argument, NULL, 't' },
		{ "keep-going", no_argument, NULL, 'k' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd *self = cmd_find("lab");
	bool keep_going = false;
	int opt;
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":n:t:vh", opts, NULL)) != -1) {
		char *end;
		long v;
		switch (opt) {
		case 'n':
		case 't':
			errno = 0;
			v = strtol(optarg, &end, 10);
			long max = opt == 'n' ? LAB_TUNNELS_MAX : LAB_SECONDS_MAX;
			if (errno || end == optarg || *end || v < 1 || v > max) {
				fprintf(stderr, "ikeswarm lab: -%c wants a whole number from 1 to "
					"%ld, got '%s'\n", opt, max, optarg);
				return 2;
			}
			*(opt == 'n' ? &L->tunnels : &L->seconds) = v;
			break;
		case 'k':
			keep_going = true;
			break;
		case 'v':
			L->verbose = true;
			break;
		case 'h':
			cmd_usage(self, 0);
			return 1;
		case ':':
			fprintf(stderr, "ikeswarm lab: option '%s' needs an argument\n",
				argv[optind - 1]);
			cmd_usage(self, 1);
			return 2;
		default:
			fprintf(stderr, "ikeswarm lab: unknown option '%s'\n", argv[optind - 1]);
			cmd_usage(self, 1);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ikeswarm lab: unexpected argument '%s'\n", argv[optind]);
		cmd_usage(self, 1);
		return 2;
	}
	if (keep_going)
		L->seconds = 0;
	return 0;
}

/* Why one side did not pass, appended to why (nothing when it passed). */
static void side_why(char *why, size_t sz, const char *name, const struct lab_result *r,
		     const struct lab_child *c, long tunnels)
{
	size_t n = strlen(why);
	const char *sep = n ? "; " : "";
	if (c->pid <= 0)
		snprintf(why + n, sz - n, "%sthe %s did not run", sep, name);
	else if (!r->have)
		snprintf(why + n, sz - n, "%sthe %s gave no result", sep, name);
	else if (!lab_result_ok(r, tunnels))
		snprintf(why + n, sz - n, "%sthe %s has %ld of %ld tunnels created", sep, name,
			 r->created, tunnels);
	else if (c->status != 0)
		snprintf(why + n, sz - n, "%sthe %s exited with status %d", sep, name,
			 WIFEXITED(c->status) ? WEXITSTATUS(c->status) : 128 + WTERMSIG(c->status));
}

static int verdict(struct lab *L)
{
	struct lab_result rg, rc;
	lab_result_parse(L->gw.out, &rg);
	lab_result_parse(L->cl.out, &rc);
	if (L->verbose) {
		if (rc.have)
			printf("[cl] %s", L->cl.out);
		if (rg.have)
			printf("[gw] %s", L->gw.out);
	}
	printf("\nResults\n");
	lab_result_print(stdout, "client", &rc, L->cl.pid > 0 ? L->cl.status : -1, &L->cls);
	lab_result_print(stdout, "gateway", &rg, L->gw.pid > 0 ? L->gw.status : -1, &L->gws);
	if (L->interrupted && L->seconds) {
		printf("lab: interrupted\n");
		return 130;
	}
	char why[256] = "";
	side_why(why, sizeof(why), "client", &rc, &L->cl, L->tunnels);
	side_why(why, sizeof(why), "gateway", &rg, &L->gw, L->tunnels);
	if (!why[0] && L->failed)
		snprintf(why, sizeof(why), "see the [lab] lines above");
	if (why[0]) {
		printf("lab: FAIL: %s (-v shows every log line)\n", why);
		return 1;
	}
	printf("lab: PASS, all %ld tunnels came up on both sides\n", L->tunnels);
	return 0;
}

int cmd_lab(int argc, char **argv)
{
	struct lab L = { .tunnels = LAB_TUNNELS_DEFAULT, .seconds = LAB_SECONDS_DEFAULT,
			 .sigfd = -1 };
	int rc = parse_args(&L, argc, argv);
	if (rc)
		return rc == 1 ? 0 : rc;
	if (geteuid() != 0) {
		fprintf(stderr, "ikeswarm lab: this needs root: it creates two network "
			"namespaces and a veth pair (try: sudo %s lab)\n",
			program_invocation_name);
		return 2;
	}
	lab_child_init(&L.gw, "gw");
	lab_child_init(&L.cl, "cl");
	L.gws.name = "gateway";
	L.cls.name = "client";
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* Signals are read from a signalfd.  Reset INT/TERM first: a shell
	 * starts background jobs with SIGINT ignored, and an ignored signal
	 * never reaches the signalfd. */
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN);
	sigprocmask(SIG_BLOCK, &set, &old);
	L.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	rc = 1;
	if (L.sigfd < 0) {
		fprintf(stderr, "ikeswarm lab: signalfd: %s\n", strerror(errno));
		goto out;
	}

	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp || strlen(tmp) >= 30)
		tmp = "/tmp";
	lab_net_reap_stale(stderr);
	reap_stale_dirs(tmp);
	lab_net_names(&L.net, getpid());
	snprintf(L.dir, sizeof(L.dir), "%s/ikeswarm-lab-%ld.XXXXXX", tmp, (long)getpid());
	if (!mkdtemp(L.dir)) {
		fprintf(stderr, "ikeswarm lab: mkdtemp %s: %s\n", L.dir, strerror(errno));
		L.dir[0] = '\0';
		goto out;
	}
	snprintf(L.gw_yaml, sizeof(L.gw_yaml), "%s/gateway.yaml", L.dir);
	snprintf(L.cl_yaml, sizeof(L.cl_yaml), "%s/client.yaml", L.dir);
	if (write_setups(&L) < 0)
		goto out;

	L.t0 = now_ms();
	if (L.seconds)
		say("%ld tunnels for %ld s; MOBIKE own-only, each tunnel moves every 5 s",
		    L.tunnels, L.seconds);
	else
		say("%ld tunnels until Ctrl-C; MOBIKE own-only, each tunnel moves every 5 s",
		    L.tunnels);
	say("gateway: namespace %s, %s on %s", L.net.gw, LAB_GW_ADDR, LAB_GW_IF);
	say("client:  namespace %s, %s on %s, tunnel addresses from 10.98.0.1", L.net.cl,
	    LAB_CL_ADDR, LAB_CL_IF);
	say("setups:  %s and %s (from conf/examples/lab-*.yaml)", L.gw_yaml, L.cl_yaml);
	if (lab_net_up(&L.net, stderr) < 0)
		goto out;
	read_signals(&L, now_ms());
	if (L.interrupted) {
		rc = 130;
		goto out;
	}
	run(&L);
	rc = verdict(&L);
out:
	/* Whatever happened above: nothing of ours stays. */
	lab_child_signal(&L.cl, SIGKILL);
	lab_child_signal(&L.gw, SIGKILL);
	for (int i = 0; i < 50 && (lab_child_running(&L.cl) || lab_child_running(&L.gw)); i++) {
		usleep(20 * 1000);
		lab_child_reap(&L.cl);
		lab_child_reap(&L.gw);
	}
	bool made = L.net.gw_made || L.net.cl_made;
	if (lab_net_down(&L.net, stderr) < 0) {
		made = false;
		if (rc == 0)
			rc = 1;
	}
	remove_files(&L);
	lab_child_free(&L.gw);
	lab_child_free(&L.cl);
	if (L.sigfd >= 0)
		close(L.sigfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGPIPE, old_pipe);
	if (made)
		printf("lab: removed namespaces %s and %s, and %s\n", L.net.gw, L.net.cl, L.dir);
	fflush(stdout);
	return rc;
}
