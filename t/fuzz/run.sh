#!/bin/sh
# Run the libFuzzer harnesses (t/fuzz/README.md).
#
#   run.sh time SECONDS BINDIR [HARNESS...]   each for SECONDS (make fuzz)
#   run.sh runs N BINDIR [HARNESS...]         each for N inputs (make fuzz-ci)
#
# Seeds: BINDIR/seeds/HARNESS (made by seedgen from t/data/golden and
# t/fuzz/regress) plus conf/examples for fuzz_conf.  `time` keeps a growing
# corpus in t/fuzz/corpus-HARNESS (git-ignored); `runs` starts from the
# seeds alone in a scratch dir, so CI results do not depend on past runs.
# One line per harness: NAME: execs=N cov=N ft=N crashes=N secs=N; the
# libFuzzer log is BINDIR/logs/NAME.log, crash inputs BINDIR/artifacts/.
# FUZZ_JOBS (default 1) harnesses run at once.  Exit 1 if any crashed.
mode=${1:?usage: run.sh time|runs N BINDIR [HARNESS...]}
n=${2:?}
bindir=${3:?}
shift 3
top=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -gt 0 ] || set -- $(cd "$bindir" && ls fuzz_* 2>/dev/null)
[ $# -gt 0 ] || { echo "run.sh: no harness in $bindir" >&2; exit 1; }
mkdir -p "$bindir/logs" "$bindir/artifacts"
rm -rf "$bindir/seeds"
"$bindir/seedgen" "$top/t/data/golden" "$top/t/fuzz/regress" "$bindir/seeds" || exit 1
mkdir -p "$bindir/seeds/fuzz_conf"
cp "$top"/conf/examples/*.yaml "$bindir/seeds/fuzz_conf/" 2>/dev/null

one() {
	h=$1
	seeds="$bindir/seeds/$h"
	mkdir -p "$seeds"
	if [ "$mode" = time ]; then
		corpus="$top/t/fuzz/corpus-$h"
		limit="-max_total_time=$n"
	else
		corpus="$bindir/ci-corpus-$h"
		rm -rf "$corpus"
		# RUNS_<harness> overrides N (fuzz_conf is ~50x slower per input)
		runs=$(eval echo "\${RUNS_$h:-$n}")
		limit="-runs=$runs -seed=1"
	fi
	mkdir -p "$corpus"
	start=$(date +%s)
	"$bindir/$h" $limit -max_len=4096 -print_final_stats=1 -artifact_prefix="$bindir/artifacts/$h-" \
	    "$corpus" "$seeds" >"$bindir/logs/$h.log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	log="$bindir/logs/$h.log"
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	last=$(grep -E '^#[0-9]+' "$log" | grep 'cov:' | tail -n 1)
	cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
	crashes=$(grep -c 'Test unit written to' "$log")
	[ $rc -eq 0 ] || [ "$crashes" -gt 0 ] || crashes="1 (exit $rc, no artifact)"
	echo "$h: execs=${execs:-?} cov=${cov:-?} ft=${ft:-?} crashes=$crashes secs=$secs"
	[ $rc -eq 0 ]
}

jobs=${FUZZ_JOBS:-1}
failed=0
rm -f "$bindir"/logs/*.line
while [ $# -gt 0 ]; do
	pids=""
	i=0
	while [ $# -gt 0 ] && [ $i -lt "$jobs" ]; do
		one "$1" >"$bindir/logs/$1.line" &
		pids="$pids $!"
		shift
		i=$((i + 1))
	done
	for p in $pids; do wait "$p" || failed=1; done
done
cat "$bindir"/logs/*.line
# for t/summary.sh, like the other runners: passed failed skipped
if [ -n "$RESULTS" ]; then
	mkdir -p "$RESULTS"
	bad=$(grep -c -v 'crashes=0 ' "$bindir"/logs/*.line | awk -F: '{s += $NF} END {print s + 0}')
	all=$(cat "$bindir"/logs/*.line | wc -l)
	echo "$((all - bad)) $bad 0" >"$RESULTS/fuzz-$mode"
fi
[ $failed -eq 0 ] || { echo "fuzz: crashes (inputs in $bindir/artifacts/)" >&2; exit 1; }
