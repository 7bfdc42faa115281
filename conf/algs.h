/* Algorithm names as MyIKEv2 writes them <-> IKEv2 transform IDs. */
#ifndef IKESWARM_CONF_ALGS_H
#define IKESWARM_CONF_ALGS_H

#include <stdbool.h>

#include "conf/config.h"

/* xform: XFORM_ENCR, XFORM_INTEG or XFORM_PRF.  esp allows ESP-only names
 * (null encryption).  0 or -EINVAL. */
int conf_alg_parse(int xform, const char *name, bool esp, struct conf_alg *out);
/* The canonical (MyIKEv2) name, or "?" for an unknown id. */
const char *conf_alg_name(int xform, struct conf_alg a);
/* Canonical names accepted for xform, space separated (for messages). */
const char *conf_alg_names(int xform, bool esp);

/* DH groups MyIKEv2 offers: 1 2 5 14 15 16 17 18 19 20 21 31. */
bool conf_dh_group_ok(long group);

#endif
