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

[ "$(id -u)" = 0 ] || { echo "SKIP esp-multits: needs root"; exit 0; }
. "$(dirname "$0")/lib.sh"
IKS=${IKESWARM:-}
[ -n "$IKS" ] && [ -x "$IKS" ] ||
	{ echo "SKIP esp-multits: no ikeswarm binary (IKESWARM='$IKS')"; exit 0; }
CL=esp-mt-cl GW=esp-mt-gw
O_GW=10.99.0.1
clpid="" gwpid=""
tmpd=$(mktemp -d /tmp/esp-mt.XXXXXX) || exit 1
trap kt_iks_cleanup EXIT
fail() { echo "FAIL $1: $2"; exit 1; }

{
	ip netns add $CL && ip netns add $GW &&
	ip link add vcl netns $CL type veth peer name vgw netns $GW &&
	ip -n $GW addr add $O_GW/24 dev vgw &&
	ip -n $GW link set vgw up && ip -n $CL link set vcl up &&
	ip -n $GW link set lo up && ip -n $CL link set lo up &&
	ip -n $CL addr add 10.30.1.1/32 dev lo && ip -n $CL addr add 10.31.1.1/32 dev lo &&
	ip -n $GW addr add 10.30.2.1/32 dev lo && ip -n $GW addr add 10.31.2.1/32 dev lo
} || fail esp-multits "namespace setup"

ts() { # A B: two /24 ranges
	echo "[{type: v4, startaddr: $1.0, endaddr: $1.255}, {type: v4, startaddr: $2.0, endaddr: $2.255}]"
}
cat > "$tmpd/cl.yaml" <<EOC
role: client
numberoftunnels: 1
workers: 1
runningtime: 0s
startclntaddr: 10.99.0.2/24
peeraddr: $O_GW
bindifname: vcl
loglevel: 4
ikeconf:
  psk: esp-multits
  installfastpath: true
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
role: gateway
numberoftunnels: 1
workers: 1
runningtime: 0s
bindifname: vgw
bindifaddr: $O_GW
owntsaddrincrease: 0
peertsaddrincrease: 0
loglevel: 3
ikeconf:
  psk: esp-multits
  installfastpath: true
  dhgrpid: [31]
  childlist:
  - encalg: [aes-gcm-16:128]
    lifetime: 1h
    ownts: $(ts 10.30.2 10.31.2)
    peerts: $(ts 10.30.1 10.31.1)
EOC
ip netns exec $GW "$IKS" exec -f "$tmpd/gw.yaml" --lf "$tmpd/gw.log" > "$tmpd/gw.out" 2>&1 &
gwpid=$!
sleep 1
ip netns exec $CL "$IKS" exec -f "$tmpd/cl.yaml" --lf "$tmpd/cl.log" > "$tmpd/cl.out" 2>&1 &
clpid=$!
show() {
	for f in cl.out gw.out; do tail -n 4 "$tmpd/$f" | sed "s/^/  $f: /"; done
	grep -h 'fastpath\|child\.' "$tmpd/cl.log" "$tmpd/gw.log" | head -n 8 | sed 's/^/  /'
}
i=0
while [ $i -lt 120 ]; do
	c=$(ip -n $CL xfrm state | grep -c '^src') g=$(ip -n $GW xfrm state | grep -c '^src')
	[ "$c" -ge 2 ] && [ "$g" -ge 2 ] && break
	kill -0 $clpid 2>/dev/null && kill -0 $gwpid 2>/dev/null || break
	sleep 0.5; i=$((i + 1))
done
[ "$c" -ge 2 ] && [ "$g" -ge 2 ] || { show; fail esp-multits "states: client $c, gateway $g of 2"; }

counts() { # NS: "policies routes" (not the IKE sockets' 0/0 bypass policies)
	echo "$(ip -n "$1" xfrm policy | grep '^src' | grep -vc '^src 0.0.0.0/0 dst 0.0.0.0/0')" \
		"$(ip -n "$1" route show table 330 | grep -c .)"
}
pings() { # every pair of inner addresses; prints the ones without an answer
	for a in 10.30.1.1 10.31.1.1; do
		for b in 10.30.2.1 10.31.2.1; do
			ip netns exec $CL ping -q -c 2 -i 0.2 -W 2 -I $a $b > "$tmpd/ping" 2>&1
			grep -q ' [1-9][0-9]* received' "$tmpd/ping" || printf ' %s->%s' $a $b
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
fpf=$(grep -h 'fastpath.fail' "$tmpd/cl.log" "$tmpd/gw.log" | head -n 1)
[ -z "$fpf" ] || fail esp-multits "$fpf"
kill -INT $clpid
i=0
while kill -0 $clpid 2>/dev/null && [ $i -lt 60 ]; do sleep 0.5; i=$((i + 1)); done
kill -INT $gwpid
while kill -0 $gwpid 2>/dev/null && [ $i -lt 100 ]; do sleep 0.5; i=$((i + 1)); done
clpid="" gwpid=""
left=""
for n in $CL $GW; do
	s=$(ip -n $n xfrm state | grep -c '^src') p=$(ip -n $n xfrm policy | grep -c '^src')
	# (the sockets' bypass policies went with the processes)
	r=$(ip -n $n route show table 330 | grep -c .)
	[ $((s + p + r)) -eq 0 ] || left="$left $n: $s states $p policies $r routes;"
done
[ -z "$left" ] || fail esp-multits "left after the stop:$left"
echo "PASS esp-multits: 2x2 traffic selectors: 12 policies and 2 table-330 routes per side, all 4 pairs answered before and after a CHILD rekey, nothing left"
