#!/bin/sh
# Run every Check test binary in $1; print one summary line and record it
# for t/summary.sh.  Exit non-zero when any test failed or a binary crashed.
dir=${1:?usage: run-unit.sh BUILD/t}
passed=0 failed=0 skipped=0 bad=""
for t in "$dir"/test_*; do
	[ -x "$t" ] || continue
	t0=$(date +%s)
	out=$(CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-60} "$t" 2>&1); rc=$?
	printf '%s\n' "$out"
	# The slow binaries, for CI's time budget.
	dt=$(($(date +%s) - t0)); [ $dt -lt 3 ] || echo "# $(basename "$t") took $dt s"
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks: ' | tail -n 1)
	if [ -z "$line" ]; then
		echo "run-unit: $(basename "$t") exited $rc without a Check summary" >&2
		failed=$((failed + 1)); bad="$bad $(basename "$t")"; continue
	fi
	n=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
	f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
	e=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
	# A Check test that cannot run here prints one 'SKIP name: why' line
	# and returns: Check counts it passed, we count it skipped.
	k=$(printf '%s\n' "$out" | grep -c '^SKIP')
	[ "$k" -le $((n - f - e)) ] || k=$((n - f - e))
	passed=$((passed + n - f - e - k)); failed=$((failed + f + e)); skipped=$((skipped + k))
	[ $((f + e)) -gt 0 ] || [ $rc -ne 0 ] && bad="$bad $(basename "$t")"
done
echo "unit: $passed passed, $failed failed, $skipped skipped"
mkdir -p "${RESULTS:-build/results}"
echo "$passed $failed $skipped" > "${RESULTS:-build/results}/unit-$(basename "$(dirname "$dir")")"
[ -z "$bad" ] || { echo "run-unit: failing:$bad" >&2; exit 1; }
