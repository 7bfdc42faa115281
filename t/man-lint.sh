#!/bin/sh
# Every man page must lint clean with mandoc (warnings count).
cd "$(dirname "$0")/.." || exit 1
rc=0 n=0
for m in man/*.[0-9]; do
	n=$((n + 1))
	out=$(mandoc -T lint -W warning "$m" 2>&1)
	if [ -n "$out" ]; then printf '%s\n' "$out"; rc=1; fi
done
echo "man-lint: $((n - rc * 0)) pages checked"
mkdir -p "${RESULTS:-build/results}"
if [ $rc -eq 0 ]; then echo "$n 0 0"; else echo "0 1 0"; fi > "${RESULTS:-build/results}/man-lint"
exit $rc
