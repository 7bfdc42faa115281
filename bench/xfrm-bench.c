/* xfrm-bench: how fast the fastpath library (kernel/fastpath.h) installs,
 * rekeys, migrates and deletes CHILD SAs, in a private network namespace
 * of a kernel with ESP (make bench-xfrm runs it inside user-mode Linux).
 *
 *   xfrm-bench [-n COUNT] [-b BATCH] [-a gcm|cbc] [-g] [-k]
 *
 * Each CHILD SA: tunnel mode, ESN, replay window 128, two states, three
 * policies (local 10.64.0.0/16 <-> its own remote /32), one table 330
 * route.  -g: gateway style, every SA has its own peer address (one route
 * lookup per SA); default: client style, one peer.  The requests go in
 * calls of BATCH (default 1000).  -k: through the kernel process instead
 * (kproc_main forked in the same netns): each batch is one child.batch
 * message (JSON built, sent over nng ipc, decoded, fp_* per kind, answer
 * read), the engine's path without IKE.  Prints one line per phase and a
 * summary; exit 0, or 77 with "SKIP" when the kernel has no ESP or no root. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "kernel/child_json.h"
#include "kernel/fastpath.h"
#include "kernel/kproc.h"
#include "kernel/xfrm_probe.h"
#include "lib/msg.h"
#include "proto/ike_ids.h"

struct opts {
	size_t n, batch;
	bool cbc, gateway;
	bool kproc;          /* -k: through the kernel process */
	nng_socket sock;     /* -k: REQ to it */
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct ip_addr addr_plus(const char *base, uint64_t off)
{
	struct ip_addr a, r;
	ip_addr_parse(base, &a);
	ip_addr_add(&a, off, &r);
	return r;
}

static void make_child(struct fp_child *c, size_t i, const struct opts *o, uint32_t spi_base)
{
	struct xfrm_alg_spec alg;

	memset(c, 0, offsetof(struct fp_child, keymat));
	/* scrambled: the kernel hashes states by (daddr ^ saddr) ^ reqid, and
	 * a reqid counting up with the peer address fills few buckets
	 * (child_sa.h) */
	c->reqid = ((uint32_t)i + 1) * 0x9e3779b1u;
	c->initiator = true;
	c->mode = FP_TUNNEL;
	c->ep.local = addr_plus("10.0.0.1", 0);
	c->ep.remote = o->gateway ? addr_plus("10.1.0.0", i) : addr_plus("10.0.0.2", 0);
	c->spi_out = spi_base + 2 * (uint32_t)i;
	c->spi_in = spi_base + 2 * (uint32_t)i + 1;
	c->encr_id = o->cbc ? IKE_ENCR_AES_CBC : IKE_ENCR_AES_GCM_16;
	c->encr_keybits = 128;
	c->integ_id = o->cbc ? IKE_INTEG_HMAC_SHA2_256_128 : IKE_INTEG_NONE;
	c->esn = true;
	c->replay_window = 128;
	c->n_local_ts = 1;
	c->n_remote_ts = 1;
	c->local_ts[0].start = addr_plus("10.64.0.0", 0);
	c->local_ts[0].end = addr_plus("10.64.255.255", 0);
	c->local_ts[0].port_end = 65535;
	c->remote_ts[0].start = addr_plus("10.128.0.0", i);
	c->remote_ts[0].end = c->remote_ts[0].start;
	c->remote_ts[0].port_end = 65535;
	xfrm_alg_lookup(c->encr_id, c->encr_keybits, c->integ_id, &alg);
	c->keymat_len = (uint16_t)(2 * xfrm_alg_dir_keylen(&alg));
	for (unsigned k = 0; k < c->keymat_len; k++)
		c->keymat[k] = (uint8_t)(i + k + spi_base);
}

enum phase { INSTALL, REKEY, MIGRATE, DELETE };
static const char *const phase_name[] = { "install", "rekey", "migrate", "delete" };

/* -k: one child.batch of k requests of phase ph; err[j] from the answer. */
static int kproc_batch(const struct opts *o, enum phase ph, const struct fp_child *c,
		       const uint32_t *ids, const struct fp_endpoints *to, size_t k, int *err);

/* Runs one phase over all n in batches; returns the rate (SA/s) or -1. */
static double run_phase(struct fastpath *fp, enum phase ph, struct fp_child *c,
			const struct opts *o)
{
	size_t n = o->n, failed = 0;
	int *err = calloc(o->batch, sizeof(*err));
	uint32_t *ids = calloc(o->batch, sizeof(*ids));
	struct fp_endpoints *to = calloc(o->batch, sizeof(*to));
	int first_err = 0;
	double t0 = now();

	if (!err || !ids || !to)
		return -1;
	for (size_t at = 0; at < n; at += o->batch) {
		size_t k = n - at < o->batch ? n - at : o->batch;
		int rc;
		for (size_t j = 0; j < k; j++) {
			ids[j] = c[at + j].reqid;
			to[j] = c[at + j].ep;
			to[j].local = addr_plus("10.0.0.3", 0);
		}
		if (o->kproc)
			rc = kproc_batch(o, ph, c + at, ids, to, k, err);
		else switch (ph) {
		case INSTALL: rc = fp_install(fp, c + at, k, err); break;
		case REKEY: rc = fp_rekey(fp, ids, c + at, k, err); break;
		case MIGRATE: rc = fp_migrate(fp, ids, to, k, err); break;
		default: rc = fp_delete(fp, ids, k, err); break;
		}
		if (rc < 0) {
			fprintf(stderr, "xfrm-bench: %s: %s\n", phase_name[ph], strerror(-rc));
			return -1;
		}
		for (size_t j = 0; j < k; j++) {
			if (err[j] && !first_err)
				first_err = err[j];
			failed += err[j] != 0;
		}
	}
	double dt = now() - t0;
	printf("xfrm-bench: %-7s %zu CHILD SAs in %.3f s: %.0f SA/s (%zu failed%s%s)\n",
	       phase_name[ph], n, dt, (double)n / dt, failed, first_err ? ", first: " : "",
	       first_err ? strerror(-first_err) : "");
	free(err);
	free(ids);
	free(to);
	return failed ? -1 : (double)n / dt;
}

static int kproc_batch(const struct opts *o, enum phase ph, const struct fp_child *c,
		       const uint32_t *ids, const struct fp_endpoints *to, size_t k, int *err)
{
	static int64_t next_id = 1;
	json_t *m = msg_new("child.batch", next_id++), *reqs = json_array(), *a = NULL;
	const struct msg_type *t;
	char why[MSG_WHY_LEN];
	size_t i;
	json_t *pair;

	for (size_t j = 0; j < k; j++) {
		json_t *r = json_pack("{s:s,s:I}", "op", phase_name[ph], "id", (json_int_t)j);
		if (ph == INSTALL || ph == REKEY)
			json_object_set_new(r, "child", fp_child_to_json(&c[j]));
		if (ph == REKEY)
			json_object_set_new(r, "old_reqid", json_integer(ids[j]));
		if (ph == MIGRATE || ph == DELETE)
			json_object_set_new(r, "reqid", json_integer(ids[j]));
		if (ph == MIGRATE)
			json_object_set_new(r, "to", fp_endpoints_to_json(&to[j]));
		json_array_append_new(reqs, r);
		err[j] = 0;
	}
	json_object_set_new(m, "reqs", reqs);
	int rc = msg_send(o->sock, m, 0);
	json_decref(m);
	if (rc == 0)
		rc = msg_recv(o->sock, 0, &a, &t, why, sizeof(why));
	if (rc < 0)
		return rc;
	if (strcmp(t->name, "reply") != 0) {
		json_decref(a);
		return -EPROTO;
	}
	json_array_foreach(json_object_get(a, "failed"), i, pair) {
		json_int_t j = json_integer_value(json_array_get(pair, 0));
		if (j >= 0 && (size_t)j < k)
			err[j] = -(int)json_integer_value(json_array_get(pair, 1));
	}
	json_decref(a);
	return 0;
}

/* -k: the kernel process in this netns at a private ipc:// URL, started
 * with fastpath.start.  Its pid, or -1. */
static pid_t kproc_start(struct opts *o, char *dir, size_t dirlen)
{
	char url[160], why[MSG_WHY_LEN];
	json_t *a = NULL;
	const struct msg_type *t;
	snprintf(dir, dirlen, "/tmp/xfrm-bench-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(url, sizeof(url), "ipc://%s/k", dir);
	pid_t pid = fork();
	if (pid == 0)
		_exit(kproc_main(url));
	if (pid < 0 || nng_req0_open(&o->sock) != 0)
		return -1;
	nng_socket_set_ms(o->sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_ms(o->sock, NNG_OPT_RECVTIMEO, 120000);
	nng_socket_set_size(o->sock, NNG_OPT_RECVMAXSZ, MSG_MAX_SIZE);
	if (nng_dial(o->sock, url, NULL, NNG_FLAG_NONBLOCK) != 0)
		return -1;
	json_t *m = msg_new("fastpath.start", 0);
	json_object_set_new(m, "flush", json_true());
	int rc = msg_send(o->sock, m, 0);
	json_decref(m);
	if (rc == 0)
		rc = msg_recv(o->sock, 0, &a, &t, why, sizeof(why));
	if (rc == 0 && strcmp(t->name, "reply") != 0)
		rc = -EPROTO;
	json_decref(a);
	return rc == 0 ? pid : -1;
}

int main(int argc, char **argv)
{
	struct opts o = { .n = 10000, .batch = 1000 };
	struct fastpath *fp;
	char why[256];
	int opt, rc;

	while ((opt = getopt(argc, argv, "n:b:a:gk")) != -1) {
		switch (opt) {
		case 'n': o.n = strtoul(optarg, NULL, 10); break;
		case 'b': o.batch = strtoul(optarg, NULL, 10); break;
		case 'a': o.cbc = !strcmp(optarg, "cbc"); break;
		case 'g': o.gateway = true; break;
		case 'k': o.kproc = true; break;
		default:
			fprintf(stderr,
				"usage: xfrm-bench [-n COUNT] [-b BATCH] [-a gcm|cbc] [-g] [-k]\n");
			return 2;
		}
	}
	if (!o.n || !o.batch || o.n > 65536 * 2) {
		fprintf(stderr, "xfrm-bench: COUNT 1..131072, BATCH >= 1\n");
		return 2;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		printf("SKIP xfrm-bench: private netns: %s (needs root)\n", strerror(errno));
		return 77;
	}
	if (system("ip link set lo up && ip addr add 10.0.0.1/8 dev lo") != 0) {
		fprintf(stderr, "xfrm-bench: cannot set up lo\n");
		return 1;
	}
	rc = xfrm_probe_esp(why, sizeof(why));
	if (rc != 1) {
		printf("SKIP xfrm-bench: %s\n", why);
		return 77;
	}
	struct fp_child *c = malloc(o.n * sizeof(*c));
	if (!c || fp_open(&fp) < 0) {
		fprintf(stderr, "xfrm-bench: out of memory or no netlink\n");
		return 1;
	}
	for (size_t i = 0; i < o.n; i++)
		make_child(&c[i], i, &o, 0x10000);
	char dir[64] = "";
	pid_t kpid = -1;
	if (o.kproc && (kpid = kproc_start(&o, dir, sizeof(dir))) < 0) {
		fprintf(stderr, "xfrm-bench: cannot start the kernel process\n");
		return 1;
	}
	printf("xfrm-bench: %zu CHILD SAs, %s, %s style, batches of %zu%s\n", o.n,
	       o.cbc ? "AES-CBC-128/HMAC-SHA-256" : "AES-GCM-16-128",
	       o.gateway ? "gateway (one peer each)" : "client (one peer)", o.batch,
	       o.kproc ? ", through the kernel process (child.batch)" : "");
	double r[4];
	r[INSTALL] = run_phase(fp, INSTALL, c, &o);
	for (size_t i = 0; i < o.n; i++)
		make_child(&c[i], i, &o, 0x1000000);
	r[REKEY] = run_phase(fp, REKEY, c, &o);
	r[MIGRATE] = run_phase(fp, MIGRATE, c, &o);
	r[DELETE] = run_phase(fp, DELETE, c, &o);
	int left = fp_cleanup(fp);
	if (kpid > 0) { /* it removes what it holds at SIGTERM */
		int st;
		nng_close(o.sock);
		kill(kpid, SIGTERM);
		waitpid(kpid, &st, 0);
		left += !WIFEXITED(st) || WEXITSTATUS(st) != 0;
		char p[96];
		snprintf(p, sizeof(p), "%s/k", dir);
		unlink(p);
		rmdir(dir);
	}
	printf("xfrm-bench: summary n=%zu install=%.0f rekey=%.0f migrate=%.0f delete=%.0f SA/s"
	       "%s\n", o.n, r[INSTALL], r[REKEY], r[MIGRATE], r[DELETE],
	       left ? " (cleanup failed)" : "");
	fp_close(fp);
	free(c);
	for (int p = 0; p < 4; p++)
		if (r[p] < 0)
			return 1;
	return left ? 1 : 0;
}
