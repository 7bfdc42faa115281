/* staticroute: MyIKEv2 runs it as an "ip route replace ..." command; we
 * read the command into routes the kernel process installs itself (and
 * removes at exit), so no shell and no ip(8) are involved. */
#ifndef IKESWARM_CONF_STATICROUTE_H
#define IKESWARM_CONF_STATICROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/ipaddr.h"

struct conf_route {
	struct ip_prefix dst;   /* "default": 0.0.0.0/0 or ::/0 */
	struct ip_addr via;     /* unset: none */
	char dev[16];           /* "": none (then via is needed) */
	uint32_t table;         /* 0: main */
	uint32_t metric;
};

#define CONF_ROUTES_MAX 16

/* One or more commands separated by ';' or newlines, each
 *   [ip [-4|-6] route] replace|add DST [via ADDR] [dev NAME] [table N|main]
 *                      [metric|priority|preference N]
 * ("add" is taken as "replace": MyIKEv2 asks for replace so a rerun does
 * not fail).  "" or blanks: 0 routes.  Returns how many, or -EINVAL with
 * why filled (naming the command and the word). */
int conf_staticroute_parse(const char *s, struct conf_route *out, size_t max, char *why,
			   size_t whylen);

#endif
