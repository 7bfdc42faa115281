#!/bin/sh
# esp-multits.sh — run inside UML (t/kernel/uml.sh): a CHILD SA with two
# traffic selectors per side puts every pair into the kernel.  An ikeswarm
# gateway and client (process model, 1 worker each, installfastpath: true),
# 1 tunnel, one AES-GCM CHILD SA whose TSi and TSr each hold two ranges
# (10.30.x and 10.31.x), rekeyed every ~3 s.  Then on both sides:
#  - 2 x 2 selector pairs x (out, in, fwd) = 12 policies, 2 table-330
#    routes (one per peer range);
#  - ping answers from each of our ranges to each of the peer's (4 pairs),
#    again after a CHILD SA rekey (the rekey proposes both ranges again);
#  - no child.fastpath.fail in either log; a graceful stop leaves nothing.
# Prints PASS/FAIL/SKIP lines; exits 1 on a failure.

. "$(dirname "$0")/lib.sh"
kt_require esp-multits
CL=esp-mt-cl GW=esp-mt-gw
O_GW=10.99.0.1
clpid="" gwpid=""
tmpd=$(mktemp -d /tmp/esp-mt.XXXXXX) || exit 1
trap kt_iks_cleanup EXIT
fail() { echo "FAIL $1: $2"; exit 1; }

kt_pair_links && kt_lo_addrs $CL 10.30.1.1 10.31.1.1 &&
	kt_lo_addrs $GW 10.30.2.1 10.31.2.1 || fail esp-multits "namespace setup"

ts() { # A B: two /24 ranges
	echo "[{type: v4, startaddr: $1.0, endaddr: $1.255}, {type: v4, startaddr: $2.0, endaddr: $2.255}]"
}
cat > "$tmpd/cl.yaml" <<EOC
$(kt_yaml_head client 1)
workers: 1
loglevel: 4
$(kt_yaml_ike esp-multits)
  dhgrpid: [31]
  margintime: 2s
  jitter: false
  childlist:
  - encalg: [aes-gcm-16:128]
    lifetime: 5s
    ownts: [{type: v4, startaddr: 10.30.1.1, endaddr: 10.30.1.1}, {type: v4, startaddr: 10.31.1.1, endaddr: 10.31.1.1}]
    peerts: $(ts 10.30.2 10.31.2)
EOC
cat > "$tmpd/gw.yaml" <<EOC
$(kt_yaml_head gateway 1 0 0)
workers: 1
loglevel: 3
$(kt_yaml_ike esp-multits)
  dhgrpid: [31]
  childlist:
  - encalg: [aes-gcm-16:128]
    lifetime: 1h
    ownts: $(ts 10.30.2 10.31.2)
    peerts: $(ts 10.30.1 10.31.1)
EOC
kt_start_pair
show() { kt_show 4 'fastpath\|child\.' 8; }
kt_wait_up 2 120 || { show; fail esp-multits "states: client $c, gateway $g of 2"; }

counts() { # NS: "policies routes" (not the IKE sockets' 0/0 bypass policies)
	echo "$(ip -n "$1" xfrm policy | grep '^src' | grep -vc '^src 0.0.0.0/0 dst 0.0.0.0/0')" \
		"$(ip -n "$1" route show table 330 | grep -c .)"
}
pings() { # every pair of inner addresses; prints the ones without an answer
	for a in 10.30.1.1 10.31.1.1; do
		for b in 10.30.2.1 10.31.2.1; do
			kt_ping $a $b 2 || printf ' %s->%s' $a $b
		done
	done
}
kc=$(counts $CL) kg=$(counts $GW)
[ "$kc" = "12 2" ] && [ "$kg" = "12 2" ] ||
	{ ip -n $CL xfrm policy | grep '^src' | sed 's/^/  cl: /'; fail esp-multits "policies and routes: client '$kc', gateway '$kg' (want '12 2')"; }
bad=$(pings)
[ -z "$bad" ] || fail esp-multits "no answer:$bad"
# wait for a CHILD SA rekey (lifetime 5 s, margin 2 s), then again
r0=$(grep -c 'child.rekeyed' "$tmpd/cl.log")
i=0
while [ "$(grep -c 'child.rekeyed' "$tmpd/cl.log")" -le "$r0" ] && [ $i -lt 40 ]; do
	sleep 0.25; i=$((i + 1))
done
[ "$(grep -c 'child.rekeyed' "$tmpd/cl.log")" -gt "$r0" ] || { show; fail esp-multits "no CHILD SA rekey in 10 s"; }
sleep 0.5
kc=$(counts $CL) kg=$(counts $GW)
bad=$(pings)
[ -z "$bad" ] || fail esp-multits "after a rekey, no answer:$bad"
[ "$kc" = "12 2" ] && [ "$kg" = "12 2" ] || fail esp-multits "after a rekey: client '$kc', gateway '$kg'"
kt_fpfail
[ -z "$fpf" ] || fail esp-multits "$fpf"
kt_stop_pair
clpid="" gwpid=""
# (the sockets' bypass policies went with the processes)
kt_left states policies routes
[ -z "$left" ] || fail esp-multits "left after the stop:$left"
echo "PASS esp-multits: 2x2 traffic selectors: 12 policies and 2 table-330 routes per side, all 4 pairs answered before and after a CHILD rekey, nothing left"
