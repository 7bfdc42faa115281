# lib.sh — sourced by the t/kernel/esp-*.sh tests (inside UML): two
# namespaces on a veth, counters out of `ip -s xfrm state`, the
# UDP-encapsulation socket.  Set CL and GW (namespace names) before
# calling kt_setup; kt_cleanup (trap it on EXIT) removes all of it.

O_CL=10.99.0.2 O_GW=10.99.0.1        # outer (veth) addresses
I_CL=10.10.1.1 I_GW=10.10.2.1        # inner addresses, tunnel mode
encap_pid="" tmpd=""

kt_cleanup() {
	[ -n "$encap_pid" ] && kill $encap_pid 2>/dev/null
	for n in $CL $GW; do
		ip -n $n xfrm state flush 2>/dev/null
		ip -n $n xfrm policy flush 2>/dev/null
		ip netns del $n 2>/dev/null
	done
	[ -n "$tmpd" ] && rm -rf "$tmpd"
}

# cl: vcl $O_CL, $I_CL on lo; gw: vgw $O_GW, $I_GW on lo; each routes the
# other's inner address via the other's outer one.
kt_setup() {
	ip netns add $CL && ip netns add $GW &&
	ip link add vcl netns $CL type veth peer name vgw netns $GW &&
	ip -n $GW addr add $O_GW/24 dev vgw && ip -n $CL addr add $O_CL/24 dev vcl &&
	ip -n $GW link set vgw up && ip -n $CL link set vcl up &&
	ip -n $GW link set lo up && ip -n $CL link set lo up &&
	ip -n $CL addr add $I_CL/32 dev lo && ip -n $GW addr add $I_GW/32 dev lo &&
	ip -n $CL route add $I_GW/32 via $O_GW src $I_CL &&
	ip -n $GW route add $I_CL/32 via $O_CL src $I_GW
}

# The ikeswarm runs' cleanup (trap it on EXIT): kill $clpid and $gwpid,
# give the kernel's SPD work a second before the namespaces go (UML 6.1
# crashed in xfrm_hash_rebuild when a namespace went right after the policy
# hash thresholds changed), flush and delete $CL $RT $GW, remove $tmpd.
kt_iks_cleanup() {
	[ -n "$clpid" ] && kill -9 $clpid 2>/dev/null
	[ -n "$gwpid" ] && kill -9 $gwpid 2>/dev/null
	sleep 1
	for n in $CL $RT $GW; do
		ip -n $n xfrm state flush 2>/dev/null
		ip -n $n xfrm policy flush 2>/dev/null
		ip netns del $n 2>/dev/null
	done
	[ -n "$tmpd" ] && rm -rf "$tmpd"
}

# Keys: fixed, from a hex pair repeated N octets.
kt_hexkey() { # OCTETS PAIR
	k="" i=0
	while [ $i -lt "$1" ]; do k="$k$2"; i=$((i + 1)); done
	echo "0x$k"
}

# kt_packets FILE SPI: sets pk to the packet count of that state in FILE,
# an `ip -s xfrm state` dump (the line after "lifetime current:" reads
# "N(bytes), M(packets)"); SPI as ip prints it, 0x0000abcd.  Plain shell:
# every exec costs ~50 ms in UML.
kt_packets() {
	pk="" cur="" next=0
	while read -r a b c d rest; do
		[ "$a $b $c" = "proto esp spi" ] && cur=${d%%(*}
		if [ $next = 1 ]; then
			[ "$cur" = "$2" ] && pk=${b%%(*}
			next=0
		fi
		[ "$a $b" = "lifetime current:" ] && next=1
	done < "$1"
}

# The kernel decapsulates ESP-in-UDP only on a UDP socket with
# UDP_ENCAP=UDP_ENCAP_ESPINUDP (IKE's 4500 socket, in real life); perl is
# essential in Debian, so a one-line holder does (SOL_UDP 17, UDP_ENCAP
# 100, UDP_ENCAP_ESPINUDP 2).  It creates READY once the option is set;
# its pid is $!.
kt_encap_socket() { # NS ADDR READY
	ip netns exec "$1" perl -MSocket -e '
		socket(my $s, PF_INET, SOCK_DGRAM, 0) or die "socket: $!";
		bind($s, pack_sockaddr_in(4500, inet_aton($ARGV[0]))) or die "bind: $!";
		setsockopt($s, 17, 100, 2) or die "UDP_ENCAP: $!";
		open(my $r, ">", $ARGV[1]) and close($r);
		sleep 600;' "$2" "$3" &
}

kt_wait_files() { # FILE... : 0 when all exist within 5 s
	i=0
	for f in "$@"; do
		while [ ! -f "$f" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
		[ -f "$f" ] || return 1
	done
}

# ---- ikeswarm pairs (the esp-*.sh tests that run ikeswarm, and
# bench/fastpath-engine.sh): they set CL, GW, tmpd (and O_GW when not
# 10.99.0.1), trap kt_iks_cleanup, write $tmpd/gw.yaml and cl.yaml.

# kt_require NAME: the test needs root and an ikeswarm binary ($IKESWARM):
# without them it prints "SKIP NAME: why" and exits 0.  Sets IKS.
kt_require() {
	[ "$(id -u)" = 0 ] || { echo "SKIP $1: needs root"; exit 0; }
	IKS=${IKESWARM:-}
	[ -n "$IKS" ] && [ -x "$IKS" ] ||
		{ echo "SKIP $1: no ikeswarm binary (IKESWARM='$IKS')"; exit 0; }
}

# kt_pair_links [PREFIX]: namespaces $CL and $GW on a veth (vcl, vgw),
# $O_GW/PREFIX (default 24) on vgw, both ends and lo up.  The client's
# outer addresses come from ikeswarm exec (startclntaddr on bindifname).
kt_pair_links() {
	ip netns add $CL && ip netns add $GW &&
	ip link add vcl netns $CL type veth peer name vgw netns $GW &&
	ip -n $GW addr add $O_GW/${1:-24} dev vgw &&
	ip -n $GW link set vgw up && ip -n $CL link set vcl up &&
	ip -n $GW link set lo up && ip -n $CL link set lo up
}

kt_lo_addrs() { # NS ADDR...: each ADDR/32 on NS's lo (inner addresses), one ip run
	kn=$1; shift
	for ka in "$@"; do echo "addr add $ka/32 dev lo"; done > "$tmpd/lo-$kn"
	ip -n $kn -batch "$tmpd/lo-$kn"
}

# kt_inner_addrs N NET...: tunnel t's (1..N) inner addresses of each NET
# on lo: 10.NET.1.t in $CL, 10.NET.2.t in $GW (the CHILD SAs' selectors
# with owntsaddrincrease/peertsaddrincrease 1).
kt_inner_addrs() {
	kcl="" kgw="" kN=$1; shift
	for knet in "$@"; do
		kt=1
		while [ $kt -le $kN ]; do
			kcl="$kcl 10.$knet.1.$kt" kgw="$kgw 10.$knet.2.$kt"
			kt=$((kt + 1))
		done
	done
	kt_lo_addrs $CL $kcl && kt_lo_addrs $GW $kgw
}

# kt_check_run BIN: runs a Check test binary that expects ESP here (60 s
# per test); sets kout (its output) and krc (its exit status); 0 when it
# exited 0 and said "100%: Checks:".
kt_check_run() {
	kout=$(IKESWARM_EXPECT_ESP=1 CK_DEFAULT_TIMEOUT=60 "$1" 2>&1); krc=$?
	[ $krc -eq 0 ] && printf '%s\n' "$kout" | grep -q '^100%: Checks: '
}

# kt_yaml_head ROLE N [OWN-INC PEER-INC [CLNTADDR]]: a yaml file's first
# lines for the veth of kt_pair_links: ROLE (client or gateway), N
# tunnels, no time limit, the traffic selectors' increase per tunnel when
# given ("-": the defaults); the client's addresses from CLNTADDR (default
# 10.99.0.2/24) on vcl, to $O_GW; the gateway's $O_GW on vgw.
kt_yaml_head() {
	echo "role: $1"
	echo "numberoftunnels: $2"
	echo "runningtime: 0s"
	[ "${3:--}" = - ] || echo "owntsaddrincrease: $3"
	[ "${4:--}" = - ] || echo "peertsaddrincrease: $4"
	if [ "$1" = client ]; then
		echo "startclntaddr: ${5:-10.99.0.2/24}"
		echo "peeraddr: $O_GW"
		echo "bindifname: vcl"
	else
		echo "bindifname: vgw"
		echo "bindifaddr: $O_GW"
	fi
}

# kt_yaml_ike PSK: the ikeconf section's first lines: PSK, and the CHILD
# SAs into the kernel (what every pair here is for); the test's own
# ikeconf keys follow, indented by two.
kt_yaml_ike() {
	echo "ikeconf:"
	echo "  psk: $1"
	echo "  installfastpath: true"
}

# kt_child ALG LIFETIME OWN-FROM OWN-TO PEER-FROM PEER-TO: a childlist
# entry (one CHILD SA, one IPv4 range each way) for the yaml files.
kt_child() {
	echo "  - encalg: [$1]"
	echo "    lifetime: $2"
	echo "    ownts: [{type: v4, startaddr: $3, endaddr: $4}]"
	echo "    peerts: [{type: v4, startaddr: $5, endaddr: $6}]"
}

# kt_start_pair [P [GWARGS [CLARGS]]]: `ikeswarm exec GWARGS -f
# $tmpd/Pgw.yaml` in $GW (log Pgw.log, output Pgw.out), then, once its
# sockets are bound (KT_GAP seconds, default 1), the client likewise from
# Pcl.yaml in $CL.  Sets gwpid and clpid.  P: a file prefix ("m" for a
# second run), empty for the first.
kt_start_pair() {
	ip netns exec $GW "$IKS" exec ${2:-} -f "$tmpd/${1:-}gw.yaml" --lf "$tmpd/${1:-}gw.log" \
		> "$tmpd/${1:-}gw.out" 2>&1 &
	gwpid=$!
	sleep "${KT_GAP:-1}"
	ip netns exec $CL "$IKS" exec ${3:-} -f "$tmpd/${1:-}cl.yaml" --lf "$tmpd/${1:-}cl.log" \
		> "$tmpd/${1:-}cl.out" 2>&1 &
	clpid=$!
}

# kt_wait_up WANT TRIES [UPS]: polls every 0.5 s, TRIES times at most,
# until $CL and $GW each hold at least WANT XFRM states; with UPS, exactly
# WANT (no leftovers) and at least UPS tunnel.up lines in $tmpd/cl.log.
# Gives up early when $clpid or $gwpid died.  Sets c, g (and u): the last
# counts, for the FAIL line.  0 when reached.
kt_wait_up() {
	i=0 c=0 g=0 u=0
	while [ $i -lt "$2" ]; do
		c=$(ip -n $CL xfrm state | grep -c '^src') g=$(ip -n $GW xfrm state | grep -c '^src')
		if [ -z "${3:-}" ]; then
			[ "$c" -ge "$1" ] && [ "$g" -ge "$1" ] && return 0
		else
			u=$(grep -c ' tunnel.up ' "$tmpd/cl.log" 2>/dev/null)
			[ "$c" -eq "$1" ] && [ "$g" -eq "$1" ] && [ "$u" -ge "$3" ] && return 0
		fi
		kill -0 $clpid 2>/dev/null && kill -0 $gwpid 2>/dev/null || return 1
		sleep 0.5; i=$((i + 1))
	done
	return 1
}

# kt_show TAIL PATTERN HEAD [P]: after a FAIL line: the last TAIL lines of
# both runs' output, then the first HEAD lines of their logs matching
# PATTERN (grep BRE; empty: none).
kt_show() {
	for f in ${4:-}cl.out ${4:-}gw.out; do tail -n "$1" "$tmpd/$f" | sed "s/^/  $f: /"; done
	[ -z "$2" ] ||
		grep -h "$2" "$tmpd/${4:-}cl.log" "$tmpd/${4:-}gw.log" | head -n "$3" | sed 's/^/  /'
}

# kt_stop_clean NAME: after kt_left (and what the test adds to left):
# "fail NAME ..." when something was left or a log says fastpath.fail.
# 0 when neither.
kt_stop_clean() {
	if [ -n "$left" ]; then fail "$1" "left behind:$left"; return 1; fi
	kt_fpfail
	if [ -n "$fpf" ]; then fail "$1" "$fpf"; return 1; fi
}

kt_fpfail() { # [P]: sets fpf to the first fastpath.fail line of both logs
	fpf=$(grep -h 'fastpath.fail' "$tmpd/${1:-}cl.log" "$tmpd/${1:-}gw.log" | head -n 1)
}

# kt_ping SRC DST [COUNT]: ping from $CL (COUNT packets, default 3, 0.2 s
# apart, 2 s for the last answer), its output in $tmpd/ping; 0 when any
# was answered.
kt_ping() {
	ip netns exec $CL ping -q -c "${3:-3}" -i 0.2 -W 2 -I "$1" "$2" > "$tmpd/ping" 2>&1
	grep -q ' [1-9][0-9]* received' "$tmpd/ping"
}

kt_ping_count() { # FILE: sets sent and got from a `ping -q` summary
	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$1")
	got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$1")
}

kt_worker_pid() { # sets wpid to the client's worker (in $CL, "__worker"), or ""
	wpid=""
	for p in $(ip netns pids $CL); do
		tr '\0' ' ' < /proc/$p/cmdline 2>/dev/null | grep -q '__worker' && wpid=$p
	done
}

# kt_stop_pair: SIGINT to the client (it deletes its SAs), up to 30 s for
# it to end, then to the gateway (up to 50 s in all).  The caller checks
# with kill -0 whether both ended.
kt_stop_pair() {
	kill -INT $clpid
	i=0
	while kill -0 $clpid 2>/dev/null && [ $i -lt 60 ]; do sleep 0.5; i=$((i + 1)); done
	kill -INT $gwpid
	while kill -0 $gwpid 2>/dev/null && [ $i -lt 100 ]; do sleep 0.5; i=$((i + 1)); done
}

kt_end_pair() { # SIGINT to the client, wait for it, then the gateway; no pids left
	kill -INT $clpid; wait $clpid; kill -INT $gwpid; wait $gwpid
	clpid="" gwpid=""
}

# kt_left KIND...: what the stopped runs left in $CL and $GW: sets left to
# " NS: N KIND ...;" per namespace holding any.  KIND: states, policies
# (XFRM), routes (table 330), rules (lookup 330).
kt_left() {
	left=""
	for n in $CL $GW; do
		ksum=0 kwhat=""
		for kk in "$@"; do
			case $kk in
			states) kx=$(ip -n $n xfrm state | grep -c '^src') ;;
			policies) kx=$(ip -n $n xfrm policy | grep -c '^src') ;;
			routes) kx=$(ip -n $n route show table 330 | grep -c .) ;;
			rules) kx=$(ip -n $n rule | grep -c 'lookup 330') ;;
			*) echo "kt_left: no kind '$kk'" >&2; return 1 ;;
			esac
			ksum=$((ksum + kx)) kwhat="$kwhat $kx $kk"
		done
		[ $ksum -eq 0 ] || left="$left $n:$kwhat;"
	done
}
