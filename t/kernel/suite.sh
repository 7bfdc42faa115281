#!/bin/sh
# suite.sh — what t/kernel/run.sh runs inside one UML boot: the ESP probe
# (must say "ESP available" here), then every t/kernel/esp-*.sh in order.
# Each prints PASS/FAIL/SKIP lines; the suite exits 1 when any failed.
cd "$(dirname "$0")/../.." || exit 1
failed=0

probe=${PROBE_TEST:-}
if [ -z "$probe" ] || [ ! -x "$probe" ]; then
	echo "SKIP probe-esp-uml: no probe test binary '${probe}' (make check-kernel builds it)"
else
	t0=$(date +%s)
	out=$(IKESWARM_EXPECT_ESP=1 CK_DEFAULT_TIMEOUT=60 "$probe" 2>&1); rc=$?
	echo "# probe test took $(($(date +%s) - t0)) s"
	line=$(printf '%s\n' "$out" | grep '^probe: ' | head -n 1)
	if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q '^100%: Checks: '; then
		echo "PASS probe-esp-uml: ${line#probe: }"
	else
		printf '%s\n' "$out" | sed 's/^/  /'
		echo "FAIL probe-esp-uml: probe test exited $rc: ${line#probe: }"
		failed=1
	fi
	left=$(ip xfrm state | wc -l)
	[ "$left" -eq 0 ] || { echo "FAIL probe-esp-uml: $left lines of XFRM state left"; failed=1; }
fi

for s in t/kernel/esp-*.sh; do
	[ -f "$s" ] || continue
	t0=$(date +%s)
	sh "$s" || failed=1
	echo "# $s took $(($(date +%s) - t0)) s"
done
exit $failed
