/* RLIMIT_NOFILE sized for the sockets a worker needs. */
#ifndef IKESWARM_WORKER_RLIMIT_H
#define IKESWARM_WORKER_RLIMIT_H

#include <stddef.h>
#include <stdint.h>

/* Make the soft RLIMIT_NOFILE at least `need`: raise it up to the hard
 * limit, and raise the hard limit too when we may (CAP_SYS_RESOURCE; capped
 * by /proc/sys/fs/nr_open).  0 when the limit is (now) enough; otherwise
 * the soft limit is left at the hard one, and -EMFILE is returned with a
 * one-line explanation for the user in err (may be NULL). */
int rlimit_nofile_ensure(uint64_t need, char *err, size_t errlen);

#endif
