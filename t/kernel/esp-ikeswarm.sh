#!/bin/sh
# esp-ikeswarm.sh — run inside UML (t/kernel/uml.sh): an ikeswarm gateway
# and an ikeswarm client (see MODE below) in two namespaces with
# `installfastpath: true`, 3 tunnels x 3 CHILD SAs (AES-CBC-128/HMAC-SHA2-256, AES-GCM-16-128, ChaCha20-Poly1305):
#  - install: ping from each CHILD SA's inner address (on lo, = its TS) to
#    the peer's answers through table 330 (no other route exists), and the
#    packet counters of every state move;
#  - rekey: the AES-CBC CHILD SAs rekey every ~3 s; a continuous ping over
#    tunnel 0 loses at most one packet per rekey, and its SPIs changed;
#  - stop: SIGINT to both; no state, policy, table-330 route/rule or
#    client address is left;
#  - MOBIKE (a second run, 1 tunnel, dual-stack): own-only moves every 3 s
#    during a ping walk the client's addresses 10.99.0.2, .3, fd00:99::2,
#    ::3 (the gateway answers on 10.99.0.1 and fd00:99::1): moves within
#    a family (XFRM_MSG_MIGRATE) and across (IPv4 <-> IPv6 outer, IPv4
#    inside: delete + re-add); the ping keeps answering and both sides'
#    states follow the move.
# Before those, the kernel process's child.* requests through its C driver
# (t/unit/test_kernel_kproc_fastpath.c, next to $PROBE_TEST).
# Prints PASS/FAIL/SKIP lines; exits 1 on a failure.

failed=0
. "$(dirname "$0")/lib.sh"
kt_require esp-ikeswarm
# The kernel process's side first (child.* requests, C driver): install,
# rekey, migrate, delete and cleanup checked in the kernel.
kpt="$(dirname "${PROBE_TEST:-/nonexistent/x}")/test_kernel_kproc_fastpath"
if [ ! -x "$kpt" ]; then
	echo "SKIP esp-ikeswarm-kproc: no driver '$kpt' (make check-kernel builds it)"
elif kt_check_run "$kpt"; then
	echo "PASS esp-ikeswarm-kproc: $(printf '%s\n' "$kout" | grep '^kproc fastpath:' | cut -c17-)"
else
	printf '%s\n' "$kout" | sed 's/^/  /'
	echo "FAIL esp-ikeswarm-kproc: the kernel process fastpath driver failed"
	failed=1
fi

CL=esp-iks-cl GW=esp-iks-gw
# The main run in the process model (supervisor, kernel process, 1 worker:
# the child.* requests), the MOBIKE run in one process (--single: the
# library called directly): both backends of worker/fastpath_client.
MODE=${ESP_IKS_MODE:---workers 1} MODE2=${ESP_IKS_MODE2:---single}
O_GW=10.99.0.1
N=3
clpid="" gwpid=""
tmpd=$(mktemp -d /tmp/esp-iks.XXXXXX) || exit 1

trap kt_iks_cleanup EXIT
fail() { echo "FAIL $1: $2"; failed=1; }
log() { [ -n "$VERBOSE" ] && echo "# $(date +%T) $*"; return 0; }

# Outer: only the gateway's address (the client's come from exec, on
# bindifname); inner: each CHILD SA's TS address on lo.  No route between
# the inner addresses: only the fastpath's table 330 has them.
kt_pair_links || { fail esp-ikeswarm "namespace setup"; exit 1; }
kt_inner_addrs $N 10 11 12 || { fail esp-ikeswarm "inner addresses"; exit 1; }

child() { # NET ENCALG LIFETIME ROLE
	if [ "$4" = client ]; then own="10.$1.1.1" peer="10.$1.2.1" oe=$own pe=$peer
	else own="10.$1.2.0" oe="10.$1.2.255" peer="10.$1.1.0" pe="10.$1.1.255"; fi
	echo "  - encalg: [$2]"
	echo "    integrityalg: [sha256]"
	echo "    lifetime: $3"
	echo "    replaywindowsize: 64"
	echo "    ownts: [{type: v4, startaddr: $own, endaddr: $oe}]"
	echo "    peerts: [{type: v4, startaddr: $peer, endaddr: $pe}]"
}
cat > "$tmpd/cl.yaml" <<EOC
$(kt_yaml_head client $N 1 1)
setupinterval: 200ms
loglevel: 3
$(kt_yaml_ike esp-ikeswarm)
  margintime: 2s
  jitter: false
  retraninterval: 2s
  childlist:
$(child 10 aes-cbc:128 5s client)
$(child 11 aes-gcm-16:128 1h client)
$(child 12 chacha20-poly1305 1h client)
EOC
cat > "$tmpd/gw.yaml" <<EOC
$(kt_yaml_head gateway $N 0 0)
loglevel: 3
$(kt_yaml_ike esp-ikeswarm)
  margintime: 2s
  jitter: false
  childlist:
$(child 10 aes-cbc:128 1h gateway)
$(child 11 aes-gcm-16:128 1h gateway)
$(child 12 chacha20-poly1305 1h gateway)
EOC

kt_start_pair "" "$MODE" "$MODE"
log started

# All 9 CHILD SAs up on both sides: 18 states each (60 s: module loads).
want=$((N * 3 * 2))
kt_wait_up $want 120
log "states cl=$c gw=$g"
if [ "$c" -lt $want ] || [ "$g" -lt $want ]; then
	fail esp-ikeswarm-install "states: client $c, gateway $g of $want"
	kt_show 5 'fastpath\|failed' 10
	exit 1
fi

# Ping through every CHILD SA (the first packet may be lost to ARP), then
# at once the packet counters of its four states: "SRC DST ALG PACKETS SPI"
# per state of a `ip -s xfrm state` dump (awk: one exec; ~50 ms each).
states() { # NS
	ip -n "$1" -s xfrm state | awk '
		/^src/ { if (s) print s, d, a, p, i; s = $2; d = $4; a = ""; p = "" }
		$1 == "proto" && $3 == "spi" { i = $4 }
		$1 == "enc" || $1 == "aead" { a = $2 }
		/lifetime current:/ { getline; sub(/\(packets\)/, "", $2); p = $2 }
		END { if (s) print s, d, a, p, i }'
}
moved() { # NET T ALG: both states of CHILD SA NET of tunnel T-1 (address .T+1) counted
	o="10.99.0.$(($2 + 1))"
	{ states $CL; states $GW; } > "$tmpd/st"
	n=$(grep -c -e "^$o $O_GW $3 [1-9]" -e "^$O_GW $o $3 [1-9]" "$tmpd/st")
	[ "$n" -eq 4 ]
}
bad="" still=""
for spec in "10 cbc(aes)" "11 rfc4106(gcm(aes))" "12 rfc7539esp(chacha20,poly1305)"; do
	net=${spec%% *} alg=${spec#* }
	t=1
	while [ $t -le $N ]; do
		ok=0 try=0
		# Twice at most: a rekey between the ping and the dump (the
		# CBC SAs rekey every ~3 s) starts the counters again.
		while [ $ok = 0 ] && [ $try -lt 2 ]; do
			if ! kt_ping 10.$net.1.$t 10.$net.2.$t; then
				bad="$bad 10.$net.2.$t"; break
			fi
			moved $net $t "$alg" && ok=1
			try=$((try + 1))
		done
		[ $ok = 1 ] || still="$still $alg/$t"
		t=$((t + 1))
	done
done
log pinged
if [ -n "$bad" ]; then
	fail esp-ikeswarm-install "no answer from:$bad"
	ip -n $CL route show table 330 | head -n 3 | sed 's/^/  330: /'
elif [ -n "$still" ]; then
	fail esp-ikeswarm-install "states without packets after the ping:$still"
	sed 's/^/  /' "$tmpd/st"
else
	echo "PASS esp-ikeswarm-install: $N tunnels x (cbc-sha256, gcm16, chacha20-poly1305):" \
		"ping answered through all $((N * 3)) CHILD SAs, their 4 states each counted"
fi

# Rekey: tunnel 0's AES-CBC CHILD SA rekeys every ~3 s (lifetime 5 s,
# margin 2 s) during a 10 s ping every 50 ms.
cbc_spis() { states $CL | grep "^10.99.0.2 $O_GW cbc(aes) " | cut -d' ' -f5; }
spi0=$(cbc_spis)
r0=$(grep -c 'child.rekeyed' "$tmpd/cl.log")
ip netns exec $CL ping -q -c 200 -i 0.05 -W 1 -I 10.10.1.1 10.10.2.1 > "$tmpd/rping" 2>&1
r1=$(grep -c 'child.rekeyed' "$tmpd/cl.log")
log "rekeys $r0 -> $r1"
kt_ping_count "$tmpd/rping"
lost=$(( ${sent:-0} - ${got:-0} ))
# Every tunnel's CBC SA rekeys: the ones on tunnel 0 are a third of them.
rk=$(( (r1 - r0 + N - 1) / N ))
spi1=$(cbc_spis)
if [ "${sent:-0}" -lt 150 ]; then
	fail esp-ikeswarm-rekey "ping sent ${sent:-nothing}: $(tail -n 2 "$tmpd/rping")"
elif [ $rk -lt 1 ]; then
	fail esp-ikeswarm-rekey "no CHILD SA rekeyed during the ping ($r0 -> $r1)"
elif [ -z "$spi0" ] || [ -z "$spi1" ] || [ "$spi0" = "$spi1" ]; then
	fail esp-ikeswarm-rekey "tunnel 0's CBC out state: SPI '$spi0' -> '$spi1' through $rk rekeys"
elif [ $lost -gt $rk ]; then
	fail esp-ikeswarm-rekey "$lost of $sent lost with $rk rekeys of that CHILD SA"
else
	echo "PASS esp-ikeswarm-rekey: $lost of $sent lost, $((r1 - r0)) CHILD rekeys" \
		"(~$rk on the pinged SA), its kernel SPI $spi0 -> $spi1"
fi

# Graceful stop: the client deletes its SAs, the gateway follows.
kt_stop_pair
if kill -0 $clpid 2>/dev/null || kill -0 $gwpid 2>/dev/null; then
	fail esp-ikeswarm-stop "still running 50 s after SIGINT"
else
	wait $clpid; crc=$?; wait $gwpid; grc=$?
	clpid="" gwpid=""
	kt_left states policies routes rules
	a=$(ip -n $CL addr show dev vcl | grep -c 'inet ')
	[ "$a" -eq 0 ] || left="$left client addresses on vcl: $a"
	if kt_stop_clean esp-ikeswarm-stop; then
		echo "PASS esp-ikeswarm-stop: nothing left (exit client $crc, gateway $grc;" \
			"exec $MODE)"
	fi
fi
[ -n "$VERBOSE" ] && tail -n 5 "$tmpd/cl.out" "$tmpd/gw.out"

# MOBIKE own-only moves (a second run: 1 tunnel, AES-GCM, the client's
# addresses 10.99.0.2/.3 and fd00:99::2/::3, the gateway's 10.99.0.1 and
# fd00:99::1 (mobikealt*addr), a move every 3 s) during a 12 s ping every
# 50 ms: the ping keeps answering (a move may cost the packets in flight
# while only one side has moved), the client's kernel states follow its
# IKE endpoint (fp_migrate at the engine's MOBIKE hook), and at least one
# move crossed families (IPv4 inside, IPv4 or IPv6 outside).
G6=fd00:99::1
mobike() {
	ip netns exec $CL sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.vcl.rp_filter=0
	ip netns exec $GW sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.vgw.rp_filter=0
	# an IPv6 socket loads the ipv6 module (ip(8) cannot in UML)
	perl -MSocket -e 'socket(my $s, PF_INET6, SOCK_DGRAM, 0)' 2>/dev/null
	sed -e 's/^numberoftunnels: .*/numberoftunnels: 1/' \
		-e '/^runningtime:/a mobike: true\nmobikeiplifetime: 3s' \
		-e '/^runningtime:/a mobikechangeaddrtype: own-only\nmobikealtclntaddr: fd00:99::2/64' \
		"$tmpd/cl.yaml" > "$tmpd/mcl.yaml"
	sed -e 's/^numberoftunnels: .*/numberoftunnels: 1/' \
		-e "/^runningtime:/a mobike: true\nmobikeaddrpergw: 1\nmobikealtgwaddr: $G6/64" \
		"$tmpd/gw.yaml" > "$tmpd/mgw.yaml"
	kt_start_pair m "$MODE2" "$MODE2"
	kt_wait_up 6 60 ||
		{ fail esp-ikeswarm-mobike "states: client $c, gateway $g of 6"
		  kt_show 4 'fastpath\|failed\|mobike' 10 m
		  return; }
	# the client's out state (to either gateway address), the gateway's
	cl_out() {
		states $CL | awk -v a=$O_GW -v b=$G6 '($2 == a || $2 == b) && $3 ~ /^rfc4106/ { print $1 }'
	}
	gw_out() {
		states $GW | awk -v a=$O_GW -v b=$G6 '($1 == a || $1 == b) && $3 ~ /^rfc4106/ { print $2 }'
	}
	srcs0=$(cl_out)
	m0=$(grep -c 'mobike.update.ok' "$tmpd/mcl.log")
	ip netns exec $CL ping -q -c 240 -i 0.05 -W 1 -I 10.11.1.1 10.11.2.1 \
		> "$tmpd/mping" 2>&1
	m1=$(grep -c 'mobike.update.ok' "$tmpd/mcl.log")
	# Both sides' states and the client's last IKE endpoint agree (read
	# again while a move that is in flight settles: up to 2 s).
	i=0
	while :; do
		ike1=$(grep 'mobike.update.ok' "$tmpd/mcl.log" | tail -n 1 |
			sed -n 's/.* own=\([0-9a-f.:]*\).*/\1/p')
		srcs1=$(cl_out)
		gdst=$(gw_out)
		[ "$srcs1" = "$ike1" ] && [ "$gdst" = "$ike1" ] && break
		i=$((i + 1))
		[ $i -ge 8 ] && break
		sleep 0.25
	done
	kt_ping_count "$tmpd/mping"
	lost=$(( ${sent:-0} - ${got:-0} )) moves=$((m1 - m0))
	kt_fpfail m
	# moves across families: old_own of one, own of the other
	cross=$(grep 'mobike.update.ok' "$tmpd/mcl.log" | tail -n $moves |
		grep -c -e 'old_own=[0-9.]* .* own=[0-9a-f]*:' -e 'old_own=[0-9a-f]*:[^ ]* .* own=[0-9.]* ')
	if [ $moves -lt 2 ]; then
		fail esp-ikeswarm-mobike "$moves MOBIKE updates during the ping (want >= 2)"
	elif [ -n "$fpf" ]; then
		fail esp-ikeswarm-mobike "$fpf"
	elif [ "$srcs1" != "$ike1" ] || [ "$gdst" != "$ike1" ]; then
		fail esp-ikeswarm-mobike "client's out state from '$srcs1', gateway's to '$gdst', client's IKE from '$ike1'"
	elif [ "${got:-0}" -lt 1 ] || [ $lost -gt $((3 * moves + 1)) ]; then
		fail esp-ikeswarm-mobike "$lost of ${sent:-0} lost with $moves moves"
	elif [ "$cross" -lt 1 ]; then
		fail esp-ikeswarm-mobike "no move across IPv4/IPv6 among the $moves"
		grep 'mobike.update.ok' "$tmpd/mcl.log" | sed 's/^/  /'
	else
		echo "PASS esp-ikeswarm-mobike: $moves own-only moves during the ping ($cross" \
			"across IPv4/IPv6), $lost of $sent lost; client's out state $srcs0 -> $srcs1" \
			"(= IKE's and the gateway's out state's destination; exec $MODE2)"
	fi
	kt_end_pair
	kt_left states policies
	[ -z "$left" ] || fail esp-ikeswarm-mobike "left after the stop:$left"
}
[ -z "$clpid$gwpid" ] && mobike
exit $failed
