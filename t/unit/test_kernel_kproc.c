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
	json_t *r = msg_new("route.add", 0);
	json_object_set_new(r, "prefix", json_string("10.79.0.0/24"));
	ck_assert_int_eq(kproc_call(c, r, why, sizeof(why)), -EOPNOTSUPP);
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
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(kproc_suite)
