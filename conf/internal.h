/* Shared between the parser and the validator (internal to conf/). */
#ifndef IKESWARM_CONF_INTERNAL_H
#define IKESWARM_CONF_INTERNAL_H

#include "conf/conf.h"
#include "conf/keys.h"

/* Where a key was written: child is the childlist index (-1 outside it),
 * ts the ownts/peerts index (-1 outside them). */
struct conf_loc {
	const struct conf_key *key;
	int child, ts;
	unsigned line, col;
	bool bad;   /* its value had an error: rules using it stay quiet */
};

struct conf_ctx {
	const char *file;
	struct config *cfg;
	struct conf_diag *diag;
	struct conf_loc *locs;
	unsigned nlocs, caplocs;
	int child, ts; /* element being parsed */
};

void conf_diag_add(struct conf_diag *d, bool warning, const char *file,
		   unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

void conf_diag_sort(struct conf_diag *d);

/* The location recorded for path (exact key path) in that element; NULL if
 * the key was not written. */
const struct conf_loc *conf_loc_find(const struct conf_ctx *c, const char *path,
				     int child, int ts);

/* True when path was written in (child, ts) with a bad value. */
bool conf_loc_bad(const struct conf_ctx *c, const char *path, int child, int ts);

/* Cross-field rules and not-built-yet features; adds to c->diag. */
void conf_validate(struct conf_ctx *c);

#endif
