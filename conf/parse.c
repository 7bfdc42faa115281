/* YAML (libyaml document API) -> struct config, walking the key table.
 * Every node error is reported with its line and column, and the walk goes
 * on so that one run shows all the mistakes in a file. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "conf/internal.h"
#include "conf/value.h"

#define LINE(n) ((unsigned)(n)->start_mark.line + 1)
#define COL(n) ((unsigned)(n)->start_mark.column + 1)

static void node_error(struct conf_ctx *c, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void node_error(struct conf_ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[640];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	conf_diag_add(c->diag, false, c->file, LINE(n), COL(n), "%s", msg);
}

static void record_loc(struct conf_ctx *c, const struct conf_key *k, const yaml_node_t *n)
{
	if (c->nlocs == c->caplocs) {
		unsigned cap = c->caplocs ? c->caplocs * 2 : 64;
		struct conf_loc *l = realloc(c->locs, cap * sizeof(*l));
		if (!l)
			return;
		c->locs = l;
		c->caplocs = cap;
	}
	c->locs[c->nlocs++] = (struct conf_loc){ k, c->child, c->ts, LINE(n), COL(n), false };
}

bool conf_loc_bad(const struct conf_ctx *c, const char *path, int child, int ts)
{
	const struct conf_loc *l = conf_loc_find(c, path, child, ts);
	return l && l->bad;
}

const struct conf_loc *conf_loc_find(const struct conf_ctx *c, const char *path,
				     int child, int ts)
{
	for (unsigned i = c->nlocs; i-- > 0;) {
		const struct conf_loc *l = &c->locs[i];
		if (l->child == child && l->ts == ts && strcmp(l->key->path, path) == 0)
			return l;
	}
	return NULL;
}

/* Plain empty, ~ and null are YAML's null; a quoted "" is an empty string. */
static bool is_null(const yaml_node_t *n)
{
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	const char *v = (const char *)n->data.scalar.value;
	return !*v || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
	       strcmp(v, "NULL") == 0;
}

static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[64];
	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned cost = a[i - 1] != b[j - 1];
			unsigned best = diag + cost;
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static void unknown_key(struct conf_ctx *c, const yaml_node_t *n, const char *map_path,
			const char *display, const char *name)
{
	size_t plen = strlen(map_path);
	const struct conf_key *best = NULL, *elsewhere = NULL;
	unsigned best_d = 99;

	for (unsigned i = 0; i < conf_nkeys; i++) {
		const struct conf_key *k = &conf_keys[i];
		bool sibling = conf_key_parent_len(k) == plen &&
			       strncmp(k->path, map_path, plen) == 0;
		if (sibling) {
			unsigned d = edit_distance(name, conf_key_name(k));
			if (d < best_d) {
				best_d = d;
				best = k;
			}
		} else if (!elsewhere && strcmp(conf_key_name(k), name) == 0) {
			elsewhere = k;
		}
	}
	unsigned limit = strlen(name) / 3 > 2 ? strlen(name) / 3 : 2;
	if (best && best_d <= limit)
		node_error(c, n, "unknown key '%s%s%s'; did you mean '%s'?", display,
			   *display ? "." : "", name, conf_key_name(best));
	else if (elsewhere)
		node_error(c, n, "unknown key '%s%s%s'; did you mean '%s'?", display,
			   *display ? "." : "", name, elsewhere->path);
	else
		node_error(c, n, "unknown key '%s%s%s'", display, *display ? "." : "", name);
}

static void walk_map(struct conf_ctx *c, yaml_document_t *doc, yaml_node_t *map,
		     const char *map_path, const char *display, void *base);

static bool decode_scalar(struct conf_ctx *c, const struct conf_key *k, yaml_node_t *v,
			  const char *name, void *field)
{
	char why[512];
	if (v->type != YAML_SCALAR_NODE) {
		node_error(c, v, "%s: expected %s, got a %s", name, conf_type_expected(k),
			   v->type == YAML_MAPPING_NODE ? "mapping" : "list");
		return false;
	}
	const char *text = is_null(v) ? "" : (const char *)v->data.scalar.value;
	if (!*text && k->type != CT_STRING && k->type != CT_ADDR && k->type != CT_PREFIX &&
	    k->type != CT_ADDR_PREFIX && !conf_key_is_list(k)) {
		node_error(c, v, "%s: expected %s, got nothing", name, conf_type_expected(k));
		return false;
	}
	if (conf_value_decode(k, text, field, why, sizeof(why)) < 0) {
		node_error(c, v, "%s: %s", name, why);
		return false;
	}
	return true;
}

static bool decode_list(struct conf_ctx *c, yaml_document_t *doc, const struct conf_key *k,
			yaml_node_t *v, const char *name, void *field)
{
	bool ok = true;
	conf_value_clear(k, field);
	if (is_null(v) && strcmp((const char *)v->data.scalar.value, "null") != 0)
		return true;
	if (v->type == YAML_SCALAR_NODE) /* one item without the dash */
		return decode_scalar(c, k, v, name, field);
	if (v->type != YAML_SEQUENCE_NODE) {
		node_error(c, v, "%s: expected %s, got a mapping", name, conf_type_expected(k));
		return false;
	}
	for (yaml_node_item_t *it = v->data.sequence.items.start;
	     it < v->data.sequence.items.top; it++) {
		yaml_node_t *item = yaml_document_get_node(doc, *it);
		/* A bare 'null' item is the word (ESP null encryption), not YAML's null. */
		if (item->type != YAML_SCALAR_NODE || !*item->data.scalar.value) {
			node_error(c, item, "%s: expected %s", name, conf_type_expected(k));
			ok = false;
			continue;
		}
		char why[512];
		if (conf_value_decode(k, (const char *)item->data.scalar.value, field, why,
				      sizeof(why)) < 0) {
			node_error(c, item, "%s: %s", name, why);
			ok = false;
		}
	}
	return ok;
}

/* type v6 selectors that kept the IPv4 whole-range default get IPv6's. */
static void ts_fixup(struct conf_ctx *c, const char *list_path, struct conf_ts *ts)
{
	char path[128];
	if (ts->type != TS_V6)
		return;
	snprintf(path, sizeof(path), "%s[].startaddr", list_path);
	if (!conf_loc_find(c, path, c->child, c->ts))
		ip_addr_parse("::", &ts->startaddr);
	snprintf(path, sizeof(path), "%s[].endaddr", list_path);
	if (!conf_loc_find(c, path, c->child, c->ts))
		ip_addr_parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", &ts->endaddr);
}

static void walk_map_list(struct conf_ctx *c, yaml_document_t *doc, const struct conf_key *k,
			  yaml_node_t *v, const char *name, void *base)
{
	char scope[128], display[280];
	unsigned *count = (unsigned *)((char *)base + k->count_offset);
	char *array = conf_field(k, base);
	bool is_child = strcmp(k->path, "ikeconf.childlist") == 0;
	int scope_len = snprintf(scope, sizeof(scope), "%s[]", k->path);

	for (unsigned e = 0; e < *count; e++)
		conf_scope_free(scope, scope_len, array + e * k->elem_size);
	*count = 0;
	if (is_null(v))
		return;
	if (v->type != YAML_SEQUENCE_NODE) {
		node_error(c, v, "%s: expected a list of mappings (entries starting with '- ')",
			   name);
		return;
	}
	for (yaml_node_item_t *it = v->data.sequence.items.start;
	     it < v->data.sequence.items.top; it++) {
		yaml_node_t *item = yaml_document_get_node(doc, *it);
		if (item->type != YAML_MAPPING_NODE) {
			node_error(c, item, "%s: expected a mapping of keys", name);
			continue;
		}
		if (*count >= k->max_elems) {
			node_error(c, item, "%s: too many entries (at most %u)", name,
				   k->max_elems);
			break;
		}
		void *elem = array + *count * k->elem_size;
		conf_elem_defaults(k, elem);
		snprintf(display, sizeof(display), "%s[%u]", name, *count);
		int saved_child = c->child, saved_ts = c->ts;
		if (is_child) {
			c->child = *count;
			c->ts = -1;
		} else {
			c->ts = *count;
		}
		walk_map(c, doc, item, scope, display, elem);
		if (!is_child)
			ts_fixup(c, k->path, elem);
		c->child = saved_child;
		c->ts = saved_ts;
		(*count)++;
	}
}

static void walk_map(struct conf_ctx *c, yaml_document_t *doc, yaml_node_t *map,
		     const char *map_path, const char *display, void *base)
{
	char path[256], name[256];

	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(doc, p->key);
		yaml_node_t *v = yaml_document_get_node(doc, p->value);
		if (kn->type != YAML_SCALAR_NODE) {
			node_error(c, kn, "expected a key name");
			continue;
		}
		const char *key = (const char *)kn->data.scalar.value;
		/* A key is one name: a dotted path or a [] in it would let
		 * 'ikeconf.childlist[].encalg' at the top reach a field of a
		 * list element through the wrong base (found by fuzz_conf). */
		if (strpbrk(key, ".[]")) {
			unknown_key(c, kn, map_path, display, key);
			continue;
		}
		snprintf(path, sizeof(path), "%s%s%s", map_path, *map_path ? "." : "", key);
		snprintf(name, sizeof(name), "%s%s%s", display, *display ? "." : "", key);
		const struct conf_key *k = conf_key_find(path);
		if (!k) {
			unknown_key(c, kn, map_path, display, key);
			continue;
		}
		const struct conf_loc *seen = conf_loc_find(c, k->path, c->child, c->ts);
		if (seen) {
			node_error(c, kn, "duplicate key '%s' (first at line %u)", name,
				   seen->line);
			continue;
		}
		record_loc(c, k, kn);
		void *field = conf_field(k, base);
		switch (k->type) {
		case CT_MAP:
			if (is_null(v))
				break;
			if (v->type != YAML_MAPPING_NODE) {
				node_error(c, v, "%s: expected a mapping of keys", name);
				break;
			}
			walk_map(c, doc, v, k->path, name, base);
			break;
		case CT_MAP_LIST:
			walk_map_list(c, doc, k, v, name, base);
			break;
		default: {
			unsigned at = c->nlocs - 1;
			bool ok = conf_key_is_list(k) ? decode_list(c, doc, k, v, name, field)
						      : decode_scalar(c, k, v, name, field);
			if (!ok && at < c->nlocs)
				c->locs[at].bad = true;
			break;
		}
		}
	}
}

void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	conf_scope_defaults("", 0, cfg);
}

void config_free(struct config *cfg)
{
	conf_scope_free("", 0, cfg);
}

bool config_equal(const struct config *a, const struct config *b)
{
	return conf_scope_equal("", 0, a, b);
}

int conf_load_string(const char *file, const char *text, size_t len, struct config *cfg,
		     struct conf_diag *diag)
{
	struct conf_ctx c = { .file = file, .cfg = cfg, .diag = diag, .child = -1, .ts = -1 };
	yaml_parser_t parser;
	yaml_document_t doc;
	unsigned errors_before = diag->n_errors;

	config_defaults(cfg);
	if (!yaml_parser_initialize(&parser)) {
		conf_diag_add(diag, false, file, 1, 1, "out of memory");
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		const yaml_mark_t *m = parser.problem ? &parser.problem_mark : &parser.mark;
		conf_diag_add(diag, false, file, m->line + 1, m->column + 1, "YAML: %s%s%s",
			      parser.problem ? parser.problem : "syntax error",
			      parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return -EINVAL;
	}
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (root && !is_null(root)) {
		if (root->type != YAML_MAPPING_NODE)
			node_error(&c, root, "expected a mapping of setup keys at the top");
		else
			walk_map(&c, &doc, root, "", "", cfg);
	}
	conf_validate(&c);
	conf_diag_sort(diag);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	free(c.locs);
	return diag->n_errors > errors_before ? -EINVAL : 0;
}

int conf_load_file(const char *path, struct config *cfg, struct conf_diag *diag)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (!f) {
		rc = -errno;
		config_defaults(cfg);
		conf_diag_add(diag, false, path, 1, 1, "cannot open: %s", strerror(-rc));
		return rc;
	}
	FILE *mem = open_memstream(&buf, &len);
	if (!mem) {
		rc = -ENOMEM;
		config_defaults(cfg);
		conf_diag_add(diag, false, path, 1, 1, "out of memory");
		goto out;
	}
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, mem);
	rc = ferror(f) ? -EIO : 0;
	fclose(mem);
	if (rc == 0)
		rc = conf_load_string(path, buf, len, cfg, diag);
	else {
		config_defaults(cfg);
		conf_diag_add(diag, false, path, 1, 1, "cannot read: %s", strerror(-rc));
	}
out:
	free(buf);
	fclose(f);
	return rc;
}
