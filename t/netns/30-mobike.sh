#!/bin/sh
# MOBIKE on the wire: ikeswarm client <-> ikeswarm gateway in two
# namespaces on a veth pair, every tunnel moving every 2 s for several
# rotations.
#  mobike_own    own-only, 100 tunnels x 2 own addresses, gateway 2 addresses
#  mobike_peer   peer-only, gateway with mobikeaddrpergw 3
#  mobike_both   both (own-major order), 2 x 3 pairs
#  mobike_v6     own-only over IPv6, 50 tunnels
#  mobike_rekeys (moves while both sides rekey and DPD),
#  mobike_wire_decrypts, mobike_wire_natd_cookie2 (tshark on a capture),
#  mobike_peer_without_mobike, mobike_own_addr_deleted,
#  mobike_rpfilter_warning (see their sections)
# For each: both -j results pass; the client made no new IKE SA (every
# tunnel stayed up: total == tunnels); every tunnel had >= 3 acknowledged
# updates; no update failed or mismatched a COOKIE2 on either side; the
# gateway accepted as many updates as the client saw acknowledged; both
# sides' last addresses agree tunnel by tunnel (client log vs gateway log);
# the peer-only/both cells used every gateway address.
# MOBIKE_EXEC_ARGS=--single runs both sides as one process each.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip timeout awk sort tcpdump tshark perl
IKESWARM=${IKESWARM:-$(cd "$(dirname "$0")/../.." && pwd)/ikeswarm}
[ -x "$IKESWARM" ] || skip "no ikeswarm binary at $IKESWARM (make)"

# The gateway owns 10.99.0.1 .. .3 (and fd00:99::1 .. ::3): the client's
# veth address must stay out of that range.
IKS_CL4=10.99.0.100
IKS_CL6=fd00:99::100
ns_pair
T=$(iks_tmp)
# The client's tunnel addresses are routed through its veth address, and
# every neighbour either side needs is permanent: the kernel's ARP/ND table
# is shared by all namespaces, and another test filling it ("neighbor
# table overflow") would make packets to a tunnel's new address vanish.
ip -n "$IKS_NS_GW" route add 10.98.0.0/16 via "$IKS_CL4" dev "$IKS_IF_GW"
ip -n "$IKS_NS_GW" route add fd00:98::/64 via "$IKS_CL6" dev "$IKS_IF_GW"
mac_gw=$(ip -n "$IKS_NS_GW" link show "$IKS_IF_GW" | awk '/link\/ether/ { print $2 }')
mac_cl=$(ip -n "$IKS_NS_CL" link show "$IKS_IF_CL" | awk '/link\/ether/ { print $2 }')
for a in "$IKS_CL4" "$IKS_CL6"; do
	ip -n "$IKS_NS_GW" neigh replace "$a" lladdr "$mac_cl" dev "$IKS_IF_GW" nud permanent
done
for a in 10.99.0.1 10.99.0.2 10.99.0.3 fd00:99::1 fd00:99::2 fd00:99::3; do
	ip -n "$IKS_NS_CL" neigh replace "$a" lladdr "$mac_gw" dev "$IKS_IF_CL" nud permanent
done

N=100
LIFE=2s
EXEC_ARGS=${MOBIKE_EXEC_ARGS:-}   # e.g. --single: the one-process engine
jnum() {
	grep -o "\"$2\":[0-9.]*" "$1" | head -n 1 | cut -d: -f2
}
jstr() {
	grep -o "\"$2\":\"[a-z]*\"" "$1" | head -n 1 | cut -d'"' -f4
}

# v6_children OWN PEER: an IPv6 childlist, selectors fd00:OWN:: / fd00:PEER::.
v6_children() {
	printf '  childlist:\n  - ownts:\n'
	printf '    - {type: v6, startaddr: "fd00:%s::", endaddr: "fd00:%s::ffff"}\n' "$1" "$1"
	printf '    peerts:\n'
	printf '    - {type: v6, startaddr: "fd00:%s::", endaddr: "fd00:%s::ffff"}\n' "$2" "$2"
}

# write_pair NAME N CHANGE GWADDRS FAMILY
write_pair() {
	local name n change gwn fam start peer gwa cla
	name=$1 n=$2 change=$3 gwn=$4 fam=$5
	if [ "$fam" = 6 ]; then
		start=fd00:98::1/64 peer=$IKS_GW6 gwa=$IKS_GW6/64 cla=$IKS_CL6/64
	else
		start=10.98.0.1/16 peer=$IKS_GW4 gwa=$IKS_GW4/24 cla=$IKS_CL4/24
	fi
	cat >"$T/$name-cl.yaml" <<EOF
role: client
numberoftunnels: $n
runningtime: 9900ms
startclntaddr: $start
peeraddr: $peer
bindifname: $IKS_IF_CL
bindifaddr: $cla
setupinterval: 5ms
tunnelretryinterval: 1s
tunnelmaxretry: 3
mobike: true
mobikeaddrpertunnel: 2
mobikeiplifetime: $LIFE
mobikechangeaddrtype: $change
ikeconf:
  psk: iks-mobike-test
  retraninterval: 1s
EOF
	cat >"$T/$name-gw.yaml" <<EOF
role: gateway
numberoftunnels: $n
runningtime: 13s
bindifname: $IKS_IF_GW
bindifaddr: $gwa
mobike: true
mobikeaddrpergw: $gwn
ikeconf:
  psk: iks-mobike-test
  retraninterval: 1s
EOF
	if [ "$fam" = 6 ]; then
		v6_children 2 1 >>"$T/$name-cl.yaml"
		v6_children 1 2 >>"$T/$name-gw.yaml"
	fi
}

# run_pair NAME [client exec args...]
run_pair() {
	local name
	name=$1
	shift
	ip netns exec "$IKS_NS_GW" timeout 60 "$IKESWARM" exec $EXEC_ARGS -f "$T/$name-gw.yaml" -j \
		--lf "$T/$name-gw.log" >"$T/$name-gw.json" 2>"$T/$name-gw.err" &
	gwpid=$!
	sleep 0.3
	ip netns exec "$IKS_NS_CL" timeout 60 "$IKESWARM" exec $EXEC_ARGS -f "$T/$name-cl.yaml" -j \
		--lf "$T/$name-cl.log" "$@" >"$T/$name-cl.json" 2>"$T/$name-cl.err"
	CL_RC=$?
	wait $gwpid
	GW_RC=$?
}

# Last "own peer" of every tunnel (client: by tN) / IKE SA (gateway: by
# ike=, written as the client sees it), sorted.
last_pairs_cl() {
	awk '/ mobike.update.ok / { t = $4; own = ""; peer = "";
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^own=/) own = substr($i, 5);
			if ($i ~ /^peer=/) peer = substr($i, 6);
		}
		last[t] = own " " peer }
		END { for (t in last) print last[t] }' "$1" | sort
}
last_pairs_gw() {
	awk '/ mobike.update.ok / { s = $5; own = ""; peer = "";
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^own=/) own = substr($i, 5);
			if ($i ~ /^peer=/) peer = substr($i, 6);
		}
		last[s] = peer " " own }
		END { for (s in last) print last[s] }' "$1" | sort
}

# check_cell NAME N [GWADDRS]: all the assertions of the header.
check_cell() {
	local name n gwn why side v cl_ok gw_ok min used
	name=$1 n=$2 gwn=${3:-0}
	why=""
	for side in cl gw; do
		if [ "$(jstr "$T/$name-$side.json" result)" != pass ] ||
			[ "$(jnum "$T/$name-$side.json" created)" != "$n" ]; then
			why="$why $side: $(cat "$T/$name-$side.json" "$T/$name-$side.err" | tail -n 3)"
		fi
		for v in updates_failed cookie2_mismatch; do
			[ "$(jnum "$T/$name-$side.json" $v)" = 0 ] ||
				why="$why $side $v=$(jnum "$T/$name-$side.json" $v)"
		done
	done
	[ "$CL_RC" = 0 ] && [ "$GW_RC" = 0 ] || why="$why exit codes cl=$CL_RC gw=$GW_RC"
	v=$(jnum "$T/$name-cl.json" total)
	[ "$v" = "$n" ] || why="$why client made $v IKE SAs for $n tunnels"
	cl_ok=$(jnum "$T/$name-cl.json" updates_ok)
	gw_ok=$(jnum "$T/$name-gw.json" updates_ok)
	[ "${cl_ok:-0}" -ge $((n * 3)) ] || why="$why only $cl_ok updates acknowledged"
	[ "$cl_ok" = "$gw_ok" ] || why="$why client ok=$cl_ok gateway accepted=$gw_ok"
	min=$(awk '/ mobike.update.ok / { c[$4]++ } END { m = -1;
		for (t in c) if (m < 0 || c[t] < m) m = c[t]; print (length(c) == '"$n"') ? m : 0 }' \
		"$T/$name-cl.log")
	[ "${min:-0}" -ge 3 ] || why="$why some tunnel had only $min acknowledged updates"
	last_pairs_cl "$T/$name-cl.log" >"$T/$name-cl.pairs"
	last_pairs_gw "$T/$name-gw.log" >"$T/$name-gw.pairs"
	cmp -s "$T/$name-cl.pairs" "$T/$name-gw.pairs" ||
		why="$why last addresses differ ($(diff "$T/$name-cl.pairs" "$T/$name-gw.pairs" |
			head -n 3 | tr '\n' ' '))"
	if [ "$gwn" -gt 1 ]; then
		used=$(awk '/ mobike.update.ok / { for (i = 1; i <= NF; i++)
			if ($i ~ /^peer=/) print $i }' "$T/$name-cl.log" | sort -u | wc -l)
		[ "$used" = "$gwn" ] || why="$why the client used $used of $gwn gateway addresses"
	fi
	if [ -z "$why" ]; then
		pass "$name"
		iks_log "$name: $n tunnels, $cl_ok updates acknowledged, min per tunnel $min"
	else
		fail "$name" "$why"
	fi
}

write_pair mobike_own $N own-only 2 4
run_pair mobike_own
check_cell mobike_own $N

write_pair mobike_peer $N peer-only 3 4
run_pair mobike_peer
check_cell mobike_peer $N 3

write_pair mobike_both $N both 3 4
run_pair mobike_both
check_cell mobike_both $N 3

write_pair mobike_v6 50 own-only 2 6
run_pair mobike_v6
check_cell mobike_v6 50

# ---- moves while both sides rekey -------------------------------------------
# 50 tunnels moving every 2 s; the client rekeys its IKE SAs every ~4 s and
# the gateway its own every ~3 s (a gateway rekey makes the gateway the new
# SA's initiator: the client still moves it), DPD forced every second.
write_pair mobike_rk 50 both 3 4
sed -i 's/^  retraninterval: 1s$/  retraninterval: 1s\n  ikelifetime: 5s\n  margintime: 1s\n  forcedpd: true\n  dpdinterval: 1s/' \
	"$T/mobike_rk-cl.yaml"
sed -i 's/^  retraninterval: 1s$/  retraninterval: 1s\n  ikelifetime: 4s\n  margintime: 1s/' \
	"$T/mobike_rk-gw.yaml"
run_pair mobike_rk
why=""
for side in cl gw; do
	[ "$(jstr "$T/mobike_rk-$side.json" result)" = pass ] &&
		[ "$(jnum "$T/mobike_rk-$side.json" created)" = 50 ] || why="$why $side did not pass"
	for v in updates_failed cookie2_mismatch; do
		[ "$(jnum "$T/mobike_rk-$side.json" $v)" = 0 ] ||
			why="$why $side $v=$(jnum "$T/mobike_rk-$side.json" $v)"
	done
	[ "$(jnum "$T/mobike_rk-$side.json" ike_rekeyed)" -ge 50 ] ||
		why="$why $side ike_rekeyed=$(jnum "$T/mobike_rk-$side.json" ike_rekeyed)"
done
cl_ok=$(jnum "$T/mobike_rk-cl.json" updates_ok)
gw_ok=$(jnum "$T/mobike_rk-gw.json" updates_ok)
[ "${cl_ok:-0}" -ge 150 ] || why="$why only $cl_ok updates acknowledged"
[ "${gw_ok:-0}" -ge "${cl_ok:-0}" ] || why="$why gateway accepted $gw_ok < client's $cl_ok"
gwinit=$(grep -c ' ike.rekey.done ' "$T/mobike_rk-gw.log")
[ -n "$why" ] && fail mobike_rekeys "$why" || {
	pass mobike_rekeys
	iks_log "mobike_rekeys: $cl_ok updates ok, gateway rekeys $gwinit," \
		"client rekeyed $(jnum "$T/mobike_rk-cl.json" ike_rekeyed)"
}

# ---- on the wire, judged by tshark ------------------------------------------
# 10 tunnels, own-only, captured on the gateway's veth with our keylog: every
# IKE message decrypts; in every decrypted INFORMATIONAL the NAT-D hashes
# equal SHA-1(SPIi | SPIr | address | port) of the packet's own headers
# (SOURCE: its source, DESTINATION: its destination); every COOKIE2 comes
# back byte for byte in the response to its request.
# mobike_wire_facts PCAP KEYLOG: prints "updates=U natd=N natd_bad=B
# cookie2=C echo_ok=E echo_bad=X".
mobike_wire_facts() {
	local l pcap keylog
	pcap=$1 keylog=$2
	set --
	while IFS= read -r l; do set -- "$@" -o "uat:ikev2_decryption_table:$l"; done <"$keylog"
	HOME=/nonexistent XDG_CONFIG_HOME=/nonexistent tshark -n -r "$pcap" "$@" \
		-Y 'isakmp.exchangetype == 37 && isakmp.enc.decrypted' -T fields \
		-E separator=/t -E occurrence=a -E aggregator=';' \
		-e ip.src -e ip.dst -e udp.srcport -e udp.dstport -e isakmp.ispi -e isakmp.rspi \
		-e isakmp.messageid -e isakmp.flags -e isakmp.notify.msgtype -e isakmp.notify.data \
		2>/dev/null | perl -ne '
		use strict; use warnings;
		our (%c2, $upd, $natd, $bad, $c2n, $ok, $nok);
		BEGIN { $upd = $natd = $bad = $c2n = $ok = $nok = 0 }
		chomp;
		my ($src, $dst, $sp, $dp, $ispi, $rspi, $mid, $fl, $types, $data) = split /\t/;
		my @t = split /;/, ($types // ""); my @d = split /;/, ($data // "");
		# tshark 4.0 writes <MISSING> for a notify without data: aligned.
		my %v;
		for my $i (0 .. $#t) { $v{$t[$i]} = $d[$i] if ($d[$i] // "<MISSING>") ne "<MISSING>" }
		my $resp = hex($fl) & 0x20; my $ibit = (hex($fl) & 0x08) ? 1 : 0;
		$upd++ if !$resp && grep { $_ == 16400 } @t;
		my $spis = pack("H*", $ispi) . pack("H*", $rspi);
		my $h = sub { my ($a, $p) = @_; my $ip = pack("C4", split /\./, $a);
			require Digest::SHA; unpack("H*", Digest::SHA::sha1($spis . $ip . pack("n", $p))) };
		for my $pair ([16388, $src, $sp], [16389, $dst, $dp]) {
			next unless defined $v{$pair->[0]};
			$natd++;
			$bad++ if lc($v{$pair->[0]}) ne $h->($pair->[1], $pair->[2]);
		}
		if (defined $v{16401}) {
			my $key = $ispi . "/" . $mid . "/" . ($resp ? 1 - $ibit : $ibit);
			if (!$resp) { $c2{$key} = lc $v{16401}; $c2n++ }
			elsif (defined $c2{$key} && $c2{$key} eq lc $v{16401}) { $ok++ }
			else { $nok++ }
		}
		END { print "updates=$upd natd=$natd natd_bad=$bad cookie2=$c2n echo_ok=$ok echo_bad=$nok\n" }'
}

write_pair mobike_cap 10 own-only 2 4
capture_start "$IKS_NS_GW" "$IKS_IF_GW" "$T/cap.pcap"
run_pair mobike_cap --keylog "$T/cap.keylog"
capture_stop
if out=$(tshark_ike_check "$T/cap.pcap" "$T/cap.keylog" 2>&1); then
	pass mobike_wire_decrypts
else
	fail mobike_wire_decrypts "$(printf '%s\n' "$out" | tail -n 2)"
fi
facts=$(mobike_wire_facts "$T/cap.pcap" "$T/cap.keylog")
fact() { printf '%s\n' "$facts" | tr ' ' '\n' | grep "^$1=" | cut -d= -f2; }
# 10 tunnels x 4 moves; the gateway's return routability checks carry
# COOKIE2 too (40 more).
if [ "$(fact updates)" -ge 30 ] && [ "$(fact natd)" -ge 120 ] && [ "$(fact natd_bad)" = 0 ] &&
	[ "$(fact cookie2)" -ge 60 ] && [ "$(fact echo_ok)" = "$(fact cookie2)" ] &&
	[ "$(fact echo_bad)" = 0 ]; then
	pass mobike_wire_natd_cookie2
	iks_log "mobike_wire: $facts"
else
	fail mobike_wire_natd_cookie2 "$facts"
fi

# ---- a gateway without MOBIKE: no UPDATE_SA_ADDRESSES ever -----------------
write_pair mobike_nopeer 20 own-only 2 4
sed -i 's/^mobike: true$/mobike: false/' "$T/mobike_nopeer-gw.yaml"
run_pair mobike_nopeer
u=$(jnum "$T/mobike_nopeer-cl.json" unsupported)
s=$(jnum "$T/mobike_nopeer-cl.json" updates_sent)
if [ "$(jstr "$T/mobike_nopeer-cl.json" result)" = pass ] && [ "$u" = 20 ] && [ "$s" = 0 ] &&
	[ "$(grep -c ' mobike.unsupported ' "$T/mobike_nopeer-cl.log")" = 20 ]; then
	pass mobike_peer_without_mobike
else
	fail mobike_peer_without_mobike "unsupported=$u updates_sent=$s"
fi

# ---- an own address deleted under a tunnel: it moves at once ---------------
# Tunnel 3 owns 10.98.0.7 and .8; moves are hourly, so only the deletion
# can move it.
write_pair mobike_del 20 own-only 2 4
sed -i 's/^mobikeiplifetime: .*/mobikeiplifetime: 1h/' "$T/mobike_del-cl.yaml"
( sleep 3; ip -n "$IKS_NS_CL" addr del 10.98.0.7/16 dev "$IKS_IF_CL" ) &
delpid=$!
run_pair mobike_del
wait $delpid
if [ "$(jstr "$T/mobike_del-cl.json" result)" = pass ] &&
	grep -q ' t3 .* mobike.addr.deleted own=10.98.0.7' "$T/mobike_del-cl.log" &&
	grep -q ' t3 .* mobike.update.ok .* own=10.98.0.8 ' "$T/mobike_del-cl.log" &&
	[ "$(jnum "$T/mobike_del-gw.json" updates_ok)" = 1 ]; then
	pass mobike_own_addr_deleted
else
	fail mobike_own_addr_deleted "$(grep ' t3 .*mobike' "$T/mobike_del-cl.log" | tail -n 2)"
fi

# ---- rp_filter on: exec says how to turn it off -----------------------------
ns_sysctl "$IKS_NS_GW" "net.ipv4.conf.$IKS_IF_GW.rp_filter=1"
sed -i 's/^runningtime: .*/runningtime: 1s/' "$T/mobike_own-gw.yaml"
ip netns exec "$IKS_NS_GW" timeout 20 "$IKESWARM" exec $EXEC_ARGS -f "$T/mobike_own-gw.yaml" \
	--lf "$T/rpf.log" >/dev/null 2>"$T/rpf.err"
ns_sysctl "$IKS_NS_GW" "net.ipv4.conf.$IKS_IF_GW.rp_filter=0"
grep -q "sysctl -w net.ipv4.conf.$IKS_IF_GW.rp_filter=0" "$T/rpf.err" &&
	grep -q "sysctl -w net.ipv4.conf.all.rp_filter=0" "$T/rpf.err" &&
	pass mobike_rpfilter_warning || fail mobike_rpfilter_warning "$(head -n 2 "$T/rpf.err")"

# The gateway's extra addresses and the client's are gone afterwards.
left=$(ip -n "$IKS_NS_GW" -4 addr show dev "$IKS_IF_GW" | grep -c 'inet 10\.99\.0\.[23]/')
[ "$left" = 0 ] && pass mobike_gw_addrs_removed ||
	fail mobike_gw_addrs_removed "$left gateway addresses left on $IKS_IF_GW"

finish
