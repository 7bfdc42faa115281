/* Lab progress counts and result lines, from the children's logs and JSON. */
#include <jansson.h>
#include <stdarg.h>
#include <string.h>
#include <sys/wait.h>

#include "supervisor/lab_report.h"

void lab_say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("[lab] ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
	fflush(stdout);
}

/* Copy the next space-separated word of *p into out (truncated); false at
 * the end of the line. */
static bool word(const char **p, char *out, size_t sz)
{
	const char *s = *p;
	while (*s == ' ')
		s++;
	size_t n = strcspn(s, " ");
	if (n == 0)
		return false;
	if (sz) {
		size_t k = n < sz - 1 ? n : sz - 1;
		memcpy(out, s, k);
		out[k] = '\0';
	}
	*p = s + n;
	return true;
}

bool lab_log_parse(const char *line, char *level, size_t level_sz, char *event,
		   size_t event_sz)
{
	char w[64];
	const char *p = line;
	/* 2026-11-27T09:40:01.123456Z */
	if (!word(&p, w, sizeof(w)) || strlen(w) < 20 || w[4] != '-' || w[10] != 'T' ||
	    w[strlen(w) - 1] != 'Z')
		return false;
	if (!word(&p, level, level_sz))
		return false;
	if (!word(&p, w, sizeof(w)) || w[0] != 'w')
		return false;
	if (!word(&p, w, sizeof(w)) || w[0] != 't')
		return false;
	if (!word(&p, event, event_sz))
		return false;
	if (strncmp(event, "ike=", 4) == 0 && !word(&p, event, event_sz))
		return false;
	return true;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && strcmp(s + n - t, tail) == 0;
}

bool lab_side_take(struct lab_side *s, const char *line)
{
	char level[16], ev[64];
	if (!lab_log_parse(line, level, sizeof(level), ev, sizeof(ev)))
		return *line != '\0';
	if (strcmp(ev, "tunnel.up") == 0)
		s->up++;
	else if (strcmp(ev, "tunnel.failed") == 0)
		s->failed++;
	else if (strcmp(ev, "mobike.update.ok") == 0)
		s->moves++;
	else if (strcmp(ev, "ike.rekeyed") == 0 || strcmp(ev, "child.rekeyed") == 0)
		s->rekeys++;
	else if (strcmp(ev, "run.start") == 0)
		s->started = true;
	return strcmp(level, "ERROR") == 0 || strncmp(ev, "run.", 4) == 0 ||
	       strcmp(ev, "stop") == 0 || strcmp(ev, "signal") == 0 || ends_with(ev, ".failed");
}

static long jlong(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_number(v) ? (long)json_number_value(v) : -1;
}

int lab_result_parse(const char *out, struct lab_result *r)
{
	memset(r, 0, sizeof(*r));
	if (!out)
		return -1;
	/* The last line that starts with '{'. */
	const char *last = NULL;
	for (const char *p = out; p && *p; ) {
		if (*p == '{')
			last = p;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!last)
		return -1;
	size_t len = strcspn(last, "\n");
	json_t *o = json_loadb(last, len, 0, NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		return -1;
	}
	const char *role = json_string_value(json_object_get(o, "role"));
	const char *res = json_string_value(json_object_get(o, "result"));
	snprintf(r->role, sizeof(r->role), "%s", role ? role : "?");
	snprintf(r->result, sizeof(r->result), "%s", res ? res : "?");
	r->configured = jlong(o, "configured");
	r->created = jlong(o, "created");
	r->failed = jlong(o, "failed");
	r->retransmits = jlong(o, "retransmits");
	r->ike_rekeyed = jlong(o, "ike_rekeyed");
	r->child_rekeyed = jlong(o, "child_rekeyed");
	json_t *mob = json_object_get(o, "mobike");
	r->mobike_ok = json_is_object(mob) ? jlong(mob, "updates_ok") : -1;
	r->mobike_failed = json_is_object(mob) ? jlong(mob, "updates_failed") : -1;
	json_t *v = json_object_get(o, "setup_rate");
	r->setup_rate = json_is_number(v) ? json_number_value(v) : 0;
	v = json_object_get(o, "duration_s");
	r->duration_s = json_is_number(v) ? json_number_value(v) : 0;
	r->have = res && r->configured >= 0 && r->created >= 0;
	json_decref(o);
	return r->have ? 0 : -1;
}

bool lab_result_ok(const struct lab_result *r, long tunnels)
{
	return r->have && strcmp(r->result, "pass") == 0 && r->configured == tunnels &&
	       r->created >= tunnels;
}

void lab_result_print(FILE *f, const char *name, const struct lab_result *r, int status,
		      const struct lab_side *s)
{
	if (!r->have) {
		fprintf(f, "%-8s no result: ", name);
		if (status == -1)
			fprintf(f, "it did not run\n");
		else if (WIFSIGNALED(status))
			fprintf(f, "killed by signal %d\n", WTERMSIG(status));
		else
			fprintf(f, "exited with status %d\n", WEXITSTATUS(status));
		return;
	}
	fprintf(f, "%-8s %s  %ld of %ld tunnels created, %ld failed, %.1f tunnels/s, %.1f s",
		name, r->result, r->created, r->configured, r->failed, r->setup_rate,
		r->duration_s);
	if (r->retransmits > 0)
		fprintf(f, ", %ld retransmits", r->retransmits);
	if (r->ike_rekeyed > 0 || r->child_rekeyed > 0)
		fprintf(f, ", rekeys %ld IKE %ld CHILD", r->ike_rekeyed, r->child_rekeyed);
	if (r->mobike_ok > 0 || r->mobike_failed > 0)
		fprintf(f, ", MOBIKE updates %ld ok %ld failed", r->mobike_ok,
			r->mobike_failed > 0 ? r->mobike_failed : 0);
	else if (s && s->moves > 0)
		fprintf(f, ", %ld MOBIKE moves", s->moves);
	fputc('\n', f);
}
