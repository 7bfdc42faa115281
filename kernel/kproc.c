/* The kernel process and its client (see kproc.h). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <dirent.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include "kernel/fastpath.h"
#include "kernel/kproc.h"
#include "kernel/kproc_int.h"
#include "kernel/nl_addr.h"
#include "lib/msg.h"

/* An error answer "what: strerror(err)" with "errno": err. */
json_t *kproc_answer_err(int64_t id, int err, const char *what)
{
	char text[160];
	snprintf(text, sizeof(text), "%s: %s", what, strerror(err));
	json_t *a = msg_error(id, text);
	if (a)
		json_object_set_new(a, "errno", json_integer(err));
	return a;
}

static void serve_one(struct kproc *k)
{
	json_t *m = NULL, *a = NULL;
	const struct msg_type *t;
	char why[MSG_WHY_LEN];
	char *buf = NULL;
	size_t len = 0;
	int rc = msg_nng_errno(nng_recv(k->sock, &buf, &len, NNG_FLAG_NONBLOCK | NNG_FLAG_ALLOC));
	if (rc < 0)
		return;
	rc = msg_decode(buf, len, false, &m, &t, why, sizeof(why));
	if (rc < 0) {
		/* REP must answer something, or the requester waits forever;
		 * with the id when one can be read, so it is matched. */
		json_t *raw = json_loadb(buf, len, 0, NULL);
		fprintf(stderr, "ikeswarm-kernel: dropped a request: %s\n", why);
		a = msg_error(json_is_object(raw) ? msg_id(raw) : -1, why);
		json_decref(raw);
	} else if (t->dir != MSG_KERNEL) {
		a = kproc_answer_err(msg_id(m), EOPNOTSUPP, t->name);
	} else if (!strcmp(t->name, "addr.add") || !strcmp(t->name, "addr.del")) {
		a = kproc_do_addr(k, m, t->name[5] == 'a');
	} else if (!strcmp(t->name, "addr.flush")) {
		a = kproc_do_addr_flush(k, m);
	} else if (!strcmp(t->name, "fastpath.start")) {
		a = kproc_do_fastpath_start(k, m);
	} else if (!strncmp(t->name, "child.", 6)) {
		a = kproc_do_child(k, m, t->name);
	} else {
		a = kproc_do_route(k, m, !strcmp(t->name, "route.add"));
	}
	k->served++;
	if (a && json_is_false(json_object_get(a, "ok")))
		k->failed++;
	if (a)
		msg_send(k->sock, a, 0);
	json_decref(a);
	json_decref(m);
	nng_free(buf, len);
}

/* Remove the runtime folder of url when this is the last process of the
 * run.  orphaned: the supervisor died (kill -9), so its names there
 * (w<N>, kernel*) go first; otherwise only an empty folder goes: the
 * supervisor has already removed its worker sockets before stopping us,
 * so a supervisor killed while it waits for our cleanup leaves nothing. */
static void remove_rundir(const char *url, bool orphaned)
{
	char dir[256];
	if (strncmp(url, "ipc://", 6) != 0)
		return;
	snprintf(dir, sizeof(dir), "%s", url + 6);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return;
	*slash = 0;
	if (!orphaned) {
		rmdir(dir); /* fails (ENOTEMPTY) while the supervisor has names there */
		return;
	}
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strncmp(de->d_name, "kernel", 6) || (de->d_name[0] == 'w' &&
		    de->d_name[1] >= '0' && de->d_name[1] <= '9'))
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
	rmdir(dir);
}

int kproc_main(const char *url)
{
	bool orphaned = false;
	struct kproc k = { 0 };
	int sfd = -1, rfd = -1, rc = 1;
	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	sfd = signalfd(-1, &ss, SFD_CLOEXEC | SFD_NONBLOCK);
	int err = nladdr_open(&k.nl);
	if (err < 0) {
		fprintf(stderr, "ikeswarm-kernel: netlink: %s\n", strerror(-err));
		goto out;
	}
	if (nng_rep0_open(&k.sock) != 0 ||
	    nng_socket_set_size(k.sock, NNG_OPT_RECVMAXSZ, MSG_MAX_SIZE) != 0 ||
	    (err = nng_listen(k.sock, url, NULL, 0)) != 0 || msg_recv_fd(k.sock, &rfd) < 0) {
		fprintf(stderr, "ikeswarm-kernel: cannot listen on %s: %s\n", url,
			nng_strerror(err));
		goto out;
	}
	rc = 0;
	for (;;) {
		struct pollfd pf[2] = { { .fd = sfd, .events = POLLIN },
					{ .fd = rfd, .events = POLLIN } };
		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			break;
		if (pf[0].revents) {
			/* SIGTERM/SIGINT: clean up and leave; SIGHUP (our parent
			 * death signal): the same, and the runtime folder too. */
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo == SIGHUP)
				orphaned = true;
			break;
		}
		if (pf[1].revents)
			serve_one(&k);
	}
out:
	if (k.fp) {
		kproc_child_report(&k, stderr);
		int left = fp_cleanup(k.fp);
		if (left > 0)
			fprintf(stderr, "ikeswarm-kernel: %d fastpath removals failed at exit\n", left);
		fp_close(k.fp);
	}
	kproc_vip_free(&k);
	if (k.nl) {
		int left = nladdr_cleanup(k.nl);
		if (left > 0)
			fprintf(stderr, "ikeswarm-kernel: %d removals failed at exit\n", left);
		nladdr_close(k.nl);
	}
	nng_close(k.sock);
	if (sfd >= 0)
		close(sfd);
	remove_rundir(url, orphaned);
	return rc;
}

struct kproc_client {
	nng_socket sock;
	int64_t next_id;
};

int kproc_client_open(struct kproc_client **out, const char *url, int timeout_ms)
{
	struct kproc_client *c = calloc(1, sizeof(*c));
	int rv;
	if (!c)
		return -ENOMEM;
	if ((rv = nng_req0_open(&c->sock)) != 0)
		goto fail;
	/* Requests are not idempotent (addresses): never resend. */
	nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_ms(c->sock, NNG_OPT_RECVTIMEO, timeout_ms);
	nng_socket_set_ms(c->sock, NNG_OPT_SENDTIMEO, timeout_ms);
	nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ, MSG_MAX_SIZE);
	/* The kernel process was just spawned and listens a few ms later:
	 * redial soon, not after nng's default backoff (a run's start and
	 * its cleanup each waited about 0.65 s for it). */
	nng_socket_set_ms(c->sock, NNG_OPT_RECONNMINT, 2);
	nng_socket_set_ms(c->sock, NNG_OPT_RECONNMAXT, 50);
	if ((rv = nng_dial(c->sock, url, NULL, NNG_FLAG_NONBLOCK)) != 0) {
		nng_close(c->sock);
		goto fail;
	}
	c->next_id = 1;
	*out = c;
	return 0;
fail:
	free(c);
	return msg_nng_errno(rv);
}

int kproc_call(struct kproc_client *c, json_t *req, char *why, size_t whylen)
{
	return kproc_call_answer(c, req, NULL, why, whylen);
}

int kproc_call_answer(struct kproc_client *c, json_t *req, json_t **answer, char *why,
		      size_t whylen)
{
	int64_t id = c->next_id++;
	json_t *a = NULL;
	const struct msg_type *t;
	char w[MSG_WHY_LEN] = "";
	json_object_set_new(req, "id", json_integer(id));
	int rc = msg_send(c->sock, req, 0);
	json_decref(req);
	if (rc == 0)
		rc = msg_recv(c->sock, 0, &a, &t, w, sizeof(w));
	if (rc < 0) {
		snprintf(why, whylen, "kernel process: %s", w[0] ? w : strerror(-rc));
		return rc;
	}
	if (msg_id(a) != id) {
		snprintf(why, whylen, "kernel process: answer for id %lld, not %lld",
			 (long long)msg_id(a), (long long)id);
		rc = -EPROTO;
	} else if (!json_is_true(json_object_get(a, "ok"))) {
		const json_t *e = json_object_get(a, "errno");
		snprintf(why, whylen, "%s", json_string_value(json_object_get(a, "error")));
		rc = e ? -(int)json_integer_value(e) : -EIO;
		if (!rc)
			rc = -EIO;
	}
	if (rc == 0 && answer)
		*answer = a;
	else
		json_decref(a);
	return rc;
}

void kproc_client_close(struct kproc_client *c)
{
	if (!c)
		return;
	nng_close(c->sock);
	free(c);
}
