/* Per-key value operations, driven by the key's type (internal to conf/). */
#ifndef IKESWARM_CONF_VALUE_H
#define IKESWARM_CONF_VALUE_H

#include <stdbool.h>
#include <stdio.h>

#include "conf/keys.h"

/* Where the key's storage is, given its scope's base pointer. */
static inline void *conf_field(const struct conf_key *k, void *base)
{
	return (char *)base + k->offset;
}

/* The scope a key lives in: "" for struct config, else the path of its map
 * list plus "[]" ("ikeconf.childlist[]").  Returns the scope's length. */
size_t conf_key_scope_len(const struct conf_key *k);
bool conf_key_is_list(const struct conf_key *k);

/* Scalar keys: decode text into field.  List keys: append one item.  On
 * error, why says what was expected.  0, -EINVAL or -ENOSPC (list full). */
int conf_value_decode(const struct conf_key *k, const char *text, void *field,
		      char *why, size_t whysize);
/* List keys: make the list empty. */
void conf_value_clear(const struct conf_key *k, void *field);
/* Set field to the key's default (not for CT_MAP / CT_MAP_LIST). */
void conf_value_default(const struct conf_key *k, void *field);
bool conf_value_equal(const struct conf_key *k, const void *a, const void *b);
void conf_value_free(const struct conf_key *k, void *field);
/* YAML text: scalars on the same line; lists as " [a, b]". */
void conf_value_write(const struct conf_key *k, const void *field, FILE *f);

/* Walk every key of one scope ("" = struct config). */
void conf_scope_defaults(const char *scope, size_t scope_len, void *base);
void conf_scope_free(const char *scope, size_t scope_len, void *base);
bool conf_scope_equal(const char *scope, size_t scope_len, const void *a, const void *b);
/* An element of a map list set to the defaults of its keys. */
void conf_elem_defaults(const struct conf_key *list, void *elem);

#endif
