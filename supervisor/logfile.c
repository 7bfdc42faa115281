/* The run's log file (see logfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/msg.h"
#include "supervisor/logfile.h"

/* A growable byte buffer (lines being built; the in-memory log). */
struct buf {
	char *p;
	size_t len, cap;
};

struct logfile {
	char *path, *prev_path;
	int fd;
	int level;
	char *keyword;
	uint64_t cap;
	uint64_t size;      /* bytes in the current file (or cur buffer) */
	bool in_mem;
	struct buf cur, prev; /* in_mem: the current file and PATH.prev */
	struct buf line;
	/* Between logfile_batch_begin and _end (a worker's events message):
	 * whole lines waiting for one write() at the end. */
	bool batching;
	struct buf pend;
	uint64_t pend_lines;
	struct logfile_stats st;
};

static int buf_reserve(struct buf *b, size_t need)
{
	if (b->cap >= need)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

static int buf_append(struct buf *b, const char *s, size_t n)
{
	int rc = buf_reserve(b, b->len + n);
	if (rc)
		return rc;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return 0;
}

/* Bounded appender for log_format: counts what it could not store. */
struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len < o->size) {
		size_t room = o->size - o->len;
		memcpy(o->buf + o->len, s, n < room ? n : room);
	}
	o->len += n;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* Decimal v, at least width digits (zero padded): the fixed fields of
 * every line without printf (the supervisor formats every event). */
static void put_dec(struct out *o, uint64_t v, int width)
{
	char b[24];
	int n = 0;
	do {
		b[sizeof(b) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v || n < width);
	put(o, b + sizeof(b) - n, (size_t)n);
}

static void put_hex16(struct out *o, uint64_t v)
{
	char b[16];
	for (int i = 15; i >= 0; i--, v >>= 4)
		b[i] = "0123456789abcdef"[v & 15];
	put(o, b, 16);
}

static void putf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void putf(struct out *o, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(o, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static bool is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_keychar(char c)
{
	return is_lower(c) || (c >= '0' && c <= '9') || c == '_';
}

/* Does a preformatted tail follow the field grammar: key=value pairs split
 * by single spaces, key [a-z][a-z0-9_]*, value either "..." with \ escapes
 * or a non-empty run without spaces and quotes; no control characters. */
static bool tail_ok(const char *s)
{
	for (;;) {
		if (!is_lower(*s))
			return false;
		while (is_keychar(*s))
			s++;
		if (*s++ != '=')
			return false;
		if (*s == '"') {
			for (s++; *s != '"'; s++) {
				if (!*s || is_ctl(*s))
					return false;
				if (*s == '\\' && (!*++s || is_ctl(*s)))
					return false;
			}
			s++;
		} else {
			const char *v = s;
			while (*s && *s != ' ' && *s != '"' && !is_ctl(*s))
				s++;
			if (s == v)
				return false;
		}
		if (!*s)
			return true;
		if (*s++ != ' ')
			return false;
	}
}

/* Event names are [a-z][a-z0-9_.]* and field keys [a-z][a-z0-9_]*;
 * anything else (a caller's bug) is mended so that the line still parses. */
static void put_ident(struct out *o, const char *s, bool dots)
{
	if (!s || !is_lower(*s))
		put(o, "x", 1);
	for (; s && *s; s++)
		put(o, is_keychar(*s) || (dots && *s == '.') ? s : "_", 1);
}

static void put_value(struct out *o, const char *s)
{
	bool quote = !*s;
	for (const char *p = s; *p && !quote; p++)
		quote = *p == ' ' || *p == '"' || *p == '\\' || is_ctl(*p);
	if (!quote) {
		puts_(o, s);
		return;
	}
	put(o, "\"", 1);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\') {
			put(o, "\\", 1);
			put(o, s, 1);
		} else if (is_ctl(*s)) {
			putf(o, "\\x%02x", (unsigned char)*s);
		} else {
			put(o, s, 1);
		}
	}
	put(o, "\"", 1);
}

static void put_json_value(struct out *o, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		put_value(o, json_string_value(v));
		break;
	case JSON_INTEGER:
		putf(o, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		putf(o, "%.6g", json_real_value(v));
		break;
	case JSON_TRUE:
		puts_(o, "true");
		break;
	case JSON_FALSE:
		puts_(o, "false");
		break;
	case JSON_NULL:
		puts_(o, "-");
		break;
	default: { /* objects and arrays: compact JSON, quoted */
		char *s = json_dumps(v, JSON_COMPACT);
		put_value(o, s ? s : "?");
		free(s);
	}
	}
}

const char *log_level_name(int level)
{
	static const char *const names[] = { "?", "ERROR", "INFO", "VERB", "DEBUG", "TRACE" };
	return level >= 1 && level <= 5 ? names[level] : "?";
}

size_t log_format(const struct log_event *ev, char *buf, size_t size)
{
	struct out o = { buf, size ? size - 1 : 0, 0 };
	int64_t us = ev->time_us;
	if (us <= 0) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	}
	/* The date and time of the last second formatted (one loop thread
	 * formats lines; lines of one second share it). */
	static time_t last_sec = -1;
	static char when[32];
	time_t sec = us / 1000000;
	if (sec != last_sec) {
		struct tm tm;
		gmtime_r(&sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		last_sec = sec;
	}
	puts_(&o, when);
	put(&o, ".", 1);
	put_dec(&o, (uint64_t)(us % 1000000), 6);
	put(&o, "Z ", 2);
	puts_(&o, log_level_name(ev->level));
	if (ev->worker >= 0) {
		put(&o, " w", 2);
		put_dec(&o, (uint64_t)ev->worker, 1);
		put(&o, " ", 1);
	} else {
		puts_(&o, " w- ");
	}
	if (ev->tunnel >= 0) {
		put(&o, "t", 1);
		put_dec(&o, (uint64_t)ev->tunnel, 1);
	} else {
		puts_(&o, "t-");
	}
	if (ev->ike) {
		puts_(&o, " ike=");
		put_hex16(&o, ev->ike);
	}
	put(&o, " ", 1);
	put_ident(&o, ev->name, true);
	if (ev->fields && json_is_object(ev->fields)) {
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)ev->fields, k, v) {
			put(&o, " ", 1);
			put_ident(&o, k, false);
			put(&o, "=", 1);
			put_json_value(&o, v);
		}
	}
	if (ev->text && *ev->text) {
		/* a tail that breaks the field grammar goes in one quoted field */
		if (tail_ok(ev->text)) {
			put(&o, " ", 1);
			puts_(&o, ev->text);
		} else {
			puts_(&o, " text=");
			put_value(&o, ev->text);
		}
	}
	put(&o, "\n", 1);
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return o.len;
}

bool log_filter_match(int max_level, const char *keyword, int level, const char *line)
{
	if (level > max_level)
		return false;
	if (!keyword || !*keyword)
		return true;
	/* After the time field: workers filter their records the same way
	 * before sending (worker/wevents.h), where the time is not text yet. */
	const char *body = line[0] >= '0' && line[0] <= '9' ? strchr(line, ' ') : NULL;
	return strstr(body ? body + 1 : line, keyword) != NULL;
}

static int write_all(int fd, const char *p, size_t n)
{
	/* One write() for the whole line; a short write happens only when the
	 * disk is full or a signal lands, and then the rest follows at once. */
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int open_log(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	return fd < 0 ? -errno : fd;
}

/* Write the batched lines (whole lines, one write on an O_APPEND fd, so
 * still never torn).  A failed write loses them: counted in errors, taken
 * back from lines. */
static int flush_pend(struct logfile *lf)
{
	if (lf->pend.len == 0)
		return 0;
	int rc = lf->fd < 0 ? -EBADF : write_all(lf->fd, lf->pend.p, lf->pend.len);
	if (rc) {
		lf->st.errors += lf->pend_lines;
		lf->st.lines -= lf->pend_lines;
	}
	lf->pend.len = 0;
	lf->pend_lines = 0;
	return rc;
}

static int rotate(struct logfile *lf)
{
	flush_pend(lf); /* the lines before the cap go to the old file */
	lf->st.rotations++;
	lf->size = 0;
	if (lf->in_mem) {
		struct buf t = lf->prev;
		lf->prev = lf->cur;
		lf->cur = t;
		lf->cur.len = 0;
		return 0;
	}
	if (lf->fd >= 0)
		close(lf->fd);
	lf->fd = -1;
	if (rename(lf->path, lf->prev_path) < 0)
		return -errno;
	int fd = open_log(lf->path);
	if (fd < 0)
		return fd;
	lf->fd = fd;
	return 0;
}

static int emit(struct logfile *lf, const char *p, size_t n)
{
	int rc = 0;
	if (lf->cap && lf->size > 0 && lf->size + n > lf->cap)
		rc = rotate(lf);
	if (rc == 0) {
		if (lf->in_mem)
			rc = buf_append(&lf->cur, p, n);
		else if (lf->fd < 0)
			rc = -EBADF; /* a rotation failed earlier; try again next line */
		else if (lf->batching && lf->pend.len + n <= LOGFILE_BATCH_BYTES)
			rc = buf_append(&lf->pend, p, n);
		else if (lf->batching)
			rc = flush_pend(lf) ? -EIO : buf_append(&lf->pend, p, n);
		else
			rc = write_all(lf->fd, p, n);
		if (rc == 0 && lf->batching)
			lf->pend_lines++;
	}
	if (rc) {
		lf->st.errors++;
		if (!lf->in_mem && lf->fd < 0) {
			/* reopen for the next line (append: keep what is there) */
			int fd = open(lf->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
			lf->fd = fd;
		}
		return rc;
	}
	lf->size += n;
	lf->st.lines++;
	return 1;
}

int logfile_open(struct logfile **out, const struct logfile_opts *o)
{
	int rc = -ENOMEM;
	*out = NULL;
	if (!o->path || !*o->path || o->level < 1 || o->level > 5)
		return -EINVAL;
	struct logfile *lf = calloc(1, sizeof(*lf));
	if (!lf)
		return -ENOMEM;
	lf->fd = -1;
	lf->level = o->level;
	lf->cap = o->cap_bytes;
	lf->in_mem = o->in_mem;
	lf->path = strdup(o->path);
	if (!lf->path || asprintf(&lf->prev_path, "%s.prev", o->path) < 0) {
		lf->prev_path = NULL;
		goto fail;
	}
	if (o->keyword && *o->keyword && !(lf->keyword = strdup(o->keyword)))
		goto fail;
	rc = open_log(lf->path);
	if (rc < 0)
		goto fail;
	lf->fd = rc;
	if (unlink(lf->prev_path) < 0 && errno != ENOENT) {
		rc = -errno;
		goto fail;
	}
	*out = lf;
	return 0;
fail:
	logfile_close(lf);
	return rc;
}

int logfile_set_filter(struct logfile *lf, int level, const char *keyword)
{
	if (level < 1 || level > 5)
		return -EINVAL;
	char *k = NULL;
	if (keyword && *keyword && !(k = strdup(keyword)))
		return -ENOMEM;
	free(lf->keyword);
	lf->keyword = k;
	lf->level = level;
	return 0;
}

bool logfile_wants(const struct logfile *lf, int level)
{
	return level <= lf->level;
}

int logfile_write(struct logfile *lf, const struct log_event *ev)
{
	if (ev->level < 1 || ev->level > 5)
		return -EINVAL;
	if (!logfile_wants(lf, ev->level)) {
		lf->st.filtered++;
		return 0;
	}
	size_t n = log_format(ev, lf->line.p, lf->line.cap);
	if (n >= lf->line.cap) {
		if (buf_reserve(&lf->line, n + 1)) {
			lf->st.errors++;
			return -ENOMEM;
		}
		log_format(ev, lf->line.p, lf->line.cap);
	}
	if (!log_filter_match(lf->level, lf->keyword, ev->level, lf->line.p)) {
		lf->st.filtered++;
		return 0;
	}
	return emit(lf, lf->line.p, n);
}

bool logfile_wants_line(const struct logfile *lf, int level, const char *line)
{
	return log_filter_match(lf->level, lf->keyword, level, line);
}

int logfile_write_line(struct logfile *lf, int level, const char *line, size_t n)
{
	if (!logfile_wants_line(lf, level, line)) {
		lf->st.filtered++;
		return 0;
	}
	return emit(lf, line, n);
}

int log_event_from_msg(const json_t *m, struct log_event *ev)
{
	json_t *v;
	memset(ev, 0, sizeof(*ev));
	ev->worker = -1;
	ev->tunnel = -1;
	ev->level = (int)json_integer_value(json_object_get(m, "level"));
	ev->name = json_string_value(json_object_get(m, "name"));
	if (ev->level < 1 || ev->level > 5 || !ev->name)
		return -EBADMSG;
	if ((v = json_object_get(m, "worker"))) {
		if (json_integer_value(v) < 0 || json_integer_value(v) > INT_MAX)
			return -EBADMSG;
		ev->worker = (int)json_integer_value(v);
	}
	if ((v = json_object_get(m, "tunnel")))
		ev->tunnel = json_integer_value(v);
	if ((v = json_object_get(m, "ike")) &&
	    msg_spi_parse(json_string_value(v) ? json_string_value(v) : "", 64, &ev->ike))
		return -EBADMSG;
	if ((v = json_object_get(m, "time")))
		ev->time_us = json_integer_value(v);
	ev->fields = json_object_get(m, "fields");
	ev->text = json_string_value(json_object_get(m, "text"));
	return 0;
}

int logfile_write_msg(struct logfile *lf, const json_t *event_msg)
{
	struct log_event ev;
	int rc = log_event_from_msg(event_msg, &ev);
	return rc ? rc : logfile_write(lf, &ev);
}

void logfile_batch_begin(struct logfile *lf)
{
	lf->batching = !lf->in_mem;
}

int logfile_batch_end(struct logfile *lf)
{
	lf->batching = false;
	return flush_pend(lf);
}

void logfile_stats(const struct logfile *lf, struct logfile_stats *st)
{
	*st = lf->st;
}

static int dump_to(const char *path, const struct buf *b)
{
	int fd = open_log(path);
	if (fd < 0)
		return fd;
	int rc = write_all(fd, b->p ? b->p : "", b->len);
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	return rc;
}

int logfile_close(struct logfile *lf)
{
	int rc = 0;
	if (!lf)
		return 0;
	rc = logfile_batch_end(lf);
	if (lf->in_mem && lf->fd >= 0) {
		if (lf->st.rotations)
			rc = dump_to(lf->prev_path, &lf->prev);
		int r2 = write_all(lf->fd, lf->cur.p ? lf->cur.p : "", lf->cur.len);
		if (rc == 0)
			rc = r2;
	}
	if (lf->fd >= 0 && close(lf->fd) < 0 && rc == 0)
		rc = -errno;
	free(lf->path);
	free(lf->prev_path);
	free(lf->keyword);
	free(lf->cur.p);
	free(lf->prev.p);
	free(lf->line.p);
	free(lf->pend.p);
	free(lf);
	return rc;
}
