#!/bin/sh
# bench/mobike-scale.sh: N MOBIKE tunnels between two ikeswarm instances in
# two namespaces, every tunnel moving every LIFE for RT (issue 6's "done
# when": N=10000 LIFE=30s RT=5m).  Prints both -j results, the update rate
# and the failures; timings only, never in CI.  Needs root.
# Measured on 2 cores (2026-11-27, setupinterval 2 ms): 10,000 tunnels x 30 s
# x 5 min: 89,331 updates sent and acknowledged, 0 failed, every tunnel >= 8
# moves, ~300 updates/s in steady state (plus as many return routability
# checks); 669 IKE_AUTH timeouts while setting up at 500/s (retried, all up),
# hence 5 ms now.
#   N=10000 LIFE=30s RT=5m CHANGE=own-only sh bench/mobike-scale.sh
N=${N:-10000}
LIFE=${LIFE:-30s}
RT=${RT:-5m}
CHANGE=${CHANGE:-own-only}
IKESWARM=${IKESWARM:-$(cd "$(dirname "$0")/.." && pwd)/ikeswarm}
IKS_TEST=mobike-scale
. "$(dirname "$0")/../t/netns/lib.sh"
need_root
[ -x "$IKESWARM" ] || skip "no ikeswarm binary at $IKESWARM (make)"
IKS_CL4=10.99.0.100
ns_pair
T=$(iks_tmp)
# One neighbour entry each way whatever N is (the ARP table is shared by
# every namespace of the host).
ip -n "$IKS_NS_GW" route add 10.98.0.0/16 via "$IKS_CL4" dev "$IKS_IF_GW"
mac_gw=$(ip -n "$IKS_NS_GW" link show "$IKS_IF_GW" | awk '/link\/ether/ { print $2 }')
mac_cl=$(ip -n "$IKS_NS_CL" link show "$IKS_IF_CL" | awk '/link\/ether/ { print $2 }')
ip -n "$IKS_NS_GW" neigh replace "$IKS_CL4" lladdr "$mac_cl" dev "$IKS_IF_GW" nud permanent
for a in 10.99.0.1 10.99.0.2 10.99.0.3; do
	ip -n "$IKS_NS_CL" neigh replace "$a" lladdr "$mac_gw" dev "$IKS_IF_CL" nud permanent
done
cat >"$T/cl.yaml" <<E2
role: client
numberoftunnels: $N
runningtime: $RT
startclntaddr: 10.98.0.1/16
peeraddr: 10.99.0.1
bindifname: $IKS_IF_CL
bindifaddr: $IKS_CL4/24
setupinterval: 5ms
tunnelretryinterval: 2s
tunnelmaxretry: 3
mobike: true
mobikeaddrpertunnel: 2
mobikeiplifetime: $LIFE
mobikechangeaddrtype: $CHANGE
ikeconf:
  psk: mobike-scale
  retraninterval: 2s
  maxretran: 5
E2
cat >"$T/gw.yaml" <<E2
role: gateway
numberoftunnels: $N
bindifname: $IKS_IF_GW
bindifaddr: 10.99.0.1/24
mobike: true
mobikeaddrpergw: 3
ikeconf:
  psk: mobike-scale
  retraninterval: 2s
  maxretran: 5
E2
# The gateway runs until the client is done (then SIGTERM), so none of the
# client's slices outlives it.
ip netns exec "$IKS_NS_GW" "$IKESWARM" exec -f "$T/gw.yaml" -j --lf "$T/gw.log" \
	>"$T/gw.json" 2>"$T/gw.err" &
gp=$!
sleep 0.5
t0=$(date +%s)
ip netns exec "$IKS_NS_CL" "$IKESWARM" exec -f "$T/cl.yaml" -j --lf "$T/cl.log" \
	>"$T/cl.json" 2>"$T/cl.err"
t1=$(date +%s)
kill -TERM $gp
wait $gp
for s in cl gw; do
	echo "$s: $(grep -o '"created":[0-9]*\|"total":[0-9]*\|"mobike":{[^}]*}\|"result":"[a-z]*"' \
		"$T/$s.json" | tr '\n' ' ')"
done
ok=$(grep -o '"updates_ok":[0-9]*' "$T/cl.json" | cut -d: -f2)
echo "client run ${N} tunnels, ${LIFE} lifetime: $((t1 - t0)) s," \
	"updates ok $ok, ~$(( ${ok:-0} / ( (t1 - t0) > 0 ? (t1 - t0) : 1 ) )) per second" \
	"(setup included); failed events:" \
	"$(grep -c 'mobike.update.failed' "$T/cl.log" "$T/gw.log" | tr '\n' ' ')"
awk '/ mobike.update.ok / { c[$4]++ } END { m = -1; for (t in c) if (m < 0 || c[t] < m) m = c[t];
	print "tunnels with an acknowledged update: " length(c) ", fewest per tunnel: " m }' "$T/cl.log"
failed=$(cat "$T/cl.json" "$T/gw.json" | grep -o '"updates_failed":[0-9]*' |
	awk -F: '{ s += $2 } END { print s + 0 }')
if grep -q '"result":"pass"' "$T/cl.json" && [ "${failed:-1}" = 0 ]; then
	pass mobike_scale
else
	fail mobike_scale "client result or failed updates ($failed)"
fi
finish
