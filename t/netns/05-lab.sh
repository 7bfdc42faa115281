#!/bin/sh
# ikeswarm lab (the README's first command), run as a user would:
#  lab_run             -n 20 -t 10: exit 0, both results pass with 20
#                      tunnels, and its namespaces and setup folder are gone
#  lab_mobike          in that run every client tunnel moved (MOBIKE
#                      own-only every 5 s) and no update failed, both sides
#  lab_sigint          SIGINT once every tunnel is up: exit 130 soon after,
#                      both sides stopped by SIGTERM with a result
#  lab_sigint_results  ... both results still pass (every tunnel was up)
#  lab_sigint_cleanup  ... nothing left behind
#  lab_keep_going      --keep-going runs until SIGINT, which then ends the
#                      lab normally: exit 0 with both results passing
#  lab_sigterm_early   SIGTERM while the namespaces are being made or the
#                      gateway starts: nothing left behind
#  lab_killed_reaped   a lab killed with SIGKILL cannot clean up; its
#                      children stop (PDEATHSIG) and the next lab removes
#                      the namespaces and folder it left
#  lab_not_root        as an unprivileged user: exit 2 and a clear message
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip timeout
IKESWARM=${IKESWARM:-$(cd "$(dirname "$0")/../.." && pwd)/ikeswarm}
[ -x "$IKESWARM" ] || skip "no ikeswarm binary at $IKESWARM (make)"
T=$(iks_tmp)
# The labs write their setup folders here (ikeswarm-lab-PID.XXXXXX).
TMPDIR=$T
export TMPDIR

# Namespaces of labs this test started, deleted at exit if a lab failed to.
LABS=""
lab_trap_cleanup() {
	local p
	for p in $LABS; do
		kill -KILL "$p" 2>/dev/null
		for ns in "iks-lab-gw-$p" "iks-lab-cl-$p"; do
			if [ -e "/run/netns/$ns" ]; then
				iks_kill_ns "$ns"
				ip netns del "$ns" 2>/dev/null
			fi
		done
	done
	ns_cleanup
}
trap lab_trap_cleanup EXIT

# left PID: what the lab with that pid left behind (namespaces, folders,
# processes still running one of its setups); empty when nothing.
left() {
	local p what
	p=$1 what=""
	[ -e "/run/netns/iks-lab-gw-$p" ] && what="$what namespace iks-lab-gw-$p"
	[ -e "/run/netns/iks-lab-cl-$p" ] && what="$what namespace iks-lab-cl-$p"
	for d in "$T"/ikeswarm-lab-"$p".*; do
		[ -e "$d" ] && what="$what folder $d"
	done
	if pgrep -f "ikeswarm-lab-$p\\..*yaml" >/dev/null 2>&1; then
		what="$what processes: $(pgrep -f "ikeswarm-lab-$p\\..*yaml" | tr '\n' ' ')"
	fi
	echo "$what"
}

# wait_gone PID SECONDS: wait for a background lab to end; its exit status
# in RC (or 124 when it did not end in time: then it is killed).
wait_gone() {
	local p n
	p=$1 n=0
	while kill -0 "$p" 2>/dev/null && [ $n -lt $(($2 * 10)) ]; do
		# A finished child stays a zombie until `wait`: look at its state.
		[ "$(ps -o stat= -p "$p" 2>/dev/null | cut -c1)" = Z ] && break
		sleep 0.1
		n=$((n + 1))
	done
	if [ $n -ge $(($2 * 10)) ]; then
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
		RC=124
		return
	fi
	wait "$p"
	RC=$?
}

# wait_for FILE REGEX SECONDS: until FILE has a line matching REGEX.
wait_for() {
	local n
	n=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		[ $n -lt $(($3 * 10)) ] || return 1
		sleep 0.1
		n=$((n + 1))
	done
}

# ---- lab_run ----------------------------------------------------------------
"$IKESWARM" lab -n 20 -t 10 >"$T/run.out" 2>&1 &
pid=$!
LABS="$LABS $pid"
wait_gone "$pid" 60
why=""
[ "$RC" = 0 ] || why="exit $RC;"
grep -q '^client   pass  [0-9]* of 20 tunnels created' "$T/run.out" || why="$why no client pass;"
grep -q '^gateway  pass  [0-9]* of 20 tunnels created' "$T/run.out" || why="$why no gateway pass;"
grep -q '^lab: PASS' "$T/run.out" || why="$why no PASS line;"
grep -q '^\[lab\] .*client 20/20 up' "$T/run.out" || why="$why no progress line;"
[ -z "$why" ] && pass lab_run || fail lab_run "$why $(tail -n 4 "$T/run.out" | tr '\n' '|')"
l=$(left "$pid")
[ -z "$l" ] && pass lab_run_cleanup || fail lab_run_cleanup "left:$l"
# "..., MOBIKE updates N ok M failed" on each side's result line.
# (A "pass" says every configured tunnel was created; a gateway may count
# more when a client retried.)
why=""
for side in client gateway; do
	ok=$(grep "^$side " "$T/run.out" | sed -n 's/.*MOBIKE updates \([0-9]*\) ok \([0-9]*\) failed.*/\1 \2/p')
	set -- $ok
	if [ -z "$ok" ] || [ "$1" -lt 20 ] || [ "$2" != 0 ]; then
		why="$why $side: '${ok:-no MOBIKE counts}' (want >= 20 ok, 0 failed);"
	fi
done
[ -z "$why" ] && pass lab_mobike || fail lab_mobike "$why"

# ---- lab_sigint -------------------------------------------------------------
"$IKESWARM" lab -n 20 -t 120 >"$T/int.out" 2>&1 &
pid=$!
LABS="$LABS $pid"
if wait_for "$T/int.out" 'all 20 tunnels are up' 20; then
	kill -INT "$pid"
	wait_gone "$pid" 40
	why=""
	[ "$RC" = 130 ] || why="exit $RC (want 130);"
	# Both stopped on SIGTERM (none killed) and printed a result ...
	grep -q '^client   [a-z]*  [0-9]* of 20' "$T/int.out" || why="$why no client result;"
	grep -q '^gateway  [a-z]*  [0-9]* of 20' "$T/int.out" || why="$why no gateway result;"
	grep -q 'killing' "$T/int.out" && why="$why a side had to be killed;"
	[ -z "$why" ] && pass lab_sigint || fail lab_sigint "$why $(tail -n 3 "$T/int.out" | tr '\n' '|')"
	# ... that still counts every tunnel that was up.
	if grep -q '^client   pass  [0-9]* of 20' "$T/int.out" &&
		grep -q '^gateway  pass  [0-9]* of 20' "$T/int.out"; then
		pass lab_sigint_results
	else
		fail lab_sigint_results "$(grep -E '^(client|gateway) ' "$T/int.out" | tr '\n' '|')"
	fi
else
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	fail lab_sigint "tunnels not all up within 20 s: $(tail -n 3 "$T/int.out" | tr '\n' '|')"
fi
l=$(left "$pid")
[ -z "$l" ] && pass lab_sigint_cleanup || fail lab_sigint_cleanup "left:$l"

# ---- lab_keep_going ---------------------------------------------------------
"$IKESWARM" lab -n 10 --keep-going >"$T/keep.out" 2>&1 &
pid=$!
LABS="$LABS $pid"
if wait_for "$T/keep.out" 'all 10 tunnels are up' 20; then
	sleep 1
	kill -INT "$pid"
	wait_gone "$pid" 40
	l=$(left "$pid")
	if [ "$RC" = 0 ] && [ -z "$l" ] && grep -q '^client   pass  [0-9]* of 10' "$T/keep.out" &&
		grep -q '^gateway  pass  [0-9]* of 10' "$T/keep.out"; then
		pass lab_keep_going
	else
		fail lab_keep_going "exit $RC, left:$l; $(tail -n 4 "$T/keep.out" | tr '\n' '|')"
	fi
else
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	fail lab_keep_going "tunnels not all up within 20 s: $(tail -n 3 "$T/keep.out" | tr '\n' '|')"
fi

# ---- lab_sigterm_early ------------------------------------------------------
"$IKESWARM" lab -n 20 -t 120 >"$T/early.out" 2>&1 &
pid=$!
LABS="$LABS $pid"
if wait_for "$T/early.out" 'gateway: namespace' 10; then
	kill -TERM "$pid"
	wait_gone "$pid" 40
	l=$(left "$pid")
	if [ "$RC" = 130 ] && [ -z "$l" ]; then
		pass lab_sigterm_early
	else
		fail lab_sigterm_early "exit $RC, left:$l; $(tail -n 2 "$T/early.out" | tr '\n' '|')"
	fi
else
	fail lab_sigterm_early "the lab did not start: $(tail -n 2 "$T/early.out" | tr '\n' '|')"
fi

# ---- lab_killed_reaped ------------------------------------------------------
"$IKESWARM" lab -n 20 -t 120 >"$T/kill.out" 2>&1 &
pid=$!
LABS="$LABS $pid"
if wait_for "$T/kill.out" 'all 20 tunnels are up' 20; then
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	# The children got SIGTERM (PR_SET_PDEATHSIG) and stop by themselves.
	n=0
	while pgrep -f "ikeswarm-lab-$pid\\..*yaml" >/dev/null 2>&1 && [ $n -lt 200 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	before=$(left "$pid")
	"$IKESWARM" lab -n 2 -t 1 >"$T/next.out" 2>&1 &
	next=$!
	LABS="$LABS $next"
	wait_gone "$next" 30
	rc=$RC
	after=$(left "$pid")
	case $before in
	*"namespace iks-lab-gw-$pid"*"folder"*) ok=1 ;;
	*) ok=0 ;;
	esac
	if [ $ok = 1 ] && [ -z "$after" ] && [ -z "$(left "$next")" ] && [ $rc = 0 ] &&
		grep -q "removed namespace iks-lab-gw-$pid" "$T/next.out"; then
		pass lab_killed_reaped
	else
		fail lab_killed_reaped "before:$before; after:$after; next lab exit $rc"
	fi
else
	fail lab_killed_reaped "tunnels not all up within 20 s"
fi

# ---- lab_not_root -------------------------------------------------------------
if command -v setpriv >/dev/null 2>&1 &&
	setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$IKESWARM" 2>/dev/null; then
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$IKESWARM" lab -n 2 -t 1 2>&1)
	rc=$?
	if [ $rc = 2 ] && printf '%s' "$out" | grep -q 'needs root'; then
		pass lab_not_root
	else
		fail lab_not_root "exit $rc: $out"
	fi
else
	echo "SKIP lab_not_root: no setpriv, or $IKESWARM not executable by uid 65534"
fi

finish
