/* kernel/kproc: the kernel process served over nng in a private network
 * namespace: addresses added in one batch request, errors answered with
 * their errno, malformed requests answered (never left hanging), and
 * everything it added removed when it gets SIGTERM. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "kernel/kproc.h"
#include "kernel/nl_addr.h"
#include "lib/msg.h"
#include "t/unit/tcheck.h"
#include "t/unit/tkproc.h"

static json_t *addr_req(const char *type, const char *ifname, const char *prefix, int count)
{
	json_t *m = msg_new(type, 0);
	json_object_set_new(m, "ifname", json_string(ifname));
	json_object_set_new(m, "prefix", json_string(prefix));
	json_object_set_new(m, "count", json_integer(count));
	return m;
}

static int present(const char *a)
{
	struct nladdr *nl;
	struct ip_addr ip;
	ck_assert_int_eq(nladdr_open(&nl), 0);
	ck_assert_int_eq(ip_addr_parse(a, &ip), 0);
	int rc = nladdr_present(nl, "lo", &ip);
	nladdr_close(nl);
	return rc;
}

static int shell_lines(const char *cmd)
{
	char line[256];
	int n = 0;
	FILE *f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		n++;
	pclose(f);
	return n;
}

START_TEST(test_addr_batch_and_cleanup)
{
	if (!start("test_addr_batch_and_cleanup"))
		return;
	struct kproc_client *c;
	char why[200];
	ck_assert_int_eq(kproc_client_open(&c, url, 5000), 0);
	ck_assert_int_eq(kproc_call(c, addr_req("addr.add", "lo", "10.77.0.1/24", 20), why,
				    sizeof(why)), 0);
	ck_assert_int_eq(present("10.77.0.1"), 1);
	ck_assert_int_eq(present("10.77.0.20"), 1);
	ck_assert_int_eq(present("10.77.0.21"), 0);
	/* again: every address exists already, which is not an error */
	ck_assert_int_eq(kproc_call(c, addr_req("addr.add", "lo", "10.77.0.1/24", 2), why,
				    sizeof(why)), 0);
	ck_assert_int_eq(kproc_call(c, addr_req("addr.add", "nosuchif9", "10.78.0.1/24", 1), why,
				    sizeof(why)), -ENODEV);
	ck_assert_ptr_nonnull(strstr(why, "addr.add"));
	/* a unicast route needs via or dev */
	json_t *r = msg_new("route.add", 0);
	json_object_set_new(r, "prefix", json_string("10.79.0.0/24"));
	ck_assert_int_eq(kproc_call(c, r, why, sizeof(why)), -EINVAL);
	/* staticroute's kind: dev lo, table 100, metric 3; then kept (replace false) */
	ck_assert_int_eq(system("ip link set lo up"), 0);
	r = msg_new("route.add", 0);
	json_object_set_new(r, "prefix", json_string("10.81.0.0/24"));
	json_object_set_new(r, "dev", json_string("lo"));
	json_object_set_new(r, "table", json_integer(100));
	json_object_set_new(r, "metric", json_integer(3));
	ck_assert_int_eq(kproc_call(c, r, why, sizeof(why)), 0);
	ck_assert_int_eq(shell_lines("ip route show table 100 10.81.0.0/24 metric 3"), 1);
	r = msg_new("route.add", 0);
	json_object_set_new(r, "prefix", json_string("10.81.0.0/24"));
	json_object_set_new(r, "dev", json_string("lo"));
	json_object_set_new(r, "table", json_integer(100));
	json_object_set_new(r, "metric", json_integer(3));
	json_object_set_new(r, "replace", json_false());
	ck_assert_int_eq(kproc_call(c, r, why, sizeof(why)), 0);
	r = msg_new("route.add", 0);
	json_object_set_new(r, "prefix", json_string("10.79.0.0/24"));
	json_object_set_new(r, "local", json_true());
	ck_assert_int_eq(kproc_call(c, r, why, sizeof(why)), 0);
	/* a message that fails the table is answered with an error */
	json_t *bad = msg_new("addr.add", 0);
	json_object_set_new(bad, "prefix", json_string("10.80.0.1/24"));
	ck_assert_int_eq(kproc_call(c, bad, why, sizeof(why)), -EIO);
	ck_assert_ptr_nonnull(strstr(why, "ifname"));
	/* a remove of some of ours */
	ck_assert_int_eq(kproc_call(c, addr_req("addr.del", "lo", "10.77.0.19/24", 2), why,
				    sizeof(why)), 0);
	ck_assert_int_eq(present("10.77.0.19"), 0);
	kproc_client_close(c);
	ck_assert_int_eq(stop(), 0);
	ck_assert_int_eq(present("10.77.0.1"), 0);
	ck_assert_int_eq(present("10.77.0.18"), 0);
	ck_assert_int_eq(shell_lines("ip route show table 100"), 0);
}
END_TEST

/* addr.flush: the interface's addresses go, and come back at exit. */
START_TEST(test_flush_restored)
{
	if (!start("test_flush_restored"))
		return;
	struct kproc_client *c;
	char why[200];
	struct nladdr *user;
	struct ip_prefix p;
	/* lo up: it gets 127.0.0.1 and ::1, which must come back too */
	ck_assert_int_eq(system("ip link set lo up"), 0);
	ck_assert_int_eq(present("127.0.0.1"), 1);
	ck_assert_int_eq(nladdr_open(&user), 0);
	ck_assert_int_eq(ip_prefix_parse("10.90.0.1/24", true, &p), 0);
	ck_assert_int_eq(nladdr_add(user, "lo", &p), 0);
	nladdr_close(user);
	ck_assert_int_eq(kproc_client_open(&c, url, 5000), 0);
	json_t *f = msg_new("addr.flush", 0);
	json_object_set_new(f, "ifname", json_string("lo"));
	ck_assert_int_eq(kproc_call(c, f, why, sizeof(why)), 0);
	ck_assert_int_eq(present("10.90.0.1"), 0);
	ck_assert_int_eq(present("127.0.0.1"), 0);
	ck_assert_int_eq(kproc_call(c, addr_req("addr.add", "lo", "10.90.0.7/24", 1), why,
				    sizeof(why)), 0);
	/* put_back: added, but not ours to remove at exit */
	json_t *pb = addr_req("addr.add", "lo", "10.90.0.33/24", 1);
	json_object_set_new(pb, "put_back", json_true());
	ck_assert_int_eq(kproc_call(c, pb, why, sizeof(why)), 0);
	ck_assert_int_eq(present("10.90.0.33"), 1);
	f = msg_new("addr.flush", 0);
	json_object_set_new(f, "ifname", json_string("nosuchif9"));
	ck_assert_int_eq(kproc_call(c, f, why, sizeof(why)), -ENODEV);
	kproc_client_close(c);
	ck_assert_int_eq(stop(), 0);
	ck_assert_int_eq(present("10.90.0.7"), 0);
	ck_assert_int_eq(present("10.90.0.33"), 1);
	ck_assert_int_eq(present("10.90.0.1"), 1);
	ck_assert_int_eq(present("127.0.0.1"), 1);
}
END_TEST

START_TEST(test_not_json_answered)
{
	if (!start("test_not_json_answered"))
		return;
	nng_socket s;
	char *buf = NULL;
	size_t len = 0;
	ck_assert_int_eq(nng_req0_open(&s), 0);
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 5000);
	ck_assert_int_eq(nng_dial(s, url, NULL, NNG_FLAG_NONBLOCK), 0);
	ck_assert_int_eq(nng_send(s, "{nope", 5, 0), 0);
	ck_assert_int_eq(nng_recv(s, &buf, &len, NNG_FLAG_ALLOC), 0);
	ck_assert_ptr_nonnull(memmem(buf, len, "\"ok\":false", 10));
	nng_free(buf, len);
	nng_close(s);
	ck_assert_int_eq(stop(), 0);
}
END_TEST

static Suite *kproc_suite(void)
{
	Suite *s = suite_create("kernel_kproc");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_addr_batch_and_cleanup);
	tcase_add_test(tc, test_not_json_answered);
	tcase_add_test(tc, test_flush_restored);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(kproc_suite)
