/* IPv4/IPv6 addresses as plain values, with the arithmetic the address
 * plan needs: parse, format, compare, add an offset, prefix containment. */
#ifndef IKESWARM_LIB_IPADDR_H
#define IKESWARM_LIB_IPADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* family is AF_INET or AF_INET6 (0: unset); bytes in network order, an IPv4
 * address uses bytes[0..3] and leaves the rest zero, so memcmp works. */
struct ip_addr {
	uint8_t family;
	uint8_t bytes[16];
};

/* An address with a prefix length; the host bits are kept (MyIKEv2 writes
 * "192.168.1.1/24": first address 192.168.1.1 in 192.168.1.0/24). */
struct ip_prefix {
	struct ip_addr addr;
	uint8_t len;
};

/* Longest text ip_addr_format writes, with the NUL ("/128" for prefixes). */
#define IP_ADDR_STRLEN 46
#define IP_PREFIX_STRLEN 50

static inline unsigned ip_addr_bits(const struct ip_addr *a)
{
	return a->family == AF_INET6 ? 128 : 32;
}

/* "a.b.c.d" or an IPv6 text form.  0 or -EINVAL. */
int ip_addr_parse(const char *s, struct ip_addr *out);
/* "addr/len"; with require_len false a bare address gets the full length. */
int ip_prefix_parse(const char *s, bool require_len, struct ip_prefix *out);

/* Writes the address into buf (at least IP_ADDR_STRLEN); returns buf. */
const char *ip_addr_format(const struct ip_addr *a, char *buf, size_t size);
const char *ip_prefix_format(const struct ip_prefix *p, char *buf, size_t size);

/* <0, 0, >0; an IPv4 address sorts before any IPv6 address. */
int ip_addr_cmp(const struct ip_addr *a, const struct ip_addr *b);
bool ip_addr_is_unset(const struct ip_addr *a);

/* out = a + off; -ERANGE when the sum passes the family's last address. */
int ip_addr_add(const struct ip_addr *a, uint64_t off, struct ip_addr *out);
/* b - a when a <= b, same family, and it fits in 64 bits; else -ERANGE. */
int ip_addr_diff(const struct ip_addr *a, const struct ip_addr *b, uint64_t *out);

/* The first and last address of the prefix's network. */
void ip_prefix_first(const struct ip_prefix *p, struct ip_addr *out);
void ip_prefix_last(const struct ip_prefix *p, struct ip_addr *out);
bool ip_prefix_contains(const struct ip_prefix *p, const struct ip_addr *a);
/* How many addresses from p->addr to the prefix's last address, included;
 * saturates at UINT64_MAX for large IPv6 prefixes. */
uint64_t ip_prefix_room(const struct ip_prefix *p);

/* The fewest CIDR blocks whose union is exactly [first, first + count),
 * in address order, into out[0..max).  Returns how many, or -ERANGE (count
 * 0, or the range passes the family's last address) or -ENOSPC (more than
 * max; 2 x 64 always suffice).  A local route per block makes the range
 * local without touching its neighbours. */
#define IP_RANGE_MAX_CIDRS 128
int ip_range_cidrs(const struct ip_addr *first, uint64_t count, struct ip_prefix *out,
		   size_t max);

#endif
