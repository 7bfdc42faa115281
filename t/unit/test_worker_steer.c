/* worker/steer: the reuseport cBPF program, run by a small classic-BPF
 * interpreter over crafted datagrams, and a real SO_REUSEPORT group on
 * 127.0.0.1 whose sockets must each receive exactly their worker's packets. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "t/unit/tcheck.h"
#include "worker/steer.h"

/* The instructions steer_program uses; anything else fails the test.
 * A load past the end returns 0, as the kernel does. */
static uint32_t run(const struct sock_filter *p, int n, const uint8_t *d, size_t len)
{
	uint32_t a = 0;
	for (int pc = 0; pc < n; pc++) {
		const struct sock_filter *f = &p[pc];
		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (f->k + 4 > len)
				return 0;
			a = (uint32_t)d[f->k] << 24 | (uint32_t)d[f->k + 1] << 16 |
			    (uint32_t)d[f->k + 2] << 8 | d[f->k + 3];
			break;
		case BPF_LD | BPF_B | BPF_ABS:
			if (f->k + 1 > len)
				return 0;
			a = d[f->k];
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += a == f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			pc += (a & f->k) ? f->jt : f->jf;
			break;
		case BPF_ALU | BPF_MOD | BPF_K:
			a %= f->k;
			break;
		case BPF_RET | BPF_A:
			return a;
		default:
			ck_abort_msg("unexpected instruction %#x at %d", f->code, pc);
		}
	}
	ck_abort_msg("fell off the program");
	return 0;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* An IKE header (28 octets) at d+off; returns the datagram length. */
static size_t ike(uint8_t *d, size_t off, uint64_t spi_i, uint64_t spi_r, uint8_t flags)
{
	memset(d, 0, off + 28);
	put64(d + off, spi_i);
	put64(d + off + 8, spi_r);
	d[off + 17] = 0x20;
	d[off + 18] = 34;
	d[off + 19] = flags;
	return off + 28;
}

static uint32_t pick(bool natt, unsigned n, const uint8_t *d, size_t len)
{
	struct sock_filter p[STEER_MAX_INSNS];
	int k = steer_program(natt, n, p, STEER_MAX_INSNS);
	ck_assert_int_gt(k, 0);
	return run(p, k, d, len);
}

START_TEST(test_program_ike)
{
	uint8_t d[64];
	for (int natt = 0; natt <= 1; natt++) {
		size_t o = natt ? 4 : 0;
		/* a request from the original initiator: ours is SPIr */
		size_t len = ike(d, o, 0x0511111111111111ull, 0x0322222222222222ull, 0x08);
		ck_assert_uint_eq(pick(natt, 4, d, len), 3);
		/* a response to us as initiator (I clear): ours is SPIi */
		len = ike(d, o, 0x0211111111111111ull, 0x0322222222222222ull, 0x20);
		ck_assert_uint_eq(pick(natt, 4, d, len), 2);
		/* a request from the peer when we were the initiator */
		len = ike(d, o, 0x0111111111111111ull, 0x0722222222222222ull, 0x00);
		ck_assert_uint_eq(pick(natt, 4, d, len), 1);
		/* a new IKE_SA_INIT: spread by SPIi's low word */
		for (uint32_t lo = 0; lo < 40; lo++) {
			len = ike(d, o, 0xab00000000000000ull | lo, 0, 0x08);
			ck_assert_uint_eq(pick(natt, 3, d, len), lo % 3);
		}
		/* SPIr with only low bits set is not zero: top octet 0 */
		len = ike(d, o, 0x0211111111111111ull, 0x5, 0x08);
		ck_assert_uint_eq(pick(natt, 4, d, len), 0);
		/* truncated: 0 */
		ck_assert_uint_eq(pick(natt, 4, d, o + 10), 0);
	}
}
END_TEST

START_TEST(test_program_esp)
{
	uint8_t d[32] = { 0x02, 0xaa, 0xbb, 0xcc, 0, 0, 0, 1 };
	ck_assert_uint_eq(pick(true, 4, d, sizeof(d)), 2);
	d[0] = 0x09; /* an SPI of no worker: returned as is, the kernel hashes */
	ck_assert_uint_eq(pick(true, 4, d, sizeof(d)), 9);
	uint8_t ka = 0xff; /* NAT-T keepalive: too short for a word */
	ck_assert_uint_eq(pick(true, 4, &ka, 1), 0);
}
END_TEST

START_TEST(test_program_bad)
{
	struct sock_filter p[STEER_MAX_INSNS];
	ck_assert_int_eq(steer_program(false, 0, p, STEER_MAX_INSNS), -EINVAL);
	ck_assert_int_eq(steer_program(false, 257, p, STEER_MAX_INSNS), -EINVAL);
	ck_assert_int_eq(steer_program(true, 2, p, 4), -ENOSPC);
}
END_TEST

/* A real group on 127.0.0.1: 4 sockets, packets for each worker. */
START_TEST(test_group_real)
{
	enum { N = 4 };
	struct ip_addr lo = { .family = AF_INET, .bytes = { 127, 0, 0, 1 } };
	int fds[N], tx = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(tx, 0);
	/* A free port: bind one, remember it, close it. */
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t sl = sizeof(sa);
	int probe = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_eq(bind(probe, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(getsockname(probe, (struct sockaddr *)&sa, &sl), 0);
	close(probe);
	int rc = steer_group_open(&lo, ntohs(sa.sin_port), false, N, fds);
	if (rc == -ENOPROTOOPT || rc == -EINVAL) {
		close(tx);
		printf("SKIP test_group_real: SO_ATTACH_REUSEPORT_CBPF: %s\n", strerror(-rc));
		return;
	}
	ck_assert_int_eq(rc, 0);
	/* a second run on the same port must not join our group */
	int other[2];
	ck_assert_int_eq(steer_group_open(&lo, ntohs(sa.sin_port), false, 2, other), -EADDRINUSE);
	uint8_t d[64], buf[64];
	for (int round = 0; round < 3; round++)
		for (unsigned w = 0; w < N; w++) {
			size_t len = ike(d, 0, 0x0111111111111111ull + round,
					 ((uint64_t)w << 56) | 0x123456, 0x08);
			ck_assert_int_eq(sendto(tx, d, len, 0, (struct sockaddr *)&sa, sizeof(sa)),
					 (ssize_t)len);
		}
	usleep(50000);
	for (unsigned w = 0; w < N; w++) {
		int got = 0;
		ssize_t n;
		while ((n = recv(fds[w], buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
			ck_assert_uint_eq(buf[8], w); /* SPIr's top octet */
			got++;
		}
		ck_assert_int_eq(got, 3);
		close(fds[w]);
	}
	close(tx);
}
END_TEST

static Suite *steer_suite(void)
{
	Suite *s = suite_create("worker_steer");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_program_ike);
	tcase_add_test(tc, test_program_esp);
	tcase_add_test(tc, test_program_bad);
	tcase_add_test(tc, test_group_real);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(steer_suite)
