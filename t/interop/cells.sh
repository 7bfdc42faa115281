# t/interop/cells.sh: the bed, the two sides and the judges of the interop
# matrix; sourced by t/interop/run.sh after t/netns/lib.sh.
#
# A cell is a function run in its own ( subshell ) by run.sh: it builds two
# fresh namespaces, runs one side as ikeswarm and the other as strongSwan
# (charon with kernel-libipsec), captures the veth, and prints on stdout,
# as its last line, the reason when it fails (return 1) or skips (return 2,
# line "SKIP:reason").  Diagnostics (tshark decode of the capture, both
# sides' log tails) go to stderr, which run.sh shows for failed cells.
#
# Two drivers do the work; the cells in run.sh are calls to them with
# key=value arguments:
#   iks_swan KEY=V...  ikeswarm client (N tunnels) -> charon responder
#   swan_iks KEY=V...  charon initiator (N connections) -> ikeswarm gateway
# Keys common to both (defaults in brackets):
#   n [1]                 tunnels
#   children [1]          CHILD SAs per tunnel (1 or 2; the 2nd by CREATE_CHILD_SA)
#   mode [tunnel]         tunnel | transport
#   fam [4]               outer address family, 4 | 6
#   encr integ prf dh     ikeswarm IKE algorithms [aes-cbc:128 sha256 sha256 14]
#                         (dh may be a list: "19, 14"); integ empty for AEAD
#   espenc espinteg       ikeswarm ESP algorithms [aes-cbc:128 sha256]
#   sprop sesp            strongSwan proposals [derived from the above]
#   xdh                   the DH group the SA must end with [first of dh]
#   iks_K=V               extra setup-file line (ike_K=V under ikeconf,
#                         child_K=V in every childlist entry, top_K=V top level)
#   sw_K=V                passed to swan_conf (sw_conn_rekey_time=4s,
#                         sw_charon_cookie_threshold=1, ...)
#   rt                    ikeswarm runningtime [client 3s; gateway 60s,
#                         stopped with SIGTERM when the cell is done]
#   bed=FN                run FN once the namespaces exist (extra addresses)
#   during=FN             run FN once every SA is up (the cell's action)
#   check=FN              run FN at the end (extra assertions; files in $T)
#   ending                swan_iks: swan (strongSwan deletes, default) | iks
#                         (the gateway deletes on SIGTERM)
#   judge [full]          full: every IKE message decrypts with our keylog;
#                         plain: malformed/ICV only (tshark 4.0 has no ChaCha20)
# IKS_EXEC_ARGS (environment): extra `ikeswarm exec` arguments, e.g. --single.
# Files a check sees: $T/iks.json (our -j result), $T/iks.log (our event
# log), $T/iks.err, $T/sw/charon.log, $T/run.pcap, $T/keylog, $T/dump
# (tshark_ike_dump lines), $T/sas.up (--list-sas --raw once all was up).

IKS_PSK=iks-test-psk

# ---- names: ikeswarm spelling -> strongSwan keyword and --raw name ---------

is_aead() {
	case $1 in aes-gcm-* | chacha20-poly1305) return 0 ;; esac
	return 1
}
sw_kw_encr() {
	case $1 in
	aes-cbc:*) echo "aes${1#aes-cbc:}" ;;
	aes-gcm-*) local icv=${1#aes-gcm-}; echo "aes${1##*:}gcm${icv%%:*}" ;;
	chacha20-poly1305) echo chacha20poly1305 ;;
	3des | null) echo "$1" ;;
	*) echo "UNKNOWN-$1" ;;
	esac
}
sw_raw_encr() { # prints "ALG" or "ALG KEYSIZE"
	case $1 in
	aes-cbc:*) echo "AES_CBC ${1#aes-cbc:}" ;;
	aes-gcm-*) local icv=${1#aes-gcm-}; echo "AES_GCM_${icv%%:*} ${1##*:}" ;;
	chacha20-poly1305) echo CHACHA20_POLY1305 ;;
	3des) echo 3DES_CBC ;;
	null) echo NULL ;;
	esac
}
sw_kw_integ() {
	case $1 in md5-96) echo md5 ;; sha1-96) echo sha1 ;; *) echo "$1" ;; esac
}
sw_raw_integ() {
	case $1 in
	md5-96) echo HMAC_MD5_96 ;; sha1-96) echo HMAC_SHA1_96 ;;
	sha256) echo HMAC_SHA2_256_128 ;; sha384) echo HMAC_SHA2_384_192 ;;
	sha512) echo HMAC_SHA2_512_256 ;;
	esac
}
sw_raw_prf() {
	case $1 in
	md5) echo PRF_HMAC_MD5 ;; sha1) echo PRF_HMAC_SHA1 ;;
	sha*) echo "PRF_HMAC_SHA2_${1#sha}" ;;
	esac
}
sw_kw_dh() {
	case $1 in
	1) echo modp768 ;; 2) echo modp1024 ;; 5) echo modp1536 ;; 14) echo modp2048 ;;
	15) echo modp3072 ;; 16) echo modp4096 ;; 17) echo modp6144 ;; 18) echo modp8192 ;;
	19) echo ecp256 ;; 20) echo ecp384 ;; 21) echo ecp521 ;; 31) echo curve25519 ;;
	*) echo "UNKNOWN-$1" ;;
	esac
}
sw_raw_dh() {
	case $1 in
	1) echo MODP_768 ;; 2) echo MODP_1024 ;; 5) echo MODP_1536 ;; 14) echo MODP_2048 ;;
	15) echo MODP_3072 ;; 16) echo MODP_4096 ;; 17) echo MODP_6144 ;; 18) echo MODP_8192 ;;
	19) echo ECP_256 ;; 20) echo ECP_384 ;; 21) echo ECP_521 ;; 31) echo CURVE_25519 ;;
	esac
}

# sw_ike_prop ENCR INTEG PRF DH / sw_esp_prop ENC INTEG: strongSwan proposals.
sw_ike_prop() {
	if is_aead "$1"; then
		echo "$(sw_kw_encr "$1")-prf$3-$(sw_kw_dh "$4")"
	else
		echo "$(sw_kw_encr "$1")-$(sw_kw_integ "$2")-prf$3-$(sw_kw_dh "$4")"
	fi
}
sw_esp_prop() {
	if is_aead "$1"; then sw_kw_encr "$1"; else echo "$(sw_kw_encr "$1")-$(sw_kw_integ "$2")"; fi
}

# ---- the setup file ---------------------------------------------------------

# iks_conf FILE ROLE: an ikeswarm setup from the cell's variables (see
# cell_defaults / cell_args).  Selectors: a client's CHILD j proposes
# 10.2.j.(1+i)/32 (tunnel i) <-> 10.1.j.0/24; a gateway accepts
# 10.2.0.0/16 <-> 10.1.0.0/16 and narrows.  Transport mode uses the outer
# addresses instead.
iks_conf() {
	local f role j kv
	f=$1 role=$2
	{
		echo "role: $role"
		echo "numberoftunnels: $C_N"
		echo "runningtime: $C_RT"
		echo "loglevel: 5"
		if [ "$role" = client ]; then
			echo "startclntaddr: $C_CLBASE/$C_PLEN"
			echo "peeraddr: $C_GW"
			echo "bindifname: $IKS_IF_CL"
			echo "setupinterval: 10ms"
			echo "tunnelretryinterval: 1s"
			echo "owntsaddrincrease: 1"
			echo "peertsaddrincrease: 0"
		else
			echo "bindifname: $IKS_IF_GW"
			echo "bindifaddr: $C_GW/$C_PLEN"
		fi
		for kv in $C_IKS; do
			case $kv in top_*) kv=${kv#top_}; echo "${kv%%=*}: ${kv#*=}" ;; esac
		done
		echo "ikeconf:"
		echo "  psk: \"$IKS_PSK\""
		echo "  retraninterval: 1s"
		echo "  dhgrpid: [$C_DH]"
		echo "  ikeencyptalg: [$C_ENCR]"
		[ -n "$C_INTEG" ] && echo "  ikeintegrityalg: [$C_INTEG]"
		echo "  ikeprfalg: [$C_PRF]"
		for kv in $C_IKS; do
			case $kv in ike_*) kv=${kv#ike_}; echo "  ${kv%%=*}: ${kv#*=}" ;; esac
		done
		echo "  childlist:"
		j=0
		while [ $j -lt "$C_CHILDREN" ]; do
			echo "  - encalg: [$C_ESPENC]"
			[ -n "$C_ESPINTEG" ] && echo "    integrityalg: [$C_ESPINTEG]"
			[ "$C_MODE" = transport ] && echo "    tunnelmode: false"
			for kv in $C_IKS; do
				case $kv in child_*) kv=${kv#child_}; echo "    ${kv%%=*}: ${kv#*=}" ;; esac
			done
			if [ "$C_MODE" = transport ] && [ "$role" = client ]; then
				echo "    ownts: [{type: v$C_FAM, startaddr: $C_CLBASE, endaddr: $C_CLBASE}]"
				echo "    peerts: [{type: v$C_FAM, startaddr: $C_GW, endaddr: $C_GW}]"
			elif [ "$C_MODE" = transport ]; then
				echo "    ownts: [{type: v$C_FAM, startaddr: $C_GW, endaddr: $C_GW}]"
				echo "    peerts: [{type: v$C_FAM, startaddr: $C_NETLO, endaddr: $C_NETHI}]"
			elif [ "$role" = client ]; then
				echo "    ownts: [{type: v4, startaddr: 10.2.$j.1, endaddr: 10.2.$j.1}]"
				echo "    peerts: [{type: v4, startaddr: 10.1.$j.0, endaddr: 10.1.$j.255}]"
			else
				echo "    ownts: [{type: v4, startaddr: 10.1.0.0, endaddr: 10.1.255.255}]"
				echo "    peerts: [{type: v4, startaddr: 10.2.0.0, endaddr: 10.2.255.255}]"
			fi
			j=$((j + 1))
		done
	} >"$f"
}

# ---- strongSwan initiator with N connections --------------------------------

# swan_conns DIR: DIR/swanctl.conf for a charon initiator with connections
# iks0..iks(N-1), connection k from its own address (C_SWADDR k) with
# children net (and net2): 10.2.j.(k+1)/32 <-> 10.1.j.0/24.  DIR's
# strongswan.conf comes from swan_conf.
swan_conns() {
	local dir k j kv name
	dir=$1
	{
		echo "connections {"
		k=0
		while [ $k -lt "$C_N" ]; do
			echo "  iks$k {"
			echo "    version = 2"
			echo "    local_addrs = $(c_swaddr $k)"
			echo "    remote_addrs = $C_GW"
			echo "    proposals = $C_SPROP"
			echo "    mobike = $(c_swmobike)"
			for kv in $C_SW; do
				case $kv in conn_*) kv=${kv#conn_}; echo "    ${kv%%=*} = ${kv#*=}" ;; esac
			done
			echo "    local { auth = psk }"
			echo "    remote { auth = psk }"
			echo "    children {"
			j=0
			while [ $j -lt "$C_CHILDREN" ]; do
				name=net
				[ $j -gt 0 ] && name=net$((j + 1))
				echo "      $name {"
				if [ "$C_MODE" = transport ]; then
					echo "        mode = transport"
				else
					echo "        local_ts = 10.2.$j.$((k + 1))/32"
					echo "        remote_ts = 10.1.$j.0/24"
				fi
				echo "        esp_proposals = $C_SESP"
				for kv in $C_SW; do
					case $kv in child_*) kv=${kv#child_}; echo "        ${kv%%=*} = ${kv#*=}" ;; esac
				done
				echo "      }"
				j=$((j + 1))
			done
			echo "    }"
			echo "  }"
			k=$((k + 1))
		done
		echo "}"
		echo "secrets {"
		echo "  ike-iks {"
		echo "    secret = \"$IKS_PSK\""
		echo "  }"
		echo "}"
	} >"$dir/swanctl.conf"
}

# c_swmobike: the sw_mobike=... of the cell, else no.
c_swmobike() {
	local kv m
	m=no
	for kv in $C_SW; do
		case $kv in mobike=*) m=${kv#mobike=} ;; esac
	done
	echo "$m"
}

# c_swaddr K: the outer address of strongSwan connection K (client side).
c_swaddr() {
	[ -n "$C_NAT" ] && { echo "10.98.0.$((20 + $1))"; return; }
	if [ "$C_FAM" = 6 ]; then echo "fd00:99::$((0x20 + $1))"; else echo "10.99.0.$((20 + $1))"; fi
}

# ---- cell variables ------------------------------------------------------------

# cell_args KEY=V...: the cell's variables C_* from the driver's arguments.
cell_args() {
	local kv k v
	C_N=1 C_CHILDREN=1 C_MODE=tunnel C_FAM=4 C_ENCR=aes-cbc:128 C_INTEG=sha256
	C_PRF=sha256 C_DH=14 C_ESPENC=aes-cbc:128 C_ESPINTEG=sha256 C_SPROP="" C_SESP=""
	C_IKS="" C_SW="" C_RT="" C_DURING="" C_CHECK="" C_ENDING=swan C_JUDGE=full C_XDH="" C_NAT="" C_BED=""
	for kv in "$@"; do
		k=${kv%%=*}
		v=${kv#*=}
		case $k in
		n) C_N=$v ;;
		children) C_CHILDREN=$v ;;
		mode) C_MODE=$v ;;
		fam) C_FAM=$v ;;
		encr) C_ENCR=$v ;;
		integ) C_INTEG=$v ;;
		prf) C_PRF=$v ;;
		dh) C_DH=$v ;;
		espenc) C_ESPENC=$v ;;
		espinteg) C_ESPINTEG=$v ;;
		sprop) C_SPROP=$v ;;
		sesp) C_SESP=$v ;;
		xdh) C_XDH=$v ;;
		rt) C_RT=$v ;;
		during) C_DURING=$v ;;
		check) C_CHECK=$v ;;
		ending) C_ENDING=$v ;;
		judge) C_JUDGE=$v ;;
		nat) C_NAT=$v ;;
		bed) C_BED=$v ;;
		iks_*) C_IKS="$C_IKS ${k#iks_}=$v" ;;
		sw_*) C_SW="$C_SW ${k#sw_}=$v" ;;
		*) echo "cell: unknown key $k"; return 1 ;;
		esac
	done
	[ -n "$C_XDH" ] || C_XDH=${C_DH%%,*}
	is_aead "$C_ENCR" && C_INTEG=""
	is_aead "$C_ESPENC" && C_ESPINTEG=""
	[ -n "$C_SPROP" ] || C_SPROP=$(sw_ike_prop "$C_ENCR" "$C_INTEG" "$C_PRF" "${C_DH%%,*}")
	[ -n "$C_SESP" ] || C_SESP=$(sw_esp_prop "$C_ESPENC" "$C_ESPINTEG")
	if [ "$C_FAM" = 6 ]; then
		C_GW=$IKS_GW6 C_CL=$IKS_CL6 C_CLBASE=fd00:99::10 C_PLEN=64
		C_NETLO=fd00:99:: C_NETHI=fd00:99::ffff
	else
		C_GW=$IKS_GW4 C_CL=$IKS_CL4 C_CLBASE=10.99.0.10 C_PLEN=24
		C_NETLO=10.99.0.0 C_NETHI=10.99.0.255
	fi
	# behind the NAT the client side lives in 10.98.0.0/24
	if [ -n "$C_NAT" ]; then C_CLBASE=10.98.0.10 C_CL=10.98.0.2; fi
}

# no_transport: kernel-libipsec has tunnel mode only (charon: "IPsec SA:
# unsupported mode", seen), and the host kernel has no ESP for kernel-netlink.
no_transport() {
	[ "$C_MODE" = transport ] || return 1
	echo "SKIP:strongSwan's kernel-libipsec supports tunnel mode only (charon:" \
		"'IPsec SA: unsupported mode') and this kernel has no ESP for kernel-netlink"
}

# ---- bed, waits, diagnostics ---------------------------------------------------

# cell_bed: namespaces, lo addresses inside the traffic selectors
# (kernel-libipsec needs one per narrowed local selector), capture; sets T.
cell_bed() {
	local k
	if [ -n "$C_NAT" ]; then nat_trio || return 1; else ns_pair; pin_pair; fi
	T=$(iks_tmp)
	mkdir -p "$T/sw"
	ip -n "$IKS_NS_GW" addr add 10.1.0.1/32 dev lo
	ip -n "$IKS_NS_GW" addr add 10.1.1.1/32 dev lo
	k=0
	while [ $k -lt "$C_N" ]; do
		ip -n "$IKS_NS_CL" addr add "10.2.0.$((k + 1))/32" dev lo
		ip -n "$IKS_NS_CL" addr add "10.2.1.$((k + 1))/32" dev lo
		k=$((k + 1))
	done
	capture_start "$IKS_NS_GW" "$IKS_IF_GW" "$T/run.pcap" || return 1
}

# mac NS IF: the interface's MAC address.
mac() {
	ip -n "$1" -o link show dev "$2" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2
}

# pin NS IF MAC ADDR...: permanent neighbour entries.  The kernel's ARP and
# ND tables are shared by every namespace of the host (gc_thresh3 counts
# them all); under other tests with thousands of addresses they overflow
# and packets to a new neighbour vanish (seen: cells with nothing on the
# wire while the client retransmitted).  Pinned entries do not depend on it.
pin() {
	local ns ifc m a
	ns=$1 ifc=$2 m=$3
	shift 3
	for a in "$@"; do
		ip -n "$ns" neigh replace "$a" lladdr "$m" dev "$ifc" nud permanent 2>/dev/null
	done
}

# pin_pair: every address a cell may use on either side of ns_pair.
pin_pair() {
	local k cl
	cl="$IKS_CL4 $IKS_CL6 10.99.0.30"
	k=0
	while [ $k -lt $((2 * C_N + 2)) ]; do
		cl="$cl 10.99.0.$((10 + k)) fd00:99::$((10 + k))"
		k=$((k + 1))
	done
	k=0
	while [ $k -lt "$C_N" ]; do
		cl="$cl $(C_FAM=4 c_swaddr $k) $(C_FAM=6 c_swaddr $k)"
		k=$((k + 1))
	done
	pin "$IKS_NS_GW" "$IKS_IF_GW" "$(mac "$IKS_NS_CL" "$IKS_IF_CL")" $cl
	pin "$IKS_NS_CL" "$IKS_IF_CL" "$(mac "$IKS_NS_GW" "$IKS_IF_GW")" \
		"$IKS_GW4" "$IKS_GW6" 10.99.0.3
}

# nat_trio: like ns_pair, but the client side sits behind a NAT router:
# client (vcl 10.98.0.2/24) -- (vnc 10.98.0.1) nat (vng 10.99.0.2) --
# (vgw 10.99.0.1) gateway; nftables masquerades what leaves vng.  IPv4 only.
nat_trio() {
	local nat
	ns_new gw
	ns_new cl
	ns_new nat
	nat=$IKS_ID-nat
	ip link add "$IKS_IF_GW" netns "$IKS_NS_GW" type veth peer name vng netns "$nat" &&
		ip link add "$IKS_IF_CL" netns "$IKS_NS_CL" type veth peer name vnc netns "$nat" ||
		{ echo "veth creation failed"; return 1; }
	ip -n "$IKS_NS_GW" addr add "$IKS_GW4/24" dev "$IKS_IF_GW"
	ip -n "$nat" addr add 10.99.0.2/24 dev vng
	ip -n "$nat" addr add 10.98.0.1/24 dev vnc
	ip -n "$IKS_NS_CL" addr add 10.98.0.2/24 dev "$IKS_IF_CL"
	ip -n "$IKS_NS_GW" link set "$IKS_IF_GW" up
	ip -n "$IKS_NS_CL" link set "$IKS_IF_CL" up
	ip -n "$nat" link set vng up
	ip -n "$nat" link set vnc up
	ip -n "$IKS_NS_CL" route add default via 10.98.0.1
	pin "$IKS_NS_CL" "$IKS_IF_CL" "$(mac "$nat" vnc)" 10.98.0.1
	pin "$nat" vnc "$(mac "$IKS_NS_CL" "$IKS_IF_CL")" 10.98.0.2 10.98.0.10 10.98.0.11 \
		10.98.0.12 10.98.0.20 10.98.0.21
	pin "$nat" vng "$(mac "$IKS_NS_GW" "$IKS_IF_GW")" "$IKS_GW4"
	pin "$IKS_NS_GW" "$IKS_IF_GW" "$(mac "$nat" vng)" 10.99.0.2
	ns_sysctl "$nat" net.ipv4.ip_forward=1
	ns_exec "$nat" nft add table ip iksnat &&
		ns_exec "$nat" nft add chain ip iksnat post \
			'{ type nat hook postrouting priority 100; }' &&
		ns_exec "$nat" nft add rule ip iksnat post oifname vng masquerade ||
		{ echo "nftables masquerade failed"; return 1; }
}

# keepalives SRC: NAT-T keepalives (one 0xFF octet on UDP 4500) from SRC
# in the capture.
keepalives() {
	tshark -n -r "$T/run.pcap" -Y "udpencap.nat_keepalive && ip.src == $1" -T fields \
		-e frame.number 2>/dev/null | grep -c .
}

# sas NS: `swanctl --list-sas --raw` of the cell's charon (one line per IKE SA).
sas() {
	swan_ctl "$1" "$T/sw" --list-sas --raw 2>/dev/null | grep '^list-sa event'
}

# count_up NS: IKE SAs ESTABLISHED and CHILD SAs INSTALLED, as "I C".
count_up() {
	local s
	s=$(sas "$1")
	echo "$(printf '%s\n' "$s" | grep -o 'version=2 state=ESTABLISHED' | grep -c .)" \
		"$(printf '%s\n' "$s" | grep -o 'state=INSTALLED' | grep -c .)"
}

# wait_up NS SECONDS: until charon has C_N IKE SAs and C_N*C_CHILDREN CHILD SAs.
wait_up() {
	local i want
	want="$C_N $((C_N * C_CHILDREN))"
	i=0
	while [ $i -lt $(($2 * 5)) ]; do
		[ "$(count_up "$1")" = "$want" ] && return 0
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}

# wait_for SECONDS FN [ARGS...]: run FN (in a subshell) every 0.2 s until
# it succeeds (0), or fail (1, with FN's last output) once SECONDS have
# passed: a cell's condition polled within a bound, never a fixed sleep
# that a loaded machine overruns (the run may be over by then).
wait_for() {
	local end out
	end=$(($(date +%s) + $1))
	shift
	while :; do
		out=$("$@") && return 0
		[ "$(date +%s)" -lt "$end" ] || break
		sleep 0.2
	done
	[ -z "$out" ] || echo "$out"
	return 1
}

# wait_none NS SECONDS: until charon has no IKE SA left.
wait_none() {
	local i
	i=0
	while [ $i -lt $(($2 * 5)) ]; do
		[ -z "$(sas "$1")" ] && return 0
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}

# check_algs NS: every IKE SA (and CHILD SA) charon lists uses the cell's
# algorithms; prints what differs.
check_algs() {
	local s ike child e k want line
	s=$(sas "$1")
	set -- $(sw_raw_encr "$C_ENCR")
	want="encr-alg=$1${2:+ encr-keysize=$2}"
	[ -n "$C_INTEG" ] && want="$want integ-alg=$(sw_raw_integ "$C_INTEG")"
	want="$want prf-alg=$(sw_raw_prf "$C_PRF") dh-group=$(sw_raw_dh "$C_XDH")"
	set -- $(sw_raw_encr "$C_ESPENC")
	e="encr-alg=$1${2:+ encr-keysize=$2}"
	[ -n "$C_ESPINTEG" ] && e="$e integ-alg=$(sw_raw_integ "$C_ESPINTEG")"
	printf '%s\n' "$s" | while IFS= read -r line; do
		ike=${line%%child-sas*}
		child=${line#*child-sas}
		for k in $want; do
			case " $ike " in *" $k "*) ;; *) echo "IKE SA: want $k, charon has:" \
				"$(printf '%s' "$ike" | grep -o -E '(encr|integ|prf)-[a-z]*=[^ ]*|dh-group=[^ ]*' |
					tr '\n' ' ')"; return 1 ;; esac
		done
		for k in $e; do
			case " $child " in *" $k "*) ;; *) echo "CHILD SA: want $k"; return 1 ;; esac
		done
		if [ "$C_MODE" = transport ]; then
			case $child in *mode=TRANSPORT*) ;; *) echo "CHILD SA not in transport mode"; return 1 ;; esac
		fi
	done
}

# jnum FILE KEY / jstr FILE KEY: a number / string of our -j JSON.
jnum() {
	grep -o "\"$2\":[0-9.]*" "$1" 2>/dev/null | head -n 1 | cut -d: -f2
}
jstr() {
	grep -o "\"$2\":\"[a-z]*\"" "$1" 2>/dev/null | head -n 1 | cut -d'"' -f4
}

# diag: the decode of the capture and both sides' log tails, on stderr.
diag() {
	local f
	capture_stop
	{
		echo "--- tshark decode (FRAME SRC DST EXCH MID i|r req|resp PAYLOADS NOTIFIES)"
		tshark_ike_dump "$T/run.pcap" "$T/keylog" 2>&1 | tail -n 40
		for f in "$T/sw/charon.log" "$T/iks.log" "$T/iks.err" "$T/iks.json"; do
			[ -s "$f" ] || continue
			echo "--- $f"
			grep -v -e '> *[0-9]*: [0-9A-F][0-9A-F] ' -e 'vici client' -e '^ *[0-9a-f]\{4\}: ' \
				"$f" | tail -n 30
		done
	} >&2
}

# judge: tshark decodes the capture with our keylog.
judge() {
	local out kl
	capture_stop
	kl=$T/keylog
	[ "$C_JUDGE" = plain ] && kl=/dev/null
	tshark_ike_dump "$T/run.pcap" "$kl" >"$T/dump" 2>/dev/null
	if ! out=$(tshark_ike_check "$T/run.pcap" "$kl" 2>"$T/judge.err"); then
		if [ "$C_JUDGE" = plain ]; then
			# without keys only malformed/ICV count: encrypted messages stay opaque
			case $out in *" malformed=0 badicv=0") return 0 ;; esac
		fi
		cat "$T/judge.err" >&2
		echo "tshark: $out"
		return 1
	fi
}

# dump_count REGEX: lines of the tshark dump matching REGEX (ERE).
dump_count() {
	grep -c -E -- "$1" "$T/dump"
}

# ---- the drivers ------------------------------------------------------------

iks_wait() { wait "$1"; }                           # PID: our client ends by itself
iks_term() { kill -TERM "$1" 2>/dev/null; wait "$1"; } # PID: our gateway is stopped

# cell_finish NS PID WHO GONE ABORT END: the end both drivers share, once
# charon (in NS) has every SA up with our ikeswarm (PID): charon's SAs
# use the cell's algorithms, C_DURING holds, our run ends (END PID, its
# exit status; ABORT PID on a failure before) with result pass and all
# C_N tunnels created, charon has no IKE SA left within 5 s, tshark's
# judge and C_CHECK pass.  WHO names our side, GONE says when, in the
# FAIL line.  0 when all holds; else diag and the reason on stdout, 1.
cell_finish() {
	local ns=$1 pid=$2 who=$3 gone=$4 abort=$5 end=$6 why rc
	sas "$ns" >"$T/sas.up"
	if ! why=$(check_algs "$ns"); then
		$abort "$pid"
		diag
		echo "$why"
		return 1
	fi
	if [ -n "$C_DURING" ] && ! why=$($C_DURING); then
		$abort "$pid"
		diag
		echo "${why:-$C_DURING failed}"
		return 1
	fi
	$end "$pid"
	rc=$?
	if [ "$(jstr "$T/iks.json" result)" != pass ] || [ "$(jnum "$T/iks.json" created)" != "$C_N" ] ||
		[ $rc -ne 0 ]; then
		diag
		echo "$who: exit $rc, created=$(jnum "$T/iks.json" created) of $C_N," \
			"result=$(jstr "$T/iks.json" result)"
		return 1
	fi
	if ! wait_none "$ns" 5; then
		diag
		echo "charon still has $(sas "$ns" | grep -c .) IKE SAs $gone"
		return 1
	fi
	judge || { diag; return 1; }
	if [ -n "$C_CHECK" ] && ! why=$($C_CHECK); then
		diag
		echo "${why:-$C_CHECK failed}"
		return 1
	fi
	return 0
}

# iks_swan KEY=V...: ikeswarm client -> strongSwan responder.
iks_swan() {
	local pid rc up why
	cell_args "$@" || return 1
	C_OURS_GW=0
	no_transport && return 2
	[ -n "$C_RT" ] || C_RT=3s
	cell_bed || { echo "capture did not start"; return 1; }
	if [ -n "$C_BED" ]; then $C_BED || { echo "$C_BED failed"; return 1; }; fi
	if [ "$C_MODE" = transport ]; then
		swan_conf "$T/sw" local_addrs="$C_GW" proposals="$C_SPROP" esp_proposals="$C_SESP" \
			child_mode=transport $C_SW || { echo "bad strongSwan keys"; return 1; }
	else
		swan_conf "$T/sw" local_addrs="$C_GW" proposals="$C_SPROP" esp_proposals="$C_SESP" \
			local_ts=10.1.0.0/16 remote_ts=10.2.0.0/16 $C_SW ||
			{ echo "bad strongSwan keys"; return 1; }
	fi
	swan_start "$IKS_NS_GW" "$T/sw" || { diag; echo "charon responder did not start"; return 1; }
	iks_conf "$T/iks.yaml" client
	# --flush=false: the client veth is the bed's (behind the NAT its
	# default route would go with its address)
	ns_bg "$IKS_NS_CL" "$T/iks.json" sh -c 'exec timeout --foreground 60 "$@" 2>"$0"' "$T/iks.err" \
		"$IKESWARM" exec -f "$T/iks.yaml" -j --keylog "$T/keylog" --lf "$T/iks.log" --flush=false \
		$IKS_EXEC_ARGS
	pid=$IKS_LAST_PID
	if ! wait_up "$IKS_NS_GW" 15; then
		up=$(count_up "$IKS_NS_GW")
		wait "$pid"
		diag
		echo "charon has ${up% *} of $C_N IKE SAs and ${up#* } of" \
			"$((C_N * C_CHILDREN)) CHILD SAs up"
		return 1
	fi
	cell_finish "$IKS_NS_GW" "$pid" "ikeswarm client" "after our client stopped" \
		iks_wait iks_wait
}

# swan_iks KEY=V...: strongSwan initiator (N connections) -> ikeswarm gateway.
swan_iks() {
	local pid rc up why k j i
	cell_args "$@" || return 1
	C_OURS_GW=1
	no_transport && return 2
	[ -n "$C_RT" ] || C_RT=60s
	cell_bed || { echo "capture did not start"; return 1; }
	if [ -n "$C_BED" ]; then $C_BED || { echo "$C_BED failed"; return 1; }; fi
	k=0
	while [ $k -lt "$C_N" ]; do
		ip -n "$IKS_NS_CL" addr add "$(c_swaddr $k)/$C_PLEN" dev "$IKS_IF_CL" nodad
		k=$((k + 1))
	done
	iks_conf "$T/iks.yaml" gateway
	ns_bg "$IKS_NS_GW" "$T/iks.json" sh -c 'exec timeout --foreground 90 "$@" 2>"$0"' "$T/iks.err" \
		"$IKESWARM" exec -f "$T/iks.yaml" -j --keylog "$T/keylog" --lf "$T/iks.log" $IKS_EXEC_ARGS
	pid=$IKS_LAST_PID
	i=0
	while ! ns_exec "$IKS_NS_GW" ss -Hlun 2>/dev/null | grep -q ':4500 '; do
		i=$((i + 1))
		if [ $i -gt 50 ] || ! kill -0 "$pid" 2>/dev/null; then
			diag
			echo "ikeswarm gateway did not open UDP 4500: $(tail -n 1 "$T/iks.err")"
			return 1
		fi
		sleep 0.1
	done
	swan_conf "$T/sw" $C_SW || { echo "bad strongSwan keys"; return 1; }
	swan_conns "$T/sw"
	swan_start "$IKS_NS_CL" "$T/sw" || { diag; echo "charon initiator did not start"; return 1; }
	k=0
	while [ $k -lt "$C_N" ]; do
		swan_ctl "$IKS_NS_CL" "$T/sw" --initiate --ike "iks$k" --child net -t 10 \
			>>"$T/initiate.log" 2>&1
		j=1
		while [ $j -lt "$C_CHILDREN" ]; do
			swan_ctl "$IKS_NS_CL" "$T/sw" --initiate --ike "iks$k" --child "net$((j + 1))" \
				-t 10 >>"$T/initiate.log" 2>&1
			j=$((j + 1))
		done
		k=$((k + 1))
	done
	if ! wait_up "$IKS_NS_CL" 10; then
		up=$(count_up "$IKS_NS_CL")
		kill -TERM "$pid" 2>/dev/null
		wait "$pid"
		diag
		echo "charon has ${up% *} of $C_N IKE SAs and ${up#* } of" \
			"$((C_N * C_CHILDREN)) CHILD SAs up with our gateway"
		return 1
	fi
	cell_finish "$IKS_NS_CL" "$pid" "ikeswarm gateway" "after the end" iks_term swan_iks_end
}

# swan_iks_end PID: the normal end of a swan_iks cell: charon deletes its
# IKE SAs (ending=swan), then SIGTERM to our gateway; its exit status.
swan_iks_end() {
	local k
	if [ "$C_ENDING" = swan ]; then
		k=0
		while [ $k -lt "$C_N" ]; do
			swan_ctl "$IKS_NS_CL" "$T/sw" --terminate --ike "iks$k" -t 5 >>"$T/terminate.log" 2>&1
			k=$((k + 1))
		done
	fi
	sleep 0.3
	iks_term "$1"
}

# msgs BY EXCH KIND [PAYLOADS [NOTIFY]]: how many IKE messages of the
# capture (tshark's decode, $T/dump) of exchange EXCH (34 IKE_SA_INIT, 35
# IKE_AUTH, 36 CREATE_CHILD_SA, 37 INFORMATIONAL), KIND req|resp, were sent
# by BY (iks = ikeswarm, sw = strongSwan; the gateway side is C_GW, the
# extra gateway address 10.99.0.3 of the MOBIKE cells, and 10.99.0.2 in the
# gw2_bed cells, where our gateway owns it and charon may pick it after a
# roam -- which one it picks is a race of our two probe answers).  PAYLOADS "=46" matches the
# payload list exactly (an empty INFORMATIONAL), "42" one that holds it;
# NOTIFY a notify type the message carries.
msgs() {
	local gw=" $C_GW 10.99.0.3 "
	[ "$C_BED" != gw2_bed ] || gw="$gw""10.99.0.2 "
	awk -v gw="$gw" -v by="$1" -v ours_gw="$C_OURS_GW" -v x="$2" -v kind="$3" \
		-v pl="$4" -v nt="$5" '
	{
		src = $2; sub(/:[0-9]+$/, "", src)
		atgw = index(gw, " " src " ") > 0
		ours = ours_gw ? atgw : !atgw
		if ((by == "iks") != ours || $4 != x || $7 != kind) next
		if (pl ~ /^=/ && $8 != substr(pl, 2)) next
		if (pl != "" && pl !~ /^=/ && index("," $8 ",", "," pl ",") == 0) next
		if (nt != "" && index("," $9 ",", "," nt ",") == 0) next
		n++
	}
	END { print n + 0 }' "$T/dump"
}

# at_least WHAT GOT WANT: prints "WHAT: GOT < WANT" and fails unless GOT >= WANT.
at_least() {
	[ "${2:-0}" -ge "$3" ] 2>/dev/null && return 0
	echo "$1: ${2:-none} < $3"
	return 1
}
