#!/bin/sh
# 00-testbed.sh: self-test of t/netns/lib.sh, the bed every end-to-end test
# stands on.  Checks namespaces and addresses, pings over the veth (IPv4
# and IPv6, both ways), the nftables drop rule (present, and really
# dropping), the capture helpers, a strongSwan pair through the swan_*
# helpers with tshark decrypting the capture with swan_keylog's keys, and
# that cleanup leaves no namespace and no process behind.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip nft tcpdump ping bash

ns_pair
T=$(iks_tmp)

# -- namespaces, addresses, sysctls
n=$(ip netns list | grep -c "^$IKS_ID-\(gw\|cl\)\( \|$\)")
[ "$n" -eq 2 ] && pass testbed-ns || fail testbed-ns "expected 2 namespaces $IKS_ID-*, saw $n"
ok=1
for s in "$IKS_NS_GW $IKS_IF_GW $IKS_GW4 $IKS_GW6" "$IKS_NS_CL $IKS_IF_CL $IKS_CL4 $IKS_CL6"; do
	set -- $s
	ip -n "$1" -o addr show dev "$2" | grep -q " $3/24 " || ok=0
	ip -n "$1" -o addr show dev "$2" | grep -q " $4/64 " || ok=0
	[ "$(ip netns exec "$1" sysctl -n "net.ipv4.conf.$2.promote_secondaries")" = 1 ] || ok=0
	[ "$(ip netns exec "$1" sysctl -n "net.ipv4.conf.$2.rp_filter")" = 0 ] || ok=0
	ip -n "$1" -o link show lo | grep -q 'UP' || ok=0
done
[ $ok = 1 ] && pass testbed-addrs || fail testbed-addrs "addresses, lo or sysctls not as documented"

# -- pings, both families, both ways
check testbed-ping4-cl-gw ns_exec "$IKS_NS_CL" ping -n -q -c 1 -W 2 "$IKS_GW4"
check testbed-ping4-gw-cl ns_exec "$IKS_NS_GW" ping -n -q -c 1 -W 2 "$IKS_CL4"
check testbed-ping6-cl-gw ns_exec "$IKS_NS_CL" ping -n -q -6 -c 1 -W 2 "$IKS_GW6"
check testbed-ping6-gw-cl ns_exec "$IKS_NS_GW" ping -n -q -6 -c 1 -W 2 "$IKS_CL6"

# -- capture and drop rule: 3+3 datagrams before the rule must be
# captured, 3+3 after a 100 % drop rule must not arrive, and traffic to
# another port still flows.
send_udp() { # NS DST PORT COUNT
	ns_exec "$1" bash -c 'for i in $(seq "$3"); do echo iks >/dev/udp/"$1"/"$2"; done' \
		sh "$2" "$3" "$4" 2>/dev/null
}
if capture_start "$IKS_NS_CL" "$IKS_IF_CL" "$T/drop.pcap"; then
	send_udp "$IKS_NS_GW" "$IKS_CL4" 500 3
	send_udp "$IKS_NS_GW" "$IKS_CL4" 4500 3
	nft_drop_pct "$IKS_NS_GW" 100 || fail testbed-nft "nft_drop_pct failed"
	send_udp "$IKS_NS_GW" "$IKS_CL4" 500 3
	send_udp "$IKS_NS_GW" "$IKS_CL4" 4500 3
	sleep 0.3
	capture_stop
	n=$(tcpdump -n -r "$T/drop.pcap" 2>/dev/null | grep -c " > $IKS_CL4\.")
	[ "$n" -eq 6 ] && pass testbed-capture-drop ||
		fail testbed-capture-drop "captured $n datagrams, expected 6 (3+3 before the rule, 0 after)"
else
	fail testbed-capture-drop "capture_start failed"
fi
ns_exec "$IKS_NS_GW" nft list chain inet iks out 2>/dev/null |
	grep -q 'udp dport { 500, 4500 } drop' &&
	pass testbed-nft-rule || fail testbed-nft-rule "rule not found in nft list"
check testbed-nft-other-port ns_exec "$IKS_NS_GW" ping -n -q -c 1 -W 2 "$IKS_CL4"
nft_drop_pct "$IKS_NS_CL" 10 in &&
	ns_exec "$IKS_NS_CL" nft list chain inet iks in 2>/dev/null |
	grep -q 'udp dport { 500, 4500 } numgen random mod 100 < 10 drop' &&
	pass testbed-nft-in || fail testbed-nft-in "input drop rule missing"
ns_exec "$IKS_NS_GW" nft flush ruleset
ns_exec "$IKS_NS_CL" nft flush ruleset

# -- strongSwan pair through the helpers, judged by tshark
swan_ok=1
for c in swanctl nsenter unshare tshark "$IKS_CHARON"; do
	command -v "$c" >/dev/null 2>&1 || [ -x "$c" ] || swan_ok=0
done
[ -c /dev/net/tun ] || swan_ok=0
if [ $swan_ok = 1 ]; then
	mkdir -p "$T/gw" "$T/cl"
	ip -n "$IKS_NS_GW" addr add 10.1.0.1/32 dev lo
	ip -n "$IKS_NS_CL" addr add 10.2.0.1/32 dev lo
	swan_conf "$T/gw" local_addrs="$IKS_GW4" proposals=aes256gcm16-prfsha256-x25519 \
		esp_proposals=aes256gcm16 local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24
	swan_conf "$T/cl" local_addrs="$IKS_CL4" remote_addrs="$IKS_GW4" \
		proposals=aes256gcm16-prfsha256-x25519 esp_proposals=aes256gcm16 \
		local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24
	capture_start "$IKS_NS_GW" "$IKS_IF_GW" "$T/ike.pcap"
	if swan_start "$IKS_NS_GW" "$T/gw" && swan_start "$IKS_NS_CL" "$T/cl"; then
		swan_ctl "$IKS_NS_CL" "$T/cl" --initiate --child net >"$T/init.out" 2>&1
		if swan_wait "$IKS_NS_GW" "$T/gw" 'state=INSTALLED' 10; then
			pass testbed-swan-up
			check testbed-swan-esp ns_exec "$IKS_NS_CL" ping -n -q -c 1 -W 2 -I 10.2.0.1 10.1.0.1
			swan_keylog "$IKS_NS_CL" "$T/cl" >"$T/keylog" ||
				fail testbed-swan-keylog "swan_keylog failed"
			swan_ctl "$IKS_NS_CL" "$T/cl" --terminate --ike iks >/dev/null 2>&1
			sleep 0.5
			capture_stop
			check testbed-tshark-decrypts tshark_ike_check "$T/ike.pcap" "$T/keylog"
			# decrypted IKE_AUTH request: SK(46) then IDi(35) inside
			tshark_ike_dump "$T/ike.pcap" "$T/keylog" >"$T/dump"
			grep -q "^[0-9]* $IKS_CL4:4500 $IKS_GW4:4500 35 1 i req 46,35," "$T/dump" &&
				pass testbed-tshark-dump ||
				fail testbed-tshark-dump "no decrypted IKE_AUTH request in the dump"
			# the judge must also fail: a wrong key gives an error
			sed 's/^\([0-9a-f]*,[0-9a-f]*,\)../\1ff/' "$T/keylog" >"$T/badkey"
			if tshark_ike_check "$T/ike.pcap" "$T/badkey" >/dev/null 2>&1; then
				fail testbed-tshark-rejects "a corrupted SK_ei still passed"
			else
				pass testbed-tshark-rejects
			fi
		else
			fail testbed-swan-up "no CHILD SA: $(tail -n 1 "$T/init.out")"
		fi
	else
		fail testbed-swan-up "charon did not start"
	fi
	swan_stop "$IKS_NS_CL" "$T/cl"
	swan_stop "$IKS_NS_GW" "$T/gw"
else
	echo "SKIP testbed-swan: strongSwan, tshark or /dev/net/tun missing (make deps)"
fi

# -- cleanup leaves nothing: run it now (EXIT runs it again, harmlessly)
ns_bg "$IKS_NS_GW" "$T/sleep.log" sleep 60
bgpid=$IKS_LAST_PID
ns_list="$IKS_NSLIST"
ns_cleanup
left=""
for ns in $ns_list; do
	ip netns list | grep -q "^$ns\( \|$\)" && left="$left $ns"
done
[ -z "$left" ] && pass testbed-cleanup-ns || fail testbed-cleanup-ns "left:$left"
kill -0 "$bgpid" 2>/dev/null && fail testbed-cleanup-proc "pid $bgpid survived" ||
	pass testbed-cleanup-proc
if [ -z "$IKS_KEEP" ]; then
	[ -d "$T" ] && fail testbed-cleanup-tmp "$T still there" || pass testbed-cleanup-tmp
fi
finish
