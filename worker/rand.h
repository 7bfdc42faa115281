/* Random octets for SPIs, nonces and cookies (worker/rand.c). */
#ifndef IKESWARM_WORKER_RAND_H
#define IKESWARM_WORKER_RAND_H

#include <stddef.h>

/* n random octets from the kernel's CSPRNG, through a per-process pool
 * (one getrandom() per 4,000 octets; a forked child refills). */
void rand_bytes(void *p, size_t n);

#endif
