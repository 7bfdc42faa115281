#!/bin/sh
# t/interop/run.sh [-o FILE.md] [CELL-PATTERN]: the interop matrix (issue 8).
#
# Each cell is one peer pairing x one proposal, run in two fresh network
# namespaces (t/netns/lib.sh), captured on the veth and judged by tshark
# with the run's keylog.  Prints one line per cell:
#   PASS cell  /  FAIL cell: reason  /  SKIP cell: reason
# and, with -o, the same as a Markdown table.  CELL-PATTERN (a shell glob,
# e.g. 'swan-swan/*') picks cells.  Exit 1 if any cell failed.
#
# Pairings:
#   swan-swan    strongSwan initiator -> strongSwan responder: the baseline
#                that proves the bed and the judge (runs today)
#   iks-swan     ikeswarm client -> strongSwan responder
#   swan-iks     strongSwan initiator -> ikeswarm gateway
#   iks-iks      ikeswarm client -> ikeswarm gateway
# The ikeswarm cells need `ikeswarm exec` with --keylog (issue 4); until the
# binary has it they SKIP with "engine not built yet".  Not registered in
# t/run-netns.sh / make check yet: the engine's developer does that.
cd "$(dirname "$0")/../.." || exit 1
IKS_TEST=interop
. t/netns/lib.sh
IKESWARM=${IKESWARM:-$(pwd)/ikeswarm}

md=""
if [ "$1" = -o ]; then md=$2; shift 2; fi
pattern=${1:-*}

# name | strongSwan IKE proposal | strongSwan ESP proposal |
# ikeswarm ikeencyptalg | ikeintegrityalg | ikeprfalg | dhgrpid | encalg | integrityalg
PROPOSALS="aes128-sha256-modp2048|aes128-sha256-modp2048|aes128-sha256|aes-cbc:128|sha256|sha256|14|aes-cbc:128|sha256
aes256gcm16-prfsha256-x25519|aes256gcm16-prfsha256-x25519|aes256gcm16|aes-gcm-16:256||sha256|31|aes-gcm-16:256|"

need_root
need_swan
need_cmd tcpdump tshark

# engine_ready: 0 when $IKESWARM can run tunnels and write a keylog.
engine_ready() {
	[ -x "$IKESWARM" ] || return 1
	"$IKESWARM" help exec 2>&1 | grep -q -- '--keylog'
}

# cell_bed: namespaces, lo addresses inside the traffic selectors
# (kernel-libipsec needs one), temp dirs; sets T.
cell_bed() {
	ns_pair
	T=$(iks_tmp)
	mkdir -p "$T/gw" "$T/cl"
	ip -n "$IKS_NS_GW" addr add 10.1.0.1/32 dev lo
	ip -n "$IKS_NS_CL" addr add 10.2.0.1/32 dev lo
	capture_start "$IKS_NS_GW" "$IKS_IF_GW" "$T/run.pcap"
}

# cell_judge KEYLOG: tshark verdict on the capture; prints the reason on
# failure (and the decode of the capture on stderr).
cell_judge() {
	local out
	capture_stop
	if ! out=$(tshark_ike_check "$T/run.pcap" "$1" 2>"$T/judge.err"); then
		echo "tshark: $out"
		{
			cat "$T/judge.err"
			tshark -n -r "$T/run.pcap" 2>/dev/null | head -n 40
		} >&2
		return 1
	fi
}

# show_logs: both sides' log tails on stderr after a failure.
show_logs() {
	local f
	for f in "$T"/gw/charon.log "$T"/cl/charon.log "$T"/*.log; do
		[ -f "$f" ] || continue
		echo "--- $f" >&2
		# without the hex dumps (log_ike=4) and swan_wait's vici polling
		grep -v -e '> *[0-9]*: [0-9A-F][0-9A-F] ' -e 'vici client' "$f" | tail -n 25 >&2
	done
}

# swan_side ROLE DIR PROP ESP: strongSwan config for one side.
swan_side() {
	if [ "$1" = gw ]; then
		swan_conf "$2" local_addrs="$IKS_GW4" proposals="$3" esp_proposals="$4" \
			local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24
	else
		swan_conf "$2" local_addrs="$IKS_CL4" remote_addrs="$IKS_GW4" proposals="$3" \
			esp_proposals="$4" local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24
	fi
}

cell_swan_swan() { # PROP ESP
	cell_bed
	swan_side gw "$T/gw" "$1" "$2"
	swan_side cl "$T/cl" "$1" "$2"
	swan_start "$IKS_NS_GW" "$T/gw" || { echo "responder charon did not start"; return 1; }
	swan_start "$IKS_NS_CL" "$T/cl" || { echo "initiator charon did not start"; return 1; }
	swan_ctl "$IKS_NS_CL" "$T/cl" --initiate --child net >"$T/initiate.log" 2>&1
	swan_wait "$IKS_NS_GW" "$T/gw" 'state=INSTALLED' 10 ||
		{ show_logs; echo "no CHILD SA"; return 1; }
	swan_keylog "$IKS_NS_CL" "$T/cl" >"$T/keylog"
	ns_exec "$IKS_NS_CL" ping -n -q -c 1 -W 2 -I 10.2.0.1 10.1.0.1 >/dev/null ||
		{ show_logs; echo "no traffic through the tunnel"; return 1; }
	swan_ctl "$IKS_NS_CL" "$T/cl" --rekey --ike iks >/dev/null 2>&1
	sleep 1
	swan_keylog "$IKS_NS_CL" "$T/cl" >>"$T/keylog"
	swan_ctl "$IKS_NS_CL" "$T/cl" --terminate --ike iks >/dev/null 2>&1
	cell_judge "$T/keylog" || { show_logs; return 1; }
}

# iks_setup ROLE FILE ENCR INTEG PRF DH ESPENC ESPINTEG: an ikeswarm setup
# for one tunnel against the strongSwan side of swan_side.
iks_setup() {
	local ts_own ts_peer
	{
		echo "role: $1"
		echo "numberoftunnels: 1"
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
		echo "  dhgrpid: [$6]"
		echo "  ikeencyptalg: [$3]"
		[ -n "$4" ] && echo "  ikeintegrityalg: [$4]"
		echo "  ikeprfalg: [$5]"
		echo "  childlist:"
		echo "  - encalg: [$7]"
		[ -n "$8" ] && echo "    integrityalg: [$8]"
		if [ "$1" = client ]; then ts_own=10.2.0.0 ts_peer=10.1.0.0; else ts_own=10.1.0.0 ts_peer=10.2.0.0; fi
		echo "    ownts:"
		echo "    - {type: v4, startaddr: $ts_own, endaddr: ${ts_own%.0}.255}"
		echo "    peerts:"
		echo "    - {type: v4, startaddr: $ts_peer, endaddr: ${ts_peer%.0}.255}"
	} >"$2"
}

# The ikeswarm cells: written against the interface issue 4 specifies
# (`ikeswarm exec -f SETUP -j --keylog FILE`, JSON `result`); never run yet.
cell_iks_swan() { # PROP ESP ENCR INTEG PRF DH ESPENC ESPINTEG
	engine_ready || { echo "SKIP:engine not built yet (ikeswarm exec has no --keylog)"; return 2; }
	cell_bed
	swan_side gw "$T/gw" "$1" "$2"
	swan_start "$IKS_NS_GW" "$T/gw" || { echo "responder charon did not start"; return 1; }
	iks_setup client "$T/client.yaml" "$3" "$4" "$5" "$6" "$7" "$8"
	if ! ns_exec "$IKS_NS_CL" "$IKESWARM" exec -f "$T/client.yaml" -j \
		--keylog "$T/keylog" >"$T/iks.json" 2>"$T/iks.log"; then
		show_logs
		echo "ikeswarm client failed: $(tail -n 1 "$T/iks.log")"
		return 1
	fi
	grep -q '"result": *"pass"' "$T/iks.json" || { show_logs; echo "ikeswarm result not pass"; return 1; }
	cell_judge "$T/keylog" || { show_logs; return 1; }
}

cell_swan_iks() { # PROP ESP ENCR INTEG PRF DH ESPENC ESPINTEG
	engine_ready || { echo "SKIP:engine not built yet (ikeswarm exec has no --keylog)"; return 2; }
	cell_bed
	iks_setup gateway "$T/gateway.yaml" "$3" "$4" "$5" "$6" "$7" "$8"
	ns_bg "$IKS_NS_GW" "$T/iks.log" "$IKESWARM" exec -f "$T/gateway.yaml" -j \
		--keylog "$T/keylog"
	sleep 1
	swan_side cl "$T/cl" "$1" "$2"
	swan_start "$IKS_NS_CL" "$T/cl" || { echo "initiator charon did not start"; return 1; }
	swan_ctl "$IKS_NS_CL" "$T/cl" --initiate --child net >"$T/initiate.log" 2>&1
	swan_wait "$IKS_NS_CL" "$T/cl" 'state=INSTALLED' 10 ||
		{ show_logs; echo "no CHILD SA with the ikeswarm gateway"; return 1; }
	swan_ctl "$IKS_NS_CL" "$T/cl" --terminate --ike iks >/dev/null 2>&1
	cell_judge "$T/keylog" || { show_logs; return 1; }
}

cell_iks_iks() {
	engine_ready || { echo "SKIP:engine not built yet (ikeswarm exec has no --keylog)"; return 2; }
	echo "SKIP:ikeswarm <-> ikeswarm cell not written yet"
	return 2
}

# run_cell NAME FUNC ARGS...: run one cell in a subshell (its own trap and
# cleanup), print its line, add it to the Markdown table.
run_cell() {
	local name fn out rc verdict reason
	name=$1 fn=$2
	shift 2
	case $name in $pattern) ;; *) return 0 ;; esac
	out=$( ($fn "$@") 2>"$RUNTMP/cell.err")
	rc=$?
	reason=$(printf '%s\n' "$out" | tail -n 1)
	case $rc in
	0) verdict=PASS; echo "PASS $name" ;;
	2) verdict=SKIP; reason=${reason#SKIP:}; echo "SKIP $name: $reason" ;;
	*) verdict=FAIL; echo "FAIL $name: ${reason:-exit $rc}"; cat "$RUNTMP/cell.err" >&2
	   FAILED=$((FAILED + 1)) ;;
	esac
	echo "| $name | $verdict | $reason |" >>"$RUNTMP/table.md"
}

RUNTMP=$(mktemp -d) || exit 1
FAILED=0
trap 'ns_cleanup; rm -rf "$RUNTMP"' EXIT
{
	echo "# ikeswarm interop matrix"
	echo
	echo "Run $(date -u +%Y-%m-%dT%H:%MZ) on $(uname -r); strongSwan" \
		"$(dpkg-query -W -f '${Version}' strongswan-charon 2>/dev/null)."
	echo
	echo "| cell | result | reason |"
	echo "|---|---|---|"
} >"$RUNTMP/table.md"

while IFS='|' read -r name prop esp encr integ prf dh espenc espinteg; do
	run_cell "swan-swan/$name" cell_swan_swan "$prop" "$esp"
	run_cell "iks-swan/$name" cell_iks_swan "$prop" "$esp" "$encr" "$integ" "$prf" "$dh" \
		"$espenc" "$espinteg"
	run_cell "swan-iks/$name" cell_swan_iks "$prop" "$esp" "$encr" "$integ" "$prf" "$dh" \
		"$espenc" "$espinteg"
	run_cell "iks-iks/$name" cell_iks_iks
done <<EOF
$PROPOSALS
EOF

[ -n "$md" ] && cp "$RUNTMP/table.md" "$md"
[ "$FAILED" -eq 0 ]
