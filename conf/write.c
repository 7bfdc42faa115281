/* struct config -> YAML, in table order; with comments it is the
 * commented default setup that 'ikeswarm default setup' prints. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conf/conf.h"
#include "conf/keys.h"
#include "conf/value.h"

static void comment(const struct conf_key *k, FILE *f, unsigned indent)
{
	fprintf(f, "\n%*s# %s", indent, "", k->meaning);
	if (k->type == CT_MAP || k->type == CT_MAP_LIST) {
		fputc('\n', f);
		return;
	}
	fprintf(f, " (%s", conf_type_name(k->type));
	if (k->type == CT_ENUM) {
		for (unsigned i = 0; k->names[i]; i++)
			fprintf(f, "%s%s", i ? "|" : ": ", k->names[i]);
	} else if (k->type == CT_INT) {
		fprintf(f, " %lld..%lld", (long long)k->min, (long long)k->max);
	}
	fprintf(f, "; default %s)", *k->def ? k->def : "empty");
	for (unsigned i = 0; i < conf_nunbuilt; i++) {
		if (strcmp(conf_unbuilt[i].path, k->path) == 0) {
			fprintf(f, " [not implemented yet: keep the default]");
			break;
		}
	}
	fputc('\n', f);
}

/* Writes the keys of one map (keys whose parent path is map_path). */
static void write_map(const char *map_path, const void *base, FILE *f, unsigned indent,
		      bool comments, bool first_dash)
{
	size_t plen = strlen(map_path);
	char sub[128];

	for (unsigned i = 0; i < conf_nkeys; i++) {
		const struct conf_key *k = &conf_keys[i];
		if (conf_key_parent_len(k) != plen || strncmp(k->path, map_path, plen) != 0)
			continue;
		if (comments)
			comment(k, f, indent);
		/* The first key of a list entry carries the "- ". */
		unsigned pad = first_dash ? indent - 2 : indent;
		fprintf(f, "%*s%s%s:", pad, "", first_dash ? "- " : "", conf_key_name(k));
		first_dash = false;
		if (k->type == CT_MAP) {
			fputc('\n', f);
			write_map(k->path, base, f, indent + 2, comments, false);
		} else if (k->type == CT_MAP_LIST) {
			unsigned count = *(const unsigned *)((const char *)base + k->count_offset);
			const char *array = (const char *)base + k->offset;
			snprintf(sub, sizeof(sub), "%s[]", k->path);
			fputs(count ? "\n" : " []\n", f);
			for (unsigned e = 0; e < count; e++)
				write_map(sub, array + e * k->elem_size, f, indent + 4, comments,
					  true);
		} else {
			conf_value_write(k, (const char *)base + k->offset, f);
			fputc('\n', f);
		}
	}
}

int conf_write(const struct config *cfg, FILE *f, bool comments)
{
	if (comments)
		fputs("# ikeswarm setup file (YAML).  Keys and defaults follow MyIKEv2 5.1;\n"
		      "# 'workers' is ikeswarm's own.  Every key is described in\n"
		      "# ikeswarm-setup(5).  A role client setup needs startclntaddr,\n"
		      "# peeraddr and bindifname; a role gateway setup needs bindifname and\n"
		      "# bindifaddr.\n", f);
	write_map("", cfg, f, 0, comments, false);
	fflush(f);
	return ferror(f) ? -EIO : 0;
}
