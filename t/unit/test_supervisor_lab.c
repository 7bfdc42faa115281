/* ikeswarm lab: the built-in setups equal the shipped files and load after
 * substitution; log-line counting; result parsing and the verdict; and the
 * namespace lifecycle (made, a child inside, everything removed) when root. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf/conf.h"
#include "supervisor/lab_child.h"
#include "supervisor/lab_net.h"
#include "supervisor/lab_report.h"
#include "supervisor/lab_setup.h"
#include "t/unit/tcheck.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strdup(buf);
}

START_TEST(builtin_equals_shipped)
{
	char *cl = slurp(SRCDIR "/conf/examples/lab-client.yaml");
	char *gw = slurp(SRCDIR "/conf/examples/lab-gateway.yaml");
	ck_assert_msg(strcmp(cl, lab_client_yaml) == 0,
		      "supervisor/lab_examples.c differs from conf/examples/lab-client.yaml");
	ck_assert_msg(strcmp(gw, lab_gateway_yaml) == 0,
		      "supervisor/lab_examples.c differs from conf/examples/lab-gateway.yaml");
	free(cl);
	free(gw);
}
END_TEST

/* Render, write, load with the real setup loader, check the two values. */
static void load_rendered(const char *tmpl, long n, long secs, int role)
{
	char path[] = "/tmp/iks-lab-test-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(lab_setup_write(tmpl, path, n, secs), 0);
	struct config cfg;
	struct conf_diag diag = { 0 };
	int rc = conf_load_file(path, &cfg, &diag);
	if (rc < 0)
		conf_diag_print(&diag, stderr);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(cfg.numberoftunnels, n);
	ck_assert_uint_eq(cfg.runningtime_ns, (uint64_t)secs * 1000000000ull);
	ck_assert_int_eq(cfg.role, role);
	ck_assert(cfg.mobike);
	config_free(&cfg);
	conf_diag_free(&diag);
	unlink(path);
}

START_TEST(rendered_setups_load)
{
	load_rendered(lab_client_yaml, 20, 10, ROLE_CLIENT);
	load_rendered(lab_client_yaml, 32767, 86400, ROLE_CLIENT); /* the -n/-t limits */
	load_rendered(lab_client_yaml, 1, 0, ROLE_CLIENT);
	load_rendered(lab_gateway_yaml, 200, 0, ROLE_GATEWAY);
}
END_TEST

START_TEST(render_replaces_only_top_level_lines)
{
	const char *t = "a: 1\nrunningtime: 5s\n  numberoftunnels: 9\nnumberoftunnels: 4\nz: 2";
	char *out = lab_setup_render(t, 77, 12);
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out,
			 "a: 1\nrunningtime: 12s\n  numberoftunnels: 9\nnumberoftunnels: 77\nz: 2");
	free(out);
	/* Last line without a newline. */
	out = lab_setup_render("numberoftunnels: 1\nruntime: 3\nrunningtime: 1s", 5, 0);
	ck_assert_str_eq(out, "numberoftunnels: 5\nruntime: 3\nrunningtime: 0s");
	free(out);

	errno = 0;
	ck_assert_ptr_null(lab_setup_render("numberoftunnels: 1\n", 5, 1));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(
		lab_setup_render("numberoftunnels: 1\nrunningtime: 1s\nrunningtime: 2s\n", 5, 1));
	ck_assert_int_eq(errno, EINVAL);
	/* A longer key with the same start is another key. */
	ck_assert_ptr_null(lab_setup_render("numberoftunnelsx: 1\nrunningtime: 1s\n", 5, 1));
}
END_TEST

START_TEST(log_lines)
{
	char lvl[16], ev[64];
	ck_assert(lab_log_parse("2026-11-27T10:29:07.889494Z INFO w0 t0 ike=00bc8e4a13ca9d9f "
				"tunnel.up own=10.99.0.10 peer=10.99.0.1",
				lvl, sizeof(lvl), ev, sizeof(ev)));
	ck_assert_str_eq(lvl, "INFO");
	ck_assert_str_eq(ev, "tunnel.up");
	ck_assert(lab_log_parse("2026-11-27T10:29:12.883259Z INFO w0 t- run.time.over", lvl,
				sizeof(lvl), ev, sizeof(ev)));
	ck_assert_str_eq(ev, "run.time.over");
	ck_assert(!lab_log_parse("ikeswarm: could not put the tunnel addresses on vcl", lvl,
				 sizeof(lvl), ev, sizeof(ev)));
	ck_assert(!lab_log_parse("", lvl, sizeof(lvl), ev, sizeof(ev)));
	ck_assert(!lab_log_parse("2026-11-27T10:29:12.883259Z INFO w0", lvl, sizeof(lvl), ev,
				 sizeof(ev)));

	struct lab_side s = { .name = "client" };
	const char *ts = "2026-11-27T10:29:07.889494Z";
	char line[256];
	snprintf(line, sizeof(line), "%s INFO w0 t- run.start role=client tunnels=2", ts);
	ck_assert(lab_side_take(&s, line)); /* shown */
	ck_assert(s.started);
	snprintf(line, sizeof(line), "%s INFO w0 t0 ike=01 tunnel.up own=a", ts);
	ck_assert(!lab_side_take(&s, line)); /* counted, not shown */
	ck_assert(!lab_side_take(&s, line));
	snprintf(line, sizeof(line), "%s INFO w0 t1 tunnel.failed reason=timeout", ts);
	ck_assert(lab_side_take(&s, line));
	snprintf(line, sizeof(line), "%s INFO w0 t1 ike=02 mobike.update.ok own=b", ts);
	ck_assert(!lab_side_take(&s, line));
	snprintf(line, sizeof(line), "%s INFO w0 t1 ike=02 mobike.update.failed reason=x", ts);
	ck_assert(lab_side_take(&s, line));
	snprintf(line, sizeof(line), "%s INFO w0 t1 ike=02 mobike.peerlist old=- new=a,b", ts);
	ck_assert(!lab_side_take(&s, line)); /* one per tunnel: not shown */
	snprintf(line, sizeof(line), "%s ERROR w0 t1 ike=02 child.keys.fail", ts);
	ck_assert(lab_side_take(&s, line));
	snprintf(line, sizeof(line), "%s INFO w0 t1 ike=02 child.rekeyed", ts);
	ck_assert(!lab_side_take(&s, line));
	ck_assert(lab_side_take(&s, "ikeswarm: something went wrong"));
	ck_assert_int_eq(s.up, 2);
	ck_assert_int_eq(s.failed, 1);
	ck_assert_int_eq(s.moves, 1);
	ck_assert_int_eq(s.rekeys, 1);
}
END_TEST

START_TEST(results)
{
	struct lab_result r;
	const char *good = "noise\n{\"role\":\"client\",\"configured\":20,\"created\":20,"
			   "\"failed\":0,\"setup_rate\":91.6,\"duration_s\":5.002,"
			   "\"states\":{\"closed\":20},\"retransmits\":3,\"result\":\"pass\"}\n";
	ck_assert_int_eq(lab_result_parse(good, &r), 0);
	ck_assert(r.have);
	ck_assert_str_eq(r.role, "client");
	ck_assert_int_eq(r.created, 20);
	ck_assert_int_eq(r.retransmits, 3);
	ck_assert(r.setup_rate > 91.5 && r.setup_rate < 91.7);
	ck_assert(lab_result_ok(&r, 20));
	ck_assert(!lab_result_ok(&r, 21)); /* a different count than asked */
	ck_assert_int_eq(r.mobike_ok, -1); /* no "mobike" object */
	ck_assert_int_eq(lab_result_parse("{\"configured\":2,\"created\":2,\"result\":\"pass\","
					  "\"mobike\":{\"updates_ok\":7,\"updates_failed\":1}}",
					  &r), 0);
	ck_assert_int_eq(r.mobike_ok, 7);
	ck_assert_int_eq(r.mobike_failed, 1);

	const char *fail = "{\"role\":\"gateway\",\"configured\":20,\"created\":19,"
			   "\"failed\":1,\"result\":\"fail\"}";
	ck_assert_int_eq(lab_result_parse(fail, &r), 0);
	ck_assert(!lab_result_ok(&r, 20));
	/* "pass" with too few created is still not a pass for the lab. */
	ck_assert_int_eq(lab_result_parse("{\"configured\":20,\"created\":19,"
					  "\"result\":\"pass\"}", &r), 0);
	ck_assert(!lab_result_ok(&r, 20));

	ck_assert_int_eq(lab_result_parse(NULL, &r), -1);
	ck_assert_int_eq(lab_result_parse("", &r), -1);
	ck_assert_int_eq(lab_result_parse("{\"role\":\"client\",", &r), -1);
	ck_assert(!r.have);
	ck_assert_int_eq(lab_result_parse("{\"role\":\"client\"}", &r), -1);

	char buf[512];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	lab_result_parse(good, &r);
	lab_result_print(f, "client", &r, 0, NULL);
	lab_result_parse("", &r);
	lab_result_print(f, "gateway", &r, 9, NULL); /* killed by SIGKILL */
	lab_result_print(f, "gateway", &r, -1, NULL);
	fclose(f);
	ck_assert_msg(strstr(buf, "client   pass  20 of 20 tunnels created, 0 failed"), "%s", buf);
	ck_assert_msg(strstr(buf, "gateway  no result: killed by signal 9"), "%s", buf);
	ck_assert_msg(strstr(buf, "gateway  no result: it did not run"), "%s", buf);
}
END_TEST

/* The namespaces: made with the veth inside, a child runs in one, then
 * lab_net_down kills it and leaves nothing. */
START_TEST(namespace_lifecycle)
{
	if (geteuid() != 0) {
		printf("SKIP: namespace_lifecycle: needs root\n");
		return;
	}
	char *ipv[] = { "ip", "-V", NULL };
	if (lab_run_cmd(ipv) != 0) {
		printf("SKIP: namespace_lifecycle: no ip(8)\n");
		return;
	}
	struct lab_net n;
	lab_net_names(&n, getpid());
	ck_assert(strncmp(n.gw, "iks-lab-gw-", 11) == 0);
	ck_assert(strncmp(n.cl, "iks-lab-cl-", 11) == 0);
	ck_assert_int_eq(lab_net_up(&n, stderr), 0);
	ck_assert(lab_ns_exists(n.gw) && lab_ns_exists(n.cl));
	ck_assert(n.gw_made && n.cl_made);

	/* The client side reaches the gateway's address across the veth:
	 * ping is not assumed; `ip route get` inside the client namespace
	 * must pick vcl, and the gateway has the route to the tunnels. */
	char *rg[] = { "ip", "-n", n.cl, "route", "get", "10.99.0.1", NULL };
	ck_assert_int_eq(lab_run_cmd(rg), 0);
	char *rt[] = { "ip", "-n", n.gw, "route", "get", "10.98.0.7", NULL };
	ck_assert_int_eq(lab_run_cmd(rt), 0);
	/* The permanent neighbour entries are there (grep exits 0 on a match). */
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "ip -n %s neigh show 10.99.0.254 | grep -q 'PERMANENT' && "
		 "ip -n %s neigh show 10.99.0.2 | grep -q '%s.*PERMANENT'", n.gw, n.cl,
		 LAB_GW_MAC);
	char *sh_neigh[] = { "sh", "-c", cmd, NULL };
	ck_assert_int_eq(lab_run_cmd(sh_neigh), 0);

	/* A shell inside the gateway namespace checks the sysctls the lab
	 * set there, says ok, and sleeps until lab_net_down kills it. */
	struct lab_child c;
	lab_child_init(&c, "gw");
	const char *sh[] = { "sh", "-c",
		       "test \"$(cat /proc/sys/net/ipv4/conf/vgw/rp_filter)\" = 0 && "
		       "test \"$(cat /proc/sys/net/ipv4/conf/vgw/promote_secondaries)\" = 1 && "
		       "echo ok && exec sleep 30",
		       NULL };
	ck_assert_int_eq(lab_child_spawn(&c, n.gw, "/", "/bin/sh", sh), 0);
	for (int i = 0; i < 100 && !(c.out && strstr(c.out, "ok")); i++) {
		usleep(20 * 1000);
		lab_child_read(&c, c.fd_out, NULL, NULL);
	}
	ck_assert_msg(c.out && strstr(c.out, "ok"), "sysctls in the namespace not as set");
	ck_assert_int_eq(lab_ns_signal_all(n.gw, 0), 1);
	ck_assert_int_eq(lab_ns_signal_all(n.cl, 0), 0);

	ck_assert_int_eq(lab_net_down(&n, stderr), 0);
	ck_assert(!lab_ns_exists(n.gw) && !lab_ns_exists(n.cl));
	ck_assert(!n.gw_made && !n.cl_made);
	int status;
	ck_assert_int_eq(waitpid(c.pid, &status, 0), c.pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	c.reaped = true;
	lab_child_free(&c);
}
END_TEST

static Suite *lab_suite(void)
{
	Suite *s = suite_create("supervisor_lab");
	TCase *tc = tcase_create("lab");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, builtin_equals_shipped);
	tcase_add_test(tc, rendered_setups_load);
	tcase_add_test(tc, render_replaces_only_top_level_lines);
	tcase_add_test(tc, log_lines);
	tcase_add_test(tc, results);
	tcase_add_test(tc, namespace_lifecycle);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(lab_suite)
