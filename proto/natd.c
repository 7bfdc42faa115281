/* NAT detection hashes (RFC 7296 2.23), on OpenSSL's one-shot SHA-1 state
 * (deprecated in 3.0, kept there; defined before any OpenSSL header): the
 * EVP digest context made and freed its state per hash, four per setup. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include <openssl/sha.h>

#include "proto/crypto_int.h"
#include "proto/natd.h"

int ike_natd_hash_raw(const struct ike_crypto *c, const uint8_t spi_i[8],
		      const uint8_t spi_r[8], const uint8_t *addr,
		      size_t addr_len, uint16_t port, uint8_t out[IKE_NATD_LEN])
{
	uint8_t buf[8 + 8 + 16 + 2];
	size_t len = 0;
	SHA_CTX sha;

	if (addr_len != 4 && addr_len != 16)
		return -EAFNOSUPPORT;
	memcpy(buf, spi_i, 8), len += 8;
	memcpy(buf + len, spi_r, 8), len += 8;
	memcpy(buf + len, addr, addr_len), len += addr_len;
	buf[len++] = port >> 8;
	buf[len++] = port & 0xff;
	(void)c;
	if (!SHA1_Init(&sha) || !SHA1_Update(&sha, buf, len) || !SHA1_Final(out, &sha))
		return -EIO;
	return 0;
}

int ike_natd_hash(const struct ike_crypto *c, const uint8_t spi_i[8],
		  const uint8_t spi_r[8], const struct sockaddr *sa,
		  uint8_t out[IKE_NATD_LEN])
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		return ike_natd_hash_raw(c, spi_i, spi_r,
					 (const uint8_t *)&s4->sin_addr, 4,
					 ntohs(s4->sin_port), out);
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		return ike_natd_hash_raw(c, spi_i, spi_r,
					 (const uint8_t *)&s6->sin6_addr, 16,
					 ntohs(s6->sin6_port), out);
	}
	return -EAFNOSUPPORT;
}
