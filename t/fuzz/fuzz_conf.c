/* libFuzzer harness: the setup-file parser through its buffer entry point,
 * conf_load_string (YAML -> typed config, then validation).
 *
 * Oracles beyond the sanitizers: the return value agrees with the error
 * count (0 iff no error was recorded); a setup that loads writes out
 * (conf_write) to YAML that loads again to an equal config. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "conf/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void write_and_reload(const struct config *cfg)
{
	struct config again;
	struct conf_diag diag = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		abort();
	if (conf_write(cfg, f, false))
		abort();
	fclose(f);
	if (conf_load_string("rewritten", text, len, &again, &diag) != 0 ||
	    !config_equal(cfg, &again)) {
		fprintf(stderr, "rewritten setup differs or fails:\n%s\n", text);
		conf_diag_print(&diag, stderr);
		abort();
	}
	config_free(&again);
	conf_diag_free(&diag);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	struct conf_diag diag = { 0 };
	int rc = conf_load_string("fuzz.yaml", (const char *)data, size, &cfg, &diag);

	if ((rc == 0) != (diag.n_errors == 0))
		abort();
	if (rc == 0)
		write_and_reload(&cfg);
	config_free(&cfg);
	conf_diag_free(&diag);
	return 0;
}
