/* Loading, validating and writing setup files. */
#ifndef IKESWARM_CONF_CONF_H
#define IKESWARM_CONF_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "conf/config.h"

/* One message: "FILE:LINE:COL: text" (LINE and COL from 1). */
struct conf_msg {
	bool warning;
	unsigned line, col;
	char *text;     /* the whole formatted line, without newline */
};

struct conf_diag {
	unsigned n, cap;
	unsigned n_errors, n_warnings;
	struct conf_msg *msgs;
};

/* Parse and validate.  Every error found is added to diag (not only the
 * first), in file order.  Returns 0 when the setup is valid (warnings allowed), -EINVAL
 * when there were errors, -ENOENT etc. when the file cannot be read.
 * cfg is always left initialised (free it with config_free). */
int conf_load_file(const char *path, struct config *cfg, struct conf_diag *diag);
int conf_load_string(const char *name, const char *text, size_t len,
		     struct config *cfg, struct conf_diag *diag);

/* Every key at its default (from conf/keys.c). */
void config_defaults(struct config *cfg);
void config_free(struct config *cfg);
bool config_equal(const struct config *a, const struct config *b);

/* YAML that loads back to cfg; with comments, each key gets its meaning,
 * type and default ('ikeswarm default setup').  0 or -EIO. */
int conf_write(const struct config *cfg, FILE *f, bool comments);

void conf_diag_print(const struct conf_diag *d, FILE *f);
void conf_diag_free(struct conf_diag *d);

#endif
