/* Link helpers over rtnetlink. */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/veth.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>

#include "kernel/nl_batch.h"
#include "kernel/nl_link.h"

int nllink_index(const char *name)
{
	unsigned idx = if_nametoindex(name);
	return idx ? (int)idx : -ENODEV;
}

/* RTM_NEWLINK/DELLINK with an ifinfomsg; the caller adds attributes. */
static struct nl_msg *link_msg(int type, int flags, int ifindex, unsigned ifflags,
			       unsigned change)
{
	struct nl_msg *msg = nlmsg_alloc_simple(type, flags);
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex,
				 .ifi_flags = ifflags, .ifi_change = change };
	if (msg && nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static int send_free(struct nl_sock *sk, struct nl_msg *msg)
{
	if (!msg)
		return -ENOMEM;
	int err = nlb_one(sk, msg);
	nlmsg_free(msg);
	return err;
}

int nllink_up(struct nl_sock *sk, const char *name)
{
	int idx = nllink_index(name);
	if (idx < 0)
		return idx;
	return send_free(sk, link_msg(RTM_NEWLINK, 0, idx, IFF_UP, IFF_UP));
}

int nllink_add_dummy(struct nl_sock *sk, const char *name)
{
	struct nl_msg *msg = link_msg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, 0, 0);
	if (!msg)
		return -ENOMEM;
	struct nlattr *info;
	if (nla_put_string(msg, IFLA_IFNAME, name) < 0 ||
	    !(info = nla_nest_start(msg, IFLA_LINKINFO)) ||
	    nla_put_string(msg, IFLA_INFO_KIND, "dummy") < 0) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, info);
	return send_free(sk, msg);
}

int nllink_add_veth(struct nl_sock *sk, const char *name, const char *peer)
{
	struct nl_msg *msg = link_msg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, 0, 0);
	if (!msg)
		return -ENOMEM;
	struct ifinfomsg peer_ifi = { .ifi_family = AF_UNSPEC };
	struct nlattr *info, *data, *pinfo;
	if (nla_put_string(msg, IFLA_IFNAME, name) < 0 ||
	    !(info = nla_nest_start(msg, IFLA_LINKINFO)) ||
	    nla_put_string(msg, IFLA_INFO_KIND, "veth") < 0 ||
	    !(data = nla_nest_start(msg, IFLA_INFO_DATA)) ||
	    !(pinfo = nla_nest_start(msg, VETH_INFO_PEER)) ||
	    nlmsg_append(msg, &peer_ifi, sizeof(peer_ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(msg, IFLA_IFNAME, peer) < 0) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, pinfo);
	nla_nest_end(msg, data);
	nla_nest_end(msg, info);
	return send_free(sk, msg);
}

int nllink_del(struct nl_sock *sk, const char *name)
{
	int idx = nllink_index(name);
	if (idx < 0)
		return idx;
	return send_free(sk, link_msg(RTM_DELLINK, 0, idx, 0, 0));
}
