#!/bin/sh
# Run every end-to-end script t/netns/*.sh.  Each prints PASS, FAIL or
# SKIP lines ("PASS name", "FAIL name: why", "SKIP name: why") and exits
# 0 (pass/skip) or 1 (fail).  CI runs as root, so nothing may skip there.
cd "$(dirname "$0")/.." || exit 1
passed=0 failed=0 skipped=0
for s in t/netns/*.sh; do
	[ -f "$s" ] || continue
	case "$s" in */lib.sh) continue ;; esac
	t0=$(date +%s)
	out=$(sh "$s" 2>&1); rc=$?
	printf '%s\n' "$out"
	echo "# $s took $(($(date +%s) - t0)) s"
	p=$(printf '%s\n' "$out" | grep -c '^PASS ')
	f=$(printf '%s\n' "$out" | grep -c '^FAIL ')
	k=$(printf '%s\n' "$out" | grep -c '^SKIP ')
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "FAIL $s: exited $rc"; fi
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + k))
	if [ -n "$CI" ] && [ "$k" -gt 0 ]; then
		echo "FAIL $s: skipped under CI, which must be able to run it"
		failed=$((failed + 1))
	fi
done
echo "netns: $passed passed, $failed failed, $skipped skipped"
mkdir -p "${RESULTS:-build/results}"
echo "$passed $failed $skipped" > "${RESULTS:-build/results}/netns"
[ $failed -eq 0 ]
