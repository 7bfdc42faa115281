# t/netns/lib.sh: test bed for end-to-end tests (namespaces, faults,
# captures, strongSwan peer, tshark judge).  Source it from a test:
#
#     . "$(dirname "$0")/lib.sh"
#     need_root; need_cmd ip tcpdump
#     ns_pair
#     ... pass name / fail name "why" ...
#     finish
#
# Written for POSIX sh as run by `sh` on Debian (dash); also works under
# bash.  The only extension used is `local`, which dash and bash both have.
# Every name the library defines starts with iks_/IKS_ or is one of the
# documented helpers below.
#
# Results: `PASS name`, `FAIL name: why`, `SKIP test: why` on stdout.
# Diagnostics: lines starting with `# ` on stderr.
#
# Nothing outlives the test: sourcing the library sets `trap ns_cleanup
# EXIT` (INT/TERM/HUP exit through it), and ns_new sets it again (so a
# ( subshell ) that makes namespaces cleans up when it ends); ns_cleanup
# kills every process in our namespaces, deletes them and removes the temp
# dir.  A test that sets its own EXIT trap must call ns_cleanup from it.
# Set IKS_KEEP=1 to keep the temp dir (logs, pcaps) for debugging.
#
# Functions (details above each one):
#   results    skip WHY | pass NAME | fail NAME WHY | check NAME CMD... |
#              finish | iks_log MSG...
#   needs      need_root | need_cmd CMD... | need_swan
#   namespaces ns_pair | ns_new SUFFIX | ns_exec NS CMD... |
#              ns_bg NS LOG CMD... (pid in IKS_LAST_PID) | ns_sysctl NS K=V |
#              ns_cleanup | iks_tmp
#   faults     nft_drop_pct NS PCT [out|in]
#   captures   capture_start NS IF FILE [FILTER] | capture_stop
#   strongSwan swan_conf DIR [key=value...] | swan_start NS DIR |
#              swan_ctl NS DIR ARGS... | swan_wait NS DIR REGEX [SECONDS] |
#              swan_keylog NS DIR | swan_stop NS DIR |
#              swan_encr_name ALG KEYSIZE | swan_integ_name ALG
#   judge      tshark_ike_check PCAP KEYLOG | tshark_ike_dump PCAP [KEYLOG]
# Variables: IKS_NS_GW IKS_NS_CL IKS_IF_GW IKS_IF_CL IKS_GW4 IKS_CL4
# IKS_GW6 IKS_CL6 (override the addresses after sourcing, before ns_pair,
# if a setup needs others), IKS_ID, IKS_TMP, IKS_TOOLS, IKS_CHARON.

IKS_TEST=${IKS_TEST:-$(basename "$0" .sh)}
IKS_ID=iks-$$                   # prefix of every namespace this run makes
IKS_NS_GW=$IKS_ID-gw            # gateway (responder) side of ns_pair
IKS_NS_CL=$IKS_ID-cl            # client (initiator) side of ns_pair
IKS_IF_GW=vgw                   # veth end inside IKS_NS_GW
IKS_IF_CL=vcl                   # veth end inside IKS_NS_CL
IKS_GW4=10.99.0.1
IKS_CL4=10.99.0.2
IKS_GW6=fd00:99::1
IKS_CL6=fd00:99::2
IKS_NSLIST=""                   # namespaces to delete at cleanup
IKS_CAPS=""                     # tcpdump pids still running
IKS_BGPIDS=""                   # ns_bg pids, killed at cleanup even if
                                # they had not yet entered their namespace
IKS_TMP=/tmp/$IKS_ID.d          # per-run temp dir (iks_tmp creates it)
IKS_FAILS=0
IKS_PASSES=0
# t/tools, found from the script that sourced us (t/netns, t/tools, t/interop)
IKS_TOOLS=$(cd "$(dirname "$0")/../tools" 2>/dev/null && pwd)
IKS_CHARON=${IKS_CHARON:-/usr/lib/ipsec/charon}

# ---- results ---------------------------------------------------------------

iks_log() { echo "# $*" >&2; }

# skip WHY: the whole test cannot run here; exit 0.
skip() {
	echo "SKIP $IKS_TEST: $*"
	exit 0
}

# pass NAME
pass() {
	echo "PASS $1"
	IKS_PASSES=$((IKS_PASSES + 1))
}

# fail NAME WHY: records the failure and goes on; `finish` exits 1.
fail() {
	echo "FAIL $1: $2"
	IKS_FAILS=$((IKS_FAILS + 1))
}

# check NAME CMD...: PASS when CMD succeeds, else FAIL with its last line.
check() {
	local name out rc
	name=$1
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		pass "$name"
	else
		fail "$name" "$(printf '%s\n' "$out" | tail -n 1)${out:+ }(exit $rc)"
	fi
}

# finish: exit 1 if any fail was reported, 0 otherwise (cleanup runs on EXIT).
finish() {
	[ "$IKS_FAILS" -eq 0 ] || exit 1
	[ "$IKS_PASSES" -gt 0 ] || { echo "FAIL $IKS_TEST: no check ran"; exit 1; }
	exit 0
}

# need_root: skip unless root and able to make network namespaces.
need_root() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
	command -v ip >/dev/null 2>&1 || skip "needs iproute2 (ip)"
	ip netns add "$IKS_ID-probe" 2>/dev/null || skip "cannot create a network namespace here"
	ip netns del "$IKS_ID-probe"
}

# need_cmd CMD...: skip unless every CMD is on PATH (or an executable path).
need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || [ -x "$c" ] || skip "needs $c (make deps)"
	done
}

# need_swan: skip unless charon, swanctl, nsenter and unshare are there.
need_swan() {
	need_cmd swanctl nsenter unshare "$IKS_CHARON"
	[ -c /dev/net/tun ] || skip "needs /dev/net/tun for kernel-libipsec"
}

# ---- temp dir and cleanup --------------------------------------------------

# iks_tmp: make (if needed) and print the per-run temp dir IKS_TMP
# (/tmp/iks-PID.d, mode 700; safe inside $(...)); ns_cleanup removes it.
iks_tmp() {
	[ -d "$IKS_TMP" ] || mkdir -m 700 "$IKS_TMP" || exit 1
	echo "$IKS_TMP"
}

# iks_trap: (re)arm cleanup for the current shell or ( subshell ).
iks_trap() {
	trap ns_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}

# iks_kill_ns NS: TERM every process in NS, KILL after 2 s; reap those
# that are our children (no zombies left for kill -0 to find).
iks_kill_ns() {
	local ns pids all p i
	ns=$1
	pids=$(ip netns pids "$ns" 2>/dev/null)
	[ -n "$pids" ] || return 0
	all=$pids
	kill -TERM $pids 2>/dev/null
	i=0
	while [ $i -lt 20 ]; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] || break
		sleep 0.1
		i=$((i + 1))
	done
	if [ -n "$pids" ]; then
		kill -KILL $pids 2>/dev/null
		sleep 0.1
	fi
	for p in $all; do
		wait "$p" 2>/dev/null
	done
	return 0
}

# ns_cleanup: stop captures (so pcaps are complete), kill every process in
# our namespaces, delete them, remove the temp dir.  Idempotent.
ns_cleanup() {
	local ns
	capture_stop
	for ns in $IKS_NSLIST; do
		iks_kill_ns "$ns"
	done
	iks_kill_bg
	for ns in $IKS_NSLIST; do
		ip netns del "$ns" 2>/dev/null
	done
	IKS_NSLIST=""
	if [ -d "$IKS_TMP" ]; then
		if [ -n "$IKS_KEEP" ]; then
			iks_log "kept $IKS_TMP"
		else
			rm -rf "$IKS_TMP"
		fi
	fi
}

# ---- namespaces ------------------------------------------------------------

# ns_new SUFFIX: create namespace $IKS_ID-SUFFIX with lo up; prints nothing.
# The name is in IKS_NS_<SUFFIX> only for gw/cl; others use "$IKS_ID-SUFFIX".
ns_new() {
	local ns
	ns=$IKS_ID-$1
	iks_trap
	iks_tmp >/dev/null
	ip netns add "$ns" || { fail "$IKS_TEST" "ip netns add $ns failed"; exit 1; }
	IKS_NSLIST="$IKS_NSLIST $ns"
	ip -n "$ns" link set lo up
	ns_sysctl "$ns" net.ipv4.conf.all.rp_filter=0
	ns_sysctl "$ns" net.ipv4.conf.default.rp_filter=0
	ns_sysctl "$ns" net.ipv4.conf.all.promote_secondaries=1
	ns_sysctl "$ns" net.ipv4.conf.default.promote_secondaries=1
	ns_sysctl "$ns" net.ipv6.conf.all.accept_dad=0
	ns_sysctl "$ns" net.ipv6.conf.default.accept_dad=0
}

# ns_sysctl NS KEY=VALUE
ns_sysctl() {
	ip netns exec "$1" sysctl -q -w "$2" >/dev/null
}

# ns_exec NS CMD...: run CMD inside NS.
ns_exec() {
	local ns
	ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# ns_bg NS LOG CMD...: start CMD in NS in the background, stdout+stderr to
# LOG; its pid is left in IKS_LAST_PID.  ns_cleanup kills it at the latest.
ns_bg() {
	local ns log
	ns=$1
	log=$2
	shift 2
	ip netns exec "$ns" "$@" >"$log" 2>&1 &
	IKS_LAST_PID=$!
	IKS_BGPIDS="$IKS_BGPIDS $!"
}

# iks_alive PID: PID runs (a zombie, dead but not yet reaped, does not).
iks_alive() {
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "${st%% *}" != Z ]
}

# iks_kill_bg: TERM (KILL after 2 s) and reap every ns_bg pid still alive.
# `ip netns pids` misses a process started a moment ago that has not yet
# entered its namespace (ip is still between fork and setns); such a
# process would run on in a namespace deleted under it.
iks_kill_bg() {
	local p q live i
	live=""
	for p in $IKS_BGPIDS; do
		iks_alive "$p" && live="$live $p"
	done
	IKS_BGPIDS=""
	[ -n "$live" ] || return 0
	kill -TERM $live 2>/dev/null
	i=0
	while [ $i -lt 20 ]; do
		p=""
		for q in $live; do iks_alive "$q" && p="$p $q"; done
		[ -n "$p" ] || break
		sleep 0.1
		i=$((i + 1))
	done
	[ -n "$p" ] && kill -KILL $p 2>/dev/null
	for p in $live; do
		wait "$p" 2>/dev/null
	done
	return 0
}

# ns_pair: namespaces IKS_NS_GW and IKS_NS_CL on a veth pair
# (IKS_IF_GW <-> IKS_IF_CL) with 10.99.0.1/24 + fd00:99::1/64 on the gw side
# and 10.99.0.2/24 + fd00:99::2/64 on the client side (nodad), lo up,
# promote_secondaries=1, rp_filter=0 (asymmetric MOBIKE paths).
ns_pair() {
	local ifc
	ns_new gw
	ns_new cl
	ip link add "$IKS_IF_GW" netns "$IKS_NS_GW" type veth \
		peer name "$IKS_IF_CL" netns "$IKS_NS_CL" ||
		{ fail "$IKS_TEST" "veth creation failed"; exit 1; }
	for ifc in "$IKS_NS_GW:$IKS_IF_GW" "$IKS_NS_CL:$IKS_IF_CL"; do
		ns_sysctl "${ifc%%:*}" "net.ipv4.conf.${ifc#*:}.promote_secondaries=1"
		ns_sysctl "${ifc%%:*}" "net.ipv4.conf.${ifc#*:}.rp_filter=0"
	done
	ip -n "$IKS_NS_GW" addr add "$IKS_GW4/24" dev "$IKS_IF_GW"
	ip -n "$IKS_NS_CL" addr add "$IKS_CL4/24" dev "$IKS_IF_CL"
	ip -n "$IKS_NS_GW" addr add "$IKS_GW6/64" dev "$IKS_IF_GW" nodad
	ip -n "$IKS_NS_CL" addr add "$IKS_CL6/64" dev "$IKS_IF_CL" nodad
	ip -n "$IKS_NS_GW" link set "$IKS_IF_GW" up
	ip -n "$IKS_NS_CL" link set "$IKS_IF_CL" up
}

# ---- faults ----------------------------------------------------------------

# nft_drop_pct NS PCT [out|in]: drop PCT % (integer 1..100) of the IKE/NAT-T
# packets (UDP dport 500/4500) NS sends (out, default) or receives (in).
nft_drop_pct() {
	local ns pct dir hook
	ns=$1
	pct=$2
	dir=${3:-out}
	case $dir in out) hook=output ;; in) hook=input ;; *) return 2 ;; esac
	case $pct in *[!0-9]* | '') return 2 ;; esac
	ip netns exec "$ns" nft add table inet iks 2>/dev/null
	ip netns exec "$ns" nft add chain inet iks "$dir" \
		"{ type filter hook $hook priority 0; }" || return 1
	if [ "$pct" -ge 100 ]; then
		ip netns exec "$ns" nft add rule inet iks "$dir" udp dport '{500,4500}' drop
	else
		ip netns exec "$ns" nft add rule inet iks "$dir" \
			udp dport '{500,4500}' numgen random mod 100 lt "$pct" drop
	fi
}

# ---- captures --------------------------------------------------------------

# capture_start NS IF FILE [FILTER]: tcpdump -U on IF in NS into FILE
# (default filter: udp port 500 or udp port 4500 or esp); returns once
# tcpdump is really listening (or 1 after 5 s).
capture_start() {
	local ns ifc file filter i
	ns=$1
	ifc=$2
	file=$3
	filter=${4:-udp port 500 or udp port 4500 or esp}
	ip netns exec "$ns" tcpdump -n -U --immediate-mode -Z root -i "$ifc" -w "$file" "$filter" \
		>"$file.log" 2>&1 &
	IKS_CAPS="$IKS_CAPS $!"
	i=0
	while [ $i -lt 50 ]; do
		grep -q 'listening on' "$file.log" 2>/dev/null && return 0
		kill -0 $! 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	iks_log "tcpdump did not start: $(tail -n 2 "$file.log" 2>/dev/null)"
	return 1
}

# capture_stop: stop every running capture (SIGINT) and wait until the
# pcap files are complete.  (--immediate-mode in capture_start: without it
# libpcap hands packets over in blocks once a second, and whatever came in
# the last second before the stop would be lost.)
capture_stop() {
	local pid
	[ -n "$IKS_CAPS" ] && sleep 0.2
	for pid in $IKS_CAPS; do
		kill -INT "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	IKS_CAPS=""
}

# ---- strongSwan peer -------------------------------------------------------
# One charon per namespace, each in its own mount namespace with a private
# tmpfs on /run (pid file, vici socket), config and logs in DIR.  DIR must
# exist; use "$(iks_tmp)/gw" or similar.

# swan_conf DIR [key=value...]: write DIR/strongswan.conf and
# DIR/swanctl.conf.  Keys (defaults in brackets):
#   local_addrs remote_addrs [%any]   proposals [aes128-sha256-modp2048]
#   esp_proposals [aes128-sha256]     psk [iks-test-psk]
#   local_id remote_id [addresses]    mobike [no]
#   local_ts remote_ts [dynamic]      start_action [none]
#   pool_addrs   a `pools { p { addrs = V } }` section (conn_pools=p uses it)
#   conn_<k>=v   extra `k = v` line in the connection (e.g. conn_rekey_time=0)
#   child_<k>=v  extra `k = v` line in the child `net`
#   charon_<k>=v extra `k = v` line in charon {} (e.g. charon_retransmit_timeout=1)
#   log_<group>=N filelog level per group (default: default=1 ike=4 chd=4 knl=2
#                cfg=2 net=1 enc=1)
# The connection is called `iks`, its child `net`, the PSK secret `ike-iks`.
swan_conf() {
	local dir kv k v la ra prop esp psk lid rid mob lts rts start
	local conn_x child_x charon_x logs pool
	dir=$1
	shift
	la=%any ra=%any prop=aes128-sha256-modp2048 esp=aes128-sha256
	psk=iks-test-psk lid="" rid="" mob=no lts=dynamic rts=dynamic start=none
	conn_x="" child_x="" charon_x="" pool=""
	logs="default=1 ike=4 chd=4 knl=2 cfg=2 net=1 enc=1"
	for kv in "$@"; do
		k=${kv%%=*}
		v=${kv#*=}
		case $k in
		local_addrs) la=$v ;;
		remote_addrs) ra=$v ;;
		proposals) prop=$v ;;
		esp_proposals) esp=$v ;;
		psk) psk=$v ;;
		local_id) lid=$v ;;
		remote_id) rid=$v ;;
		mobike) mob=$v ;;
		local_ts) lts=$v ;;
		remote_ts) rts=$v ;;
		start_action) start=$v ;;
		pool_addrs) pool=$v ;; # pools { p { addrs = V } }; conn_pools=p uses it
		conn_*) conn_x="$conn_x
    ${k#conn_} = $v" ;;
		child_*) child_x="$child_x
        ${k#child_} = $v" ;;
		charon_*) charon_x="$charon_x
  ${k#charon_} = $v" ;;
		log_*) logs="$logs ${k#log_}=$v" ;;
		*) iks_log "swan_conf: unknown key $k"; return 2 ;;
		esac
	done
	{
		echo "charon {"
		echo "  load_modular = no"
		echo "  load = random nonce openssl pem pkcs1 x509 revocation constraints" \
			"pubkey curve25519 aes sha1 sha2 hmac gcm kdf kernel-libipsec" \
			"kernel-netlink socket-default vici updown"
		echo "  install_virtual_ip = no"
		[ -n "$charon_x" ] && echo "$charon_x"
		echo "  plugins {"
		echo "    kernel-netlink { fwmark = !0x42 }"
		echo "    socket-default { fwmark = 0x42 }"
		echo "    kernel-libipsec { allow_peer_ts = yes }"
		echo "  }"
		echo "  filelog {"
		echo "    iks {"
		echo "      path = $dir/charon.log"
		echo "      time_format = %T"
		echo "      ike_name = yes"
		echo "      flush_line = yes"
		echo "      append = no"
		for kv in $logs; do
			echo "      ${kv%%=*} = ${kv#*=}"
		done
		echo "    }"
		echo "  }"
		echo "}"
	} >"$dir/strongswan.conf"
	{
		echo "connections {"
		echo "  iks {"
		echo "    version = 2"
		echo "    local_addrs = $la"
		echo "    remote_addrs = $ra"
		echo "    proposals = $prop"
		echo "    mobike = $mob"
		[ -n "$conn_x" ] && echo "$conn_x"
		echo "    local {"
		echo "      auth = psk"
		[ -n "$lid" ] && echo "      id = $lid"
		echo "    }"
		echo "    remote {"
		echo "      auth = psk"
		[ -n "$rid" ] && echo "      id = $rid"
		echo "    }"
		echo "    children {"
		echo "      net {"
		echo "        local_ts = $lts"
		echo "        remote_ts = $rts"
		echo "        esp_proposals = $esp"
		echo "        start_action = $start"
		[ -n "$child_x" ] && echo "$child_x"
		echo "      }"
		echo "    }"
		echo "  }"
		echo "}"
		[ -n "$pool" ] && echo "pools { p { addrs = $pool } }"
		echo "secrets {"
		echo "  ike-iks {"
		echo "    secret = \"$psk\""
		echo "  }"
		echo "}"
	} >"$dir/swanctl.conf"
}

# swan_start NS DIR: start charon in NS with DIR/strongswan.conf (private
# /run), wait for vici, load DIR/swanctl.conf.  Pid in DIR/charon.pid.
swan_start() {
	local ns dir pid i
	ns=$1
	dir=$2
	[ -f "$dir/strongswan.conf" ] || { iks_log "swan_start: no $dir/strongswan.conf"; return 1; }
	ip netns exec "$ns" unshare -m --propagation private sh -c '
		mount -t tmpfs none /run && mkdir -p /run/strongswan &&
		STRONGSWAN_CONF="$1" exec "$2"' sh "$dir/strongswan.conf" "$IKS_CHARON" \
		>"$dir/charon.out" 2>&1 &
	pid=$!
	echo "$pid" >"$dir/charon.pid"
	i=0
	while [ $i -lt 100 ]; do
		kill -0 "$pid" 2>/dev/null || break
		if swan_ctl "$ns" "$dir" --stats >/dev/null 2>&1; then
			swan_ctl "$ns" "$dir" --load-all --file "$dir/swanctl.conf" \
				>"$dir/swanctl-load.out" 2>&1 && return 0
			iks_log "swanctl --load-all failed: $(tail -n 3 "$dir/swanctl-load.out")"
			return 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	iks_log "charon in $ns did not come up: $(tail -n 3 "$dir/charon.out" "$dir/charon.log" 2>/dev/null)"
	return 1
}

# swan_ctl NS DIR ARGS...: swanctl ARGS inside that charon's mount and
# network namespaces (so it finds its private /run/charon.vici).
swan_ctl() {
	local ns dir pid
	ns=$1
	dir=$2
	shift 2
	pid=$(cat "$dir/charon.pid" 2>/dev/null) || return 1
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
	nsenter -t "$pid" -m -n env STRONGSWAN_CONF="$dir/strongswan.conf" swanctl "$@"
}

# swan_wait NS DIR REGEX [SECONDS]: wait (default 10 s) until
# `swanctl --list-sas --raw` output matches the extended REGEX.
swan_wait() {
	local ns dir re t i
	ns=$1
	dir=$2
	re=$3
	t=${4:-10}
	i=0
	while [ $i -lt $((t * 10)) ]; do
		swan_ctl "$ns" "$dir" --list-sas --raw 2>/dev/null | grep -Eq -- "$re" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# swan_stop NS DIR: stop that charon (TERM, KILL after 3 s).
swan_stop() {
	local dir pid i
	dir=$2
	pid=$(cat "$dir/charon.pid" 2>/dev/null) || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	i=0
	while [ $i -lt 30 ] && kill -0 "$pid" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$dir/charon.pid"
	return 0
}

# swan_encr_name ALG KEYSIZE / swan_integ_name ALG: strongSwan's names
# (swanctl --list-sas --raw) -> the exact names of Wireshark's IKEv2
# decryption table.  Unknown names print "UNKNOWN ..." (tshark rejects it).
swan_encr_name() {
	case $1 in
	AES_CBC) echo "AES-CBC-$2 [RFC3602]" ;;
	AES_CTR) echo "AES-CTR-$2 [RFC5930]" ;;
	AES_GCM_16) echo "AES-GCM-$2 with 16 octet ICV [RFC5282]" ;;
	AES_GCM_12) echo "AES-GCM-$2 with 12 octet ICV [RFC5282]" ;;
	AES_GCM_8) echo "AES-GCM-$2 with 8 octet ICV [RFC5282]" ;;
	AES_CCM_16) echo "AES-CCM-$2 with 16 octet ICV [RFC5282]" ;;
	AES_CCM_12) echo "AES-CCM-$2 with 12 octet ICV [RFC5282]" ;;
	AES_CCM_8) echo "AES-CCM-$2 with 8 octet ICV [RFC5282]" ;;
	3DES) echo "3DES [RFC2451]" ;;
	*) echo "UNKNOWN $1" ;;
	esac
}
swan_integ_name() {
	case $1 in
	HMAC_SHA2_256_128 | HMAC_SHA2_384_192 | HMAC_SHA2_512_256) echo "$1 [RFC4868]" ;;
	HMAC_SHA1_96) echo "HMAC_SHA1_96 [RFC2404]" ;;
	HMAC_MD5_96) echo "HMAC_MD5_96 [RFC2403]" ;;
	'' | NONE) echo "NONE [RFC4306]" ;;
	*) echo "UNKNOWN $1" ;;
	esac
}

# iks_rawfield TEXT KEY: first value of KEY=... in a --list-sas --raw line.
iks_rawfield() {
	printf '%s\n' "$1" | grep -o " $2=[^ ]*" | head -n 1 | cut -d= -f2
}

# swan_keylog NS DIR: print the KEYLOG line of that charon's newest IKE SA:
# SPIs and algorithms from `swanctl --list-sas --raw` (first IKE SA
# listed), keys from the last key set in DIR/charon.log (needs the
# default log_ike=4).  Call it after each IKE SA you want decrypted (e.g.
# after establishment, again after an IKE rekey) and append the lines.
swan_keylog() {
	local raw keys pfx encr integ
	raw=$(swan_ctl "$1" "$2" --list-sas --raw 2>/dev/null | sed 's/child-sas.*//' |
		grep 'initiator-spi=' | head -n 1)
	[ -n "$raw" ] || { iks_log "swan_keylog: no IKE SA in $1"; return 1; }
	keys=$(awk -f "$IKS_TOOLS/swan-keys.awk" "$2/charon.log")
	pfx=$(printf '%s\n' "$keys" | sed -n 's/^\(\(ike[0-9]*_\)\{0,1\}\)skeyseed = .*/\1/p' | tail -n 1)
	encr=$(swan_encr_name "$(iks_rawfield "$raw" encr-alg)" "$(iks_rawfield "$raw" encr-keysize)")
	case $(iks_rawfield "$raw" encr-alg) in AES_GCM* | AES_CCM*) integ="NONE [RFC4306]" ;;
	*) integ=$(swan_integ_name "$(iks_rawfield "$raw" integ-alg)") ;; esac
	printf '%s\n' "$keys" | awk -v p="$pfx" -v si="$(iks_rawfield "$raw" initiator-spi)" \
		-v sr="$(iks_rawfield "$raw" responder-spi)" -v en="$encr" -v ig="$integ" '
		{ k[$1] = $3 }
		END {
			printf "%s,%s,%s,%s,\"%s\",%s,%s,\"%s\"\n", si, sr, k[p "sk_ei"],
				k[p "sk_er"], en, k[p "sk_ai"], k[p "sk_ar"], ig
		}'
}

# ---- tshark judge ----------------------------------------------------------
# KEYLOG format (what `ikeswarm --keylog FILE` writes, and what
# t/tools/swan-keylog.sh makes from a charon log): Wireshark's
# ikev2_decryption_table, one line per IKE SA, 8 comma-separated columns:
#   SPIi,SPIr,SK_ei,SK_er,"encr name",SK_ai,SK_ar,"integ name"
# See t/tools/README.md for the exact names and rules.

# tshark_ike_check PCAP KEYLOG: decode PCAP with the keys of KEYLOG; print
# one summary line `ike=N encrypted=E decrypted=D malformed=M badicv=B`
# and return 1 unless N>0, D=E, M=0 and B=0.  Per-frame details of the
# problems go to stderr.
tshark_ike_check() {
	sh "$IKS_TOOLS/tshark-ike-check.sh" "$@"
}

# tshark_ike_dump PCAP [KEYLOG]: one line per IKE message for grepping:
# FRAME SRC:PORT DST:PORT EXCHANGE MID i|r req|resp PAYLOADS NOTIFIES
# (numbers; see t/tools/tshark-ike-dump.sh).
tshark_ike_dump() {
	sh "$IKS_TOOLS/tshark-ike-dump.sh" "$@"
}

# A dir left by a dead process with our pid is stale.
[ -d "$IKS_TMP" ] && rm -rf "$IKS_TMP"
iks_trap
