#!/bin/sh
# Remote-access tunnels between an ikeswarm client (ratunnel: true) and an
# ikeswarm gateway with an address pool (poolconf), two workers each, in two
# namespaces:
#  ra_up          20 tunnels up
#  ra_distinct    `cli list` on the client: 20 IKE SAs with 20 distinct
#                 "vip" addresses, all in the pool (10.200.0.0/24)
#  ra_gw_same     the gateway's `cli list` shows the same 20 addresses, and
#                 `cli dump` of one client SA answers with the "vip" listed
#  ra_children    the gateway has 20 CHILD SAs; `cli dumpchild` of one shows
#                 its remote selector narrowed to one pool address
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip timeout python3
IKESWARM=${IKESWARM:-$(cd "$(dirname "$0")/../.." && pwd)/ikeswarm}
[ -x "$IKESWARM" ] || skip "no ikeswarm binary at $IKESWARM (make)"
N=20

ns_pair
T=$(iks_tmp)
ip -n "$IKS_NS_GW" route add 10.98.0.0/16 dev "$IKS_IF_GW"

cat >"$T/gw.yaml" <<EOF
role: gateway
numberoftunnels: $N
runningtime: 30s
workers: 2
apilistenport: 12360
bindifname: $IKS_IF_GW
bindifaddr: $IKS_GW4
poolconf:
  v4startaddr: 10.200.0.1/24
  v4dnslist: [10.200.1.53]
ikeconf:
  psk: iks-ra-test
EOF
cat >"$T/cl.yaml" <<EOF
role: client
numberoftunnels: $N
runningtime: 30s
workers: 2
apilistenport: 12361
startclntaddr: 10.98.0.1/16
peeraddr: $IKS_GW4
bindifname: $IKS_IF_CL
bindifaddr: $IKS_CL4/24
setupinterval: 5ms
ikeconf:
  psk: iks-ra-test
  ratunnel: true
EOF

# (stopped with SIGINT once checked; runningtime is only a bound)
ip netns exec "$IKS_NS_GW" timeout 40 "$IKESWARM" exec -f "$T/gw.yaml" -j \
	--lf "$T/gw.log" >"$T/gw.json" 2>"$T/gw.err" &
GWPID=$!
sleep 0.5
ip netns exec "$IKS_NS_CL" timeout 40 "$IKESWARM" exec -f "$T/cl.yaml" -j \
	--lf "$T/cl.log" >"$T/cl.json" 2>"$T/cl.err" &
CLPID=$!
i=0
while [ $i -lt 30 ] && [ "$(grep -c ' tunnel\.up ' "$T/cl.log" 2>/dev/null)" != $N ]; do
	sleep 0.1
	i=$((i + 1))
done

# cli NS PORT OUT ARGS...: one control request, the reply in $T/OUT
cli() {
	local ns port out
	ns=$1 port=$2 out=$3
	shift 3
	ip netns exec "$ns" "$IKESWARM" cli --svr "tcp://127.0.0.1:$port" --timeout 5 "$@" \
		>"$T/$out" 2>"$T/$out.err"
}
sleep 1
up=$(grep -c ' tunnel\.up ' "$T/cl.log" 2>/dev/null)
if [ "${up:-0}" -ne $N ]; then
	fail ra_up "$up of $N up: $(grep -m 3 -E 'fail|refused' "$T/cl.log" "$T/gw.log" | tr '\n' ' ')"
else
	pass ra_up
fi
cli "$IKS_NS_CL" 12361 cl-list.json list 0 1000
cli "$IKS_NS_GW" 12360 gw-list.json list 0 1000
cli "$IKS_NS_GW" 12360 gw-child.json listchild 0 1000
vips() {
	python3 - "$1" <<'PY'
import ipaddress, json, sys
sas = json.load(open(sys.argv[1]))['ike_sas']
pool = ipaddress.ip_network('10.200.0.0/24')
for s in sas:
    v = s.get('vip')
    if v is None or ipaddress.ip_address(v) not in pool:
        sys.exit('SA %s: vip %r not in the pool' % (s['spi'], v))
    print(v)
PY
}
cl=$(vips "$T/cl-list.json" 2>&1 | sort)
n_cl=$(echo "$cl" | grep -c '^10\.200\.0\.')
n_uniq=$(echo "$cl" | sort -u | grep -c '^10\.200\.0\.')
if [ "$n_cl" -ne $N ] || [ "$n_uniq" -ne $N ]; then
	fail ra_distinct "$n_cl addresses, $n_uniq distinct: $(echo "$cl" | head -n 3 | tr '\n' ' ')"
else
	pass ra_distinct
fi
gw=$(vips "$T/gw-list.json" 2>&1 | sort)
first() { # FILE KEY FIELD: FIELD of the first entry of KEY
	python3 -c "import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]][0][sys.argv[3]])" \
		"$@" 2>/dev/null
}
spi=$(first "$T/cl-list.json" ike_sas spi)
cli "$IKS_NS_CL" 12361 dump.json dump "$spi"
dvip=$(python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['ike_sa']['vip'])" \
	"$T/dump.json" 2>/dev/null)
if [ "$gw" != "$cl" ] || [ -z "$dvip" ] || [ "$dvip" != "$(first "$T/cl-list.json" ike_sas vip)" ]
then
	fail ra_gw_same "gateway: $(echo "$gw" | head -n 3 | tr '\n' ' ');" \
		"dump: $(head -c 200 "$T/dump.json")"
else
	pass ra_gw_same
fi
cspi=$(first "$T/gw-child.json" child_sas spi)
cli "$IKS_NS_GW" 12360 gw-dumpchild.json dumpchild "$cspi"
check ra_children python3 -c "
import ipaddress, json, sys
cs = json.load(open('$T/gw-child.json'))['child_sas']
c = json.load(open('$T/gw-dumpchild.json'))['child_sa']
a, b = c['ts_remote'].split('-')
sys.exit(0 if len(cs) == $N and a == b and
         ipaddress.ip_address(a) in ipaddress.ip_network('10.200.0.0/24') else 1)"
kill -INT $CLPID
wait $CLPID
kill -INT $GWPID
wait $GWPID
finish
