#!/bin/sh
# esp-natt.sh — run inside UML (t/kernel/uml.sh): an ikeswarm client behind
# a masquerading router and an ikeswarm gateway, both `installfastpath:
# true` (the gateway in the process model, 1 worker: the supervisor's
# SO_REUSEPORT group; the client `exec --single`: its own sockets), 3
# tunnels, one AES-GCM CHILD SA each:
#  - NAT detected: every state on both sides is ESP in UDP
#    ("encap type espinudp"), the client's from port 4500, the gateway's to
#    the router's address;
#  - ping from each tunnel's inner address answers, and the packet counters
#    of both directions' states move on both sides: the peer's ESP in UDP
#    arriving on the IKE socket's port 4500 was decapsulated by the kernel
#    (which needs UDP_ENCAP_ESPINUDP on that socket);
#  - NAT rebinding (ports only): the router forgets its mappings and maps
#    the clients from other ports; each client sees it in the NAT-D of its
#    next DPD (every 1 s), sends UPDATE_SA_ADDRESSES, and the gateway moves
#    its states to the new port (delete + re-add, same addresses): ping
#    answers again, sequence numbers go on;
#  - MOBIKE across the NAT (a second run, 1 tunnel): the client's two
#    addresses take two paths, one through the router (ESP in UDP), one
#    direct on a second veth (plain ESP); own-only moves every 3 s during
#    a ping switch the encapsulation on and off on both sides.
# Three namespaces: client (10.98.1.0/24) — router (iptables MASQUERADE to
# 10.99.0.254) — gateway (10.99.0.1).  The UML kernel has no nf_tables for
# IPv4 (CONFIG_NF_TABLES_IPV4 unset), so the router uses the xtables NAT
# (iptables-legacy; package iptables).  Prints PASS/FAIL/SKIP lines.

. "$(dirname "$0")/lib.sh"
kt_require esp-natt
IPT=$(command -v iptables-legacy) ||
	{ echo "SKIP esp-natt: no iptables-legacy (package iptables) for the NAT"; exit 0; }

CL=esp-nat-cl RT=esp-nat-rt GW=esp-nat-gw
O_GW=10.99.0.1 O_RT=10.99.0.254 R_CL=10.98.1.1
N=3
failed=0 clpid="" gwpid=""
tmpd=$(mktemp -d /tmp/esp-natt.XXXXXX) || exit 1

trap kt_iks_cleanup EXIT
fail() { echo "FAIL $1: $2"; failed=1; }

# The client's outer addresses come from exec (startclntaddr, on vcl); its
# route to the gateway is on-link via the router before they exist.
{
	ip netns add $CL && ip netns add $RT && ip netns add $GW &&
	ip link add vcl netns $CL type veth peer name vrc netns $RT &&
	ip link add vrg netns $RT type veth peer name vgw netns $GW &&
	ip -n $RT addr add $R_CL/24 dev vrc && ip -n $RT addr add $O_RT/24 dev vrg &&
	ip -n $GW addr add $O_GW/24 dev vgw &&
	for n in $CL $RT $GW; do ip -n $n link set lo up || exit 1; done &&
	ip -n $CL link set vcl up && ip -n $RT link set vrc up &&
	ip -n $RT link set vrg up && ip -n $GW link set vgw up &&
	ip -n $CL route add 10.99.0.0/24 via $R_CL dev vcl onlink &&
	ip netns exec $RT sysctl -qw net.ipv4.ip_forward=1 &&
	ip netns exec $RT "$IPT" -t nat -A POSTROUTING -o vrg -j MASQUERADE
} 2> "$tmpd/setup" || { fail esp-natt "namespace/NAT setup: $(head -n 2 "$tmpd/setup")"; exit 1; }
kt_inner_addrs $N 11 || { fail esp-natt "inner addresses"; exit 1; }

child() { # ROLE
	if [ "$1" = client ]; then kt_child aes-gcm-16:128 1h 10.11.1.1 10.11.1.1 10.11.2.1 10.11.2.1
	else kt_child aes-gcm-16:128 1h 10.11.2.0 10.11.2.255 10.11.1.0 10.11.1.255; fi
}
cat > "$tmpd/cl.yaml" <<EOC
$(kt_yaml_head client $N 1 1 10.98.1.2/24)
setupinterval: 100ms
loglevel: 3
mobike: true
mobikeaddrpertunnel: 1
mobikeiplifetime: 1h
mobikechangeaddrtype: peer-only
$(kt_yaml_ike esp-natt)
  jitter: false
  retraninterval: 2s
  dpdinterval: 1s
  childlist:
$(child client)
EOC
cat > "$tmpd/gw.yaml" <<EOC
$(kt_yaml_head gateway $N 0 0)
loglevel: 3
mobike: true
mobikeaddrpergw: 1
$(kt_yaml_ike esp-natt)
  jitter: false
  childlist:
$(child gateway)
EOC

kt_start_pair "" "--workers 1" --single
want=$((N * 2))
kt_wait_up $want 80
if [ "$c" -lt $want ] || [ "$g" -lt $want ]; then
	fail esp-natt "states: client $c, gateway $g of $want"
	kt_show 5 'fastpath\|failed\|UDP_ENCAP' 6
	exit 1
fi

# NAT detected: each state's "encap type espinudp sport S dport D" (ip
# prints it on its own line); the client's side leaves from port 4500,
# the gateway's goes to the router's address.
encaps() { # NS: "SRC DST SPORT DPORT" per state (no encap: SPORT empty)
	ip -n "$1" xfrm state | awk '
		/^src/ { if (s) print s, d, sp, dp; s = $2; d = $4; sp = ""; dp = "" }
		$1 == "encap" && $3 == "espinudp" { sp = $5; dp = $7 }
		END { if (s) print s, d, sp, dp }'
}
encaps $CL > "$tmpd/ecl"; encaps $GW > "$tmpd/egw"
ce=$(grep -c '^10\.98\.1\.[0-9]* [0-9.]* 4500 [0-9]' "$tmpd/ecl")
ge=$(grep -c "^$O_GW $O_RT 4500 [0-9]" "$tmpd/egw")
gports=$(grep "^$O_GW $O_RT" "$tmpd/egw" | cut -d' ' -f4 | sort -u | tr '\n' ' ')
if [ "$ce" -lt $N ] || [ "$ge" -lt $N ]; then
	fail esp-natt-detect "ESP-in-UDP out states: client $ce, gateway $ge of $N"
	sed 's/^/  cl: /' "$tmpd/ecl"; sed 's/^/  gw: /' "$tmpd/egw"
else
	echo "PASS esp-natt-detect: all $((2 * want)) states are ESP in UDP (encap espinudp);" \
		"the gateway's go to $O_RT ports ${gports% }"
fi

# Ping through each tunnel, then the packet counters of all 4 states of
# its CHILD SA: "SRC DST PACKETS" per state.
counted() { # NS
	ip -n "$1" -s xfrm state | awk '
		/^src/ { if (s) print s, d, p; s = $2; d = $4; p = "" }
		/lifetime current:/ { getline; sub(/\(packets\)/, "", $2); p = $2 }
		END { if (s) print s, d, p }'
}
bad="" still=""
t=1
while [ $t -le $N ]; do
	kt_ping 10.11.1.$t 10.11.2.$t || bad="$bad 10.11.2.$t"
	t=$((t + 1))
done
{ counted $CL; counted $GW; } > "$tmpd/st"
t=1
while [ $t -le $N ]; do
	o="10.98.1.$((t + 1))"
	n=$(grep -c -e "^$o $O_GW [1-9]" -e "^$O_GW $o [1-9]" "$tmpd/st")
	[ "$n" -eq 2 ] || still="$still client-$o"
	t=$((t + 1))
done
gm=$(grep -c -e "^$O_RT $O_GW [1-9]" -e "^$O_GW $O_RT [1-9]" "$tmpd/st")
[ "$gm" -ge $((2 * N)) ] || still="$still gateway($gm of $((2 * N)))"
if [ -n "$bad" ]; then
	fail esp-natt-ping "no answer from:$bad"
	sed 's/^/  /' "$tmpd/st"
	ip netns exec $CL awk '$2 != 0' /proc/net/xfrm_stat 2>/dev/null | sed 's/^/  cl: /'
	ip netns exec $GW awk '$2 != 0' /proc/net/xfrm_stat 2>/dev/null | sed 's/^/  gw: /'
elif [ -n "$still" ]; then
	fail esp-natt-ping "states without packets after the ping:$still"
	sed 's/^/  /' "$tmpd/st"
else
	echo "PASS esp-natt-ping: ping answered through $N NAT-ed tunnels;" \
		"in and out states counted on both sides"
fi

# "SRC DST DPORT SPI OSEQ" per state (DPORT "-" without ESP in UDP; OSEQ
# in decimal, from "oseq 0x..." of `ip -s xfrm state`).
seqs() { # NS
	ip -n "$1" -s xfrm state | awk '
		function hex(h,  v, k, c) { v = 0; h = tolower(substr(h, 3))
			for (k = 1; k <= length(h); k++) { c = index("0123456789abcdef", substr(h, k, 1))
				v = v * 16 + c - 1 }
			return v }
		/^src/ { if (s) print s, d, dp, i, o; s = $2; d = $4; dp = "-"; i = ""; o = "" }
		$1 == "proto" && $3 == "spi" { i = $4 }
		$1 == "encap" && $3 == "espinudp" { dp = $7 }
		{ for (k = 1; k < NF; k++) if ($k == "oseq") { o = $(k + 1); sub(/,$/, "", o); o = hex(o) } }
		END { if (s) print s, d, dp, i, o }'
}

# NAT rebinding: new mappings from ports 20000-20099 (a rule before the
# old one), the old ones flushed by taking the router's outside link down
# and up (MASQUERADE drops its entries of a device that goes down).
seqs $GW | grep "^$O_GW $O_RT " > "$tmpd/sq0"
u0=$(grep -c 'mobike.update.ok' "$tmpd/gw.log")
ip netns exec $CL ping -q -c 50 -i 0.1 -W 1 -I 10.11.1.1 10.11.2.1 > "$tmpd/bping" 2>&1 &
pp=$!
sleep 1
ip netns exec $RT "$IPT" -t nat -I POSTROUTING 1 -o vrg -p udp -j MASQUERADE \
	--to-ports 20000-20099 && ip -n $RT link set vrg down && ip -n $RT link set vrg up ||
	fail esp-natt-rebind "router: new port range and flush"
wait $pp
seqs $GW | grep "^$O_GW $O_RT " > "$tmpd/sq1"
u1=$(grep -c 'mobike.update.ok' "$tmpd/gw.log")
kt_ping_count "$tmpd/bping"
bsent=$sent bgot=$got
# every gateway out state now to a 200xx port, its oseq gone on from where
# it was (a fresh state would start at 0: the idle tunnels' would drop)
moved=0 reset="" busiest=0
while read -r src dst dp spi o; do
	b=$(awk -v s="$spi" '$4 == s { print $5 }' "$tmpd/sq0")
	case $dp in 200[0-9][0-9]) moved=$((moved + 1)) ;; esac
	if [ -z "$b" ] || [ -z "$o" ] || [ "$o" -lt "$b" ]; then reset="$reset $spi:${b:-?}->${o:-?}"
	elif [ $((o - b)) -gt $busiest ]; then busiest=$((o - b)); fi
done < "$tmpd/sq1"
bad=""
t=1
while [ $t -le $N ]; do
	kt_ping 10.11.1.$t 10.11.2.$t; grep -q ' 3 received' "$tmpd/ping" || bad="$bad 10.11.2.$t"
	t=$((t + 1))
done
kt_fpfail
if [ $moved -lt $N ]; then
	fail esp-natt-rebind "$moved of $N gateway out states moved to a port 20000-20099" \
		"($((u1 - u0)) updates)"
	sed 's/^/  before: /' "$tmpd/sq0"; sed 's/^/  after: /' "$tmpd/sq1"
	grep -h 'mobike\|fastpath' "$tmpd/cl.log" "$tmpd/gw.log" | tail -n 6 | sed 's/^/  /'
elif [ -n "$fpf" ]; then
	fail esp-natt-rebind "$fpf"
elif [ -n "$reset" ]; then
	fail esp-natt-rebind "sequence numbers not carried (spi:before->after):$reset"
elif [ -n "$bad" ] || [ "${bgot:-0}" -lt 20 ] || [ $busiest -lt $((bgot - 3)) ]; then
	fail esp-natt-rebind "after the move: no answer from:${bad:- -}; during:" \
		"${bgot:-0} of ${bsent:-0} answered, oseq +$busiest"
else
	echo "PASS esp-natt-rebind: NAT mappings changed: $((u1 - u0)) UPDATE_SA_ADDRESSES," \
		"the gateway's $N out states now to ports" \
		"$(cut -d' ' -f3 "$tmpd/sq1" | sort -u | tr '\n' ' ')(same addresses), their" \
		"oseq carried (+$busiest on the pinged one); ${bgot} of ${bsent} answered across" \
		"the rebinding, all $N answer after it"
fi
ip netns exec $RT "$IPT" -t nat -D POSTROUTING 1

kt_end_pair

# MOBIKE across the NAT: 1 tunnel, own addresses 10.98.1.2 (through the
# router: ESP in UDP) and 10.98.1.3 (a rule sends it down a second veth
# straight to the gateway: plain ESP), a move every 3 s during a 12 s ping.
# The gateway's states are sampled during the ping: both kinds must show
# (encap added and dropped by the moves), the ping keeps answering, the
# gateway's out state keeps its SPI and its oseq goes on.
natmobike() {
	{
		ip link add vcd netns $CL type veth peer name vgd netns $GW &&
		ip -n $CL addr add 10.97.0.2/24 dev vcd && ip -n $GW addr add 10.97.0.1/24 dev vgd &&
		ip -n $CL link set vcd up && ip -n $GW link set vgd up &&
		ip -n $CL rule add from 10.98.1.3 lookup 97 priority 100 &&
		# again: it went with the first client's last address on vcl
		ip -n $CL route replace 10.99.0.0/24 via $R_CL dev vcl onlink &&
		ip -n $CL route add 10.99.0.0/24 via 10.97.0.1 dev vcd table 97 &&
		ip -n $GW route add 10.98.1.0/24 via 10.97.0.2 dev vgd &&
		for n in $CL $GW; do
			ip netns exec $n sysctl -qw net.ipv4.conf.all.rp_filter=0 \
				net.ipv4.conf.default.rp_filter=0 || exit 1
		done
	} 2> "$tmpd/setup2" || { fail esp-natt-mobike "direct path: $(head -n 1 "$tmpd/setup2")"; return; }
	sed -e 's/^numberoftunnels: .*/numberoftunnels: 1/' \
		-e 's/^mobikeaddrpertunnel: .*/mobikeaddrpertunnel: 2/' \
		-e 's/^mobikeiplifetime: .*/mobikeiplifetime: 3s/' \
		-e 's/^mobikechangeaddrtype: .*/mobikechangeaddrtype: own-only/' \
		-e 's/dpdinterval: 1s/dpdinterval: 30s/' "$tmpd/cl.yaml" > "$tmpd/mcl.yaml"
	sed -e 's/^numberoftunnels: .*/numberoftunnels: 1/' "$tmpd/gw.yaml" > "$tmpd/mgw.yaml"
	kt_start_pair m "--workers 1" --single
	kt_wait_up 2 60
	if [ "$c" -lt 2 ] || [ "$g" -lt 2 ]; then
		fail esp-natt-mobike "states: client $c, gateway $g of 2"
		kt_show 4 "" 0 m
		[ -n "$VERBOSE" ] && { head -n 20 "$tmpd/mcl.out" "$tmpd/mcl.log"; head -n 12 "$tmpd/mgw.log"; }
		return
	fi
	seqs $GW | grep "^$O_GW " > "$tmpd/mq0"
	m0=$(grep -c 'mobike.update.ok' "$tmpd/mcl.log")
	ip netns exec $CL ping -q -c 240 -i 0.05 -W 1 -I 10.11.1.1 10.11.2.1 \
		> "$tmpd/mping" 2>&1 &
	pp=$!
	: > "$tmpd/samples"
	while kill -0 $pp 2>/dev/null; do
		{ encaps $GW | sed 's/^/gw /'; encaps $CL | sed 's/^/cl /'; } >> "$tmpd/samples"
		sleep 0.3
	done
	wait $pp
	seqs $GW | grep "^$O_GW " > "$tmpd/mq1"
	m1=$(grep -c 'mobike.update.ok' "$tmpd/mcl.log")
	kt_ping_count "$tmpd/mping"
	lost=$(( ${sent:-0} - ${got:-0} )) moves=$((m1 - m0))
	# the gateway's out state: through the NAT (ESP in UDP to the router)
	# and direct (plain ESP to 10.98.1.3); the client's likewise
	gnat=$(grep -c "^gw $O_GW $O_RT 4500 [0-9]" "$tmpd/samples")
	gdir=$(grep -c "^gw $O_GW 10.98.1.3 *$" "$tmpd/samples")
	cnat=$(grep -c "^cl 10.98.1.2 $O_GW 4500 4500" "$tmpd/samples")
	cdir=$(grep -c "^cl 10.98.1.3 $O_GW *$" "$tmpd/samples")
	read -r _ _ _ spi0 o0 < "$tmpd/mq0"
	read -r _ _ _ spi1 o1 < "$tmpd/mq1"
	kt_fpfail m
	if [ $moves -lt 2 ]; then
		fail esp-natt-mobike "$moves MOBIKE updates during the ping (want >= 2)"
	elif [ -n "$fpf" ]; then
		fail esp-natt-mobike "$fpf"
	elif [ "$gnat" -lt 1 ] || [ "$gdir" -lt 1 ] || [ "$cnat" -lt 1 ] || [ "$cdir" -lt 1 ]; then
		fail esp-natt-mobike "states seen through the NAT / direct: gateway $gnat/$gdir," \
			"client $cnat/$cdir"
		sort "$tmpd/samples" | uniq -c | sed 's/^/  /'
	elif [ "$spi0" != "$spi1" ] || [ -z "$o1" ] || [ $((o1 - o0)) -lt $((got - 3)) ]; then
		fail esp-natt-mobike "gateway out state $spi0 oseq $o0 -> $spi1 $o1 with $got answered"
	elif [ "${got:-0}" -lt 1 ] || [ $lost -gt $((3 * moves + 1)) ]; then
		fail esp-natt-mobike "$lost of ${sent:-0} lost with $moves moves"
	else
		echo "PASS esp-natt-mobike: $moves own-only moves between the NAT-ed path (ESP in" \
			"UDP) and the direct one (plain ESP) during the ping, $lost of $sent lost;" \
			"both kinds of state seen on both sides; the gateway's out state $spi0 kept" \
			"its sequence (oseq $o0 -> $o1)" | sed "s/(\([0-9]*\))//"
	fi
	kt_end_pair
}
natmobike
exit $failed
