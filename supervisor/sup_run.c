/* sup_run(): the supervisor's life (see sup.h). */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pair0/pair.h>

#include "conf/plan.h"
#include "kernel/kproc.h"
#include "lib/msg.h"
#include "supervisor/control.h"
#include "supervisor/logfile.h"
#include "supervisor/sup.h"
#include "supervisor/sup_events.h"
#include "worker/loop.h"
#include "worker/mobike_stats.h"
#include "worker/result.h"
#include "worker/steer.h"
#include "worker/udp.h"

#define STOP_BOUND_NS (20 * NS_PER_SEC)
#define KERNEL_EXIT_WAIT_S 60       /* without progress (or after a second signal) */
#define KERNEL_NOTE_S 5             /* a progress line while the kernel process cleans up */
#define MAX_RESTARTS 20             /* per worker: then give it up */

static struct timer progress_timer, stop_timer;

static uint64_t real_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void sup_log(struct sup *s, int level, int worker, const char *event, const char *fmt, ...)
{
	char text[400] = "";
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(text, sizeof(text), fmt, ap);
		va_end(ap);
	}
	struct log_event ev = { .level = level, .worker = worker, .tunnel = -1, .name = event,
				.text = text[0] ? text : NULL };
	sup_event_out(s, &ev);
	if (level == LOGL_ERROR && !s->o->json)
		fprintf(stderr, "ikeswarm: %s %s\n", event, text);
}

/* ---- merged counters ---- */

static bool is_time_key(const char *k)
{
	return !strcmp(k, "first_us") || !strcmp(k, "last_created_us") || !strcmp(k, "start_us");
}

static void add_into(json_t *sum, const json_t *c, bool cumulative_only)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)c, k, v) {
		json_int_t x = json_integer_value(v);
		json_t *cur = json_object_get(sum, k);
		json_int_t y = cur ? json_integer_value(cur) : 0;
		if (!strcmp(k, "stopping") || !strcmp(k, "final"))
			continue;
		if (is_time_key(k)) {
			if (cumulative_only || !x)
				continue;
			if (!cur || !y || (strcmp(k, "last_created_us") ? x < y : x > y))
				json_object_set_new(sum, k, json_integer(x));
			continue;
		}
		json_object_set_new(sum, k, json_integer(x + y));
	}
}

static void add_worker(json_t *sum, const struct sup_worker *w)
{
	if (w->counters)
		add_into(sum, w->counters, false);
	if (w->dead)
		add_into(sum, w->dead, true);
}

json_t *sup_merged(struct sup *s)
{
	json_t *sum = json_object();
	for (unsigned i = 0; i < s->nworkers; i++)
		add_worker(sum, &s->w[i]);
	return sum;
}

json_t *sup_merged_worker(struct sup *s, unsigned i)
{
	json_t *sum = json_object();
	if (i < s->nworkers)
		add_worker(sum, &s->w[i]);
	return sum;
}

static uint64_t jget(const json_t *o, const char *k)
{
	json_int_t v = json_integer_value(json_object_get(o, k));
	return v > 0 ? (uint64_t)v : 0;
}

void sup_keep_dead(struct sup_worker *w)
{
	static const char *const cumulative[] = {
		"total", "attempts_failed", "ike_established", "ike_rekeyed", "child_created",
		"child_rekeyed", "child_deleted", "retransmits", "responses_resent", "dropped",
		"cookies", "auth_failed", "dpd_sent", "keepalives", "send_failed", "events_dropped",
		"deletes_sent", "deletes_acked", NULL,
	};
	if (!w->counters)
		return;
	if (!w->dead)
		w->dead = json_object();
	for (int i = 0; cumulative[i]; i++) {
		uint64_t v = jget(w->counters, cumulative[i]) + jget(w->dead, cumulative[i]);
		json_object_set_new(w->dead, cumulative[i], json_integer((json_int_t)v));
	}
	for (int i = 0; mobike_stat_names[i]; i++) {
		const char *k = mobike_stat_names[i];
		uint64_t v = jget(w->counters, k) + jget(w->dead, k);
		json_object_set_new(w->dead, k, json_integer((json_int_t)v));
	}
	for (int r = 0; r < DROP_COUNT; r++) {
		const char *k = drop_reason_key(r);
		uint64_t v = jget(w->counters, k) + jget(w->dead, k);
		json_object_set_new(w->dead, k, json_integer((json_int_t)v));
	}
	json_decref(w->counters);
	w->counters = NULL;
}

static void result_from(struct sup *s, const json_t *m, struct counters *c, struct run_result *r)
{
	memset(c, 0, sizeof(*c));
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < IKE_S_COUNT; i++)
		c->state[i] = jget(m, ike_state_name(i));
	c->total = jget(m, "total");
	c->live = jget(m, "live");
	c->has_child = jget(m, "has_child");
	c->configured = s->cfg->numberoftunnels > 0 ? (uint64_t)s->cfg->numberoftunnels : 0;
	c->tunnels_created = jget(m, "tunnels_created");
	c->tunnels_failed = jget(m, "tunnels_failed");
	c->attempts_failed = jget(m, "attempts_failed");
	c->ike_established = jget(m, "ike_established");
	c->ike_rekeyed = jget(m, "ike_rekeyed");
	c->child_created = jget(m, "child_created");
	c->child_rekeyed = jget(m, "child_rekeyed");
	c->child_deleted = jget(m, "child_deleted");
	c->retransmits = jget(m, "retransmits");
	c->deletes_sent = jget(m, "deletes_sent");
	c->deletes_acked = jget(m, "deletes_acked");
	c->resp_resent = jget(m, "responses_resent");
	c->rx_dropped = jget(m, "dropped");
	counters_drops_get_flat(m, c);
	c->cookies_sent = jget(m, "cookies");
	c->auth_failed = jget(m, "auth_failed");
	c->dpd_sent = jget(m, "dpd_sent");
	c->keepalives = jget(m, "keepalives");
	c->tx_failed = jget(m, "send_failed");
	mobike_stats_get(m, c);
	r->events_dropped = jget(m, "events_dropped");
	r->role = s->cfg->role == ROLE_CLIENT ? "client" : "gateway";
	r->configured = c->configured;
	r->created = c->tunnels_created;
	r->failed = s->cfg->role == ROLE_CLIENT && r->created < r->configured ?
		    r->configured - r->created : 0;
	r->duration_s = (double)(real_us() - s->start_us) / 1e6;
	uint64_t first = jget(m, "first_us"), last = jget(m, "last_created_us");
	if (first && last > first)
		r->setup_s = (double)(last - first) / 1e6;
	r->c = c;
}

/* ---- progress ---- */

static void progress(struct sup *s, bool end)
{
	bool tty = isatty(STDOUT_FILENO);
	static uint64_t last_plain_us;
	if (s->o->json)
		return;
	uint64_t now = real_us();
	if (!tty && !end && now - last_plain_us < 5000000)
		return;
	last_plain_us = now;
	json_t *m = sup_merged(s);
	struct counters c;
	struct run_result r;
	result_from(s, m, &c, &r);
	unsigned alive = 0;
	for (unsigned i = 0; i < s->nworkers; i++)
		alive += s->w[i].pid != 0;
	printf("%sup %" PRIu64 "  created %" PRIu64 "/%" PRIu64 "  failed %" PRIu64
	       "  rate %.1f/s  elapsed %.0fs  workers %u/%u%s", tty ? "\r" : "",
	       c.state[IKE_S_ESTABLISHED], r.created, r.configured, c.tunnels_failed,
	       result_setup_rate(&r), r.duration_s, alive, s->nworkers,
	       tty && !end ? "   " : "\n");
	fflush(stdout);
	json_decref(m);
}

static void on_progress(struct timer *t, void *arg)
{
	(void)t;
	struct sup *s = arg;
	progress(s, false);
	sup_ctl_expire(s);
	sup_events_tick(s, false);
	loop_timer_in(s->loop, &progress_timer, NS_PER_SEC);
}

/* ---- stop ---- */

static void kill_workers(struct sup *s, int sig)
{
	for (unsigned i = 0; i < s->nworkers; i++)
		if (s->w[i].pid > 0)
			kill(s->w[i].pid, sig);
}

static void on_stop_timer(struct timer *t, void *arg)
{
	(void)t;
	struct sup *s = arg;
	sup_log(s, LOGL_ERROR, -1, "stop.deadline", "workers did not end in time: killed");
	kill_workers(s, SIGKILL);
}

void sup_stop(struct sup *s, const char *why)
{
	if (s->stopping) {
		sup_log(s, LOGL_INFO, -1, "stop.now", "why=%s", why);
		s->aborting = true;
		kill_workers(s, SIGKILL);
		return;
	}
	s->stopping = true;
	sup_log(s, LOGL_INFO, -1, "stop", "why=%s", why);
	kill_workers(s, SIGTERM);
	loop_timer_in(s->loop, &stop_timer, STOP_BOUND_NS);
}

/* ---- worker messages ---- */

static void drain_worker(struct sup *s, struct sup_worker *w)
{
	for (;;) {
		json_t *m;
		const struct msg_type *t;
		char why[MSG_WHY_LEN];
		int rc = msg_recv(w->sock, NNG_FLAG_NONBLOCK, &m, &t, why, sizeof(why));
		if (rc == -EAGAIN)
			return;
		if (rc == -EBADMSG) {
			sup_log(s, LOGL_ERROR, w->idx, "msg.dropped", "why=\"%s\"", why);
			continue;
		}
		if (rc < 0)
			return;
		struct log_event ev;
		if (!strcmp(t->name, "events")) {
			sup_events_batch(s, w, m);
		} else if (!strcmp(t->name, "event")) {
			if (log_event_from_msg(m, &ev) == 0)
				sup_event_out(s, &ev);
		} else if (!strcmp(t->name, "stats")) {
			json_t *c = json_object_get(m, "counters");
			json_decref(w->counters);
			w->counters = json_incref(c);
			if (jget(c, "final"))
				w->final = true;
		} else if (!strcmp(t->name, "hello")) {
			w->hello = true;
			sup_events_hello(s, w);
			sup_log(s, LOGL_VERB, w->idx, "worker.hello", "pid=%" PRIu64 " first=%d count=%d",
				jget(m, "pid"), w->first, w->count);
		} else if (t->dir == MSG_ANSWER) {
			sup_ctl_answer(s, w, m);
		}
		json_decref(m);
	}
}

static void on_worker_sock(struct loop *loop, int fd, uint32_t ev, void *arg)
{
	(void)loop;
	(void)fd;
	(void)ev;
	struct sup_worker *w = arg;
	drain_worker(w->sup, w);
}

/* ---- children ---- */

static bool all_workers_gone(const struct sup *s)
{
	for (unsigned i = 0; i < s->nworkers; i++)
		if (s->w[i].pid > 0)
			return false;
	return true;
}

static void worker_ended(struct sup *s, struct sup_worker *w, int status)
{
	char st[64];
	drain_worker(s, w); /* its last stats and events, if any */
	w->pid = 0;
	sup_status_text(status, st, sizeof(st));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		w->exited_ok = true;
		sup_log(s, LOGL_VERB, w->idx, "worker.exit", "%s", st);
		return;
	}
	sup_log(s, LOGL_ERROR, w->idx, "worker.died", "%s restarts=%d", st, w->starts - 1);
	if (s->stopping)
		return;
	if (!w->hello) {
		/* It never came up (its stderr says why): restarting would
		 * only fail again. */
		snprintf(s->error, sizeof(s->error), "worker %d could not start (%s)", w->idx, st);
		s->failed = true;
		sup_stop(s, "worker could not start");
		return;
	}
	if (s->cfg->abortonerr) {
		snprintf(s->error, sizeof(s->error), "worker %d died (%s) and abortonerr is set",
			 w->idx, st);
		s->failed = true;
		sup_stop(s, "abortonerr");
		return;
	}
	if (w->starts > MAX_RESTARTS) {
		snprintf(s->error, sizeof(s->error), "worker %d died %d times: given up", w->idx,
			 w->starts);
		return;
	}
	if (s->cfg->role == ROLE_GATEWAY) {
		if (s->next_index_block >= SUP_GW_INDEX_BLOCKS) {
			snprintf(s->error, sizeof(s->error), "worker %d died and no unused block "
				 "of tunnel indexes is left: given up", w->idx);
			return;
		}
		w->first_index = s->next_index_block++ * SUP_GW_INDEX_BLOCK;
	}
	sup_keep_dead(w);
	w->final = false;
	w->hello = false;
	sup_ctl_drop(s, w, "the worker died");
	pid_t pid = sup_spawn_worker(s, w);
	if (pid > 0) {
		w->pid = pid;
		w->starts++;
		if (s->cfg->role == ROLE_GATEWAY)
			sup_log(s, LOGL_INFO, w->idx, "worker.restarted", "pid=%d first_index=%d",
				(int)pid, w->first_index);
		else
			sup_log(s, LOGL_INFO, w->idx, "worker.restarted", "pid=%d", (int)pid);
	}
}

static void reap(struct sup *s)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == s->kernel_pid) {
			char st[64];
			s->kernel_pid = 0;
			s->kernel_died = true;
			sup_log(s, LOGL_ERROR, -1, "kernel.died", "%s",
				sup_status_text(status, st, sizeof(st)));
			if (!s->error[0])
				snprintf(s->error, sizeof(s->error),
					 "the kernel process died (%s): run stopped", st);
			s->failed = true;
			if (!s->stopping)
				sup_stop(s, "kernel process died");
			continue;
		}
		for (unsigned i = 0; i < s->nworkers; i++)
			if (s->w[i].pid == pid)
				worker_ended(s, &s->w[i], status);
	}
	if (all_workers_gone(s))
		loop_stop(s->loop);
}

static void on_signal(struct loop *loop, int signo, void *arg)
{
	(void)loop;
	struct sup *s = arg;
	if (signo == SIGCHLD) {
		reap(s);
		return;
	}
	sup_stop(s, signo == SIGINT ? "SIGINT" : "SIGTERM");
}

/* ---- setup ---- */

/* One SO_REUSEPORT group per IKE port on a, one socket of each per worker. */
static int open_group(struct sup *s, const struct ip_addr *a)
{
	int fds[STEER_MAX_WORKERS];
	for (int natt = 0; natt <= 1; natt++) {
		int rc = steer_group_open(a, natt ? IKE_NATT_PORT : IKE_PORT, natt, s->nworkers, fds);
		if (rc < 0) {
			snprintf(s->error, sizeof(s->error),
				 "cannot open the IKE sockets (UDP %d) for %u workers: %s",
				 natt ? IKE_NATT_PORT : IKE_PORT, s->nworkers, strerror(-rc));
			return rc;
		}
		/* installfastpath: the kernel takes the peer's ESP in UDP. */
		for (unsigned i = 0; natt && s->cfg->ikeconf.installfastpath && i < s->nworkers; i++) {
			if ((rc = udp_fd_espinudp(fds[i])) < 0) {
				for (unsigned j = 0; j < s->nworkers; j++)
					close(fds[j]);
				snprintf(s->error, sizeof(s->error), "installfastpath: cannot set "
					 "UDP_ENCAP (ESP in UDP) on the UDP %d sockets: %s",
					 IKE_NATT_PORT, strerror(-rc));
				return rc;
			}
		}
		for (unsigned i = 0; i < s->nworkers; i++) {
			struct sup_worker *w = &s->w[i];
			w->fds[w->nfds] = fds[i];
			w->fd_flags[w->nfds] = UDP_F_FREEBIND | (natt ? UDP_F_NATT : 0);
			w->nfds++;
		}
	}
	return 0;
}

static int open_sockets(struct sup *s)
{
	const struct config *cfg = s->cfg;
	struct ip_addr a = { 0 };
	/* MOBIKE across families (mobikealt*addr): the other family's too. */
	const struct ip_prefix *alt = cfg->role == ROLE_CLIENT ? &cfg->mobikealtclntaddr :
				      &cfg->mobikealtgwaddr;
	struct ip_addr other = { .family = cfg->mobike ? alt->addr.family : 0 };
	if (cfg->role == ROLE_CLIENT)
		a.family = cfg->startclntaddr.addr.family;
	else if (plan_gw_addrs(cfg) > 1 || other.family)
		a.family = cfg->bindifaddr.addr.family; /* MOBIKE: every gateway address */
	else
		a = cfg->bindifaddr.addr;
	int rc = open_group(s, &a);
	if (rc == 0 && other.family)
		rc = open_group(s, &other);
	return rc;
}

static int open_worker_sock(struct sup *s, struct sup_worker *w)
{
	snprintf(w->url, sizeof(w->url), "ipc://%s/w%d", s->rundir, w->idx);
	int rv = nng_pair0_open(&w->sock);
	if (!rv)
		rv = nng_socket_set_size(w->sock, NNG_OPT_RECVMAXSZ, MSG_MAX_SIZE);
	if (!rv)
		rv = nng_socket_set_int(w->sock, NNG_OPT_RECVBUF, 8192);
	if (!rv)
		rv = nng_listen(w->sock, w->url, NULL, 0);
	if (!rv)
		rv = nng_socket_get_int(w->sock, NNG_OPT_RECVFD, &w->sock_fd);
	if (rv)
		return msg_nng_errno(rv);
	return loop_fd_add(s->loop, w->sock_fd, EPOLLIN, on_worker_sock, w);
}

static void on_control(struct loop *loop, int fd, uint32_t ev, void *arg)
{
	(void)loop;
	(void)fd;
	(void)ev;
	struct sup *s = arg;
	control_handle(s->ctl);
}

static void print_result(struct sup *s, int *code)
{
	json_t *m = sup_merged(s);
	struct counters c;
	struct run_result r;
	result_from(s, m, &c, &r);
	if (s->o->json)
		result_print_json(&r, stdout);
	else
		result_print_text(&r, stdout);
	fflush(stdout);
	*code = s->failed ? 1 : result_exit_code(&r);
	json_decref(m);
}

/* CPU time (user + system, clock ticks) of pid, or -1. */
static long long proc_cpu_ticks(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long ut, st;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* after "pid (comm)": state ppid pgrp session tty tpgid flags minflt
	 * cminflt majflt cmajflt utime stime */
	char *p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &ut, &st) != 2)
		return -1;
	return (long long)(ut + st);
}

/* Waits up to ms for SIGINT or SIGTERM (blocked since loop_signals, so
 * they queue); true if one came. */
static bool stop_signal_within(int ms)
{
	sigset_t set;
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	return sigtimedwait(&set, NULL, &ts) > 0;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* SIGTERM to the kernel process, which removes what it added, then exits
 * (after the request it is busy with, if any: 30,000 interface addresses
 * take minutes, and their removal as long).  Never leave addresses behind:
 * wait as long as it makes progress (its CPU time moves), with a line every
 * KERNEL_NOTE_S; kill it only when it made none for KERNEL_EXIT_WAIT_S, or
 * on a signal now (the user's way out), or, after a second signal during
 * the stop (s->aborting), KERNEL_EXIT_WAIT_S after the start. */
static void wait_kernel(struct sup *s)
{
	if (s->kernel_pid <= 0)
		return;
	pid_t pid = s->kernel_pid;
	kill(pid, SIGTERM);
	uint64_t t0 = mono_ms(), moved = t0, noted = t0;
	long long cpu = proc_cpu_ticks(pid);
	const char *why = NULL;
	while (!why) {
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			sup_log(s, LOGL_INFO, -1, "kernel.exit", "waited_s=%.1f",
				(double)(mono_ms() - t0) / 1e3);
			s->kernel_pid = 0;
			return;
		}
		if (stop_signal_within(100)) {
			why = "signal";
			break;
		}
		uint64_t now = mono_ms();
		long long c = proc_cpu_ticks(pid);
		if (c != cpu) {
			cpu = c;
			moved = now;
		}
		if (now - (s->aborting ? t0 : moved) >= KERNEL_EXIT_WAIT_S * 1000u)
			why = s->aborting ? "second signal" : "no progress";
		else if (now - noted >= KERNEL_NOTE_S * 1000u) {
			noted = now;
			sup_log(s, LOGL_INFO, -1, "kernel.wait", "seconds=%.0f cpu_ticks=%lld",
				(double)(now - t0) / 1e3, cpu);
			fprintf(stderr, "ikeswarm: the kernel process is removing what it added "
				"(%.0f s); SIGINT again leaves it undone\n", (double)(now - t0) / 1e3);
		}
	}
	sup_log(s, LOGL_ERROR, -1, "kernel.killed", "why=\"%s\" waited_s=%.1f", why,
		(double)(mono_ms() - t0) / 1e3);
	fprintf(stderr, "ikeswarm: kernel process killed (%s): addresses or routes it added "
		"may be left\n", why);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	s->kernel_pid = 0;
}

int sup_run(const struct config *cfg, const struct sup_opts *o)
{
	struct sup s = { .cfg = cfg, .o = o, .next_id = 1 };
	struct kproc_client *kc = NULL;
	int code = 1, rc;
	char url[200];

	prctl(PR_SET_NAME, "ikeswarm-sup");
	ssize_t n = readlink("/proc/self/exe", s.self, sizeof(s.self) - 1);
	if (n <= 0) {
		fprintf(stderr, "ikeswarm: cannot find my own binary: %s\n", strerror(errno));
		return 1;
	}
	s.self[n] = 0;
	s.nworkers = o->workers ? o->workers : plan_workers(cfg);
	if (cfg->role == ROLE_CLIENT && cfg->numberoftunnels > 0 &&
	    s.nworkers > (unsigned)cfg->numberoftunnels)
		s.nworkers = (unsigned)cfg->numberoftunnels;
	if (s.nworkers > STEER_MAX_WORKERS)
		s.nworkers = STEER_MAX_WORKERS;
	s.next_index_block = (int)s.nworkers; /* after every worker's first */
	s.start_us = real_us();
	const char *tmp = getenv("TMPDIR");
	snprintf(s.rundir, sizeof(s.rundir), "%s/ikeswarm-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(s.rundir)) {
		fprintf(stderr, "ikeswarm: runtime folder %s: %s\n", s.rundir, strerror(errno));
		return 1;
	}
	struct logfile_opts lo = {
		.path = o->log_path ? o->log_path : "ikeswarm.log", .level = (int)cfg->loglevel,
		.keyword = cfg->logkeyword, .cap_bytes = (uint64_t)cfg->logfilesizecap << 20,
		.in_mem = cfg->loginmem,
	};
	rc = logfile_open(&s.log, &lo);
	if (rc < 0) {
		fprintf(stderr, "ikeswarm: log file %s: %s\n", lo.path, strerror(-rc));
		goto out;
	}
	s.w = calloc(s.nworkers, sizeof(*s.w));
	s.loop = loop_new();
	if (!s.w || !s.loop)
		goto out;
	s.start_mono_ns = loop_now(s.loop);
	int sigs[] = { SIGINT, SIGTERM, SIGCHLD };
	loop_signals(s.loop, sigs, 3, on_signal, &s);
	for (unsigned i = 0; i < s.nworkers; i++) {
		struct sup_worker *w = &s.w[i];
		unsigned first = 0, count = 0;
		w->sup = &s;
		w->idx = (int)i;
		if (cfg->role == ROLE_CLIENT)
			plan_worker_slice((unsigned)cfg->numberoftunnels, s.nworkers, i, &first, &count);
		w->first = (int)first;
		w->count = (int)count;
		w->first_index = (int)i * SUP_GW_INDEX_BLOCK;
		if ((rc = open_worker_sock(&s, w)) < 0) {
			snprintf(s.error, sizeof(s.error), "runtime socket %s: %s", w->url,
				 strerror(-rc));
			goto out;
		}
	}
	if (open_sockets(&s) < 0)
		goto out;
	snprintf(s.kernel_url, sizeof(s.kernel_url), "ipc://%s/kernel", s.rundir);
	s.kernel_pid = sup_spawn_kernel(&s);
	if (s.kernel_pid <= 0 ||
	    kproc_client_open(&kc, s.kernel_url, sup_kernel_timeout_ms()) < 0) {
		snprintf(s.error, sizeof(s.error), "cannot start the kernel process");
		goto out;
	}
	if (cfg->ikeconf.installfastpath && sup_kernel_fastpath(&s, kc) < 0)
		goto out;
	sup_log(&s, LOGL_INFO, -1, "run.start", "role=%s tunnels=%lld workers=%u",
		cfg->role == ROLE_CLIENT ? "client" : "gateway", (long long)cfg->numberoftunnels,
		s.nworkers);
	char addr[IP_ADDR_STRLEN];
	ip_addr_format(&cfg->apilistenaddr, addr, sizeof(addr));
	if (control_url(url, sizeof(url), addr, (unsigned)cfg->apilistenport) == 0 &&
	    (rc = control_open(&s.ctl, url)) == 0) {
		sup_ctl_register(&s);
		loop_fd_add(s.loop, control_fd(s.ctl), EPOLLIN, on_control, &s);
	} else {
		sup_log(&s, LOGL_ERROR, -1, "control.unavailable", "url=%s why=\"%s\"", url,
			strerror(-rc));
	}
	if (sup_events_open(&s, s.ctl ? url : NULL) < 0)
		goto out;
	/* before any sup_stop(): it arms stop_timer */
	timer_init(&progress_timer, on_progress, &s);
	timer_init(&stop_timer, on_stop_timer, &s);
	if (cfg->role == ROLE_GATEWAY && sup_kernel_gw_addrs(&s, kc) < 0) {
		s.failed = true;
		sup_stop(&s, "addresses");
	}
	for (unsigned i = 0; i < s.nworkers && !s.stopping; i++) {
		struct sup_worker *w = &s.w[i];
		if (cfg->role == ROLE_CLIENT && sup_kernel_slice_addrs(&s, kc, w) < 0) {
			s.failed = true;
			sup_stop(&s, "addresses");
			break;
		}
		pid_t pid = sup_spawn_worker(&s, w);
		if (pid <= 0) {
			snprintf(s.error, sizeof(s.error), "fork: %s", strerror(-(int)pid));
			s.failed = true;
			sup_stop(&s, "fork");
			break;
		}
		w->pid = pid;
		w->starts = 1;
		/* SIGCHLD of a worker that died at once is read by the loop. */
	}
	loop_timer_in(s.loop, &progress_timer, NS_PER_SEC);
	reap(&s);
	while (!all_workers_gone(&s)) {
		if (loop_run(s.loop) < 0)
			break;
	}
	loop_timer_cancel(s.loop, &progress_timer);
	loop_timer_cancel(s.loop, &stop_timer);
	progress(&s, true);
	sup_events_tick(&s, true);
	if (s.error[0])
		sup_log(&s, LOGL_ERROR, -1, "run.error", "why=\"%s\"", s.error);
	print_result(&s, &code);
out:
	if (s.error[0])
		fprintf(stderr, "ikeswarm: %s\n", s.error);
	kill_workers(&s, SIGKILL);
	for (unsigned i = 0; s.w && i < s.nworkers; i++)
		if (s.w[i].pid > 0)
			waitpid(s.w[i].pid, NULL, 0);
	/* The worker sockets go before the kernel process's cleanup, which can
	 * take long: it removes the runtime folder at its exit, so a harness
	 * that kills us while we wait for it leaves nothing behind. */
	for (unsigned i = 0; s.w && i < s.nworkers; i++) {
		struct sup_worker *w = &s.w[i];
		char path[200];
		if (w->sock_fd > 0)
			loop_fd_del(s.loop, w->sock_fd);
		w->sock_fd = 0;
		nng_close(w->sock);
		snprintf(path, sizeof(path), "%s/w%d", s.rundir, w->idx);
		unlink(path);
	}
	kproc_client_close(kc);
	wait_kernel(&s);
	if (s.kernel_died) {
		sup_kernel_undo(&s);
		wait_kernel(&s);
	}
	json_decref(s.added);
	char kpath[200];
	snprintf(kpath, sizeof(kpath), "%s/kernel2", s.rundir);
	unlink(kpath);
	sup_ctl_drop(&s, NULL, "the run ended");
	control_close(s.ctl);
	for (unsigned i = 0; s.w && i < s.nworkers; i++) {
		struct sup_worker *w = &s.w[i];
		for (int k = 0; k < w->nfds; k++)
			close(w->fds[k]);
		json_decref(w->counters);
		json_decref(w->dead);
	}
	char path[200];
	snprintf(path, sizeof(path), "%s/kernel", s.rundir);
	unlink(path);
	rmdir(s.rundir);
	free(s.w);
	if (s.loop)
		loop_free(s.loop);
	sup_events_close(&s);
	logfile_close(s.log);
	return code;
}
