#!/bin/sh
# installfastpath on a kernel without ESP (this project's hosts): exec
# refuses at start with one clear line, before any tunnel, and leaves
# nothing behind.  Where the kernel has ESP the refusal cannot happen:
# SKIP (t/kernel/esp-ikeswarm.sh covers the working case inside UML).
#  fastpath_noesp_single   exec --single: exit 1, "this kernel has no ESP"
#  fastpath_noesp_procs    exec (supervisor, kernel process): the same
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip timeout
IKESWARM=${IKESWARM:-$(cd "$(dirname "$0")/../.." && pwd)/ikeswarm}
[ -x "$IKESWARM" ] || skip "no ikeswarm binary at $IKESWARM (make)"

ns_pair
T=$(iks_tmp)
if ip -n "$IKS_NS_CL" xfrm state add src 127.0.0.1 dst 127.0.0.1 proto esp spi 0x100 \
	mode transport aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 \
	128 2>/dev/null; then
	skip "this kernel has ESP (the refusal is for kernels without it)"
fi
cat > "$T/cl.yaml" <<EOC
role: client
numberoftunnels: 2
runningtime: 5s
startclntaddr: 10.98.0.1/16
peeraddr: $IKS_GW4
bindifname: $IKS_IF_CL
bindifaddr: $IKS_CL4/24
ikeconf:
  psk: noesp
  installfastpath: true
EOC

# noesp NAME ARGS...: exit 1 within 10 s, the reason on one stderr line,
# no tunnel address and no XFRM state or policy left.
noesp() {
	local name out rc lines addrs
	name=$1
	shift
	out=$(ip netns exec "$IKS_NS_CL" timeout 10 "$IKESWARM" exec -f "$T/cl.yaml" \
		--lf "$T/$name.log" "$@" 2>&1 >/dev/null)
	rc=$?
	lines=$(printf '%s\n' "$out" | grep -c .)
	addrs=$(ip -n "$IKS_NS_CL" addr show dev "$IKS_IF_CL" | grep -c 'inet 10\.98\.')
	if [ $rc -ne 1 ]; then
		fail "$name" "exit $rc (want 1): $out"
	elif [ "$lines" -ne 1 ]; then
		fail "$name" "$lines lines on stderr (want 1): $out"
	elif [ "$addrs" -ne 0 ]; then
		fail "$name" "$addrs tunnel addresses left on $IKS_IF_CL"
	elif ip -n "$IKS_NS_CL" xfrm state | grep -q . ||
		ip -n "$IKS_NS_CL" xfrm policy | grep -q .; then
		fail "$name" "XFRM state or policy left behind"
	else
		printf '%s\n' "$out" | grep -q "$WANT" && pass "$name" ||
			fail "$name" "stderr does not say '$WANT': $out"
	fi
}
WANT="this kernel has no ESP"
noesp fastpath_noesp_single --single
WANT="installfastpath: this kernel has no ESP"
noesp fastpath_noesp_procs
finish
