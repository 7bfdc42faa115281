/* The typed setup: one in-memory model between the YAML file and the
 * engine.  Every field is filled (defaults from conf/keys.c); durations are
 * nanoseconds; algorithms are IKEv2 IANA transform IDs. */
#ifndef IKESWARM_CONF_CONFIG_H
#define IKESWARM_CONF_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/ipaddr.h"

#define CONF_MAX_LIST 16     /* algorithms, DH groups, DNS servers */
#define CONF_MAX_TS 16       /* traffic selectors per direction per child */
#define CONF_MAX_CHILDREN 16 /* childlist entries */

#define NS_PER_MS 1000000ull
#define NS_PER_SEC 1000000000ull

enum conf_role { ROLE_CLIENT, ROLE_GATEWAY };
enum conf_mobike_change { MOBIKE_OWN_ONLY, MOBIKE_PEER_ONLY, MOBIKE_BOTH };
enum conf_auth {
	AUTH_PSK, AUTH_RSA, AUTH_ECDSA_256, AUTH_ECDSA_384, AUTH_ECDSA_521,
	AUTH_DIGITAL_SIGNATURE, AUTH_EAP, AUTH_EAP_ONLY
};
enum conf_eap_impl { EAP_SNOOP, EAP_FILE };
enum conf_hash { HASH_SHA1, HASH_SHA256, HASH_SHA384, HASH_SHA512 };
enum conf_child_proto { CHILD_ESP, CHILD_AH };
enum conf_ts_type { TS_V4, TS_V6 };
enum conf_ping_type { PING_ICMP, PING_UDP };
/* How the client makes its tunnel addresses local (ikeswarm only). */
enum conf_clntaddrmode { CLNTADDR_AUTO, CLNTADDR_INTERFACE, CLNTADDR_ROUTE };

/* IKEv2 transform types and IDs (RFC 7296 3.3.2, IANA registry). */
enum { XFORM_ENCR = 1, XFORM_PRF = 2, XFORM_INTEG = 3, XFORM_DH = 4 };
enum {
	ENCR_3DES = 3, ENCR_NULL = 11, ENCR_AES_CBC = 12,
	ENCR_AES_GCM_8 = 18, ENCR_AES_GCM_12 = 19, ENCR_AES_GCM_16 = 20,
	ENCR_CHACHA20_POLY1305 = 28,
};
enum {
	PRF_HMAC_MD5 = 1, PRF_HMAC_SHA1 = 2, PRF_HMAC_SHA2_256 = 5,
	PRF_HMAC_SHA2_384 = 6, PRF_HMAC_SHA2_512 = 7,
};
enum {
	AUTH_HMAC_MD5_96 = 1, AUTH_HMAC_SHA1_96 = 2, AUTH_HMAC_SHA2_256_128 = 12,
	AUTH_HMAC_SHA2_384_192 = 13, AUTH_HMAC_SHA2_512_256 = 14,
};

/* One transform: IANA id and key length in bits (0 when fixed-length). */
struct conf_alg {
	uint16_t id;
	uint16_t keybits;
};

struct conf_algs {
	unsigned n;
	struct conf_alg a[CONF_MAX_LIST];
};

struct conf_ints {
	unsigned n;
	int64_t v[CONF_MAX_LIST]; /* dhgrpid/pfsgrpid: DH group numbers */
};

struct conf_addrs {
	unsigned n;
	struct ip_addr v[CONF_MAX_LIST];
};

struct conf_ts {
	enum conf_ts_type type;
	int64_t protocol;                /* 0 = any */
	int64_t startport, endport;
	struct ip_addr startaddr, endaddr;
};

struct conf_child {
	bool tunnelmode;
	struct conf_algs integrityalg;   /* XFORM_INTEG ids; unused with AEAD */
	struct conf_algs encalg;         /* XFORM_ENCR ids */
	enum conf_child_proto protocol;
	uint64_t lifetime_ns;
	bool esn;
	bool pfsenabled;
	struct conf_ints pfsgrpid;
	int64_t replaywindowsize;
	bool useprovisionedtsforrekey;
	unsigned n_ownts, n_peerts;
	struct conf_ts ownts[CONF_MAX_TS];
	struct conf_ts peerts[CONF_MAX_TS];
};

struct conf_ppk {
	char *id;
	char *value;
	bool ppkrequired;
};

struct conf_ike {
	int64_t numoftunneltoenablecookie;
	bool reauth;
	uint64_t reauthlifetime_ns;
	uint64_t retraninterval_ns;
	int64_t maxretran;
	struct conf_ints dhgrpid;
	bool enablefragment;
	int64_t mtu;
	uint64_t reassembletimeout_ns;
	bool initialcontact;
	struct conf_algs ikeintegrityalg; /* XFORM_INTEG */
	struct conf_algs ikeencyptalg;    /* XFORM_ENCR (MyIKEv2's spelling) */
	struct conf_algs ikeprfalg;       /* XFORM_PRF */
	enum conf_auth authpeermethod, authownmethod;
	enum conf_eap_impl eapimplementaion;
	char *eapoltestconf, *eapoltestpath, *eapfile, *eapradiusss, *eapradiussvr;
	int64_t eapradiusid;
	bool eapsendstart;
	char *myid;                      /* "client-src-addr", an address, FQDN... */
	char *peerid;                    /* "" = accept any */
	bool matchpeerid;
	char *cadir, *eedir;
	enum conf_hash dshashalg;
	bool usersapss;
	char *psk;
	bool sendingmarkedca;
	bool initiatedpd, forcedpd;
	uint64_t dpdinterval_ns;
	uint64_t ikelifetime_ns;
	uint64_t margintime_ns;
	bool jitter;
	bool installfastpath;
	char *virtualipif;
	bool keepchildhistory, keepikehistory;
	bool ratunnel;
	bool enablenatt;
	bool disallownat;                /* see config_disallownat() */
	uint64_t nattkeepaliveinterval_ns;
	bool traditionalencap;
	bool tradtionalencapforceudp;    /* MyIKEv2's spelling */
	bool tcpencap;
	int64_t owntcpport, peertcpport;
	struct conf_ppk ppk;
	unsigned n_children;
	struct conf_child childlist[CONF_MAX_CHILDREN];
};

struct conf_flap {
	bool flapping;
	int64_t numoftunnel;
	uint64_t minflapinterval_ns, maxflapinterval_ns;
};

struct conf_pool {
	struct ip_prefix v4startaddr, v6startaddr; /* addr unset when "" */
	struct conf_addrs v4dnslist, v6dnslist;
};

struct conf_ping {
	bool autoaddr;
	enum conf_ping_type ptype;
	int64_t udpport;
	bool assignsrc;
	struct ip_addr destaddr;
	int64_t deststep;
	struct ip_addr srcaddr;
	int64_t srcstep;
	uint64_t interval_ns;
	uint64_t setupinterval_ns;
	int64_t pktlen;
	int64_t maxlossrate;
	uint64_t holdtime_ns;
};

struct config {
	enum conf_role role;
	char *desc;
	uint64_t runningtime_ns;         /* 0 = run until stopped */
	int64_t numberoftunnels;
	int64_t workers;                 /* ours; 0 = online CPUs (plan_workers) */
	int64_t loglevel;
	char *logkeyword;
	int64_t logfilesizecap;          /* MB, 0 = no cap */
	bool loginmem;
	bool abortonerr;
	struct ip_prefix startclntaddr;  /* addr unset when "" */
	bool mobike;
	int64_t mobikeaddrpertunnel;
	int64_t mobikeaddrpergw;
	uint64_t mobikeiplifetime_ns;
	enum conf_mobike_change mobikechangeaddrtype;
	bool mobikereturnroutability;    /* gateway: check a moved peer first */
	struct ip_prefix mobikeunacceptableaddr; /* ours; gateway: refused moves */
	/* ours: MOBIKE addresses of the other family (client: tunnel i's K
	 * from here + i*K; gateway: mobikeaddrpergw from here); unset: none */
	struct ip_prefix mobikealtclntaddr, mobikealtgwaddr;
	struct ip_addr peeraddr;         /* unset when "" */
	char *bindifname;
	struct ip_prefix bindifaddr;     /* unset when ""; len 32/128 if no /len */
	char *staticroute;
	enum conf_clntaddrmode clntaddrmode;
	uint64_t setupinterval_ns;
	uint64_t tunnelretryinterval_ns;
	int64_t tunnelmaxretry;
	int64_t owntsaddrincrease, peertsaddrincrease;
	struct ip_addr apilistenaddr;
	int64_t apilistenport;
	bool disallownat;                /* top-level spelling; see below */
	struct conf_flap flapconf;
	struct conf_pool poolconf;
	struct conf_ike ikeconf;
	struct conf_ping pingconf;
};

/* NO_NATS_ALLOWED wanted: disallownat at the top level or under ikeconf. */
static inline bool config_disallownat(const struct config *c)
{
	return c->disallownat || c->ikeconf.disallownat;
}

/* AEAD ciphers carry their own integrity (no INTEG transform). */
static inline bool conf_encr_is_aead(uint16_t id)
{
	return id == ENCR_AES_GCM_8 || id == ENCR_AES_GCM_12 ||
	       id == ENCR_AES_GCM_16 || id == ENCR_CHACHA20_POLY1305;
}

#endif
