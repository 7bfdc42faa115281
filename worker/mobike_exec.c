/* What `ikeswarm exec` does for MOBIKE around the engine: the gateway's
 * extra addresses (on bindifname, each listening on 500 and 4500) and the
 * reverse-path-filter warning. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/plan.h"
#include "worker/mobike_exec.h"
#include "kernel/xfrm_policy.h"
#include "worker/udp.h"

/* -1 when unreadable. */
static int read_rpf(const char *ifname)
{
	char path[128];
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/rp_filter", ifname);
	FILE *f = fopen(path, "r");
	int v = -1;
	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

int mobike_rpfilter_warn(const struct config *cfg, FILE *err)
{
	if (!cfg->mobike || !cfg->bindifname || !*cfg->bindifname)
		return 0;
	int on_if = read_rpf(cfg->bindifname), on_all = read_rpf("all");
	/* The kernel uses the larger of the two. */
	if (on_if <= 0 && on_all <= 0)
		return 0;
	fprintf(err, "ikeswarm: warning: mobike is on and reverse-path filtering is on "
		"(rp_filter %s=%d all=%d): packets of a moved tunnel arriving on another "
		"interface may be dropped.  To turn it off:\n", cfg->bindifname, on_if, on_all);
	fprintf(err, "  sysctl -w net.ipv4.conf.%s.rp_filter=0\n", cfg->bindifname);
	fprintf(err, "  sysctl -w net.ipv4.conf.all.rp_filter=0\n");
	fprintf(err, "  ip6tables -t raw -A PREROUTING -m rpfilter -j ACCEPT\n");
	fprintf(err, "  ip6tables -t raw -A PREROUTING -m rpfilter --invert -j ACCEPT\n");
	return 1;
}

/* Gateway address k of both blocks (k >= n: mobikealtgwaddr + k - n). */
static int gw_addr(const struct config *cfg, unsigned n, unsigned k, struct ip_prefix *p)
{
	if (k < n) {
		p->len = cfg->bindifaddr.len;
		return plan_gw_addr(cfg, k, &p->addr);
	}
	p->len = cfg->mobikealtgwaddr.len;
	return ip_addr_add(&cfg->mobikealtgwaddr.addr, k - n, &p->addr);
}

static bool has_alt(const struct config *cfg)
{
	const struct ip_prefix *alt = cfg->role == ROLE_CLIENT ? &cfg->mobikealtclntaddr :
				      &cfg->mobikealtgwaddr;
	return cfg->mobike && !ip_addr_is_unset(&alt->addr);
}

int mobike_alt_bypass(const struct config *cfg, struct udp *udp, FILE *err)
{
	if (!has_alt(cfg))
		return 0;
	unsigned n = plan_gw_addrs(cfg);
	uint16_t ports[] = { IKE_PORT, IKE_NATT_PORT };
	for (unsigned k = 0; k < (cfg->role == ROLE_CLIENT ? 1 : n); k++) {
		struct ip_prefix p = { 0 };
		p.addr.family = cfg->mobikealtclntaddr.addr.family;
		if (cfg->role == ROLE_GATEWAY && gw_addr(cfg, n, n + k, &p) < 0)
			continue;
		for (unsigned i = 0; i < 2; i++) {
			struct udp_sock *s = udp_find(udp, &p.addr, ports[i]);
			int rc = s ? xfrm_socket_bypass(udp_sock_fd(s), p.addr.family) : -ENOENT;
			if (rc < 0) {
				fprintf(err, "ikeswarm: IKE socket bypass policy (port %u): %s\n",
					ports[i], strerror(-rc));
				return rc;
			}
		}
	}
	return 0;
}

int mobike_gw_setup(const struct config *cfg, struct nladdr *nl, struct udp *udp, FILE *err)
{
	unsigned n = plan_gw_addrs(cfg), all = n * (has_alt(cfg) ? 2 : 1);
	if (cfg->role != ROLE_GATEWAY || !cfg->mobike || all < 2)
		return 0;
	for (unsigned k = 1; k < all; k++) {
		struct ip_prefix p = { 0 };
		char a[IP_ADDR_STRLEN];
		int rc = gw_addr(cfg, n, k, &p);
		if (rc == 0 && nl)
			rc = nladdr_add(nl, cfg->bindifname, &p);
		if (rc == -EEXIST)
			rc = 0;
		if (rc == 0)
			rc = udp_open(udp, &p.addr, IKE_PORT, UDP_F_FREEBIND, NULL);
		if (rc == 0)
			rc = udp_open(udp, &p.addr, IKE_NATT_PORT, UDP_F_FREEBIND | UDP_F_NATT, NULL);
		if (rc < 0) {
			fprintf(err, "ikeswarm: mobike gateway address %s on %s: %s\n",
				ip_addr_format(&p.addr, a, sizeof(a)), cfg->bindifname,
				strerror(-rc));
			return rc;
		}
	}
	return 0;
}
