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

/* File order (line, then column); stable, so messages about one spot keep
 * the order they were found in.  Insertion sort: a file has few errors. */
void conf_diag_sort(struct conf_diag *d)
{
	for (unsigned i = 1; i < d->n; i++) {
		struct conf_msg m = d->msgs[i];
		unsigned j = i;
		while (j > 0 && (d->msgs[j - 1].line > m.line ||
				 (d->msgs[j - 1].line == m.line && d->msgs[j - 1].col > m.col))) {
			d->msgs[j] = d->msgs[j - 1];
			j--;
		}
		d->msgs[j] = m;
	}
}

void conf_diag_print(const struct conf_diag *d, FILE *f)
{
	for (unsigned i = 0; i < d->n; i++)
		fprintf(f, "%s\n", d->msgs[i].text);
}

void conf_diag_free(struct conf_diag *d)
{
	for (unsigned i = 0; i < d->n; i++)
		free(d->msgs[i].text);
	free(d->msgs);
	memset(d, 0, sizeof(*d));
}
