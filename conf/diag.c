/* Collected setup messages: every error is kept, printed in file order. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/internal.h"

void conf_diag_add(struct conf_diag *d, bool warning, const char *file,
		   unsigned line, unsigned col, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (d->n == d->cap) {
		unsigned cap = d->cap ? d->cap * 2 : 8;
		struct conf_msg *m = realloc(d->msgs, cap * sizeof(*m));
		if (!m)
			return; /* the error count below still makes the load fail */
		d->msgs = m;
		d->cap = cap;
	}
	struct conf_msg *m = &d->msgs[d->n];
	size_t size = strlen(file) + strlen(msg) + 48;
	m->text = malloc(size);
	if (m->text) {
		snprintf(m->text, size, "%s:%u:%u: %s%s", file, line, col,
			 warning ? "warning: " : "", msg);
		m->warning = warning;
		m->line = line;
		m->col = col;
		d->n++;
	}
	if (warning)
		d->n_warnings++;
	else
		d->n_errors++;
}

static int by_position(const void *a, const void *b)
{
	const struct conf_msg *x = a, *y = b;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return 0;
}

void conf_diag_print(const struct conf_diag *d, FILE *f)
{
	struct conf_msg *sorted = malloc(d->n * sizeof(*sorted) + 1);
	if (!sorted) {
		for (unsigned i = 0; i < d->n; i++)
			fprintf(f, "%s\n", d->msgs[i].text);
		return;
	}
	memcpy(sorted, d->msgs, d->n * sizeof(*sorted));
	/* qsort is not stable: keep messages on one spot in insertion order by
	 * comparing the original index last. */
	for (unsigned i = 0; i < d->n; i++)
		sorted[i].col = sorted[i].col * 1024u + (i < 1024 ? i : 1023);
	qsort(sorted, d->n, sizeof(*sorted), by_position);
	for (unsigned i = 0; i < d->n; i++)
		fprintf(f, "%s\n", sorted[i].text);
	free(sorted);
}

void conf_diag_free(struct conf_diag *d)
{
	for (unsigned i = 0; i < d->n; i++)
		free(d->msgs[i].text);
	free(d->msgs);
	memset(d, 0, sizeof(*d));
}
