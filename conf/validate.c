/* Rules that involve more than one key, and features not built yet.  Each
 * error points at the key that is wrong (or, for a missing key, at 'role'). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "conf/algs.h"
#include "conf/duration.h"
#include "conf/internal.h"
#include "conf/plan.h"
#include "conf/staticroute.h"
#include "conf/value.h"

#define CHILD "ikeconf.childlist[]."

/* A key whose value was already reported as wrong: rules using it keep quiet
 * so one mistake gives one message. */
#define BAD(path) conf_loc_bad(c, path, -1, -1)
#define BAD_CHILD(path, e) conf_loc_bad(c, CHILD path, e, -1)

/* Report at path's location in (child, ts); else at fallback's; else 1:1. */
static void err_at(struct conf_ctx *c, bool warning, const char *path, int child, int ts,
		   const char *fallback, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

static void err_at(struct conf_ctx *c, bool warning, const char *path, int child, int ts,
		   const char *fallback, const char *fmt, ...)
{
	char msg[640];
	va_list ap;
	const struct conf_loc *l = conf_loc_find(c, path, child, ts);
	if (!l && fallback)
		l = conf_loc_find(c, fallback, -1, -1);
	if (!l)
		l = conf_loc_find(c, "role", -1, -1);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	conf_diag_add(c->diag, warning, c->file, l ? l->line : 1, l ? l->col : 1, "%s", msg);
}

static void check_unbuilt(struct conf_ctx *c)
{
	struct config def; /* defaults, to compare with */
	config_defaults(&def);
	const struct config *cfg = c->cfg;

	for (unsigned i = 0; i < conf_nunbuilt; i++) {
		const struct conf_key *k = conf_key_find(conf_unbuilt[i].path);
		if (!k)
			continue; /* the unit tests check that every path exists */
		if (conf_key_scope_len(k) == 0) {
			if (!conf_value_equal(k, (const char *)cfg + k->offset,
					      (const char *)&def + k->offset))
				err_at(c, false, k->path, -1, -1, NULL,
				       "%s is not implemented yet (%s)", conf_unbuilt[i].feature,
				       k->path);
			continue;
		}
		/* Keys of childlist entries: compare each entry with the default. */
		const struct conf_child *dc = &def.ikeconf.childlist[0];
		for (unsigned e = 0; e < cfg->ikeconf.n_children; e++) {
			const struct conf_child *ch = &cfg->ikeconf.childlist[e];
			if (!conf_value_equal(k, (const char *)ch + k->offset,
					      (const char *)dc + k->offset))
				err_at(c, false, k->path, e, -1, "ikeconf.childlist",
				       "%s is not implemented yet (ikeconf.childlist[%u].%s)",
				       conf_unbuilt[i].feature, e, conf_key_name(k));
		}
	}
	config_free(&def);
}

static const char *family_name(const struct ip_addr *a)
{
	return a->family == AF_INET6 ? "IPv6" : "IPv4";
}

/* mobikealtclntaddr / mobikealtgwaddr: the other family than `main`, with
 * mobike, and room for `need` addresses. */
static void alt_check(struct conf_ctx *c, const char *key, const struct ip_prefix *alt,
		      const struct ip_addr *main, uint64_t need)
{
	char p[IP_PREFIX_STRLEN];
	if (ip_addr_is_unset(&alt->addr) || BAD(key))
		return;
	if (!c->cfg->mobike)
		err_at(c, false, key, -1, -1, "mobike", "%s needs mobike: true", key);
	else if (alt->addr.family == main->family)
		err_at(c, false, key, -1, -1, NULL,
		       "%s %s must be of the other IP family than %s", key,
		       ip_prefix_format(alt, p, sizeof(p)), family_name(main));
	else if (need > ip_prefix_room(alt))
		err_at(c, false, key, -1, -1, NULL,
		       "%s %s: %" PRIu64 " addresses do not fit, the prefix has room for %"
		       PRIu64, key, ip_prefix_format(alt, p, sizeof(p)), need,
		       ip_prefix_room(alt));
}

static void check_client(struct conf_ctx *c)
{
	const struct config *cfg = c->cfg;
	char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN], p[IP_PREFIX_STRLEN];

	if (!ip_addr_is_unset(&cfg->poolconf.v4startaddr.addr) ||
	    !ip_addr_is_unset(&cfg->poolconf.v6startaddr.addr))
		err_at(c, true, "poolconf", -1, -1, NULL,
		       "poolconf is the gateway's address pool: a client ignores it");
	if (ip_addr_is_unset(&cfg->startclntaddr.addr) && !BAD("startclntaddr"))
		err_at(c, false, "startclntaddr", -1, -1, NULL,
		       "role client needs startclntaddr (first tunnel address with prefix "
		       "length, e.g. 192.168.1.1/24)");
	if (ip_addr_is_unset(&cfg->peeraddr) && !BAD("peeraddr"))
		err_at(c, false, "peeraddr", -1, -1, NULL,
		       "role client needs peeraddr (the gateway's address)");
	if (!cfg->bindifname || !*cfg->bindifname)
		err_at(c, false, "bindifname", -1, -1, NULL,
		       "role client needs bindifname (the interface for the tunnel addresses)");
	if (ip_addr_is_unset(&cfg->startclntaddr.addr) || BAD("numberoftunnels") ||
	    BAD("mobikeaddrpertunnel") || BAD("mobike"))
		return;
	if (!ip_addr_is_unset(&cfg->peeraddr) &&
	    cfg->peeraddr.family != cfg->startclntaddr.addr.family)
		err_at(c, false, "peeraddr", -1, -1, NULL,
		       "peeraddr %s is %s but startclntaddr is %s",
		       ip_addr_format(&cfg->peeraddr, a, sizeof(a)), family_name(&cfg->peeraddr),
		       family_name(&cfg->startclntaddr.addr));

	uint64_t k = cfg->mobike ? (uint64_t)cfg->mobikeaddrpertunnel : 1;
	uint64_t need = (uint64_t)cfg->numberoftunnels * k; /* both < 2^32 */
	uint64_t room = ip_prefix_room(&cfg->startclntaddr);
	if (need > room) {
		struct ip_addr last;
		ip_prefix_last(&cfg->startclntaddr, &last);
		err_at(c, false, "startclntaddr", -1, -1, NULL,
		       "startclntaddr %s: %" PRId64 " tunnels x %" PRIu64 " address%s need %"
		       PRIu64 " addresses, but the prefix has room for %" PRIu64
		       " (%s to %s)",
		       ip_prefix_format(&cfg->startclntaddr, p, sizeof(p)), cfg->numberoftunnels,
		       k, k == 1 ? "" : "es", need, room,
		       ip_addr_format(&cfg->startclntaddr.addr, a, sizeof(a)),
		       ip_addr_format(&last, b, sizeof(b)));
	}
	/* Per-tunnel selector steps must not run off the address family. */
	for (unsigned e = 0; e < cfg->ikeconf.n_children; e++) {
		const struct conf_child *ch = &cfg->ikeconf.childlist[e];
		for (int own = 1; own >= 0; own--) {
			const struct conf_ts *ts = own ? ch->ownts : ch->peerts;
			unsigned n = own ? ch->n_ownts : ch->n_peerts;
			const char *key = own ? "owntsaddrincrease" : "peertsaddrincrease";
			for (unsigned j = 0; j < n; j++) {
				struct conf_ts moved;
				if (BAD(key) ||
				    plan_tunnel_ts(cfg, (unsigned)cfg->numberoftunnels - 1, own,
						   &ts[j], &moved) == 0)
					continue;
				err_at(c, false, key, -1, -1, NULL,
				       "%s: tunnel %" PRId64 " would move ikeconf.childlist[%u]."
				       "%s[%u] past the last address", key,
				       cfg->numberoftunnels - 1, e, own ? "ownts" : "peerts", j);
			}
		}
	}
	alt_check(c, "mobikealtclntaddr", &cfg->mobikealtclntaddr, &cfg->startclntaddr.addr,
		  need);
	if (cfg->mobike && !BAD("mobikechangeaddrtype")) {
		if (cfg->mobikechangeaddrtype == MOBIKE_OWN_ONLY && cfg->mobikeaddrpertunnel < 2)
			err_at(c, false, "mobikeaddrpertunnel", -1, -1, "mobikechangeaddrtype",
			       "mobikechangeaddrtype own-only needs mobikeaddrpertunnel >= 2 "
			       "(a tunnel needs another own address to move to)");
		if (cfg->mobikeiplifetime_ns == 0)
			err_at(c, false, "mobikeiplifetime", -1, -1, "mobike",
			       "mobikeiplifetime must be more than 0s when mobike is on");
	}
}

/* poolconf.<fam>startaddr: of its family; a warning when it holds fewer
 * addresses than numberoftunnels (the rest get INTERNAL_ADDRESS_FAILURE). */
static void pool_check(struct conf_ctx *c, const char *key, const struct ip_prefix *p,
		       int family, const char *dnskey, const struct conf_addrs *dns)
{
	char txt[IP_PREFIX_STRLEN];
	if (BAD(key) || ip_addr_is_unset(&p->addr))
		return;
	if (p->addr.family != family) {
		err_at(c, false, key, -1, -1, "poolconf", "%s %s is not an %s prefix", key,
		       ip_prefix_format(p, txt, sizeof(txt)), family == AF_INET ? "IPv4" : "IPv6");
		return;
	}
	for (unsigned i = 0; !BAD(dnskey) && i < dns->n; i++)
		if (dns->v[i].family != family)
			err_at(c, false, dnskey, -1, -1, "poolconf", "%s: %s addresses only", dnskey,
			       family == AF_INET ? "IPv4" : "IPv6");
	uint64_t room = ip_prefix_room(p);
	if (family == AF_INET && p->len <= 30)
		room--; /* the broadcast address is not handed out */
	if (c->cfg->numberoftunnels > 0 && room < (uint64_t)c->cfg->numberoftunnels)
		err_at(c, true, key, -1, -1, "poolconf",
		       "%s %s holds %" PRIu64 " addresses, fewer than numberoftunnels %" PRId64
		       ": the others get INTERNAL_ADDRESS_FAILURE", key,
		       ip_prefix_format(p, txt, sizeof(txt)), room, c->cfg->numberoftunnels);
}

static void check_gateway(struct conf_ctx *c)
{
	const struct config *cfg = c->cfg;
	char p[IP_PREFIX_STRLEN];

	if (!cfg->bindifname || !*cfg->bindifname)
		err_at(c, false, "bindifname", -1, -1, NULL,
		       "role gateway needs bindifname (the interface for its addresses)");
	if (ip_addr_is_unset(&cfg->bindifaddr.addr)) {
		if (!BAD("bindifaddr"))
			err_at(c, false, "bindifaddr", -1, -1, NULL,
			       "role gateway needs bindifaddr (its address, e.g. 10.99.0.1/24)");
		return;
	}
	uint64_t g = cfg->mobike ? (uint64_t)cfg->mobikeaddrpergw : 1;
	uint64_t room = ip_prefix_room(&cfg->bindifaddr);
	if (g > room)
		err_at(c, false, "bindifaddr", -1, -1, NULL,
		       "bindifaddr %s: mobikeaddrpergw %" PRIu64 " addresses do not fit, the "
		       "prefix has room for %" PRIu64,
		       ip_prefix_format(&cfg->bindifaddr, p, sizeof(p)), g, room);
	alt_check(c, "mobikealtgwaddr", &cfg->mobikealtgwaddr, &cfg->bindifaddr.addr, g);
	if (cfg->ikeconf.ratunnel)
		err_at(c, true, "ikeconf.ratunnel", -1, -1, NULL,
		       "ikeconf.ratunnel is for a client (a gateway answers with poolconf): ignored");
	pool_check(c, "poolconf.v4startaddr", &cfg->poolconf.v4startaddr, AF_INET,
		   "poolconf.v4dnslist", &cfg->poolconf.v4dnslist);
	pool_check(c, "poolconf.v6startaddr", &cfg->poolconf.v6startaddr, AF_INET6,
		   "poolconf.v6dnslist", &cfg->poolconf.v6dnslist);
}

static bool has_non_aead(const struct conf_algs *encr)
{
	for (unsigned i = 0; i < encr->n; i++)
		if (!conf_encr_is_aead(encr->a[i].id))
			return true;
	return false;
}

static void check_ts(struct conf_ctx *c, unsigned e, const char *dir,
		     const struct conf_ts *ts, unsigned n)
{
	char path[96], a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN];

	for (unsigned j = 0; j < n; j++) {
		const struct conf_ts *t = &ts[j];
		int fam = t->type == TS_V6 ? AF_INET6 : AF_INET;
		snprintf(path, sizeof(path), CHILD "%s[].startport", dir);
		if (t->startport > t->endport)
			err_at(c, false, path, e, j, "ikeconf.childlist",
			       "ikeconf.childlist[%u].%s[%u]: startport %" PRId64
			       " is above endport %" PRId64, e, dir, j, t->startport, t->endport);
		snprintf(path, sizeof(path), CHILD "%s[].startaddr", dir);
		if (t->startaddr.family != fam || t->endaddr.family != fam) {
			const char *bad = t->startaddr.family != fam ? "startaddr" : "endaddr";
			snprintf(path, sizeof(path), CHILD "%s[].%s", dir, bad);
			err_at(c, false, path, e, j, "ikeconf.childlist",
			       "ikeconf.childlist[%u].%s[%u]: %s must be an %s address for type %s",
			       e, dir, j, bad, fam == AF_INET6 ? "IPv6" : "IPv4",
			       t->type == TS_V6 ? "v6" : "v4");
		} else if (ip_addr_cmp(&t->startaddr, &t->endaddr) > 0) {
			err_at(c, false, path, e, j, "ikeconf.childlist",
			       "ikeconf.childlist[%u].%s[%u]: startaddr %s is above endaddr %s",
			       e, dir, j, ip_addr_format(&t->startaddr, a, sizeof(a)),
			       ip_addr_format(&t->endaddr, b, sizeof(b)));
		}
	}
	if (n == 0) {
		snprintf(path, sizeof(path), CHILD "%s", dir);
		err_at(c, false, path, e, -1, "ikeconf.childlist",
		       "ikeconf.childlist[%u].%s needs at least one traffic selector", e, dir);
	}
}

static void check_ike(struct conf_ctx *c)
{
	const struct conf_ike *ike = &c->cfg->ikeconf;
	char d1[CONF_DURATION_STRLEN], d2[CONF_DURATION_STRLEN];

	if (ike->dhgrpid.n == 0 && !BAD("ikeconf.dhgrpid"))
		err_at(c, false, "ikeconf.dhgrpid", -1, -1, "ikeconf",
		       "ikeconf.dhgrpid needs at least one DH group");
	if (ike->ikeencyptalg.n == 0 && !BAD("ikeconf.ikeencyptalg"))
		err_at(c, false, "ikeconf.ikeencyptalg", -1, -1, "ikeconf",
		       "ikeconf.ikeencyptalg needs at least one encryption algorithm");
	if (ike->ikeprfalg.n == 0 && !BAD("ikeconf.ikeprfalg"))
		err_at(c, false, "ikeconf.ikeprfalg", -1, -1, "ikeconf",
		       "ikeconf.ikeprfalg needs at least one PRF algorithm");
	if (ike->ikeintegrityalg.n == 0 && has_non_aead(&ike->ikeencyptalg) &&
	    !BAD("ikeconf.ikeintegrityalg"))
		err_at(c, false, "ikeconf.ikeintegrityalg", -1, -1, "ikeconf",
		       "ikeconf.ikeintegrityalg needs at least one algorithm for non-AEAD "
		       "ciphers");
	if (ike->ikelifetime_ns && ike->margintime_ns >= ike->ikelifetime_ns)
		err_at(c, false, "ikeconf.margintime", -1, -1, "ikeconf",
		       "ikeconf.margintime %s must be less than ikeconf.ikelifetime %s",
		       conf_duration_format(ike->margintime_ns, d1, sizeof(d1)),
		       conf_duration_format(ike->ikelifetime_ns, d2, sizeof(d2)));
	if (ike->initiatedpd && ike->dpdinterval_ns == 0)
		err_at(c, false, "ikeconf.dpdinterval", -1, -1, "ikeconf",
		       "ikeconf.dpdinterval must be more than 0s when initiatedpd is true");
	if (ike->authownmethod == AUTH_PSK && (!ike->psk || !*ike->psk))
		err_at(c, true, "ikeconf.psk", -1, -1, "ikeconf",
		       "ikeconf.psk is empty: both ends must use the same empty key");
	if (ike->n_children == 0 && !BAD("ikeconf.childlist"))
		err_at(c, false, "ikeconf.childlist", -1, -1, "ikeconf",
		       "ikeconf.childlist needs at least one entry");

	for (unsigned e = 0; e < ike->n_children; e++) {
		const struct conf_child *ch = &ike->childlist[e];
		if (ch->encalg.n == 0 && ch->protocol == CHILD_ESP && !BAD_CHILD("encalg", e))
			err_at(c, false, CHILD "encalg", e, -1, "ikeconf.childlist",
			       "ikeconf.childlist[%u].encalg needs at least one algorithm", e);
		if (ch->integrityalg.n == 0 && !BAD_CHILD("integrityalg", e) &&
		    (ch->protocol == CHILD_AH || has_non_aead(&ch->encalg)))
			err_at(c, false, CHILD "integrityalg", e, -1, "ikeconf.childlist",
			       "ikeconf.childlist[%u].integrityalg needs at least one algorithm "
			       "for non-AEAD ciphers", e);
		if (ch->pfsenabled && ch->pfsgrpid.n == 0 && !BAD_CHILD("pfsgrpid", e))
			err_at(c, false, CHILD "pfsgrpid", e, -1, "ikeconf.childlist",
			       "ikeconf.childlist[%u].pfsgrpid needs a DH group when pfsenabled "
			       "is true", e);
		if (ch->lifetime_ns && ike->margintime_ns >= ch->lifetime_ns)
			err_at(c, false, CHILD "lifetime", e, -1, "ikeconf.childlist",
			       "ikeconf.childlist[%u].lifetime %s must be more than "
			       "ikeconf.margintime %s", e,
			       conf_duration_format(ch->lifetime_ns, d1, sizeof(d1)),
			       conf_duration_format(ike->margintime_ns, d2, sizeof(d2)));
		check_ts(c, e, "ownts", ch->ownts, ch->n_ownts);
		check_ts(c, e, "peerts", ch->peerts, ch->n_peerts);
	}
}

/* staticroute must read as route commands (conf/staticroute.h). */
static void check_staticroute(struct conf_ctx *c)
{
	struct conf_route r[CONF_ROUTES_MAX];
	char why[200];
	if (BAD("staticroute") ||
	    conf_staticroute_parse(c->cfg->staticroute, r, CONF_ROUTES_MAX, why, sizeof(why)) >= 0)
		return;
	err_at(c, false, "staticroute", -1, -1, NULL, "%s", why);
}

void conf_validate(struct conf_ctx *c)
{
	check_unbuilt(c);
	check_staticroute(c);
	if (c->cfg->role == ROLE_CLIENT)
		check_client(c);
	else
		check_gateway(c);
	check_ike(c);
}
