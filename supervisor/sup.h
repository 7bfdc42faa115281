/* The supervisor of `ikeswarm exec`: the process tree of one run.
 *
 *   ikeswarm-sup ─┬─ ikeswarm-kernel   netlink (kernel/kproc.h)
 *                 ├─ ikeswarm-w0       engine on tunnels [0, T/W) (worker/wmain.h)
 *                 └─ ikeswarm-w1 ...
 *
 * Children are started by fork + exec of our own binary with an internal
 * subcommand (`ikeswarm __worker ...`, `ikeswarm __kernel ...`): nng runs
 * threads, and a forked copy of a threaded process may only exec.  Before
 * the exec a child sets PR_SET_PDEATHSIG (workers SIGKILL; the kernel
 * process SIGHUP, so it still removes its addresses and the runtime
 * folder), so no child outlives the supervisor.  Each names itself with PR_SET_NAME.
 *
 * Sockets: the supervisor opens every worker's UDP sockets (steered
 * SO_REUSEPORT groups, worker/steer.h) and keeps them for the whole run, so
 * a restarted worker gets the same fds and the group's indexes never move.
 * Messages: one nng PAIR socket per worker on ipc://RUNDIR/wN (hello,
 * stats, events up; commands down, answered by id), one REQ socket to the
 * kernel process on ipc://RUNDIR/kernel.  RUNDIR is a private mkdtemp
 * folder, removed at exit. */
#ifndef IKESWARM_SUPERVISOR_SUP_H
#define IKESWARM_SUPERVISOR_SUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>
#include <nng/nng.h>

#include "conf/config.h"
#include "worker/wmain.h"

struct sup_opts {
	bool json;
	const char *keylog_path;
	const char *log_path;    /* NULL: ikeswarm.log */
	const char *setup_path;  /* re-read by each child */
	unsigned workers;        /* 0: plan_workers() */
	bool flush;              /* client: empty bindifname first (put back at
				    exit); installfastpath: XFRM/table 330 */
};

/* Run cfg (loaded from o->setup_path) as a supervisor with workers and a
 * kernel process; print progress and the result; returns the exit code
 * (0 every tunnel created, 1 not, or the run failed). */
int sup_run(const struct config *cfg, const struct sup_opts *o);

/* ---- inside the supervisor ---- */

struct sup;
struct control;
struct logfile;

struct sup_worker {
	struct sup *sup;
	int idx;
	pid_t pid;               /* 0: not running */
	int starts;              /* incarnations started */
	bool exited_ok;          /* last incarnation ended normally */
	bool hello;              /* this incarnation said hello */
	bool final;              /* its last stats arrived */
	int first, count;
	int first_index;         /* gateway: its first peer's tunnel index in
				    this incarnation (sup_gw_index_block) */
	char url[160];
	nng_socket sock;
	int sock_fd;
	int fds[WMAIN_MAX_FDS];
	unsigned fd_flags[WMAIN_MAX_FDS];
	int nfds;
	json_t *counters;        /* latest stats of this incarnation */
	json_t *dead;            /* cumulative counters of earlier incarnations */
};

/* Process helpers (sup_proc.c). */
pid_t sup_spawn_worker(struct sup *s, struct sup_worker *w);
pid_t sup_spawn_kernel(struct sup *s);
/* "exit status 3" / "signal 9 (Killed)" into buf. */
const char *sup_status_text(int status, char *buf, size_t size);

/* The run's state that the pieces share (sup_run.c owns it). */
struct sup {
	const struct config *cfg;
	const struct sup_opts *o;
	char self[4096];         /* our binary (/proc/self/exe resolved) */
	char rundir[128];
	unsigned nworkers;
	struct sup_worker *w;
	pid_t kernel_pid;
	bool kernel_died;        /* it died during the run (its record with it) */
	json_t *added;           /* addr.add requests it answered, for that case */
	char kernel_url[160];
	struct loop *loop;
	struct logfile *log;
	struct control *ctl;
	struct sup_events *events; /* log/stdout/PUB output (sup_events.h) */
	int stdout_level;        /* "log" request: events echoed to stdout (0: none) */
	char stdout_keyword[64];
	bool stopping, aborting, failed;
	char error[200];         /* why the run failed, for the result */
	char last_error[200];    /* last ERROR event, for summary */
	uint64_t start_us, start_mono_ns;
	int64_t next_id;
	struct sup_pending *pend;
	int next_index_block;    /* gateway: the next unused block of indexes */
};

/* Gateway tunnel indexes come in blocks of SUP_GW_INDEX_BLOCK: worker w
 * starts with block w; each restarted incarnation takes the next unused
 * block (nworkers, nworkers + 1, ...), so no index of a dead worker is
 * handed out again.  SUP_GW_INDEX_BLOCKS fit an int. */
#define SUP_GW_INDEX_BLOCK 1000000
#define SUP_GW_INDEX_BLOCKS (int)(2147483647 / SUP_GW_INDEX_BLOCK)

/* The kernel process's requests at setup (sup_kernel.c); each returns 0 or
 * -errno with s->error set.  Addresses added are remembered in s->added. */
#define SUP_KERNEL_TIMEOUT_MS 300000   /* 100k addresses take minutes */
/* The per-request timeout: SUP_KERNEL_TIMEOUT_MS, or for tests only
 * IKESWARM_TEST_KERNEL_TIMEOUT_MS from the environment (t/netns/42). */
int sup_kernel_timeout_ms(void);
struct kproc_client;
int sup_kernel_fastpath(struct sup *s, struct kproc_client *kc);
int sup_kernel_gw_addrs(struct sup *s, struct kproc_client *kc);
int sup_kernel_slice_addrs(struct sup *s, struct kproc_client *kc, struct sup_worker *w);
/* The kernel process died without removing what it added: a fresh one
 * removes it (s->added), then exits. */
void sup_kernel_undo(struct sup *s);

/* Merged counters of every worker (new object). */
json_t *sup_merged(struct sup *s);
/* The same of worker i alone: its live counters and its dead
 * incarnations' totals (new object). */
json_t *sup_merged_worker(struct sup *s, unsigned i);
/* Worker w died: fold the totals of its last counters into w->dead (not
 * gauges or tunnel counts: the next incarnation creates its slice's
 * tunnels again) and forget the counters. */
void sup_keep_dead(struct sup_worker *w);
/* Control handlers (sup_ctl.c). */
void sup_ctl_register(struct sup *s);
/* A worker's answer to a routed command (sup_ctl.c). */
void sup_ctl_answer(struct sup *s, struct sup_worker *w, json_t *m);
/* Fail what waits on worker w (it died), or everything (w NULL). */
void sup_ctl_drop(struct sup *s, struct sup_worker *w, const char *why);
void sup_ctl_expire(struct sup *s);
/* Log one supervisor event (worker -1 unless given). */
void sup_log(struct sup *s, int level, int worker, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Start a graceful stop of every worker (SIGTERM); bounded. */
void sup_stop(struct sup *s, const char *why);

#endif
