/* One epoll event loop per worker process: fd callbacks, timers, signals.
 *
 * No globals: everything hangs off a struct loop, so several loops can run
 * in one process (tests).  The monotonic clock is read once per iteration
 * and cached: loop_now() is what every timer and timestamp should use. */
#ifndef IKESWARM_WORKER_LOOP_H
#define IKESWARM_WORKER_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

#include "worker/timer.h"

#ifndef NS_PER_SEC /* conf/config.h has the same */
#define NS_PER_SEC 1000000000ull
#endif
#ifndef NS_PER_MS
#define NS_PER_MS 1000000ull
#endif

struct loop;

/* events: the EPOLLIN/EPOLLOUT/EPOLLERR/EPOLLHUP bits that fired. */
typedef void (*loop_fd_fn)(struct loop *loop, int fd, uint32_t events, void *arg);
typedef void (*loop_sig_fn)(struct loop *loop, int signo, void *arg);

struct loop *loop_new(void);
/* Closes the epoll and signal fds (not the fds registered by callers). */
void loop_free(struct loop *loop);

/* Watch fd for `events` (EPOLLIN, EPOLLOUT; level-triggered).  One
 * registration per fd.  0 or -errno (-EEXIST when fd is already watched). */
int loop_fd_add(struct loop *loop, int fd, uint32_t events, loop_fd_fn fn, void *arg);
int loop_fd_mod(struct loop *loop, int fd, uint32_t events);
/* Stop watching fd (call before closing it).  Safe from any callback: an
 * event of fd already fetched in this iteration is not delivered. */
int loop_fd_del(struct loop *loop, int fd);

/* Block `sigs` (n of them) for the process and deliver them through a
 * signalfd in this loop.  Call once per loop; 0 or -errno. */
int loop_signals(struct loop *loop, const int *sigs, int n, loop_sig_fn fn, void *arg);

/* Call fn(loop, arg) at the end of every iteration, after the fd events
 * and the due timers: work batched during the iteration (datagrams queued
 * by udp_send() in batch mode) goes out before the loop sleeps again.  At
 * most LOOP_FLUSHERS; called in the order added; a flusher must not add or
 * remove flushers.  0, -EEXIST or -ENOSPC. */
#define LOOP_FLUSHERS 4
typedef void (*loop_flush_fn)(struct loop *loop, void *arg);
int loop_flush_add(struct loop *loop, loop_flush_fn fn, void *arg);
/* Harmless when (fn, arg) is not registered. */
void loop_flush_del(struct loop *loop, loop_flush_fn fn, void *arg);

/* Monotonic ns, cached at the start of the iteration. */
uint64_t loop_now(const struct loop *loop);
/* Re-read the clock (after long work inside a callback); returns it. */
uint64_t loop_now_update(struct loop *loop);

/* Timers on this loop's heap.  0 or -ENOMEM (see timer_arm()). */
int loop_timer_at(struct loop *loop, struct timer *t, uint64_t due_ns);
int loop_timer_in(struct loop *loop, struct timer *t, uint64_t delay_ns);
void loop_timer_cancel(struct loop *loop, struct timer *t);
struct timer_heap *loop_timers(struct loop *loop);

/* Run until loop_stop(): wait, dispatch fd events, fire due timers, call
 * the flushers.
 * 0 after loop_stop(), -errno when epoll fails. */
int loop_run(struct loop *loop);
/* One iteration, waiting at most max_wait_ns for an event or timer (0 = do
 * not block).  Returns the number of fd events + timers dispatched, or -errno. */
int loop_run_once(struct loop *loop, uint64_t max_wait_ns);
/* Make loop_run() return after the current iteration.  Safe in callbacks. */
void loop_stop(struct loop *loop);
bool loop_stopped(const struct loop *loop);

#endif
