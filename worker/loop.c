/* The epoll loop: an fd table indexed by fd number, a timer heap, a clock
 * cached per iteration, and an optional signalfd. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "worker/loop.h"

#define LOOP_EVENTS 64

/* One registered fd.  gen tells a stale epoll event (fd deleted, maybe
 * re-added, earlier in the same iteration) from a live one. */
struct watch {
	loop_fd_fn fn; /* NULL: fd not watched */
	void *arg;
	uint32_t gen;
};

struct loop {
	int epfd;
	int sigfd;
	bool stop;
	uint32_t gen;
	uint64_t now;
	struct watch *w; /* indexed by fd */
	int nw;
	struct timer_heap timers;
	loop_sig_fn sig_fn;
	void *sig_arg;
	struct {
		loop_flush_fn fn;
		void *arg;
	} flush[LOOP_FLUSHERS];
	int nflush;
};

static uint64_t clock_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

struct loop *loop_new(void)
{
	struct loop *loop = calloc(1, sizeof(*loop));
	if (!loop)
		return NULL;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		free(loop);
		return NULL;
	}
	loop->sigfd = -1;
	timer_heap_init(&loop->timers);
	loop->now = clock_ns();
	return loop;
}

void loop_free(struct loop *loop)
{
	if (!loop)
		return;
	if (loop->sigfd >= 0)
		close(loop->sigfd);
	close(loop->epfd);
	timer_heap_free(&loop->timers);
	free(loop->w);
	free(loop);
}

static struct watch *watch_of(struct loop *loop, int fd)
{
	if (fd < 0 || fd >= loop->nw || !loop->w[fd].fn)
		return NULL;
	return &loop->w[fd];
}

static int grow_watches(struct loop *loop, int fd)
{
	if (fd < loop->nw)
		return 0;
	int n = loop->nw ? loop->nw : 64;
	while (n <= fd)
		n *= 2;
	struct watch *w = realloc(loop->w, (size_t)n * sizeof(*w));
	if (!w)
		return -ENOMEM;
	memset(w + loop->nw, 0, (size_t)(n - loop->nw) * sizeof(*w));
	loop->w = w;
	loop->nw = n;
	return 0;
}

int loop_fd_add(struct loop *loop, int fd, uint32_t events, loop_fd_fn fn, void *arg)
{
	if (fd < 0 || !fn)
		return -EINVAL;
	if (watch_of(loop, fd))
		return -EEXIST;
	int err = grow_watches(loop, fd);
	if (err)
		return err;
	uint32_t gen = ++loop->gen;
	struct epoll_event ev = { .events = events, .data.u64 = (uint64_t)gen << 32 | (uint32_t)fd };
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	loop->w[fd] = (struct watch){ .fn = fn, .arg = arg, .gen = gen };
	return 0;
}

int loop_fd_mod(struct loop *loop, int fd, uint32_t events)
{
	struct watch *w = watch_of(loop, fd);
	if (!w)
		return -ENOENT;
	struct epoll_event ev = { .events = events,
				  .data.u64 = (uint64_t)w->gen << 32 | (uint32_t)fd };
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return -errno;
	return 0;
}

int loop_fd_del(struct loop *loop, int fd)
{
	struct watch *w = watch_of(loop, fd);
	if (!w)
		return -ENOENT;
	memset(w, 0, sizeof(*w));
	if (epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL) < 0)
		return -errno;
	return 0;
}

static void on_signal(struct loop *loop, int fd, uint32_t events, void *arg)
{
	(void)events;
	(void)arg;
	struct signalfd_siginfo si;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		loop->sig_fn(loop, (int)si.ssi_signo, loop->sig_arg);
}

int loop_signals(struct loop *loop, const int *sigs, int n, loop_sig_fn fn, void *arg)
{
	if (loop->sigfd >= 0)
		return -EEXIST;
	if (!fn || n <= 0)
		return -EINVAL;
	sigset_t set;
	sigemptyset(&set);
	for (int i = 0; i < n; i++)
		if (sigaddset(&set, sigs[i]) < 0)
			return -EINVAL;
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	loop->sig_fn = fn;
	loop->sig_arg = arg;
	int err = loop_fd_add(loop, fd, EPOLLIN, on_signal, NULL);
	if (err) {
		close(fd);
		return err;
	}
	loop->sigfd = fd;
	return 0;
}

int loop_flush_add(struct loop *loop, loop_flush_fn fn, void *arg)
{
	for (int i = 0; i < loop->nflush; i++)
		if (loop->flush[i].fn == fn && loop->flush[i].arg == arg)
			return -EEXIST;
	if (loop->nflush == LOOP_FLUSHERS)
		return -ENOSPC;
	loop->flush[loop->nflush].fn = fn;
	loop->flush[loop->nflush].arg = arg;
	loop->nflush++;
	return 0;
}

void loop_flush_del(struct loop *loop, loop_flush_fn fn, void *arg)
{
	for (int i = 0; i < loop->nflush; i++) {
		if (loop->flush[i].fn != fn || loop->flush[i].arg != arg)
			continue;
		memmove(&loop->flush[i], &loop->flush[i + 1],
			(size_t)(loop->nflush - i - 1) * sizeof(loop->flush[0]));
		loop->nflush--;
		return;
	}
}

uint64_t loop_now(const struct loop *loop)
{
	return loop->now;
}

uint64_t loop_now_update(struct loop *loop)
{
	loop->now = clock_ns();
	return loop->now;
}

int loop_timer_at(struct loop *loop, struct timer *t, uint64_t due_ns)
{
	return timer_arm(&loop->timers, t, due_ns);
}

int loop_timer_in(struct loop *loop, struct timer *t, uint64_t delay_ns)
{
	uint64_t due = loop->now + delay_ns;
	if (due < loop->now)
		due = TIMER_NEVER;
	return timer_arm(&loop->timers, t, due);
}

void loop_timer_cancel(struct loop *loop, struct timer *t)
{
	timer_cancel(&loop->timers, t);
}

struct timer_heap *loop_timers(struct loop *loop)
{
	return &loop->timers;
}

/* Wait at most wait_ns (UINT64_MAX: no limit). */
static int wait_events(struct loop *loop, struct epoll_event *ev, uint64_t wait_ns)
{
	struct timespec ts, *tsp = NULL;
	if (wait_ns != UINT64_MAX) {
		ts.tv_sec = (time_t)(wait_ns / NS_PER_SEC);
		ts.tv_nsec = (long)(wait_ns % NS_PER_SEC);
		tsp = &ts;
	}
	int n = epoll_pwait2(loop->epfd, ev, LOOP_EVENTS, tsp, NULL);
	if (n < 0 && errno == ENOSYS) {
		/* kernel before 5.11: ms resolution, rounded up */
		int ms = -1;
		if (tsp)
			ms = wait_ns / NS_PER_MS > 86400000 ? 86400000
							 : (int)((wait_ns + NS_PER_MS - 1) / NS_PER_MS);
		n = epoll_wait(loop->epfd, ev, LOOP_EVENTS, ms);
	}
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	return n;
}

int loop_run_once(struct loop *loop, uint64_t max_wait_ns)
{
	struct epoll_event ev[LOOP_EVENTS];
	uint64_t wait = max_wait_ns;
	uint64_t due = timer_next_due(&loop->timers);
	if (due != TIMER_NEVER) {
		uint64_t now = loop_now_update(loop);
		uint64_t until = due > now ? due - now : 0;
		if (until < wait)
			wait = until;
	}
	int n = wait_events(loop, ev, wait);
	if (n < 0)
		return n;
	loop_now_update(loop);
	int done = 0;
	for (int i = 0; i < n; i++) {
		int fd = (int)(uint32_t)ev[i].data.u64;
		uint32_t gen = (uint32_t)(ev[i].data.u64 >> 32);
		struct watch *w = watch_of(loop, fd);
		if (!w || w->gen != gen)
			continue;
		w->fn(loop, fd, ev[i].events, w->arg);
		done++;
	}
	if (timer_next_due(&loop->timers) != TIMER_NEVER)
		done += (int)timer_run(&loop->timers, loop_now_update(loop));
	for (int i = 0; i < loop->nflush; i++)
		loop->flush[i].fn(loop, loop->flush[i].arg);
	return done;
}

int loop_run(struct loop *loop)
{
	loop->stop = false;
	while (!loop->stop) {
		int n = loop_run_once(loop, UINT64_MAX);
		if (n < 0)
			return n;
	}
	return 0;
}

void loop_stop(struct loop *loop)
{
	loop->stop = true;
}

bool loop_stopped(const struct loop *loop)
{
	return loop->stop;
}
