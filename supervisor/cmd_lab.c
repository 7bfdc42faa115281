/* ikeswarm lab [-n TUNNELS] [-t SECONDS] [--keep-going] [-v]: the README's
 * first command.  Two network namespaces on a veth pair (lab_net.h), an
 * `ikeswarm exec -j` gateway in one and client in the other from the
 * shipped lab setups (lab_setup.h) in a private folder, run by lab_run.h,
 * their results judged here, and everything removed at the end -- also
 * after SIGINT/SIGTERM/SIGHUP, read from a signalfd from the start. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf/conf.h"
#include "conf/duration.h"
#include "lib/ipaddr.h"
#include "supervisor/cmd.h"
#include "supervisor/lab_net.h"
#include "supervisor/lab_report.h"
#include "supervisor/lab_run.h"
#include "supervisor/lab_setup.h"

#define LAB_TUNNELS_DEFAULT 200
#define LAB_TUNNELS_MAX 32767     /* 2 addresses each in 10.98.0.0/16 */
#define LAB_SECONDS_DEFAULT 30
#define LAB_SECONDS_MAX 86400

struct lab {
	struct lab_net net;
	char dir[64], gw_yaml[96], cl_yaml[96];
	struct lab_run run;       /* tunnels, seconds, verbose: the options */
};

/* What the client setup asks for, in one line. */
static void say_client_plan(const struct config *cfg)
{
	static const char *const change[] = {
		[MOBIKE_OWN_ONLY] = "own-only", [MOBIKE_PEER_ONLY] = "peer-only",
		[MOBIKE_BOTH] = "both",
	};
	char addr[INET6_ADDRSTRLEN] = "?", every[CONF_DURATION_STRLEN];
	ip_addr_format(&cfg->startclntaddr.addr, addr, sizeof(addr));
	if (!cfg->mobike) {
		lab_say("tunnels: client addresses from %s, MOBIKE off", addr);
		return;
	}
	lab_say("tunnels: %lld client addresses each from %s, MOBIKE %s every %s",
		(long long)cfg->mobikeaddrpertunnel, addr, change[cfg->mobikechangeaddrtype],
		conf_duration_format(cfg->mobikeiplifetime_ns, every, sizeof(every)));
}

/* Write both setups and check them with the setup loader.  0 or -1. */
static int write_setups(struct lab *L)
{
	struct {
		const char *tmpl, *path;
		long seconds;
	} s[2] = {
		{ lab_gateway_yaml, L->gw_yaml, 0 }, /* the lab stops the gateway */
		{ lab_client_yaml, L->cl_yaml, L->run.seconds },
	};
	for (int i = 0; i < 2; i++) {
		int rc = lab_setup_write(s[i].tmpl, s[i].path, L->run.tunnels, s[i].seconds);
		if (rc < 0) {
			fprintf(stderr, "ikeswarm lab: writing %s: %s\n", s[i].path, strerror(-rc));
			return -1;
		}
		struct config cfg;
		struct conf_diag diag = { 0 };
		rc = conf_load_file(s[i].path, &cfg, &diag);
		conf_diag_print(&diag, stderr);
		if (rc == 0 && i == 1)
			say_client_plan(&cfg);
		/* Starting every tunnel should take at most half the run. */
		uint64_t setup_ms = cfg.setupinterval_ns / 1000000 * (uint64_t)L->run.tunnels;
		if (rc == 0 && i == 1 && L->run.seconds &&
		    setup_ms > (uint64_t)L->run.seconds * 500)
			lab_say("note: starting %ld tunnels, one every %llu ms, takes half or more "
				"of the %ld s run: give -t more time", L->run.tunnels,
				(unsigned long long)(cfg.setupinterval_ns / 1000000), L->run.seconds);
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

/* Remove the files in folder path (the lab's own: its setups and whatever
 * the children wrote in their cwd), then the folder.  0 or -errno. */
static int remove_dir(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return -errno;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		char f[PATH_MAX];
		snprintf(f, sizeof(f), "%s/%s", path, de->d_name);
		unlink(f);
	}
	closedir(d);
	return rmdir(path) < 0 ? -errno : 0;
}

/* Folders "ikeswarm-lab-PID.XXXXXX" in base left by a lab that was killed
 * (PID gone): removed. */
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
		snprintf(path, sizeof(path), "%s/%s", base, de->d_name);
		if (remove_dir(path) == 0)
			fprintf(stderr, "ikeswarm lab: removed %s, left behind by an earlier lab "
				"that was killed\n", path);
	}
	closedir(d);
}

static void remove_files(struct lab *L)
{
	if (!L->dir[0])
		return;
	int rc = remove_dir(L->dir);
	if (rc < 0)
		fprintf(stderr, "ikeswarm lab: removing %s: %s\n", L->dir, strerror(-rc));
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
			*(opt == 'n' ? &L->run.tunnels : &L->run.seconds) = v;
			break;
		case 'k':
			keep_going = true;
			break;
		case 'v':
			L->run.verbose = true;
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
		L->run.seconds = 0;
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

static int verdict(const struct lab_run *R)
{
	struct lab_result rg, rc;
	lab_result_parse(R->gw.out, &rg);
	lab_result_parse(R->cl.out, &rc);
	if (R->verbose) {
		if (rc.have)
			printf("[cl] %s", R->cl.out);
		if (rg.have)
			printf("[gw] %s", R->gw.out);
	}
	printf("\nResults\n");
	lab_result_print(stdout, "client", &rc, R->cl.pid > 0 ? R->cl.status : -1, &R->cls);
	lab_result_print(stdout, "gateway", &rg, R->gw.pid > 0 ? R->gw.status : -1, &R->gws);
	if (R->interrupted && R->seconds) {
		printf("lab: interrupted\n");
		return 130;
	}
	char why[256] = "";
	side_why(why, sizeof(why), "client", &rc, &R->cl, R->tunnels);
	side_why(why, sizeof(why), "gateway", &rg, &R->gw, R->tunnels);
	if (!why[0] && R->failed)
		snprintf(why, sizeof(why), "see the [lab] lines above");
	if (why[0]) {
		printf("lab: FAIL: %s (-v shows every log line)\n", why);
		return 1;
	}
	printf("lab: PASS, all %ld tunnels came up on both sides\n", R->tunnels);
	return 0;
}

int cmd_lab(int argc, char **argv)
{
	struct lab L;
	struct lab_run *R = &L.run;
	memset(&L, 0, sizeof(L));
	lab_run_init(R);
	R->tunnels = LAB_TUNNELS_DEFAULT;
	R->seconds = LAB_SECONDS_DEFAULT;
	int rc = parse_args(&L, argc, argv);
	if (rc)
		return rc == 1 ? 0 : rc;
	if (geteuid() != 0) {
		fprintf(stderr, "ikeswarm lab: this needs root: it creates two network "
			"namespaces and a veth pair (try: sudo %s lab)\n",
			program_invocation_name);
		return 2;
	}
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
	R->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	rc = 1;
	if (R->sigfd < 0) {
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
	R->gw_ns = L.net.gw;
	R->cl_ns = L.net.cl;
	R->gw_yaml = L.gw_yaml;
	R->cl_yaml = L.cl_yaml;
	R->dir = L.dir;

	if (R->seconds)
		lab_say("%ld tunnels, the client runs %ld s", R->tunnels, R->seconds);
	else
		lab_say("%ld tunnels, until Ctrl-C", R->tunnels);
	lab_say("setups:  %s and %s (from conf/examples/lab-*.yaml)", L.gw_yaml, L.cl_yaml);
	if (write_setups(&L) < 0)
		goto out;
	lab_say("gateway: namespace %s, %s on %s", L.net.gw, LAB_GW_ADDR, LAB_GW_IF);
	lab_say("client:  namespace %s, %s on %s", L.net.cl, LAB_CL_ADDR, LAB_CL_IF);
	if (lab_net_up(&L.net, stderr) < 0)
		goto out;
	if (lab_run_interrupted(R)) {
		rc = 130;
		goto out;
	}
	lab_run(R);
	rc = verdict(R);
out:
	/* Whatever happened above: nothing of ours stays. */
	lab_child_signal(&R->cl, SIGKILL);
	lab_child_signal(&R->gw, SIGKILL);
	for (int i = 0; i < 50 && (lab_child_running(&R->cl) || lab_child_running(&R->gw)); i++) {
		usleep(20 * 1000);
		lab_child_reap(&R->cl);
		lab_child_reap(&R->gw);
	}
	bool made = L.net.gw_made || L.net.cl_made;
	if (lab_net_down(&L.net, stderr) < 0) {
		made = false;
		if (rc == 0)
			rc = 1;
	}
	remove_files(&L);
	lab_child_free(&R->gw);
	lab_child_free(&R->cl);
	if (R->sigfd >= 0)
		close(R->sigfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGPIPE, old_pipe);
	if (made)
		printf("lab: removed namespaces %s and %s, and %s\n", L.net.gw, L.net.cl, L.dir);
	fflush(stdout);
	return rc;
}
