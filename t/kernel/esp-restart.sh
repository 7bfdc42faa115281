#!/bin/sh
# esp-restart.sh — run inside UML (t/kernel/uml.sh): a restarted worker's
# CHILD SAs go into the kernel again.  An ikeswarm gateway and client
# (process model, 1 worker each, installfastpath: true, 3 tunnels of one
# AES-GCM CHILD SA) come up; the client's worker is killed (SIGKILL) and
# the supervisor starts it again; the new worker reuses its reqids, so its
# kernel process must first remove what the dead one left (the worker's
# "purge" request).  Then:
#  - the client's tunnels are up again with 2 states each on both sides
#    (no leftovers, no EEXIST: no child.fastpath.fail in either log),
#  - the client's kernel process said it removed the dead worker's SAs,
#  - a ping through tunnel 0 answers.
# Prints PASS/FAIL/SKIP lines; exits 1 on a failure.

[ "$(id -u)" = 0 ] || { echo "SKIP esp-restart: needs root"; exit 0; }
. "$(dirname "$0")/lib.sh"
IKS=${IKESWARM:-}
[ -n "$IKS" ] && [ -x "$IKS" ] ||
	{ echo "SKIP esp-restart: no ikeswarm binary (IKESWARM='$IKS')"; exit 0; }
CL=esp-rs-cl GW=esp-rs-gw
N=3 O_GW=10.99.0.1
clpid="" gwpid=""
tmpd=$(mktemp -d /tmp/esp-rs.XXXXXX) || exit 1
trap kt_iks_cleanup EXIT
fail() { echo "FAIL $1: $2"; exit 1; }

{
	ip netns add $CL && ip netns add $GW &&
	ip link add vcl netns $CL type veth peer name vgw netns $GW &&
	ip -n $GW addr add $O_GW/24 dev vgw &&
	ip -n $GW link set vgw up && ip -n $CL link set vcl up &&
	ip -n $GW link set lo up && ip -n $CL link set lo up &&
	ip -n $CL addr add 10.20.1.1/32 dev lo && ip -n $CL addr add 10.20.1.2/32 dev lo &&
	ip -n $CL addr add 10.20.1.3/32 dev lo && ip -n $GW addr add 10.20.2.1/32 dev lo
} || fail esp-restart "namespace setup"

cat > "$tmpd/cl.yaml" <<EOC
role: client
numberoftunnels: $N
workers: 1
runningtime: 0s
startclntaddr: 10.99.0.2/24
peeraddr: $O_GW
bindifname: vcl
setupinterval: 100ms
tunnelretryinterval: 1s
owntsaddrincrease: 1
peertsaddrincrease: 0
loglevel: 4
ikeconf:
  psk: esp-restart
  installfastpath: true
  dhgrpid: [31]
  retraninterval: 1s
  childlist:
  - encalg: [aes-gcm-16:128]
    lifetime: 1h
    ownts: [{type: v4, startaddr: 10.20.1.1, endaddr: 10.20.1.1}]
    peerts: [{type: v4, startaddr: 10.20.2.0, endaddr: 10.20.2.255}]
EOC
cat > "$tmpd/gw.yaml" <<EOC
role: gateway
numberoftunnels: $N
workers: 1
runningtime: 0s
bindifname: vgw
bindifaddr: $O_GW
owntsaddrincrease: 0
peertsaddrincrease: 0
loglevel: 3
ikeconf:
  psk: esp-restart
  installfastpath: true
  dhgrpid: [31]
  childlist:
  - encalg: [aes-gcm-16:128]
    lifetime: 1h
    ownts: [{type: v4, startaddr: 10.20.2.0, endaddr: 10.20.2.255}]
    peerts: [{type: v4, startaddr: 10.20.1.0, endaddr: 10.20.1.255}]
EOC
ip netns exec $GW "$IKS" exec -f "$tmpd/gw.yaml" --lf "$tmpd/gw.log" > "$tmpd/gw.out" 2>&1 &
gwpid=$!
sleep 1
ip netns exec $CL "$IKS" exec -f "$tmpd/cl.yaml" --lf "$tmpd/cl.log" > "$tmpd/cl.out" 2>&1 &
clpid=$!

# both sides at want states, the client's log at ups tunnel.up lines
wait_up() { # WANT UPS
	i=0
	while [ $i -lt 120 ]; do
		c=$(ip -n $CL xfrm state | grep -c '^src') g=$(ip -n $GW xfrm state | grep -c '^src')
		u=$(grep -c ' tunnel.up ' "$tmpd/cl.log" 2>/dev/null)
		[ "$c" -eq "$1" ] && [ "$g" -eq "$1" ] && [ "$u" -ge "$2" ] && return 0
		kill -0 $clpid 2>/dev/null && kill -0 $gwpid 2>/dev/null || return 1
		sleep 0.5; i=$((i + 1))
	done
	return 1
}
show() {
	for f in cl.out gw.out; do tail -n 4 "$tmpd/$f" | sed "s/^/  $f: /"; done
	grep -h 'fastpath\|worker\.' "$tmpd/cl.log" "$tmpd/gw.log" | head -n 8 | sed 's/^/  /'
}
wait_up $((2 * N)) $N || { show; fail esp-restart "first start: states client $c, gateway $g of $((2 * N)), $u up"; }

# The client's worker: the process in its namespace whose command line
# says __worker.
wpid=""
for p in $(ip netns pids $CL); do
	tr '\0' ' ' < /proc/$p/cmdline 2>/dev/null | grep -q '__worker' && wpid=$p
done
[ -n "$wpid" ] || fail esp-restart "no worker process found in $CL"
kill -9 "$wpid"
# its tunnels come back: N more tunnel.up lines, N CHILD SAs each side
# (the gateway replaces the old IKE SAs on INITIAL_CONTACT)
wait_up $((2 * N)) $((2 * N)) || { show; fail esp-restart "after the restart: states client $c, gateway $g of $((2 * N)), $u tunnel.up of $((2 * N))"; }
grep -q 'worker.restarted' "$tmpd/cl.log" || { show; fail esp-restart "no worker.restarted in the client's log"; }
fpf=$(grep -h 'fastpath.fail' "$tmpd/cl.log" "$tmpd/gw.log" | head -n 1)
[ -z "$fpf" ] || fail esp-restart "$fpf"
ip netns exec $CL ping -q -c 3 -i 0.2 -W 2 -I 10.20.1.1 10.20.2.1 > "$tmpd/ping" 2>&1
grep -q ' [1-9][0-9]* received' "$tmpd/ping" ||
	fail esp-restart "no ping answer through tunnel 0 after the restart"
kill -INT $clpid
i=0
while kill -0 $clpid 2>/dev/null && [ $i -lt 60 ]; do sleep 0.5; i=$((i + 1)); done
clpid=""
purged=$(grep -h 'removed the [0-9]* CHILD SAs its last run left' "$tmpd/cl.out")
[ -n "$purged" ] || { show; fail esp-restart "the client's kernel process did not remove the dead worker's SAs"; }
echo "PASS esp-restart: worker killed and restarted, its $N tunnels' CHILD SAs in the kernel again without EEXIST (${purged#ikeswarm-kernel: })"
