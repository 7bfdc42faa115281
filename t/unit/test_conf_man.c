/* man/ikeswarm-setup.5 documents exactly the keys of conf/keys.c: every key
 * once, with the table's type and default, no key the table lacks, and the
 * not-implemented-yet marks where conf_unbuilt[] has them. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t/unit/tcheck.h"
#include "conf/keys.h"

#define MAX_LINES 4000

struct page {
	unsigned n;
	char *line[MAX_LINES];
};

static void read_page(struct page *p)
{
	FILE *f = fopen(SRCDIR "/man/ikeswarm-setup.5", "r");
	ck_assert_msg(f != NULL, "cannot open man/ikeswarm-setup.5");
	char buf[1024];
	p->n = 0;
	while (fgets(buf, sizeof(buf), f) && p->n < MAX_LINES) {
		buf[strcspn(buf, "\n")] = '\0';
		p->line[p->n++] = strdup(buf);
	}
	fclose(f);
}

static void free_page(struct page *p)
{
	for (unsigned i = 0; i < p->n; i++)
		free(p->line[i]);
}

static bool is_unbuilt(const char *path)
{
	for (unsigned i = 0; i < conf_nunbuilt; i++)
		if (strcmp(conf_unbuilt[i].path, path) == 0)
			return true;
	return false;
}

START_TEST(every_key_documented_once)
{
	struct page p;
	unsigned seen[512] = { 0 };
	bool in_keys = false;
	unsigned documented = 0;

	ck_assert_uint_lt(conf_nkeys, 512);
	read_page(&p);
	for (unsigned i = 0; i < p.n; i++) {
		const char *l = p.line[i];
		if (strncmp(l, ".Sh ", 4) == 0)
			in_keys = strcmp(l, ".Sh KEYS") == 0;
		if (!in_keys)
			continue;
		char path[160], type[64], kw[8], def[160] = "";
		if (strncmp(l, ".Ss ", 4) == 0 && strcmp(l, ".Ss top level") != 0) {
			const struct conf_key *k = conf_key_find(l + 4);
			ck_assert_msg(k != NULL, "man: section for unknown key '%s'", l + 4);
			ck_assert_msg(k->type == CT_MAP || k->type == CT_MAP_LIST,
				      "man: '%s' is not a map", l + 4);
			seen[k - conf_keys]++;
			continue;
		}
		if (strncmp(l, ".It Ic ", 7) != 0)
			continue;
		int n = sscanf(l, ".It Ic %159s Ar %63s Pq %7s %159s", path, type, kw, def);
		ck_assert_msg(n >= 3, "man line %u: '%s'", i + 1, l);
		const struct conf_key *k = conf_key_find(path);
		ck_assert_msg(k != NULL, "man documents '%s', which the key table lacks", path);
		seen[k - conf_keys]++;
		documented++;
		ck_assert_msg(strcmp(type, conf_type_name(k->type)) == 0,
			      "man: %s is a %s, the table says %s", path, type,
			      conf_type_name(k->type));
		if (*k->def)
			ck_assert_msg(strcmp(kw, "Li") == 0 && strcmp(def, k->def) == 0,
				      "man: %s default '%s', the table says '%s'", path, def,
				      k->def);
		else
			ck_assert_msg(strcmp(kw, "empty") == 0, "man: %s default should be empty",
				      path);
		/* The key's paragraph runs to the next .It / .El / .Ss. */
		bool marked = false;
		for (unsigned j = i + 1; j < p.n && strncmp(p.line[j], ".It", 3) != 0 &&
					 strncmp(p.line[j], ".El", 3) != 0 &&
					 strncmp(p.line[j], ".Ss", 3) != 0; j++)
			if (strcmp(p.line[j], "Not implemented yet.") == 0)
				marked = true;
		ck_assert_msg(marked == is_unbuilt(path),
			      "man: %s %s 'Not implemented yet.'", path,
			      marked ? "says" : "lacks");
	}
	for (unsigned i = 0; i < conf_nkeys; i++)
		ck_assert_msg(seen[i] == 1, "man: key '%s' documented %u times", conf_keys[i].path,
			      seen[i]);
	ck_assert_uint_gt(documented, 100);
	free_page(&p);
}
END_TEST

static Suite *man_suite(void)
{
	Suite *s = suite_create("man");
	TCase *tc = tcase_create("setup page");
	tcase_add_test(tc, every_key_documented_once);
	suite_add_tcase(s, tc);
	return s;
}

TCHECK_MAIN(man_suite)
