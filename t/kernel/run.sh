#!/bin/sh
# run.sh — `make check-kernel`: boot user-mode Linux once (t/kernel/uml.sh)
# and run t/kernel/suite.sh inside it: the ESP probe and the real-ESP
# tests.  Prints their PASS/FAIL/SKIP lines, then
# "kernel: N passed, N failed, N skipped", and records "N N N" in
# $RESULTS/kernel for t/summary.sh.  Under CI a SKIP counts as a failure:
# CI installs what UML needs (t/deps.sh), so it must run there.
# Environment: PROBE_TEST (the built t/unit/test_kernel_probe binary,
# default build/t/test_kernel_probe),
# IKESWARM (the built binary, for tests that run it), KERNEL_TIMEOUT
# (seconds for the whole suite inside UML, default 600: about 300 s on a
# loaded 2-core host).
cd "$(dirname "$0")/../.." || exit 1
PROBE_TEST=${PROBE_TEST:-build/t/test_kernel_probe}
PROBE_TEST=$(realpath "$PROBE_TEST" 2>/dev/null || echo "$PROBE_TEST")
export PROBE_TEST IKESWARM
export UML_ENV="PROBE_TEST IKESWARM CI VERBOSE"

start=$(date +%s)
# The probe on the host first: it must agree with iproute2 there (this
# project's hosts have no ESP, so it says why).
if [ ! -x "$PROBE_TEST" ]; then
	host="SKIP probe-host: no probe test binary '$PROBE_TEST' (make check-kernel builds it)"
elif pout=$(CK_DEFAULT_TIMEOUT=60 "$PROBE_TEST" 2>&1) &&
     printf '%s\n' "$pout" | grep -q '^100%: Checks: '; then
	pline=$(printf '%s\n' "$pout" | grep '^probe: ' | head -n 1)
	host="PASS probe-host: ${pline#probe: }"
else
	printf '%s\n' "$pout" | sed 's/^/  /'
	host="FAIL probe-host: the probe test failed on the host"
fi
out=$(sh t/kernel/uml.sh -t "${KERNEL_TIMEOUT:-600}" t/kernel/suite.sh 2>&1); rc=$?
out=$(printf '%s\n%s' "$host" "$out")
printf '%s\n' "$out"
p=$(printf '%s\n' "$out" | grep -c '^PASS ')
f=$(printf '%s\n' "$out" | grep -c '^FAIL ')
k=$(printf '%s\n' "$out" | grep -c '^SKIP ')
if [ $rc -ne 0 ] && [ $rc -ne 77 ] && [ "$f" -eq 0 ]; then
	f=1; echo "FAIL kernel-uml: uml.sh exited $rc"
fi
if [ -n "$CI" ] && [ "$CI" != false ] && [ "$k" -gt 0 ]; then
	echo "FAIL kernel-uml: skipped under CI, which must be able to run it"
	f=$((f + 1))
fi
echo "kernel: $p passed, $f failed, $k skipped ($(($(date +%s) - start)) s)"
mkdir -p "${RESULTS:-build/results}"
echo "$p $f $k" > "${RESULTS:-build/results}/kernel"
[ "$f" -eq 0 ]
