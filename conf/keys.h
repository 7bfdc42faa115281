/* The one table of setup keys: path, type, default, range, meaning.  The
 * parser, the validator, 'ikeswarm default setup' and the man page test
 * all read it; a key exists when and only when it is in this table. */
#ifndef IKESWARM_CONF_KEYS_H
#define IKESWARM_CONF_KEYS_H

#include <stddef.h>
#include <stdint.h>

enum conf_type {
	CT_BOOL,
	CT_INT,          /* int64_t within [min, max] */
	CT_STRING,       /* char * (heap) */
	CT_DURATION,     /* uint64_t nanoseconds, Go syntax */
	CT_ADDR,         /* struct ip_addr, "" = unset */
	CT_PREFIX,       /* struct ip_prefix, "a/len" required, "" = unset */
	CT_ADDR_PREFIX,  /* struct ip_prefix, "/len" optional, "" = unset */
	CT_ENUM,         /* enum stored as int; names[] index = value */
	CT_IKE_ENCR,     /* struct conf_algs, IKE encryption names */
	CT_ESP_ENCR,     /* struct conf_algs, CHILD SA encryption (adds null) */
	CT_INTEG,        /* struct conf_algs, integrity names */
	CT_PRF,          /* struct conf_algs, PRF names */
	CT_DH_LIST,      /* struct conf_ints, DH group numbers */
	CT_ADDR_LIST,    /* struct conf_addrs */
	CT_MAP,          /* nested mapping: no storage of its own */
	CT_MAP_LIST,     /* sequence of mappings: fixed array + count */
};

/* Where a key's value lives: the offset is from the start of its scope, which
 * is struct config for most keys, struct conf_child for keys under
 * "ikeconf.childlist[]" and struct conf_ts under "...ownts[]"/"...peerts[]". */
struct conf_key {
	const char *path;        /* "ikeconf.childlist[].ownts[].startaddr" */
	enum conf_type type;
	size_t offset;
	const char *def;         /* default as YAML text; lists: items split by
	                          * spaces; maps: NULL; map lists: one element */
	int64_t min, max;        /* CT_INT range */
	const char *const *names;/* CT_ENUM names, NULL-terminated */
	const char *meaning;     /* one line */
	/* CT_MAP_LIST only */
	size_t count_offset, elem_size;
	unsigned max_elems;
};

extern const struct conf_key conf_keys[];
extern const unsigned conf_nkeys;

/* The key with this exact path, or NULL. */
const struct conf_key *conf_key_find(const char *path);
/* "ikeconf.dpdinterval" -> "dpdinterval"; "role" -> "role". */
const char *conf_key_name(const struct conf_key *k);
/* Length of the parent path ("ikeconf" for "ikeconf.dpdinterval"; 0). */
size_t conf_key_parent_len(const struct conf_key *k);
/* Human words for a type ("a duration like 100ms or 5m0s"). */
const char *conf_type_expected(const struct conf_key *k);
/* Short type name for the man page and comments ("duration"). */
const char *conf_type_name(enum conf_type t);

/* Features that are known but not built yet: a key set to anything but its
 * default is an error naming the feature.  Remove an entry when its feature
 * lands (and update man/ikeswarm-setup.5). */
struct conf_unbuilt {
	const char *path;
	const char *feature;
};
extern const struct conf_unbuilt conf_unbuilt[];
extern const unsigned conf_nunbuilt;

#endif
