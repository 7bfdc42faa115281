/* NAT detection hashes (RFC 7296 2.23):
 *   SHA-1(SPIi | SPIr | IP address | port)
 * In IKE_SA_INIT's request SPIr is zero.  The address and port are taken
 * in network byte order from the sockaddr (AF_INET or AF_INET6). */
#ifndef IKESWARM_PROTO_NATD_H
#define IKESWARM_PROTO_NATD_H

#include <stdint.h>
#include <sys/socket.h>

#include "proto/crypto.h"

#define IKE_NATD_LEN 20

/* 0, or -EAFNOSUPPORT / -EIO. */
int ike_natd_hash(const struct ike_crypto *c, const uint8_t spi_i[8],
		  const uint8_t spi_r[8], const struct sockaddr *sa,
		  uint8_t out[IKE_NATD_LEN]);

/* The same from raw parts: addr is 4 or 16 octets, port in host order. */
int ike_natd_hash_raw(const struct ike_crypto *c, const uint8_t spi_i[8],
		      const uint8_t spi_r[8], const uint8_t *addr,
		      size_t addr_len, uint16_t port, uint8_t out[IKE_NATD_LEN]);

#endif
