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

#include "kernel/child_json.h"
#include "kernel/fastpath.h"
#include "kernel/kproc.h"
#include "kernel/nl_addr.h"
#include "kernel/xfrm_probe.h"
#include "lib/msg.h"

#define KPROC_MAX_COUNT (1u << 20) /* addresses per request */

struct kproc {
	nng_socket sock;
	struct nladdr *nl;
	struct fastpath *fp;       /* after fastpath.start (installfastpath) */
	unsigned long served, failed;
};

static json_t *answer_err(int64_t id, int err, const char *what)
{
	char text[160];
	snprintf(text, sizeof(text), "%s: %s", what, strerror(err));
	json_t *a = msg_error(id, text);
	if (a)
		json_object_set_new(a, "errno", json_integer(err));
	return a;
}

/* addr.add / addr.del: count consecutive addresses from the prefix. */
static json_t *do_addr(struct kproc *k, const json_t *m, bool add)
{
	const char *name = add ? "addr.add" : "addr.del";
	const char *ifname = json_string_value(json_object_get(m, "ifname"));
	const char *pfx = json_string_value(json_object_get(m, "prefix"));
	const json_t *cv = json_object_get(m, "count");
	json_int_t count = cv ? json_integer_value(cv) : 1;
	int64_t id = msg_id(m);
	struct ip_prefix base;
	if (ip_prefix_parse(pfx, true, &base) < 0)
		return answer_err(id, EINVAL, name);
	if (count < 1 || count > KPROC_MAX_COUNT)
		return answer_err(id, ERANGE, name);
	struct ip_prefix *p = calloc((size_t)count, sizeof(*p));
	int *rc = calloc((size_t)count, sizeof(*rc));
	json_t *a = NULL;
	if (!p || !rc) {
		a = answer_err(id, ENOMEM, name);
		goto out;
	}
	for (json_int_t i = 0; i < count; i++) {
		p[i].len = base.len;
		if (ip_addr_add(&base.addr, (uint64_t)i, &p[i].addr) < 0) {
			a = answer_err(id, ERANGE, name);
			goto out;
		}
	}
	int n = add ? nladdr_add_batch(k->nl, ifname, p, (size_t)count, rc)
		    : nladdr_del_batch(k->nl, ifname, p, (size_t)count, rc);
	if (n < 0) {
		a = answer_err(id, -n, name);
		goto out;
	}
	int first_err = 0;
	json_int_t done = 0, existed = 0;
	for (json_int_t i = 0; i < count; i++) {
		if (rc[i] == 0)
			done++;
		else if ((add && rc[i] == -EEXIST) || (!add && rc[i] == -EADDRNOTAVAIL))
			existed++;
		else if (!first_err)
			first_err = -rc[i];
	}
	if (first_err) {
		a = answer_err(id, first_err, name);
	} else {
		a = msg_reply(id);
		json_object_set_new(a, "done", json_integer(done));
		json_object_set_new(a, add ? "existed" : "absent", json_integer(existed));
	}
out:
	free(p);
	free(rc);
	return a;
}

static json_t *do_route(struct kproc *k, const json_t *m, bool add)
{
	const char *name = add ? "route.add" : "route.del";
	int64_t id = msg_id(m);
	struct ip_prefix p;
	if (ip_prefix_parse(json_string_value(json_object_get(m, "prefix")), true, &p) < 0)
		return answer_err(id, EINVAL, name);
	/* Only local routes for now: the fastpath's table 330 comes with XFRM. */
	if (!json_is_true(json_object_get(m, "local")))
		return answer_err(id, EOPNOTSUPP, name);
	int rc = add ? nladdr_route_local_add(k->nl, &p) : nladdr_route_local_del(k->nl, &p);
	return rc < 0 ? answer_err(id, -rc, name) : msg_reply(id);
}

/* fastpath.start: ESP probed first, so a kernel without it is refused
 * with the probe's one line (ENOPROTOOPT) before any tunnel. */
static json_t *do_fastpath_start(struct kproc *k, const json_t *m)
{
	int64_t id = msg_id(m);
	char why[160] = "";
	if (k->fp)
		return msg_reply(id);
	int rc = xfrm_probe_esp(why, sizeof(why));
	if (rc <= 0) {
		json_t *a = msg_error(id, why);
		if (a)
			json_object_set_new(a, "errno", json_integer(rc < 0 ? -rc : ENOPROTOOPT));
		return a;
	}
	if ((rc = fp_open(&k->fp)) < 0)
		return answer_err(id, -rc, "fastpath.start: fp_open");
	if (!json_is_false(json_object_get(m, "flush")) && (rc = fp_flush(k->fp)) < 0)
		return answer_err(id, -rc, "fastpath.start: flush");
	return msg_reply(id);
}

/* child.install / rekey / delete / migrate: one request, fp_* with count 1,
 * answered with the request's own errno. */
static json_t *do_child(struct kproc *k, const json_t *m, const char *name)
{
	int64_t id = msg_id(m);
	char why[160] = "";
	struct fp_child c;
	struct fp_endpoints ep;
	uint32_t reqid = 0;
	int err = 0, rc;
	if (!k->fp)
		return answer_err(id, ENOTCONN, name); /* no fastpath.start */
	if (!strcmp(name, "child.install") || !strcmp(name, "child.rekey")) {
		if (fp_child_from_json(json_object_get(m, "child"), &c, why, sizeof(why)) < 0)
			return msg_error(id, why[0] ? why : "child: invalid");
		if (name[6] == 'i') {
			rc = fp_install(k->fp, &c, 1, &err);
		} else {
			reqid = (uint32_t)json_integer_value(json_object_get(m, "old_reqid"));
			rc = fp_rekey(k->fp, &reqid, &c, 1, &err);
		}
		explicit_bzero(&c, sizeof(c));
	} else if (!strcmp(name, "child.migrate")) {
		if (fp_endpoints_from_json(json_object_get(m, "to"), &ep, why, sizeof(why)) < 0)
			return msg_error(id, why[0] ? why : "to: invalid");
		reqid = (uint32_t)json_integer_value(json_object_get(m, "reqid"));
		rc = fp_migrate(k->fp, &reqid, &ep, 1, &err);
	} else {
		reqid = (uint32_t)json_integer_value(json_object_get(m, "reqid"));
		rc = fp_delete(k->fp, &reqid, 1, &err);
	}
	if (rc < 0)
		err = rc;
	return err ? answer_err(id, -err, name) : msg_reply(id);
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
		a = answer_err(msg_id(m), EOPNOTSUPP, t->name);
	} else if (!strcmp(t->name, "addr.add") || !strcmp(t->name, "addr.del")) {
		a = do_addr(k, m, t->name[5] == 'a');
	} else if (!strcmp(t->name, "fastpath.start")) {
		a = do_fastpath_start(k, m);
	} else if (!strncmp(t->name, "child.", 6)) {
		a = do_child(k, m, t->name);
	} else {
		a = do_route(k, m, !strcmp(t->name, "route.add"));
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

/* The supervisor died (kill -9): nobody else will remove the runtime
 * folder, so the last process of the run does -- only the names the
 * supervisor makes there (w<N>, kernel*). */
static void remove_orphaned_rundir(const char *url)
{
	char dir[256];
	if (strncmp(url, "ipc://", 6) != 0)
		return;
	snprintf(dir, sizeof(dir), "%s", url + 6);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return;
	*slash = 0;
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
		int left = fp_cleanup(k.fp);
		if (left > 0)
			fprintf(stderr, "ikeswarm-kernel: %d fastpath removals failed at exit\n", left);
		fp_close(k.fp);
	}
	if (k.nl) {
		int left = nladdr_cleanup(k.nl);
		if (left > 0)
			fprintf(stderr, "ikeswarm-kernel: %d removals failed at exit\n", left);
		nladdr_close(k.nl);
	}
	nng_close(k.sock);
	if (sfd >= 0)
		close(sfd);
	if (orphaned)
		remove_orphaned_rundir(url);
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
