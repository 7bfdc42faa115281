/* engine_exec() (exec --single): one worker in this process, wired to the
 * epoll loop, the UDP sockets, and the addresses and routes that the
 * multi-process run has its kernel process make (worker/exec_addrs.h). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "conf/plan.h"
#include "kernel/nl_addr.h"
#include "kernel/xfrm_policy.h"
#include "worker/engine.h"
#include "worker/exec_addrs.h"
#include "worker/fastpath_client.h"
#include "worker/loop.h"
#include "worker/mobike_addrmon.h"
#include "worker/mobike_exec.h"
#include "worker/result.h"
#include "worker/rlimit.h"
#include "worker/udp.h"

struct exec_ctx {
	struct engine e;
	struct loop *loop;
	struct udp *udp;
};

static int exec_send(void *ctx, const struct ike_path *p, const uint8_t *pkt, size_t len)
{
	struct exec_ctx *x = ctx;
	return udp_send(x->udp, &p->local, p->lport, &p->remote, p->rport, pkt, len);
}

static int exec_keepalive(void *ctx, const struct ike_path *p)
{
	struct exec_ctx *x = ctx;
	return udp_send_keepalive(x->udp, &p->local, p->lport, &p->remote, p->rport);
}

static void exec_rx(struct udp *u, const struct udp_dgram *d, void *arg)
{
	(void)u;
	struct exec_ctx *x = arg;
	if (d->kind != UDP_IKE)
		return; /* keepalives and ESP: nothing to do without a kernel SA */
	struct ike_path p = {
		.local = d->local, .remote = d->peer, .lport = d->local_port, .rport = d->peer_port,
	};
	engine_input(&x->e, &p, d->data, d->len);
	if (x->e.done)
		loop_stop(x->loop);
}

static void exec_signal(struct loop *loop, int signo, void *arg)
{
	struct exec_ctx *x = arg;
	wlog_event(&x->e.log, WLOG_INFO, -1, 0, "signal", "signo=%d", signo);
	if (x->e.stopping) {
		/* A second signal: leave now. */
		loop_stop(loop);
		return;
	}
	engine_stop(&x->e);
	if (x->e.done)
		loop_stop(loop);
}

/* installfastpath: IKE never enters a tunnel (per-socket bypass), on
 * every IKE socket: the client's wildcard pair, the gateway's pair on
 * bindifaddr and on each extra MOBIKE address (mobike_gw_setup). */
static int bypass_sockets(struct exec_ctx *x, const struct config *cfg, FILE *err)
{
	unsigned n = cfg->role == ROLE_GATEWAY && cfg->mobike ? plan_gw_addrs(cfg) : 1;
	uint16_t ports[] = { IKE_PORT, IKE_NATT_PORT };
	for (unsigned k = 0; k < (n ? n : 1); k++) {
		struct ip_addr a = { 0 };
		if (cfg->role == ROLE_CLIENT)
			a.family = cfg->startclntaddr.addr.family;
		else if (k == 0)
			a = cfg->bindifaddr.addr;
		else if (plan_gw_addr(cfg, k, &a) < 0)
			continue;
		for (unsigned i = 0; i < 2; i++) {
			struct udp_sock *s = udp_find(x->udp, &a, ports[i]);
			int rc = s ? xfrm_socket_bypass(udp_sock_fd(s), a.family) : -ENOENT;
			if (rc < 0) {
				fprintf(err, "ikeswarm: IKE socket bypass policy (port %u): %s\n",
					ports[i], strerror(-rc));
				return rc;
			}
		}
	}
	return mobike_alt_bypass(cfg, x->udp, err);
}

static int open_sockets(struct exec_ctx *x, const struct config *cfg, FILE *err)
{
	struct ip_addr any = { 0 };
	int rc;
	udp_set_bufsize(x->udp, 8 << 20, 8 << 20);
	udp_set_batch(x->udp, true); /* one sendmmsg per loop iteration */
	/* The kernel takes the peer's ESP in UDP off our 4500 sockets. */
	udp_set_espinudp(x->udp, cfg->ikeconf.installfastpath);
	if (cfg->role == ROLE_CLIENT) {
		/* One wildcard socket per port; the source address is chosen
		 * per datagram (IP_PKTINFO), so the count of fds is constant. */
		any.family = cfg->startclntaddr.addr.family;
		rc = udp_open(x->udp, &any, IKE_PORT, UDP_F_FREEBIND, NULL);
		if (rc == 0)
			rc = udp_open(x->udp, &any, IKE_NATT_PORT, UDP_F_FREEBIND | UDP_F_NATT, NULL);
		/* MOBIKE across families: the other family's pair too. */
		any.family = cfg->mobikealtclntaddr.addr.family;
		if (rc == 0 && cfg->mobike && any.family)
			rc = udp_open(x->udp, &any, IKE_PORT, UDP_F_FREEBIND, NULL);
		if (rc == 0 && cfg->mobike && any.family)
			rc = udp_open(x->udp, &any, IKE_NATT_PORT, UDP_F_FREEBIND | UDP_F_NATT, NULL);
	} else {
		const struct ip_addr *a = &cfg->bindifaddr.addr;
		rc = udp_open(x->udp, a, IKE_PORT, UDP_F_FREEBIND, NULL);
		if (rc == 0)
			rc = udp_open(x->udp, a, IKE_NATT_PORT, UDP_F_FREEBIND | UDP_F_NATT, NULL);
	}
	if (rc < 0)
		fprintf(err, "ikeswarm: cannot open the IKE sockets (UDP 500/4500%s): %s\n",
			cfg->ikeconf.installfastpath ? ", 4500 with UDP_ENCAP for installfastpath" : "",
			strerror(-rc));
	return rc;
}

int engine_exec(const struct config *cfg, const struct engine_exec_opts *o)
{
	struct exec_ctx x = { 0 };
	struct nladdr *nl = NULL;
	FILE *logf = stdout, *out = stdout;
	int rc = 1, lvl = (int)cfg->loglevel;
	char why[160];

	if (o->log_path && *o->log_path) {
		logf = fopen(o->log_path, "a");
		if (!logf) {
			fprintf(stderr, "ikeswarm: %s: %s\n", o->log_path, strerror(errno));
			return 1;
		}
	} else if (o->json) {
		logf = stderr; /* stdout carries the one JSON object */
	}
	setvbuf(logf, NULL, _IOLBF, 0);
	if (rlimit_nofile_ensure(256, why, sizeof(why)) < 0)
		fprintf(stderr, "ikeswarm: %s\n", why);
	x.loop = loop_new();
	x.udp = x.loop ? udp_new(x.loop, exec_rx, &x) : NULL;
	struct engine_io io = { .send = exec_send, .keepalive = exec_keepalive, .ctx = &x };
	if (!x.udp || engine_init(&x.e, cfg, 0, &io, loop_timers(x.loop), x.loop, logf, lvl) < 0) {
		fprintf(stderr, "ikeswarm: out of memory or OpenSSL lacks an algorithm\n");
		goto out;
	}
	if (o->keylog_path && keylog_open(&x.e.keylog, o->keylog_path) < 0) {
		fprintf(stderr, "ikeswarm: --keylog %s: %s\n", o->keylog_path, strerror(errno));
		goto out;
	}
	if (cfg->ikeconf.installfastpath) {
		/* Before any tunnel: one clear line when the kernel has no ESP. */
		int r = fpc_direct_open(&x.e.fp, o->flush, why, sizeof(why));
		if (r <= 0) {
			fprintf(stderr, "ikeswarm: installfastpath: %s\n", why);
			goto out;
		}
	}
	bool routes = cfg->staticroute && *cfg->staticroute;
	if (cfg->role == ROLE_CLIENT || routes) {
		int r = nladdr_open(&nl);
		if (r < 0) {
			fprintf(stderr, "ikeswarm: netlink: %s\n", strerror(-r));
			goto out;
		}
	}
	if (cfg->role == ROLE_CLIENT && exec_client_addrs(&x.e, nl, o->flush, stderr) < 0)
		goto out;
	if (cfg->role == ROLE_GATEWAY && cfg->mobike && !nl && nladdr_open(&nl) < 0)
		nl = NULL;
	if (open_sockets(&x, cfg, stderr) < 0 || mobike_gw_setup(cfg, nl, x.udp, stderr) < 0)
		goto out;
	if (routes && exec_staticroutes(&x.e, nl, stderr) < 0)
		goto out;
	if (x.e.fp && bypass_sockets(&x, cfg, stderr) < 0)
		goto out;
	int sigs[] = { SIGINT, SIGTERM };
	loop_signals(x.loop, sigs, 2, exec_signal, &x);
	wlog_event(&x.e.log, WLOG_INFO, -1, 0, "run.start", "role=%s tunnels=%lld",
		   cfg->role == ROLE_CLIENT ? "client" : "gateway",
		   (long long)cfg->numberoftunnels);
	struct mobike_addrmon *addrmon = NULL;
	mobike_addrmon_open(&addrmon, &x.e, x.loop);
	engine_start(&x.e);
	while (!x.e.done) {
		if (loop_run(x.loop) < 0)
			break;
		if (!x.e.done && loop_stopped(x.loop))
			break;
	}
	mobike_addrmon_close(addrmon);
	struct run_result res;
	const struct udp_stats *us = udp_stats(x.udp);
	x.e.cnt.tx_failed = us->tx_err + us->tx_eagain;
	engine_result(&x.e, &res);
	if (o->json)
		result_print_json(&res, out);
	else
		result_print_text(&res, out);
	fflush(out);
	rc = result_exit_code(&res);
out:
	if (x.e.crypto)
		engine_fini(&x.e);
	fpc_close(x.e.fp); /* after the SAs: whatever is left goes here */
	if (nl) {
		nladdr_cleanup(nl);
		nladdr_close(nl);
	}
	if (x.udp)
		udp_free(x.udp);
	if (x.loop)
		loop_free(x.loop);
	if (logf != stdout && logf != stderr)
		fclose(logf);
	return rc;
}
