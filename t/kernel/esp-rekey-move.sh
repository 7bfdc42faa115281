#!/bin/sh
# esp-rekey-move.sh — run inside UML (t/kernel/uml.sh): the two kernel
# sequences the fastpath needs besides install, done by hand with
# `ip xfrm` during a continuous ping (every 20 ms), AES-GCM tunnel mode:
#  - rekey: new inbound states, then new outbound states, then the old
#    ones deleted (outbound first): the ping loses at most one packet and
#    the new states carry the traffic;
#  - move (MOBIKE, the client's own address changes): each side deletes
#    and re-adds its states with the new outer address and updates its
#    policies' templates (`ip xfrm policy update`): the ping keeps
#    answering and the new states carry the traffic from the new address.
# Prints PASS/FAIL lines; exits 1 on a failure.

[ "$(id -u)" = 0 ] || { echo "SKIP esp-rekey-move: needs root"; exit 0; }
. "$(dirname "$0")/lib.sh"
CL=esp-rk-cl GW=esp-rk-gw
N_CL=10.99.0.12                      # the client's second outer address
ALG="aead rfc4106(gcm(aes)) $(kt_hexkey 20 c7) 128"
ALG2="aead rfc4106(gcm(aes)) $(kt_hexkey 20 c8) 128"
failed=0
trap kt_cleanup EXIT

st() { # SRC DST SPI ALGO... : one tunnel-mode state line
	s=$1 d=$2 spi=$3; shift 3
	echo "xfrm state add src $s dst $d proto esp spi $spi reqid 7 mode tunnel $*"
}
del() { # SRC DST SPI
	echo "xfrm state delete src $1 dst $2 proto esp spi $3"
}
pol() { # add|update LOCAL_SEL REMOTE_SEL LOCAL_OUTER REMOTE_OUTER
	t="proto esp reqid 7 mode tunnel"
	echo "xfrm policy $1 src $2 dst $3 dir out tmpl src $4 dst $5 $t"
	echo "xfrm policy $1 src $3 dst $2 dir in tmpl src $5 dst $4 $t"
	echo "xfrm policy $1 src $3 dst $2 dir fwd tmpl src $5 dst $4 $t"
}
batch() { # NS : the lines on stdin, in one ip process
	cat > "$tmpd/b" && ip -n "$1" -batch "$tmpd/b"
}

# Continuous ping in the background from 0.5 s before the change until
# 1 s after it (SIGINT: ping prints its statistics); sets sent/got.
ping_start() {
	ip netns exec $CL ping -i 0.02 -c 100000 -W 1 -I $I_CL $I_GW \
		> "$tmpd/ping" 2>&1 &
	ping_pid=$!
	sleep 0.5
}
ping_end() {
	sleep 1
	kill -INT $ping_pid
	wait $ping_pid
	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$tmpd/ping")
	got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$tmpd/ping")
	: "${sent:=0}" "${got:=0}"
}

# counts NS SPI... : "spi=packets" for each, and sets pk of the last one
counts() {
	ns=$1; shift
	ip -n $ns -s xfrm state > "$tmpd/st"
	out=""
	for spi in "$@"; do
		kt_packets "$tmpd/st" "$spi"
		out="$out $spi=${pk:-none}"
	done
	echo "$out"
}
# needs NS MIN SPI... : each state exists with >= MIN packets; else why
needs() {
	ns=$1 min=$2; shift 2
	ip -n $ns -s xfrm state > "$tmpd/st"
	for spi in "$@"; do
		kt_packets "$tmpd/st" "$spi"
		[ "${pk:-0}" -ge "$min" ] 2>/dev/null ||
			why="${why:+$why; }$ns spi $spi has '${pk:-no state}' packets, not >= $min"
	done
}
gone() { # NS SPI... : no such state left; else why
	ns=$1; shift
	ip -n $ns xfrm state > "$tmpd/st"
	for spi in "$@"; do
		grep -q "spi $spi" "$tmpd/st" &&
			why="${why:+$why; }$ns still has spi $spi"
	done
}
result() { # NAME [NOTE]
	if [ -z "$why" ]; then echo "PASS esp-$1 (ping $got/$sent$2)"
	else echo "FAIL esp-$1: $why (ping $got/$sent$2)"; failed=1; fi
}

tmpd=$(mktemp -d) || exit 1
if ! { kt_setup && ip -n $CL addr add $N_CL/24 dev vcl; } 2>"$tmpd/err"; then
	echo "FAIL esp-rekey-setup: $(head -n 1 "$tmpd/err")"
	exit 1
fi
# SPIs: 0x1000 client->gateway, 0x2000 gateway->client; +1 after rekey.
if ! { { st $O_CL $O_GW 0x1000 $ALG; st $O_GW $O_CL 0x2000 $ALG
	 pol add $I_CL/32 $I_GW/32 $O_CL $O_GW; } | batch $CL &&
       { st $O_CL $O_GW 0x1000 $ALG; st $O_GW $O_CL 0x2000 $ALG
	 pol add $I_GW/32 $I_CL/32 $O_GW $O_CL; } | batch $GW; } 2>"$tmpd/err"; then
	echo "FAIL esp-rekey-setup: $(head -n 2 "$tmpd/err" | tr '\n' ' ')"
	exit 1
fi

# Rekey.  The kernel sends on the newest matching outbound state (adding
# one bumps the older ones' generation, so cached bundles re-resolve).
why=""
ping_start
{ st $O_CL $O_GW 0x1001 $ALG2 | batch $GW &&
  st $O_GW $O_CL 0x2001 $ALG2 | batch $CL &&
  st $O_CL $O_GW 0x1001 $ALG2 | batch $CL &&
  st $O_GW $O_CL 0x2001 $ALG2 | batch $GW &&
  sleep 0.3 &&
  del $O_CL $O_GW 0x1000 | batch $CL &&
  del $O_GW $O_CL 0x2000 | batch $GW &&
  sleep 0.3 &&
  del $O_GW $O_CL 0x2000 | batch $CL &&
  del $O_CL $O_GW 0x1000 | batch $GW; } 2>"$tmpd/err" ||
	why="rekey: $(head -n 2 "$tmpd/err" | tr '\n' ' ')"
ping_end
[ "$sent" -ge 20 ] || why="${why:+$why; }ping sent only $sent"
[ $((sent - got)) -le 1 ] || why="${why:+$why; }lost $((sent - got)) > 1"
needs $CL 5 0x00001001 0x00002001
needs $GW 5 0x00001001 0x00002001
gone $CL 0x00001000 0x00002000
gone $GW 0x00001000 0x00002000
result rekey-no-loss

# Move: the client's outer address becomes $N_CL.  Inbound states are
# found by (destination, SPI, protocol), so each side's change of the
# states it receives on matters; the replay state starts over here (the
# real fastpath keeps it: strongSwan's update_sa copies it).
why=""
ping_start
t0=$(date +%s%N)
{ { del $O_CL $O_GW 0x1001; st $N_CL $O_GW 0x1001 $ALG2
    del $O_GW $O_CL 0x2001; st $O_GW $N_CL 0x2001 $ALG2
    pol update $I_CL/32 $I_GW/32 $N_CL $O_GW; } | batch $CL &&
  { del $O_CL $O_GW 0x1001; st $N_CL $O_GW 0x1001 $ALG2
    del $O_GW $O_CL 0x2001; st $O_GW $N_CL 0x2001 $ALG2
    pol update $I_GW/32 $I_CL/32 $O_GW $N_CL; } | batch $GW; } 2>"$tmpd/err" ||
	why="move: $(head -n 2 "$tmpd/err" | tr '\n' ' ')"
t1=$(date +%s%N)
ping_end
[ "$sent" -ge 20 ] || why="${why:+$why; }ping sent only $sent"
# Until the gateway's batch is done it answers to the old address, which
# the client no longer takes: loss only inside that window (one ping every
# 20 ms), plus one on each edge.
window=$(((t1 - t0) / 1000000))
[ $((sent - got)) -le $((window / 20 + 2)) ] ||
	why="${why:+$why; }lost $((sent - got)) > $((window / 20 + 2)) for a ${window} ms move"
needs $CL 10 0x00001001 0x00002001
needs $GW 10 0x00001001 0x00002001
ip -n $CL xfrm state > "$tmpd/st"
grep -q "src $N_CL dst $O_GW" "$tmpd/st" && grep -q "src $O_GW dst $N_CL" "$tmpd/st" ||
	why="${why:+$why; }client states do not show $N_CL"
[ -n "$VERBOSE" ] && { cat "$tmpd/ping"; ip -n $GW -s xfrm state; }
result move-endpoints ", move took $window ms"

exit $failed
