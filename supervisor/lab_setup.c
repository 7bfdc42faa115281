/* Setup files for the lab: a built-in template with two values replaced. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "supervisor/lab_setup.h"

/* The line that starts with key (at column 0, followed by ':'), found once:
 * its start, and its end (the '\n' or the string's end) in *end. */
static const char *key_line(const char *text, const char *key, const char **end)
{
	size_t klen = strlen(key);
	const char *found = NULL;
	for (const char *p = text; *p; ) {
		const char *eol = strchr(p, '\n');
		if (!eol)
			eol = p + strlen(p);
		if (strncmp(p, key, klen) == 0 && p[klen] == ':') {
			if (found)
				return NULL; /* twice */
			found = p;
			*end = eol;
		}
		p = *eol ? eol + 1 : eol;
	}
	return found;
}

char *lab_setup_render(const char *tmpl, long tunnels, long runningtime_s)
{
	const char *n_end, *t_end;
	const char *n_at = key_line(tmpl, "numberoftunnels", &n_end);
	const char *t_at = key_line(tmpl, "runningtime", &t_end);
	if (!n_at || !t_at) {
		errno = EINVAL;
		return NULL;
	}
	char nline[64], tline[64];
	snprintf(nline, sizeof(nline), "numberoftunnels: %ld", tunnels);
	snprintf(tline, sizeof(tline), "runningtime: %lds", runningtime_s);

	/* Replace the earlier line first so the pieces come out in order. */
	const char *a_at = n_at, *a_end = n_end, *b_at = t_at, *b_end = t_end;
	const char *a_new = nline, *b_new = tline;
	if (t_at < n_at) {
		a_at = t_at, a_end = t_end, a_new = tline;
		b_at = n_at, b_end = n_end, b_new = nline;
	}
	size_t len = strlen(tmpl) + sizeof(nline) + sizeof(tline);
	char *out = malloc(len);
	if (!out)
		return NULL;
	snprintf(out, len, "%.*s%s%.*s%s%s", (int)(a_at - tmpl), tmpl, a_new,
		 (int)(b_at - a_end), a_end, b_new, b_end);
	return out;
}

int lab_setup_write(const char *tmpl, const char *path, long tunnels, long runningtime_s)
{
	int rc = 0;
	char *text = lab_setup_render(tmpl, tunnels, runningtime_s);
	if (!text)
		return -errno;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	size_t len = strlen(text), done = 0;
	while (done < len) {
		ssize_t w = write(fd, text + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = -errno;
			break;
		}
		done += (size_t)w;
	}
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
out:
	free(text);
	return rc;
}
