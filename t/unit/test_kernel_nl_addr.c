/* Netlink addresses and local routes, each test in a fresh private network
 * namespace (the host is never touched); SKIP when that is not possible. */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "t/unit/tcheck.h"
#include "kernel/nl_addr.h"
#include "kernel/nl_batch.h"
#include "kernel/nl_link.h"

#define IFN "iksw0"

/* Enter a new netns with lo up and IFN up: a dummy interface, or one end
 * of a veth pair when this kernel has no dummy driver.  false (after
 * printing SKIP) when this host cannot do that. */
static bool private_netns(const char *test)
{
	if (geteuid() != 0) {
		printf("SKIP: %s: needs root for a private network namespace\n", test);
		return false;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		printf("SKIP: %s: unshare(CLONE_NEWNET): %s\n", test, strerror(errno));
		return false;
	}
	struct nl_sock *sk = nlb_socket();
	ck_assert_ptr_nonnull(sk);
	ck_assert_int_eq(nllink_up(sk, "lo"), 0);
	int err = nllink_add_dummy(sk, IFN);
	if (err)
		err = nllink_add_veth(sk, IFN, IFN "p");
	if (err) {
		printf("SKIP: %s: cannot create a dummy or veth interface: %s\n", test,
		       strerror(-err));
		nl_socket_free(sk);
		return false;
	}
	ck_assert_int_eq(nllink_up(sk, IFN), 0);
	nl_socket_free(sk);
	return true;
}

static struct ip_prefix P(const char *s)
{
	struct ip_prefix p;
	ck_assert_int_eq(ip_prefix_parse(s, true, &p), 0);
	return p;
}

static int read_promote(void)
{
	FILE *f = fopen("/proc/sys/net/ipv4/conf/" IFN "/promote_secondaries", "r");
	int v = -1;
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%d", &v), 1);
	fclose(f);
	return v;
}

#define N 1000
static struct ip_prefix many[N];
static int errs[N];

/* 1,000 IPv4 addresses in one /16: one primary, 999 secondaries. */
START_TEST(v4_thousand_add_dump_cleanup)
{
	if (!private_netns("v4_thousand_add_dump_cleanup"))
		return;
	struct nladdr *n, *other;
	ck_assert_int_eq(nladdr_open(&n), 0);
	ck_assert_int_eq(nladdr_open(&other), 0);
	int promote_before = read_promote();
	struct ip_prefix base = P("10.7.0.1/16");
	for (int i = 0; i < N; i++) {
		many[i] = base;
		ck_assert_int_eq(ip_addr_add(&base.addr, (uint64_t)i, &many[i].addr), 0);
	}
	ck_assert_int_eq(nladdr_add_batch(n, IFN, many, N, errs), 0);
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(errs[i], 0);
	ck_assert_int_eq(nladdr_dump(n, IFN, AF_INET, NULL, NULL), N);
	ck_assert_uint_eq(nladdr_recorded(n), N);
	ck_assert_int_eq(nladdr_present(n, IFN, &many[N - 1].addr), 1);
	struct ip_prefix absent = P("10.7.200.1/16");
	ck_assert_int_eq(nladdr_present(n, IFN, &absent.addr), 0);

	/* already there: refused, and not recorded as ours */
	ck_assert_int_eq(nladdr_add(n, IFN, &many[5]), -EEXIST);
	ck_assert_uint_eq(nladdr_recorded(n), N);

	/* someone else's address must survive our cleanup */
	struct ip_prefix theirs = P("10.7.250.250/16");
	ck_assert_int_eq(nladdr_add(other, IFN, &theirs), 0);

	/* the primary goes: its 999 secondaries stay (promote_secondaries) */
	ck_assert_int_eq(read_promote(), 1);
	ck_assert_int_eq(nladdr_del(n, IFN, &many[0]), 0);
	ck_assert_int_eq(nladdr_del(n, IFN, &many[0]), -EADDRNOTAVAIL);
	ck_assert_int_eq(nladdr_dump(n, IFN, AF_INET, NULL, NULL), N);
	ck_assert_uint_eq(nladdr_recorded(n), N - 1);

	ck_assert_int_eq(nladdr_cleanup(n), 0);
	ck_assert_uint_eq(nladdr_recorded(n), 0);
	ck_assert_int_eq(nladdr_dump(n, IFN, AF_INET, NULL, NULL), 1);
	ck_assert_int_eq(nladdr_present(n, IFN, &theirs.addr), 1);
	ck_assert_int_eq(read_promote(), promote_before);
	ck_assert_int_eq(nladdr_cleanup(other), 0);
	ck_assert_int_eq(nladdr_dump(n, IFN, 0, NULL, NULL) >= 0, 1);
	ck_assert_int_eq(nladdr_dump(n, IFN, AF_INET, NULL, NULL), 0);
	nladdr_close(n);
	nladdr_close(other);
}
END_TEST

static int v6_seen;
static void count_v6(const struct ip_prefix *p, void *arg)
{
	(void)arg;
	if (p->len == 64 && p->addr.bytes[0] == 0x20 && p->addr.bytes[1] == 0x01)
		v6_seen++;
}

START_TEST(v6_thousand_add_dump_cleanup)
{
	if (!private_netns("v6_thousand_add_dump_cleanup"))
		return;
	struct nladdr *n;
	ck_assert_int_eq(nladdr_open(&n), 0);
	struct ip_prefix base = P("2001:db8:7::1/64");
	for (int i = 0; i < N; i++) {
		many[i] = base;
		ck_assert_int_eq(ip_addr_add(&base.addr, (uint64_t)i * 65537, &many[i].addr), 0);
	}
	ck_assert_int_eq(nladdr_add_batch(n, IFN, many, N, errs), 0);
	v6_seen = 0;
	ck_assert_int_ge(nladdr_dump(n, IFN, AF_INET6, count_v6, NULL), N);
	ck_assert_int_eq(v6_seen, N);
	ck_assert_int_eq(nladdr_present(n, IFN, &many[N / 2].addr), 1);
	ck_assert_int_eq(nladdr_cleanup(n), 0);
	v6_seen = 0;
	ck_assert_int_ge(nladdr_dump(n, IFN, AF_INET6, count_v6, NULL), 0);
	ck_assert_int_eq(v6_seen, 0);
	nladdr_close(n);
}
END_TEST

/* Each request of a batch gets its own answer. */
START_TEST(batch_reports_each_error)
{
	if (!private_netns("batch_reports_each_error"))
		return;
	struct nladdr *n;
	ck_assert_int_eq(nladdr_open(&n), 0);
	struct ip_prefix b[4] = { P("10.8.0.1/24"), P("10.8.0.2/24"), P("10.8.0.1/24"),
				  P("10.8.0.3/24") };
	b[3].len = 33; /* invalid: never sent */
	int e[4];
	ck_assert_int_eq(nladdr_add_batch(n, IFN, b, 4, e), 2);
	ck_assert_int_eq(e[0], 0);
	ck_assert_int_eq(e[1], 0);
	ck_assert_int_eq(e[2], -EEXIST);
	ck_assert_int_eq(e[3], -EINVAL);
	ck_assert_uint_eq(nladdr_recorded(n), 2);
	ck_assert_int_eq(nladdr_add(n, "nosuch0", &b[0]), -ENODEV);
	ck_assert_int_eq(nladdr_cleanup(n), 0);
	ck_assert_int_eq(nladdr_dump(n, IFN, AF_INET, NULL, NULL), 0);
	nladdr_close(n);
}
END_TEST

/* Requests go out many per datagram: each answer still reaches its own
 * request, over several windows, with failures spread among them. */
START_TEST(batch_many_per_datagram_each_error)
{
	if (!private_netns("batch_many_per_datagram_each_error"))
		return;
	struct nladdr *n;
	ck_assert_int_eq(nladdr_open(&n), 0);
	enum { M = 300 };
	static struct ip_prefix b[M];
	static int e[M], want[M];
	int want_failed = 0;
	for (int i = 0; i < M; i++) {
		bool invalid = i % 11 == 10, repeat = i % 7 == 6;
		b[i] = P("10.9.0.1/16");
		/* every 7th repeats the address two before it: EEXIST, unless
		 * that one was invalid (never added) */
		int k = repeat ? i - 2 : i;
		ck_assert_int_eq(ip_addr_add(&b[i].addr, (uint64_t)k, &b[i].addr), 0);
		if (invalid)
			b[i].len = 40; /* never sent */
		want[i] = invalid ? -EINVAL : repeat && (i - 2) % 11 != 10 ? -EEXIST : 0;
		want_failed += want[i] != 0;
	}
	ck_assert_int_eq(nladdr_add_batch(n, IFN, b, M, e), want_failed);
	for (int i = 0; i < M; i++)
		ck_assert_msg(e[i] == want[i], "request %d: %d, want %d", i, e[i], want[i]);
	ck_assert_int_eq(nladdr_cleanup(n), 0);
	ck_assert_int_eq(nladdr_dump(n, IFN, AF_INET, NULL, NULL), 0);
	nladdr_close(n);
}
END_TEST

static int try_bind(int family, const char *addr)
{
	int fd = socket(family, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		inet_pton(AF_INET, addr, &s4->sin_addr);
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		inet_pton(AF_INET6, addr, &s6->sin6_addr);
		sl = sizeof(*s6);
	}
	int rc = bind(fd, (struct sockaddr *)&ss, sl) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

/* A local route makes a whole prefix bindable without any address. */
START_TEST(local_route_for_prefix)
{
	if (!private_netns("local_route_for_prefix"))
		return;
	struct nladdr *n;
	ck_assert_int_eq(nladdr_open(&n), 0);
	ck_assert_int_eq(try_bind(AF_INET, "10.99.3.4"), -EADDRNOTAVAIL);
	struct ip_prefix p = P("10.99.1.1/16"); /* host bits are ignored */
	ck_assert_int_eq(nladdr_route_local_add(n, &p), 0);
	ck_assert_int_eq(nladdr_route_local_add(n, &p), -EEXIST);
	ck_assert_int_eq(try_bind(AF_INET, "10.99.3.4"), 0);
	ck_assert_int_eq(try_bind(AF_INET, "10.98.3.4"), -EADDRNOTAVAIL);
	struct ip_prefix p6 = P("2001:db8:99::/64");
	ck_assert_int_eq(nladdr_route_local_add(n, &p6), 0);
	ck_assert_uint_eq(nladdr_recorded(n), 2);
	ck_assert_int_eq(nladdr_route_local_del(n, &p), 0);
	ck_assert_int_eq(try_bind(AF_INET, "10.99.3.4"), -EADDRNOTAVAIL);
	ck_assert_uint_eq(nladdr_recorded(n), 1);
	ck_assert_int_eq(nladdr_route_local_add(n, &p), 0);
	ck_assert_int_eq(nladdr_cleanup(n), 0);
	ck_assert_uint_eq(nladdr_recorded(n), 0);
	ck_assert_int_eq(try_bind(AF_INET, "10.99.3.4"), -EADDRNOTAVAIL);
	/* gone too: adding it again works */
	ck_assert_int_eq(nladdr_route_local_add(n, &p6), 0);
	ck_assert_int_eq(nladdr_cleanup(n), 0);
	nladdr_close(n);
}
END_TEST

static void count_fn(const struct ip_prefix *p, void *arg)
{
	(void)p;
	(*(int *)arg)++;
}

/* flush removes what was there (not the IPv6 link-local), cleanup puts it
 * back after removing our own. */
START_TEST(flush_and_restore)
{
	if (!private_netns("flush_and_restore"))
		return;
	struct nladdr *n, *user;
	ck_assert_int_eq(nladdr_open(&n), 0);
	ck_assert_int_eq(nladdr_open(&user), 0);
	struct ip_prefix mine[] = { P("192.0.2.1/24"), P("192.0.2.2/24"), P("2001:db8:5::1/64"),
				    P("fe80::1234/64") };
	for (size_t i = 0; i < 4; i++)
		ck_assert_int_eq(nladdr_add(user, IFN, &mine[i]), 0);
	int before = nladdr_dump(n, IFN, 0, NULL, NULL);
	ck_assert_int_ge(before, 4);
	int told = 0;
	ck_assert_int_eq(nladdr_flush(n, IFN, count_fn, &told), 3);
	ck_assert_int_eq(told, 3);
	ck_assert_int_eq(nladdr_present(n, IFN, &mine[0].addr), 0);
	ck_assert_int_eq(nladdr_present(n, IFN, &mine[1].addr), 0);
	ck_assert_int_eq(nladdr_present(n, IFN, &mine[2].addr), 0);
	ck_assert_int_eq(nladdr_present(n, IFN, &mine[3].addr), 1);
	struct ip_prefix ours = P("192.0.2.9/24");
	ck_assert_int_eq(nladdr_add(n, IFN, &ours), 0);
	ck_assert_int_eq(nladdr_cleanup(n), 0);
	ck_assert_int_eq(nladdr_present(n, IFN, &ours.addr), 0);
	for (size_t i = 0; i < 4; i++)
		ck_assert_int_eq(nladdr_present(n, IFN, &mine[i].addr), 1);
	ck_assert_int_eq(nladdr_dump(n, IFN, 0, NULL, NULL), before);
	ck_assert_int_eq(nladdr_flush(n, "nosuch0", NULL, NULL), -ENODEV);
	nladdr_close(n);
	nladdr_close(user);
}
END_TEST

/* `ip route show` of one destination: the number of lines. */
static int route_lines(const char *args)
{
	char cmd[200], line[256];
	int lines = 0;
	snprintf(cmd, sizeof(cmd), "ip %s 2>/dev/null", args);
	FILE *f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		lines++;
	pclose(f);
	return lines;
}

/* staticroute's routes: via, dev, table, metric; replace; cleanup. */
START_TEST(unicast_routes)
{
	if (!private_netns("unicast_routes"))
		return;
	struct nladdr *n;
	ck_assert_int_eq(nladdr_open(&n), 0);
	struct ip_prefix a = P("192.0.2.1/24");
	ck_assert_int_eq(nladdr_add(n, IFN, &a), 0);
	struct nladdr_route r = { .dst = P("198.51.100.0/24"), .metric = 7 };
	ck_assert_int_eq(ip_addr_parse("192.0.2.254", &r.via), 0);
	ck_assert_int_eq(nladdr_route_add(n, &r), 0);
	ck_assert_int_eq(route_lines("-4 route show 198.51.100.0/24 via 192.0.2.254 metric 7"), 1);
	ck_assert_int_eq(nladdr_route_add(n, &r), 0); /* replace: no error */
	struct nladdr_route d = { .dst = P("203.0.113.0/25"), .table = 100 };
	snprintf(d.dev, sizeof(d.dev), "%s", IFN);
	ck_assert_int_eq(nladdr_route_add(n, &d), 0);
	ck_assert_int_eq(route_lines("-4 route show table 100 203.0.113.0/25 dev " IFN), 1);
	struct nladdr_route v6 = { .dst = P("2001:db8:77::/48") };
	snprintf(v6.dev, sizeof(v6.dev), "%s", IFN);
	ck_assert_int_eq(nladdr_route_add(n, &v6), 0);
	ck_assert_int_eq(route_lines("-6 route show 2001:db8:77::/48"), 1);
	struct nladdr_route bad = { .dst = P("198.51.100.0/24") };
	ck_assert_int_eq(nladdr_route_add(n, &bad), -EINVAL); /* neither via nor dev */
	snprintf(bad.dev, sizeof(bad.dev), "nosuch0");
	ck_assert_int_eq(nladdr_route_add(n, &bad), -ENODEV);
	ck_assert_int_eq(nladdr_route_del(n, &d), 0);
	ck_assert_int_eq(route_lines("-4 route show table 100"), 0);
	ck_assert_int_eq(nladdr_recorded(n), 3); /* the address, r, v6 */
	ck_assert_int_eq(nladdr_cleanup(n), 0);
	ck_assert_int_eq(route_lines("-4 route show 198.51.100.0/24"), 0);
	ck_assert_int_eq(route_lines("-6 route show 2001:db8:77::/48"), 0);
	ck_assert_int_eq(nladdr_recorded(n), 0);
	nladdr_close(n);
}
END_TEST

struct events {
	int n_new, n_del, ifindex;
	struct ip_prefix last;
};

static void on_event(enum nladdr_event ev, int ifindex, const struct ip_prefix *p, void *arg)
{
	struct events *e = arg;
	if (ev == NLADDR_NEW)
		e->n_new++;
	else
		e->n_del++;
	e->ifindex = ifindex;
	e->last = *p;
}

static void wait_events(struct nladdr_mon *m, struct events *e, int want_new, int want_del)
{
	for (int i = 0; i < 100 && (e->n_new < want_new || e->n_del < want_del); i++) {
		struct pollfd pfd = { .fd = nladdr_mon_fd(m), .events = POLLIN };
		poll(&pfd, 1, 20);
		ck_assert_int_ge(nladdr_mon_read(m), 0);
	}
}

/* Someone else deletes our address: the monitor says so. */
START_TEST(monitor_sees_add_and_delete)
{
	if (!private_netns("monitor_sees_add_and_delete"))
		return;
	struct nladdr *n, *someone;
	struct nladdr_mon *m;
	struct events e = { 0 };
	ck_assert_int_eq(nladdr_open(&n), 0);
	ck_assert_int_eq(nladdr_open(&someone), 0);
	ck_assert_int_eq(nladdr_mon_open(&m, on_event, &e), 0);
	ck_assert_int_eq(nladdr_mon_read(m), 0); /* nothing yet, no blocking */
	struct ip_prefix p = P("192.0.2.77/24");
	ck_assert_int_eq(nladdr_add(n, IFN, &p), 0);
	wait_events(m, &e, 1, 0);
	ck_assert_int_eq(e.n_new, 1);
	ck_assert_int_eq(e.ifindex, nllink_index(IFN));
	ck_assert_int_eq(ip_addr_cmp(&e.last.addr, &p.addr), 0);
	ck_assert_uint_eq(e.last.len, 24);
	ck_assert_int_eq(nladdr_del(someone, IFN, &p), 0);
	wait_events(m, &e, 1, 1);
	ck_assert_int_eq(e.n_del, 1);
	ck_assert_int_eq(ip_addr_cmp(&e.last.addr, &p.addr), 0);
	/* ours is gone already: cleanup is not a failure */
	ck_assert_int_eq(nladdr_cleanup(n), 0);
	nladdr_mon_close(m);
	nladdr_close(n);
	nladdr_close(someone);
}
END_TEST

static Suite *nl_addr_suite(void)
{
	Suite *s = suite_create("nl_addr");
	TCase *tc = tcase_create("netns");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, v4_thousand_add_dump_cleanup);
	tcase_add_test(tc, v6_thousand_add_dump_cleanup);
	tcase_add_test(tc, batch_reports_each_error);
	tcase_add_test(tc, batch_many_per_datagram_each_error);
	tcase_add_test(tc, local_route_for_prefix);
	tcase_add_test(tc, flush_and_restore);
	tcase_add_test(tc, unicast_routes);
	tcase_add_test(tc, monitor_sees_add_and_delete);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(nl_addr_suite)
