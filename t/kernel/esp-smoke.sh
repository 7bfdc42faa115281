#!/bin/sh
# esp-smoke.sh — run inside UML (t/kernel/uml.sh): hand-made ESP states and
# policies between two namespaces on a veth, one case per algorithm/mode,
# and a ping through each.  A case passes when the ping answers and the
# packet counters of all four states (out+in on both sides) moved.
# Prints "PASS esp-<case>" / "FAIL esp-<case>: why"; exits 1 on a failure.
# The exact `ip xfrm` parameters here are the kernel names the fastpath
# must use; t/kernel/README.md lists them.

[ "$(id -u)" = 0 ] || { echo "SKIP esp-smoke: needs root"; exit 0; }
. "$(dirname "$0")/lib.sh"
CL=esp-cl GW=esp-gw
failed=0
trap kt_cleanup EXIT

# UML forks slowly (~50 ms an exec), so each namespace gets its states and
# policies in one `ip -batch`.
# sa_batch LOCAL_SEL REMOTE_SEL LOCAL_OUTER REMOTE_OUTER MODE ALGO... : the
# lines for one side: flush, out state (SPI 0x1000 from cl, 0x2000 from
# gw), in state, and the out/in/fwd policies.
sa_batch() {
	l=$1 r=$2 lo=$3 ro=$4 mode=$5; shift 5
	echo "xfrm state flush"
	echo "xfrm policy flush"
	if [ "$lo" = $O_CL ]; then so=0x1000 si=0x2000; else so=0x2000 si=0x1000; fi
	echo "xfrm state add src $lo dst $ro proto esp spi $so reqid 1 mode $mode $*"
	echo "xfrm state add src $ro dst $lo proto esp spi $si reqid 1 mode $mode $*"
	echo "xfrm policy add src $l dst $r dir out tmpl src $lo dst $ro proto esp reqid 1 mode $mode"
	echo "xfrm policy add src $r dst $l dir in tmpl src $ro dst $lo proto esp reqid 1 mode $mode"
	echo "xfrm policy add src $r dst $l dir fwd tmpl src $ro dst $lo proto esp reqid 1 mode $mode"
}

# run_case NAME MODE ENCAP ALGO... : flush the previous case's states and
# policies and install this one's (in the same batch), ping, check.
run_case() {
	name=$1 mode=$2 encap=$3; shift 3
	why=""
	if [ "$mode" = tunnel ]; then
		lsel=$I_CL/32 rsel=$I_GW/32 from=$I_CL to=$I_GW
	else
		lsel=$O_CL/32 rsel=$O_GW/32 from=$O_CL to=$O_GW
	fi
	if [ "$encap" = udp ]; then
		set -- "$@" encap espinudp 4500 4500 0.0.0.0
		rm -f "$tmpd/ready-cl" "$tmpd/ready-gw"
		kt_encap_socket $CL $O_CL "$tmpd/ready-cl"; p1=$!
		kt_encap_socket $GW $O_GW "$tmpd/ready-gw"; p2=$!
		encap_pid="$p1 $p2"
		kt_wait_files "$tmpd/ready-cl" "$tmpd/ready-gw" ||
			why="no UDP_ENCAP socket on 4500 after 5 s"
	fi
	if [ -n "$why" ]; then
		:
	elif ! { sa_batch $lsel $rsel $O_CL $O_GW "$mode" "$@" > "$tmpd/cl.b" &&
	       ip -n $CL -batch "$tmpd/cl.b" &&
	       if [ -n "$GW_ALGO" ]; then set -- $GW_ALGO; fi &&
	       sa_batch $rsel $lsel $O_GW $O_CL "$mode" "$@" > "$tmpd/gw.b" &&
	       ip -n $GW -batch "$tmpd/gw.b"; } 2>"$tmpd/err"; then
		why="xfrm setup: $(head -n 2 "$tmpd/err" | tr '\n' ' ')"
	elif [ -n "$GW_ALGO" ]; then
		# Keys differ: the ping must not answer and the gateway's inbound
		# state must count integrity failures.
		if ip netns exec $CL ping -c 2 -i 0.05 -W 1 -I "$from" "$to" \
				>"$tmpd/ping" 2>&1; then
			why="ping answered through mismatched keys"
		elif ! ip -n $GW -s xfrm state list spi 0x1000 |
				grep -Eq 'integrity-failed [1-9]|failed [1-9]'; then
			why="no integrity failure counted on the gateway"
		fi
	elif ! ip netns exec $CL ping -c 3 -i 0.05 -W 2 -I "$from" "$to" \
			>"$tmpd/ping" 2>&1; then
		why="ping: $(grep -E 'packets|error|nable' "$tmpd/ping" | head -n 1)"
	else
		for ns in $CL $GW; do
			ip -n $ns -s xfrm state > "$tmpd/count"
			for spi in 0x00001000 0x00002000; do
				kt_packets "$tmpd/count" $spi
				[ "${pk:-0}" -ge 3 ] 2>/dev/null ||
					why="${why:+$why; }packets of $ns spi $spi: '$pk', not >= 3"
			done
		done
	fi
	if [ -n "$VERBOSE" ] || [ -n "$why" ]; then
		ip -n $CL -s xfrm state
	fi
	if [ -z "$why" ]; then echo "PASS esp-$name"
	else echo "FAIL esp-$name: $why"; failed=1; fi
	[ -n "$encap_pid" ] && kill $encap_pid 2>/dev/null && wait $encap_pid 2>/dev/null
	encap_pid=""
}

tmpd=$(mktemp -d) || exit 1
if ! kt_setup 2>"$tmpd/err"; then
	echo "FAIL esp-setup: $(head -n 1 "$tmpd/err")"
	exit 1
fi

# AES-CBC (256-bit key) + HMAC-SHA-256 truncated to 128 bits (RFC 4868).
run_case cbc-aes256-sha256 tunnel none \
	enc 'cbc(aes)' "$(kt_hexkey 32 a1)" auth-trunc 'hmac(sha256)' "$(kt_hexkey 32 b1)" 128
# AES-CBC (128) + HMAC-SHA-512/256 and SHA-384/192.
run_case cbc-aes128-sha512 tunnel none \
	enc 'cbc(aes)' "$(kt_hexkey 16 a2)" auth-trunc 'hmac(sha512)' "$(kt_hexkey 64 b2)" 256
run_case cbc-aes192-sha384 tunnel none \
	enc 'cbc(aes)' "$(kt_hexkey 24 a3)" auth-trunc 'hmac(sha384)' "$(kt_hexkey 48 b3)" 192
# AES-GCM with a 16-octet ICV: key material = key || 4-octet salt.
run_case gcm-aes128 tunnel none aead 'rfc4106(gcm(aes))' "$(kt_hexkey 20 c1)" 128
run_case gcm-aes256 tunnel none aead 'rfc4106(gcm(aes))' "$(kt_hexkey 36 c2)" 128
# ChaCha20-Poly1305 (RFC 7634): 32-octet key || 4-octet salt, ICV 128.
run_case chacha20-poly1305 tunnel none \
	aead 'rfc7539esp(chacha20,poly1305)' "$(kt_hexkey 36 d1)" 128
# ESN with a 128-packet replay window.
run_case gcm-aes256-esn tunnel none \
	aead 'rfc4106(gcm(aes))' "$(kt_hexkey 36 c3)" 128 flag esn replay-window 128
# The test can fail: different keys on each side, ping must not answer.
GW_ALGO="aead rfc4106(gcm(aes)) $(kt_hexkey 20 e2) 128" \
run_case wrong-key-drops tunnel none aead 'rfc4106(gcm(aes))' "$(kt_hexkey 20 e1)" 128
# Transport mode.
run_case transport-gcm transport none aead 'rfc4106(gcm(aes))' "$(kt_hexkey 20 c4)" 128
# UDP encapsulation on 4500 (NAT-T / MOBIKE).
run_case udpencap-gcm tunnel udp aead 'rfc4106(gcm(aes))' "$(kt_hexkey 20 c5)" 128
run_case udpencap-cbc-sha256 tunnel udp \
	enc 'cbc(aes)' "$(kt_hexkey 32 a4)" auth-trunc 'hmac(sha256)' "$(kt_hexkey 32 b4)" 128

exit $failed
