/* Small helpers every room may use. */
#ifndef IKESWARM_LIB_UTIL_H
#define IKESWARM_LIB_UTIL_H

#include <stddef.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
