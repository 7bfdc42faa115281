#!/bin/sh
# A gateway holding 100 tunnels is fed 100,000 random and mutated IKE
# packets (truncated, bit-flipped, wrong lengths, unknown SPIs, replayed;
# t/tools/udpfuzz.c, seeded from a capture of the real exchanges) from the
# client's namespace while the client keeps its tunnels alive with DPD:
#  engine_fuzz_gateway_up     the gateway stays up and passes (100 created)
#  engine_fuzz_tunnels_kept   no client tunnel failed or re-dialled: every
#                             IKE SA lived until the client's stop
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip tcpdump timeout cc
IKESWARM=${IKESWARM:-$(cd "$(dirname "$0")/../.." && pwd)/ikeswarm}
[ -x "$IKESWARM" ] || skip "no ikeswarm binary at $IKESWARM (make)"

ns_pair
T=$(iks_tmp)
ip -n "$IKS_NS_GW" route add 10.98.0.0/16 dev "$IKS_IF_GW"
cc -O2 -o "$T/udpfuzz" "$(dirname "$0")/../tools/udpfuzz.c" ||
	{ fail engine_fuzz "cannot build t/tools/udpfuzz.c"; finish; }

jnum() { grep -o "\"$2\":[0-9.]*" "$1" | head -n 1 | cut -d: -f2; }
jstr() { grep -o "\"$2\":\"[a-z]*\"" "$1" | head -n 1 | cut -d'"' -f4; }

cat >"$T/gw.yaml" <<YAML
role: gateway
numberoftunnels: 100
runningtime: 30s
bindifname: $IKS_IF_GW
bindifaddr: $IKS_GW4
ikeconf:
  psk: iks-fuzz
  dhgrpid: [31]
  retraninterval: 1s
  numoftunneltoenablecookie: 20
YAML
cat >"$T/cl.yaml" <<YAML
role: client
numberoftunnels: 100
runningtime: 24s
startclntaddr: 10.98.0.1/16
peeraddr: $IKS_GW4
bindifname: $IKS_IF_CL
bindifaddr: $IKS_CL4/24
setupinterval: 5ms
tunnelmaxretry: 0
ikeconf:
  psk: iks-fuzz
  dhgrpid: [31]
  retraninterval: 1s
  maxretran: 5
  forcedpd: true
  dpdinterval: 2s
YAML

capture_start "$IKS_NS_GW" "$IKS_IF_GW" "$T/seed.pcap"
ip netns exec "$IKS_NS_GW" timeout 60 "$IKESWARM" exec -f "$T/gw.yaml" -j --lf "$T/gw.log" \
	>"$T/gw.json" 2>"$T/gw.err" &
gwpid=$!
sleep 0.3
ip netns exec "$IKS_NS_CL" timeout 60 "$IKESWARM" exec -f "$T/cl.yaml" -j --lf "$T/cl.log" \
	>"$T/cl.json" 2>"$T/cl.err" &
clpid=$!
sleep 4 # tunnels up and a round of DPDs captured
capture_stop
fz=$(ip netns exec "$IKS_NS_CL" timeout 60 "$T/udpfuzz" "$T/seed.pcap" "$IKS_GW4" 100000 $$)
iks_log "udpfuzz: $fz"
wait $clpid
clrc=$?
wait $gwpid
gwrc=$?

if [ "$gwrc" = 0 ] && [ "$(jstr "$T/gw.json" result)" = pass ] &&
	[ "$(jnum "$T/gw.json" created)" -ge 100 ] && [ "${fz#sent=100000 }" != "$fz" ]; then
	pass engine_fuzz_gateway_up
else
	fail engine_fuzz_gateway_up "rc=$gwrc $fz $(tail -c 300 "$T/gw.json" "$T/gw.err")"
fi
stopped=$(grep -c 'ike.closed from=closing reason=stop' "$T/cl.log")
if [ "$clrc" = 0 ] && [ "$(jnum "$T/cl.json" total)" = 100 ] && [ "$stopped" = 100 ]; then
	pass engine_fuzz_tunnels_kept
else
	fail engine_fuzz_tunnels_kept "rc=$clrc total=$(jnum "$T/cl.json" total) closed_by_stop=$stopped"
fi
finish
