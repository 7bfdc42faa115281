/* The event log writer (see log.h). */
#include <stdarg.h>
#include <stdbool.h>
#include <time.h>

#include "worker/log.h"

static const char *const level_names[] = {
	[WLOG_ERROR] = "ERROR", [WLOG_INFO] = "INFO", [WLOG_VERBOSE] = "VERB",
	[WLOG_DEBUG] = "DEBUG", [WLOG_TRACE] = "TRACE",
};

const char *wlog_q(const char *v, char buf[WLOG_QLEN])
{
	bool plain = v && *v;
	for (const char *p = v; plain && *p; p++)
		if (*p == ' ' || *p == '"' || *p == '\\' || (unsigned char)*p < 0x20 || *p == 0x7f)
			plain = false;
	if (plain)
		return v;
	size_t n = 0;
	buf[n++] = '"';
	for (const char *p = v ? v : ""; *p && n < WLOG_QLEN - 6; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"' || c == '\\') {
			buf[n++] = '\\';
			buf[n++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			n += (size_t)snprintf(buf + n, WLOG_QLEN - n, "\\x%02x", c);
		} else {
			buf[n++] = (char)c;
		}
	}
	buf[n++] = '"';
	buf[n] = 0;
	return buf;
}

void wlog_init(struct wlog *l, FILE *out, int level, int worker)
{
	l->out = out;
	l->level = level;
	l->worker = worker;
	l->sink = NULL;
	l->sink_arg = NULL;
}

void wlog_event(const struct wlog *l, enum wlog_level level, int tunnel, uint64_t ike_spi,
		const char *event, const char *fmt, ...)
{
	if (!wlog_enabled(l, level))
		return;
	if (l->sink) {
		char tail[480] = "";
		if (fmt) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(tail, sizeof(tail), fmt, ap);
			va_end(ap);
		}
		l->sink(l->sink_arg, level, tunnel, ike_spi, event, tail);
		return;
	}
	struct timespec ts;
	struct tm tm;
	char when[32];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);

	char tun[16] = "t-";
	if (tunnel >= 0)
		snprintf(tun, sizeof(tun), "t%d", tunnel);
	/* One fprintf per part into a line-buffered stream: build the line
	 * first so concurrent writers never interleave inside a line. */
	char line[512];
	int n = snprintf(line, sizeof(line), "%s.%06ldZ %s w%d %s", when, ts.tv_nsec / 1000,
			 level_names[level], l->worker, tun);
	if (ike_spi && n < (int)sizeof(line))
		n += snprintf(line + n, sizeof(line) - n, " ike=%016llx",
			      (unsigned long long)ike_spi);
	if (n < (int)sizeof(line))
		n += snprintf(line + n, sizeof(line) - n, " %s", event);
	if (fmt && n < (int)sizeof(line) - 1) {
		line[n++] = ' ';
		va_list ap;
		va_start(ap, fmt);
		n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
		va_end(ap);
	}
	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;
	fprintf(l->out, "%.*s\n", n, line);
}
