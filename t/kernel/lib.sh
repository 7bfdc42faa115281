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
