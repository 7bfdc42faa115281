/* The ESP probe: one throwaway state over raw XFRM netlink.
 *
 * Raw netlink rather than libnl so that the kernel's own errno (and its
 * extended-ack text, when it has one) reaches the reason unchanged:
 * EPROTONOSUPPORT from the state type lookup is the one answer that means
 * "no ESP in this kernel" (iproute2 shows it as "Requested type not
 * found").  The algorithms are checked before the type, so an AEAD the
 * kernel lacks (ENOSYS, or ENOENT from the crypto allocation) says nothing
 * about ESP: then the probe asks again with AES-CBC and HMAC-SHA-256. */
#include "kernel/xfrm_probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define PROBE_AEAD     "rfc4106(gcm(aes))"
#define PROBE_KEY_LEN  20 /* AES-128 key and the 4-octet salt */
#define PROBE_ICV_BITS 128
#define PROBE_ENC      "cbc(aes)"
#define PROBE_AUTH     "hmac(sha256)"
#define PROBE_AUTH_KEY 32
#define PROBE_TRUNC    128

enum probe_alg { PROBE_WITH_AEAD, PROBE_WITH_CBC };

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

union nl_buf {
	struct nlmsghdr nh;
	char bytes[1024];
};

/* Appends one attribute; 0, or -EMSGSIZE when it does not fit. */
static int nl_put(struct nlmsghdr *nh, size_t cap, uint16_t type,
		  const void *data, size_t len)
{
	size_t at = NLMSG_ALIGN(nh->nlmsg_len);
	struct nlattr *a = (struct nlattr *)((char *)nh + at);

	if (at + NLA_HDRLEN + NLA_ALIGN(len) > cap)
		return -EMSGSIZE;
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	nh->nlmsg_len = at + NLA_HDRLEN + NLA_ALIGN(len);
	return 0;
}

/* The kernel's extended-ack message of an NLMSG_ERROR, if it sent one. */
static void nl_ext_msg(const struct nlmsghdr *nh, char *ext, size_t extlen)
{
	const struct nlmsgerr *err = NLMSG_DATA(nh);
	size_t off, end = nh->nlmsg_len;

	ext[0] = '\0';
	if (!(nh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	off = NLMSG_HDRLEN + sizeof(*err);
	if (!(nh->nlmsg_flags & NLM_F_CAPPED))
		off += err->msg.nlmsg_len - NLMSG_HDRLEN;
	while (off + NLA_HDRLEN <= end) {
		const struct nlattr *a = (const void *)((const char *)nh + off);

		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > end)
			return;
		if (a->nla_type == NLMSGERR_ATTR_MSG) {
			size_t n = a->nla_len - NLA_HDRLEN;

			if (n >= extlen)
				n = extlen - 1;
			memcpy(ext, (const char *)a + NLA_HDRLEN, n);
			ext[n] = '\0';
			ext[strcspn(ext, "\n")] = '\0';
			return;
		}
		off += NLA_ALIGN(a->nla_len);
	}
}

/* Sends one request and waits for its acknowledgement: the kernel's
 * answer (0 or -errno), or -errno of the socket call that failed. */
static int nl_talk(int fd, struct nlmsghdr *req, char *ext, size_t extlen)
{
	union nl_buf in;

	ext[0] = '\0';
	if (send(fd, req, req->nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(fd, &in, sizeof(in), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		for (struct nlmsghdr *nh = &in.nh; NLMSG_OK(nh, n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_seq != req->nlmsg_seq || nh->nlmsg_type != NLMSG_ERROR)
				continue;
			if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
				return -EBADMSG;
			nl_ext_msg(nh, ext, extlen);
			return ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
		}
	}
}

/* The probe's algorithm attributes: a fixed, worthless key, since the
 * state never carries a packet. */
static int put_algs(struct nlmsghdr *nh, size_t cap, enum probe_alg alg)
{
	struct {
		struct xfrm_algo_aead alg;
		unsigned char key[PROBE_KEY_LEN];
	} aead;
	struct {
		struct xfrm_algo alg;
		unsigned char key[16];
	} enc;
	struct {
		struct xfrm_algo_auth alg;
		unsigned char key[PROBE_AUTH_KEY];
	} auth;
	int rc;

	if (alg == PROBE_WITH_AEAD) {
		memset(&aead, 0x5a, sizeof(aead));
		snprintf(aead.alg.alg_name, sizeof(aead.alg.alg_name), "%s", PROBE_AEAD);
		aead.alg.alg_key_len = PROBE_KEY_LEN * 8;
		aead.alg.alg_icv_len = PROBE_ICV_BITS;
		return nl_put(nh, cap, XFRMA_ALG_AEAD, &aead, sizeof(aead));
	}
	memset(&enc, 0x5a, sizeof(enc));
	snprintf(enc.alg.alg_name, sizeof(enc.alg.alg_name), "%s", PROBE_ENC);
	enc.alg.alg_key_len = sizeof(enc.key) * 8;
	memset(&auth, 0xa5, sizeof(auth));
	snprintf(auth.alg.alg_name, sizeof(auth.alg.alg_name), "%s", PROBE_AUTH);
	auth.alg.alg_key_len = PROBE_AUTH_KEY * 8;
	auth.alg.alg_trunc_len = PROBE_TRUNC;
	rc = nl_put(nh, cap, XFRMA_ALG_CRYPT, &enc, sizeof(enc));
	if (rc == 0)
		rc = nl_put(nh, cap, XFRMA_ALG_AUTH_TRUNC, &auth, sizeof(auth));
	return rc;
}

static int probe_add(int fd, enum probe_alg alg, char *ext, size_t extlen)
{
	union nl_buf req;
	struct xfrm_usersa_info *p;
	int rc;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(*p));
	req.nh.nlmsg_type = XFRM_MSG_NEWSA;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.nh.nlmsg_seq = 1 + alg;
	p = NLMSG_DATA(&req.nh);
	p->id.daddr.a4 = htonl(INADDR_LOOPBACK);
	p->id.spi = htonl(XFRM_PROBE_SPI);
	p->id.proto = IPPROTO_ESP;
	p->saddr.a4 = htonl(INADDR_LOOPBACK);
	p->family = AF_INET;
	p->mode = XFRM_MODE_TRANSPORT;
	p->lft.soft_byte_limit = XFRM_INF;
	p->lft.hard_byte_limit = XFRM_INF;
	p->lft.soft_packet_limit = XFRM_INF;
	p->lft.hard_packet_limit = XFRM_INF;
	rc = put_algs(&req.nh, sizeof(req), alg);
	if (rc < 0)
		return rc;
	return nl_talk(fd, &req.nh, ext, extlen);
}

static int probe_del(int fd, char *ext, size_t extlen)
{
	union nl_buf req;
	struct xfrm_usersa_id *id;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(*id));
	req.nh.nlmsg_type = XFRM_MSG_DELSA;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.nh.nlmsg_seq = 3;
	id = NLMSG_DATA(&req.nh);
	id->daddr.a4 = htonl(INADDR_LOOPBACK);
	id->spi = htonl(XFRM_PROBE_SPI);
	id->family = AF_INET;
	id->proto = IPPROTO_ESP;
	return nl_talk(fd, &req.nh, ext, extlen);
}

/* " (kernel: text)" when the kernel explained itself. */
static const char *paren(const char *ext, char *buf, size_t len)
{
	if (!ext[0])
		return "";
	snprintf(buf, len, " (kernel: %s)", ext);
	return buf;
}

int xfrm_probe_esp(char *why, size_t len)
{
	char ext[160], pbuf[200], aead_err[200] = "", how[100];
	const char *alg = PROBE_AEAD;
	struct timeval tv = { .tv_sec = 5 };
	int one = 1, fd, rc;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_XFRM);
	if (fd < 0) {
		rc = -errno;
		if (rc == -EPROTONOSUPPORT) {
			snprintf(why, len, "this kernel has no XFRM netlink "
				 "(CONFIG_XFRM_USER): installfastpath needs it");
			return 0;
		}
		snprintf(why, len, "cannot probe ESP: XFRM netlink socket: %s",
			 strerror(-rc));
		return rc;
	}
	/* Both optional: older kernels just give no text. */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	rc = probe_add(fd, PROBE_WITH_AEAD, ext, sizeof(ext));
	if (rc == -ENOSYS || rc == -ENOENT) {
		/* No such AEAD here: keep its text, ask with AES-CBC. */
		snprintf(aead_err, sizeof(aead_err), "%s%s", strerror(-rc),
			 paren(ext, pbuf, sizeof(pbuf)));
		rc = probe_add(fd, PROBE_WITH_CBC, ext, sizeof(ext));
		alg = PROBE_ENC " with " PROBE_AUTH;
	}
	switch (rc) {
	case 0:
	case -EEXIST:
		if (rc == 0) {
			rc = probe_del(fd, ext, sizeof(ext));
			if (rc < 0) {
				snprintf(why, len, "ESP available, but the probe state (127.0.0.1 "
					 "spi 0x%x) could not be removed: %s%s", XFRM_PROBE_SPI,
					 strerror(-rc), paren(ext, pbuf, sizeof(pbuf)));
				goto out;
			}
			snprintf(how, sizeof(how), "a %s state was added and removed", alg);
		} else {
			/* Someone else's state with our SPI got past the type and
			 * crypto setup, which is the proof; it is not ours to remove. */
			snprintf(how, sizeof(how), "an ESP state with the probe's SPI "
				 "0x%x exists already", XFRM_PROBE_SPI);
		}
		if (aead_err[0])
			snprintf(why, len, "ESP available (%s), but not %s: %s", how,
				 PROBE_AEAD, aead_err);
		else
			snprintf(why, len, "ESP available (%s)", how);
		rc = 1;
		break;
	case -EPROTONOSUPPORT:
		snprintf(why, len, "this kernel has no ESP (CONFIG_INET_ESP): "
			 "installfastpath needs it");
		rc = 0;
		break;
	case -ENOSYS:
	case -ENOENT:
		snprintf(why, len, "this kernel cannot set up ESP with %s (%s) nor %s "
			 "(%s%s): installfastpath needs their crypto", PROBE_AEAD, aead_err,
			 alg, strerror(-rc), paren(ext, pbuf, sizeof(pbuf)));
		rc = 0;
		break;
	case -EPERM:
		snprintf(why, len, "cannot probe ESP: no permission for XFRM netlink "
			 "(needs CAP_NET_ADMIN)");
		break;
	default:
		snprintf(why, len, "cannot probe ESP: adding a test state failed: %s%s",
			 strerror(-rc), paren(ext, pbuf, sizeof(pbuf)));
		break;
	}
out:
	close(fd);
	return rc;
}
