#!/bin/sh
# tshark-ike-dump.sh PCAP [KEYLOG]: one line per IKE message, decrypted
# with KEYLOG's keys when given, for tests to grep:
#   FRAME SRC:PORT DST:PORT EXCHANGE MID i|r req|resp PAYLOADS NOTIFIES
# EXCHANGE is a number (34 IKE_SA_INIT, 35 IKE_AUTH, 36 CREATE_CHILD_SA,
# 37 INFORMATIONAL); PAYLOADS the payload type numbers in order (inner
# ones too once decrypted), comma-separated, "-" if none; NOTIFIES the
# notify message types, comma-separated, "-" if none.  Example: the
# MOBIKE update request is an `37 ... i req` line whose NOTIFIES contain
# 16400.  Exit 2 on a usage error or a tshark failure.
pcap=$1
keylog=${2:-/dev/null}
if [ $# -lt 1 ] || [ $# -gt 2 ] || [ ! -r "$pcap" ] || [ ! -r "$keylog" ]; then
	echo "usage: tshark-ike-dump.sh PCAP [KEYLOG]" >&2
	exit 2
fi
set --
while IFS= read -r line || [ -n "$line" ]; do
	case $line in '' | '#'*) continue ;; esac
	case $line in *'"CHACHA'*) continue ;; esac   # tshark 4.0 would refuse it
	set -- "$@" -o "uat:ikev2_decryption_table:$line"
done <"$keylog"
HOME=/nonexistent XDG_CONFIG_HOME=/nonexistent tshark -n -r "$pcap" "$@" -Y isakmp \
	-T fields -E separator=/t -E occurrence=a -E aggregator=, \
	-e frame.number -e ip.src -e ipv6.src -e udp.srcport -e ip.dst -e ipv6.dst \
	-e udp.dstport -e isakmp.exchangetype -e isakmp.messageid -e isakmp.flag_i \
	-e isakmp.flag_r -e isakmp.typepayload -e isakmp.notify.msgtype 2>/dev/null |
awk -F '\t' '
	function num(s,   i, v) {   # "0x0000002a" or "42" (no gawk strtonum)
		if (s !~ /^0x/) return s + 0
		v = 0
		for (i = 3; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
		return v
	}
	{
		src = ($2 != "") ? $2 : "[" $3 "]"; dst = ($5 != "") ? $5 : "[" $6 "]"
		who = ($10 == "1" || $10 == "True") ? "i" : "r"
		kind = ($11 == "1" || $11 == "True") ? "resp" : "req"
		printf "%s %s:%s %s:%s %s %d %s %s %s %s\n", $1, src, $4, dst, $7, $8, num($9),
			who, kind, ($12 != "") ? $12 : "-", ($13 != "") ? $13 : "-"
	}'
