/* Small link helpers: interface index, up, dummy and veth interfaces (tests, lab). */
#ifndef IKESWARM_KERNEL_NL_LINK_H
#define IKESWARM_KERNEL_NL_LINK_H

#include <netlink/socket.h>

/* The ifindex of name, or -ENODEV. */
int nllink_index(const char *name);
/* Set the link up.  0 or -errno. */
int nllink_up(struct nl_sock *sk, const char *name);
/* Create a dummy interface (down).  0 or -errno (-EEXIST). */
int nllink_add_dummy(struct nl_sock *sk, const char *name);
/* Create a veth pair name <-> peer (both down).  0 or -errno. */
int nllink_add_veth(struct nl_sock *sk, const char *name, const char *peer);
/* Delete a link.  0 or -errno. */
int nllink_del(struct nl_sock *sk, const char *name);

#endif
