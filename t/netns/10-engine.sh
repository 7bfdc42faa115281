#!/bin/sh
# ikeswarm client <-> ikeswarm gateway in two namespaces on a veth pair:
#  engine_up        200 tunnels come up; both -j results pass; the client
#                   deletes every IKE SA at the end (the gateway saw them
#                   closed) and removes its addresses; tshark decrypts every
#                   captured IKE message with the --keylog table
#  engine_rekey     short lifetimes: IKE and CHILD rekeys in both directions
#                   and DPD, tunnels still all up
#  engine_loss      10 % of IKE packets dropped both ways: every tunnel
#                   still establishes through retransmission
#  engine_v6        50 tunnels over IPv6 (IPv6 selectors too)
# Each run is bounded by runningtime and `timeout`.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip tcpdump tshark nft timeout
IKESWARM=${IKESWARM:-$(cd "$(dirname "$0")/../.." && pwd)/ikeswarm}
[ -x "$IKESWARM" ] || skip "no ikeswarm binary at $IKESWARM (make)"

ns_pair
T=$(iks_tmp)
# Client tunnel addresses live in 10.98.0.0/16 on the client's veth.
ip -n "$IKS_NS_GW" route add 10.98.0.0/16 dev "$IKS_IF_GW"

# jnum FILE KEY: the first "KEY":number in a JSON file.
jnum() {
	grep -o "\"$2\":[0-9.]*" "$1" | head -n 1 | cut -d: -f2
}
jstr() {
	grep -o "\"$2\":\"[a-z]*\"" "$1" | head -n 1 | cut -d'"' -f4
}

# write_conf FILE ROLE TUNNELS RUNNINGTIME [extra ikeconf lines...]
write_conf() {
	local f role n rt
	f=$1 role=$2 n=$3 rt=$4
	shift 4
	{
		echo "role: $role"
		echo "numberoftunnels: $n"
		echo "runningtime: $rt"
		if [ "$role" = client ]; then
			echo "startclntaddr: 10.98.0.1/16"
			echo "peeraddr: $IKS_GW4"
			echo "bindifname: $IKS_IF_CL"
			echo "bindifaddr: $IKS_CL4/24" # the flush at start takes it
			echo "setupinterval: 5ms"
			echo "tunnelretryinterval: 1s"
			echo "tunnelmaxretry: 3"
		else
			echo "bindifname: $IKS_IF_GW"
			echo "bindifaddr: $IKS_GW4"
		fi
		echo "ikeconf:"
		echo "  psk: iks-engine-test"
		for l in "$@"; do
			echo "  $l"
		done
	} >"$f"
}

# run_pair NAME: gateway and client with $T/NAME-{gw,cl}.yaml; results in
# $T/NAME-{gw,cl}.json, logs in .log; exit codes in GW_RC / CL_RC.
run_pair() {
	local name
	name=$1
	shift
	ip netns exec "$IKS_NS_GW" timeout 60 "$IKESWARM" exec -f "$T/$name-gw.yaml" -j \
		--lf "$T/$name-gw.log" >"$T/$name-gw.json" 2>"$T/$name-gw.err" &
	gwpid=$!
	sleep 0.3
	ip netns exec "$IKS_NS_CL" timeout 60 "$IKESWARM" exec -f "$T/$name-cl.yaml" -j \
		--lf "$T/$name-cl.log" "$@" >"$T/$name-cl.json" 2>"$T/$name-cl.err"
	CL_RC=$?
	wait $gwpid
	GW_RC=$?
}

# both_pass NAME N: both results pass with N tunnels created.
both_pass() {
	local name n side
	name=$1 n=$2
	for side in cl gw; do
		if [ "$(jstr "$T/$name-$side.json" result)" != pass ] ||
			[ "$(jnum "$T/$name-$side.json" created)" != "$n" ]; then
			echo "$side: $(cat "$T/$name-$side.json" "$T/$name-$side.err" | tail -n 3)"
			return 1
		fi
	done
	[ "$CL_RC" = 0 ] && [ "$GW_RC" = 0 ] || { echo "exit codes cl=$CL_RC gw=$GW_RC"; return 1; }
}

# ---- engine_up ------------------------------------------------------------
write_conf "$T/up-cl.yaml" client 200 5s "retraninterval: 1s"
write_conf "$T/up-gw.yaml" gateway 200 9s
capture_start "$IKS_NS_GW" "$IKS_IF_GW" "$T/up.pcap"
run_pair up --keylog "$T/up.keylog"
capture_stop
if out=$(both_pass up 200); then
	pass engine_up
else
	fail engine_up "$out"
fi
closed=$(jnum "$T/up-gw.json" closed)
[ "$closed" = 200 ] && pass engine_up_graceful_delete ||
	fail engine_up_graceful_delete "gateway saw $closed of 200 IKE SAs deleted"
left=$(ip -n "$IKS_NS_CL" -4 addr show dev "$IKS_IF_CL" | grep -c 'inet 10\.98\.')
[ "$left" = 0 ] && pass engine_up_addrs_removed ||
	fail engine_up_addrs_removed "$left client addresses left on $IKS_IF_CL"
lines=$(grep -c . "$T/up.keylog" 2>/dev/null)
if [ "$lines" = 200 ] && out=$(tshark_ike_check "$T/up.pcap" "$T/up.keylog" 2>&1); then
	pass engine_up_tshark
else
	fail engine_up_tshark "keylog lines=$lines; $(printf '%s\n' "$out" | tail -n 2)"
fi

# ---- engine_rekey -----------------------------------------------------------
# The client rekeys its IKE SAs (lifetime 4s) and CHILD SAs; the gateway,
# with a shorter CHILD lifetime, rekeys CHILD SAs first; forced DPD.
write_conf "$T/rk-cl.yaml" client 50 9s "retraninterval: 1s" "ikelifetime: 4s" \
	"margintime: 1s" "forcedpd: true" "dpdinterval: 1s" \
	"childlist:" "  - lifetime: 6s"
write_conf "$T/rk-gw.yaml" gateway 50 13s "retraninterval: 1s" "ikelifetime: 1h" \
	"margintime: 1s" "childlist:" "  - lifetime: 3s"
run_pair rk
if out=$(both_pass rk 50); then
	pass engine_rekey_up
else
	fail engine_rekey_up "$out"
fi
for side in cl gw; do
	ik=$(jnum "$T/rk-$side.json" ike_rekeyed)
	ch=$(jnum "$T/rk-$side.json" child_rekeyed)
	if [ "${ik:-0}" -ge 50 ] && [ "${ch:-0}" -ge 50 ]; then
		pass "engine_rekey_$side"
	else
		fail "engine_rekey_$side" "ike_rekeyed=$ik child_rekeyed=$ch"
	fi
done
# The gateway started CHILD rekeys itself (its lifetime is the shorter one).
gwinit=$(grep -c 'child.rekeyed old_spi_in=[0-9a-f]* new_spi_in=[0-9a-f]*$' "$T/rk-gw.log")
[ "$gwinit" -ge 1 ] && pass engine_rekey_gw_initiates ||
	fail engine_rekey_gw_initiates "the gateway initiated no CHILD rekey"
dpd=$(jnum "$T/rk-cl.json" dpd_sent)
[ "${dpd:-0}" -ge 50 ] && pass engine_dpd || fail engine_dpd "dpd_sent=$dpd"

# ---- engine_v6 -----------------------------------------------------------------
ip -n "$IKS_NS_GW" route add fd00:98::/64 dev "$IKS_IF_GW"
cat >"$T/v6-cl.yaml" <<EOF6
role: client
numberoftunnels: 50
runningtime: 3s
startclntaddr: fd00:98::1/64
peeraddr: $IKS_GW6
bindifname: $IKS_IF_CL
bindifaddr: $IKS_CL6/64
setupinterval: 5ms
ikeconf:
  psk: iks-engine-test
  retraninterval: 1s
  childlist:
  - ownts:
    - {type: v6, startaddr: "fd00:2::", endaddr: "fd00:2::ffff"}
    peerts:
    - {type: v6, startaddr: "fd00:1::", endaddr: "fd00:1::ffff"}
EOF6
cat >"$T/v6-gw.yaml" <<EOF6
role: gateway
numberoftunnels: 50
runningtime: 6s
bindifname: $IKS_IF_GW
bindifaddr: $IKS_GW6
ikeconf:
  psk: iks-engine-test
  childlist:
  - ownts:
    - {type: v6, startaddr: "fd00:1::", endaddr: "fd00:1::ffff"}
    peerts:
    - {type: v6, startaddr: "fd00:2::", endaddr: "fd00:2::ffff"}
EOF6
run_pair v6
if out=$(both_pass v6 50); then
	pass engine_v6
else
	fail engine_v6 "$out"
fi

# ---- engine_loss --------------------------------------------------------------
nft_drop_pct "$IKS_NS_CL" 10 out && nft_drop_pct "$IKS_NS_GW" 10 out ||
	fail engine_loss "nft rule failed"
write_conf "$T/ls-cl.yaml" client 200 12s "retraninterval: 500ms" "maxretran: 6"
write_conf "$T/ls-gw.yaml" gateway 200 16s "retraninterval: 500ms" "maxretran: 6"
run_pair ls
if out=$(both_pass ls 200); then
	pass engine_loss
else
	fail engine_loss "$out"
fi
re=$(jnum "$T/ls-cl.json" retransmits)
[ "${re:-0}" -gt 0 ] && pass engine_loss_retransmitted ||
	fail engine_loss_retransmitted "no retransmission counted"

finish
