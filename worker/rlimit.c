/* Raise RLIMIT_NOFILE when a worker needs more sockets than allowed. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "worker/rlimit.h"

/* The kernel's ceiling for any process's fd limit. */
static rlim_t nr_open(void)
{
	rlim_t v = 1048576;
	FILE *f = fopen("/proc/sys/fs/nr_open", "re");
	if (f) {
		unsigned long long x;
		if (fscanf(f, "%llu", &x) == 1)
			v = (rlim_t)x;
		fclose(f);
	}
	return v;
}

int rlimit_nofile_ensure(uint64_t need, char *err, size_t errlen)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
		int e = errno;
		if (err)
			snprintf(err, errlen, "getrlimit(RLIMIT_NOFILE): %s", strerror(e));
		return -e;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return 0;
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need) {
		rl.rlim_cur = (rlim_t)need;
		if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
			return 0;
	}
	/* The hard limit is too low: only CAP_SYS_RESOURCE may raise it. */
	rlim_t ceiling = nr_open();
	if (need <= ceiling) {
		struct rlimit up = { .rlim_cur = (rlim_t)need, .rlim_max = (rlim_t)need };
		if (up.rlim_max < rl.rlim_max)
			up.rlim_max = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			return 0;
	}
	/* Not enough, but take what we may: the caller can still run fewer. */
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (err)
		snprintf(err, errlen,
			 "need %" PRIu64 " open files but RLIMIT_NOFILE is %llu (hard %llu, "
			 "fs.nr_open %llu) and cannot be raised: run with CAP_SYS_RESOURCE, raise the hard "
			 "limit (ulimit -Hn, LimitNOFILE=), or use fewer sockets (wildcard "
			 "sockets instead of one per address)",
			 need, (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max,
			 (unsigned long long)ceiling);
	return -EMFILE;
}
