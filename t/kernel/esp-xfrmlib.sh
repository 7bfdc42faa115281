#!/bin/sh
# esp-xfrmlib.sh — run inside UML (t/kernel/suite.sh): the fastpath
# library (kernel/fastpath.h) with real ESP.  The driver is the Check test
# t/unit/test_kernel_xfrm_esp.c, built on the host (make check-kernel) and
# run here: per algorithm (AES-CBC/HMAC-SHA-256, AES-GCM-16 in UDP,
# ChaCha20-Poly1305, AES-GCM-12 over IPv6) it installs a CHILD SA between two namespaces, pings
# through, rekeys and migrates during a ping, deletes, and checks that no
# state, policy, table 330 route or rule is left; xfrmlib-moves: every
# move XFRM_MSG_MIGRATE cannot express (encap added / ports only / encap
# dropped on the same addresses, IPv4 <-> IPv6 outer) during one ping,
# sequence numbers carried (the delete + re-add of kernel/fastpath.h).
# Then t/unit/test_kernel_xfrm.c (policies, routes, flush, and a batched
# install of ESN and ESP-in-UDP states, which here must succeed).
# Binaries: XFRMLIB_TEST, else test_kernel_xfrm_esp next to PROBE_TEST;
# test_kernel_xfrm next to that.
# Prints PASS/FAIL lines; exits 1 on a failure.

[ "$(id -u)" = 0 ] || { echo "SKIP esp-xfrmlib: needs root"; exit 0; }
. "$(dirname "$0")/lib.sh"
bin=${XFRMLIB_TEST:-}
[ -z "$bin" ] && [ -n "$PROBE_TEST" ] && bin=$(dirname "$PROBE_TEST")/test_kernel_xfrm_esp
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
	echo "FAIL esp-xfrmlib: no driver binary '$bin' (make check-kernel builds it)"
	exit 1
fi

out=$(IKESWARM_EXPECT_ESP=1 CK_DEFAULT_TIMEOUT=120 "$bin" 2>&1); rc=$?
failed=0
for name in xfrmlib-cbc-sha256 xfrmlib-gcm16-udpencap xfrmlib-chacha20-newreqid \
		xfrmlib-gcm12-ipv6 xfrmlib-gcm16-udpencap-ipv6 xfrmlib-moves; do
	if printf '%s\n' "$out" | grep -q "^PASS-DETAIL $name:"; then
		echo "PASS esp-$name ($(printf '%s\n' "$out" | grep "^PASS-DETAIL $name:" |
			sed 's/.*(\(lost [^)]*\)).*/\1/'))"
	else
		why=$(printf '%s\n' "$out" | grep -E ':[EF]:' | head -n 3 | tr '\n' ' ')
		echo "FAIL esp-$name: ${why:-driver exited $rc}"
		failed=1
	fi
done
if [ $failed = 1 ] || [ -n "$VERBOSE" ]; then
	printf '%s\n' "$out" | sed 's/^/  /'
fi
unit=$(dirname "$bin")/test_kernel_xfrm
if [ -x "$unit" ]; then
	if kt_check_run "$unit" &&
			printf '%s\n' "$kout" | grep -q '^install: esp 1, errors 0 -22 0'; then
		echo "PASS esp-xfrmlib-unit: $(printf '%s\n' "$kout" | grep '^100%')"
	else
		printf '%s\n' "$kout" | sed 's/^/  /'
		echo "FAIL esp-xfrmlib-unit: test_kernel_xfrm exited $krc"
		failed=1
	fi
else
	echo "FAIL esp-xfrmlib-unit: no binary '$unit'"
	failed=1
fi
# the driver's namespaces are gone, and nothing leaked into the root netns
for ns in xfrmlib-cl xfrmlib-gw; do
	[ -e "/run/netns/$ns" ] && { echo "FAIL esp-xfrmlib: namespace $ns left"; failed=1; }
done
[ "$(ip xfrm state | wc -l)" -eq 0 ] || { echo "FAIL esp-xfrmlib: XFRM state in the root netns"; failed=1; }
[ $rc -eq 0 ] || [ $failed = 1 ] || { echo "FAIL esp-xfrmlib: driver exited $rc"; failed=1; }
exit $failed
