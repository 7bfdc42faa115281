#!/bin/sh
# t/interop/run.sh [--ci] [-o FILE.md] [CELL-GLOB...]: the interop matrix
# (issue 8).  strongSwan 5.9 (charon, kernel-libipsec) and tshark judge
# ikeswarm's engine.
#
# Each cell runs in two fresh network namespaces on a veth pair
# (t/netns/lib.sh), is captured on the veth and judged by tshark with the
# run's keylog (every IKE message decrypts, nothing malformed, no integrity
# error), and asserts both sides' state: `swanctl --list-sas --raw` and our
# `-j` JSON.  One line per cell on stdout:
#   PASS cell  /  FAIL cell: reason  /  SKIP cell: reason
# (a failed cell also prints the tshark decode and both sides' log tails on
# stderr); then the table, also written as Markdown with -o.  --ci runs
# only the cells marked ci (t/netns/20-interop.sh, i.e. `make check`);
# CELL-GLOBs (shell patterns, e.g. 'swan-iks/*') pick cells.  Exit 1 if a
# cell failed.  Helpers and the two drivers: t/interop/cells.sh.
#
# Pairings:  iks-swan  ikeswarm client -> strongSwan responder
#            swan-iks  strongSwan initiator -> ikeswarm gateway
#            swan-swan strongSwan -> strongSwan (proves the bed and the judge)
#            iks-iks   is t/netns/10-engine.sh (200 tunnels, rekeys, loss)
cd "$(dirname "$0")/../.." || exit 1
IKS_TEST=interop
. t/netns/lib.sh
. t/interop/cells.sh
IKESWARM=${IKESWARM:-$(pwd)/ikeswarm}

md="" ci=""
while [ $# -gt 0 ]; do
	case $1 in
	--ci) ci=1; shift ;;
	-o) md=$2; shift 2 ;;
	*) break ;;
	esac
done
patterns=${*:-*}

need_root
need_swan
need_cmd tcpdump tshark ss timeout
[ -x "$IKESWARM" ] || skip "no ikeswarm binary at $IKESWARM (make)"

# ---- cells that need more than the drivers' defaults --------------------------

# during_sleep_up SECONDS: let timers run, then all SAs must still be up.
during_hold() {
	local up
	sleep "$1"
	up=$(count_up "$2")
	[ "$up" = "$C_N $((C_N * C_CHILDREN))" ] ||
		{ echo "after ${1}s charon has ${up% *} IKE SAs and ${up#* } CHILD SAs (want $C_N)"; return 1; }
}
hold_gw() { during_hold "$1" "$IKS_NS_GW"; }
hold_cl() { during_hold "$1" "$IKS_NS_CL"; }
hold6_gw() { hold_gw 6; }
hold6_cl() { hold_cl 7; }
hold3_gw() { hold_gw 3; }
hold3_cl() { hold_cl 3; }

# rekeys BY: both kinds of rekey happened, started by BY; every tunnel did
# them; the keylog has a line for every new IKE SA (the judge decrypted them).
rekeys() {
	at_least "our ike_rekeyed" "$(jnum "$T/iks.json" ike_rekeyed)" "$C_N" &&
		at_least "our child_rekeyed" "$(jnum "$T/iks.json" child_rekeyed)" "$C_N" &&
		at_least "CHILD rekeys (CREATE_CHILD_SA with REKEY_SA) by $1" \
			"$(msgs "$1" 36 req "" 16393)" "$C_N" &&
		at_least "IKE rekeys (CREATE_CHILD_SA with KE, no TS) by $1" \
			"$(msgs "$1" 36 req 34 | head -n 1)" "$C_N" &&
		at_least "CREATE_CHILD_SA responses" "$(msgs "$(other "$1")" 36 resp)" $((2 * C_N)) &&
		at_least "keylog lines" "$(grep -c . "$T/keylog")" $((2 * C_N)) &&
		no_error_notify
}
rekeys_iks() { rekeys iks; }
rekeys_sw() { rekeys sw; }
other() { if [ "$1" = iks ]; then echo sw; else echo iks; fi; }

# no_error_notify: no error notify (type < 16384) in any response but the
# ones a cell provokes (INVALID_KE_PAYLOAD 17, COOKIE is a status).
no_error_notify() {
	local bad
	bad=$(awk '$7 == "resp" && $9 != "-" {
		n = split($9, t, ","); for (i = 1; i <= n; i++) if (t[i] < 16384 && t[i] != 17) print }' \
		"$T/dump" | sort -u | tr '\n' ' ')
	[ -z "$bad" ] || { echo "error notifies in responses: $bad"; return 1; }
}

# dpd BY: empty INFORMATIONAL requests by BY, each answered by an empty one.
dpd() {
	at_least "empty INFORMATIONAL requests by $1" "$(msgs "$1" 37 req =46)" "$C_N" &&
		at_least "empty INFORMATIONAL responses" "$(msgs "$(other "$1")" 37 resp =46)" "$C_N"
}
dpd_iks() { at_least "our dpd_sent" "$(jnum "$T/iks.json" dpd_sent)" "$C_N" && dpd iks; }
dpd_sw() { dpd sw; }

# deleted BY: every IKE SA was deleted by BY's INFORMATIONAL with a Delete
# payload (42), answered, and charon logged it.
deleted() {
	at_least "INFORMATIONAL requests with Delete by $1" "$(msgs "$1" 37 req 42)" "$C_N" &&
		at_least "INFORMATIONAL responses to them" "$(msgs "$(other "$1")" 37 resp)" "$C_N" &&
		no_error_notify
}
deleted_iks() {
	deleted iks &&
		at_least "charon 'received DELETE for IKE_SA'" \
			"$(grep -c 'received DELETE for IKE_SA' "$T/sw/charon.log")" "$C_N"
}
deleted_sw() {
	deleted sw &&
		at_least "our ike.deleted.by_peer events" \
			"$(grep -c 'ike.deleted.by_peer' "$T/iks.log")" "$C_N"
}
# swan_delete_gw / swan_delete_cl: charon deletes one CHILD SA, then every
# IKE SA (the client's runningtime or the gateway's stop comes later).
swan_delete() {
	local id
	id=$(sas "$1" | grep -o 'child-sas {net-[0-9]* {name=net uniqueid=[0-9]*' | head -n 1)
	id=${id##*=}
	swan_ctl "$1" "$T/sw" --terminate --child-id "$id" -t 5 >"$T/terminate.log" 2>&1 ||
		{ echo "swanctl could not delete CHILD SA $id"; return 1; }
	sleep 0.3
	swan_ctl "$1" "$T/sw" --terminate --ike "$2" -t 5 >>"$T/terminate.log" 2>&1 ||
		{ echo "swanctl could not delete the IKE SAs"; return 1; }
	wait_none "$1" 3 || { echo "charon kept IKE SAs after deleting them"; return 1; }
}
swan_delete_gw() { swan_delete "$IKS_NS_GW" iks; }
deleted_sw_child() {
	at_least "our child.deleted events" "$(grep -c 'child.deleted' "$T/iks.log")" 1 &&
		deleted_sw
}

# invalid_ke BY: BY answered IKE_SA_INIT with INVALID_KE_PAYLOAD (17) and the
# other side retried with the group asked for (the SA's group: xdh).
invalid_ke() {
	at_least "IKE_SA_INIT responses with INVALID_KE_PAYLOAD by $1" \
		"$(msgs "$1" 34 resp "" 17)" 1 &&
		at_least "IKE_SA_INIT requests" "$(msgs "$(other "$1")" 34 req)" 2
}
invalid_ke_sw() { invalid_ke sw; }
invalid_ke_iks() { invalid_ke iks; }

# cookie BY: BY asked for a COOKIE (16390) and got it back.
cookie() {
	at_least "IKE_SA_INIT responses with COOKIE by $1" "$(msgs "$1" 34 resp "" 16390)" 1 &&
		at_least "IKE_SA_INIT requests echoing COOKIE" \
			"$(msgs "$(other "$1")" 34 req "" 16390)" 1
}
cookie_sw() { cookie sw; }
cookie_iks() { cookie iks; }

# two CHILD SAs per tunnel: the second by CREATE_CHILD_SA.
children2_iks() { at_least "CREATE_CHILD_SA requests by us" "$(msgs iks 36 req)" "$C_N"; }
children2_sw() { at_least "CREATE_CHILD_SA requests by charon" "$(msgs sw 36 req)" "$C_N"; }

# transport mode: USE_TRANSPORT_MODE (16391) in IKE_AUTH both ways.
transport_ok() {
	at_least "IKE_AUTH requests with USE_TRANSPORT_MODE" "$(msgs "$1" 35 req "" 16391)" "$C_N" &&
		at_least "IKE_AUTH responses with USE_TRANSPORT_MODE" \
			"$(msgs "$(other "$1")" 35 resp "" 16391)" "$C_N"
}
transport_iks() { transport_ok iks; }
transport_sw() { transport_ok sw; }

# remote access: CP (47) in IKE_AUTH both ways, N distinct virtual
# addresses from the pool PREFIX (a.b.c.) in the log line EVENT of ours,
# and charon's SAs hold them as SIDE-vips.
ra_ok() { # BY(the client) PREFIX EVENT SIDE
	local got
	at_least "IKE_AUTH requests with CP by $1" "$(msgs "$1" 35 req 47)" "$C_N" || return 1
	at_least "IKE_AUTH responses with CP" "$(msgs "$(other "$1")" 35 resp 47)" "$C_N" || return 1
	got=$(sed -n "s/.* $3 vip=\($2[0-9]*\).*/\1/p" "$T/iks.log" | sort -u | grep -c .)
	at_least "distinct $2x addresses in our $3 lines" "$got" "$C_N" || return 1
	at_least "charon's IKE SAs with $4-vips in $2x" \
		"$(grep -c "$4-vips=\[$(echo "$2" | sed 's/\./\\./g')" "$T/sas.up")" "$C_N"
}
ra_iks() { ra_ok iks 10.200.0. ra.vip remote; }
ra_sw() { ra_ok sw 10.2.200. ra.assigned local; }

# NAT-T through a real NAT (nftables masquerade in a third namespace).
nat_iks() {
	at_least "our keepalives" "$(jnum "$T/iks.json" keepalives)" $((2 * C_N)) &&
		at_least "keepalives from the NAT (10.99.0.2) in the capture" \
			"$(keepalives 10.99.0.2)" $((2 * C_N)) &&
		at_least "charon's IKE SAs with remote-host=10.99.0.2 (the NAT)" \
			"$(grep -c 'remote-host=10.99.0.2 ' "$T/sas.up")" "$C_N"
}
nat_sw() {
	at_least "charon's keepalives from the NAT (10.99.0.2)" "$(keepalives 10.99.0.2)" "$C_N" ||
		return 1
	[ "$(jnum "$T/iks.json" dropped)" = 0 ] ||
		{ echo "we dropped $(jnum "$T/iks.json" dropped) packets"; return 1; }
}

# Our gateway's COOKIE: needs numoftunneltoenablecookie, which conf/ may
# still refuse as not implemented: then SKIP with conf's own words.
swan_iks_cookie() {
	local out
	cell_args iks_ike_numoftunneltoenablecookie=0 rt=60s
	T=$(iks_tmp)
	iks_conf "$T/verify.yaml" gateway
	if ! out=$("$IKESWARM" exec -f "$T/verify.yaml" --verify 2>&1 >/dev/null); then
		if printf '%s\n' "$out" | grep -q -i 'cookie.*not implemented'; then
			echo "SKIP:setup refused: $(printf '%s\n' "$out" | grep -m 1 -i cookie |
				sed 's/^[^:]*:[0-9]*:[0-9]*: //')"
			return 2
		fi
		echo "setup refused: $(printf '%s\n' "$out" | head -n 1)"
		return 1
	fi
	swan_iks n=3 iks_ike_numoftunneltoenablecookie=0 check=cookie_iks
}

# MOBIKE (issue 6) is built when the engine has its counters (the -j
# result's "mobike" object: updates_ok, cookie2_mismatch, ...).  Then the
# cells run; until then they SKIP.
mobike_built() {
	grep -q 'cookie2_mismatch' "$IKESWARM" 2>/dev/null
}
mobike_cell() { # DRIVER ARGS...
	if ! mobike_built; then
		echo "SKIP:MOBIKE not built yet (issue 6)"
		return 2
	fi
	"$@"
}

# mobike_agreed BY: MOBIKE_SUPPORTED in BY's IKE_AUTH requests and in the
# other side's responses.
mobike_agreed() {
	at_least "IKE_AUTH requests by $1 with MOBIKE_SUPPORTED" "$(msgs "$1" 35 req "" 16396)" "$C_N" &&
		at_least "IKE_AUTH responses with MOBIKE_SUPPORTED" \
			"$(msgs "$(other "$1")" 35 resp "" 16396)" "$C_N"
}
mobike_agreed_iks() { mobike_agreed iks; }
mobike_agreed_sw() { mobike_agreed sw; }

# mobike_moved: our client moved (own-only or peer-only): UPDATE_SA_ADDRESSES
# (16400) with NAT-D (16388/16389) and COOKIE2 (16401), charon's answers
# echo COOKIE2 (our client compares the bytes: cookie2_mismatch stays 0),
# our counters agree, and charon's SAs show the new endpoints.
mobike_moved() {
	local mm tf
	mobike_agreed iks || return 1
	at_least "our UPDATE_SA_ADDRESSES" "$(msgs iks 37 req "" 16400)" "$C_N" &&
		at_least "our UPDATE_SA_ADDRESSES with NAT_DETECTION_SOURCE_IP" \
			"$(msgs iks 37 req "" 16388)" "$C_N" &&
		at_least "our UPDATE_SA_ADDRESSES with COOKIE2" "$(msgs iks 37 req "" 16401)" "$C_N" &&
		at_least "charon's answers echoing COOKIE2" "$(msgs sw 37 resp "" 16401)" "$C_N" &&
		at_least "our mobike.update.ok events" "$(grep -c 'mobike\.update\.ok' "$T/iks.log")" \
			"$C_N" || return 1
	# charon (kernel-libipsec cannot move an SA) rekeys each CHILD SA right
	# after the update; refusing it leaves charon's ESP on the old path
	# until its retry (6-12 s later).
	tf=$(msgs iks 36 resp "" 43)
	[ "$tf" = 0 ] || { echo "we answered $tf of charon's CHILD rekeys during the move with" \
		"TEMPORARY_FAILURE (charon: 'CHILD_SA rekeying failed, trying again in N seconds')"
		return 1; }
	no_error_notify || return 1
	mm=$(jnum "$T/iks.json" cookie2_mismatch)
	[ "${mm:-x}" = 0 ] || { echo "cookie2_mismatch=$mm"; return 1; }
	at_least "mobike updates_ok in our -j result" "$(jnum "$T/iks.json" updates_ok)" "$C_N"
}
# during_moved WHAT: the first move (mobikeiplifetime 3s) shows in charon's
# SAs within 6 s of all up (polled: a fixed 4 s sleep was overrun under
# load by the client's 5 s run): WHAT=own -> no SA with a tunnel's first
# address as remote; WHAT=peer -> no SA with local-host 10.99.0.1; all SAs
# up at that moment.
during_moved() {
	wait_for 6 moved_seen "$1"
}
moved_seen() {
	local s up
	s=$(sas "$IKS_NS_GW")
	up="$(printf '%s\n' "$s" | grep -o 'version=2 state=ESTABLISHED' | grep -c .)"
	up="$up $(printf '%s\n' "$s" | grep -o 'state=INSTALLED' | grep -c .)"
	[ "$up" = "$C_N $((C_N * C_CHILDREN))" ] ||
		{ echo "charon has ${up% *} IKE SAs and ${up#* } CHILD SAs (want $C_N)"; return 1; }
	if [ "$1" = own ]; then
		printf '%s\n' "$s" | grep -q -E 'remote-host=10\.99\.0\.(10|12) ' &&
			{ echo "charon still has an SA on a tunnel's first address:" \
				"$(printf '%s\n' "$s" | grep -o 'remote-host=[^ ]*' | tr '\n' ' ')"; return 1; }
	else
		printf '%s\n' "$s" | grep -q 'local-host=10\.99\.0\.1 ' &&
			{ echo "charon still has an SA on 10.99.0.1:" \
				"$(printf '%s\n' "$s" | grep -o 'local-host=[^ ]*' | tr '\n' ' ')"; return 1; }
	fi
	return 0
}
moved_own() { during_moved own; }
moved_peer() {
	# a second gateway address for charon to offer (ADDITIONAL_IP4_ADDRESS)
	during_moved peer
}
peer_addr_gw() { ip -n "$IKS_NS_GW" addr add 10.99.0.3/24 dev "$IKS_IF_GW"; }

# moved_both: mobikechangeaddrtype both, one tunnel with own 10.99.0.10 and
# .11, gateway 10.99.0.1 and .3 (ADDITIONAL_IP4_ADDRESS), a move every 3 s.
# Own-major order: (.10,.1) (.10,.3) (.11,.1) (.11,.3).  charon's IKE SA
# (remote-host, local-host) is sampled every 0.3 s for 11 s (the run is
# 14 s); it stays ESTABLISHED, and the distinct pairs seen, in order, must
# be that cycle, at least its first 3.
moved_both() {
	local end s p last seen want
	seen="" last=""
	end=$(($(date +%s) + 11))
	while [ "$(date +%s)" -lt "$end" ]; do
		s=$(sas "$IKS_NS_GW")
		case $s in *"state=ESTABLISHED"*) ;; *)
			echo "charon's IKE SA not ESTABLISHED during the moves (seen: '${seen# }')"
			return 1 ;;
		esac
		p="$(iks_rawfield "$s" remote-host)>$(iks_rawfield "$s" local-host)"
		[ "$p" != "$last" ] && { seen="$seen $p"; last=$p; }
		sleep 0.3
	done
	seen=${seen# }
	want="10.99.0.10>10.99.0.1 10.99.0.10>10.99.0.3 10.99.0.11>10.99.0.1 10.99.0.11>10.99.0.3"
	case "$want " in "$seen "*) ;; *)
		echo "charon's (remote>local) hosts went '$seen', want a prefix of '$want'"; return 1 ;;
	esac
	[ "$(echo "$seen" | wc -w)" -ge 3 ] ||
		{ echo "charon's SA made fewer than 2 moves: '$seen'"; return 1; }
}

# swan_roams: charon's own address goes away; it must move its SA to the
# address left, with our gateway answering its probes and its update.
swan_roams() {
	local s old new
	s=$(sas "$IKS_NS_CL")
	old=$(iks_rawfield "$s" local-host)
	ip -n "$IKS_NS_CL" addr add 10.99.0.30/24 dev "$IKS_IF_CL" || return 1
	sleep 0.5
	ip -n "$IKS_NS_CL" addr del "$old/24" dev "$IKS_IF_CL" ||
		{ echo "could not remove charon's address $old"; return 1; }
	sleep 5
	s=$(sas "$IKS_NS_CL")
	new=$(iks_rawfield "$s" local-host)
	[ -n "$new" ] && [ "$new" != "$old" ] ||
		{ echo "charon's IKE SA did not move off $old (now: ${new:-no SA})"; return 1; }
	[ "$(count_up "$IKS_NS_CL")" = "$C_N $C_N" ] || { echo "SAs lost after the roam"; return 1; }
}
swan_roamed() {
	mobike_agreed sw &&
		at_least "charon's UPDATE_SA_ADDRESSES" "$(msgs sw 37 req "" 16400)" 1 &&
		at_least "our answers echoing COOKIE2" "$(msgs iks 37 resp "" 16401)" 1 &&
		no_error_notify
}

# mobike_rows: $T/rows, one line per INFORMATIONAL message of the capture
# decrypted with our keylog, for t/interop/mobike-notify.py (frame, src,
# sport, dst, dport, SPIi, SPIr, message ID, R and I flags, notify types and
# their data, aligned: tshark writes <MISSING> for a notify without data).
mobike_rows() {
	local l
	set --
	while IFS= read -r l; do
		case $l in '' | '#'*) continue ;; esac
		set -- "$@" -o "uat:ikev2_decryption_table:$l"
	done <"$T/keylog"
	HOME=/nonexistent XDG_CONFIG_HOME=/nonexistent tshark -n -r "$T/run.pcap" "$@" \
		-Y 'isakmp.exchangetype == 37' -T fields -E separator=/t -E occurrence=a \
		-E aggregator=, -e frame.number -e ip.src -e udp.srcport -e ip.dst -e udp.dstport \
		-e isakmp.ispi -e isakmp.rspi -e isakmp.messageid -e isakmp.flag_r -e isakmp.flag_i \
		-e isakmp.notify.msgtype -e isakmp.notify.data >"$T/rows" 2>/dev/null
}
# mobike_notify MODE ARGS...: t/interop/mobike-notify.py on $T/rows; its
# summary line goes to $T/mobike-notify.log (and on stderr when it fails).
mobike_notify() {
	local out
	out=$(python3 t/interop/mobike-notify.py "$@") ||
		{ printf '%s\n' "$out" | tail -n 1; return 1; }
	printf '%s\n' "$out" >>"$T/mobike-notify.log"
}
need_py() {
	command -v python3 >/dev/null 2>&1 && return 0
	echo "SKIP:no python3 (t/interop/mobike-notify.py recomputes NAT-D and compares COOKIE2)"
	return 2
}
mobike_py_cell() { need_py || return 2; mobike_cell "$@"; }

# cookie2_iks: every UPDATE_SA_ADDRESSES of ours carries COOKIE2 and charon
# echoes it byte for byte in the response of the same message ID.
SW_ADDRS_GW="10.99.0.1 10.99.0.3"
cookie2_iks() {
	mobike_moved || return 1
	mobike_rows
	mobike_notify cookie2 iks "$T/rows" "$SW_ADDRS_GW"
}
# natd_iks: our UPDATE_SA_ADDRESSES hash their own headers into NAT-D (what
# charon hashes in its responses is in $T/mobike-notify.log; README).
natd_iks() {
	mobike_moved || return 1
	mobike_rows
	mobike_notify natd "$T/rows" "$SW_ADDRS_GW"
}

# gw2_bed: our gateway takes 10.99.0.1 and 10.99.0.2 (mobikeaddrpergw 2),
# so the client side gives up 10.99.0.2 (charon uses 10.99.0.20+k) and the
# pinned neighbour entries follow.
gw2_bed() {
	ip -n "$IKS_NS_CL" addr del "$IKS_CL4/24" dev "$IKS_IF_CL" || return 1
	ip -n "$IKS_NS_GW" neigh del "$IKS_CL4" dev "$IKS_IF_GW" 2>/dev/null
	pin "$IKS_NS_CL" "$IKS_IF_CL" "$(mac "$IKS_NS_GW" "$IKS_IF_GW")" "$IKS_CL4"
}
# cookie2_echo_sw: charon roamed to our gateway; its COOKIE2 (16 octets)
# came back byte for byte, each of its INFORMATIONAL requests (probes and
# updates) was answered from the address it reached, our responses to its
# UPDATE_SA_ADDRESSES hash their own headers into NAT-D.
SW_ADDRS_CL="10.99.0.20 10.99.0.30"
cookie2_echo_sw() {
	swan_roamed || return 1
	mobike_rows
	mobike_notify cookie2 sw "$T/rows" "$SW_ADDRS_CL" 16 &&
		mobike_notify paths "$T/rows" "$SW_ADDRS_CL" &&
		mobike_notify natd "$T/rows" "$SW_ADDRS_CL"
}

# libreswan: what was found on this host (t/interop/README.md).
libreswan_cell() {
	echo "SKIP:Debian's libreswan 4.10 conflicts with strongswan-libcharon and" \
		"strongswan-starter (installing it removes the strongSwan peer), and pluto" \
		"installs every CHILD SA as kernel XFRM ESP state with no userspace ESP;" \
		"this kernel has none ('ip xfrm state add ... proto esp': Requested type not found)"
	return 2
}

# strongSwan <-> strongSwan: the bed and the judge work (keylog from charon's log).
swan_swan() { # PROP ESP
	cell_args
	cell_bed || { echo "capture did not start"; return 1; }
	mkdir -p "$T/gw" "$T/cl"
	swan_conf "$T/gw" local_addrs="$IKS_GW4" proposals="$1" esp_proposals="$2" \
		local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24
	swan_conf "$T/cl" local_addrs="$IKS_CL4" remote_addrs="$IKS_GW4" proposals="$1" \
		esp_proposals="$2" local_ts=10.2.0.1/32 remote_ts=10.1.0.0/24
	swan_start "$IKS_NS_GW" "$T/gw" || { echo "responder charon did not start"; return 1; }
	swan_start "$IKS_NS_CL" "$T/cl" || { echo "initiator charon did not start"; return 1; }
	swan_ctl "$IKS_NS_CL" "$T/cl" --initiate --child net >"$T/initiate.log" 2>&1
	swan_wait "$IKS_NS_GW" "$T/gw" 'state=INSTALLED' 10 || { diag; echo "no CHILD SA"; return 1; }
	swan_keylog "$IKS_NS_CL" "$T/cl" >"$T/keylog"
	ns_exec "$IKS_NS_CL" ping -n -q -c 1 -W 2 -I 10.2.0.1 10.1.0.1 >/dev/null ||
		{ diag; echo "no traffic through the tunnel"; return 1; }
	swan_ctl "$IKS_NS_CL" "$T/cl" --rekey --ike iks >/dev/null 2>&1
	sleep 1
	swan_keylog "$IKS_NS_CL" "$T/cl" >>"$T/keylog"
	swan_ctl "$IKS_NS_CL" "$T/cl" --terminate --ike iks >/dev/null 2>&1
	judge || { diag; return 1; }
}

# ---- the matrix ------------------------------------------------------------------
# cell TAG NAME FN ARGS...: TAG ci = also in `make check` (20-interop.sh).

# Algorithm sets, ikeswarm spelling.  IKE: every encryption with
# sha256/prfsha256/modp2048, every integrity and every PRF with
# aes-cbc-128/modp2048, every DH group with aes-cbc-128/sha256, and a few
# strong combinations (one tunnel each).  ESP likewise.
IKE_ENCRS="aes-cbc:128 aes-cbc:192 aes-cbc:256 3des aes-gcm-8:128 aes-gcm-8:192 aes-gcm-8:256
aes-gcm-12:128 aes-gcm-12:192 aes-gcm-12:256 aes-gcm-16:128 aes-gcm-16:192 aes-gcm-16:256
chacha20-poly1305"
IKE_INTEGS="md5-96 sha1-96 sha256 sha384 sha512"
IKE_PRFS="md5 sha1 sha256 sha384 sha512"
IKE_DHS="1 2 5 14 15 16 17 18 19 20 21 31"
IKE_MIXED="aes-cbc:256,sha512,sha512,21 aes-cbc:192,sha384,sha384,20 aes-gcm-16:128,,sha384,19
aes-gcm-12:256,,sha512,31 3des,sha1-96,sha1,5"
ESP_ENCS="aes-cbc:128 aes-cbc:192 aes-cbc:256 3des aes-gcm-8:128 aes-gcm-8:256 aes-gcm-12:128
aes-gcm-12:256 aes-gcm-16:128 aes-gcm-16:192 aes-gcm-16:256 chacha20-poly1305"
# (ESP NULL: conf/ refuses encalg null as not implemented yet, so no cell.)
ESP_INTEGS="md5-96 sha1-96 sha384 sha512"

# strongSwan rekeys: IKE SA at 3-4 s, CHILD SA at 2-3 s.  over_time and
# life_time explicit: their defaults (10 % of rekey_time, in whole seconds)
# are 0 here, and the SA would expire the moment it should rekey (seen:
# "closing expired CHILD_SA", then a new CHILD SA instead of a rekey).
SW_REKEY="sw_conn_rekey_time=4s sw_conn_over_time=3s sw_conn_rand_time=1s sw_child_rekey_time=3s
sw_child_life_time=6s sw_child_rand_time=1s"

# judge_for ENCR: tshark 4.0 cannot decrypt ChaCha20-Poly1305.
judge_for() {
	case $1 in chacha20-poly1305) echo judge=plain ;; *) echo judge=full ;; esac
}

cells() {
	local d drv p e i r x
	cell - swan-swan/aes128-sha256-modp2048 swan_swan aes128-sha256-modp2048 aes128-sha256
	cell - swan-swan/aes256gcm16-prfsha256-x25519 swan_swan aes256gcm16-prfsha256-x25519 aes256gcm16
	for d in iks-swan swan-iks; do
		drv=$(echo "$d" | tr - _)
		# the two main proposals, 5 tunnels each
		cell ci "$d/aes128-sha256-modp2048" "$drv" n=5
		cell ci "$d/aes256gcm16-prfsha256-x25519" "$drv" n=5 encr=aes-gcm-16:256 prf=sha256 \
			dh=31 espenc=aes-gcm-16:256
		# exchanges
		if [ "$d" = iks-swan ]; then
			cell ci "$d/rekey-by-iks" "$drv" n=2 rt=8s iks_ike_ikelifetime=4s iks_ike_margintime=1s \
				iks_ike_jitter=false iks_child_lifetime=3s during=hold6_gw check=rekeys_iks
			cell ci "$d/rekey-by-swan" "$drv" n=2 rt=8s $SW_REKEY \
				during=hold6_gw check=rekeys_sw
			cell - "$d/dpd-by-iks" "$drv" n=2 rt=4s iks_ike_forcedpd=true \
				iks_ike_dpdinterval=1s check=dpd_iks
			cell - "$d/dpd-by-swan" "$drv" n=2 rt=4s iks_ike_initiatedpd=false \
				sw_conn_dpd_delay=1s during=hold3_gw check=dpd_sw
			cell ci "$d/delete-by-iks" "$drv" n=2 check=deleted_iks
			cell ci "$d/delete-by-swan" "$drv" n=2 rt=4s iks_top_tunnelmaxretry=1 \
				during=swan_delete_gw check=deleted_sw_child
			cell - "$d/cookie-by-swan" "$drv" n=5 sw_charon_cookie_threshold=1 check=cookie_sw
			cell - "$d/invalid-ke-by-swan" "$drv" n=1 dh="19, 14" xdh=14 \
				sprop=aes128-sha256-modp2048 check=invalid_ke_sw
			cell - "$d/two-children" "$drv" n=2 children=2 check=children2_iks
			cell - "$d/transport" "$drv" n=2 mode=transport check=transport_iks
			cell ci "$d/ipv6" "$drv" n=2 fam=6
			cell - "$d/nat-keepalive" "$drv" n=2 nat=1 rt=5s iks_ike_nattkeepaliveinterval=1s \
				check=nat_iks
		else
			cell ci "$d/rekey-by-iks" "$drv" n=2 iks_ike_ikelifetime=4s iks_ike_margintime=1s \
				iks_ike_jitter=false iks_child_lifetime=3s during=hold6_cl check=rekeys_iks
			cell ci "$d/rekey-by-swan" "$drv" n=2 $SW_REKEY \
				during=hold6_cl check=rekeys_sw
			cell - "$d/dpd-by-iks" "$drv" n=2 iks_ike_forcedpd=true iks_ike_dpdinterval=1s \
				during=hold3_cl check=dpd_iks
			cell - "$d/dpd-by-swan" "$drv" n=2 iks_ike_initiatedpd=false sw_conn_dpd_delay=1s \
				during=hold3_cl check=dpd_sw
			cell ci "$d/delete-by-iks" "$drv" n=2 ending=iks check=deleted_iks
			cell ci "$d/delete-by-swan" "$drv" n=2 check=deleted_sw
			cell - "$d/cookie-by-iks" swan_iks_cookie
			cell - "$d/invalid-ke-by-iks" "$drv" n=1 dh=14 sprop=aes128-sha256-ecp256-modp2048 \
				check=invalid_ke_iks
			cell - "$d/two-children" "$drv" n=2 children=2 check=children2_sw
			cell - "$d/transport" "$drv" n=2 mode=transport check=transport_sw
			cell - "$d/ipv6" "$drv" n=2 fam=6
			cell - "$d/nat" "$drv" n=2 nat=1 sw_charon_keep_alive=1s during=hold3_cl check=nat_sw
		fi
		# IKE algorithms, one tunnel each
		for e in $IKE_ENCRS; do
			p=$(sw_ike_prop "$e" sha256 sha256 14)
			cell - "$d/ike/$p" "$drv" encr="$e" $(judge_for "$e")
		done
		for i in $IKE_INTEGS; do
			[ "$i" = sha256 ] && continue
			cell - "$d/ike/$(sw_ike_prop aes-cbc:128 "$i" sha256 14)" "$drv" integ="$i"
		done
		for r in $IKE_PRFS; do
			[ "$r" = sha256 ] && continue
			cell - "$d/ike/$(sw_ike_prop aes-cbc:128 sha256 "$r" 14)" "$drv" prf="$r"
		done
		for x in $IKE_DHS; do
			[ "$x" = 14 ] && continue
			cell - "$d/ike/$(sw_ike_prop aes-cbc:128 sha256 sha256 "$x")" "$drv" dh="$x"
		done
		for x in $IKE_MIXED; do
			set -- $(echo "$x" | tr , ' ')
			if is_aead "$1"; then
				cell - "$d/ike/$(sw_ike_prop "$1" "" "$2" "$3")" "$drv" encr="$1" prf="$2" dh="$3"
			else
				cell - "$d/ike/$(sw_ike_prop "$1" "$2" "$3" "$4")" "$drv" encr="$1" integ="$2" \
					prf="$3" dh="$4"
			fi
		done
		# ESP algorithms, one tunnel each
		for e in $ESP_ENCS; do
			cell - "$d/esp/$(sw_esp_prop "$e" sha256)" "$drv" espenc="$e"
		done
		for i in $ESP_INTEGS; do
			cell - "$d/esp/$(sw_esp_prop aes-cbc:128 "$i")" "$drv" espinteg="$i"
		done
		# MOBIKE scenarios strongSwan can play (../shared/MOBIKE.md)
		M="iks_top_mobike=true sw_mobike=yes"
		if [ "$d" = iks-swan ]; then
			cell - "$d/mobike/agreed" mobike_cell iks_swan n=2 $M check=mobike_agreed_iks
			cell - "$d/mobike/own-only" mobike_cell iks_swan n=2 rt=5s $M \
				iks_top_mobikeaddrpertunnel=2 iks_top_mobikeiplifetime=3s \
				iks_top_mobikechangeaddrtype=own-only during=moved_own check=mobike_moved
			cell - "$d/mobike/peer-only" mobike_cell iks_swan n=1 rt=5s $M \
				iks_top_mobikeaddrpertunnel=1 iks_top_mobikeiplifetime=3s \
				iks_top_mobikechangeaddrtype=peer-only bed=peer_addr_gw during=moved_peer \
				check=mobike_moved
			cell - "$d/mobike/both" mobike_cell iks_swan n=1 rt=14s $M \
				iks_top_mobikeaddrpertunnel=2 iks_top_mobikeiplifetime=3s \
				iks_top_mobikechangeaddrtype=both bed=peer_addr_gw during=moved_both \
				check=mobike_moved
			cell ci "$d/mobike/cookie2" mobike_py_cell iks_swan n=2 rt=5s $M \
				iks_top_mobikeaddrpertunnel=2 iks_top_mobikeiplifetime=3s \
				iks_top_mobikechangeaddrtype=own-only check=cookie2_iks
			cell ci "$d/mobike/natd" mobike_py_cell iks_swan n=1 rt=8s $M \
				iks_top_mobikeaddrpertunnel=2 iks_top_mobikeiplifetime=2s \
				iks_top_mobikechangeaddrtype=both bed=peer_addr_gw check=natd_iks
		else
			cell - "$d/mobike/agreed" mobike_cell swan_iks n=2 $M iks_top_mobikeaddrpergw=1 \
				check=mobike_agreed_sw
			cell - "$d/mobike/swan-roams" mobike_cell swan_iks n=1 $M iks_top_mobikeaddrpergw=1 \
				during=swan_roams check=swan_roamed
			cell ci "$d/mobike/cookie2-echo" mobike_py_cell swan_iks n=1 $M \
				iks_top_mobikeaddrpergw=2 bed=gw2_bed during=swan_roams check=cookie2_echo_sw
		fi
	done
	# remote access (RFC 7296 2.19): charon's pool gives our ratunnel
	# client its addresses; our poolconf gives charon's vips = 0.0.0.0
	cell - iks-swan/ratunnel iks_swan n=3 iks_ike_ratunnel=true sw_pool_addrs=10.200.0.0/24 \
		sw_conn_pools=p sw_remote_ts=dynamic check=ra_iks
	cell - swan-iks/ratunnel swan_iks n=3 'iks_top_poolconf={"v4startaddr":"10.2.200.1/24"}' \
		sw_conn_vips=0.0.0.0 sw_child_local_ts=dynamic sw_charon_install_virtual_ip=yes \
		check=ra_sw
	cell - libreswan/all libreswan_cell
}

# cell TAG NAME FN ARGS...: run one cell in a subshell (its own namespaces,
# trap and cleanup), print its line, add it to the table.
cell() {
	local tag name fn out rc verdict reason p hit t0
	tag=$1 name=$2 fn=$3
	shift 3
	[ -n "$ci" ] && [ "$tag" != ci ] && return 0
	hit=""
	set -f
	for p in $patterns; do
		case $name in $p) hit=1 ;; esac
	done
	set +f
	[ -n "$hit" ] || return 0
	t0=$(date +%s)
	out=$( ($fn "$@") 2>"$RUNTMP/cell.err")
	rc=$?
	reason=$(printf '%s\n' "$out" | tail -n 1)
	case $rc in
	0) verdict=PASS; reason=""; echo "PASS $name" ;;
	2) verdict=SKIP; reason=${reason#SKIP:}; echo "SKIP $name: $reason" ;;
	*) verdict=FAIL; reason=${reason:-exit $rc}; echo "FAIL $name: $reason"
	   sed 's/^/# /' "$RUNTMP/cell.err" >&2
	   FAILED=$((FAILED + 1)) ;;
	esac
	echo "| \`$name\` | $verdict | $(($(date +%s) - t0)) s | $reason |" >>"$RUNTMP/table.md"
}

# known_failure CELL: what was found when CELL failed (for RESULTS.md).
known_failure() {
	case $1 in
	esac
}

RUNTMP=$(mktemp -d) || exit 1
FAILED=0
trap 'ns_cleanup; rm -rf "$RUNTMP"' EXIT
: >"$RUNTMP/table.md"
cells
{
	echo "# ikeswarm interop matrix"
	echo
	echo "Generated by \`make interop\` (t/interop/run.sh) on $(date -u +%Y-%m-%dT%H:%MZ)," \
		"ikeswarm ${IKS_REV:-$(git rev-parse --short HEAD 2>/dev/null)}, kernel $(uname -r)," \
		"strongSwan $(dpkg-query -W -f '${Version}' strongswan-charon 2>/dev/null)" \
		"(kernel-libipsec), tshark $(dpkg-query -W -f '${Version}' tshark 2>/dev/null)."
	echo "Every cell's capture is judged by tshark with the run's keylog; see"
	echo "t/interop/README.md for what each cell asserts."
	echo
	echo "$(grep -c '| PASS |' "$RUNTMP/table.md") passed," \
		"$(grep -c '| FAIL |' "$RUNTMP/table.md") failed," \
		"$(grep -c '| SKIP |' "$RUNTMP/table.md") skipped."
	echo
	echo "| cell | result | time | reason |"
	echo "|---|---|---|---|"
	cat "$RUNTMP/table.md"
	grep '| FAIL |' "$RUNTMP/table.md" | cut -d'`' -f2 | while read -r c; do
		k=$(known_failure "$c")
		[ -n "$k" ] && printf '\n- `%s`: %s\n' "$c" "$k"
	done
} >"$RUNTMP/out.md"
[ -n "$ci" ] || cat "$RUNTMP/out.md"
[ -n "$md" ] && cp "$RUNTMP/out.md" "$md"
[ "$FAILED" -eq 0 ]
