/* ikeswarm cli [--svr ADDR] [--timeout SEC] [CMD [ARGS]]
 * ikeswarm cli [--svr ADDR] events [--level N] [--keyword K] [--follow | [--count N]
 *                                  [--for SEC]]
 *
 * The control socket's client: one-shot (prints the reply as one line of
 * JSON, for scripts) or an interactive shell reading commands from stdin.
 * Commands and their arguments come from the message table (lib/msg.c):
 * positional arguments fill the command's keys in table order. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/req.h>

#include "lib/msg.h"
#include "supervisor/cmd.h"
#include "supervisor/control.h"

enum { CLI_OK = 0, CLI_REPLY_ERROR = 1, CLI_USAGE = 2, CLI_NO_ANSWER = 3 };

#define CLI_MAX_ARGS 16

/* How each command's arguments read on the command line. */
static const struct {
	const char *cmd, *args;
} arg_usage[] = {
	{ "list", "[START [LEN]]" }, { "listchild", "[START [LEN]]" },
	{ "dump", "IKE-SPI" },       { "dumpchild", "CHILD-SPI" },
	{ "rekeychild", "CHILD-SPI" }, { "stop", "[graceful|now]" },
	{ "log", "LEVEL [KEYWORD]" },  { "subscribe", "[LEVEL [KEYWORD]]" },
};

static const char *args_of(const char *cmd)
{
	for (size_t i = 0; i < sizeof(arg_usage) / sizeof(arg_usage[0]); i++)
		if (strcmp(arg_usage[i].cmd, cmd) == 0)
			return arg_usage[i].args;
	return "";
}

static void print_commands(FILE *f)
{
	fprintf(f, "commands:\n");
	for (const struct msg_type *t = msg_types; t->name; t++) {
		if (t->dir != MSG_CMD || !strncmp(t->help, "(internal)", 10))
			continue;
		char syn[64];
		snprintf(syn, sizeof(syn), "%s %s", t->name, args_of(t->name));
		fprintf(f, "  %-28s %s\n", syn, t->help);
	}
	fprintf(f, "  %-28s %s\n", "events [OPTIONS]",
		"print event lines as they happen: --level N, --keyword K,");
	fprintf(f, "  %-28s %s\n", "", "--follow (until Ctrl-C or the run ends; the default),");
	fprintf(f, "  %-28s %s\n", "", "--count N, --for SEC (stop after)");
	fprintf(f, "  %-28s %s\n", "help", "this list");
	fprintf(f, "  %-28s %s\n", "quit", "leave the shell");
}

/* One positional argument as the JSON value of key k; NULL when it does
 * not fit (the caller says what was expected). */
static json_t *arg_value(const struct msg_key *k, const char *s)
{
	json_t *v = NULL;
	switch (k->vtype) {
	case MV_INT:
	case MV_UINT:
	case MV_LEVEL:
	case MV_PORT: {
		char *end;
		errno = 0;
		long long n = strtoll(s, &end, 10);
		if (*s && !*end && errno == 0)
			v = json_integer(n);
		break;
	}
	case MV_BOOL:
		if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "graceful"))
			v = json_true();
		else if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "now"))
			v = json_false();
		break;
	case MV_OBJ:
	case MV_COUNTERS:
	case MV_FIELDS:
		v = json_loads(s, 0, NULL);
		break;
	default:
		v = json_string(s);
	}
	if (v && !msg_value_ok(v, k->vtype)) {
		json_decref(v);
		v = NULL;
	}
	return v;
}

/* Build {"cmd": ..., keys...} from words; NULL with a message on err. */
static json_t *build_request(int n, char **w, FILE *err)
{
	const struct msg_type *t = msg_type_find(w[0]);
	if (!t || t->dir != MSG_CMD) {
		fprintf(err, "ikeswarm cli: unknown command '%s' (try 'help')\n", w[0]);
		return NULL;
	}
	json_t *req = json_object();
	json_object_set_new(req, "cmd", json_string(t->name));
	int i = 1;
	for (const struct msg_key *k = t->keys; k < t->keys + MSG_MAX_KEYS && k->name; k++) {
		if (i >= n) {
			if (!k->required)
				break;
			fprintf(err, "ikeswarm cli: %s needs %s (usage: %s %s)\n", t->name,
				k->name, t->name, args_of(t->name));
			goto fail;
		}
		json_t *v = arg_value(k, w[i]);
		if (!v) {
			fprintf(err, "ikeswarm cli: %s: '%s' is not %s for %s\n", t->name, w[i],
				msg_vtype_text(k->vtype), k->name);
			goto fail;
		}
		json_object_set_new(req, k->name, v);
		i++;
	}
	if (i < n) {
		fprintf(err, "ikeswarm cli: %s: too many arguments (usage: %s %s)\n", t->name,
			t->name, args_of(t->name));
		goto fail;
	}
	char why[MSG_WHY_LEN];
	if (msg_check_cmd(req, NULL, why, sizeof(why))) {
		fprintf(err, "ikeswarm cli: %s\n", why);
		goto fail;
	}
	return req;
fail:
	json_decref(req);
	return NULL;
}

/* "tcp://..." and "ipc://..." as given; "HOST:PORT", "[V6]:PORT" and "HOST"
 * (port 12330) become tcp://. */
static int server_url(const char *svr, char *buf, size_t size)
{
	int n;
	if (strstr(svr, "://"))
		n = snprintf(buf, size, "%s", svr);
	else if (svr[0] == '[' ? strstr(svr, "]:") != NULL
			       : (strchr(svr, ':') && strchr(svr, ':') == strrchr(svr, ':')))
		n = snprintf(buf, size, "tcp://%s", svr);
	else if (strchr(svr, ':'))
		n = snprintf(buf, size, "tcp://[%s]:%d", svr, CONTROL_DEFAULT_PORT);
	else
		n = snprintf(buf, size, "tcp://%s:%d", svr, CONTROL_DEFAULT_PORT);
	return n > 0 && (size_t)n < size ? 0 : -ENOSPC;
}

struct conn {
	nng_socket sock;
	char url[300];
	double timeout_s;
};

static int conn_open(struct conn *c, FILE *err)
{
	int rv = nng_req0_open(&c->sock);
	if (rv) {
		fprintf(err, "ikeswarm cli: %s\n", nng_strerror(rv));
		return CLI_NO_ANSWER;
	}
	nng_duration ms = (nng_duration)(c->timeout_s * 1000);
	/* no resend: stop and rekeychild are not idempotent */
	nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_ms(c->sock, NNG_OPT_SENDTIMEO, ms);
	nng_socket_set_ms(c->sock, NNG_OPT_RECVTIMEO, ms);
	nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ, 64 * 1024 * 1024);
	if (strncmp(c->url, "ipc://", 6) == 0) {
		struct stat sb;
		if (stat(c->url + 6, &sb) < 0) {
			fprintf(err, "ikeswarm cli: %s: %s (is a run listening there?)\n", c->url,
				strerror(errno));
			nng_close(c->sock);
			return CLI_NO_ANSWER;
		}
	}
	/* non-blocking: connects in the background and retries; the
	 * receive timeout bounds the whole exchange */
	rv = nng_dial(c->sock, c->url, NULL, NNG_FLAG_NONBLOCK);
	if (rv) {
		fprintf(err, "ikeswarm cli: cannot use '%s': %s\n", c->url, nng_strerror(rv));
		nng_close(c->sock);
		return rv == NNG_EADDRINVAL || rv == NNG_ENOTSUP ? CLI_USAGE : CLI_NO_ANSWER;
	}
	return CLI_OK;
}

/* Send req, wait for the answer.  *answer is the checked reply or error
 * object; returns CLI_OK, CLI_REPLY_ERROR or CLI_NO_ANSWER. */
static int exchange(struct conn *c, const json_t *req, json_t **answer, FILE *err)
{
	*answer = NULL;
	int rc = msg_send(c->sock, req, 0);
	if (rc == -ETIMEDOUT) { /* not even connected */
		fprintf(err, "ikeswarm cli: no answer from %s within %g s "
			"(is a run listening there?)\n", c->url, c->timeout_s);
		return CLI_NO_ANSWER;
	}
	if (rc) {
		fprintf(err, "ikeswarm cli: cannot send to %s: %s\n", c->url, strerror(-rc));
		return CLI_NO_ANSWER;
	}
	const struct msg_type *t;
	char why[MSG_WHY_LEN];
	rc = msg_recv(c->sock, 0, answer, &t, why, sizeof(why));
	if (rc == -ETIMEDOUT) {
		fprintf(err, "ikeswarm cli: no answer from %s within %g s "
			"(is a run listening there?)\n", c->url, c->timeout_s);
		return CLI_NO_ANSWER;
	}
	if (rc == -EBADMSG) {
		fprintf(err, "ikeswarm cli: bad answer from %s: %s\n", c->url, why);
		return CLI_NO_ANSWER;
	}
	if (rc) {
		fprintf(err, "ikeswarm cli: %s: %s\n", c->url, strerror(-rc));
		return CLI_NO_ANSWER;
	}
	if (t->dir != MSG_ANSWER) {
		fprintf(err, "ikeswarm cli: bad answer from %s: a '%s' message\n", c->url,
			t->name);
		json_decref(*answer);
		*answer = NULL;
		return CLI_NO_ANSWER;
	}
	return strcmp(t->name, "reply") == 0 && json_is_true(json_object_get(*answer, "ok"))
		       ? CLI_OK
		       : CLI_REPLY_ERROR;
}

static int one_shot(struct conn *c, int n, char **w, FILE *out, FILE *err)
{
	if (strcmp(w[0], "help") == 0) {
		print_commands(out);
		return CLI_OK;
	}
	json_t *req = build_request(n, w, err);
	if (!req)
		return CLI_USAGE;
	int rc = conn_open(c, err);
	if (rc == CLI_OK) {
		json_t *answer;
		rc = exchange(c, req, &answer, err);
		if (answer) {
			char *s = json_dumps(answer, JSON_COMPACT | JSON_PRESERVE_ORDER);
			fprintf(out, "%s\n", s ? s : "{}");
			free(s);
			json_decref(answer);
		}
		nng_close(c->sock);
	}
	json_decref(req);
	return rc;
}

/* ---- events: subscribe, then print what the PUB socket sends ---- */

static volatile sig_atomic_t events_stop;

static void on_events_signal(int sig)
{
	(void)sig;
	events_stop = 1;
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "events" and its options: level, keyword, follow, count (0: no limit),
 * for_s (0: none).  Without count and for_s it follows. */
struct events_args {
	int level;
	const char *keyword;
	bool follow;
	long count;
	double for_s;
};

static int events_args(int n, char **w, struct events_args *a, FILE *err)
{
	*a = (struct events_args){ .level = 2 };
	for (int i = 1; i < n; i++) {
		char *end = NULL;
		if (!strcmp(w[i], "--follow") || !strcmp(w[i], "-f")) {
			a->follow = true;
			continue;
		}
		if (i + 1 >= n)
			goto usage;
		if (!strcmp(w[i], "--level")) {
			a->level = (int)strtol(w[++i], &end, 10);
			if (*end || a->level < 1 || a->level > 5)
				goto usage;
		} else if (!strcmp(w[i], "--keyword")) {
			a->keyword = w[++i];
		} else if (!strcmp(w[i], "--count")) {
			a->count = strtol(w[++i], &end, 10);
			if (*end || a->count < 1)
				goto usage;
		} else if (!strcmp(w[i], "--for")) {
			a->for_s = strtod(w[++i], &end);
			if (*end || !(a->for_s > 0))
				goto usage;
		} else {
			goto usage;
		}
	}
	if (a->follow && (a->count || a->for_s)) {
		fprintf(err, "ikeswarm cli: events: --follow does not stop after --count or --for\n");
		goto usage;
	}
	return 0;
usage:
	fprintf(err, "ikeswarm cli: usage: events [--level 1-5] [--keyword K] "
		"[--follow | [--count N] [--for SEC]]\n");
	return -1;
}

static json_t *subscribe_req(const struct events_args *a)
{
	json_t *req = json_object();
	json_object_set_new(req, "cmd", json_string("subscribe"));
	json_object_set_new(req, "level", json_integer(a->level));
	if (a->keyword)
		json_object_set_new(req, "keyword", json_string(a->keyword));
	return req;
}

/* The SUB socket's connections to the run's PUB socket, counted from nng's
 * own threads: when the last one went and none came back within
 * EVENTS_GONE_S, the run has gone (a supervisor closes its PUB socket only
 * when it exits). */
#define EVENTS_GONE_S 1.0

static int sub_pipes, sub_had_pipe;

static void on_sub_pipe(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	(void)p;
	(void)arg;
	if (ev == NNG_PIPE_EV_ADD_POST) {
		__atomic_add_fetch(&sub_pipes, 1, __ATOMIC_SEQ_CST);
		__atomic_store_n(&sub_had_pipe, 1, __ATOMIC_SEQ_CST);
	} else if (ev == NNG_PIPE_EV_REM_POST) {
		__atomic_sub_fetch(&sub_pipes, 1, __ATOMIC_SEQ_CST);
	}
}

/* Print one "<level digit> <line>" message when it has the keyword after
 * its time field, as the run's own filters look; true when printed. */
static bool print_event(const char *buf, size_t sz, const char *keyword, FILE *out)
{
	if (sz < 2 || buf[1] != ' ')
		return false;
	const char *line = buf + 2;
	const char *body = memchr(line, ' ', sz - 2);
	size_t blen = body ? sz - 2 - (size_t)(body + 1 - line) : 0;
	if (keyword && !(body && memmem(body + 1, blen, keyword, strlen(keyword))))
		return false;
	fprintf(out, "%.*s\n", (int)(sz - 2), line);
	fflush(out);
	return true;
}

/* Subscribe over c (open: the shell's; else opened and closed here) and
 * print lines until --count, --for, SIGINT/SIGTERM, or the run ends. */
static int cli_events(struct conn *c, bool c_open, int n, char **w, FILE *out, FILE *err)
{
	struct events_args a;
	nng_socket sub = NNG_SOCKET_INITIALIZER;
	if (events_args(n, w, &a, err) < 0)
		return CLI_USAGE;
	json_t *req = subscribe_req(&a), *answer = NULL;
	/* Before the subscribe exchange: a SIGINT while it waits on a slow
	 * server must still stop us (a background job inherits SIGINT ignored,
	 * so one that came before this would be lost). */
	struct sigaction sa = { .sa_handler = on_events_signal }, old_int, old_term;
	events_stop = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	int rc = c_open ? CLI_OK : conn_open(c, err);
	if (rc != CLI_OK)
		goto out;
	rc = exchange(c, req, &answer, err);
	if (rc == CLI_REPLY_ERROR)
		fprintf(err, "ikeswarm cli: %s\n",
			json_string_value(json_object_get(answer, "error")) ?: "?");
	const char *url = json_string_value(json_object_get(answer, "url"));
	if (rc != CLI_OK || !url)
		goto out;
	sub_pipes = sub_had_pipe = 0;
	int rv = nng_sub0_open(&sub);
	for (int l = 1; !rv && l <= a.level; l++) {
		char topic = (char)('0' + l);
		rv = nng_socket_set(sub, NNG_OPT_SUB_SUBSCRIBE, &topic, 1);
	}
	if (!rv)
		rv = nng_socket_set_ms(sub, NNG_OPT_RECVTIMEO, 200);
	if (!rv)
		rv = nng_pipe_notify(sub, NNG_PIPE_EV_ADD_POST, on_sub_pipe, NULL);
	if (!rv)
		rv = nng_pipe_notify(sub, NNG_PIPE_EV_REM_POST, on_sub_pipe, NULL);
	if (!rv)
		rv = nng_dial(sub, url, NULL, NNG_FLAG_NONBLOCK);
	if (rv) {
		fprintf(err, "ikeswarm cli: events at %s: %s\n", url, nng_strerror(rv));
		rc = CLI_NO_ANSWER;
		goto out;
	}
	double start = mono_s(), renew = start, lost = 0;
	double lease = (double)json_integer_value(json_object_get(answer, "lease_s"));
	long printed = 0;
	while (!events_stop && (!a.count || printed < a.count) &&
	       (!a.for_s || mono_s() - start < a.for_s)) {
		double now = mono_s();
		if (__atomic_load_n(&sub_had_pipe, __ATOMIC_SEQ_CST) &&
		    !__atomic_load_n(&sub_pipes, __ATOMIC_SEQ_CST)) {
			if (!lost)
				lost = now;
			else if (now - lost >= EVENTS_GONE_S) {
				fprintf(err, "ikeswarm cli: events: the run at %s has gone\n", url);
				break;
			}
		} else {
			lost = 0;
		}
		if (lease > 0 && now - renew > lease / 3) {
			json_t *again = NULL;
			if (exchange(c, req, &again, err) == CLI_NO_ANSWER) {
				json_decref(again);
				break; /* the run is gone */
			}
			json_decref(again);
			renew = mono_s();
		}
		char *buf;
		size_t sz;
		rv = nng_recv(sub, &buf, &sz, NNG_FLAG_ALLOC);
		if (rv == NNG_ETIMEDOUT)
			continue;
		if (rv)
			break;
		printed += print_event(buf, sz, a.keyword, out);
		nng_free(buf, sz);
	}
	rc = CLI_OK;
out:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (nng_socket_id(sub) > 0)
		nng_close(sub);
	if (!c_open && rc != CLI_USAGE && nng_socket_id(c->sock) > 0)
		nng_close(c->sock);
	json_decref(answer);
	json_decref(req);
	return rc;
}

static int split_words(char *line, char **w, int max)
{
	int n = 0;
	for (char *tok = strtok(line, " \t\r\n"); tok; tok = strtok(NULL, " \t\r\n")) {
		if (n == max)
			return -1;
		w[n++] = tok;
	}
	return n;
}

static int shell(struct conn *c, FILE *in, FILE *out, FILE *err)
{
	bool tty = isatty(fileno(in));
	int rc = conn_open(c, err);
	if (rc != CLI_OK)
		return rc;
	char *line = NULL;
	size_t cap = 0;
	for (;;) {
		if (tty) {
			fprintf(out, "ikeswarm> ");
			fflush(out);
		}
		if (getline(&line, &cap, in) < 0)
			break;
		char *w[CLI_MAX_ARGS];
		int n = split_words(line, w, CLI_MAX_ARGS);
		if (n < 0) {
			fprintf(err, "ikeswarm cli: too many words\n");
			continue;
		}
		if (n == 0 || w[0][0] == '#')
			continue;
		if (!strcmp(w[0], "quit") || !strcmp(w[0], "exit"))
			break;
		if (!strcmp(w[0], "help") || !strcmp(w[0], "?")) {
			print_commands(out);
			continue;
		}
		if (!strcmp(w[0], "events")) {
			cli_events(c, true, n, w, out, err); /* Ctrl-C: back to the prompt */
			continue;
		}
		json_t *req = build_request(n, w, err), *answer = NULL;
		if (!req)
			continue;
		int r = exchange(c, req, &answer, err);
		if (r == CLI_OK) {
			char *s = json_dumps(answer, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
			fprintf(out, "%s\n", s ? s : "{}");
			free(s);
		} else if (r == CLI_REPLY_ERROR) {
			fprintf(out, "error: %s\n",
				json_string_value(json_object_get(answer, "error")) ?: "?");
		}
		json_decref(answer);
		json_decref(req);
		fflush(out);
	}
	free(line);
	nng_close(c->sock);
	return CLI_OK;
}

int cli_main(int argc, char **argv, FILE *in, FILE *out, FILE *err)
{
	struct conn c = { .timeout_s = 5 };
	const char *svr = CONTROL_DEFAULT_URL;
	int i = 1;
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--svr") && i + 1 < argc) {
			svr = argv[++i];
		} else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			char *end;
			c.timeout_s = strtod(argv[++i], &end);
			if (*end || !(c.timeout_s > 0 && c.timeout_s <= 3600)) {
				fprintf(err, "ikeswarm cli: --timeout wants seconds (0-3600]\n");
				return CLI_USAGE;
			}
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fprintf(out, "usage: %s", cmd_find("cli")->usage);
			print_commands(out);
			return CLI_OK;
		} else if (argv[i][0] == '-') {
			fprintf(err, "ikeswarm cli: unknown option '%s'\n", argv[i]);
			return CLI_USAGE;
		} else {
			break;
		}
	}
	if (server_url(svr, c.url, sizeof(c.url))) {
		fprintf(err, "ikeswarm cli: server address too long\n");
		return CLI_USAGE;
	}
	if (i < argc && !strcmp(argv[i], "events"))
		return cli_events(&c, false, argc - i, argv + i, out, err);
	if (i < argc)
		return one_shot(&c, argc - i, argv + i, out, err);
	return shell(&c, in, out, err);
}

int cmd_cli(int argc, char **argv)
{
	return cli_main(argc, argv, stdin, stdout, stderr);
}
