#!/bin/sh
# SA history through the control socket, client and gateway in two
# namespaces (keepikehistory / keepchildhistory on the client only):
#  history_list       after IKE and CHILD rekeys, `cli list` / `listchild`
#                     show records with "history":true and state rekeyed,
#                     after each worker's live SAs; `dump`/`dumpchild` of a record's
#                     SPI answer it
#  history_off        the gateway (history off) lists no records
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip timeout python3
IKESWARM=${IKESWARM:-$(cd "$(dirname "$0")/../.." && pwd)/ikeswarm}
[ -x "$IKESWARM" ] || skip "no ikeswarm binary at $IKESWARM (make)"

ns_pair
T=$(iks_tmp)
ip -n "$IKS_NS_GW" route add 10.98.0.0/16 dev "$IKS_IF_GW"

# conf FILE ROLE PORT [ikeconf lines...]
conf() {
	local f role port
	f=$1 role=$2 port=$3
	shift 3
	{
		echo "role: $role"
		echo "numberoftunnels: 3"
		echo "runningtime: 30s"
		echo "apilistenport: $port"
		if [ "$role" = client ]; then
			echo "startclntaddr: 10.98.0.1/16"
			echo "peeraddr: $IKS_GW4"
			echo "bindifname: $IKS_IF_CL"
			echo "bindifaddr: $IKS_CL4/24" # the flush at start takes it
			echo "setupinterval: 5ms"
		else
			echo "bindifname: $IKS_IF_GW"
			echo "bindifaddr: $IKS_GW4"
		fi
		echo "ikeconf:"
		echo "  psk: iks-history-test"
		echo "  margintime: 1s"
		echo "  jitter: false"
		for l in "$@"; do
			echo "  $l"
		done
	} >"$f"
}
conf "$T/gw.yaml" gateway 12350
conf "$T/cl.yaml" client 12351 "ikelifetime: 4s" "keepikehistory: true" \
	"keepchildhistory: true" "childlist:" "  - lifetime: 3s"

ip netns exec "$IKS_NS_GW" timeout 40 "$IKESWARM" exec -f "$T/gw.yaml" -j \
	--lf "$T/gw.log" >"$T/gw.json" 2>"$T/gw.err" &
sleep 0.5
ip netns exec "$IKS_NS_CL" timeout 40 "$IKESWARM" exec -f "$T/cl.yaml" -j \
	--lf "$T/cl.log" >"$T/cl.json" 2>"$T/cl.err" &
sleep 6 # CHILD rekeys at 2 s and 4 s, IKE rekeys at 3 s

# cli NS PORT OUT ARGS...: one control request, the reply in $T/OUT
cli() {
	local ns port out
	ns=$1 port=$2 out=$3
	shift 3
	ip netns exec "$ns" "$IKESWARM" cli --svr "tcp://127.0.0.1:$port" --timeout 5 "$@" \
		>"$T/$out" 2>"$T/$out.err"
}
cli "$IKS_NS_CL" 12351 list.json list 0 1000
cli "$IKS_NS_CL" 12351 listchild.json listchild 0 1000
out=$(python3 - "$T/list.json" "$T/listchild.json" <<'PY' 2>&1
import json, sys
for path, key in ((sys.argv[1], 'ike_sas'), (sys.argv[2], 'child_sas')):
    r = json.load(open(path))
    sas = r[key]
    live = [s for s in sas if not s.get('history')]
    hist = [s for s in sas if s.get('history')]
    if r['total'] != len(sas):
        sys.exit('%s: total %d, %d listed' % (key, r['total'], len(sas)))
    if len(live) < 3 or not hist:
        sys.exit('%s: %d live, %d history' % (key, len(live), len(hist)))
    for w in set(s['worker'] for s in sas):  # merged in worker order
        mine = [bool(s.get('history')) for s in sas if s['worker'] == w]
        if mine != sorted(mine):
            sys.exit('%s: worker %d lists a record before a live SA' % (key, w))
    if not any(h['state'] == 'rekeyed' for h in hist):
        sys.exit('%s: no rekeyed record: %r' % (key, hist[:2]))
    for h in hist:
        if h['state'] not in ('rekeyed', 'closed') or h['ended_us'] < h['created_us']:
            sys.exit('%s: bad record %r' % (key, h))
    print(hist[0]['spi'])
PY
)
if [ $? -ne 0 ]; then
	fail history_list "$out"
else
	ike=$(echo "$out" | sed -n 1p) child=$(echo "$out" | sed -n 2p)
	cli "$IKS_NS_CL" 12351 dump.json dump "$ike"
	cli "$IKS_NS_CL" 12351 dumpchild.json dumpchild "$child"
	if ! python3 -c "import json,sys
a = json.load(open('$T/dump.json'))['ike_sa']
b = json.load(open('$T/dumpchild.json'))['child_sa']
sys.exit(0 if a['history'] and a['spi'] == '$ike' and b['history'] and b['spi'] == '$child'
         else 1)" \
		2>"$T/dump.py.err"; then
		fail history_list "dump/dumpchild of $ike/$child: $(cat "$T/dump.json" "$T/dumpchild.json" \
			"$T/dump.err" "$T/dumpchild.err" | head -c 400)"
	else
		pass history_list
	fi
fi

cli "$IKS_NS_GW" 12350 gwlist.json listchild 0 1000
check history_off python3 -c "import json,sys
r = json.load(open('$T/gwlist.json'))
sys.exit(0 if r['child_sas'] and not any(s.get('history') for s in r['child_sas']) else 1)"
finish
