/* Go-style durations ("100ms", "5m0s", "1h30m", "1.5s", "0"). */
#ifndef IKESWARM_CONF_DURATION_H
#define IKESWARM_CONF_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* Nanoseconds; negative durations are refused.  0, -EINVAL or -ERANGE. */
int conf_duration_parse(const char *s, uint64_t *ns);
/* As Go prints them ("5m0s", "100ms", "1.5s", "0s"; "us" for micro). */
const char *conf_duration_format(uint64_t ns, char *buf, size_t size);

#define CONF_DURATION_STRLEN 32

#endif
