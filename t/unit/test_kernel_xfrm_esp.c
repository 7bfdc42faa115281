/* The fastpath library with real ESP: two network namespaces on a veth,
 * a CHILD SA installed on both sides through kernel/fastpath.h, then ping
 * through it, rekey during a ping, move the client's address (MOBIKE
 * migrate) during a ping, delete, and nothing left behind.  One test per
 * algorithm: AES-CBC + HMAC-SHA-256 (plain ESP), AES-GCM-16 (ESP in UDP on
 * 4500, with the IKE-side UDP_ENCAP socket and its bypass policy) and
 * ChaCha20-Poly1305 (rekey to a new reqid; removed by fp_cleanup()) and
 * AES-GCM-12 over IPv6 (outer and inner).
 *
 * Needs root and a kernel with ESP: on the host (no ESP) it says SKIP;
 * t/kernel/esp-xfrmlib.sh runs it inside user-mode Linux with
 * IKESWARM_EXPECT_ESP=1, where a SKIP would be a failure. */
#include "t/unit/tcheck.h"
#include "kernel/fastpath.h"
#include "kernel/xfrm_policy.h"
#include "kernel/xfrm_probe.h"
#include "proto/ike_ids.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CL "xfrmlib-cl"
#define GW "xfrmlib-gw"
#define O_CL "10.99.0.2"
#define O_GW "10.99.0.1"
#define I_CL "10.10.1.1"
#define I_GW "10.10.2.1"

/* The addresses of one scenario: outer (veth, plen), the client's next
 * outer address (MOBIKE), inner (lo). */
struct addrs {
	const char *o_cl, *o_cl2, *o_gw, *i_cl, *i_gw, *plen;
};
static const struct addrs V4 = { O_CL, "10.99.0.3", O_GW, I_CL, I_GW, "24" };
static const struct addrs V6 = { "fd00:99::2", "fd00:99::3", "fd00:99::1", "fd00:10:1::1",
				 "fd00:10:2::1", "64" };
static const struct addrs *AD = &V4;
#define PING_MS 50
/* Pings a rekey or a move may cost: this one process switches the two
 * sides one after the other, and a loaded host can stretch the gap in
 * UML past 100 ms (a broken tunnel loses 16 of the 24). */
#define SWITCH_LOSS 3

struct side {
	int nsfd;
	struct fastpath *fp;
	int udp; /* the UDP_ENCAP socket on 4500, or -1 */
};

static int esp_state = -1; /* xfrm_probe_esp() in a fresh netns */
static char esp_why[256];

static int sh(const char *cmd)
{
	int rc = system(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static struct ip_addr A(const char *s)
{
	struct ip_addr a;
	ck_assert_int_eq(ip_addr_parse(s, &a), 0);
	return a;
}

static void ns_teardown(void)
{
	sh("ip netns del " CL " 2>/dev/null; ip netns del " GW " 2>/dev/null");
}

/* Two namespaces: cl vcl O_CL/24 + I_CL/32 on lo; gw vgw O_GW/24 + I_GW on
 * lo.  No route between the inner addresses: table 330 must supply it. */
static void ns_setup(void)
{
	ns_teardown();
	if (sh("ip netns add " CL " && ip netns add " GW " && "
	       "ip link add vcl netns " CL " type veth peer name vgw netns " GW " && "
	       "ip -n " CL " addr add " O_CL "/24 dev vcl && ip -n " GW " addr add " O_GW
	       "/24 dev vgw && ip -n " CL " link set vcl up && ip -n " GW " link set vgw up && "
	       "ip -n " CL " link set lo up && ip -n " GW " link set lo up && "
	       "ip -n " CL " addr add " I_CL "/32 dev lo && ip -n " GW " addr add " I_GW
	       "/32 dev lo && ip netns exec " CL " sh -c "
	       "'echo 1 > /proc/sys/net/ipv4/conf/vcl/promote_secondaries'") != 0)
		fprintf(stderr, "xfrm-esp: namespace setup failed\n");
}

/* Probe ESP once, in a private netns of a forked child. */
static void probe_once(void)
{
	int fds[2];
	struct { int rc; char why[256]; } a = { -1, "" };

	if (pipe(fds) < 0)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		if (unshare(CLONE_NEWNET) == 0)
			a.rc = xfrm_probe_esp(a.why, sizeof(a.why));
		else
			snprintf(a.why, sizeof(a.why), "unshare: %s", strerror(errno));
		_exit(write(fds[1], &a, sizeof(a)) == sizeof(a) ? 0 : 1);
	}
	close(fds[1]);
	if (read(fds[0], &a, sizeof(a)) != sizeof(a))
		a.rc = -1;
	close(fds[0]);
	waitpid(pid, NULL, 0);
	esp_state = a.rc;
	snprintf(esp_why, sizeof(esp_why), "%s", a.why);
}

/* 1 when the test can run; prints SKIP otherwise (fails when ESP was
 * expected). */
static int can_run(const char *name)
{
	const char *expect = getenv("IKESWARM_EXPECT_ESP");

	if (geteuid() != 0) {
		printf("SKIP %s: needs root\n", name);
		return 0;
	}
	if (esp_state < 0)
		probe_once();
	if (esp_state == 1)
		return 1;
	ck_assert_msg(!(expect && expect[0] == '1'), "ESP expected: %s", esp_why);
	printf("SKIP %s: %s\n", name, esp_why);
	return 0;
}

static int enter(const char *ns)
{
	char path[64];
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	ck_assert_int_eq(setns(fd, CLONE_NEWNET), 0);
	return fd;
}

/* IKE's 4500 socket on addr (IPv4 or IPv6), in the current netns: ESP in
 * UDP is decapsulated on it (UDP_ENCAP; IPv6 since Linux 5.8), and its
 * bypass policy keeps IKE out of the tunnel. */
static int encap_socket_port(const char *addr, uint16_t port)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	int fam = strchr(addr, ':') ? AF_INET6 : AF_INET, type = 2; /* UDP_ENCAP_ESPINUDP */
	socklen_t len = fam == AF_INET6 ? sizeof(*sin6) : sizeof(*sin);
	if (fam == AF_INET6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		ck_assert_int_eq(inet_pton(AF_INET6, addr, &sin6->sin6_addr), 1);
	} else {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		ck_assert_int_eq(inet_pton(AF_INET, addr, &sin->sin_addr), 1);
	}
	int fd = socket(fam, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_msg(bind(fd, (struct sockaddr *)&ss, len) == 0, "bind %s: %s", addr,
		      strerror(errno));
	ck_assert_msg(setsockopt(fd, IPPROTO_UDP, 100 /* UDP_ENCAP */, &type, sizeof(type)) == 0,
		      "UDP_ENCAP on %s: %s", addr, strerror(errno));
	ck_assert_int_eq(xfrm_socket_bypass(fd, fam), 0);
	return fd;
}

static int encap_socket(const char *addr)
{
	return encap_socket_port(addr, 4500);
}

/* Opens the fastpath (and the UDP_ENCAP socket when udp) inside ns. */
static void side_open(struct side *s, const char *ns, const char *addr, bool udp)
{
	int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

	ck_assert_int_ge(home, 0);
	s->nsfd = enter(ns);
	ck_assert_int_eq(fp_open(&s->fp), 0);
	s->udp = udp ? encap_socket(addr) : -1;
	ck_assert_int_eq(setns(home, CLONE_NEWNET), 0);
	close(home);
}

static void side_close(struct side *s)
{
	fp_close(s->fp);
	if (s->udp >= 0)
		close(s->udp);
	close(s->nsfd);
}

static struct fp_ts ts_host(const char *a)
{
	struct fp_ts t = { .start = A(a), .end = A(a), .port_end = 65535 };
	return t;
}

/* The client's CHILD SA; the gateway's is its mirror (gw_of). */
static struct fp_child child_cl(uint32_t reqid, uint16_t encr, uint16_t bits, uint16_t integ,
				bool udp, uint32_t spi_base, uint8_t keyseed)
{
	struct fp_child c;
	struct xfrm_alg_spec alg;

	memset(&c, 0, sizeof(c));
	c.reqid = reqid;
	c.initiator = true;
	c.mode = FP_TUNNEL;
	c.ep.local = A(AD->o_cl);
	c.ep.remote = A(AD->o_gw);
	if (udp) {
		c.ep.local_port = 4500;
		c.ep.remote_port = 4500;
	}
	c.spi_out = spi_base + 1; /* gw's inbound */
	c.spi_in = spi_base + 2;
	c.encr_id = encr;
	c.encr_keybits = bits;
	c.integ_id = integ;
	c.esn = true;
	c.replay_window = 128;
	c.n_local_ts = 1;
	c.n_remote_ts = 1;
	c.local_ts[0] = ts_host(AD->i_cl);
	c.remote_ts[0] = ts_host(AD->i_gw);
	ck_assert_int_eq(xfrm_alg_lookup(encr, bits, integ, &alg), 0);
	c.keymat_len = (uint16_t)(2 * xfrm_alg_dir_keylen(&alg));
	for (unsigned i = 0; i < c.keymat_len; i++)
		c.keymat[i] = (uint8_t)(keyseed + i * 7);
	ck_assert_int_eq(fp_child_check(&c, &alg), 0);
	return c;
}

static struct fp_child gw_of(const struct fp_child *cl)
{
	struct fp_child g = *cl;

	g.initiator = false;
	g.ep.local = cl->ep.remote;
	g.ep.remote = cl->ep.local;
	g.ep.local_port = cl->ep.remote_port;
	g.ep.remote_port = cl->ep.local_port;
	g.spi_out = cl->spi_in;
	g.spi_in = cl->spi_out;
	g.local_ts[0] = cl->remote_ts[0];
	g.remote_ts[0] = cl->local_ts[0];
	return g;
}

/* ping from the client's inner address, in the background: returns the
 * pid; its output goes to a pipe read by ping_wait. */
static pid_t ping_start(int nsfd, int count, int *outfd)
{
	int fds[2];
	char c[16], iv[16];

	ck_assert_int_eq(pipe(fds), 0);
	snprintf(c, sizeof(c), "%d", count);
	snprintf(iv, sizeof(iv), "0.%03d", PING_MS);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		if (setns(nsfd, CLONE_NEWNET) < 0)
			_exit(127);
		execlp("ping", "ping", "-n", "-q", "-c", c, "-i", iv, "-W", "1", "-I", AD->i_cl,
		       AD->i_gw, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	*outfd = fds[0];
	return pid;
}

/* Waits for the ping; sent and got from its summary line. */
static void ping_wait(pid_t pid, int fd, int *sent, int *got)
{
	char buf[2048];
	size_t n = 0;
	ssize_t k;

	while (n < sizeof(buf) - 1 && (k = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)k;
	buf[n] = '\0';
	close(fd);
	waitpid(pid, NULL, 0);
	*sent = *got = -1;
	const char *line = strstr(buf, "packets transmitted");
	if (line) {
		while (line > buf && line[-1] != '\n')
			line--;
		sscanf(line, "%d packets transmitted, %d", sent, got);
	}
	if (*sent < 0)
		fprintf(stderr, "ping said: %s\n", buf);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The state (dst, spi) on side s; fails the test when it is not there. */
static struct xfrm_sa_info sa_info(struct side *s, const char *dst, uint32_t spi)
{
	struct xfrm_sa_info i;
	struct ip_addr d = A(dst);
	int rc = fp_sa_get(s->fp, &d, spi, &i);

	ck_assert_msg(rc == 0, "state %s spi 0x%x: %s", dst, spi, strerror(-rc));
	return i;
}

static bool sa_gone(struct side *s, const char *dst, uint32_t spi)
{
	struct xfrm_sa_info i;
	struct ip_addr d = A(dst);
	return fp_sa_get(s->fp, &d, spi, &i) == -ESRCH;
}

/* What both namespaces hold, from iproute2 (one shell, few execs: every
 * exec costs ~50 ms in UML). */
struct holds {
	int states, policies, socket_policies, routes330, rules330;
};

static struct holds holdings(void)
{
	FILE *f = popen("for n in " CL " " GW "; do "
			/* not one -batch: after "xfrm state" it lists no policy */
			"echo @xfrm; ip -n $n xfrm state; ip -n $n xfrm policy; "
			"echo @route; printf 'route show table 330\\nrule\\n' | ip -n $n -batch -; "
			"printf 'route show table 330\\nrule\\n' | ip -6 -n $n -batch - "
			"2>/dev/null; done", "r");
	struct holds h = { 0 };
	char line[512];
	bool xfrm = false;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "@xfrm", 5) || !strncmp(line, "@route", 6)) {
			xfrm = line[1] == 'x';
			continue;
		}
		if (xfrm) {
			h.states += strstr(line, "proto esp spi") != NULL;
			h.policies += !strncmp(line, "\tdir ", 5);
			h.socket_policies += !strncmp(line, "\tsocket ", 8);
		} else if (strchr(line, ':') && line[0] >= '0' && line[0] <= '9' &&
			   strstr(line, ":\tfrom ")) {
			h.rules330 += strstr(line, "lookup 330") != NULL;
		} else {
			h.routes330++;
		}
	}
	pclose(f);
	return h;
}

struct scenario {
	const char *name;
	uint16_t encr, bits, integ;
	bool udp;           /* ESP in UDP on 4500 */
	bool new_reqid;     /* the rekey changes the reqid (policies updated) */
	bool by_cleanup;    /* removed by fp_cleanup() instead of fp_delete() */
};

/* Before each test: the client's outer address only (IPv4, or IPv6 too),
 * and the addresses of the family the test uses. */
static void reset_addresses(const struct addrs *ad)
{
	char cmd[600];

	AD = ad;
	if (geteuid() != 0)
		return;
	if (ad == &V6) {
		/* an IPv6 socket loads the ipv6 module in UML, where ip(8)
		 * cannot (it is not built in there) */
		int fd = socket(AF_INET6, SOCK_DGRAM, 0);
		if (fd >= 0)
			close(fd);
	}
	snprintf(cmd, sizeof(cmd),
		 "ip -n " CL " addr flush dev vcl 2>/dev/null; "
		 "ip -n " CL " addr add " O_CL "/24 dev vcl 2>/dev/null; "
		 "ip -n " CL " addr add %s/%s dev vcl nodad 2>/dev/null; "
		 "ip -n " GW " addr add %s/%s dev vgw nodad 2>/dev/null; "
		 "ip -n " CL " addr add %s dev lo 2>/dev/null; "
		 "ip -n " GW " addr add %s dev lo 2>/dev/null; true",
		 ad->o_cl, ad->plen, ad->o_gw, ad->plen, ad->i_cl, ad->i_gw);
	sh(cmd);
}

/* Ping `count` packets in the background while fn runs at ~1/3 of it;
 * at most `lost` may get no answer. */
static void ping_across(struct side *cl, int count, int lost, const char *what)
{
	int fd, sent, got;
	pid_t pid = ping_start(cl->nsfd, count, &fd);

	(void)pid;
	(void)what;
	ping_wait(pid, fd, &sent, &got);
	ck_assert_msg(sent == count && got >= count - lost, "%s: ping %d sent, %d answered",
		      what, sent, got);
}

/* With VERBOSE set: how long each step took (the UML suite has a budget). */
static void mark(const char *name, const char *step)
{
	static struct timespec t0;
	struct timespec t;

	if (!getenv("VERBOSE"))
		return;
	clock_gettime(CLOCK_MONOTONIC, &t);
	if (step)
		fprintf(stderr, "%s: %s %.0f ms\n", name, step,
			(double)(t.tv_sec - t0.tv_sec) * 1e3 + (double)(t.tv_nsec - t0.tv_nsec) / 1e6);
	t0 = t;
}

static void run_scenario(const struct scenario *sc)
{
	struct side cl, gw;
	struct fp_child c = child_cl(100, sc->encr, sc->bits, sc->integ, sc->udp, 0x1000, 0x11);
	struct fp_child g = gw_of(&c);
	int err[1], fd, sent, got;
	pid_t pid;

	mark(sc->name, NULL);
	if (!can_run(sc->name))
		return;
	mark(sc->name, "probe");
	side_open(&cl, CL, AD->o_cl, sc->udp);
	side_open(&gw, GW, AD->o_gw, sc->udp);
	ck_assert_int_eq(fp_flush(cl.fp), 0);
	ck_assert_int_eq(fp_flush(gw.fp), 0);

	/* install, ping, all four states counted */
	ck_assert_int_eq(fp_install(cl.fp, &c, 1, err), 0);
	ck_assert_int_eq(fp_install(gw.fp, &g, 1, err), 0);
	ck_assert_int_eq(fp_installed(cl.fp), 1);
	mark(sc->name, "install");
	ping_across(&cl, 3, 0, "installed");
	mark(sc->name, "ping");
	/* what iproute2 sees (the same count proves nothing is left below) */
	struct holds h = holdings();
	ck_assert_msg(h.states == 4 && h.policies == 6 && h.routes330 == 2 && h.rules330 == 2,
		      "installed: %d states, %d policies, %d table 330 routes, %d rules",
		      h.states, h.policies, h.routes330, h.rules330);
	ck_assert_uint_ge(sa_info(&cl, AD->o_gw, c.spi_out).packets, 3);
	ck_assert_uint_ge(sa_info(&cl, AD->o_cl, c.spi_in).packets, 3);
	ck_assert_uint_ge(sa_info(&gw, AD->o_cl, g.spi_out).packets, 3);
	ck_assert_uint_ge(sa_info(&gw, AD->o_gw, g.spi_in).packets, 3);
	if (sc->udp)
		ck_assert_int_eq(sa_info(&cl, AD->o_gw, c.spi_out).encap_dport, 4500);

	/* rekey during a ping: new SPIs and keys (reqid kept or new) */
	struct fp_child c2 = child_cl(sc->new_reqid ? 101 : 100, sc->encr, sc->bits, sc->integ,
				      sc->udp, 0x2000, 0x55);
	struct fp_child g2 = gw_of(&c2);
	uint32_t old = c.reqid;
	pid = ping_start(cl.nsfd, 24, &fd);
	sleep_ms(8 * PING_MS);
	ck_assert_int_eq(fp_rekey(gw.fp, &old, &g2, 1, err), 0);
	ck_assert_int_eq(fp_rekey(cl.fp, &old, &c2, 1, err), 0);
	ping_wait(pid, fd, &sent, &got);
	ck_assert_msg(sent == 24 && got >= 24 - SWITCH_LOSS, "rekey: ping %d sent, %d answered",
		      sent, got);
	int rekey_lost = sent - got;
	mark(sc->name, "rekey");
	ck_assert(sa_gone(&cl, AD->o_gw, c.spi_out) && sa_gone(&cl, AD->o_cl, c.spi_in));
	ck_assert(sa_gone(&gw, AD->o_cl, g.spi_out) && sa_gone(&gw, AD->o_gw, g.spi_in));
	ck_assert_uint_ge(sa_info(&cl, AD->o_gw, c2.spi_out).packets, 10);
	ck_assert_uint_ge(sa_info(&gw, AD->o_gw, g2.spi_in).packets, 10);
	ck_assert_int_eq(fp_installed(cl.fp), 1);

	/* MOBIKE: the client's address moves during a ping; the states keep
	 * their sequence numbers */
	/* a secondary of the /24: promoted when the old address goes below
	 * (promote_secondaries is on) */
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "ip -n " CL " addr add %s/%s dev vcl%s", AD->o_cl2, AD->plen,
		 AD == &V6 ? " nodad" : "");
	ck_assert_int_eq(sh(cmd), 0);
	int old_udp = cl.udp;
	if (sc->udp) {
		int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		/* the client's IKE socket on its new address (the old one stays
		 * until the SA has moved: it decapsulates until then) */
		ck_assert_int_eq(setns(cl.nsfd, CLONE_NEWNET), 0);
		cl.udp = encap_socket(AD->o_cl2);
		ck_assert_int_eq(setns(home, CLONE_NEWNET), 0);
		close(home);
	}
	uint64_t oseq = sa_info(&cl, AD->o_gw, c2.spi_out).oseq;
	ck_assert_uint_ge(oseq, 10);
	struct fp_endpoints cl_to = c2.ep, gw_to = g2.ep;
	cl_to.local = A(AD->o_cl2);
	gw_to.remote = A(AD->o_cl2);
	pid = ping_start(cl.nsfd, 24, &fd);
	sleep_ms(8 * PING_MS);
	ck_assert_int_eq(fp_migrate(gw.fp, &c2.reqid, &gw_to, 1, err), 0);
	ck_assert_int_eq(fp_migrate(cl.fp, &c2.reqid, &cl_to, 1, err), 0);
	ping_wait(pid, fd, &sent, &got);
	ck_assert_msg(sent == 24 && got >= 24 - SWITCH_LOSS, "migrate: ping %d sent, %d answered",
		      sent, got);
	int move_lost = sent - got;
	mark(sc->name, "migrate");
	if (old_udp >= 0 && old_udp != cl.udp)
		close(old_udp);
	struct xfrm_sa_info out = sa_info(&cl, AD->o_gw, c2.spi_out);
	struct xfrm_sa_info in = sa_info(&gw, AD->o_gw, g2.spi_in);
	ck_assert_int_eq(ip_addr_cmp(&out.src, &cl_to.local), 0);
	ck_assert_int_eq(ip_addr_cmp(&in.src, &cl_to.local), 0);
	ck_assert_uint_gt(out.oseq, oseq + 10);
	ck_assert(sa_gone(&gw, AD->o_cl, g2.spi_out));
	(void)sa_info(&gw, AD->o_cl2, g2.spi_out);
	snprintf(cmd, sizeof(cmd), "ip -n " CL " addr del %s/%s dev vcl", AD->o_cl, AD->plen);
	ck_assert_int_eq(sh(cmd), 0);
	ping_across(&cl, 3, 0, "after migrate, old address gone");
	mark(sc->name, "old address gone");

	/* delete (or cleanup): nothing left */
	if (sc->by_cleanup) {
		ck_assert_int_eq(fp_cleanup(cl.fp), 0);
		ck_assert_int_eq(fp_cleanup(gw.fp), 0);
	} else {
		ck_assert_int_eq(fp_delete(cl.fp, &c2.reqid, 1, err), 0);
		ck_assert_int_eq(fp_delete(gw.fp, &c2.reqid, 1, err), 0);
		ck_assert_int_eq(fp_cleanup(cl.fp), 0); /* the rule */
		ck_assert_int_eq(fp_cleanup(gw.fp), 0);
	}
	ck_assert_int_eq(fp_installed(cl.fp), 0);
	h = holdings();
	if (sc->udp) {
		/* the IKE sockets' bypass policies (in, out) are there until
		 * they close */
		ck_assert_int_eq(h.socket_policies, 4);
		close(cl.udp);
		close(gw.udp);
		cl.udp = gw.udp = -1;
		h = holdings();
	}
	ck_assert_msg(h.states == 0 && h.policies == 0 && h.socket_policies == 0 &&
		      h.routes330 == 0 && h.rules330 == 0,
		      "left: %d states, %d policies, %d socket policies, %d table 330 routes, "
		      "%d rules", h.states, h.policies, h.socket_policies, h.routes330, h.rules330);
	mark(sc->name, "delete and checks");
	printf("PASS-DETAIL %s: ping through, rekey and migrate kept it up (lost %d and %d "
	       "of 24 at %d ms), nothing left\n", sc->name, rekey_lost, move_lost, PING_MS);
	side_close(&cl);
	side_close(&gw);
}

/* One move of the client (cl_to) and its mirror on the gateway, during
 * the ping; then the states must be at the new endpoints with the new
 * encapsulation, their sequence numbers gone on (out: sent; in: highest
 * received, the replay window carried). */
static void move_both(struct side *cl, struct side *gw, struct fp_child *c, struct fp_child *g,
		      const struct fp_endpoints *cl_to, const char *what)
{
	struct fp_endpoints gw_to = { cl_to->remote, cl_to->local, cl_to->remote_port,
				      cl_to->local_port };
	struct ip_addr gw_addr = c->ep.remote, cl_addr = c->ep.local;
	struct xfrm_sa_info before_out, before_in, out, in;
	int err[1];

	ck_assert_int_eq(fp_sa_get(cl->fp, &gw_addr, c->spi_out, &before_out), 0);
	ck_assert_int_eq(fp_sa_get(cl->fp, &cl_addr, c->spi_in, &before_in), 0);
	err[0] = 0;
	ck_assert_msg(fp_migrate(gw->fp, &g->reqid, &gw_to, 1, err) == 0, "%s: gateway: %s", what,
		      strerror(-err[0]));
	ck_assert_msg(fp_migrate(cl->fp, &c->reqid, cl_to, 1, err) == 0, "%s: client: %s", what,
		      strerror(-err[0]));
	c->ep = *cl_to;
	g->ep = gw_to;
	sleep_ms(6 * PING_MS);
	ck_assert_int_eq(fp_sa_get(cl->fp, &cl_to->remote, c->spi_out, &out), 0);
	ck_assert_int_eq(fp_sa_get(cl->fp, &cl_to->local, c->spi_in, &in), 0);
	ck_assert_msg(!ip_addr_cmp(&out.src, &cl_to->local) && !ip_addr_cmp(&out.dst, &cl_to->remote),
		      "%s: out state not at the new endpoints", what);
	ck_assert_msg(out.encap_sport == cl_to->local_port && out.encap_dport == cl_to->remote_port,
		      "%s: out state encap %u->%u, want %u->%u", what, out.encap_sport,
		      out.encap_dport, cl_to->local_port, cl_to->remote_port);
	ck_assert_msg(in.encap_sport == cl_to->remote_port && in.encap_dport == cl_to->local_port,
		      "%s: in state encap %u->%u", what, in.encap_sport, in.encap_dport);
	/* carried: the counters go on from where they were */
	ck_assert_msg(out.oseq > before_out.oseq && in.seq > before_in.seq &&
		      out.packets > before_out.packets,
		      "%s: oseq %lu -> %lu, seq %lu -> %lu, packets %lu -> %lu", what,
		      (unsigned long)before_out.oseq, (unsigned long)out.oseq,
		      (unsigned long)before_in.seq, (unsigned long)in.seq,
		      (unsigned long)before_out.packets, (unsigned long)out.packets);
	/* the gateway's states moved too */
	ck_assert_int_eq(fp_sa_get(gw->fp, &gw_to.remote, g->spi_out, &out), 0);
	ck_assert_int_eq(out.encap_dport, gw_to.remote_port);
	if (getenv("VERBOSE"))
		fprintf(stderr, "moves: %s: oseq %lu -> %lu\n", what,
			(unsigned long)before_out.oseq, (unsigned long)out.oseq);
}

/* Every kind of move XFRM_MSG_MIGRATE cannot express, one after the other
 * during one ping, after a rekey (its keys are the ones re-added; plain
 * ESP, IPv4 inner): ESP in UDP added on the same
 * addresses, the client's port changed (a NAT rebinding), ESP in UDP
 * dropped, the outer family changed to IPv6 and back to IPv4 with ESP in
 * UDP; one XFRM_MSG_MIGRATE move (new address) between them. */
static void run_moves(void)
{
	const char *name = "xfrmlib-moves";
	struct side cl, gw;
	struct fp_child c = child_cl(300, IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, false, 0x3000,
				     0x33);
	struct fp_child g = gw_of(&c);
	int err[1], fd, sent, got;

	if (!can_run(name))
		return;
	side_open(&cl, CL, O_CL, true); /* cl.udp: O_CL:4500 */
	side_open(&gw, GW, O_GW, true);
	int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ck_assert_int_eq(setns(cl.nsfd, CLONE_NEWNET), 0);
	int cl_4501 = encap_socket_port(O_CL, 4501);
	int cl_v6 = encap_socket_port(V6.o_cl, 4500);
	ck_assert_int_eq(setns(gw.nsfd, CLONE_NEWNET), 0);
	int gw_v6 = encap_socket_port(V6.o_gw, 4500);
	ck_assert_int_eq(setns(home, CLONE_NEWNET), 0);
	close(home);
	ck_assert_int_eq(fp_flush(cl.fp), 0);
	ck_assert_int_eq(fp_flush(gw.fp), 0);
	ck_assert_int_eq(fp_install(cl.fp, &c, 1, err), 0);
	ck_assert_int_eq(fp_install(gw.fp, &g, 1, err), 0);
	ping_across(&cl, 3, 0, "moves: installed");
	/* rekeyed first: the moves below must re-add with the new keys */
	struct fp_child c2 = child_cl(300, IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, false,
				      0x3100, 0x66);
	struct fp_child g2 = gw_of(&c2);
	uint32_t old = c.reqid;
	ck_assert_int_eq(fp_rekey(gw.fp, &old, &g2, 1, err), 0);
	ck_assert_int_eq(fp_rekey(cl.fp, &old, &c2, 1, err), 0);
	c = c2;
	g = g2;
	ping_across(&cl, 3, 0, "moves: rekeyed");

	/* 7 moves, ~400 ms apart, in a 5.4 s ping */
	enum { COUNT = 108, MOVES = 7 };
	pid_t pid = ping_start(cl.nsfd, COUNT, &fd);
	sleep_ms(6 * PING_MS);
	struct fp_endpoints to = c.ep;
	to.local_port = to.remote_port = 4500;
	move_both(&cl, &gw, &c, &g, &to, "encap added (same addresses)");
	to.local_port = 4501;
	move_both(&cl, &gw, &c, &g, &to, "ports only (4500 -> 4501)");
	to.local_port = to.remote_port = 0;
	move_both(&cl, &gw, &c, &g, &to, "encap dropped");
	to.local = A(V6.o_cl);
	to.remote = A(V6.o_gw);
	move_both(&cl, &gw, &c, &g, &to, "IPv4 -> IPv6 outer");
	to.local = A(V6.o_cl2);
	move_both(&cl, &gw, &c, &g, &to, "IPv6 new address (migrate)");
	to.local = A(O_CL);
	to.remote = A(O_GW);
	to.local_port = to.remote_port = 4500;
	move_both(&cl, &gw, &c, &g, &to, "IPv6 -> IPv4 outer, encap added");
	to.local_port = to.remote_port = 0;
	move_both(&cl, &gw, &c, &g, &to, "encap dropped again");
	ping_wait(pid, fd, &sent, &got);
	ck_assert_msg(sent == COUNT && got >= COUNT - MOVES * SWITCH_LOSS,
		      "moves: ping %d sent, %d answered", sent, got);
	/* the re-added states hold the rekey's keys (both sides re-adding
	 * the old ones would still talk to each other) */
	char cmd[200], hex[17];
	for (int k = 0; k < 8; k++)
		snprintf(hex + 2 * k, 3, "%02x", c.keymat[k]);
	snprintf(cmd, sizeof(cmd), "ip -n " CL " xfrm state | grep -c 0x%s", hex);
	FILE *kf = popen(cmd, "r");
	int keyed = 0;
	ck_assert_ptr_nonnull(kf);
	ck_assert_int_eq(fscanf(kf, "%d", &keyed), 1);
	pclose(kf);
	ck_assert_msg(keyed == 1, "the rekey's out key in %d client states", keyed);

	/* a re-add that fails (the new outbound state collides with one put
	 * there by hand): the old states come back where they were with
	 * their sequence numbers, the new inbound one goes, traffic goes on */
	ck_assert_int_eq(c.spi_out, 0x3101);
	ck_assert_int_eq(sh("ip -n " CL " xfrm state add src fd00:99::2 dst fd00:99::1 proto esp "
			    "spi 0x3101 mode tunnel aead 'rfc4106(gcm(aes))' "
			    "0x0102030405060708090a0b0c0d0e0f1011121314 128"), 0);
	struct xfrm_sa_info before, after;
	struct ip_addr v6cl = A(V6.o_cl);
	ck_assert_int_eq(fp_sa_get(cl.fp, &c.ep.remote, c.spi_out, &before), 0);
	to.local = v6cl;
	to.remote = A(V6.o_gw);
	err[0] = 0;
	ck_assert_int_eq(fp_migrate(cl.fp, &c.reqid, &to, 1, err), 1);
	ck_assert_int_eq(err[0], -EEXIST);
	ck_assert_int_eq(fp_sa_get(cl.fp, &c.ep.remote, c.spi_out, &after), 0);
	ck_assert_int_eq(ip_addr_cmp(&after.src, &c.ep.local), 0);
	ck_assert_uint_ge(after.oseq, before.oseq);
	ck_assert_int_eq(fp_sa_get(cl.fp, &c.ep.local, c.spi_in, &after), 0);
	ck_assert_int_eq(fp_sa_get(cl.fp, &v6cl, c.spi_in, &after), -ESRCH);
	ping_across(&cl, 3, 0, "after a failed move");
	ck_assert_int_eq(sh("ip -n " CL " xfrm state del src fd00:99::2 dst fd00:99::1 proto esp "
			    "spi 0x3101"), 0);
	ck_assert_int_eq(fp_installed(cl.fp), 1);
	ck_assert_int_eq(fp_cleanup(cl.fp), 0);
	ck_assert_int_eq(fp_cleanup(gw.fp), 0);
	close(cl_4501);
	close(cl_v6);
	close(gw_v6);
	close(cl.udp);
	close(gw.udp);
	cl.udp = gw.udp = -1;
	struct holds h = holdings();
	ck_assert_msg(h.states == 0 && h.policies == 0 && h.socket_policies == 0 &&
		      h.routes330 == 0 && h.rules330 == 0,
		      "left: %d states, %d policies, %d socket policies, %d table 330 routes, "
		      "%d rules", h.states, h.policies, h.socket_policies, h.routes330, h.rules330);
	printf("PASS-DETAIL %s: %d moves (encap on, ports only, encap off, v4->v6, v6 address, "
	       "v6->v4 with encap, encap off) during a ping (lost %d of %d at %d ms), sequence "
	       "numbers carried; a failed re-add put back; nothing left\n", name, MOVES,
	       sent - got, sent, PING_MS);
	side_close(&cl);
	side_close(&gw);
}

static void fixture_up(void)
{
	if (geteuid() == 0)
		ns_setup();
}

static void fixture_down(void)
{
	if (geteuid() == 0)
		ns_teardown();
}

START_TEST(cbc_sha256)
{
	struct scenario sc = { "xfrmlib-cbc-sha256", IKE_ENCR_AES_CBC, 256,
			       IKE_INTEG_HMAC_SHA2_256_128, false, false, false };
	reset_addresses(&V4);
	run_scenario(&sc);
}
END_TEST

START_TEST(gcm16_udp)
{
	struct scenario sc = { "xfrmlib-gcm16-udpencap", IKE_ENCR_AES_GCM_16, 128,
			       IKE_INTEG_NONE, true, false, false };
	reset_addresses(&V4);
	run_scenario(&sc);
}
END_TEST

START_TEST(chacha_newreqid)
{
	struct scenario sc = { "xfrmlib-chacha20-newreqid", IKE_ENCR_CHACHA20_POLY1305, 0,
			       IKE_INTEG_NONE, false, true, true };
	reset_addresses(&V4);
	run_scenario(&sc);
}
END_TEST

START_TEST(gcm12_ipv6)
{
	struct scenario sc = { "xfrmlib-gcm12-ipv6", IKE_ENCR_AES_GCM_12, 256,
			       IKE_INTEG_NONE, false, false, false };
	reset_addresses(&V6);
	run_scenario(&sc);
}
END_TEST

START_TEST(gcm16_udp_ipv6)
{
	struct scenario sc = { "xfrmlib-gcm16-udpencap-ipv6", IKE_ENCR_AES_GCM_16, 128,
			       IKE_INTEG_NONE, true, false, false };
	reset_addresses(&V6);
	run_scenario(&sc);
}
END_TEST

START_TEST(moves)
{
	reset_addresses(&V6); /* both families on the veth */
	sh("ip -n " CL " addr add fd00:99::3/64 dev vcl nodad 2>/dev/null");
	AD = &V4;             /* IPv4 inside */
	run_moves();
}
END_TEST

static Suite *esp_suite(void)
{
	Suite *s = suite_create("xfrm_esp");
	TCase *tc = tcase_create("two-netns");

	tcase_add_unchecked_fixture(tc, fixture_up, fixture_down);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, cbc_sha256);
	tcase_add_test(tc, gcm16_udp);
	tcase_add_test(tc, chacha_newreqid);
	tcase_add_test(tc, gcm12_ipv6);
	tcase_add_test(tc, gcm16_udp_ipv6);
	tcase_add_test(tc, moves);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(esp_suite)
