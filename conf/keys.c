/* The one table of setup keys (MyIKEv2 5.1 keys and defaults, plus our own
 * 'workers').  Order = the order 'ikeswarm default setup' writes them. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "conf/config.h"
#include "conf/keys.h"
#include "lib/util.h"

static const char *const role_names[] = { "client", "gateway", NULL };
static const char *const change_names[] = { "own-only", "peer-only", "both", NULL };
static const char *const auth_names[] = {
	"psk", "rsa", "ecdsa-sha256-p256", "ecdsa-sha384-p384", "ecdsa-sha512-p521",
	"digital-signature", "eap", "eap-only", NULL
};
static const char *const eap_names[] = { "eap-snoop", "eap-file", NULL };
static const char *const hash_names[] = { "sha1", "sha256", "sha384", "sha512", NULL };
static const char *const proto_names[] = { "esp", "ah", NULL };
static const char *const ts_names[] = { "v4", "v6", NULL };
static const char *const ping_names[] = { "icmp", "udp", NULL };
static const char *const clntaddr_names[] = { "auto", "interface", "route", NULL };

#define R(f) offsetof(struct config, f)
#define C(f) offsetof(struct conf_child, f)
#define T(f) offsetof(struct conf_ts, f)
#define I64MAX INT64_MAX

#define BOOL(p, off, d, m) { p, CT_BOOL, off, d, 0, 0, NULL, m, 0, 0, 0 }
#define INT(p, off, d, lo, hi, m) { p, CT_INT, off, d, lo, hi, NULL, m, 0, 0, 0 }
#define STR(p, off, d, m) { p, CT_STRING, off, d, 0, 0, NULL, m, 0, 0, 0 }
#define DUR(p, off, d, m) { p, CT_DURATION, off, d, 0, 0, NULL, m, 0, 0, 0 }
#define TYPED(p, t, off, d, m) { p, t, off, d, 0, 0, NULL, m, 0, 0, 0 }
#define ENUM(p, off, d, names, m) { p, CT_ENUM, off, d, 0, 0, names, m, 0, 0, 0 }
#define MAP(p, m) { p, CT_MAP, 0, NULL, 0, 0, NULL, m, 0, 0, 0 }
#define MAPLIST(p, off, cnt, type, max, m) \
	{ p, CT_MAP_LIST, off, NULL, 0, 0, NULL, m, cnt, sizeof(type), max }

#define TS_KEYS(dir)                                                                   \
	ENUM("ikeconf.childlist[]." dir "[].type", T(type), "v4", ts_names,            \
	     "IP version of the selector: v4 or v6"),                                  \
	INT("ikeconf.childlist[]." dir "[].protocol", T(protocol), "0", 0, 255,        \
	    "IP protocol number, 0 = any"),                                            \
	INT("ikeconf.childlist[]." dir "[].startport", T(startport), "0", 0, 65535,    \
	    "first port of the range"),                                                \
	INT("ikeconf.childlist[]." dir "[].endport", T(endport), "65535", 0, 65535,    \
	    "last port of the range"),                                                 \
	TYPED("ikeconf.childlist[]." dir "[].startaddr", CT_ADDR, T(startaddr),        \
	      "0.0.0.0", "first address of the range (type v6 with the IPv4 "        \
	      "default becomes ::)"),                                                  \
	TYPED("ikeconf.childlist[]." dir "[].endaddr", CT_ADDR, T(endaddr),            \
	      "255.255.255.255", "last address of the range (type v6 with the IPv4 "  \
	      "default becomes ffff:...:ffff)")

const struct conf_key conf_keys[] = {
	ENUM("role", R(role), "client", role_names,
	     "client: N IKEv2 initiators; gateway: one responder for N tunnels"),
	STR("desc", R(desc), "", "description shown at the start of the test"),
	DUR("runningtime", R(runningtime_ns), "0s", "how long the test runs; 0s = until stopped"),
	INT("numberoftunnels", R(numberoftunnels), "10", 1, 10000000,
	    "client: tunnels to create; gateway: tunnels expected"),
	INT("workers", R(workers), "0", 0, 1024,
	    "worker processes (ikeswarm only); 0 = one per online CPU"),
	INT("loglevel", R(loglevel), "2", 1, 5,
	    "log file level: 1 critical, 2 error, 3 warning, 4 info, 5 debug"),
	STR("logkeyword", R(logkeyword), "", "log only lines containing this text; empty = all"),
	INT("logfilesizecap", R(logfilesizecap), "1000", 0, 1000000,
	    "log file size cap in MB, one .prev file kept; 0 = no cap"),
	BOOL("loginmem", R(loginmem), "false", "keep the log in memory and write it at the end"),
	BOOL("abortonerr", R(abortonerr), "false", "abort the test at the first error"),
	TYPED("startclntaddr", CT_PREFIX, R(startclntaddr), "",
	      "client: first tunnel address with prefix length, e.g. 192.168.1.1/24"),
	BOOL("mobike", R(mobike), "false", "enable MOBIKE (RFC 4555)"),
	INT("mobikeaddrpertunnel", R(mobikeaddrpertunnel), "2", 1, 65536,
	    "client: own addresses per tunnel when mobike is on"),
	INT("mobikeaddrpergw", R(mobikeaddrpergw), "2", 1, 65536,
	    "gateway: own addresses (from bindifaddr) when mobike is on"),
	DUR("mobikeiplifetime", R(mobikeiplifetime_ns), "5m0s",
	    "client: time on one address pair before moving to the next"),
	ENUM("mobikechangeaddrtype", R(mobikechangeaddrtype), "own-only", change_names,
	     "client: what moves: own-only, peer-only or both"),
	BOOL("mobikereturnroutability", R(mobikereturnroutability), "true",
	     "gateway: check a moved peer's new address before moving its CHILD SAs"),
	TYPED("mobikeunacceptableaddr", CT_PREFIX, R(mobikeunacceptableaddr), "",
	      "gateway (ikeswarm only): refuse MOBIKE moves to this prefix "
	      "with UNACCEPTABLE_ADDRESSES"),
	TYPED("mobikealtclntaddr", CT_PREFIX, R(mobikealtclntaddr), "",
	      "client (ikeswarm only): first MOBIKE address of the other IP family"),
	TYPED("mobikealtgwaddr", CT_PREFIX, R(mobikealtgwaddr), "",
	      "gateway (ikeswarm only): first MOBIKE address of the other IP family"),
	TYPED("peeraddr", CT_ADDR, R(peeraddr), "", "client: the gateway's address"),
	STR("bindifname", R(bindifname), "",
	    "interface that gets the tunnel addresses (it may be flushed)"),
	TYPED("bindifaddr", CT_ADDR_PREFIX, R(bindifaddr), "",
	      "gateway: its address (a/len); client: one extra address for routing"),
	STR("staticroute", R(staticroute), "",
	    "'ip route replace ...' commands (';' between them): routes added at start, "
	    "removed at exit"),
	ENUM("clntaddrmode", R(clntaddrmode), "auto", clntaddr_names,
	     "client (ikeswarm only): tunnel addresses on bindifname (interface), as local "
	     "routes (route), or auto"),
	DUR("setupinterval", R(setupinterval_ns), "100ms", "client: wait between two tunnel setups (0: as fast as the gateway answers)"),
	DUR("tunnelretryinterval", R(tunnelretryinterval_ns), "10s",
	    "client: wait before retrying a failed tunnel"),
	INT("tunnelmaxretry", R(tunnelmaxretry), "3", 0, 1000000,
	    "client: tries per tunnel"),
	INT("owntsaddrincrease", R(owntsaddrincrease), "0", 0, 4294967295LL,
	    "client: per-tunnel step added to ownts addresses"),
	INT("peertsaddrincrease", R(peertsaddrincrease), "1", 0, 4294967295LL,
	    "client: per-tunnel step added to peerts addresses"),
	TYPED("apilistenaddr", CT_ADDR, R(apilistenaddr), "127.0.0.1",
	      "control socket address (MyIKEv2: 0.0.0.0; ikeswarm: loopback)"),
	INT("apilistenport", R(apilistenport), "12330", 1, 65535, "control socket TCP port"),
	BOOL("disallownat", R(disallownat), "false",
	     "send NO_NATS_ALLOWED (also accepted under ikeconf)"),

	MAP("flapconf", "tunnel flapping (client)"),
	BOOL("flapconf.flapping", R(flapconf.flapping), "false", "tear down and redial tunnels"),
	INT("flapconf.numoftunnel", R(flapconf.numoftunnel), "-1", -1, 10000000,
	    "tunnels that flap; -1 = all"),
	DUR("flapconf.minflapinterval", R(flapconf.minflapinterval_ns), "30s",
	    "shortest wait between two dials"),
	DUR("flapconf.maxflapinterval", R(flapconf.maxflapinterval_ns), "1m0s",
	    "longest wait between two dials"),

	MAP("poolconf", "address pool for configuration payloads (gateway)"),
	TYPED("poolconf.v4startaddr", CT_PREFIX, R(poolconf.v4startaddr), "",
	      "gateway: first IPv4 address handed out by CP, a.b.c.d/len; empty = no pool"),
	TYPED("poolconf.v4dnslist", CT_ADDR_LIST, R(poolconf.v4dnslist), "",
	      "IPv4 DNS servers in the CFG_REPLY"),
	TYPED("poolconf.v6startaddr", CT_PREFIX, R(poolconf.v6startaddr), "",
	      "gateway: first IPv6 address handed out by CP, x::y/len; empty = no pool"),
	TYPED("poolconf.v6dnslist", CT_ADDR_LIST, R(poolconf.v6dnslist), "",
	      "IPv6 DNS servers in the CFG_REPLY"),

	MAP("ikeconf", "IKE SA settings"),
	INT("ikeconf.numoftunneltoenablecookie", R(ikeconf.numoftunneltoenablecookie), "-1",
	    -1, 10000000, "gateway: half-open IKE SAs that turn on cookies; -1 = never"),
	BOOL("ikeconf.reauth", R(ikeconf.reauth), "false", "repeated authentication (RFC 4478)"),
	DUR("ikeconf.reauthlifetime", R(ikeconf.reauthlifetime_ns), "10s",
	    "gateway: time the peer has to reauthenticate"),
	DUR("ikeconf.retraninterval", R(ikeconf.retraninterval_ns), "10s",
	    "IKE request retransmission interval"),
	INT("ikeconf.maxretran", R(ikeconf.maxretran), "4", 1, 100,
	    "transmissions of one IKE request"),
	TYPED("ikeconf.dhgrpid", CT_DH_LIST, R(ikeconf.dhgrpid), "14",
	      "DH groups offered in IKE_SA_INIT"),
	BOOL("ikeconf.enablefragment", R(ikeconf.enablefragment), "false",
	     "IKEv2 fragmentation (RFC 7383)"),
	INT("ikeconf.mtu", R(ikeconf.mtu), "1100", 68, 65535,
	    "largest clear IKE payload before fragmenting"),
	DUR("ikeconf.reassembletimeout", R(ikeconf.reassembletimeout_ns), "30s",
	    "IKE fragment reassembly timeout"),
	BOOL("ikeconf.initialcontact", R(ikeconf.initialcontact), "true",
	     "client: send INITIAL_CONTACT in the first IKE_AUTH"),
	TYPED("ikeconf.ikeintegrityalg", CT_INTEG, R(ikeconf.ikeintegrityalg), "sha256",
	      "IKE integrity algorithms"),
	TYPED("ikeconf.ikeencyptalg", CT_IKE_ENCR, R(ikeconf.ikeencyptalg), "aes-cbc:128",
	      "IKE encryption algorithms (MyIKEv2's spelling of the key)"),
	TYPED("ikeconf.ikeprfalg", CT_PRF, R(ikeconf.ikeprfalg), "sha256", "IKE PRF algorithms"),
	ENUM("ikeconf.authpeermethod", R(ikeconf.authpeermethod), "psk", auth_names,
	     "how the peer is authenticated"),
	ENUM("ikeconf.authownmethod", R(ikeconf.authownmethod), "psk", auth_names,
	     "how we authenticate ourselves"),
	ENUM("ikeconf.eapimplementaion", R(ikeconf.eapimplementaion), "eap-snoop", eap_names,
	     "client: EAP implementation, eap-snoop or eap-file (MyIKEv2's spelling)"),
	STR("ikeconf.eapoltestconf", R(ikeconf.eapoltestconf), "",
	    "client: eapol_test configuration for eap-snoop"),
	STR("ikeconf.eapoltestpath", R(ikeconf.eapoltestpath),
	    "/root/gowork/src/myikev2/eapol_test", "client: path of eapol_test"),
	STR("ikeconf.eapfile", R(ikeconf.eapfile), "", "client: pcap file for eap-file"),
	STR("ikeconf.eapradiusss", R(ikeconf.eapradiusss), "", "RADIUS shared secret"),
	STR("ikeconf.eapradiussvr", R(ikeconf.eapradiussvr), "", "RADIUS server address:port"),
	INT("ikeconf.eapradiusid", R(ikeconf.eapradiusid), "31", 0, 255,
	    "client: RADIUS attribute identifying a session"),
	BOOL("ikeconf.eapsendstart", R(ikeconf.eapsendstart), "true", "send EAP start"),
	STR("ikeconf.myid", R(ikeconf.myid), "client-src-addr",
	    "our IKE ID: client-src-addr, an address, an email or an FQDN"),
	STR("ikeconf.peerid", R(ikeconf.peerid), "", "IDr we send; empty = none"),
	BOOL("ikeconf.matchpeerid", R(ikeconf.matchpeerid), "false",
	     "require the peer's ID to equal peerid"),
	STR("ikeconf.cadir", R(ikeconf.cadir), "", "folder of CA certificates (PEM)"),
	STR("ikeconf.eedir", R(ikeconf.eedir), "", "folder of end-entity certificates and keys"),
	ENUM("ikeconf.dshashalg", R(ikeconf.dshashalg), "sha256", hash_names,
	     "hash for digital signature authentication (RFC 7427)"),
	BOOL("ikeconf.usersapss", R(ikeconf.usersapss), "false", "use RSA-PSS signatures"),
	STR("ikeconf.psk", R(ikeconf.psk), "", "pre-shared key for psk authentication"),
	BOOL("ikeconf.sendingmarkedca", R(ikeconf.sendingmarkedca), "false",
	     "send only marked CAs in CERTREQ/CERT"),
	BOOL("ikeconf.initiatedpd", R(ikeconf.initiatedpd), "true", "send dead peer detection"),
	BOOL("ikeconf.forcedpd", R(ikeconf.forcedpd), "false",
	     "send DPD even while IKE messages arrive"),
	DUR("ikeconf.dpdinterval", R(ikeconf.dpdinterval_ns), "30s", "DPD interval"),
	DUR("ikeconf.ikelifetime", R(ikeconf.ikelifetime_ns), "10m0s", "IKE SA lifetime"),
	DUR("ikeconf.margintime", R(ikeconf.margintime_ns), "1m0s",
	    "rekey this long before an SA expires"),
	BOOL("ikeconf.jitter", R(ikeconf.jitter), "true",
	     "pick the margin at random in (0, margintime)"),
	BOOL("ikeconf.installfastpath", R(ikeconf.installfastpath), "false",
	     "install CHILD SAs in the kernel (XFRM)"),
	STR("ikeconf.virtualipif", R(ikeconf.virtualipif), "lo",
	    "client (ratunnel, installfastpath): interface for the assigned address"),
	BOOL("ikeconf.keepchildhistory", R(ikeconf.keepchildhistory), "false",
	     "keep rekeyed and closed CHILD SAs for list/dump"),
	BOOL("ikeconf.keepikehistory", R(ikeconf.keepikehistory), "false",
	     "keep rekeyed and closed IKE SAs for list/dump"),
	BOOL("ikeconf.ratunnel", R(ikeconf.ratunnel), "false",
	     "client: ask the gateway for a virtual address (CP, TSi = all)"),
	BOOL("ikeconf.enablenatt", R(ikeconf.enablenatt), "false", "NAT traversal (RFC 3947)"),
	BOOL("ikeconf.disallownat", R(ikeconf.disallownat), "false",
	     "send NO_NATS_ALLOWED (same as the top-level key)"),
	DUR("ikeconf.nattkeepaliveinterval", R(ikeconf.nattkeepaliveinterval_ns), "0s",
	    "NAT-T keepalive interval; 0s = none"),
	BOOL("ikeconf.traditionalencap", R(ikeconf.traditionalencap), "true",
	     "ESP or ESP-in-UDP encapsulation"),
	BOOL("ikeconf.tradtionalencapforceudp", R(ikeconf.tradtionalencapforceudp), "false",
	     "always encapsulate ESP in UDP (MyIKEv2's spelling)"),
	BOOL("ikeconf.tcpencap", R(ikeconf.tcpencap), "false", "TCP encapsulation (RFC 8229)"),
	INT("ikeconf.owntcpport", R(ikeconf.owntcpport), "4500", 1, 65535,
	    "own port for TCP encapsulation"),
	INT("ikeconf.peertcpport", R(ikeconf.peertcpport), "4500", 1, 65535,
	    "peer port for TCP encapsulation"),
	MAP("ikeconf.ppk", "postquantum preshared key (RFC 8784)"),
	STR("ikeconf.ppk.id", R(ikeconf.ppk.id), "", "PPK identity"),
	STR("ikeconf.ppk.value", R(ikeconf.ppk.value), "", "PPK value"),
	BOOL("ikeconf.ppk.ppkrequired", R(ikeconf.ppk.ppkrequired), "false",
	     "fail when the peer does not use the PPK"),

	MAPLIST("ikeconf.childlist", R(ikeconf.childlist), R(ikeconf.n_children),
		struct conf_child, CONF_MAX_CHILDREN, "CHILD SAs of each tunnel"),
	BOOL("ikeconf.childlist[].tunnelmode", C(tunnelmode), "true",
	     "tunnel mode; false = transport mode"),
	TYPED("ikeconf.childlist[].integrityalg", CT_INTEG, C(integrityalg), "sha256",
	      "CHILD SA integrity algorithms (ignored with AEAD ciphers)"),
	TYPED("ikeconf.childlist[].encalg", CT_ESP_ENCR, C(encalg), "aes-cbc:128",
	      "CHILD SA encryption algorithms"),
	ENUM("ikeconf.childlist[].protocol", C(protocol), "esp", proto_names, "esp or ah"),
	DUR("ikeconf.childlist[].lifetime", C(lifetime_ns), "5m0s", "CHILD SA lifetime"),
	BOOL("ikeconf.childlist[].esn", C(esn), "false", "extended sequence numbers"),
	BOOL("ikeconf.childlist[].pfsenabled", C(pfsenabled), "false",
	     "new DH exchange when the CHILD SA is rekeyed"),
	TYPED("ikeconf.childlist[].pfsgrpid", CT_DH_LIST, C(pfsgrpid), "14",
	      "DH groups for PFS"),
	INT("ikeconf.childlist[].replaywindowsize", C(replaywindowsize), "256", 0, 65535,
	    "anti-replay window in packets"),
	BOOL("ikeconf.childlist[].useprovisionedtsforrekey", C(useprovisionedtsforrekey),
	     "false", "rekey with the configured selectors, not the negotiated ones"),
	MAPLIST("ikeconf.childlist[].ownts", C(ownts), C(n_ownts), struct conf_ts,
		CONF_MAX_TS, "own traffic selectors"),
	TS_KEYS("ownts"),
	MAPLIST("ikeconf.childlist[].peerts", C(peerts), C(n_peerts), struct conf_ts,
		CONF_MAX_TS, "peer traffic selectors"),
	TS_KEYS("peerts"),

	MAP("pingconf", "built-in ping through the tunnels"),
	BOOL("pingconf.autoaddr", R(pingconf.autoaddr), "false",
	     "ping from/to the first addresses of the negotiated selectors"),
	ENUM("pingconf.ptype", R(pingconf.ptype), "icmp", ping_names, "icmp or udp"),
	INT("pingconf.udpport", R(pingconf.udpport), "9922", 1, 65535, "UDP ping port"),
	BOOL("pingconf.assignsrc", R(pingconf.assignsrc), "false",
	     "add the ping source address to virtualipif"),
	TYPED("pingconf.destaddr", CT_ADDR, R(pingconf.destaddr), "",
	      "ping destination of the first tunnel; empty = no ping"),
	INT("pingconf.deststep", R(pingconf.deststep), "1", 0, 4294967295LL,
	    "destination step per tunnel"),
	TYPED("pingconf.srcaddr", CT_ADDR, R(pingconf.srcaddr), "",
	      "ping source of the first tunnel; empty = chosen by the kernel"),
	INT("pingconf.srcstep", R(pingconf.srcstep), "1", 0, 4294967295LL,
	    "source step per tunnel"),
	DUR("pingconf.interval", R(pingconf.interval_ns), "1s", "time between two pings"),
	DUR("pingconf.setupinterval", R(pingconf.setupinterval_ns), "10ms",
	    "time between starting two tunnels' pings"),
	INT("pingconf.pktlen", R(pingconf.pktlen), "64", 0, 65000, "ping payload length"),
	INT("pingconf.maxlossrate", R(pingconf.maxlossrate), "10", 0, 100,
	    "loss percentage that counts as an error"),
	DUR("pingconf.holdtime", R(pingconf.holdtime_ns), "10s",
	    "wait before the first ping"),
};

const unsigned conf_nkeys = ARRAY_SIZE(conf_keys);

/* Known, not built yet.  Remove an entry when its feature lands. */
const struct conf_unbuilt conf_unbuilt[] = {
	{ "flapconf.flapping", "tunnel flapping" },
	{ "flapconf.numoftunnel", "tunnel flapping" },
	{ "flapconf.minflapinterval", "tunnel flapping" },
	{ "flapconf.maxflapinterval", "tunnel flapping" },
	{ "ikeconf.reauth", "reauthentication (RFC 4478)" },
	{ "ikeconf.reauthlifetime", "reauthentication (RFC 4478)" },
	{ "ikeconf.enablefragment", "IKE fragmentation (enablefragment)" },
	{ "ikeconf.mtu", "IKE fragmentation (enablefragment)" },
	{ "ikeconf.reassembletimeout", "IKE fragmentation (enablefragment)" },
	{ "ikeconf.authpeermethod", "authentication other than psk" },
	{ "ikeconf.authownmethod", "authentication other than psk" },
	{ "ikeconf.eapimplementaion", "eap authentication" },
	{ "ikeconf.eapoltestconf", "eap authentication" },
	{ "ikeconf.eapoltestpath", "eap authentication" },
	{ "ikeconf.eapfile", "eap authentication" },
	{ "ikeconf.eapradiusss", "eap authentication" },
	{ "ikeconf.eapradiussvr", "eap authentication" },
	{ "ikeconf.eapradiusid", "eap authentication" },
	{ "ikeconf.eapsendstart", "eap authentication" },
	{ "ikeconf.cadir", "certificate authentication" },
	{ "ikeconf.eedir", "certificate authentication" },
	{ "ikeconf.dshashalg", "certificate authentication" },
	{ "ikeconf.usersapss", "certificate authentication" },
	{ "ikeconf.sendingmarkedca", "certificate authentication" },
	{ "ikeconf.traditionalencap", "traditionalencap knobs" },
	{ "ikeconf.tradtionalencapforceudp", "traditionalencap knobs" },
	{ "ikeconf.tcpencap", "TCP encapsulation (tcpencap)" },
	{ "ikeconf.owntcpport", "TCP encapsulation (tcpencap)" },
	{ "ikeconf.peertcpport", "TCP encapsulation (tcpencap)" },
	{ "ikeconf.ppk.id", "postquantum preshared keys (ppk)" },
	{ "ikeconf.ppk.value", "postquantum preshared keys (ppk)" },
	{ "ikeconf.ppk.ppkrequired", "postquantum preshared keys (ppk)" },
	{ "ikeconf.childlist[].protocol", "AH (protocol ah)" },
	{ "pingconf.autoaddr", "pingconf (built-in ping)" },
	{ "pingconf.ptype", "pingconf (built-in ping)" },
	{ "pingconf.udpport", "pingconf (built-in ping)" },
	{ "pingconf.assignsrc", "pingconf (built-in ping)" },
	{ "pingconf.destaddr", "pingconf (built-in ping)" },
	{ "pingconf.deststep", "pingconf (built-in ping)" },
	{ "pingconf.srcaddr", "pingconf (built-in ping)" },
	{ "pingconf.srcstep", "pingconf (built-in ping)" },
	{ "pingconf.interval", "pingconf (built-in ping)" },
	{ "pingconf.setupinterval", "pingconf (built-in ping)" },
	{ "pingconf.pktlen", "pingconf (built-in ping)" },
	{ "pingconf.maxlossrate", "pingconf (built-in ping)" },
	{ "pingconf.holdtime", "pingconf (built-in ping)" },
};

const unsigned conf_nunbuilt = ARRAY_SIZE(conf_unbuilt);

const struct conf_key *conf_key_find(const char *path)
{
	for (unsigned i = 0; i < conf_nkeys; i++)
		if (strcmp(conf_keys[i].path, path) == 0)
			return &conf_keys[i];
	return NULL;
}

const char *conf_key_name(const struct conf_key *k)
{
	const char *dot = strrchr(k->path, '.');
	return dot ? dot + 1 : k->path;
}

size_t conf_key_parent_len(const struct conf_key *k)
{
	const char *dot = strrchr(k->path, '.');
	return dot ? (size_t)(dot - k->path) : 0;
}

const char *conf_type_name(enum conf_type t)
{
	switch (t) {
	case CT_BOOL: return "bool";
	case CT_INT: return "integer";
	case CT_STRING: return "string";
	case CT_DURATION: return "duration";
	case CT_ADDR: return "address";
	case CT_PREFIX: return "prefix";
	case CT_ADDR_PREFIX: return "address-or-prefix";
	case CT_ENUM: return "enum";
	case CT_IKE_ENCR: case CT_ESP_ENCR: return "encryption-list";
	case CT_INTEG: return "integrity-list";
	case CT_PRF: return "prf-list";
	case CT_DH_LIST: return "dh-group-list";
	case CT_ADDR_LIST: return "address-list";
	case CT_MAP: return "map";
	case CT_MAP_LIST: return "list-of-maps";
	}
	return "?";
}

const char *conf_type_expected(const struct conf_key *k)
{
	switch (k->type) {
	case CT_BOOL: return "true or false";
	case CT_INT: return "an integer";
	case CT_STRING: return "a string";
	case CT_DURATION: return "a duration like 100ms, 10s, 5m0s or 1h30m";
	case CT_ADDR: return "an IPv4 or IPv6 address";
	case CT_PREFIX: return "an address with prefix length, like 192.168.1.1/24";
	case CT_ADDR_PREFIX: return "an address, optionally with /prefix-length";
	case CT_ENUM: return "one of the listed names";
	case CT_IKE_ENCR: case CT_ESP_ENCR: return "a list of encryption algorithms";
	case CT_INTEG: return "a list of integrity algorithms";
	case CT_PRF: return "a list of PRF algorithms";
	case CT_DH_LIST: return "a list of DH group numbers";
	case CT_ADDR_LIST: return "a list of addresses";
	case CT_MAP: return "a mapping of keys";
	case CT_MAP_LIST: return "a list of mappings";
	}
	return "?";
}
