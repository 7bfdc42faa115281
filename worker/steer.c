/* The reuseport steering program and its socket group (see steer.h). */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "worker/steer.h"

#define IKE_FLAG_I 0x08 /* the sender is the original initiator */

struct prog {
	struct sock_filter *p;
	size_t n, max;
};

static void emit(struct prog *g, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	if (g->n < g->max)
		g->p[g->n] = (struct sock_filter){ code, jt, jf, k };
	g->n++;
}

/* The IKE header at offset b: 13 instructions, all ending in a return. */
static void emit_ike(struct prog *g, uint32_t b, unsigned nworkers)
{
	emit(g, BPF_LD | BPF_B | BPF_ABS, 0, 0, b + 19);          /* flags */
	emit(g, BPF_JMP | BPF_JSET | BPF_K, 2, 0, IKE_FLAG_I);    /* I: ours is SPIr */
	emit(g, BPF_LD | BPF_B | BPF_ABS, 0, 0, b + 0);           /* SPIi's top octet */
	emit(g, BPF_RET | BPF_A, 0, 0, 0);
	emit(g, BPF_LD | BPF_W | BPF_ABS, 0, 0, b + 8);           /* SPIr high word */
	emit(g, BPF_JMP | BPF_JEQ | BPF_K, 0, 2, 0);
	emit(g, BPF_LD | BPF_W | BPF_ABS, 0, 0, b + 12);          /* SPIr low word */
	emit(g, BPF_JMP | BPF_JEQ | BPF_K, 2, 0, 0);
	emit(g, BPF_LD | BPF_B | BPF_ABS, 0, 0, b + 8);           /* SPIr's top octet */
	emit(g, BPF_RET | BPF_A, 0, 0, 0);
	emit(g, BPF_LD | BPF_W | BPF_ABS, 0, 0, b + 4);           /* SPIr zero: spread */
	emit(g, BPF_ALU | BPF_MOD | BPF_K, 0, 0, nworkers);
	emit(g, BPF_RET | BPF_A, 0, 0, 0);
}

int steer_program(bool natt, unsigned nworkers, struct sock_filter *prog, size_t max)
{
	struct prog g = { .p = prog, .max = max };
	if (!nworkers || nworkers > STEER_MAX_WORKERS)
		return -EINVAL;
	if (natt) {
		emit(&g, BPF_LD | BPF_W | BPF_ABS, 0, 0, 0);
		emit(&g, BPF_JMP | BPF_JEQ | BPF_K, 2, 0, 0);     /* marker: IKE */
		emit(&g, BPF_LD | BPF_B | BPF_ABS, 0, 0, 0);      /* ESP SPI's top octet */
		emit(&g, BPF_RET | BPF_A, 0, 0, 0);
		emit_ike(&g, 4, nworkers);
	} else {
		emit_ike(&g, 0, nworkers);
	}
	return g.n <= max ? (int)g.n : -ENOSPC;
}

int steer_attach(int fd, bool natt, unsigned nworkers)
{
	struct sock_filter insns[STEER_MAX_INSNS];
	int n = steer_program(natt, nworkers, insns, STEER_MAX_INSNS);
	if (n < 0)
		return n;
	struct sock_fprog fp = { .len = (unsigned short)n, .filter = insns };
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &fp, sizeof(fp)) < 0)
		return -errno;
	return 0;
}

static int open_one(const struct ip_addr *local, uint16_t port, bool reuse)
{
	int one = 1, err;
	bool v6 = local->family == AF_INET6;
	int fd = socket(local->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, local->bytes, 16);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, local->bytes, 4);
		sl = sizeof(*s4);
	}
	if ((reuse && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0) ||
	    (v6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
	    setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_FREEBIND : IP_FREEBIND,
		       &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int steer_group_open(const struct ip_addr *local, uint16_t port, bool natt,
		     unsigned nworkers, int *fds)
{
	unsigned i;
	int rc = -EINVAL;
	if (!nworkers || nworkers > STEER_MAX_WORKERS)
		return -EINVAL;
	/* Nobody else may hold the port: a plain bind fails when someone does
	 * (another run in this namespace would otherwise join our group and
	 * take half of our packets).  A race with a concurrent opener remains. */
	rc = open_one(local, port, false);
	if (rc < 0)
		return rc;
	close(rc);
	for (i = 0; i < nworkers; i++) {
		rc = open_one(local, port, true);
		if (rc < 0)
			goto fail;
		fds[i] = rc;
		/* Attached once the first socket is bound: the group exists
		 * and every later member shares the program. */
		if (i == 0 && (rc = steer_attach(fds[0], natt, nworkers)) < 0) {
			i++;
			goto fail;
		}
	}
	return 0;
fail:
	while (i-- > 0)
		close(fds[i]);
	return rc;
}
