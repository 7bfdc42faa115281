#!/bin/sh
# The client's addresses and routes (ikeswarm exec, client role), against
# an ikeswarm gateway in two namespaces on a veth pair:
#  addr_route_up        clntaddrmode route: 200 tunnels up
#  addr_route_cover     during the run, table local holds exactly the CIDR
#                       blocks that cover 10.98.0.1 .. 10.98.0.200 (checked
#                       against Python's ipaddress), no tunnel address is on
#                       the interface, the /16 link route is on it
#  addr_route_arp       an on-link ping from the gateway to a tunnel address
#                       is answered (ARP works for route-local addresses)
#  addr_flush           during the run the addresses found on the veth are
#                       gone (IPv6 link-local stays), bindifaddr is there
#  addr_staticroute     both staticroute routes present during the run
#  addr_gw_staticroute  the gateway's staticroute: there during the run,
#                       gone after
#  addr_route_after     after the run: no local route, no link route, no
#                       staticroute left
#  addr_restored        after the run: the flushed addresses are back
#  addr_iface_up        clntaddrmode interface with --flush=false: 200 up
#  addr_iface_addrs     200 addresses on the veth during the run, none
#                       after, no local route
#  addr_noflush_kept    --flush=false: the veth's own addresses stay
#  addr_route_v6_up     IPv6, clntaddrmode route: 50 tunnels up
#  addr_route_v6        the covering routes in table local during the run,
#                       gone after
#  addr_step_fails      a staticroute through a missing device: exit 1 with
#                       the reason, the tunnel addresses removed and the
#                       flushed ones back
#  addr_kernel_died     route mode, kill -9 of the kernel process: the run
#                       stops, a fresh one undoes the local routes, the link
#                       route and staticroute and puts the flushed addresses
#                       back, and those stay after it exits
#  addr_auto            auto picks interface at 2000 addresses and route at
#                       2001 (--verify plan)
#  addr_single_up       exec --single on both sides, route mode: 50 up
#  addr_single          (same run) during
#                       the run the covering local routes, the flush,
#                       bindifaddr and both sides' staticroute; after it
#                       none of them left and the flushed addresses back
#  addr_single_fails    exec --single, a staticroute through a missing
#                       device: exit 1 with the reason, the veth as found
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip timeout python3
IKESWARM=${IKESWARM:-$(cd "$(dirname "$0")/../.." && pwd)/ikeswarm}
[ -x "$IKESWARM" ] || skip "no ikeswarm binary at $IKESWARM (make)"

ns_pair
T=$(iks_tmp)
RT=$T/rt
mkdir -p "$RT"
ip -n "$IKS_NS_GW" route add 10.98.0.0/16 via "$IKS_CL4"
ip -n "$IKS_NS_GW" route add fd00:98::/64 via "$IKS_CL6"
# one address of the user's, which the flush must put back
ip -n "$IKS_NS_CL" addr add 192.0.2.5/24 dev "$IKS_IF_CL"

jnum() {
	grep -o "\"$2\":[0-9.]*" "$1" | head -n 1 | cut -d: -f2
}

# write_pair NAME TUNNELS FAMILY [client lines...]
write_pair() {
	local name n fam start peer gwa
	name=$1 n=$2 fam=$3
	shift 3
	if [ "$fam" = 6 ]; then
		start=fd00:98::1/64 peer=$IKS_GW6 gwa=$IKS_GW6/64
	else
		start=10.98.0.1/16 peer=$IKS_GW4 gwa=$IKS_GW4/24
	fi
	{
		echo "role: client"
		echo "numberoftunnels: $n"
		echo "runningtime: 6s"
		echo "startclntaddr: $start"
		echo "peeraddr: $peer"
		echo "bindifname: $IKS_IF_CL"
		echo "setupinterval: 2ms"
		echo "tunnelretryinterval: 1s"
		for l in "$@"; do
			echo "$l"
		done
		echo "ikeconf:"
		echo "  psk: iks-addr-test"
		[ "$fam" = 6 ] && printf '  childlist:\n  - ownts:\n    - {type: v6}\n    peerts:\n    - {type: v6}\n'
	} >"$T/$name-cl.yaml"
	{
		echo "role: gateway"
		echo "numberoftunnels: $n"
		echo "runningtime: ${GW_TIME:-10s}"
		echo "bindifname: $IKS_IF_GW"
		echo "bindifaddr: $gwa"
		[ -z "$GW_EXTRA" ] || echo "$GW_EXTRA"
		echo "ikeconf:"
		echo "  psk: iks-addr-test"
		[ "$fam" = 6 ] && printf '  childlist:\n  - ownts:\n    - {type: v6}\n    peerts:\n    - {type: v6}\n'
	} >"$T/$name-gw.yaml"
}

# start_pair NAME [client exec args...]: gateway, then the client, both in
# the background (GWPID, CLPID).
start_pair() {
	local name
	name=$1
	shift
	TMPDIR=$RT ip netns exec "$IKS_NS_GW" timeout 60 "$IKESWARM" exec -f "$T/$name-gw.yaml" \
		$GW_ARGS -j --lf "$T/$name-gw.log" >"$T/$name-gw.json" 2>"$T/$name-gw.err" &
	GWPID=$!
	sleep 0.5
	TMPDIR=$RT ip netns exec "$IKS_NS_CL" timeout 60 "$IKESWARM" exec -f "$T/$name-cl.yaml" \
		-j --lf "$T/$name-cl.log" "$@" >"$T/$name-cl.json" 2>"$T/$name-cl.err" &
	CLPID=$!
	sleep 3
}

# wait_pair NAME WANT TEST: both exit 0 with WANT created on each side.
wait_pair() {
	local cl gw
	wait $CLPID
	cl=$?
	wait $GWPID
	gw=$?
	if [ $cl -ne 0 ] || [ $gw -ne 0 ] || [ "$(jnum "$T/$1-cl.json" created)" != "$2" ] ||
	   [ "$(jnum "$T/$1-gw.json" created)" != "$2" ]; then
		fail "$3" "exit client $cl gateway $gw, created $(jnum "$T/$1-cl.json" created)/$(jnum "$T/$1-gw.json" created) of $2 ($(tail -n 1 "$T/$1-cl.err"))"
	else
		pass "$3"
	fi
}

# local_routes FAMILY: our local routes (proto boot) in the client, sorted.
local_routes() {
	ip -n "$IKS_NS_CL" -"$1" route show table local type local proto boot |
		awk '{print $2}' | sort
}

# cover FIRST COUNT: the minimal CIDR cover, as ip prints it, sorted.
cover() {
	python3 - "$1" "$2" <<'PY' | sort
import ipaddress, sys
a = ipaddress.ip_address(sys.argv[1])
for n in ipaddress.summarize_address_range(a, a + int(sys.argv[2]) - 1):
    print(n.network_address if n.prefixlen == n.max_prefixlen else n)
PY
}

cl_addrs() { # cl_addrs REGEX: how many addresses on the client veth match
	ip -n "$IKS_NS_CL" addr show dev "$IKS_IF_CL" | grep -c -E "inet6? ($1)"
}

# ---- route mode, flush, bindifaddr, staticroute ----
GW_EXTRA="staticroute: ip route replace 198.51.100.128/25 via $IKS_CL4"
write_pair route 200 4 "clntaddrmode: route" "bindifaddr: $IKS_CL4/24" \
	"staticroute: ip route replace 198.51.100.0/24 via $IKS_GW4; ip route replace 203.0.113.0/24 dev $IKS_IF_CL table 100 metric 5"
start_pair route
got=$(local_routes 4 | tr '\n' ' ')
want=$(cover 10.98.0.1 200 | tr '\n' ' ')
if [ "$got" != "$want" ]; then
	fail addr_route_cover "table local has '$got', want '$want'"
elif [ "$(cl_addrs '10\.98\.')" -ne 0 ]; then
	fail addr_route_cover "tunnel addresses on $IKS_IF_CL"
elif ! ip -n "$IKS_NS_CL" route show 10.98.0.0/16 | grep -q "dev $IKS_IF_CL"; then
	fail addr_route_cover "no 10.98.0.0/16 link route on $IKS_IF_CL"
else
	pass addr_route_cover
fi
if [ "$(cl_addrs '192\.0\.2\.5/|fd00:99::2/')" -ne 0 ]; then
	fail addr_flush "flushed addresses still there: $(ip -n "$IKS_NS_CL" -br addr show dev "$IKS_IF_CL")"
elif [ "$(cl_addrs 'fe80:')" -ne 1 ] || [ "$(cl_addrs '10\.99\.0\.2/24')" -ne 1 ]; then
	fail addr_flush "link-local or bindifaddr missing: $(ip -n "$IKS_NS_CL" -br addr show dev "$IKS_IF_CL")"
else
	pass addr_flush
fi
if ip -n "$IKS_NS_CL" route show 198.51.100.0/24 | grep -q "via $IKS_GW4" &&
   ip -n "$IKS_NS_CL" route show table 100 203.0.113.0/24 | grep -q "metric 5"; then
	pass addr_staticroute
else
	fail addr_staticroute "routes: $(ip -n "$IKS_NS_CL" route show table all | grep -E '198.51|203.0' | tr '\n' ';')"
fi
# on-link from the gateway (a /32 on the veth, no route via): the client
# answers ARP for an address that only a local route makes local
ip -n "$IKS_NS_GW" route add 10.98.0.150/32 dev "$IKS_IF_GW"
if ip netns exec "$IKS_NS_GW" ping -c 1 -W 2 10.98.0.150 >/dev/null 2>&1 &&
   ip -n "$IKS_NS_GW" neigh show 10.98.0.150 | grep -q lladdr; then
	pass addr_route_arp
else
	fail addr_route_arp "no answer from 10.98.0.150 on-link: $(ip -n "$IKS_NS_GW" neigh show 10.98.0.150)"
fi
ip -n "$IKS_NS_GW" route del 10.98.0.150/32 dev "$IKS_IF_GW"
if ip -n "$IKS_NS_GW" route show 198.51.100.128/25 | grep -q "via $IKS_CL4"; then
	gw_sr=yes
else
	gw_sr="missing during the run"
fi
wait_pair route 200 addr_route_up
GW_EXTRA=""
if [ "$gw_sr" = yes ] && [ -z "$(ip -n "$IKS_NS_GW" route show 198.51.100.128/25)" ]; then
	pass addr_gw_staticroute
else
	fail addr_gw_staticroute "${gw_sr#yes}$(ip -n "$IKS_NS_GW" route show 198.51.100.128/25)"
fi
left=$(local_routes 4; ip -n "$IKS_NS_CL" route show table all | grep -E '10\.98\.|198\.51\.100|203\.0\.113')
if [ -n "$left" ]; then
	fail addr_route_after "left: $(echo $left)"
else
	pass addr_route_after
fi
if [ "$(cl_addrs '192\.0\.2\.5/24|10\.99\.0\.2/24|fd00:99::2/64')" -ne 3 ]; then
	fail addr_restored "veth has: $(ip -n "$IKS_NS_CL" -br addr show dev "$IKS_IF_CL")"
else
	pass addr_restored
fi

# ---- interface mode, --flush=false ----
write_pair iface 200 4 "clntaddrmode: interface"
start_pair iface --flush=false
n=$(cl_addrs '10\.98\.')
if [ "$(cl_addrs '192\.0\.2\.5/|10\.99\.0\.2/|fd00:99::2/')" -ne 3 ]; then
	fail addr_noflush_kept "veth has: $(ip -n "$IKS_NS_CL" -br addr show dev "$IKS_IF_CL")"
else
	pass addr_noflush_kept
fi
wait_pair iface 200 addr_iface_up
if [ "$n" -ne 200 ] || [ "$(cl_addrs '10\.98\.')" -ne 0 ] || [ -n "$(local_routes 4)" ]; then
	fail addr_iface_addrs "$n addresses during the run, $(cl_addrs '10\.98\.') after, local routes '$(local_routes 4)'"
else
	pass addr_iface_addrs
fi

# ---- IPv6 route mode ----
write_pair v6 50 6 "clntaddrmode: route" "bindifaddr: $IKS_CL6/64"
start_pair v6
got=$(local_routes 6 | tr '\n' ' ')
want=$(cover fd00:98::1 50 | tr '\n' ' ')
wait_pair v6 50 addr_route_v6_up
if [ "$got" != "$want" ]; then
	fail addr_route_v6 "table local had '$got', want '$want'"
elif [ -n "$(local_routes 6)" ]; then
	fail addr_route_v6 "left after the run: $(local_routes 6 | tr '\n' ' ')"
else
	pass addr_route_v6
fi

# ---- a setup step that fails: the run stops cleanly and undoes the rest ----
write_pair bad 20 4 "bindifaddr: $IKS_CL4/24" "staticroute: ip route replace 198.51.100.0/24 dev nosuch0"
TMPDIR=$RT ip netns exec "$IKS_NS_CL" timeout 60 "$IKESWARM" exec -f "$T/bad-cl.yaml" -j \
	--lf "$T/bad-cl.log" >"$T/bad-cl.json" 2>"$T/bad-cl.err"
rc=$?
if [ $rc -ne 1 ] || ! grep -q 'staticroute 1:.*No such device' "$T/bad-cl.err"; then
	fail addr_step_fails "exit $rc: $(tail -n 1 "$T/bad-cl.err")"
elif [ "$(cl_addrs '10\.98\.')" -ne 0 ] ||
     [ "$(cl_addrs '192\.0\.2\.5/24|10\.99\.0\.2/24|fd00:99::2/64')" -ne 3 ]; then
	fail addr_step_fails "veth has: $(ip -n "$IKS_NS_CL" -br addr show dev "$IKS_IF_CL")"
else
	pass addr_step_fails
fi

# ---- route mode, the kernel process killed: the supervisor undoes it all ----
write_pair kdie 50 4 "clntaddrmode: route" "bindifaddr: $IKS_CL4/24" \
	"staticroute: ip route replace 198.51.100.0/24 via $IKS_GW4"
TMPDIR=$RT ip netns exec "$IKS_NS_CL" timeout 60 "$IKESWARM" exec -f "$T/kdie-cl.yaml" -j \
	--lf "$T/kdie-cl.log" >"$T/kdie-cl.json" 2>"$T/kdie-cl.err" &
CLPID=$!
sleep 2
before=$(local_routes 4 | wc -l)
for p in $(ip netns pids "$IKS_NS_CL"); do
	[ "$(cat /proc/$p/comm 2>/dev/null)" = ikeswarm-kernel ] && kill -9 "$p"
done
wait $CLPID
rc=$?
left=$(local_routes 4; ip -n "$IKS_NS_CL" route show table all | grep -E '10\.98\.|198\.51\.100')
if [ $rc -ne 1 ] || [ "$before" -eq 0 ] || ! grep -q 'kernel.cleanup requests=[0-9]* failed=0' "$T/kdie-cl.log"; then
	fail addr_kernel_died "exit $rc, $before local routes before, log: $(grep kernel.cleanup "$T/kdie-cl.log")"
elif [ -n "$left" ]; then
	fail addr_kernel_died "left: $(echo $left)"
elif [ "$(cl_addrs '192\.0\.2\.5/24|10\.99\.0\.2/24|fd00:99::2/64')" -ne 3 ]; then
	fail addr_kernel_died "veth has: $(ip -n "$IKS_NS_CL" -br addr show dev "$IKS_IF_CL")"
else
	pass addr_kernel_died
fi

# ---- exec --single: the same steps without a kernel process ----
GW_EXTRA="staticroute: ip route replace 198.51.100.128/25 via $IKS_CL4" GW_ARGS=--single GW_TIME=7s
write_pair single 50 4 "clntaddrmode: route" "bindifaddr: $IKS_CL4/24" \
	"staticroute: ip route replace 198.51.100.0/24 via $IKS_GW4"
start_pair single --single
GW_EXTRA="" GW_ARGS="" GW_TIME=""
got=$(local_routes 4 | tr '\n' ' ')
want=$(cover 10.98.0.1 50 | tr '\n' ' ')
during=""
[ "$got" = "$want" ] || during="table local has '$got', want '$want'; "
[ "$(cl_addrs '192\.0\.2\.5/|fd00:99::2/')" -eq 0 ] || during="${during}not flushed; "
[ "$(cl_addrs '10\.99\.0\.2/24')" -eq 1 ] || during="${during}no bindifaddr; "
ip -n "$IKS_NS_CL" route show 10.98.0.0/16 | grep -q "dev $IKS_IF_CL" || during="${during}no link route; "
ip -n "$IKS_NS_CL" route show 198.51.100.0/24 | grep -q "via $IKS_GW4" || during="${during}no client staticroute; "
ip -n "$IKS_NS_GW" route show 198.51.100.128/25 | grep -q "via $IKS_CL4" || during="${during}no gateway staticroute; "
wait_pair single 50 addr_single_up
left=$(local_routes 4; ip -n "$IKS_NS_CL" route show table all | grep -E '10\.98\.|198\.51\.100';
       ip -n "$IKS_NS_GW" route show 198.51.100.128/25)
if [ -n "$during" ]; then
	fail addr_single "during the run: $during"
elif [ -n "$left" ]; then
	fail addr_single "left: $(echo $left)"
elif [ "$(cl_addrs '192\.0\.2\.5/24|10\.99\.0\.2/24|fd00:99::2/64')" -ne 3 ]; then
	fail addr_single "veth has: $(ip -n "$IKS_NS_CL" -br addr show dev "$IKS_IF_CL")"
else
	pass addr_single
fi
ip netns exec "$IKS_NS_CL" timeout 30 "$IKESWARM" exec -f "$T/bad-cl.yaml" --single -j \
	--lf "$T/bad1-cl.log" >"$T/bad1-cl.json" 2>"$T/bad1-cl.err"
rc=$?
if [ $rc -ne 1 ] || ! grep -q 'staticroute 1:.*No such device' "$T/bad1-cl.err"; then
	fail addr_single_fails "exit $rc: $(tail -n 1 "$T/bad1-cl.err")"
elif [ "$(cl_addrs '10\.98\.')" -ne 0 ] ||
     [ "$(cl_addrs '192\.0\.2\.5/24|10\.99\.0\.2/24|fd00:99::2/64')" -ne 3 ]; then
	fail addr_single_fails "veth has: $(ip -n "$IKS_NS_CL" -br addr show dev "$IKS_IF_CL")"
else
	pass addr_single_fails
fi

# ---- auto ----
write_pair auto1 2000 4
write_pair auto2 2001 4
a1=$("$IKESWARM" exec -f "$T/auto1-cl.yaml" --verify 2>&1 | grep '^addresses:')
a2=$("$IKESWARM" exec -f "$T/auto2-cl.yaml" --verify 2>&1 | grep '^addresses:')
case "$a1|$a2" in
*"on $IKS_IF_CL|"*"local routes"*) pass addr_auto ;;
*) fail addr_auto "plans: '$a1' / '$a2'" ;;
esac
finish
