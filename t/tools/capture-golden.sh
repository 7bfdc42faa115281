#!/bin/sh
# capture-golden.sh [OUTDIR [CASE...]]: regenerate the golden IKEv2
# messages of t/data/golden from a real strongSwan exchange.
#
# Two charons (initiator in the "cl" namespace, responder in "gw", PSK,
# kernel-libipsec) run each case; tcpdump captures the veth; the
# initiator's charon log (ike = 4, chd = 4) gives every key.  Per case,
# OUTDIR/CASE/ gets: capture.pcap, NN-*.hex + messages.txt
# (t/tools/pcap-ike-hex.sh), keys.txt (`name = hex`), keylog.txt (KEYLOG,
# one line per IKE SA), sas.txt (swanctl --list-sas --raw after each step),
# check.txt (tshark-ike-check result).  Cases: see the table below.
# Needs root, strongSwan, tcpdump, tshark, openssl.  Default OUTDIR:
# t/data/golden.  The run is not deterministic (fresh nonces and DH keys):
# regenerating replaces every file of the case.
cd "$(dirname "$0")/../.." || exit 1
IKS_TEST=capture-golden
. t/netns/lib.sh
TOOLS=$(pwd)/t/tools

# name | IKE proposals | ESP proposals | mobike | ids (fqdn|addr) | outer IP (4|6)
CASES="aes128-sha256-modp2048|aes128-sha256-modp2048|aes128-sha256|no|fqdn|4
aes256gcm16-prfsha256-x25519|aes256gcm16-prfsha256-x25519|aes256gcm16|no|addr|4
aes128-sha256-modp2048-mobike|aes128-sha256-modp2048|aes128-sha256|yes|fqdn|4
aes128gcm16-prfsha384-ecp256-pfs-ipv6|aes128gcm16-prfsha384-ecp256|aes128gcm16-ecp256|no|addr|6"

out=${1:-t/data/golden}
[ $# -gt 0 ] && shift
mkdir -p "$out" && out=$(cd "$out" && pwd) || exit 1

need_root
need_swan
need_cmd tcpdump tshark openssl awk

# sas NS DIR LABEL OUTFILE: append the raw SA list, labelled.
sas() {
	echo "## $3" >>"$4"
	swan_ctl "$1" "$2" --list-sas --raw >>"$4" 2>&1
}

# raw_field KEY FILE [NTH]: value of KEY=... in the NTH (default last)
# IKE SA line of a list-sas --raw dump.
raw_field() {
	grep -o "[ {]$1=[^ ]*" "$2" | sed 's/^.[^=]*=//' | tail -n 1
}

# key NAME FILE: the hex of `NAME = hex` in FILE.
key() { sed -n "s/^$1 = //p" "$2" | head -n 1; }

# keylog_line SPII SPIR PFX KEYS ENCR INTEG
keylog_line() {
	printf '%s,%s,%s,%s,"%s",%s,%s,"%s"\n' "$1" "$2" \
		"$(key "${3}sk_ei" "$4")" "$(key "${3}sk_er" "$4")" "$5" \
		"$(key "${3}sk_ai" "$4")" "$(key "${3}sk_ar" "$4")" "$6"
}

# hmac DIGEST KEYHEX DATAHEX: lowercase hex of HMAC-DIGEST (sha1, sha256...).
hmac() {
	printf '%s' "$3" | perl -pe 's/([0-9a-f]{2})/chr hex $1/ge' |
		openssl dgst "-$1" -mac HMAC -macopt "hexkey:$2" -r | cut -d' ' -f1
}

run_case() {
	local name prop esp mob ids fam gwa cla dir t gw cl lid rid spi_i spi_r n
	name=$1 prop=$2 esp=$3 mob=$4 ids=$5 fam=$6
	gwa=$IKS_GW4 cla=$IKS_CL4
	[ "$fam" = 6 ] && gwa=$IKS_GW6 cla=$IKS_CL6
	dir=$out/$name
	rm -rf "$dir"
	mkdir -p "$dir"
	ns_pair
	t=$(iks_tmp)
	gw=$t/gw cl=$t/cl
	mkdir -p "$gw" "$cl"
	# kernel-libipsec needs a local address inside each local_ts
	ip -n "$IKS_NS_GW" addr add 10.1.0.1/32 dev lo
	ip -n "$IKS_NS_CL" addr add 10.2.0.1/32 dev lo
	if [ "$mob" = yes ]; then
		# a second gw address for N(ADDITIONAL_IP4_ADDRESS), a second
		# client address to roam to (promoted when 10.99.0.2 goes)
		ip -n "$IKS_NS_GW" addr add 10.99.0.11/24 dev "$IKS_IF_GW"
		ip -n "$IKS_NS_CL" addr add 10.99.0.12/24 dev "$IKS_IF_CL"
	fi
	lid="" rid=""
	if [ "$ids" = fqdn ]; then
		lid=local_id=client.ikeswarm.test rid=remote_id=gw.ikeswarm.test
	fi
	swan_conf "$gw" local_addrs="$gwa" remote_addrs=%any proposals="$prop" \
		esp_proposals="$esp" mobike="$mob" local_ts=10.1.0.0/24 remote_ts=10.2.0.0/24 \
		${lid:+local_id=gw.ikeswarm.test} ${rid:+remote_id=client.ikeswarm.test}
	swan_conf "$cl" local_addrs="$cla" remote_addrs="$gwa" proposals="$prop" \
		esp_proposals="$esp" mobike="$mob" local_ts=10.2.0.0/24 remote_ts=10.1.0.0/24 \
		$lid $rid conn_dpd_delay=2s
	capture_start "$IKS_NS_GW" "$IKS_IF_GW" "$t/capture.pcap" || return 1
	swan_start "$IKS_NS_GW" "$gw" || return 1
	swan_start "$IKS_NS_CL" "$cl" || return 1
	swan_ctl "$IKS_NS_CL" "$cl" --initiate --child net >"$t/initiate.out" 2>&1 ||
		{ iks_log "$name: initiate failed"; tail -n 5 "$t/initiate.out" >&2; return 1; }
	swan_wait "$IKS_NS_GW" "$gw" 'state=INSTALLED' 5 || { iks_log "$name: no CHILD SA"; return 1; }
	sas "$IKS_NS_CL" "$cl" "initiator after IKE_AUTH" "$dir/sas.txt"
	spi_i=$(raw_field initiator-spi "$dir/sas.txt")
	spi_r=$(raw_field responder-spi "$dir/sas.txt")
	ip netns exec "$IKS_NS_CL" ping -q -c 2 -i 0.2 -I 10.2.0.1 10.1.0.1 >/dev/null ||
		iks_log "$name: ping through the tunnel failed"
	if [ "$mob" = yes ]; then
		# roam: the initiator loses its address and sends UPDATE_SA_ADDRESSES
		ip -n "$IKS_NS_CL" addr del "$IKS_CL4/24" dev "$IKS_IF_CL"
		swan_wait "$IKS_NS_GW" "$gw" 'remote-host=10\.99\.0\.12 ' 30 ||
			{ iks_log "$name: MOBIKE roam not seen"; return 1; }
		sleep 1
		sas "$IKS_NS_CL" "$cl" "initiator after the MOBIKE roam" "$dir/sas.txt"
		ip netns exec "$IKS_NS_CL" ping -q -c 2 -i 0.2 -I 10.2.0.1 10.1.0.1 >/dev/null ||
			iks_log "$name: ping after the roam failed"
	fi
	sleep 4.5        # a DPD (empty INFORMATIONAL) from the initiator (dpd_delay 2s)
	swan_ctl "$IKS_NS_CL" "$cl" --rekey --child net >/dev/null 2>&1
	sleep 1
	sas "$IKS_NS_CL" "$cl" "initiator after CHILD rekey" "$dir/sas.txt"
	swan_ctl "$IKS_NS_CL" "$cl" --rekey --ike iks >/dev/null 2>&1
	sleep 1
	sas "$IKS_NS_CL" "$cl" "initiator after IKE rekey" "$dir/sas.txt"
	swan_ctl "$IKS_NS_CL" "$cl" --terminate --ike iks >/dev/null 2>&1
	sleep 1
	capture_stop
	swan_stop "$IKS_NS_CL" "$cl"
	swan_stop "$IKS_NS_GW" "$gw"
	cp "$t/capture.pcap" "$dir/capture.pcap"
	build_keys "$dir" "$cl/charon.log" "$spi_i" "$spi_r" "$prop" "$esp" || return 1
	cp "$cl/charon.log" "$dir/initiator.log"
	cp "$gw/charon.log" "$dir/responder.log"
	sh "$TOOLS/pcap-ike-hex.sh" "$dir/capture.pcap" "$dir" || return 1
	sh "$TOOLS/tshark-ike-check.sh" "$dir/capture.pcap" "$dir/keylog.txt" \
		>"$dir/check.txt" 2>&1
	n=$?
	cat "$dir/check.txt" >&2
	ns_cleanup
	[ $n -eq 0 ]
}

# build_keys DIR LOG SPII SPIR PROP ESP: keys.txt and keylog.txt.
build_keys() {
	local dir log spi_i spi_r prop esp raw encr integ spi2_i spi2_r nonces k f md
	dir=$1 log=$2 spi_i=$3 spi_r=$4 prop=$5 esp=$6
	raw=$dir/sas.txt
	awk -f "$TOOLS/swan-keys.awk" "$log" >"$dir/keys.raw" || return 1
	encr=$(swan_encr_name "$(raw_field encr-alg "$raw")" "$(raw_field encr-keysize "$raw")")
	integ=$(swan_integ_name "$(grep -o ' integ-alg=[^ ]*' "$raw" | head -n 1 | cut -d= -f2)")
	case $(raw_field encr-alg "$raw") in AES_GCM*) integ="NONE [RFC4306]" ;; esac
	# the IKE SA that replaced the first one (IKE rekey)
	spi2_i=$(sed -n '/^## initiator after IKE rekey/,$p' "$raw" | grep -o 'initiator-spi=[^ ]*' |
		cut -d= -f2 | grep -v "^$spi_i$" | head -n 1)
	spi2_r=$(sed -n '/^## initiator after IKE rekey/,$p' "$raw" | grep -o 'responder-spi=[^ ]*' |
		cut -d= -f2 | grep -v "^$spi_r$" | head -n 1)
	# nonces: IKE_SA_INIT in clear; the IKE rekey's from the decrypted
	# CREATE_CHILD_SA whose SA payload proposes protocol IKE (1)
	keylog_line "$spi_i" "$spi_r" "" "$dir/keys.raw" "$encr" "$integ" >"$dir/keylog.txt"
	[ -n "$spi2_i" ] &&
		keylog_line "$spi2_i" "$spi2_r" ike2_ "$dir/keys.raw" "$encr" "$integ" >>"$dir/keylog.txt"
	set --
	while IFS= read -r k; do set -- "$@" -o "uat:ikev2_decryption_table:$k"; done <"$dir/keylog.txt"
	nonces=$(HOME=/nonexistent tshark -n -r "$dir/capture.pcap" "$@" -Y 'isakmp.nonce' \
		-T fields -E separator=/t -e isakmp.exchangetype -e isakmp.flag_r \
		-e isakmp.prop.protoid -e isakmp.nonce 2>/dev/null)
	{
		echo "# Golden keys: initiator's charon log (strongswan-charon" \
			"$(dpkg-query -W -f '${Version}' strongswan-charon 2>/dev/null), ike = 4, chd = 4)."
		echo "# IKE proposal $prop, ESP proposal $esp.  Names: t/data/golden/README.md."
		echo "spi_i = $spi_i"
		echo "spi_r = $spi_r"
		echo "ni = $(printf '%s\n' "$nonces" | awk -F '\t' '$1 == 34 && ($2 == "0" || $2 == "False") {print $4; exit}')"
		echo "nr = $(printf '%s\n' "$nonces" | awk -F '\t' '$1 == 34 && ($2 == "1" || $2 == "True") {print $4; exit}')"
		grep -v -E '^(ike2_|idx_|auth_)' "$dir/keys.raw"
		sed -n 's/^idx_1 = /idi_body = /p; s/^idx_2 = /idr_body = /p' "$dir/keys.raw"
		sed -n 's/^auth_1 = /auth_i = /p; s/^auth_2 = /auth_r = /p' "$dir/keys.raw"
		if [ -n "$spi2_i" ]; then
			echo "ike2_spi_i = $spi2_i"
			echo "ike2_spi_r = $spi2_r"
			echo "ike2_ni = $(printf '%s\n' "$nonces" |
				awk -F '\t' '$1 == 36 && ($2 == "0" || $2 == "False") && $3 ~ /(^|,)1(,|$)/ {print $4; exit}')"
			echo "ike2_nr = $(printf '%s\n' "$nonces" |
				awk -F '\t' '$1 == 36 && ($2 == "1" || $2 == "True") && $3 ~ /(^|,)1(,|$)/ {print $4; exit}')"
			grep '^ike2_' "$dir/keys.raw"
		fi
	} | sed 's/ = $/ = MISSING/' >"$dir/keys.txt"
	rm -f "$dir/keys.raw"
	# self-check: SKEYSEED = prf(Ni | Nr, g^ir)
	case $(raw_field prf-alg "$raw") in
	PRF_HMAC_SHA1) md=sha1 ;; PRF_HMAC_SHA2_256) md=sha256 ;;
	PRF_HMAC_SHA2_384) md=sha384 ;; PRF_HMAC_SHA2_512) md=sha512 ;;
	*) iks_log "no self-check for $(raw_field prf-alg "$raw")"; return 1 ;;
	esac
	k=$(hmac "$md" "$(key ni "$dir/keys.txt")$(key nr "$dir/keys.txt")" "$(key g_ir "$dir/keys.txt")")
	f=$dir/keys.txt
	if [ "$k" != "$(key skeyseed "$f")" ]; then
		iks_log "$(basename "$dir"): SKEYSEED does not match prf(Ni|Nr, g^ir)"
		return 1
	fi
	# the CHILD SA of IKE_AUTH (never PFS): prf+ seed = Ni | Nr
	if [ "$(key child1_seed "$f")" != "$(key ni "$f")$(key nr "$f")" ]; then
		iks_log "$(basename "$dir"): child1_seed is not Ni | Nr"
		return 1
	fi
	# rekeyed IKE SA (RFC 7296 2.18): SKEYSEED = prf(SK_d(old), g^ir | Ni | Nr)
	if [ -n "$spi2_i" ]; then
		k=$(hmac "$md" "$(key sk_d "$f")" \
			"$(key ike2_g_ir "$f")$(key ike2_ni "$f")$(key ike2_nr "$f")")
		if [ "$k" != "$(key ike2_skeyseed "$f")" ]; then
			iks_log "$(basename "$dir"): ike2_skeyseed is not prf(SK_d, g^ir | Ni | Nr)"
			return 1
		fi
	fi
	! grep -q MISSING "$dir/keys.txt" || { iks_log "$(basename "$dir"): missing keys"; return 1; }
}

printf '%s\n' "$CASES" | {
rc=0
while IFS='|' read -r name prop esp mob ids fam; do
	if [ $# -gt 0 ]; then
		case " $* " in *" $name "*) ;; *) continue ;; esac
	fi
	if ( run_case "$name" "$prop" "$esp" "$mob" "$ids" "$fam" ); then
		pass "golden $name"
	else
		fail "golden $name" "see the lines above"
		rc=1
	fi
done
exit $rc
}
