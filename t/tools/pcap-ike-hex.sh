#!/bin/sh
# pcap-ike-hex.sh PCAP OUTDIR: write every IKE message of PCAP as hex.
#
# IKE messages are UDP payloads on port 500, and on port 4500 those that
# start with the 4-octet non-ESP marker (0x00000000), which is stripped
# (the index says it was there).  ESP-in-UDP and NAT keepalives (one 0xff
# octet) are left out.  Output:
#   OUTDIR/NN-EXCHANGE-{i,r}-{req,resp}.hex  one IKE message, hex on one
#       line, from the IKE header on (NN = order in the capture, from 01;
#       i/r = sent by the original initiator / responder, per the I flag)
#   OUTDIR/messages.txt  one line per message:
#       NN FILE EXCHANGE MID FROM:PORT TO:PORT MARKER LEN
#       (MARKER = 1 when the message had a non-ESP marker; LEN = octets of
#       the IKE message without it)
pcap=$1
out=$2
if [ $# -ne 2 ] || [ ! -r "$pcap" ] || [ ! -d "$out" ]; then
	echo "usage: pcap-ike-hex.sh PCAP OUTDIR (existing dir)" >&2
	exit 2
fi
HOME=/nonexistent XDG_CONFIG_HOME=/nonexistent tshark -n -r "$pcap" \
	-Y 'udp.port == 500 or udp.port == 4500' -T fields -E separator=/t \
	-e ip.src -e ipv6.src -e udp.srcport -e ip.dst -e ipv6.dst -e udp.dstport \
	-e udp.payload 2>/dev/null |
awk -F '\t' -v out="$out" '
	function hexval(s,   i, v) {
		v = 0
		for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return v
	}
	BEGIN {
		xn[34] = "IKE_SA_INIT"; xn[35] = "IKE_AUTH"
		xn[36] = "CREATE_CHILD_SA"; xn[37] = "INFORMATIONAL"
		xn[43] = "IKE_INTERMEDIATE"
		idx = out "/messages.txt"
		print "# NN FILE EXCHANGE MID FROM:PORT TO:PORT MARKER LEN" > idx
	}
	{
		src = ($1 != "") ? $1 : "[" $2 "]"; dst = ($4 != "") ? $4 : "[" $5 "]"
		sport = $3; dport = $6; p = tolower($7); gsub(/:/, "", p)
		marker = 0
		if (sport == 4500 || dport == 4500) {
			if (p == "ff" || substr(p, 1, 8) != "00000000") next
			marker = 1; p = substr(p, 9)
		}
		if (length(p) < 56) { print "short IKE message skipped" > "/dev/stderr"; next }
		exch = hexval(substr(p, 37, 2)); flags = hexval(substr(p, 39, 2))
		mid = hexval(substr(p, 41, 8))
		name = (exch in xn) ? xn[exch] : "EXCH" exch
		who = (int(flags / 8) % 2) ? "i" : "r"
		kind = (int(flags / 32) % 2) ? "resp" : "req"
		n++
		file = sprintf("%02d-%s-%s-%s.hex", n, name, who, kind)
		print p > (out "/" file)
		close(out "/" file)
		printf "%02d %s %s %d %s:%s %s:%s %d %d\n", n, file, name, mid, src, sport,
			dst, dport, marker, length(p) / 2 >> idx
	}
	END { if (n == 0) { print "no IKE message in capture" > "/dev/stderr"; exit 1 } }'
