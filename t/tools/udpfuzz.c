/* udpfuzz PCAP DST COUNT SEED: send COUNT mutated copies of the IKE
 * messages in PCAP (UDP to port 500 or 4500, as captured) to DST, from one
 * ephemeral UDP port per destination port; count the datagrams that come
 * back.  Mutations: truncation, bit flips, random length fields, random
 * SPIs, random bytes after the header, or an unchanged replay.
 * Prints "sent=N replies=R".  Test-bed tool (t/netns), built by the test. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXSEEDS 512

struct seed {
	uint16_t dport;
	size_t len;
	uint8_t data[2048];
};

static struct seed seeds[MAXSEEDS];
static unsigned nseeds;
static uint64_t rs;

static uint32_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (uint32_t)rs;
}

/* Ethernet (or Linux cooked) + IPv4 + UDP to 500/4500: keep the payload. */
static void load(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t gh[24], rh[16], pkt[65536];
	if (!f || fread(gh, 1, 24, f) != 24) {
		perror(path);
		exit(2);
	}
	uint32_t link = gh[20] | gh[21] << 8 | gh[22] << 16 | (uint32_t)gh[23] << 24;
	size_t l2 = link == 113 ? 16 : 14;
	while (fread(rh, 1, 16, f) == 16 && nseeds < MAXSEEDS) {
		uint32_t cap = rh[8] | rh[9] << 8 | rh[10] << 16 | (uint32_t)rh[11] << 24;
		if (cap > sizeof(pkt) || fread(pkt, 1, cap, f) != cap)
			break;
		if (cap < l2 + 28 || (pkt[l2] >> 4) != 4 || pkt[l2 + 9] != 17)
			continue;
		size_t ihl = (pkt[l2] & 15) * 4;
		const uint8_t *udp = pkt + l2 + ihl;
		uint16_t dport = udp[2] << 8 | udp[3];
		size_t len = cap - l2 - ihl - 8;
		if ((dport != 500 && dport != 4500) || len < 28 || len > sizeof(seeds[0].data))
			continue;
		seeds[nseeds].dport = dport;
		seeds[nseeds].len = len;
		memcpy(seeds[nseeds].data, udp + 8, len);
		nseeds++;
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: udpfuzz PCAP DST COUNT SEED\n");
		return 2;
	}
	load(argv[1]);
	if (!nseeds) {
		fprintf(stderr, "udpfuzz: no IKE packets in %s\n", argv[1]);
		return 2;
	}
	long count = atol(argv[3]);
	rs = strtoull(argv[4], NULL, 0) | 1;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in dst = { .sin_family = AF_INET };
	if (s < 0 || inet_pton(AF_INET, argv[2], &dst.sin_addr) != 1) {
		perror("udpfuzz");
		return 2;
	}
	long sent = 0, replies = 0;
	uint8_t buf[4096], in[65536];
	for (long i = 0; i < count; i++) {
		const struct seed *sd = &seeds[rnd() % nseeds];
		size_t len = sd->len, hdr = sd->dport == 4500 ? 4 : 0; /* non-ESP marker */
		memcpy(buf, sd->data, len);
		switch (rnd() % 6) {
		case 0: len = hdr + rnd() % (len - hdr + 1); break;
		case 1:
			for (int k = 1 + rnd() % 4; k; k--)
				buf[hdr + rnd() % (len - hdr)] ^= (uint8_t)(1u << (rnd() % 8));
			break;
		case 2: buf[hdr + 24 + rnd() % 4] = (uint8_t)rnd(); break;
		case 3:
			for (int k = 0; k < 16; k++)
				buf[hdr + k] = (uint8_t)rnd();
			break;
		case 4:
			for (size_t k = hdr + 28; k < len; k++)
				buf[k] = (uint8_t)rnd();
			break;
		default: break;
		}
		dst.sin_port = htons(sd->dport);
		if (sendto(s, buf, len, 0, (struct sockaddr *)&dst, sizeof(dst)) >= 0)
			sent++;
		else
			usleep(200); /* buffer full: let the gateway catch up */
		while (recv(s, in, sizeof(in), 0) > 0)
			replies++;
	}
	usleep(300000);
	while (recv(s, in, sizeof(in), 0) > 0)
		replies++;
	printf("sent=%ld replies=%ld\n", sent, replies);
	return 0;
}
