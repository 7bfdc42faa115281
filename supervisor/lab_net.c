/* The lab's two namespaces and veth pair (see lab_net.h), made with ip(8). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor/lab_net.h"

#define NETNS_DIR "/run/netns"

void lab_net_names(struct lab_net *n, pid_t id)
{
	memset(n, 0, sizeof(*n));
	snprintf(n->gw, sizeof(n->gw), LAB_NS_PREFIX "gw-%ld", (long)id);
	snprintf(n->cl, sizeof(n->cl), LAB_NS_PREFIX "cl-%ld", (long)id);
}

/* In a child, before exec: default dispositions and an empty mask (the lab
 * blocks the signals it reads from a signalfd; exec keeps both). */
static void child_signals_reset(void)
{
	sigset_t none;
	sigemptyset(&none);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

int lab_run_cmd(char *const argv[])
{
	static const char *const dirs[] = { "/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/" };
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* Own process group: a Ctrl-C at the terminal reaches the lab,
		 * which decides, and not a half-done ip command. */
		setpgid(0, 0);
		child_signals_reset();
		int nul = open("/dev/null", O_RDWR);
		if (nul >= 0) {
			dup2(nul, 0);
			dup2(nul, 1);
		}
		execvp(argv[0], argv);
		for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && !strchr(argv[0], '/'); i++) {
			char path[256];
			snprintf(path, sizeof(path), "%s%s", dirs[i], argv[0]);
			execv(path, argv);
		}
		fprintf(stderr, "ikeswarm lab: cannot run %s: %s%s\n", argv[0], strerror(errno),
			strcmp(argv[0], "ip") == 0 ? " (install iproute2)" : "");
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/* ip ARGS... (NULL-terminated, at most IP_ARGS_MAX); 0 on success, -1
 * after saying what failed. */
#define IP_ARGS_MAX 30
static int ip(FILE *err, ...)
{
	char *argv[IP_ARGS_MAX + 2] = { "ip" };
	size_t n = 1;
	va_list ap;
	va_start(ap, err);
	while ((argv[n] = va_arg(ap, char *))) {
		if (++n > IP_ARGS_MAX) {
			va_end(ap);
			fprintf(err, "ikeswarm lab: internal error: ip with too many arguments\n");
			return -1;
		}
	}
	va_end(ap);
	int rc = lab_run_cmd(argv);
	if (rc == 0)
		return 0;
	fprintf(err, "ikeswarm lab: failed (%s%d):", rc < 0 ? "errno " : "status ", rc < 0 ? -rc : rc);
	for (size_t i = 0; i < n; i++)
		fprintf(err, " %s", argv[i]);
	fputc('\n', err);
	return -1;
}

int lab_ns_enter(const char *name)
{
	char path[128];
	snprintf(path, sizeof(path), NETNS_DIR "/%s", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

bool lab_ns_exists(const char *name)
{
	char path[128];
	snprintf(path, sizeof(path), NETNS_DIR "/%s", name);
	return access(path, F_OK) == 0;
}

/* Write "value" to each /proc/sys/net path from inside namespace ns. */
static int ns_sysctls(FILE *err, const char *ns, const char *const *kv, size_t n)
{
	fflush(err);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int rc = lab_ns_enter(ns);
		if (rc < 0) {
			fprintf(err, "ikeswarm lab: entering %s: %s\n", ns, strerror(-rc));
			fflush(err);
			_exit(1);
		}
		for (size_t i = 0; i + 1 < n; i += 2) {
			char path[160];
			snprintf(path, sizeof(path), "/proc/sys/net/%s", kv[i]);
			int fd = open(path, O_WRONLY | O_CLOEXEC);
			if (fd < 0 || write(fd, kv[i + 1], strlen(kv[i + 1])) < 0) {
				fprintf(err, "ikeswarm lab: %s: %s = %s: %s\n", ns, path, kv[i + 1],
					strerror(errno));
				fflush(err);
				_exit(1);
			}
			close(fd);
		}
		fflush(err);
		_exit(0);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* rp_filter off and promote_secondaries on `all`, `default` and (when
 * not NULL) the interface ifname. */
static int ns_tune(FILE *err, const char *ns, const char *ifname)
{
	char rp[64], ps[64];
	const char *kv[] = {
		"ipv4/conf/all/rp_filter", "0",
		"ipv4/conf/default/rp_filter", "0",
		"ipv4/conf/all/promote_secondaries", "1",
		"ipv4/conf/default/promote_secondaries", "1",
		rp, "0",
		ps, "1",
	};
	size_t n = sizeof(kv) / sizeof(kv[0]);
	if (ifname) {
		snprintf(rp, sizeof(rp), "ipv4/conf/%s/rp_filter", ifname);
		snprintf(ps, sizeof(ps), "ipv4/conf/%s/promote_secondaries", ifname);
	} else {
		n -= 4;
	}
	return ns_sysctls(err, ns, kv, n);
}

int lab_net_up(struct lab_net *n, FILE *err)
{
	if (ip(err, "netns", "add", n->gw, NULL) < 0)
		return -1;
	n->gw_made = true;
	if (ip(err, "netns", "add", n->cl, NULL) < 0)
		return -1;
	n->cl_made = true;
	/* `default` first, so the veth ends are born with it. */
	if (ns_tune(err, n->gw, NULL) < 0 || ns_tune(err, n->cl, NULL) < 0)
		return -1;
	/* Both ends made inside the namespaces: the host never sees them. */
	if (ip(err, "-n", n->gw, "link", "add", LAB_GW_IF, "address", LAB_GW_MAC, "type", "veth",
	       "peer", "name", LAB_CL_IF, "address", LAB_CL_MAC, "netns", n->cl, NULL) < 0)
		return -1;
	if (ns_tune(err, n->gw, LAB_GW_IF) < 0 || ns_tune(err, n->cl, LAB_CL_IF) < 0)
		return -1;
	if (ip(err, "-n", n->gw, "addr", "add", LAB_GW_ADDR, "dev", LAB_GW_IF, NULL) < 0 ||
	    ip(err, "-n", n->cl, "addr", "add", LAB_CL_ADDR, "dev", LAB_CL_IF, NULL) < 0 ||
	    ip(err, "-n", n->gw, "link", "set", "lo", "up", NULL) < 0 ||
	    ip(err, "-n", n->cl, "link", "set", "lo", "up", NULL) < 0 ||
	    ip(err, "-n", n->gw, "link", "set", LAB_GW_IF, "up", NULL) < 0 ||
	    ip(err, "-n", n->cl, "link", "set", LAB_CL_IF, "up", NULL) < 0)
		return -1;
	/* The gateway reaches every client tunnel address through the client's
	 * own veth address: one neighbour entry, however many tunnels. */
	char via[32], gw1[32];
	snprintf(via, sizeof(via), "%s", LAB_CL_ADDR);
	*strchr(via, '/') = '\0';
	snprintf(gw1, sizeof(gw1), "%s", LAB_GW_ADDR);
	*strchr(gw1, '/') = '\0';
	if (ip(err, "-n", n->gw, "route", "add", LAB_CL_NET, "via", via, NULL) < 0)
		return -1;
	/* Permanent neighbours: immune to a full shared ARP table (lab_net.h). */
	if (ip(err, "-n", n->gw, "neigh", "replace", via, "lladdr", LAB_CL_MAC, "dev", LAB_GW_IF,
	       "nud", "permanent", NULL) < 0 ||
	    ip(err, "-n", n->cl, "neigh", "replace", gw1, "lladdr", LAB_GW_MAC, "dev", LAB_CL_IF,
	       "nud", "permanent", NULL) < 0 ||
	    ip(err, "-n", n->cl, "neigh", "replace", LAB_GW_ADDR2, "lladdr", LAB_GW_MAC, "dev",
	       LAB_CL_IF, "nud", "permanent", NULL) < 0)
		return -1;
	return 0;
}

int lab_ns_signal_all(const char *name, int sig)
{
	char path[128];
	struct stat ns;
	snprintf(path, sizeof(path), NETNS_DIR "/%s", name);
	if (stat(path, &ns) < 0)
		return -errno;
	DIR *d = opendir("/proc");
	if (!d)
		return -errno;
	int found = 0;
	pid_t self = getpid();
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid_t pid = (pid_t)strtol(de->d_name, NULL, 10);
		struct stat st;
		snprintf(path, sizeof(path), "/proc/%ld/ns/net", (long)pid);
		if (pid == self || stat(path, &st) < 0)
			continue;
		if (st.st_dev != ns.st_dev || st.st_ino != ns.st_ino)
			continue;
		found++;
		if (sig)
			kill(pid, sig);
	}
	closedir(d);
	return found;
}

/* Delete one namespace made by a lab, after killing what runs in it. */
static int ns_delete(FILE *err, const char *name)
{
	for (int i = 0; i < 20 && lab_ns_signal_all(name, SIGKILL) > 0; i++)
		usleep(50 * 1000);
	if (ip(err, "netns", "delete", name, NULL) < 0 && lab_ns_exists(name))
		return -1;
	return 0;
}

int lab_net_down(struct lab_net *n, FILE *err)
{
	int rc = 0;
	if (n->cl_made) {
		if (ns_delete(err, n->cl) == 0)
			n->cl_made = false;
		else
			rc = -1;
	}
	if (n->gw_made) {
		if (ns_delete(err, n->gw) == 0)
			n->gw_made = false;
		else
			rc = -1;
	}
	if (rc < 0)
		fprintf(err, "ikeswarm lab: could not delete every namespace; remove them with "
			"'ip netns delete NAME' (ip netns list | grep " LAB_NS_PREFIX ")\n");
	return rc;
}

/* "iks-lab-gw-123" or "iks-lab-cl-123": the pid, else 0. */
static pid_t stale_pid(const char *name)
{
	size_t plen = strlen(LAB_NS_PREFIX);
	if (strncmp(name, LAB_NS_PREFIX, plen) != 0)
		return 0;
	name += plen;
	if (strncmp(name, "gw-", 3) != 0 && strncmp(name, "cl-", 3) != 0)
		return 0;
	name += 3;
	char *end;
	long pid = strtol(name, &end, 10);
	if (!isdigit((unsigned char)*name) || *end || pid <= 0)
		return 0;
	return (pid_t)pid;
}

int lab_net_reap_stale(FILE *err)
{
	DIR *d = opendir(NETNS_DIR);
	if (!d)
		return 0;
	char names[64][64];
	int n = 0, removed = 0;
	struct dirent *de;
	while ((de = readdir(d)) && n < 64) {
		pid_t pid = stale_pid(de->d_name);
		if (!pid || strlen(de->d_name) >= sizeof(names[0]))
			continue;
		if (pid != getpid() && (kill(pid, 0) == 0 || errno != ESRCH))
			continue; /* its lab still runs */
		if (lab_ns_signal_all(de->d_name, 0) != 0)
			continue; /* something still runs in it: not ours to end */
		memcpy(names[n++], de->d_name, strlen(de->d_name) + 1); /* fits: checked */
	}
	closedir(d);
	for (int i = 0; i < n; i++) {
		if (ip(err, "netns", "delete", names[i], NULL) == 0) {
			fprintf(err, "ikeswarm lab: removed namespace %s, left behind by an "
				"earlier lab that was killed\n", names[i]);
			removed++;
		}
	}
	return removed;
}
