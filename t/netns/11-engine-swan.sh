#!/bin/sh
# ikeswarm against strongSwan (Debian's charon), one tunnel each way, two
# proposals (aes-cbc-128/sha256/modp2048 and aes-gcm-16-256/x25519):
#  swan_<p>_iks_client   ikeswarm client -> charon responder; the client
#                        rekeys its CHILD SA and IKE SA, sends DPDs and
#                        deletes at the end; charon shows the SA rekeyed
#  swan_<p>_iks_gateway  charon initiator -> ikeswarm gateway; the gateway
#                        rekeys the CHILD SA and the IKE SA itself
# Each cell: both sides' view (our JSON, `swanctl --list-sas --raw`), and
# tshark decrypts every captured IKE message with our --keylog.
. "$(dirname "$0")/lib.sh"
need_root
need_swan
need_cmd tcpdump tshark timeout
IKESWARM=${IKESWARM:-$(cd "$(dirname "$0")/../.." && pwd)/ikeswarm}
[ -x "$IKESWARM" ] || skip "no ikeswarm binary at $IKESWARM (make)"

jnum() { grep -o "\"$2\":[0-9.]*" "$1" | head -n 1 | cut -d: -f2; }
jstr() { grep -o "\"$2\":\"[a-z]*\"" "$1" | head -n 1 | cut -d'"' -f4; }

# iks_yaml ROLE FILE ENCR INTEG DH: one tunnel, short lifetimes so that we
# rekey (IKE 6s, CHILD 4s, margin 1s), forced DPD every 2s.
iks_yaml() {
	local own peer
	if [ "$1" = client ]; then own=10.2.0 peer=10.1.0; else own=10.1.0 peer=10.2.0; fi
	{
		echo "role: $1"
		echo "numberoftunnels: 1"
		echo "runningtime: 9s"
		echo "peertsaddrincrease: 0"
		if [ "$1" = client ]; then
			echo "startclntaddr: $IKS_CL4/24"
			echo "peeraddr: $IKS_GW4"
			echo "bindifname: $IKS_IF_CL"
		else
			echo "bindifname: $IKS_IF_GW"
			echo "bindifaddr: $IKS_GW4/24"
		fi
		echo "ikeconf:"
		echo "  psk: \"iks-test-psk\""
		echo "  dhgrpid: [$5]"
		echo "  ikeencyptalg: [$3]"
		[ -n "$4" ] && echo "  ikeintegrityalg: [$4]"
		echo "  ikeprfalg: [sha256]"
		echo "  ikelifetime: 6s"
		echo "  margintime: 1s"
		echo "  jitter: false"
		echo "  forcedpd: true"
		echo "  dpdinterval: 2s"
		echo "  childlist:"
		echo "  - encalg: [$3]"
		[ -n "$4" ] && echo "    integrityalg: [$4]"
		echo "    lifetime: 4s"
		echo "    ownts:"
		echo "    - {type: v4, startaddr: $own.0, endaddr: $own.255}"
		echo "    peerts:"
		echo "    - {type: v4, startaddr: $peer.0, endaddr: $peer.255}"
	} >"$2"
}

bed() {
	ns_pair
	T=$(iks_tmp)
	rm -rf "$T/gw" "$T/cl"
	mkdir -p "$T/gw" "$T/cl"
	ip -n "$IKS_NS_GW" addr add 10.1.0.1/32 dev lo 2>/dev/null
	ip -n "$IKS_NS_CL" addr add 10.2.0.1/32 dev lo 2>/dev/null
}

# iks_ok NAME JSON: our result passed with one tunnel and at least one
# IKE rekey and one CHILD rekey of our own.
iks_ok() {
	local r c ik ch
	r=$(jstr "$2" result) c=$(jnum "$2" created)
	ik=$(jnum "$2" ike_rekeyed) ch=$(jnum "$2" child_rekeyed)
	if [ "$r" = pass ] && [ "$c" = 1 ] && [ "${ik:-0}" -ge 1 ] && [ "${ch:-0}" -ge 1 ]; then
		pass "$1"
	else
		fail "$1" "result=$r created=$c ike_rekeyed=$ik child_rekeyed=$ch"
	fi
}

judge() {
	local out
	if out=$(tshark_ike_check "$T/$1.pcap" "$T/$1.keylog" 2>&1); then
		pass "$1_tshark"
	else
		fail "$1_tshark" "$(printf '%s\n' "$out" | tail -n 1)"
	fi
}

cell_client() { # NAME PROP ESP ENCR INTEG DH
	bed
	swan_conf "$T/gw" local_addrs="$IKS_GW4" proposals="$2" esp_proposals="$3" \
		local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 conn_rekey_time=0 child_rekey_time=0
	swan_start "$IKS_NS_GW" "$T/gw" || { fail "$1" "charon did not start"; return; }
	iks_yaml client "$T/$1.yaml" "$4" "$5" "$6"
	capture_start "$IKS_NS_GW" "$IKS_IF_GW" "$T/$1.pcap"
	ns_exec "$IKS_NS_CL" timeout 30 "$IKESWARM" exec -f "$T/$1.yaml" -j --lf "$T/$1.log" \
		--keylog "$T/$1.keylog" >"$T/$1.json" 2>"$T/$1.err" &
	pid=$!
	# Mid-run: charon holds the IKE SA our client made by rekeying (its
	# uniqueid 2 or later) with an installed CHILD SA.
	sleep 7
	raw=$(swan_ctl "$IKS_NS_GW" "$T/gw" --list-sas --raw 2>/dev/null)
	wait $pid
	capture_stop
	iks_ok "$1" "$T/$1.json"
	if printf '%s\n' "$raw" | grep -q 'state=ESTABLISHED' &&
		printf '%s\n' "$raw" | grep -q 'state=INSTALLED' &&
		printf '%s\n' "$raw" | grep -Eq 'iks \{uniqueid=([2-9]|[1-9][0-9])'; then
		pass "$1_swan_view"
	else
		fail "$1_swan_view" "charon: $(printf '%s' "$raw" | cut -c1-200)"
	fi
	# Our stop deleted the IKE SA: charon has none left.
	if swan_ctl "$IKS_NS_GW" "$T/gw" --list-sas --raw 2>/dev/null | grep -q 'state=ESTABLISHED'; then
		fail "$1_deleted" "charon still has an IKE SA after our stop"
	else
		pass "$1_deleted"
	fi
	judge "$1"
	swan_stop "$IKS_NS_GW" "$T/gw"
	ns_cleanup
}

cell_gateway() { # NAME PROP ESP ENCR INTEG DH
	bed
	iks_yaml gateway "$T/$1.yaml" "$4" "$5" "$6"
	capture_start "$IKS_NS_GW" "$IKS_IF_GW" "$T/$1.pcap"
	ns_exec "$IKS_NS_GW" timeout 30 "$IKESWARM" exec -f "$T/$1.yaml" -j --lf "$T/$1.log" \
		--keylog "$T/$1.keylog" >"$T/$1.json" 2>"$T/$1.err" &
	pid=$!
	sleep 0.5
	swan_conf "$T/cl" local_addrs="$IKS_CL4" remote_addrs="$IKS_GW4" proposals="$2" \
		esp_proposals="$3" local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 \
		conn_rekey_time=0 child_rekey_time=0
	swan_start "$IKS_NS_CL" "$T/cl" || { fail "$1" "charon did not start"; return; }
	swan_ctl "$IKS_NS_CL" "$T/cl" --initiate --child net >"$T/$1.initiate" 2>&1
	sleep 7
	raw=$(swan_ctl "$IKS_NS_CL" "$T/cl" --list-sas --raw 2>/dev/null)
	wait $pid
	capture_stop
	iks_ok "$1" "$T/$1.json"
	if printf '%s\n' "$raw" | grep -q 'state=INSTALLED' &&
		printf '%s\n' "$raw" | grep -Eq 'iks \{uniqueid=([2-9]|[1-9][0-9])'; then
		pass "$1_swan_view"
	else
		fail "$1_swan_view" "charon: $(printf '%s' "$raw" | cut -c1-200)"
	fi
	judge "$1"
	swan_stop "$IKS_NS_CL" "$T/cl"
	ns_cleanup
}

cell_client swan_cbc_iks_client aes128-sha256-modp2048 aes128-sha256 aes-cbc:128 sha256 14
cell_gateway swan_cbc_iks_gateway aes128-sha256-modp2048 aes128-sha256 aes-cbc:128 sha256 14
cell_client swan_gcm_iks_client aes256gcm16-prfsha256-x25519 aes256gcm16 aes-gcm-16:256 "" 31
cell_gateway swan_gcm_iks_gateway aes256gcm16-prfsha256-x25519 aes256gcm16 aes-gcm-16:256 "" 31
finish
