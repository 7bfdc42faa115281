#!/bin/sh
# tshark-ike-check.sh PCAP KEYLOG: let tshark (Wireshark's dissector, an
# independent judge) decode every IKE message of PCAP with the IKE SA keys
# of KEYLOG, and say whether all is well.
#
# KEYLOG: Wireshark's ikev2_decryption_table format, one line per IKE SA
# (see t/tools/README.md):  SPIi,SPIr,SK_ei,SK_er,"encr",SK_ai,SK_ar,"integ"
# Empty lines and lines starting with # are ignored.  KEYLOG may be
# /dev/null (or empty) for a capture without encrypted messages.
#
# Prints one line:  ike=N encrypted=E decrypted=D malformed=M badicv=B
#   N  frames with an IKE message (UDP 500, or 4500 with the non-ESP marker)
#   E  of those, messages with an SK payload
#   D  of those, decrypted with an integrity check that passed
#   M  frames (any protocol) tshark calls malformed
#   B  messages whose integrity checksum tshark found wrong
# and one line per problem frame on stderr.  Exit 0 only when N > 0,
# D = E, M = 0 and B = 0; 2 on a usage error or when tshark fails.
pcap=$1
keylog=$2
if [ $# -ne 2 ] || [ ! -r "$pcap" ] || [ ! -r "$keylog" ]; then
	echo "usage: tshark-ike-check.sh PCAP KEYLOG (both readable)" >&2
	exit 2
fi
command -v tshark >/dev/null 2>&1 || { echo "tshark-ike-check: tshark missing" >&2; exit 2; }

# The names tshark 4.0 accepts; a line with another name (ChaCha20) would
# make tshark refuse to start, so it is left out with a warning and its
# messages count as not decrypted.
known_name() {
	case $1 in
	'NONE [RFC4306]' | '3DES [RFC2451]' | 'AES-CBC-'*' [RFC3602]' | \
	'AES-CTR-'*' [RFC5930]' | 'AES-GCM-'*' octet ICV [RFC5282]' | \
	'AES-CCM-'*' octet ICV [RFC5282]' | 'HMAC_SHA2_'*' [RFC4868]' | \
	'HMAC_SHA1_96 [RFC2404]' | 'HMAC_MD5_96 [RFC2403]') return 0 ;;
	esac
	return 1
}

# One -o per IKE SA; set -- rebuilds the argument list without eval.
set --
n=0
while IFS= read -r line || [ -n "$line" ]; do
	n=$((n + 1))
	case $line in '' | '#'*) continue ;; esac
	encr=$(printf '%s\n' "$line" | cut -d'"' -f2)
	integ=$(printf '%s\n' "$line" | cut -d'"' -f4)
	if ! known_name "$encr" || ! known_name "$integ"; then
		echo "keylog line $n: tshark cannot use \"$encr\"/\"$integ\"; skipped" >&2
		continue
	fi
	set -- "$@" -o "uat:ikev2_decryption_table:$line"
done <"$keylog"

tmp=$(mktemp) || exit 2
trap 'rm -f "$tmp"' EXIT
# A private, empty config dir: the user's own profile must not add keys.
if ! HOME=/nonexistent XDG_CONFIG_HOME=/nonexistent tshark -n -r "$pcap" "$@" \
	-Y 'isakmp or _ws.malformed' -T fields -E separator=/t -E occurrence=f \
	-e frame.number -e isakmp.exchangetype -e isakmp.messageid \
	-e isakmp.enc.data -e isakmp.enc.decrypted \
	-e isakmp.ikev2.integrity_checksum -e _ws.malformed \
	>"$tmp" 2>"$tmp.err"; then
	echo "tshark-ike-check: tshark failed: $(grep -v 'Running as user' "$tmp.err" | tail -n 3)" >&2
	rm -f "$tmp.err"
	exit 2
fi
rm -f "$tmp.err"

awk -F '\t' '
	{
		frame = $1; isike = ($2 != ""); enc = ($4 != ""); dec = ($5 != "")
		badicv = ($6 != ""); bad = ($7 != "")
		what = "frame " frame " exch " $2 " mid " $3
		if (isike) n++
		if (bad) { m++; print "malformed: " what > "/dev/stderr" }
		if (!isike) next
		if (badicv) { b++; print "integrity checksum wrong: " what > "/dev/stderr" }
		if (enc) {
			e++
			if (dec && !badicv) d++
			else if (!dec) print "not decrypted: " what > "/dev/stderr"
		}
	}
	END {
		printf "ike=%d encrypted=%d decrypted=%d malformed=%d badicv=%d\n", n, e, d, m, b
		exit !(n > 0 && d == e && m == 0 && b == 0)
	}' "$tmp"
