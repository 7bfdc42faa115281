/* Event loop: fd callbacks, deletion inside a batch, timers, stop, signals,
 * two loops in one process; and RLIMIT_NOFILE raising. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "t/unit/tcheck.h"
#include "worker/loop.h"
#include "worker/rlimit.h"

struct pipe_watch {
	int fd[2];
	int reads;
	char last;
	struct pipe_watch *kill; /* delete this one's fd when we run */
};

static void on_pipe(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct pipe_watch *p = arg;
	ck_assert(events & EPOLLIN);
	ck_assert_int_eq(read(fd, &p->last, 1), 1);
	p->reads++;
	if (p->kill)
		ck_assert_int_eq(loop_fd_del(loop, p->kill->fd[0]), 0);
}

static void pipe_open(struct pipe_watch *p)
{
	memset(p, 0, sizeof(*p));
	ck_assert_int_eq(pipe(p->fd), 0);
}

START_TEST(fd_callbacks)
{
	struct loop *loop = loop_new();
	ck_assert_ptr_nonnull(loop);
	struct pipe_watch a;
	pipe_open(&a);
	ck_assert_int_eq(loop_fd_add(loop, a.fd[0], EPOLLIN, on_pipe, &a), 0);
	ck_assert_int_eq(loop_fd_add(loop, a.fd[0], EPOLLIN, on_pipe, &a), -EEXIST);
	ck_assert_int_eq(loop_run_once(loop, 0), 0); /* nothing ready: no block */
	ck_assert_int_eq(write(a.fd[1], "x", 1), 1);
	ck_assert_int_eq(loop_run_once(loop, NS_PER_SEC), 1);
	ck_assert_int_eq(a.reads, 1);
	ck_assert_int_eq(a.last, 'x');
	ck_assert_int_eq(loop_fd_del(loop, a.fd[0]), 0);
	ck_assert_int_eq(loop_fd_del(loop, a.fd[0]), -ENOENT);
	ck_assert_int_eq(write(a.fd[1], "y", 1), 1);
	ck_assert_int_eq(loop_run_once(loop, 0), 0);
	ck_assert_int_eq(a.reads, 1);
	loop_free(loop);
}
END_TEST

/* Two fds ready in the same epoll batch; whichever runs first deletes the
 * other, whose already-fetched event must not be delivered. */
START_TEST(delete_inside_batch)
{
	struct loop *loop = loop_new();
	struct pipe_watch a, b;
	pipe_open(&a);
	pipe_open(&b);
	a.kill = &b;
	b.kill = &a;
	ck_assert_int_eq(loop_fd_add(loop, a.fd[0], EPOLLIN, on_pipe, &a), 0);
	ck_assert_int_eq(loop_fd_add(loop, b.fd[0], EPOLLIN, on_pipe, &b), 0);
	ck_assert_int_eq(write(a.fd[1], "a", 1), 1);
	ck_assert_int_eq(write(b.fd[1], "b", 1), 1);
	ck_assert_int_eq(loop_run_once(loop, NS_PER_SEC), 1);
	ck_assert_int_eq(a.reads + b.reads, 1);
	loop_free(loop);
}
END_TEST

struct tick {
	struct timer t;
	struct loop *loop;
	uint64_t fired_at;
	int n;
	int stop_after;
};

static void on_tick(struct timer *t, void *arg)
{
	(void)arg;
	struct tick *k = container_of(t, struct tick, t);
	k->fired_at = loop_now(k->loop);
	ck_assert_uint_ge(k->fired_at, t->due);
	if (++k->n >= k->stop_after)
		loop_stop(k->loop);
	else
		ck_assert_int_eq(loop_timer_in(k->loop, t, 2 * NS_PER_MS), 0);
}

START_TEST(timers_and_stop)
{
	struct loop *loop = loop_new();
	struct tick k = { .loop = loop, .stop_after = 5 };
	timer_init(&k.t, on_tick, NULL);
	uint64_t start = loop_now_update(loop);
	ck_assert_int_eq(loop_timer_in(loop, &k.t, 3 * NS_PER_MS), 0);
	ck_assert_int_eq(loop_run(loop), 0);
	ck_assert_int_eq(k.n, 5);
	/* 3 ms + 4 re-arms of 2 ms each, measured on the loop's own clock */
	ck_assert_uint_ge(k.fired_at - start, 11 * NS_PER_MS);
	ck_assert(loop_stopped(loop));
	ck_assert(!timer_armed(&k.t));
	loop_free(loop);
}
END_TEST

/* Flushers run once at the end of every iteration, after the fd callbacks
 * and the timers of that iteration, in the order added. */
struct flush_log {
	char seq[32];
	int n;
};

static void log_step(struct flush_log *l, char c)
{
	if (l->n < (int)sizeof(l->seq) - 1)
		l->seq[l->n++] = c;
}

static void on_flush_a(struct loop *loop, void *arg)
{
	(void)loop;
	log_step(arg, 'A');
}

static void on_flush_b(struct loop *loop, void *arg)
{
	(void)loop;
	log_step(arg, 'B');
}

static void on_log_timer(struct timer *t, void *arg)
{
	(void)t;
	log_step(arg, 't');
}

static void on_log_fd(struct loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)events;
	char c;
	ck_assert_int_eq(read(fd, &c, 1), 1);
	log_step(arg, 'f');
}

START_TEST(flushers_after_events_and_timers)
{
	struct loop *loop = loop_new();
	struct flush_log l = { 0 };
	int fd[2];
	ck_assert_int_eq(pipe(fd), 0);
	ck_assert_int_eq(loop_fd_add(loop, fd[0], EPOLLIN, on_log_fd, &l), 0);
	ck_assert_int_eq(loop_flush_add(loop, on_flush_a, &l), 0);
	ck_assert_int_eq(loop_flush_add(loop, on_flush_a, &l), -EEXIST);
	ck_assert_int_eq(loop_flush_add(loop, on_flush_b, &l), 0);
	struct timer t;
	timer_init(&t, on_log_timer, &l);
	ck_assert_int_eq(loop_timer_in(loop, &t, 0), 0);
	ck_assert_int_eq(write(fd[1], "x", 1), 1);
	ck_assert_int_eq(loop_run_once(loop, NS_PER_SEC), 2);
	ck_assert_str_eq(l.seq, "ftAB");
	ck_assert_int_eq(loop_run_once(loop, 0), 0); /* an idle iteration flushes too */
	ck_assert_str_eq(l.seq, "ftABAB");
	loop_flush_del(loop, on_flush_a, &l);
	loop_flush_del(loop, on_flush_a, &l); /* harmless */
	ck_assert_int_eq(loop_run_once(loop, 0), 0);
	ck_assert_str_eq(l.seq, "ftABABB");
	for (int i = 0; i < LOOP_FLUSHERS - 1; i++)
		ck_assert_int_eq(loop_flush_add(loop, on_flush_a, (char *)&l + i), 0);
	ck_assert_int_eq(loop_flush_add(loop, on_flush_a, (char *)&l + LOOP_FLUSHERS), -ENOSPC);
	close(fd[0]);
	close(fd[1]);
	loop_free(loop);
}
END_TEST

/* Loops share nothing: a timer on one never fires on the other. */
START_TEST(two_loops)
{
	struct loop *l1 = loop_new(), *l2 = loop_new();
	struct tick k1 = { .loop = l1, .stop_after = 1 }, k2 = { .loop = l2, .stop_after = 1 };
	timer_init(&k1.t, on_tick, NULL);
	timer_init(&k2.t, on_tick, NULL);
	loop_timer_in(l1, &k1.t, NS_PER_MS);
	loop_timer_in(l2, &k2.t, 60 * NS_PER_SEC);
	ck_assert_int_eq(loop_run(l1), 0);
	ck_assert_int_eq(k1.n, 1);
	ck_assert_int_eq(k2.n, 0);
	ck_assert_int_eq(loop_run_once(l2, 0), 0);
	ck_assert_int_eq(k2.n, 0);
	ck_assert_uint_eq(loop_timers(l2)->n, 1);
	loop_timer_cancel(l2, &k2.t);
	ck_assert_uint_eq(loop_timers(l2)->n, 0);
	loop_free(l1);
	loop_free(l2);
}
END_TEST

static int got_sig;

static void on_sig(struct loop *loop, int signo, void *arg)
{
	(void)arg;
	got_sig = signo;
	loop_stop(loop);
}

START_TEST(signals_through_the_loop)
{
	struct loop *loop = loop_new();
	int sigs[] = { SIGUSR1, SIGTERM };
	ck_assert_int_eq(loop_signals(loop, sigs, 2, on_sig, NULL), 0);
	ck_assert_int_eq(loop_signals(loop, sigs, 2, on_sig, NULL), -EEXIST);
	got_sig = 0;
	ck_assert_int_eq(kill(getpid(), SIGTERM), 0); /* blocked: stays pending */
	ck_assert_int_eq(loop_run(loop), 0);
	ck_assert_int_eq(got_sig, SIGTERM);
	loop_free(loop);
}
END_TEST

START_TEST(rlimit_raised_to_need)
{
	struct rlimit rl = { .rlim_cur = 64, .rlim_max = 4096 };
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	char err[256] = "";
	ck_assert_int_eq(rlimit_nofile_ensure(1000, err, sizeof(err)), 0);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert_uint_ge(rl.rlim_cur, 1000);
	ck_assert_int_eq(rlimit_nofile_ensure(10, err, sizeof(err)), 0); /* never lowers */
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert_uint_ge(rl.rlim_cur, 1000);
}
END_TEST

/* CAP_SYS_RESOURCE in the effective set (root in a container may lack it). */
static int has_cap_sys_resource(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	unsigned long long eff = 0;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	if (f)
		fclose(f);
	return (eff >> 24) & 1; /* CAP_SYS_RESOURCE = 24 */
}

START_TEST(rlimit_past_hard)
{
	struct rlimit rl = { .rlim_cur = 64, .rlim_max = 128 };
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	char err[512] = "";
	int rc = rlimit_nofile_ensure(2000, err, sizeof(err));
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (has_cap_sys_resource()) { /* may raise the hard limit */
		ck_assert_int_eq(rc, 0);
		ck_assert_uint_ge(rl.rlim_cur, 2000);
	} else {
		ck_assert_int_eq(rc, -EMFILE);
		ck_assert_ptr_nonnull(strstr(err, "RLIMIT_NOFILE"));
		ck_assert_uint_eq(rl.rlim_cur, 128);
	}
	/* More than the kernel allows any process: always a clear error. */
	rc = rlimit_nofile_ensure(UINT64_C(1) << 40, err, sizeof(err));
	ck_assert_int_eq(rc, -EMFILE);
	ck_assert_ptr_nonnull(strstr(err, "need 1099511627776 open files"));
}
END_TEST

static Suite *loop_suite(void)
{
	Suite *s = suite_create("loop");
	TCase *tc = tcase_create("loop");
	tcase_add_test(tc, fd_callbacks);
	tcase_add_test(tc, delete_inside_batch);
	tcase_add_test(tc, timers_and_stop);
	tcase_add_test(tc, two_loops);
	tcase_add_test(tc, signals_through_the_loop);
	tcase_add_test(tc, flushers_after_events_and_timers);
	suite_add_tcase(s, tc);
	TCase *rl = tcase_create("rlimit");
	tcase_add_test(rl, rlimit_raised_to_need);
	tcase_add_test(rl, rlimit_past_hard);
	suite_add_tcase(s, rl);
	return s;
}

TCHECK_MAIN(loop_suite)
